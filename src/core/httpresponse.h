#pragma once

#include <QByteArray>
#include <QHash>
#include <QUrl>

// A finished HTTP exchange, decoupled from QNetworkReply so that adapters are pure functions
// of (status, headers, body) and can be tested on recorded replies.
struct HttpResponse
{
    int statusCode = 0;                      // 0: no HTTP reply at all (see networkError)
    QByteArray body;
    QHash<QByteArray, QByteArray> headers;   // names lower-cased
    QUrl url;                                // the URL that answered (after redirects)
    QString networkError;                    // set when the request failed below HTTP

    QByteArray header(const QByteArray &lowerCaseName) const { return headers.value(lowerCaseName); }
    bool isHttpSuccess() const { return statusCode >= 200 && statusCode < 300; }
};
