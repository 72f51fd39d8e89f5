#pragma once

#include "httpresponse.h"

#include <QNetworkRequest>
#include <QObject>
#include <QPointer>

class HttpConnection;
class KeepAliveHttpClient;

// One GET sent through KeepAliveHttpClient: the handle a caller keeps while the client picks a
// connection for it (and, when a reused connection turns out to have been closed by the server,
// sends it once more on a fresh one). Emits finished() exactly once unless aborted; deletes
// itself afterwards.
class HttpExchange : public QObject
{
    Q_OBJECT

public:
    const QNetworkRequest &request() const { return m_request; }
    qint64 maxBodyBytes() const { return m_maxBodyBytes; }
    // Valid after finished(): status, lower-cased headers, body, or networkError.
    const HttpResponse &response() const { return m_response; }
    // The body went past maxBodyBytes; the response holds no body.
    bool isTooLarge() const { return m_tooLarge; }
    // Gives up: no finished() follows, and the connection carrying it is closed, since the
    // rest of its reply would otherwise arrive as the answer to the next request.
    void abort();

signals:
    void bytesReceived();
    void finished();

private:
    friend class KeepAliveHttpClient;
    friend class HttpConnection;

    HttpExchange(const QNetworkRequest &request, qint64 maxBodyBytes, KeepAliveHttpClient *client);
    void complete(HttpResponse response, bool tooLarge);

    QNetworkRequest m_request;
    qint64 m_maxBodyBytes;
    QPointer<KeepAliveHttpClient> m_client;
    QPointer<HttpConnection> m_connection;
    HttpResponse m_response;
    bool m_tooLarge = false;
    bool m_retried = false;
    bool m_done = false;
};
