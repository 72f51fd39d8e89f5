#include "minimaxadapter.h"

#include "jsonreply.h"
#include "minimaxprotocol.h"

#include <QCoreApplication>

using namespace Qt::StringLiterals;

QString MinimaxAdapter::name() const
{
    return u"minimax"_s;
}

QString MinimaxAdapter::displayName() const
{
    return QCoreApplication::translate("MinimaxAdapter", "MiniMax (Hailuo)");
}

QUrl MinimaxAdapter::defaultBaseUrl() const
{
    // The global host; mainland keys need https://api.minimaxi.com instead.
    return QUrl(u"https://api.minimax.io"_s);
}

int MinimaxAdapter::defaultIntervalSeconds() const
{
    return 10;
}

int MinimaxAdapter::requestsPerMinute() const
{
    return 20;
}

QUrl MinimaxAdapter::queryUrl(const QUrl &baseUrl, const QString &taskId) const
{
    return urlWithQueryValue(baseUrl, u"/v1/query/video_generation"_s, u"task_id"_s, taskId);
}

PollResult MinimaxAdapter::parseQueryReply(const HttpResponse &response) const
{
    PollResult result;
    if (classifyHttpFailure(response, &result))
        return result;
    QJsonObject root;
    if (!JsonReply::parseObject(response, &root, &result))
        return result;

    TaskSnapshot snapshot;
    snapshot.providerStatus = JsonReply::textAt(root, "status"_L1);
    snapshot.state = MinimaxProtocol::state(snapshot.providerStatus);
    snapshot.resolution = JsonReply::size(root.value("video_width"_L1), root.value("video_height"_L1));

    // Error replies may carry no status at all, so base_resp is read first.
    if (MinimaxProtocol::applyBaseResp(root, snapshot, &result))
        return result;
    if (snapshot.providerStatus.isEmpty() || !response.isHttpSuccess())
        return JsonReply::notATask(response, root);

    if (snapshot.state == TaskState::Completed) {
        const QString fileId = MinimaxProtocol::fileId(root, response.body);
        if (fileId.isEmpty()) {
            JsonReply::setNoSource(&snapshot);
        } else {
            snapshot.source.kind = VideoSource::Kind::FileId;
            snapshot.source.fileId = fileId;
        }
    } else if (snapshot.state == TaskState::Failed) {
        snapshot.errorMessage = JsonReply::errorText(root);
        if (snapshot.errorMessage.isEmpty())
            snapshot.errorMessage = JsonReply::defaultFailureMessage();
    }
    return PollResult::fromSnapshot(snapshot);
}

QUrl MinimaxAdapter::resolveUrl(const QUrl &baseUrl, const QString &taskId, const VideoSource &source) const
{
    Q_UNUSED(taskId);
    if (source.kind != VideoSource::Kind::FileId)
        return {};
    return urlWithQueryValue(baseUrl, u"/v1/files/retrieve"_s, u"file_id"_s, source.fileId);
}

VideoSource MinimaxAdapter::parseResolveReply(const HttpResponse &response, QString *errorMessage) const
{
    return MinimaxProtocol::parseFilesRetrieve(response, errorMessage);
}
