#pragma once

#include <QByteArray>
#include <QString>
#include <QUrl>

class QNetworkRequest;

// An API key bound to the one origin (scheme, host, port) it belongs to. It is attached to a
// request only when the request goes to that origin: never to a CDN, never across a redirect.
class ApiCredentials
{
public:
    ApiCredentials() = default;
    ApiCredentials(const QUrl &baseUrl, const QString &apiKey);

    bool isEmpty() const { return m_apiKey.isEmpty(); }
    QString origin() const { return m_origin; }
    bool appliesTo(const QUrl &url) const;
    // Sets or removes "Authorization: Bearer <key>" depending on the request's URL.
    void applyTo(QNetworkRequest &request) const;

    // "scheme://host:port" with the default port made explicit; empty for a non-http(s) URL.
    static QString originOf(const QUrl &url);

private:
    QString m_origin;
    QByteArray m_apiKey;
};
