#pragma once

#include "httpresponse.h"
#include "pollresult.h"
#include "videosource.h"

#include <QList>
#include <QString>
#include <QUrl>

#include <memory>

// One provider's wire format, as a small stateless adapter: build the query URL for a task ID,
// turn a reply into one normalised PollResult, and say how to reach the bytes. Adapters do no
// I/O; the poller and downloader do the requests (and decide where the API key may go).
// Adding a provider means one new subclass file, one registration line in
// ProviderRegistry, and one test.
class ProviderAdapter
{
public:
    virtual ~ProviderAdapter() = default;

    // Stable machine name: the CLI's --provider value and the store's provider column.
    virtual QString name() const = 0;
    // Human name shown in the window, e.g. "MiniMax (Hailuo)".
    virtual QString displayName() const = 0;
    // Empty when the provider has no single public host (a gateway: the user must give one).
    virtual QUrl defaultBaseUrl() const = 0;
    // The provider's recommended seconds between polls of one task.
    virtual int defaultIntervalSeconds() const = 0;
    // Requests per minute this provider tolerates per account; 0 = no documented budget.
    virtual int requestsPerMinute() const { return 0; }

    // GET this URL to learn the task's status. The task ID is percent-encoded as one path
    // segment or one query value, whatever characters it holds.
    virtual QUrl queryUrl(const QUrl &baseUrl, const QString &taskId) const = 0;
    // Turn the query reply (any status code, any body) into an outcome.
    virtual PollResult parseQueryReply(const HttpResponse &response) const = 0;

    // For a VideoSource::FileId source: the URL that turns the file id into a download URL.
    virtual QUrl resolveUrl(const QUrl &baseUrl, const QString &taskId, const VideoSource &source) const;
    // Parse that reply into a Url source; on failure return Kind::None and set *errorMessage.
    virtual VideoSource parseResolveReply(const HttpResponse &response, QString *errorMessage) const;

protected:
    // Shared meaning of HTTP statuses and transport errors before the body is read:
    // 401/403 -> AuthRejected, 404 -> NotFound, 429 -> RateLimited (Retry-After in seconds or
    // an HTTP date), 5xx / 0 -> TransientError. Returns false when the adapter should parse the body.
    static bool classifyHttpFailure(const HttpResponse &response, PollResult *result);
    // Appends `value` as one percent-encoded path segment to `baseUrl`'s path + `pathBeforeSegment`.
    static QUrl urlWithPathSegment(const QUrl &baseUrl, const QString &pathBeforeSegment, const QString &segment,
                                   const QString &pathAfterSegment = {});
    // baseUrl's path + `path`, with one query item `key=value` (value percent-encoded).
    static QUrl urlWithQueryValue(const QUrl &baseUrl, const QString &path, const QString &key, const QString &value);
};

// Retry-After as seconds or HTTP date, relative to nowUtc. -1 if absent or unparsable.
qint64 parseRetryAfterMs(const QByteArray &value, const QDateTime &nowUtc);
