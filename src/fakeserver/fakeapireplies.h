#pragma once

#include "fakehttpresponse.h"
#include "faketaskspec.h"

#include <QByteArray>
#include <QDateTime>
#include <QString>

// The wire formats of every provider API the fake server plays, as pure functions from a task's
// state to an HTTP response. Field names, types and status words follow /work/shared/api-docs;
// where the docs are silent (errors of unknown tasks, auth) the choice is noted beside it.
class FakeApiReplies
{
public:
    // Which API answered decides the reply style; the task's shape only picks details
    // (e.g. where the URL goes) where several shapes share one route.
    enum class Route
    {
        None,
        MingyanResult,     // .../v1/result/{id}
        VideoGenerations,  // .../v1/video/generations/{id}          (mixroute, new-api)
        MixrouteDownload,  // .../v1/video/generations/download?id=
        OpenAiVideo,       // .../v1/videos/{id}
        VideoContent,      // .../v1/videos/{id}/content            (OpenAI, new-api Sora)
        TaskGateway,       // .../task/{id}
        MiniMaxQuery,      // .../v1/query/video_generation?task_id=
        FilesRetrieve      // .../v1/files/retrieve?file_id=
    };

    enum class Phase
    {
        Queued,
        Processing,
        Succeeded,
        Failed
    };

    // Everything a status reply needs to know about one moment of a task.
    struct Snapshot
    {
        Phase phase = Phase::Queued;
        int stepInPhase = 0;       // 0-based index of this answer within its phase
        int percent = 0;
        int rowId = 1;             // new-api's integer row id
        qint64 createdAt = 0;
        qint64 startedAt = 0;      // 0 until processing
        qint64 finishedAt = 0;     // 0 until an end state
        QByteArray videoUrl;       // percent-encoded, exactly as a client must use it
        QString fileId;            // MiniMax / task gateway file_id form
        QByteArray videoBase64;    // TaskGatewayInline on success
        QString requestId;
    };

    static bool isStatusRoute(Route route);
    // Whether a task of this shape exists as far as this route is concerned.
    static bool routeServesShape(Route route, FakeTaskSpec::Shape shape);

    static FakeHttpResponse status(Route route, const FakeTaskSpec &spec, const Snapshot &snapshot);
    static FakeHttpResponse unknownTask(Route route, const QString &id, const QByteArray &method,
                                        const QByteArray &rawPath, const QString &requestId);
    static FakeHttpResponse unauthorized(Route route);
    static FakeHttpResponse methodNotAllowed(const QByteArray &method);

    // Faults on status queries.
    static FakeHttpResponse rateLimited(int retryAfterSeconds, bool asHttpDate);
    static FakeHttpResponse serverError(int index); // 500, 502, 503 in turn
    static FakeHttpResponse malformedJson();
    static FakeHttpResponse htmlErrorPage();
    static FakeHttpResponse badReply(FakeTaskSpec::BadReply kind);

    // Byte routes.
    static FakeHttpResponse contentNotReady(const QString &statusWord);
    static FakeHttpResponse contentBadVariant(const QString &variant);
    static FakeHttpResponse mixrouteDownload(const QString &id, qint64 size, const QByteArray &videoBase64);
    static FakeHttpResponse mixrouteDownloadNotReady(const QString &id);
    static FakeHttpResponse filesRetrieve(const QString &fileId, qint64 createdAt, const QByteArray &downloadUrl);
    static FakeHttpResponse filesRetrieveUnknown(const QString &fileId);

    static QByteArray httpDate(const QDateTime &utc);
    static QString newApiStatusWord(const Snapshot &snapshot);

private:
    static FakeHttpResponse mingyan(const FakeTaskSpec &spec, const Snapshot &snapshot);
    static FakeHttpResponse mixroute(const FakeTaskSpec &spec, const Snapshot &snapshot);
    static FakeHttpResponse newApi(const FakeTaskSpec &spec, const Snapshot &snapshot);
    static FakeHttpResponse openAi(const FakeTaskSpec &spec, const Snapshot &snapshot);
    static FakeHttpResponse taskGatewayEnvelope(const FakeTaskSpec &spec, const Snapshot &snapshot);
    static FakeHttpResponse taskGatewayFileId(const FakeTaskSpec &spec, const Snapshot &snapshot);
    static FakeHttpResponse miniMax(const FakeTaskSpec &spec, const Snapshot &snapshot);
};
