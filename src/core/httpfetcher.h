#pragma once

#include "apicredentials.h"
#include "httpresponse.h"

#include <QObject>
#include <QPointer>
#include <QUrl>

class HttpExchange;
class QNetworkAccessManager;
class QNetworkReply;
class QTimer;

// One small GET of a JSON API (a status query, a file-id lookup). Follows redirects itself so
// the key is dropped the moment a hop leaves the key's origin; caps the body so a 50 MB page
// where a small JSON was expected is refused; gives up after an inactivity timeout.
// Goes over KeepAliveHttpClient's reused connections where it can, QNetworkAccessManager
// otherwise (a proxy). Deletes itself after emitting finished().
class HttpFetcher : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        qint64 maxBodyBytes = 8 * 1024 * 1024;
        int inactivityTimeoutMs = 30'000;
        int maxRedirects = 20;
    };

    static HttpFetcher *get(QNetworkAccessManager *manager, const QUrl &url, const ApiCredentials &credentials,
                            const Options &options, QObject *parent = nullptr);
    static HttpFetcher *get(QNetworkAccessManager *manager, const QUrl &url, const ApiCredentials &credentials,
                            QObject *parent = nullptr)
    {
        return get(manager, url, credentials, Options{}, parent);
    }

    static constexpr qint64 ReadBufferBytes = 256 * 1024;

    void abort();

signals:
    void finished(const HttpResponse &response);

private:
    HttpFetcher(QNetworkAccessManager *manager, const ApiCredentials &credentials, const Options &options,
                QObject *parent);
    void startRequest(const QUrl &url);
    void onReadyRead();
    void onFinished();
    void onExchangeFinished();
    void completed(HttpResponse response);
    void finish(HttpResponse response);

    QNetworkAccessManager *m_manager;
    ApiCredentials m_credentials;
    Options m_options;
    QPointer<QNetworkReply> m_reply;
    QPointer<HttpExchange> m_exchange;
    QTimer *m_inactivityTimer;
    QByteArray m_body;
    int m_redirects = 0;
    bool m_done = false;
    bool m_tooLarge = false;
    bool m_timedOut = false;
};

// Shared by HttpFetcher and the downloader: every request Reelkeep makes is built here.
// No automatic redirects (Qt would carry a manually set Authorization header to other hosts),
// no compressed transfer encodings (they break byte offsets), key only on its own origin.
QNetworkRequest makeRequest(const QUrl &url, const ApiCredentials &credentials, bool allowHttp2 = true);
// The next hop of a 3xx reply, resolved against the request URL; invalid when the reply is not
// a redirect or the target is not http(s).
QUrl redirectTarget(QNetworkReply *reply);
QUrl redirectTarget(const HttpResponse &response);
// Collects status, lower-cased headers and the final URL of a finished or header-complete reply.
HttpResponse responseHead(QNetworkReply *reply);
