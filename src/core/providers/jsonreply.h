#pragma once

#include "httpresponse.h"
#include "pollresult.h"

#include <QDateTime>
#include <QJsonObject>
#include <QJsonValue>
#include <QLatin1StringView>
#include <QSize>
#include <QString>
#include <QUrl>

// The defensive JSON reading every adapter shares, so that a malformed reply, an unknown status
// word or a missing field means the same thing for every provider, and messages look alike.
class JsonReply
{
public:
    // The body as a JSON object. Otherwise false, with *failure set to a TransientError that
    // says what came instead (empty, web page, broken JSON, not an object) and quotes at most
    // ~100 characters of the body (never headers).
    static bool parseObject(const HttpResponse &response, QJsonObject *object, PollResult *failure);
    // A TransientError for a reply we could not make sense of; names the HTTP status if not 2xx.
    static PollResult unexpected(const HttpResponse &response, const QString &reason);
    // A JSON reply that is not a task we can read (an error object, a 4xx body, no status):
    // a TransientError with the provider's own words, or an excerpt when it has none.
    static PollResult notATask(const HttpResponse &response, const QJsonObject &root);
    // One line, no control characters, anything looking like a key masked, cut at maxChars.
    static QString excerpt(const QByteArray &body, int maxChars = 100);
    // The text with anything shaped like an API key, a Bearer/Basic credential or a JWT cut
    // short, for provider words quoted in messages.
    static QString maskSecrets(QString text);

    // The value at a dotted path ("error.message", "task_result.videos.0.url").
    static QJsonValue valueAt(const QJsonObject &object, QLatin1StringView path);
    // A string, or an integer's exact digits; empty for anything else.
    static QString text(const QJsonValue &value);
    static QString textAt(const QJsonObject &object, QLatin1StringView path) { return text(valueAt(object, path)); }
    // The provider's own error words from the usual places (error.message, error, message, ...),
    // with anything key-shaped masked.
    static QString errorText(const QJsonObject &object);
    // The digits of an integer field as written in the raw body (first occurrence of the key),
    // so that ids beyond 2^53 or 2^63 keep every digit. Empty if the value is not an integer.
    static QString rawInteger(const QByteArray &body, QLatin1StringView key);

    // 0..100 from 42, 42.7, "42", "42%"; -1 when absent or not a number.
    static int progress(const QJsonValue &value);
    // Unix seconds or milliseconds (number or digits), or an ISO 8601 string -> UTC.
    static QDateTime timestamp(const QJsonValue &value);
    // Seconds from 8, 8.5, "8", "8s"; -1 when absent or not positive.
    static double seconds(const QJsonValue &value);
    // "1280x720" -> 1280x720; invalid otherwise.
    static QSize size(const QString &text);
    static QSize size(const QJsonValue &width, const QJsonValue &height);
    // The URL's bytes if it is an absolute http(s) URL, else empty.
    static QByteArray httpUrl(const QString &text);

    // Status words many providers share (queued, in_progress, SUCCESS, Fail...), any case.
    // Unknown words give TaskState::Unknown and *known = false.
    static TaskState commonState(QStringView status, bool *known = nullptr);

    // Completed with a URL: also takes the signed URL's own expiry when it comes first.
    static void setUrlSource(TaskSnapshot *snapshot, const QByteArray &url);
    // Completed, but nothing says where the bytes are.
    static void setNoSource(TaskSnapshot *snapshot);
    static QString defaultFailureMessage();

    // Splits the URL that answered a query at `marker` ("/v1/videos/"): *base gets everything
    // before it (scheme, host, port, any path prefix), *id the decoded segment after it.
    static bool splitQueryUrl(const QUrl &url, QLatin1StringView marker, QUrl *base, QString *id);
};
