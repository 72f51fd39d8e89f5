#include "mingyanadapter.h"

#include "jsonreply.h"

#include <QCoreApplication>

using namespace Qt::StringLiterals;

QString MingyanAdapter::name() const
{
    return u"mingyan"_s;
}

QString MingyanAdapter::displayName() const
{
    return QCoreApplication::translate("MingyanAdapter", "Mingyan (SD2 Manxue / Videos)");
}

QUrl MingyanAdapter::defaultBaseUrl() const
{
    return QUrl(u"https://zcbservice.aizfw.cn/kyyReactApiServer"_s);
}

int MingyanAdapter::defaultIntervalSeconds() const
{
    // The docs ask for 30-60 s between polls to stay clear of rate limiting.
    return 30;
}

QUrl MingyanAdapter::queryUrl(const QUrl &baseUrl, const QString &taskId) const
{
    return urlWithPathSegment(baseUrl, u"/v1/result"_s, taskId);
}

PollResult MingyanAdapter::parseQueryReply(const HttpResponse &response) const
{
    PollResult result;
    if (classifyHttpFailure(response, &result))
        return result;
    QJsonObject root;
    if (!JsonReply::parseObject(response, &root, &result))
        return result;

    // The documented reply is flat; tolerate the {code, data:{...}} wrapper many Chinese
    // gateways add, since the docs only show field lists.
    QJsonObject task = root;
    if (!root.value("status"_L1).isString() && root.value("data"_L1).isObject())
        task = root.value("data"_L1).toObject();

    const QString status = JsonReply::textAt(task, "status"_L1);
    // A 4xx that got this far is not one we know; whatever it says, it is not a task.
    if (status.isEmpty() || !response.isHttpSuccess())
        return JsonReply::notATask(response, root);

    TaskSnapshot snapshot;
    snapshot.providerStatus = status;
    snapshot.state = JsonReply::commonState(status);
    snapshot.model = JsonReply::textAt(task, "model"_L1);
    snapshot.createdAt = JsonReply::timestamp(task.value("created"_L1));
    snapshot.progress = JsonReply::progress(task.value("progress"_L1));
    snapshot.durationSeconds = JsonReply::seconds(task.value("actualDuration"_L1));

    if (snapshot.state == TaskState::Completed) {
        const QByteArray url = JsonReply::httpUrl(JsonReply::textAt(task, "video_url"_L1));
        if (url.isEmpty())
            JsonReply::setNoSource(&snapshot);
        else
            JsonReply::setUrlSource(&snapshot, url);
    } else if (snapshot.state == TaskState::Failed) {
        snapshot.errorMessage = JsonReply::errorText(task);
        if (snapshot.errorMessage.isEmpty())
            snapshot.errorMessage = JsonReply::defaultFailureMessage();
    }
    return PollResult::fromSnapshot(snapshot);
}
