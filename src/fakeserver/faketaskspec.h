#pragma once

#include <QByteArray>
#include <QString>

// How one fake task behaves: which API shape answers for it, how it progresses (by number of
// status queries, so tests are deterministic), how it ends, and which faults it injects.
struct FakeTaskSpec
{
    enum class Shape
    {
        Mingyan,             // GET /v1/result/{id}                     (also under /kyyReactApiServer)
        Mixroute,            // GET /v1/video/generations/{id}          flat {task_id,status,url,error}
        MixrouteSora,        // as Mixroute but succeeded has no url; bytes via /v1/video/generations/download?id=
        NewApi,              // GET /v1/video/generations/{id}          {code,message,data:{status:"IN_PROGRESS",progress:"30%",result_url,fail_reason}}
        NewApiLegacy,        // as NewApi but the URL is in data.fail_reason on SUCCESS (older new-api builds)
        NewApiSora,          // as NewApi; result_url points at the gateway's own /v1/videos/{id}/content (needs the key)
        TaskGatewayEnvelope, // GET /task/{id}   {code:0,data:{status:"Success",video_url,...},message,request_id}
        TaskGatewayInline,   // as TaskGatewayEnvelope, bytes in data.binary_data_base64[0]
        TaskGatewayFileId,   // GET /task/{id}   flat {status,file_id,task_id,base_resp,video_width,video_height}
        MiniMax,             // GET /v1/query/video_generation?task_id= ; file_id -> /v1/files/retrieve?file_id=
        OpenAi               // GET /v1/videos/{id} ; bytes via /v1/videos/{id}/content (auth; redirects to the CDN)
    };

    QString id;
    Shape shape = Shape::Mingyan;
    QString model = QStringLiteral("fake-video-1");

    int queuedPolls = 1;       // status queries answered "queued" before processing
    int processingPolls = 2;   // status queries answered "processing" (progress rises) before the end
    QString failReason;        // non-empty: the task ends failed with this provider message

    qint64 videoBytes = 256 * 1024; // size of the generated MP4 (deterministic content, valid ftyp box)
    double durationSeconds = 5;
    int width = 1280;
    int height = 720;

    // Faults. Counts are "the first N times"; 0 = never.
    int rateLimitQueries = 0;        // answer 429 with Retry-After: retryAfterSeconds
    int retryAfterSeconds = 2;
    bool retryAfterAsHttpDate = false;
    int serverErrorQueries = 0;      // answer 500/502/503
    int malformedJsonQueries = 0;    // answer 200 with broken JSON
    int htmlErrorPageQueries = 0;    // answer 200 text/html "<html>..." where JSON is expected
    int truncatedDownloads = 0;      // CDN closes the connection halfway through the body
    bool firstUrlExpired = false;    // the first signed URL handed out is already past its Expires
    bool neverFreshUrl = false;      // every URL handed out is already expired (task ends "expired")
    bool redirectFromOtherHost = false; // the video URL is on a third origin that 302s to the CDN
    qint64 bytesPerSecond = 0;       // throttle the CDN transfer (0 = as fast as possible)
    bool cdnServesHtml = false;      // the video URL answers 200 text/html instead of video
    bool ignoreRange = false;        // the CDN ignores Range and always answers 200 with the whole body
    int urlLifetimeSeconds = 3600;   // lifetime of signed URLs handed out
};
