#pragma once

#include "httpresponse.h"
#include "httpresponseparser.h"

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QSslConfiguration>
#include <QUrl>

#include <optional>

class HttpExchange;
class QTcpSocket;

// One persistent HTTP/1.1 connection to one origin (plain or TLS), carrying one exchange at a
// time. Reads whatever the socket has in one call and hands it to HttpResponseParser, so a
// reply costs a few system calls rather than one per header byte. It only reports; the client
// decides whether to reuse it, retry elsewhere or drop it.
class HttpConnection : public QObject
{
    Q_OBJECT

public:
    HttpConnection(const QUrl &url, const QSslConfiguration &ssl, QObject *parent);
    ~HttpConnection() override;

    QString originKey() const { return m_originKey; }
    bool isBusy() const { return m_exchange != nullptr; }
    // Requests this connection has answered; a failure on a connection that answered before is
    // most likely the server having closed it while idle, which a fresh connection fixes.
    int answered() const { return m_answered; }
    qint64 idleMs() const { return m_idle.isValid() ? m_idle.elapsed() : 0; }

    void send(HttpExchange *exchange);
    // Forgets the exchange and closes the socket (its reply can no longer be told apart).
    void drop();

    static QString originKeyOf(const QUrl &url);

signals:
    // The exchange's response is complete (or refused as too large); reusable says whether
    // another request may follow on this connection.
    void responseCompleted(HttpConnection *connection, HttpExchange *exchange, const HttpResponse &response,
                           bool tooLarge, bool reusable);
    // The exchange failed below HTTP. retryable: nothing of a reply arrived on a connection that
    // had answered before.
    void exchangeFailed(HttpConnection *connection, HttpExchange *exchange, const QString &error, bool retryable);
    // The socket closed or misbehaved while no exchange was on it.
    void closedWhileIdle(HttpConnection *connection);

private:
    void writeRequest();
    void onReadyRead();
    void onSocketGone();
    void finishExchange();
    void failExchange(const QString &error, bool retryable);

    QString m_originKey;
    QTcpSocket *m_socket;
    QByteArray m_hostHeader;
    bool m_connected = false;
    bool m_dead = false;
    int m_answered = 0;
    QPointer<HttpExchange> m_exchange;
    bool m_written = false;
    std::optional<HttpResponseParser> m_parser;
    QElapsedTimer m_idle;
};
