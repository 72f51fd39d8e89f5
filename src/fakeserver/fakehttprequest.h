#pragma once

#include <QByteArray>
#include <QHash>
#include <QString>

#include <optional>

// One parsed HTTP/1.1 request as the fake server received it. The target is kept raw (still
// percent-encoded) because the CDN must verify signatures against the exact bytes a client sent.
struct FakeHttpRequest
{
    QByteArray method;
    QByteArray rawTarget;                   // path + query, exactly as on the request line
    QByteArray version;                     // "HTTP/1.1"
    QHash<QByteArray, QByteArray> headers;  // lower-cased names; repeated headers joined with ", "
    QByteArray body;

    QByteArray header(const QByteArray &lowerCaseName) const { return headers.value(lowerCaseName); }

    QByteArray rawPath() const
    {
        const qsizetype query = rawTarget.indexOf('?');
        return query < 0 ? rawTarget : rawTarget.left(query);
    }

    QByteArray rawQuery() const
    {
        const qsizetype query = rawTarget.indexOf('?');
        return query < 0 ? QByteArray() : rawTarget.mid(query + 1);
    }

    // The first `key=value` of the query, value still percent-encoded.
    std::optional<QByteArray> rawQueryValue(const QByteArray &key) const
    {
        const QList<QByteArray> items = rawQuery().split('&');
        for (const QByteArray &item : items) {
            const qsizetype eq = item.indexOf('=');
            const QByteArray name = eq < 0 ? item : item.left(eq);
            if (name == key)
                return eq < 0 ? QByteArray() : item.mid(eq + 1);
        }
        return std::nullopt;
    }

    // Percent-decoded only: '+' stays '+', which is how QUrlQuery sends it (a literal '+' in an
    // ID must arrive as %2B either way).
    std::optional<QString> queryValue(const QByteArray &key) const
    {
        const std::optional<QByteArray> raw = rawQueryValue(key);
        if (!raw)
            return std::nullopt;
        return QString::fromUtf8(QByteArray::fromPercentEncoding(*raw));
    }
};
