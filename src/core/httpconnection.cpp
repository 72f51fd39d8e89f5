#include "httpconnection.h"

#include "httpexchange.h"
#include "logging.h"

#include <QNetworkProxy>
#include <QSslSocket>

using namespace Qt::StringLiterals;

namespace {

// Bounds what the socket holds for us; the parser bounds what a reply may total.
constexpr qint64 SocketReadBufferBytes = 256 * 1024;

bool isHttps(const QUrl &url)
{
    return url.scheme().compare("https"_L1, Qt::CaseInsensitive) == 0;
}

} // namespace

QString HttpConnection::originKeyOf(const QUrl &url)
{
    const bool tls = isHttps(url);
    return (tls ? "https://"_L1 : "http://"_L1) + url.host().toLower() + u':'
           + QString::number(url.port(tls ? 443 : 80));
}

HttpConnection::HttpConnection(const QUrl &url, const QSslConfiguration &ssl, QObject *parent)
    : QObject(parent), m_originKey(originKeyOf(url))
{
    const bool tls = isHttps(url);
    const int port = url.port(tls ? 443 : 80);
    QByteArray host = url.host(QUrl::FullyEncoded).toLatin1();
    if (host.contains(':'))
        host = '[' + host + ']';
    m_hostHeader = host;
    if (port != (tls ? 443 : 80))
        m_hostHeader += ':' + QByteArray::number(port);

    if (tls) {
        auto *socket = new QSslSocket(this);
        socket->setSslConfiguration(ssl);
        socket->setPeerVerifyName(url.host());
        connect(socket, &QSslSocket::encrypted, this, [this] {
            m_connected = true;
            writeRequest();
        });
        m_socket = socket;
    } else {
        m_socket = new QTcpSocket(this);
    }
    connect(m_socket, &QTcpSocket::connected, this, [this, tls] {
        // Set once there is a socket to set it on (a host name is looked up first). Requests
        // are one small write each, so Nagle would only add a round trip's delay.
        m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        if (!tls) {
            m_connected = true;
            writeRequest();
        }
    });
    // The client only uses a connection of its own where no proxy applies (see canSend()).
    m_socket->setProxy(QNetworkProxy::NoProxy);
    m_socket->setReadBufferSize(SocketReadBufferBytes);
    connect(m_socket, &QTcpSocket::readyRead, this, &HttpConnection::onReadyRead);
    connect(m_socket, &QTcpSocket::disconnected, this, &HttpConnection::onSocketGone);
    connect(m_socket, &QTcpSocket::errorOccurred, this, &HttpConnection::onSocketGone);

    if (tls)
        static_cast<QSslSocket *>(m_socket)->connectToHostEncrypted(url.host(), quint16(port));
    else
        m_socket->connectToHost(url.host(), quint16(port));
}

HttpConnection::~HttpConnection()
{
    m_socket->disconnect(this);
}

void HttpConnection::send(HttpExchange *exchange)
{
    Q_ASSERT(!m_exchange && !m_dead);
    m_exchange = exchange;
    m_written = false;
    m_parser.emplace(exchange->maxBodyBytes());
    m_idle.invalidate();
    if (m_connected)
        writeRequest();
}

void HttpConnection::drop()
{
    m_exchange = nullptr;
    m_dead = true;
    m_socket->disconnect(this);
    m_socket->abort();
}

void HttpConnection::writeRequest()
{
    if (!m_exchange || m_written || m_dead)
        return;
    const QNetworkRequest &request = m_exchange->request();
    QByteArray target = request.url().toEncoded(QUrl::RemoveScheme | QUrl::RemoveAuthority | QUrl::RemoveFragment);
    if (!target.startsWith('/'))
        target.prepend('/');

    QByteArray head;
    head.reserve(256);
    head += "GET " + target + " HTTP/1.1\r\nHost: " + m_hostHeader + "\r\n";
    for (const QByteArray &name : request.rawHeaderList()) {
        const QByteArray lower = name.toLower();
        if (lower == "host" || lower == "connection" || lower == "content-length")
            continue;
        head += name + ": " + request.rawHeader(name) + "\r\n";
    }
    head += "Connection: keep-alive\r\n\r\n";
    m_written = true;
    m_socket->write(head);
}

void HttpConnection::onReadyRead()
{
    const QByteArray data = m_socket->readAll();
    if (data.isEmpty() || m_dead)
        return;
    if (!m_exchange || !m_written) {
        // Bytes nobody asked for: whatever they are, this connection can no longer be trusted.
        qCDebug(lcNet) << "unsolicited bytes from" << m_originKey << "; closing";
        drop();
        emit closedWhileIdle(this);
        return;
    }
    const qsizetype used = m_parser->feed(data);
    emit m_exchange->bytesReceived();
    switch (m_parser->state()) {
    case HttpResponseParser::State::Head:
    case HttpResponseParser::State::Body:
        return;
    case HttpResponseParser::State::Complete:
        if (used < data.size())
            m_dead = true; // a second response we never asked for
        finishExchange();
        return;
    case HttpResponseParser::State::TooLarge:
        finishExchange();
        return;
    case HttpResponseParser::State::Malformed:
        failExchange(tr("The server's reply was not valid HTTP."), false);
        return;
    }
}

void HttpConnection::onSocketGone()
{
    if (m_dead && !m_exchange)
        return;
    if (!m_exchange) {
        m_dead = true;
        emit closedWhileIdle(this);
        return;
    }
    // A reply framed by the end of the connection ends here.
    if (m_written) {
        m_parser->finishAtEndOfStream();
        if (m_parser->isComplete()) {
            m_dead = true;
            finishExchange();
            return;
        }
    }
    const bool retryable = m_answered > 0 && !m_parser->hasStarted();
    QString error = m_socket->errorString();
    if (m_socket->error() == QAbstractSocket::UnknownSocketError || error.isEmpty())
        error = tr("The connection closed before the reply was complete.");
    failExchange(error, retryable);
}

void HttpConnection::finishExchange()
{
    HttpExchange *exchange = m_exchange;
    m_exchange = nullptr;
    ++m_answered;
    const bool tooLarge = m_parser->state() == HttpResponseParser::State::TooLarge;
    HttpResponse response;
    if (!tooLarge) {
        response.statusCode = m_parser->statusCode();
        response.headers = m_parser->headers();
        response.body = m_parser->takeBody();
    }
    const bool reusable = !m_dead && !tooLarge && m_parser->keepsConnection()
                          && m_socket->state() == QAbstractSocket::ConnectedState;
    m_parser.reset();
    if (!reusable) {
        m_dead = true;
        m_socket->disconnect(this);
        m_socket->abort();
    } else {
        m_idle.start();
    }
    emit responseCompleted(this, exchange, response, tooLarge, reusable);
}

void HttpConnection::failExchange(const QString &error, bool retryable)
{
    HttpExchange *exchange = m_exchange;
    m_exchange = nullptr;
    m_parser.reset();
    m_dead = true;
    m_socket->disconnect(this);
    m_socket->abort();
    emit exchangeFailed(this, exchange, error, retryable);
}
