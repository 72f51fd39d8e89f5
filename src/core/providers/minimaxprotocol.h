#pragma once

#include "httpresponse.h"
#include "pollresult.h"
#include "videosource.h"

#include <QJsonObject>
#include <QString>

// MiniMax's v1 conventions, shared by the MiniMax adapter and gateways that pass its replies
// through unchanged: the status words, base_resp error codes, the file_id and the
// /v1/files/retrieve reply that turns a file_id into a download URL.
class MinimaxProtocol
{
public:
    // Preparing / Queueing / Processing / Success / Fail, any case, plus the common words.
    static TaskState state(QStringView status);
    // The file_id exactly as sent: a string as is, a number as the digits in the raw body
    // (it can exceed what a double holds). Empty when absent, empty or zero.
    static QString fileId(const QJsonObject &object, const QByteArray &rawBody);
    // Acts on a non-zero base_resp.status_code. Returns true when that decides the outcome:
    // *result is then an account/rate/transient outcome, or `snapshot` turned into a failure.
    static bool applyBaseResp(const QJsonObject &object, const TaskSnapshot &snapshot, PollResult *result);
    // {"file":{"file_id":..., "download_url":"..."}, "base_resp":{...}} -> a Url source.
    static VideoSource parseFilesRetrieve(const HttpResponse &response, QString *errorMessage);
};
