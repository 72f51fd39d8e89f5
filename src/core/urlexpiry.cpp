#include "urlexpiry.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <algorithm>
#include <utility>

using namespace Qt::StringLiterals;

namespace
{
// The longest a signature can live under any scheme here (TOS object URLs: 30 days); a relative
// "expires" above it is an absolute timestamp (one OSS page documents x-oss-expires that way).
constexpr qint64 maxRelativeSeconds = 604800;

class QueryItems
{
public:
    explicit QueryItems(QByteArrayView query)
    {
        const QList<QByteArray> parts = query.toByteArray().split('&');
        for (const QByteArray &part : parts) {
            if (part.isEmpty())
                continue;
            const qsizetype eq = part.indexOf('=');
            const QByteArray key = eq < 0 ? part : part.first(eq);
            const QByteArray value = eq < 0 ? QByteArray() : part.sliced(eq + 1);
            m_items.append({QByteArray::fromPercentEncoding(key), QByteArray::fromPercentEncoding(value)});
        }
    }

    static QueryItems ofUrl(QByteArrayView url)
    {
        const qsizetype question = url.indexOf('?');
        if (question < 0)
            return QueryItems({});
        qsizetype end = url.indexOf('#', question);
        if (end < 0)
            end = url.size();
        return QueryItems(url.sliced(question + 1, end - question - 1));
    }

    // Exact name first; a case-insensitive match only as a fallback (proxies lower-case names).
    QByteArray value(QByteArrayView key) const
    {
        for (const auto &item : m_items) {
            if (item.first == key)
                return item.second;
        }
        for (const auto &item : m_items) {
            if (item.first.compare(key, Qt::CaseInsensitive) == 0)
                return item.second;
        }
        return {};
    }
    bool has(QByteArrayView key) const
    {
        return std::any_of(m_items.cbegin(), m_items.cend(),
                           [key](const auto &item) { return item.first.compare(key, Qt::CaseInsensitive) == 0; });
    }

private:
    QList<std::pair<QByteArray, QByteArray>> m_items;
};

bool parseSeconds(QByteArrayView text, qint64 *seconds)
{
    const QByteArray trimmed = text.trimmed().toByteArray();
    if (trimmed.isEmpty() || trimmed.size() > 15)
        return false;
    for (const char c : trimmed) {
        if (c < '0' || c > '9')
            return false;
    }
    *seconds = trimmed.toLongLong();
    return true;
}

QDateTime fromUnixSeconds(QByteArrayView text)
{
    qint64 seconds = 0;
    if (!parseSeconds(text, &seconds) || seconds <= 0)
        return {};
    return QDateTime::fromSecsSinceEpoch(seconds, Qt::UTC);
}

// "20250101T120000Z", the compact ISO form of SigV4, GCS V4, TOS and OSS V4.
QDateTime fromCompactDate(const QByteArray &text)
{
    if (text.size() < 15 || text.at(8) != 'T')
        return {};
    const QDate date = QDate::fromString(QString::fromLatin1(text.first(8)), u"yyyyMMdd"_s);
    const QTime time = QTime::fromString(QString::fromLatin1(text.sliced(9, 6)), u"HHmmss"_s);
    if (!date.isValid() || !time.isValid())
        return {};
    return QDateTime(date, time, Qt::UTC);
}

// Azure's "2015-04-30T02:23:26Z" (also date-only or with fractions); BOS timestamps.
QDateTime fromIsoDate(const QByteArray &text)
{
    const QString string = QString::fromLatin1(text.trimmed());
    QDateTime dateTime = QDateTime::fromString(string, Qt::ISODateWithMs);
    if (!dateTime.isValid())
        dateTime = QDateTime::fromString(string, Qt::ISODate);
    if (!dateTime.isValid())
        return {};
    // These schemes are UTC by definition even when the zone designator is missing.
    if (dateTime.timeSpec() == Qt::LocalTime)
        return QDateTime(dateTime.date(), dateTime.time(), Qt::UTC);
    return dateTime.toUTC();
}

QDateTime startPlusSeconds(const QDateTime &start, QByteArrayView secondsText)
{
    qint64 seconds = 0;
    if (!start.isValid() || !parseSeconds(secondsText, &seconds))
        return {};
    return start.addSecs(seconds);
}

QDateTime earliest(const QDateTime &a, const QDateTime &b)
{
    if (!a.isValid())
        return b;
    if (!b.isValid())
        return a;
    return std::min(a, b);
}

QDateTime cloudFrontPolicyExpiry(QByteArray policy)
{
    // CloudFront makes base64 URL-safe its own way: '+' -> '-', '=' -> '_', '/' -> '~'.
    for (char &c : policy) {
        if (c == '-')
            c = '+';
        else if (c == '_')
            c = '=';
        else if (c == '~')
            c = '/';
    }
    const QByteArray json = QByteArray::fromBase64(policy);
    const QJsonObject root = QJsonDocument::fromJson(json).object();
    const QJsonValue epoch = root.value("Statement"_L1)
                                 .toArray()
                                 .at(0)
                                 .toObject()
                                 .value("Condition"_L1)
                                 .toObject()
                                 .value("DateLessThan"_L1)
                                 .toObject()
                                 .value("AWS:EpochTime"_L1);
    const qint64 seconds = epoch.isString() ? epoch.toString().toLongLong() : epoch.toInteger();
    if (seconds <= 0)
        return {};
    return QDateTime::fromSecsSinceEpoch(seconds, Qt::UTC);
}

// bce-auth-v1/{accessKeyId}/{timestamp}/{expirationPeriodInSeconds}/{signedHeaders}/{signature}
QDateTime baiduExpiry(const QByteArray &authorization)
{
    const QList<QByteArray> parts = authorization.split('/');
    if (parts.size() < 4 || parts.at(0) != "bce-auth-v1")
        return {};
    return startPlusSeconds(fromIsoDate(parts.at(2)), parts.at(3));
}

// q-sign-time / q-key-time = "{start};{end}" in unix seconds.
QDateTime tencentExpiry(const QueryItems &items)
{
    QByteArray range = items.value("q-sign-time");
    if (range.isEmpty())
        range = items.value("q-key-time");
    const qsizetype separator = range.indexOf(';');
    if (separator < 0)
        return {};
    return fromUnixSeconds(QByteArrayView(range).sliced(separator + 1));
}

QDateTime expiryOfItems(const QueryItems &items)
{
    if (items.has("X-Amz-Algorithm") || (items.has("X-Amz-Date") && items.has("X-Amz-Expires")))
        return startPlusSeconds(fromCompactDate(items.value("X-Amz-Date")), items.value("X-Amz-Expires"));

    if (items.has("X-Goog-Algorithm") || (items.has("X-Goog-Date") && items.has("X-Goog-Expires")))
        return startPlusSeconds(fromCompactDate(items.value("X-Goog-Date")), items.value("X-Goog-Expires"));

    if (items.has("X-Tos-Algorithm") || (items.has("X-Tos-Date") && items.has("X-Tos-Expires")))
        return startPlusSeconds(fromCompactDate(items.value("X-Tos-Date")), items.value("X-Tos-Expires"));

    if (items.has("x-oss-signature-version") || items.has("x-oss-expires")) {
        const QByteArray version = items.value("x-oss-signature-version");
        const QByteArray expires = items.value("x-oss-expires");
        qint64 seconds = 0;
        if (!parseSeconds(expires, &seconds))
            return {};
        const bool isV4 = version.startsWith("OSS4") || (version.isEmpty() && items.has("x-oss-date"));
        if (isV4 && seconds <= maxRelativeSeconds)
            return startPlusSeconds(fromCompactDate(items.value("x-oss-date")), expires);
        return fromUnixSeconds(expires);
    }

    if (items.has("sig") && (items.has("sv") || items.has("se"))) {
        const QDateTime end = fromIsoDate(items.value("se"));
        const QDateTime keyEnd = items.has("ske") ? fromIsoDate(items.value("ske")) : QDateTime();
        return earliest(end, keyEnd);
    }

    if (items.has("Key-Pair-Id")) {
        if (items.has("Policy"))
            return cloudFrontPolicyExpiry(items.value("Policy"));
        return fromUnixSeconds(items.value("Expires"));
    }

    const QByteArray authorization = items.value("authorization");
    if (authorization.startsWith("bce-auth-v1/"))
        return baiduExpiry(authorization);

    if (items.has("q-sign-algorithm") || items.has("q-sign-time") || items.has("q-key-time"))
        return tencentExpiry(items);
    // COS also packs the whole signature into one "sign" parameter.
    if (const QByteArray sign = items.value("sign"); sign.contains("q-sign-time"))
        return tencentExpiry(QueryItems(sign));

    // S3 V2 (AWSAccessKeyId), OSS V1 (OSSAccessKeyId), GCS V2 (GoogleAccessId), and unnamed
    // signers (DashScope result URLs) all put absolute unix seconds in "Expires".
    if (items.has("Expires"))
        return fromUnixSeconds(items.value("Expires"));
    return {};
}
} // namespace

QDateTime UrlExpiry::expiryOf(const QByteArray &encodedUrl)
{
    return expiryOfItems(QueryItems::ofUrl(encodedUrl));
}
