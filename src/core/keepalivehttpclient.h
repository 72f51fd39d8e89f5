#pragma once

#include <QHash>
#include <QList>
#include <QObject>
#include <QSslConfiguration>
#include <QTimer>

class HttpConnection;
class HttpExchange;
struct HttpResponse;
class QNetworkAccessManager;
class QNetworkRequest;
class QUrl;

// The transport for status polls: thousands of small GETs to a few API origins. Keeps
// connections to each origin open and reuses them (HTTP/1.1 keep-alive), on the calling thread.
// QNetworkAccessManager in Qt 6.4 hands each request to its network thread and reads the reply
// head one byte per system call; for a poll that is most of the cost (see bench/notes.md).
// Requests a proxy would carry, and anything but a plain GET, stay with QNetworkAccessManager.
class KeepAliveHttpClient : public QObject
{
    Q_OBJECT

public:
    explicit KeepAliveHttpClient(QNetworkAccessManager *manager);

    // The client that sends the polls of this manager's requests, created on first use and
    // owned by the manager (so it shares its thread and lifetime).
    static KeepAliveHttpClient *of(QNetworkAccessManager *manager);

    // Whether url can go over a connection of ours: http or https (with TLS available), no proxy
    // configured for it, and not switched off with REELKEEP_HTTP_CLIENT=qt.
    bool canSend(const QUrl &url);
    // Sends a GET with the request's URL and raw headers. The exchange reports finished() later,
    // never from inside this call.
    HttpExchange *get(const QNetworkRequest &request, qint64 maxBodyBytes);

    // For tests (a private CA): the TLS settings of connections opened from now on.
    void setSslConfiguration(const QSslConfiguration &configuration) { m_ssl = configuration; }

    // How many connections were ever opened, and how many are open and idle now.
    int connectionsOpened() const { return m_opened; }
    int idleConnectionCount() const;

    static constexpr int IdleTimeoutMs = 50'000;
    static constexpr int MaxIdlePerOrigin = 32;

private:
    friend class HttpExchange;

    void dispatch(HttpExchange *exchange, bool freshConnection);
    void release(HttpExchange *exchange);
    void onResponseCompleted(HttpConnection *connection, HttpExchange *exchange, const HttpResponse &response,
                             bool tooLarge, bool reusable);
    void onExchangeFailed(HttpConnection *connection, HttpExchange *exchange, const QString &error, bool retryable);
    void forget(HttpConnection *connection);
    void closeIdleConnections();

    QNetworkAccessManager *m_manager;
    QSslConfiguration m_ssl;
    QHash<QString, QList<HttpConnection *>> m_idle;
    QHash<QString, bool> m_direct; // origin -> no proxy applies
    QTimer m_idleSweep;
    int m_opened = 0;
    bool m_disabled = false;
};
