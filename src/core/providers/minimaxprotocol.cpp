#include "minimaxprotocol.h"

#include "jsonreply.h"

#include <QCoreApplication>

using namespace Qt::StringLiterals;

namespace
{
// "1008" or "1008: insufficient balance", for messages that quote the provider.
QString codeAndMessage(qint64 code, const QString &message)
{
    return message.isEmpty() ? QString::number(code) : QString::number(code) + u": "_s + message;
}
} // namespace

TaskState MinimaxProtocol::state(QStringView status)
{
    // MiniMax's own words are all in the common table (Preparing, Queueing, Processing, Success,
    // Fail); anything else is "still running" for its SDK, Unknown for us.
    return JsonReply::commonState(status);
}

QString MinimaxProtocol::fileId(const QJsonObject &object, const QByteArray &rawBody)
{
    const QJsonValue value = object.value("file_id"_L1);
    QString id;
    if (value.isString()) {
        id = value.toString().trimmed();
    } else if (value.isDouble()) {
        id = JsonReply::rawInteger(rawBody, "file_id"_L1);
        if (id.isEmpty())
            id = JsonReply::text(value);
    }
    if (id == "0"_L1)
        return {};
    return id;
}

bool MinimaxProtocol::applyBaseResp(const QJsonObject &object, const TaskSnapshot &snapshot, PollResult *result)
{
    const qint64 code = JsonReply::textAt(object, "base_resp.status_code"_L1).toLongLong();
    if (code == 0)
        return false;
    const QString message = JsonReply::maskSecrets(JsonReply::textAt(object, "base_resp.status_msg"_L1));
    const QString quoted = codeAndMessage(code, message);

    switch (code) {
    case 1004:
        *result = PollResult::failure(
            PollResult::Outcome::AuthRejected,
            QCoreApplication::translate(
                "MinimaxProtocol",
                "MiniMax rejected the API key (error %1). A key only works on its own region's host.")
                .arg(quoted));
        return true;
    case 1002:
        *result = PollResult::failure(
            PollResult::Outcome::RateLimited,
            QCoreApplication::translate("MinimaxProtocol", "MiniMax asks to slow down (error %1).").arg(quoted));
        return true;
    case 1008:
        *result = PollResult::failure(
            PollResult::Outcome::AccountBlocked,
            QCoreApplication::translate("MinimaxProtocol",
                                        "MiniMax refuses the account: insufficient balance (error %1).")
                .arg(quoted));
        return true;
    case 2038:
        *result = PollResult::failure(
            PollResult::Outcome::AccountBlocked,
            QCoreApplication::translate(
                "MinimaxProtocol", "MiniMax refuses the account until its real-name verification is done (error %1).")
                .arg(quoted));
        return true;
    case 1026:
    case 1027: {
        TaskSnapshot failed = snapshot;
        failed.state = TaskState::Failed;
        if (message.isEmpty()) {
            failed.errorMessage = code == 1026
                ? QCoreApplication::translate("MinimaxProtocol", "The prompt or input was flagged as sensitive.")
                : QCoreApplication::translate("MinimaxProtocol", "The generated video was flagged as sensitive.");
        } else {
            failed.errorMessage = message;
        }
        *result = PollResult::fromSnapshot(failed);
        return true;
    }
    default:
        break;
    }

    if (snapshot.state == TaskState::Failed) {
        TaskSnapshot failed = snapshot;
        failed.errorMessage = message.isEmpty() ? JsonReply::defaultFailureMessage() : message;
        *result = PollResult::fromSnapshot(failed);
        return true;
    }
    *result = PollResult::failure(
        PollResult::Outcome::TransientError,
        QCoreApplication::translate("MinimaxProtocol", "The provider answered with error %1.").arg(quoted));
    return true;
}

VideoSource MinimaxProtocol::parseFilesRetrieve(const HttpResponse &response, QString *errorMessage)
{
    auto fail = [errorMessage](const QString &message) {
        if (errorMessage)
            *errorMessage = message;
        return VideoSource{};
    };

    if (response.statusCode == 0) {
        return fail(response.networkError.isEmpty()
                        ? QCoreApplication::translate("MinimaxProtocol", "The file lookup got no reply.")
                        : QCoreApplication::translate("MinimaxProtocol", "The file lookup got no reply: %1")
                              .arg(response.networkError));
    }
    if (response.statusCode == 401 || response.statusCode == 403)
        return fail(QCoreApplication::translate("MinimaxProtocol",
                                                "The API key was rejected while looking up the video file (HTTP %1).")
                        .arg(response.statusCode));
    if (response.statusCode == 404)
        return fail(
            QCoreApplication::translate("MinimaxProtocol", "The provider does not know this video file (HTTP 404)."));

    QJsonObject root;
    PollResult parseFailure;
    if (!JsonReply::parseObject(response, &root, &parseFailure))
        return fail(parseFailure.message);

    const qint64 code = JsonReply::textAt(root, "base_resp.status_code"_L1).toLongLong();
    if (code != 0) {
        return fail(QCoreApplication::translate("MinimaxProtocol", "The file lookup failed (error %1).")
                        .arg(codeAndMessage(code, JsonReply::maskSecrets(JsonReply::textAt(root, "base_resp.status_msg"_L1)))));
    }
    if (!response.isHttpSuccess())
        return fail(JsonReply::notATask(response, root).message);

    // `bytes` is 0 in real replies: only the URL is worth reading.
    const QByteArray url = JsonReply::httpUrl(JsonReply::textAt(root, "file.download_url"_L1));
    if (url.isEmpty())
        return fail(QCoreApplication::translate("MinimaxProtocol", "The file lookup reply has no download URL."));

    VideoSource source;
    source.kind = VideoSource::Kind::Url;
    source.url = url;
    return source;
}
