#include "taskgatewayadapter.h"

#include "jsonreply.h"
#include "minimaxprotocol.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace
{
bool isSuccessCode(const QString &code)
{
    return code.isEmpty() || code == "0"_L1 || code == "200"_L1 || code.compare("success"_L1, Qt::CaseInsensitive) == 0;
}

// resp_data "may vary by scenario": a JSON object, or a string holding one.
QJsonObject respData(const QJsonObject &task)
{
    const QJsonValue value = task.value("resp_data"_L1);
    if (value.isObject())
        return value.toObject();
    if (value.isString())
        return QJsonDocument::fromJson(value.toString().toUtf8()).object();
    return {};
}

QByteArray firstInlineVideo(const QJsonObject &task)
{
    const QJsonArray items = task.value("binary_data_base64"_L1).toArray();
    for (const QJsonValue &item : items) {
        QByteArray data = item.toString().trimmed().toLatin1();
        // Some gateways send a data: URI rather than bare base64.
        if (data.startsWith("data:")) {
            const qsizetype comma = data.indexOf(',');
            data = comma < 0 ? QByteArray() : data.sliced(comma + 1);
        }
        if (!data.isEmpty())
            return data;
    }
    return {};
}

// Where the bytes are, most direct first: a URL, inline base64, then a file_id to resolve.
void setSource(TaskSnapshot *snapshot, const QJsonObject &task, const QByteArray &rawBody)
{
    const QString videoUrl = JsonReply::textAt(task, "video_url"_L1);
    if (const QByteArray url = JsonReply::httpUrl(videoUrl); !url.isEmpty()) {
        JsonReply::setUrlSource(snapshot, url);
        return;
    }
    if (const QByteArray inlineVideo = firstInlineVideo(task); !inlineVideo.isEmpty()) {
        snapshot->source = VideoSource{};
        snapshot->source.kind = VideoSource::Kind::InlineBase64;
        snapshot->source.inlineBase64 = inlineVideo;
        return;
    }

    const QJsonObject extra = respData(task);
    if (const QByteArray url = JsonReply::httpUrl(JsonReply::textAt(extra, "video_url"_L1)); !url.isEmpty()) {
        JsonReply::setUrlSource(snapshot, url);
        return;
    }
    if (const QByteArray url = JsonReply::httpUrl(JsonReply::textAt(extra, "download_url"_L1)); !url.isEmpty()) {
        JsonReply::setUrlSource(snapshot, url);
        return;
    }

    QString fileId = MinimaxProtocol::fileId(task, rawBody);
    if (fileId.isEmpty())
        fileId = MinimaxProtocol::fileId(extra, {});
    // "sometimes a file_id must be used": a bare number where the URL should be is one.
    if (fileId.isEmpty() && !videoUrl.isEmpty()
        && std::all_of(videoUrl.cbegin(), videoUrl.cend(), [](QChar c) { return c.isDigit(); })) {
        fileId = videoUrl;
    }
    if (!fileId.isEmpty()) {
        snapshot->source = VideoSource{};
        snapshot->source.kind = VideoSource::Kind::FileId;
        snapshot->source.fileId = fileId;
        return;
    }
    JsonReply::setNoSource(snapshot);
}

// Both reply forms carry the task's fields at one level: the envelope's `data`, or the root.
PollResult parseTask(const HttpResponse &response, const QJsonObject &task, const QString &outerMessage)
{
    TaskSnapshot snapshot;
    snapshot.providerStatus = JsonReply::textAt(task, "status"_L1);
    snapshot.state = MinimaxProtocol::state(snapshot.providerStatus);
    snapshot.progress = JsonReply::progress(task.value("progress"_L1));
    snapshot.model = JsonReply::textAt(task, "model"_L1);
    snapshot.resolution = JsonReply::size(task.value("video_width"_L1), task.value("video_height"_L1));

    PollResult result;
    if (MinimaxProtocol::applyBaseResp(task, snapshot, &result))
        return result;
    if (snapshot.providerStatus.isEmpty())
        return JsonReply::notATask(response, task);

    if (snapshot.state == TaskState::Completed) {
        setSource(&snapshot, task, response.body);
    } else if (snapshot.state == TaskState::Failed) {
        snapshot.errorMessage = JsonReply::errorText(task);
        if (snapshot.errorMessage.isEmpty())
            snapshot.errorMessage = outerMessage;
        if (snapshot.errorMessage.isEmpty())
            snapshot.errorMessage = JsonReply::defaultFailureMessage();
    }
    return PollResult::fromSnapshot(snapshot);
}
} // namespace

QString TaskGatewayAdapter::name() const
{
    return u"task-gateway"_s;
}

QString TaskGatewayAdapter::displayName() const
{
    return QCoreApplication::translate("TaskGatewayAdapter", "Task gateway (GET /task/{id})");
}

QUrl TaskGatewayAdapter::defaultBaseUrl() const
{
    return {};
}

int TaskGatewayAdapter::defaultIntervalSeconds() const
{
    return 10;
}

QUrl TaskGatewayAdapter::queryUrl(const QUrl &baseUrl, const QString &taskId) const
{
    return urlWithPathSegment(baseUrl, u"/task"_s, taskId);
}

PollResult TaskGatewayAdapter::parseQueryReply(const HttpResponse &response) const
{
    PollResult result;
    if (classifyHttpFailure(response, &result))
        return result;
    QJsonObject root;
    if (!JsonReply::parseObject(response, &root, &result))
        return result;

    const bool isEnvelope = root.contains("code"_L1) || root.value("data"_L1).isObject();
    if (!isEnvelope) {
        if (!response.isHttpSuccess())
            return JsonReply::notATask(response, root);
        return parseTask(response, root, {});
    }

    const QString code = JsonReply::maskSecrets(JsonReply::textAt(root, "code"_L1));
    const QString message = JsonReply::maskSecrets(JsonReply::textAt(root, "message"_L1));
    const QJsonObject data = root.value("data"_L1).toObject();

    if (!isSuccessCode(code)) {
        const QString quoted = message.isEmpty() ? code : code + u": "_s + message;
        // A task that failed may come with an error code and its data: that is the task's
        // failure, not a failed query.
        if (MinimaxProtocol::state(JsonReply::textAt(data, "status"_L1)) == TaskState::Failed)
            return parseTask(response, data, message.isEmpty() ? quoted : message);

        // The envelope's integer `status` is HTTP-style: it tells an auth problem from a missing task.
        switch (root.value("status"_L1).toInt()) {
        case 401:
        case 403:
            return PollResult::failure(
                PollResult::Outcome::AuthRejected,
                QCoreApplication::translate("TaskGatewayAdapter", "The gateway rejected the API key (%1).")
                    .arg(quoted));
        case 404:
            return PollResult::failure(
                PollResult::Outcome::NotFound,
                QCoreApplication::translate("TaskGatewayAdapter", "The gateway does not know this task ID (%1).")
                    .arg(quoted));
        case 429:
            return PollResult::failure(
                PollResult::Outcome::RateLimited,
                QCoreApplication::translate("TaskGatewayAdapter", "The gateway asks to slow down (%1).").arg(quoted));
        default:
            return JsonReply::unexpected(
                response,
                QCoreApplication::translate("TaskGatewayAdapter", "The gateway answered with error %1.").arg(quoted));
        }
    }

    if (data.isEmpty() || !response.isHttpSuccess())
        return JsonReply::notATask(response, root);
    // errorText() skips a "success" message, which must not become a failure reason.
    return parseTask(response, data, JsonReply::errorText(root));
}

QUrl TaskGatewayAdapter::resolveUrl(const QUrl &baseUrl, const QString &taskId, const VideoSource &source) const
{
    Q_UNUSED(taskId);
    if (source.kind != VideoSource::Kind::FileId)
        return {};
    return urlWithQueryValue(baseUrl, u"/v1/files/retrieve"_s, u"file_id"_s, source.fileId);
}

VideoSource TaskGatewayAdapter::parseResolveReply(const HttpResponse &response, QString *errorMessage) const
{
    return MinimaxProtocol::parseFilesRetrieve(response, errorMessage);
}
