#include "keepalivehttpclient.h"

#include "httpconnection.h"
#include "httpexchange.h"
#include "logging.h"

#include <QNetworkAccessManager>
#include <QNetworkProxyFactory>
#include <QSslSocket>

using namespace Qt::StringLiterals;

namespace {

constexpr const char ClientProperty[] = "_reelkeep_keepAliveHttpClient";
constexpr int IdleSweepMs = 10'000;

} // namespace

KeepAliveHttpClient::KeepAliveHttpClient(QNetworkAccessManager *manager)
    : QObject(manager), m_manager(manager), m_ssl(QSslConfiguration::defaultConfiguration())
{
    // Status APIs answer HTTP/1.1; asking for HTTP/2 would only waste the handshake.
    m_ssl.setAllowedNextProtocols({QByteArrayLiteral("http/1.1")});
    m_disabled = qEnvironmentVariable("REELKEEP_HTTP_CLIENT") == "qt"_L1;
    m_idleSweep.setInterval(IdleSweepMs);
    connect(&m_idleSweep, &QTimer::timeout, this, &KeepAliveHttpClient::closeIdleConnections);
}

KeepAliveHttpClient *KeepAliveHttpClient::of(QNetworkAccessManager *manager)
{
    auto *client = qobject_cast<KeepAliveHttpClient *>(manager->property(ClientProperty).value<QObject *>());
    if (!client) {
        client = new KeepAliveHttpClient(manager);
        manager->setProperty(ClientProperty, QVariant::fromValue<QObject *>(client));
    }
    return client;
}

bool KeepAliveHttpClient::canSend(const QUrl &url)
{
    if (m_disabled)
        return false;
    const QString scheme = url.scheme().toLower();
    if (scheme != "http"_L1 && scheme != "https"_L1)
        return false;
    const QString origin = HttpConnection::originKeyOf(url);
    const auto known = m_direct.constFind(origin);
    if (known != m_direct.constEnd())
        return *known;

    bool direct = scheme == "http"_L1 || QSslSocket::supportsSsl();
    const QNetworkProxy::ProxyType managerProxy = m_manager->proxy().type();
    if (managerProxy != QNetworkProxy::DefaultProxy && managerProxy != QNetworkProxy::NoProxy)
        direct = false;
    if (direct) {
        // The same answer QNetworkAccessManager would get (http_proxy and friends included).
        const QNetworkProxyQuery query(url);
        const QList<QNetworkProxy> proxies = m_manager->proxyFactory()
                                                 ? m_manager->proxyFactory()->queryProxy(query)
                                                 : QNetworkProxyFactory::proxyForQuery(query);
        for (const QNetworkProxy &proxy : proxies) {
            if (proxy.type() != QNetworkProxy::NoProxy && proxy.type() != QNetworkProxy::DefaultProxy) {
                direct = false;
                break;
            }
        }
    }
    m_direct.insert(origin, direct);
    return direct;
}

HttpExchange *KeepAliveHttpClient::get(const QNetworkRequest &request, qint64 maxBodyBytes)
{
    auto *exchange = new HttpExchange(request, maxBodyBytes, this);
    // Dispatch on the next turn so the caller has connected to the exchange's signals, and so a
    // connection failing at once still reports asynchronously.
    QMetaObject::invokeMethod(this, [this, exchange = QPointer<HttpExchange>(exchange)] {
        if (exchange && !exchange->m_done)
            dispatch(exchange, false);
    }, Qt::QueuedConnection);
    return exchange;
}

int KeepAliveHttpClient::idleConnectionCount() const
{
    int count = 0;
    for (const auto &list : m_idle)
        count += int(list.size());
    return count;
}

void KeepAliveHttpClient::dispatch(HttpExchange *exchange, bool freshConnection)
{
    const QUrl url = exchange->request().url();
    HttpConnection *connection = nullptr;
    if (!freshConnection) {
        auto it = m_idle.find(HttpConnection::originKeyOf(url));
        if (it != m_idle.end() && !it->isEmpty()) {
            // The most recently used first: the likeliest to still be open on the server's side.
            connection = it->takeLast();
            if (it->isEmpty())
                m_idle.erase(it);
        }
    }
    if (!connection) {
        connection = new HttpConnection(url, m_ssl, this);
        ++m_opened;
        connect(connection, &HttpConnection::responseCompleted, this, &KeepAliveHttpClient::onResponseCompleted);
        connect(connection, &HttpConnection::exchangeFailed, this, &KeepAliveHttpClient::onExchangeFailed);
        connect(connection, &HttpConnection::closedWhileIdle, this, &KeepAliveHttpClient::forget);
    }
    exchange->m_connection = connection;
    connection->send(exchange);
}

void KeepAliveHttpClient::release(HttpExchange *exchange)
{
    // An aborted exchange's connection may still receive the rest of its reply: close it.
    if (HttpConnection *connection = exchange->m_connection) {
        exchange->m_connection = nullptr;
        connection->drop();
        forget(connection);
    }
}

void KeepAliveHttpClient::onResponseCompleted(HttpConnection *connection, HttpExchange *exchange,
                                              const HttpResponse &response, bool tooLarge, bool reusable)
{
    if (reusable) {
        QList<HttpConnection *> &idle = m_idle[connection->originKey()];
        if (idle.size() < MaxIdlePerOrigin) {
            idle.append(connection);
            if (!m_idleSweep.isActive())
                m_idleSweep.start();
        } else {
            connection->drop();
            connection->deleteLater();
        }
    } else {
        connection->deleteLater();
    }
    // Last: the caller may send its next request from here, and it can take this connection.
    exchange->complete(response, tooLarge);
}

void KeepAliveHttpClient::onExchangeFailed(HttpConnection *connection, HttpExchange *exchange, const QString &error,
                                           bool retryable)
{
    connection->deleteLater();
    if (!exchange || exchange->m_done)
        return;
    exchange->m_connection = nullptr;
    if (retryable && !exchange->m_retried) {
        // A GET on a connection the server had already closed: safe to send again, once.
        qCDebug(lcNet) << "stale connection to" << connection->originKey() << "; sending again";
        exchange->m_retried = true;
        dispatch(exchange, true);
        return;
    }
    HttpResponse response;
    response.networkError = error;
    exchange->complete(response, false);
}

void KeepAliveHttpClient::forget(HttpConnection *connection)
{
    auto it = m_idle.find(connection->originKey());
    if (it != m_idle.end()) {
        it->removeOne(connection);
        if (it->isEmpty())
            m_idle.erase(it);
    }
    connection->deleteLater();
}

void KeepAliveHttpClient::closeIdleConnections()
{
    for (auto it = m_idle.begin(); it != m_idle.end();) {
        QList<HttpConnection *> &list = *it;
        for (qsizetype i = list.size() - 1; i >= 0; --i) {
            if (list.at(i)->idleMs() >= IdleTimeoutMs) {
                list.at(i)->drop();
                list.at(i)->deleteLater();
                list.removeAt(i);
            }
        }
        it = list.isEmpty() ? m_idle.erase(it) : std::next(it);
    }
    if (m_idle.isEmpty())
        m_idleSweep.stop();
}
