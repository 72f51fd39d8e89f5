#include "provideradapter.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QStringList>

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

using namespace Qt::StringLiterals;

namespace
{
// A provider asking us to stay away for days would park every task; the poller's own backoff
// cap takes over well before that.
constexpr qint64 maxRetryAfterMs = 24LL * 60 * 60 * 1000;

// The base URL's encoded path without trailing slashes, then `path` (a literal from an adapter,
// encoded so that only its slashes stay separators), always joined by exactly one slash.
QByteArray joinedPath(const QUrl &baseUrl, const QString &path)
{
    QByteArray joined = baseUrl.path(QUrl::FullyEncoded).toLatin1();
    while (joined.endsWith('/'))
        joined.chop(1);
    if (path.isEmpty())
        return joined;
    const QByteArray encoded = QUrl::toPercentEncoding(path, "/");
    if (!encoded.startsWith('/'))
        joined += '/';
    joined += encoded;
    return joined;
}

bool isUsableBase(const QUrl &baseUrl)
{
    return baseUrl.isValid() && !baseUrl.host().isEmpty();
}

int monthFromName(QByteArrayView name)
{
    static constexpr std::array<const char *, 12> months{"jan", "feb", "mar", "apr", "may", "jun",
                                                         "jul", "aug", "sep", "oct", "nov", "dec"};
    if (name.size() < 3)
        return 0;
    const QByteArray prefix = name.first(3).toByteArray().toLower();
    for (int i = 0; i < int(months.size()); ++i) {
        if (prefix == months[i])
            return i + 1;
    }
    return 0;
}

// RFC 9110 HTTP-date in any of its three historic forms: IMF-fixdate ("Sun, 06 Nov 1994 08:49:37
// GMT"), RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT") and asctime ("Sun Nov  6 08:49:37 1994").
// Parsed by hand because QDateTime's RFC 2822 parser refuses "GMT" and formats are locale-bound.
QDateTime parseHttpDate(const QByteArray &text)
{
    QList<QByteArray> parts;
    QByteArray current;
    for (const char c : text) {
        if (c == ' ' || c == ',' || c == '-' || c == '\t') {
            if (!current.isEmpty())
                parts.append(std::exchange(current, {}));
        } else {
            current += c;
        }
    }
    if (!current.isEmpty())
        parts.append(current);

    int day = 0, month = 0, year = -1;
    QTime time;
    for (const QByteArray &part : std::as_const(parts)) {
        bool isNumber = false;
        const int number = part.toInt(&isNumber);
        if (part.contains(':')) {
            time = QTime::fromString(QString::fromLatin1(part), u"H:m:s"_s);
        } else if (isNumber) {
            if (part.size() == 4)
                year = number;
            else if (day == 0)
                day = number;
            else // RFC 850's two-digit year
                year = number < 70 ? 2000 + number : 1900 + number;
        } else if (month == 0 && part.size() == 3) {
            // Day names ("Sun", "Sunday") never match a month.
            month = monthFromName(part);
        }
    }
    if (day < 1 || month < 1 || year < 0 || !time.isValid())
        return {};
    const QDate date(year, month, day);
    if (!date.isValid())
        return {};
    return QDateTime(date, time, Qt::UTC);
}
} // namespace

QUrl ProviderAdapter::resolveUrl(const QUrl &baseUrl, const QString &taskId, const VideoSource &source) const
{
    Q_UNUSED(baseUrl);
    Q_UNUSED(taskId);
    Q_UNUSED(source);
    return {};
}

VideoSource ProviderAdapter::parseResolveReply(const HttpResponse &response, QString *errorMessage) const
{
    Q_UNUSED(response);
    if (errorMessage)
        *errorMessage = QCoreApplication::translate(
            "ProviderAdapter", "This provider has no file lookup: the video should have come with a URL.");
    return {};
}

bool ProviderAdapter::classifyHttpFailure(const HttpResponse &response, PollResult *result)
{
    const int status = response.statusCode;
    if (status == 0) {
        *result = PollResult::failure(
            PollResult::Outcome::TransientError,
            response.networkError.isEmpty()
                ? QCoreApplication::translate("ProviderAdapter", "The provider did not answer.")
                : QCoreApplication::translate("ProviderAdapter", "The provider did not answer: %1")
                      .arg(response.networkError));
        return true;
    }
    if (status == 401 || status == 403) {
        *result = PollResult::failure(
            PollResult::Outcome::AuthRejected,
            QCoreApplication::translate("ProviderAdapter",
                                        "The API key was rejected (HTTP %1). Check the key set for this account.")
                .arg(status));
        return true;
    }
    if (status == 404) {
        *result = PollResult::failure(
            PollResult::Outcome::NotFound,
            QCoreApplication::translate("ProviderAdapter", "The provider does not know this task ID (HTTP 404)."));
        return true;
    }
    if (status == 429) {
        *result = PollResult::failure(
            PollResult::Outcome::RateLimited,
            QCoreApplication::translate("ProviderAdapter", "The provider asks to slow down (HTTP 429)."));
        result->retryAfterMs = parseRetryAfterMs(response.header("retry-after"), QDateTime::currentDateTimeUtc());
        return true;
    }
    if (status >= 500) {
        *result = PollResult::failure(
            PollResult::Outcome::TransientError,
            QCoreApplication::translate("ProviderAdapter",
                                        "The provider had a server error (HTTP %1); trying again later.")
                .arg(status));
        return true;
    }
    return false;
}

QUrl ProviderAdapter::urlWithPathSegment(const QUrl &baseUrl, const QString &pathBeforeSegment, const QString &segment,
                                         const QString &pathAfterSegment)
{
    // "." and ".." cannot be sent as one segment: QUrl decodes %2E back to a dot and servers
    // resolve dot segments, so such an ID would address another resource. No real ID is that.
    if (!isUsableBase(baseUrl) || segment.isEmpty() || segment == "."_L1 || segment == ".."_L1)
        return {};

    QByteArray path = joinedPath(baseUrl, pathBeforeSegment);
    if (!path.endsWith('/'))
        path += '/';
    // Everything but unreserved characters is escaped, so "/", "?", "#", "%" and spaces in the
    // ID stay inside this one segment.
    path += QUrl::toPercentEncoding(segment);
    if (!pathAfterSegment.isEmpty()) {
        const QByteArray after = QUrl::toPercentEncoding(pathAfterSegment, "/");
        if (!after.startsWith('/'))
            path += '/';
        path += after;
    }

    QUrl url = baseUrl;
    url.setFragment(QString());
    url.setPath(QString::fromLatin1(path), QUrl::TolerantMode);
    return url;
}

QUrl ProviderAdapter::urlWithQueryValue(const QUrl &baseUrl, const QString &path, const QString &key,
                                        const QString &value)
{
    if (!isUsableBase(baseUrl) || value.isEmpty())
        return {};

    QByteArray query = baseUrl.query(QUrl::FullyEncoded).toLatin1();
    if (!query.isEmpty())
        query += '&';
    query += QUrl::toPercentEncoding(key);
    query += '=';
    query += QUrl::toPercentEncoding(value);

    QUrl url = baseUrl;
    url.setFragment(QString());
    url.setPath(QString::fromLatin1(joinedPath(baseUrl, path)), QUrl::TolerantMode);
    url.setQuery(QString::fromLatin1(query), QUrl::TolerantMode);
    return url;
}

qint64 parseRetryAfterMs(const QByteArray &value, const QDateTime &nowUtc)
{
    const QByteArray text = value.trimmed();
    if (text.isEmpty())
        return -1;

    bool isNumber = false;
    const double seconds = text.toDouble(&isNumber);
    if (isNumber) {
        if (!std::isfinite(seconds) || seconds < 0)
            return -1;
        return std::min<qint64>(qint64(std::llround(std::min(seconds * 1000.0, double(maxRetryAfterMs)))),
                                maxRetryAfterMs);
    }

    const QDateTime when = parseHttpDate(text);
    if (!when.isValid() || !nowUtc.isValid())
        return -1;
    return std::clamp<qint64>(nowUtc.msecsTo(when), 0, maxRetryAfterMs);
}
