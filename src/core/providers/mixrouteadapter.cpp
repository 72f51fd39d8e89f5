#include "mixrouteadapter.h"

#include "jsonreply.h"

#include <QCoreApplication>
#include <QJsonObject>

#include <array>

using namespace Qt::StringLiterals;

namespace
{
constexpr auto queryPath = "/v1/video/generations/"_L1;

bool isSuccessCode(const QString &code)
{
    return code.isEmpty() || code == "0"_L1 || code == "200"_L1 || code.compare("success"_L1, Qt::CaseInsensitive) == 0;
}

// First absolute http(s) URL among the places gateways and their upstreams put it.
QByteArray findVideoUrl(const QJsonObject &task)
{
    // fail_reason: older new-api builds stored the result URL there on SUCCESS.
    static constexpr std::array taskPaths{"url"_L1, "result_url"_L1, "video_url"_L1, "metadata.url"_L1,
                                          "fail_reason"_L1};
    for (const QLatin1StringView path : taskPaths) {
        if (const QByteArray url = JsonReply::httpUrl(JsonReply::textAt(task, path)); !url.isEmpty())
            return url;
    }
    // The raw upstream reply: Ark/Seedance, DashScope, Kling, new-api's own converters.
    const QJsonObject upstream = task.value("data"_L1).toObject();
    static constexpr std::array upstreamPaths{
        "content.video_url"_L1, "output.video_url"_L1, "task_result.videos.0.url"_L1, "video_url"_L1, "url"_L1,
        "metadata.url"_L1,      "video.url"_L1};
    for (const QLatin1StringView path : upstreamPaths) {
        if (const QByteArray url = JsonReply::httpUrl(JsonReply::textAt(upstream, path)); !url.isEmpty())
            return url;
    }
    return {};
}

QString failureReason(const QJsonObject &task)
{
    QString reason = JsonReply::errorText(task);
    if (reason.isEmpty()) {
        const QJsonObject upstream = task.value("data"_L1).toObject();
        reason = JsonReply::errorText(upstream);
        if (reason.isEmpty())
            reason = JsonReply::maskSecrets(JsonReply::textAt(upstream, "output.message"_L1));
        if (reason.isEmpty())
            reason = JsonReply::maskSecrets(JsonReply::textAt(upstream, "task_status_msg"_L1));
    }
    return reason.isEmpty() ? JsonReply::defaultFailureMessage() : reason;
}
} // namespace

QString MixrouteAdapter::name() const
{
    return u"mixroute"_s;
}

QString MixrouteAdapter::displayName() const
{
    return QCoreApplication::translate("MixrouteAdapter", "mixroute / new-api gateway");
}

QUrl MixrouteAdapter::defaultBaseUrl() const
{
    return QUrl(u"https://console.mixroute.io"_s);
}

int MixrouteAdapter::defaultIntervalSeconds() const
{
    // The docs recommend polling every 3-5 s.
    return 5;
}

QUrl MixrouteAdapter::queryUrl(const QUrl &baseUrl, const QString &taskId) const
{
    return urlWithPathSegment(baseUrl, queryPath, taskId);
}

PollResult MixrouteAdapter::parseQueryReply(const HttpResponse &response) const
{
    PollResult result;
    if (classifyHttpFailure(response, &result))
        return result;
    QJsonObject root;
    if (!JsonReply::parseObject(response, &root, &result))
        return result;

    const bool isEnvelope = root.contains("code"_L1) && !root.value("status"_L1).isString();
    if (!isEnvelope) {
        if (!response.isHttpSuccess())
            return JsonReply::notATask(response, root);
        return parseTask(response, root);
    }

    const QString code = JsonReply::maskSecrets(JsonReply::textAt(root, "code"_L1));
    const QString message = JsonReply::maskSecrets(JsonReply::textAt(root, "message"_L1));
    if (!isSuccessCode(code)) {
        // new-api answers an unknown ID with HTTP 400 {"code":"task_not_exist"}.
        if (code.compare("task_not_exist"_L1, Qt::CaseInsensitive) == 0
            || message.compare("task_not_exist"_L1, Qt::CaseInsensitive) == 0) {
            return PollResult::failure(
                PollResult::Outcome::NotFound,
                QCoreApplication::translate("MixrouteAdapter",
                                            "The gateway does not know this task ID (task_not_exist)."));
        }
        const QString quoted = message.isEmpty() || message == code ? code : code + u": "_s + message;
        if (code.contains("rate_limit"_L1, Qt::CaseInsensitive))
            return PollResult::failure(
                PollResult::Outcome::RateLimited,
                QCoreApplication::translate("MixrouteAdapter", "The gateway asks to slow down (%1).").arg(quoted));
        return JsonReply::unexpected(
            response,
            QCoreApplication::translate("MixrouteAdapter", "The gateway refused the query (%1).").arg(quoted));
    }

    const QJsonValue data = root.value("data"_L1);
    if (data.isNull() || data.isUndefined()) {
        // new-api's "empty result": the task row is not readable yet. Ask again later.
        return JsonReply::unexpected(
            response,
            QCoreApplication::translate("MixrouteAdapter",
                                        "The gateway returned an empty result for this task; asking again later."));
    }
    if (!data.isObject() || !response.isHttpSuccess())
        return JsonReply::notATask(response, root);
    return parseTask(response, data.toObject());
}

PollResult MixrouteAdapter::parseTask(const HttpResponse &response, const QJsonObject &task) const
{
    TaskSnapshot snapshot;
    snapshot.providerStatus = JsonReply::textAt(task, "status"_L1);
    if (snapshot.providerStatus.isEmpty())
        return JsonReply::notATask(response, task);
    // One table holds both vocabularies: new-api's NOT_START/SUBMITTED/QUEUED/IN_PROGRESS/
    // SUCCESS/FAILURE (UNKNOWN stays unknown) and the flat/Veo lowercase words.
    snapshot.state = JsonReply::commonState(snapshot.providerStatus);
    snapshot.progress = JsonReply::progress(task.value("progress"_L1));

    const QJsonObject upstream = task.value("data"_L1).toObject();
    snapshot.model = JsonReply::textAt(task, "model"_L1);
    if (snapshot.model.isEmpty())
        snapshot.model = JsonReply::textAt(task, "properties.origin_model_name"_L1);
    if (snapshot.model.isEmpty())
        snapshot.model = JsonReply::textAt(upstream, "model"_L1);
    snapshot.createdAt = JsonReply::timestamp(task.value("submit_time"_L1));
    if (!snapshot.createdAt.isValid())
        snapshot.createdAt = JsonReply::timestamp(task.value("created_at"_L1));
    snapshot.durationSeconds = JsonReply::seconds(upstream.value("seconds"_L1));
    if (snapshot.durationSeconds < 0)
        snapshot.durationSeconds = JsonReply::seconds(upstream.value("duration"_L1));
    snapshot.resolution = JsonReply::size(JsonReply::textAt(upstream, "size"_L1));

    if (snapshot.state == TaskState::Completed) {
        if (const QByteArray url = findVideoUrl(task); !url.isEmpty()) {
            JsonReply::setUrlSource(&snapshot, url);
        } else if (const QByteArray endpoint = base64EndpointUrl(response); !endpoint.isEmpty()) {
            // Sora 2: no URL anywhere; mixroute hands the bytes out as base64 instead.
            snapshot.source.kind = VideoSource::Kind::Base64Endpoint;
            snapshot.source.url = endpoint;
        } else {
            JsonReply::setNoSource(&snapshot);
        }
    } else if (snapshot.state == TaskState::Failed) {
        snapshot.errorMessage = failureReason(task);
    }
    return PollResult::fromSnapshot(snapshot);
}

QByteArray MixrouteAdapter::base64EndpointUrl(const HttpResponse &response) const
{
    // The reply does not repeat the base URL, but the URL that answered it starts with it.
    QUrl base;
    QString taskId;
    if (!JsonReply::splitQueryUrl(response.url, queryPath, &base, &taskId))
        return {};
    const QUrl url = urlWithQueryValue(base, u"/v1/video/generations/download"_s, u"id"_s, taskId);
    return url.isValid() ? url.toEncoded() : QByteArray();
}
