#include "openaivideosadapter.h"

#include "jsonreply.h"

#include <QCoreApplication>

using namespace Qt::StringLiterals;

namespace
{
constexpr auto queryPath = "/v1/videos/"_L1;

// openai-poll-after-ms: the official SDK's own pacing hint.
qint64 pollHintMs(const HttpResponse &response)
{
    bool ok = false;
    const qint64 ms = response.header("openai-poll-after-ms").trimmed().toLongLong(&ok);
    return ok && ms > 0 ? ms : -1;
}
} // namespace

QString OpenAiVideosAdapter::name() const
{
    return u"openai"_s;
}

QString OpenAiVideosAdapter::displayName() const
{
    return QCoreApplication::translate("OpenAiVideosAdapter", "OpenAI Videos (Sora 2)");
}

QUrl OpenAiVideosAdapter::defaultBaseUrl() const
{
    return QUrl(u"https://api.openai.com"_s);
}

int OpenAiVideosAdapter::defaultIntervalSeconds() const
{
    return 10;
}

QUrl OpenAiVideosAdapter::queryUrl(const QUrl &baseUrl, const QString &taskId) const
{
    return urlWithPathSegment(baseUrl, queryPath, taskId);
}

PollResult OpenAiVideosAdapter::parseQueryReply(const HttpResponse &response) const
{
    PollResult result;
    if (classifyHttpFailure(response, &result)) {
        result.nextPollHintMs = pollHintMs(response);
        return result;
    }
    QJsonObject root;
    if (!JsonReply::parseObject(response, &root, &result))
        return result;

    TaskSnapshot snapshot;
    snapshot.providerStatus = JsonReply::textAt(root, "status"_L1);
    if (snapshot.providerStatus.isEmpty() || !response.isHttpSuccess())
        return JsonReply::notATask(response, root);

    snapshot.state = JsonReply::commonState(snapshot.providerStatus);
    snapshot.progress = JsonReply::progress(root.value("progress"_L1));
    snapshot.model = JsonReply::textAt(root, "model"_L1);
    snapshot.durationSeconds = JsonReply::seconds(root.value("seconds"_L1));
    snapshot.resolution = JsonReply::size(JsonReply::textAt(root, "size"_L1));
    snapshot.createdAt = JsonReply::timestamp(root.value("created_at"_L1));
    snapshot.expiresAt = JsonReply::timestamp(root.value("expires_at"_L1));

    if (snapshot.state == TaskState::Completed) {
        // new-api's generic converter puts a direct URL in metadata.url; use it when present.
        if (const QByteArray direct = JsonReply::httpUrl(JsonReply::textAt(root, "metadata.url"_L1));
            !direct.isEmpty()) {
            JsonReply::setUrlSource(&snapshot, direct);
        } else if (const QByteArray content = contentUrl(response); !content.isEmpty()) {
            JsonReply::setUrlSource(&snapshot, content);
        } else {
            JsonReply::setNoSource(&snapshot);
        }
    } else if (snapshot.state == TaskState::Failed) {
        snapshot.errorMessage = JsonReply::errorText(root);
        if (snapshot.errorMessage.isEmpty())
            snapshot.errorMessage = JsonReply::defaultFailureMessage();
    }

    result = PollResult::fromSnapshot(snapshot);
    result.nextPollHintMs = pollHintMs(response);
    return result;
}

QByteArray OpenAiVideosAdapter::contentUrl(const HttpResponse &response) const
{
    // The ID we asked about, not the object's `id`: a gateway answering for its own task ID
    // may return the upstream object verbatim, and only its own ID works at its /content.
    QUrl base;
    QString id;
    if (!JsonReply::splitQueryUrl(response.url, queryPath, &base, &id))
        return {};
    const QUrl url = urlWithPathSegment(base, queryPath, id, u"/content"_s);
    return url.isValid() ? url.toEncoded() : QByteArray();
}
