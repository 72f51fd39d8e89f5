#include "fakeapireplies.h"

#include <algorithm>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>

using namespace Qt::StringLiterals;
using Shape = FakeTaskSpec::Shape;

namespace {

QString latin1(const QByteArray &bytes)
{
    return QString::fromLatin1(bytes);
}

QJsonValue urlOrNull(const QByteArray &url)
{
    return url.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(latin1(url));
}

QJsonObject baseResp(int code, const QString &message)
{
    return QJsonObject{{u"status_code"_s, code}, {u"status_msg"_s, message}};
}

// Content-policy style failures map to MiniMax's "sensitive input" code.
constexpr int MiniMaxFailCode = 1026;

// A JSON string literal, quotes included (for replies assembled by hand).
QByteArray jsonString(const QString &value)
{
    const QByteArray array = QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact);
    return array.mid(1, array.size() - 2);
}

QString durationString(double seconds)
{
    return QString::number(seconds);
}

} // namespace

bool FakeApiReplies::isStatusRoute(Route route)
{
    switch (route) {
    case Route::MingyanResult:
    case Route::VideoGenerations:
    case Route::OpenAiVideo:
    case Route::TaskGateway:
    case Route::MiniMaxQuery:
        return true;
    default:
        return false;
    }
}

bool FakeApiReplies::routeServesShape(Route route, Shape shape)
{
    switch (route) {
    case Route::MingyanResult:
        return shape == Shape::Mingyan;
    case Route::VideoGenerations:
        return shape == Shape::Mixroute || shape == Shape::MixrouteSora || shape == Shape::NewApi
               || shape == Shape::NewApiLegacy || shape == Shape::NewApiSora;
    case Route::MixrouteDownload:
        return shape == Shape::MixrouteSora;
    case Route::OpenAiVideo:
    case Route::VideoContent:
        // new-api also answers the OpenAI-compatible routes for its Sora channels.
        return shape == Shape::OpenAi || shape == Shape::NewApiSora;
    case Route::TaskGateway:
        return shape == Shape::TaskGatewayEnvelope || shape == Shape::TaskGatewayInline
               || shape == Shape::TaskGatewayFileId;
    case Route::MiniMaxQuery:
        return shape == Shape::MiniMax;
    case Route::FilesRetrieve:
        return shape == Shape::MiniMax || shape == Shape::TaskGatewayFileId;
    case Route::None:
        return false;
    }
    return false;
}

FakeHttpResponse FakeApiReplies::status(Route route, const FakeTaskSpec &spec, const Snapshot &snapshot)
{
    switch (route) {
    case Route::MingyanResult:
        return mingyan(spec, snapshot);
    case Route::VideoGenerations:
        if (spec.shape == Shape::Mixroute || spec.shape == Shape::MixrouteSora)
            return mixroute(spec, snapshot);
        return newApi(spec, snapshot);
    case Route::OpenAiVideo:
        return openAi(spec, snapshot);
    case Route::TaskGateway:
        if (spec.shape == Shape::TaskGatewayFileId)
            return taskGatewayFileId(spec, snapshot);
        return taskGatewayEnvelope(spec, snapshot);
    case Route::MiniMaxQuery:
        return miniMax(spec, snapshot);
    default:
        return unknownTask(route, spec.id, "GET", {}, snapshot.requestId);
    }
}

FakeHttpResponse FakeApiReplies::mingyan(const FakeTaskSpec &spec, const Snapshot &snapshot)
{
    static const char *const words[] = {"queued", "processing", "completed", "failed"};
    QJsonObject object{
        {u"id"_s, spec.id},
        {u"object"_s, u"video"_s},
        {u"created"_s, snapshot.createdAt},
        {u"model"_s, spec.model},
        {u"status"_s, QString::fromLatin1(words[int(snapshot.phase)])},
        {u"video_url"_s, urlOrNull(snapshot.phase == Phase::Succeeded ? snapshot.videoUrl : QByteArray())},
    };
    if (snapshot.phase == Phase::Succeeded)
        object.insert(u"actualDuration"_s, spec.durationSeconds);
    if (snapshot.phase == Phase::Failed)
        object.insert(u"error"_s, spec.failReason);
    return FakeHttpResponse::json(200, object);
}

FakeHttpResponse FakeApiReplies::mixroute(const FakeTaskSpec &spec, const Snapshot &snapshot)
{
    static const char *const words[] = {"queued", "in_progress", "succeeded", "failed"};
    QJsonObject object{
        {u"task_id"_s, spec.id},
        {u"status"_s, QString::fromLatin1(words[int(snapshot.phase)])},
        {u"format"_s, u"mp4"_s},
    };
    // Sora 2 tasks never carry a URL: the bytes come from /v1/video/generations/download.
    if (snapshot.phase == Phase::Succeeded && spec.shape == Shape::Mixroute)
        object.insert(u"url"_s, latin1(snapshot.videoUrl));
    if (snapshot.phase == Phase::Failed)
        object.insert(u"error"_s, QJsonObject{{u"code"_s, 400}, {u"message"_s, spec.failReason}});
    return FakeHttpResponse::json(200, object);
}

QString FakeApiReplies::newApiStatusWord(const Snapshot &snapshot)
{
    switch (snapshot.phase) {
    case Phase::Queued:
        return snapshot.stepInPhase == 0 ? u"SUBMITTED"_s : u"QUEUED"_s;
    case Phase::Processing:
        return u"IN_PROGRESS"_s;
    case Phase::Succeeded:
        return u"SUCCESS"_s;
    case Phase::Failed:
        return u"FAILURE"_s;
    }
    return u"UNKNOWN"_s;
}

FakeHttpResponse FakeApiReplies::newApi(const FakeTaskSpec &spec, const Snapshot &snapshot)
{
    // new-api's poller writes fixed steps while queued; the Sora adaptor reports real progress.
    int percent = 100;
    if (snapshot.phase == Phase::Queued)
        percent = snapshot.stepInPhase == 0 ? 10 : 20;
    else if (snapshot.phase == Phase::Processing)
        percent = snapshot.percent;

    QString failReason;
    if (snapshot.phase == Phase::Failed)
        failReason = spec.failReason;
    else if (snapshot.phase == Phase::Succeeded && spec.shape == Shape::NewApiLegacy)
        failReason = latin1(snapshot.videoUrl); // older builds really did put the URL here

    QJsonObject data{
        {u"id"_s, snapshot.rowId},
        {u"created_at"_s, snapshot.createdAt},
        {u"updated_at"_s, QDateTime::currentSecsSinceEpoch()},
        {u"task_id"_s, spec.id},
        {u"platform"_s, spec.shape == Shape::NewApiSora ? u"sora"_s : u"kling"_s},
        {u"user_id"_s, 1},
        {u"group"_s, u"default"_s},
        {u"channel_id"_s, 3},
        {u"quota"_s, 0},
        {u"action"_s, u"generate"_s},
        {u"status"_s, newApiStatusWord(snapshot)},
        {u"fail_reason"_s, failReason},
        {u"submit_time"_s, snapshot.createdAt},
        {u"start_time"_s, snapshot.startedAt},
        {u"finish_time"_s, snapshot.finishedAt},
        {u"progress"_s, u"%1%"_s.arg(percent)},
        {u"properties"_s, QJsonObject{}},
        {u"data"_s, QJsonObject{}},
    };
    // result_url is omitempty in newer builds and absent from legacy ones.
    if (snapshot.phase == Phase::Succeeded && spec.shape != Shape::NewApiLegacy)
        data.insert(u"result_url"_s, latin1(snapshot.videoUrl));
    return FakeHttpResponse::json(200, QJsonObject{{u"code"_s, u"success"_s}, {u"message"_s, u""_s}, {u"data"_s, data}});
}

FakeHttpResponse FakeApiReplies::openAi(const FakeTaskSpec &spec, const Snapshot &snapshot)
{
    static const char *const words[] = {"queued", "in_progress", "completed", "failed"};
    int progress = 0;
    if (snapshot.phase == Phase::Processing)
        progress = snapshot.percent;
    else if (snapshot.phase == Phase::Succeeded)
        progress = 100;
    const bool ended = snapshot.phase == Phase::Succeeded || snapshot.phase == Phase::Failed;
    QJsonObject object{
        {u"id"_s, spec.id},
        {u"object"_s, u"video"_s},
        {u"model"_s, spec.model},
        {u"status"_s, QString::fromLatin1(words[int(snapshot.phase)])},
        {u"progress"_s, progress},
        {u"created_at"_s, snapshot.createdAt},
        {u"completed_at"_s, ended ? QJsonValue(snapshot.finishedAt) : QJsonValue(QJsonValue::Null)},
        {u"expires_at"_s, snapshot.phase == Phase::Succeeded ? QJsonValue(snapshot.finishedAt + spec.urlLifetimeSeconds)
                                                             : QJsonValue(QJsonValue::Null)},
        {u"prompt"_s, u"A paper boat drifting down a rainy street, cinematic"_s},
        {u"size"_s, u"%1x%2"_s.arg(spec.width).arg(spec.height)},
        {u"seconds"_s, durationString(spec.durationSeconds)},
        {u"remixed_from_video_id"_s, QJsonValue::Null},
        {u"error"_s, snapshot.phase == Phase::Failed
                         ? QJsonValue(QJsonObject{{u"code"_s, u"video_generation_failed"_s}, {u"message"_s, spec.failReason}})
                         : QJsonValue(QJsonValue::Null)},
    };
    FakeHttpResponse response = FakeHttpResponse::json(200, object);
    if (!ended)
        response.setHeader("openai-poll-after-ms", "1000");
    return response;
}

FakeHttpResponse FakeApiReplies::taskGatewayEnvelope(const FakeTaskSpec &spec, const Snapshot &snapshot)
{
    // The documented vocabulary is Success / Processing / Failed: queued tasks say Processing too.
    QString word = u"Processing"_s;
    if (snapshot.phase == Phase::Succeeded)
        word = u"Success"_s;
    else if (snapshot.phase == Phase::Failed)
        word = u"Failed"_s;

    const bool inline64 = spec.shape == Shape::TaskGatewayInline && snapshot.phase == Phase::Succeeded;
    QJsonObject data{
        {u"status"_s, word},
        {u"resp_data"_s, snapshot.phase == Phase::Failed ? spec.failReason : QString()},
        {u"video_url"_s, snapshot.phase == Phase::Succeeded && !inline64 ? latin1(snapshot.videoUrl) : QString()},
        {u"image_urls"_s, QJsonValue::Null},
        {u"binary_data_base64"_s, inline64 ? QJsonValue(QJsonArray{latin1(snapshot.videoBase64)})
                                           : QJsonValue(QJsonValue::Null)},
    };
    return FakeHttpResponse::json(200, QJsonObject{
        {u"code"_s, 0},
        {u"data"_s, data},
        {u"status"_s, 200},
        {u"message"_s, snapshot.phase == Phase::Failed ? spec.failReason : u"success"_s},
        {u"request_id"_s, snapshot.requestId},
        {u"time_elapsed"_s, u"12ms"_s},
    });
}

FakeHttpResponse FakeApiReplies::taskGatewayFileId(const FakeTaskSpec &spec, const Snapshot &snapshot)
{
    QString word = u"Processing"_s;
    if (snapshot.phase == Phase::Succeeded)
        word = u"Success"_s;
    else if (snapshot.phase == Phase::Failed)
        word = u"Failed"_s;
    QJsonObject object{
        {u"status"_s, word},
        {u"file_id"_s, snapshot.phase == Phase::Succeeded ? snapshot.fileId : QString()},
        {u"task_id"_s, spec.id},
        {u"base_resp"_s, snapshot.phase == Phase::Failed ? baseResp(MiniMaxFailCode, spec.failReason)
                                                         : baseResp(0, u"success"_s)},
    };
    if (snapshot.phase == Phase::Succeeded) {
        object.insert(u"video_width"_s, spec.width);
        object.insert(u"video_height"_s, spec.height);
    }
    return FakeHttpResponse::json(200, object);
}

FakeHttpResponse FakeApiReplies::miniMax(const FakeTaskSpec &spec, const Snapshot &snapshot)
{
    QString word;
    switch (snapshot.phase) {
    case Phase::Queued:
        word = snapshot.stepInPhase == 0 ? u"Preparing"_s : u"Queueing"_s;
        break;
    case Phase::Processing:
        word = u"Processing"_s;
        break;
    case Phase::Succeeded:
        word = u"Success"_s;
        break;
    case Phase::Failed:
        word = u"Fail"_s;
        break;
    }
    QJsonObject object{
        {u"task_id"_s, spec.id},
        {u"status"_s, word},
        {u"file_id"_s, snapshot.phase == Phase::Succeeded ? snapshot.fileId : QString()},
        {u"base_resp"_s, snapshot.phase == Phase::Failed ? baseResp(MiniMaxFailCode, spec.failReason)
                                                         : baseResp(0, u"success"_s)},
    };
    if (snapshot.phase == Phase::Succeeded) {
        object.insert(u"video_width"_s, spec.width);
        object.insert(u"video_height"_s, spec.height);
    }
    return FakeHttpResponse::json(200, object);
}

FakeHttpResponse FakeApiReplies::unknownTask(Route route, const QString &id, const QByteArray &method,
                                             const QByteArray &rawPath, const QString &requestId)
{
    switch (route) {
    case Route::MingyanResult:
        return FakeHttpResponse::json(404, QJsonObject{{u"error"_s, QJsonObject{
            {u"message"_s, u"task not found"_s}, {u"type"_s, u"invalid_request_error"_s}, {u"code"_s, u"task_not_found"_s}}}});
    case Route::VideoGenerations:
        // new-api (and mixroute, which derives from it) answer 400 here, not 404.
        return FakeHttpResponse::json(400, QJsonObject{
            {u"code"_s, u"task_not_exist"_s}, {u"message"_s, u"task_not_exist"_s}, {u"data"_s, QJsonValue::Null}});
    case Route::MixrouteDownload:
        return FakeHttpResponse::json(404, QJsonObject{{u"success"_s, false}, {u"message"_s, u"task not found"_s}});
    case Route::OpenAiVideo:
    case Route::VideoContent:
        return FakeHttpResponse::json(404, QJsonObject{{u"error"_s, QJsonObject{
            {u"message"_s, u"Video with id '%1' not found."_s.arg(id)}, {u"type"_s, u"invalid_request_error"_s},
            {u"param"_s, u"video_id"_s}, {u"code"_s, u"video_not_found"_s}}}});
    case Route::TaskGateway:
        return FakeHttpResponse::json(404, QJsonObject{
            {u"code"_s, 404}, {u"data"_s, QJsonValue::Null}, {u"message"_s, u"task not found"_s}, {u"request_id"_s, requestId}});
    case Route::MiniMaxQuery:
        // MiniMax reports errors with HTTP 200; 2013 is its "invalid parameters" code.
        return FakeHttpResponse::json(200, QJsonObject{
            {u"task_id"_s, id}, {u"status"_s, u""_s}, {u"file_id"_s, u""_s},
            {u"base_resp"_s, baseResp(2013, u"invalid task_id"_s)}});
    case Route::FilesRetrieve:
        return filesRetrieveUnknown(id);
    case Route::None:
        break;
    }
    return FakeHttpResponse::json(404, QJsonObject{{u"error"_s, QJsonObject{
        {u"message"_s, u"Invalid URL (%1 %2)"_s.arg(latin1(method), latin1(rawPath))},
        {u"type"_s, u"invalid_request_error"_s}}}});
}

FakeHttpResponse FakeApiReplies::unauthorized(Route route)
{
    switch (route) {
    case Route::MiniMaxQuery:
    case Route::FilesRetrieve:
        return FakeHttpResponse::json(200, QJsonObject{
            {u"base_resp"_s, baseResp(1004, u"login fail: Please carefully check the API secret key"_s)}});
    case Route::TaskGateway:
        return FakeHttpResponse::json(401, QJsonObject{
            {u"code"_s, 401}, {u"data"_s, QJsonValue::Null}, {u"message"_s, u"Unauthorized: invalid token"_s}});
    case Route::VideoGenerations:
    case Route::MixrouteDownload:
        return FakeHttpResponse::json(401, QJsonObject{{u"error"_s, QJsonObject{
            {u"code"_s, u""_s}, {u"message"_s, u"Invalid token"_s}, {u"type"_s, u"new_api_error"_s}}}});
    default:
        return FakeHttpResponse::json(401, QJsonObject{{u"error"_s, QJsonObject{
            {u"message"_s, u"Incorrect API key provided."_s}, {u"type"_s, u"invalid_request_error"_s},
            {u"param"_s, QJsonValue::Null}, {u"code"_s, u"invalid_api_key"_s}}}});
    }
}

FakeHttpResponse FakeApiReplies::methodNotAllowed(const QByteArray &method)
{
    FakeHttpResponse response = FakeHttpResponse::json(405, QJsonObject{{u"error"_s, QJsonObject{
        {u"message"_s, u"Method %1 not allowed"_s.arg(latin1(method))}, {u"type"_s, u"invalid_request_error"_s}}}});
    response.setHeader("Allow", "GET, HEAD");
    return response;
}

FakeHttpResponse FakeApiReplies::rateLimited(int retryAfterSeconds, bool asHttpDate)
{
    FakeHttpResponse response = FakeHttpResponse::json(429, QJsonObject{{u"error"_s, QJsonObject{
        {u"message"_s, u"Rate limit reached for requests. Please try again later."_s},
        {u"type"_s, u"rate_limit_error"_s}, {u"code"_s, u"rate_limit_exceeded"_s}}}});
    if (asHttpDate) {
        // HTTP dates have whole seconds; round up so a client never retries early.
        const QDateTime at = QDateTime::currentDateTimeUtc().addSecs(retryAfterSeconds + 1);
        response.setHeader("Retry-After", httpDate(at));
    } else {
        response.setHeader("Retry-After", QByteArray::number(retryAfterSeconds));
    }
    return response;
}

FakeHttpResponse FakeApiReplies::serverError(int index)
{
    switch (index % 3) {
    case 0:
        return FakeHttpResponse::json(500, QJsonObject{{u"error"_s, QJsonObject{
            {u"message"_s, u"The server had an error while processing your request."_s}, {u"type"_s, u"server_error"_s}}}});
    case 1:
        return FakeHttpResponse::withBody(502, "text/html",
            "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
            "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n");
    default:
        return FakeHttpResponse::json(503, QJsonObject{{u"error"_s, QJsonObject{
            {u"message"_s, u"upstream saturated, please retry later"_s}, {u"type"_s, u"upstream_error"_s}}}});
    }
}

FakeHttpResponse FakeApiReplies::malformedJson()
{
    return FakeHttpResponse::rawJson(200, "{\"status\": \"proc");
}

FakeHttpResponse FakeApiReplies::htmlErrorPage()
{
    return FakeHttpResponse::withBody(200, "text/html; charset=UTF-8",
        "<!DOCTYPE html><html lang=\"en-US\"><head><title>Just a moment...</title></head>"
        "<body><h1>Checking your browser before accessing the site.</h1>"
        "<p>This process is automatic.</p></body></html>");
}

FakeHttpResponse FakeApiReplies::badReply(FakeTaskSpec::BadReply kind)
{
    using BadReply = FakeTaskSpec::BadReply;
    switch (kind) {
    case BadReply::TruncatedJson:
        return FakeHttpResponse::rawJson(200, "{\"code\":200,\"data\":{\"status\":\"processing\",\"progress\":4");
    case BadReply::MalformedJson:
        return FakeHttpResponse::rawJson(200, "{status: 'processing', progress: 40,}");
    case BadReply::HtmlPage:
        return htmlErrorPage();
    case BadReply::HtmlAsJson: {
        FakeHttpResponse response = htmlErrorPage();
        response.setHeader("Content-Type", "application/json");
        return response;
    }
    case BadReply::EmptyBody:
        return FakeHttpResponse::rawJson(200, QByteArray());
    case BadReply::HugeBody: {
        // Valid JSON all the way: only its size is wrong.
        FakeHttpResponse response = FakeHttpResponse::rawJson(200, QByteArray());
        static const QByteArray head = "{\"status\":\"processing\",\"padding\":\"";
        static const QByteArray tail = "\"}";
        const qint64 total = FakeTaskSpec::hugeReplyBytes;
        response.streamLength = total;
        response.streamChunk = [total](qint64 offset, qint64 maxLength) {
            const qint64 end = std::min(total, offset + maxLength);
            QByteArray chunk(end - offset, 'x');
            for (qint64 i = offset; i < std::min<qint64>(end, head.size()); ++i)
                chunk[i - offset] = head.at(i);
            for (qint64 i = std::max(offset, total - tail.size()); i < end; ++i)
                chunk[i - offset] = tail.at(i - (total - tail.size()));
            return chunk;
        };
        return response;
    }
    case BadReply::BinaryGarbage: {
        QByteArray bytes(4096, Qt::Uninitialized);
        quint32 x = 2463534242u;
        for (char &c : bytes) {
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            c = char(x);
        }
        return FakeHttpResponse::withBody(200, "application/octet-stream", bytes);
    }
    }
    return htmlErrorPage();
}

FakeHttpResponse FakeApiReplies::contentNotReady(const QString &statusWord)
{
    return FakeHttpResponse::json(400, QJsonObject{{u"error"_s, QJsonObject{
        {u"message"_s, u"Task is not completed yet, current status: %1"_s.arg(statusWord)},
        {u"type"_s, u"invalid_request_error"_s}}}});
}

FakeHttpResponse FakeApiReplies::contentBadVariant(const QString &variant)
{
    return FakeHttpResponse::json(400, QJsonObject{{u"error"_s, QJsonObject{
        {u"message"_s, u"Invalid value: '%1'. Supported values are: 'video', 'thumbnail', and 'spritesheet'."_s.arg(variant)},
        {u"type"_s, u"invalid_request_error"_s}, {u"param"_s, u"variant"_s}, {u"code"_s, u"invalid_value"_s}}}});
}

FakeHttpResponse FakeApiReplies::mixrouteDownload(const QString &id, qint64 size, const QByteArray &videoBase64)
{
    // Assembled by hand: the video is in here twice, no need for a QJsonDocument copy as well.
    const QByteArray quotedId = jsonString(id);
    QByteArray body;
    body.reserve(videoBase64.size() * 2 + 256);
    body += "{\"success\":true,\"generation_id\":" + quotedId + ",\"task_id\":" + quotedId
            + ",\"format\":\"mp4\",\"size\":" + QByteArray::number(size) + ",\"base64\":\"";
    body += videoBase64;
    body += "\",\"data_url\":\"data:video/mp4;base64,";
    body += videoBase64;
    body += "\"}";
    return FakeHttpResponse::rawJson(200, body);
}

FakeHttpResponse FakeApiReplies::mixrouteDownloadNotReady(const QString &id)
{
    return FakeHttpResponse::json(400, QJsonObject{
        {u"success"_s, false}, {u"message"_s, u"video %1 is not ready"_s.arg(id)}});
}

FakeHttpResponse FakeApiReplies::filesRetrieve(const QString &fileId, qint64 createdAt, const QByteArray &downloadUrl)
{
    // file_id is a JSON number here (a string in the query reply); written by hand so the
    // digits are exactly the string's.
    const QJsonObject rest{
        {u"bytes"_s, 0},
        {u"created_at"_s, createdAt},
        {u"filename"_s, u"output.mp4"_s},
        {u"purpose"_s, u"video_generation"_s},
        {u"download_url"_s, latin1(downloadUrl)},
    };
    QByteArray fileObject = QJsonDocument(rest).toJson(QJsonDocument::Compact);
    fileObject.insert(1, "\"file_id\":" + fileId.toLatin1() + ',');
    return FakeHttpResponse::rawJson(200, "{\"file\":" + fileObject
                                              + ",\"base_resp\":{\"status_code\":0,\"status_msg\":\"success\"}}");
}

FakeHttpResponse FakeApiReplies::filesRetrieveUnknown(const QString &fileId)
{
    Q_UNUSED(fileId)
    return FakeHttpResponse::json(200, QJsonObject{{u"base_resp"_s, baseResp(2013, u"invalid params, file_id not found"_s)}});
}

QByteArray FakeApiReplies::httpDate(const QDateTime &utc)
{
    return QLocale::c().toString(utc.toUTC(), u"ddd, dd MMM yyyy hh:mm:ss 'GMT'"_s).toLatin1();
}
