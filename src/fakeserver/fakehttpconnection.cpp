#include "fakehttpconnection.h"

#include <QDateTime>
#include <QLocale>
#include <QTcpSocket>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace {

constexpr qint64 ChunkBytes = 64 * 1024;
// Refill only below this, so a slow reader never makes us queue more than ~this much.
constexpr qint64 WriteHighWater = 256 * 1024;
constexpr int ThrottleTickMs = 20;

QByteArray httpDate()
{
    return QLocale::c()
        .toString(QDateTime::currentDateTimeUtc(), u"ddd, dd MMM yyyy hh:mm:ss 'GMT'"_s)
        .toLatin1();
}

} // namespace

FakeHttpConnection::FakeHttpConnection(QTcpSocket *socket, const QString &origin, quint64 id, QObject *parent)
    : QObject(parent)
    , m_socket(socket)
    , m_origin(origin)
    , m_id(id)
{
    m_socket->setParent(this);
    m_throttleTimer.setInterval(ThrottleTickMs);
    connect(&m_throttleTimer, &QTimer::timeout, this, &FakeHttpConnection::pumpBody);
    connect(m_socket, &QTcpSocket::readyRead, this, [this] {
        m_buffer += m_socket->readAll();
        processBuffer();
    });
    connect(m_socket, &QTcpSocket::bytesWritten, this, &FakeHttpConnection::pumpBody);
    connect(m_socket, &QTcpSocket::disconnected, this, [this] {
        m_throttleTimer.stop();
        m_state = State::Closing;
        m_response = {};
        emit closed(this);
    });
    // Data may already be waiting when the server hands the socket over.
    QMetaObject::invokeMethod(this, [this] {
        m_buffer += m_socket->readAll();
        processBuffer();
    }, Qt::QueuedConnection);
}

FakeHttpConnection::~FakeHttpConnection()
{
    // The socket is a child and would be destroyed after our members; make sure its last
    // signals (disconnected from abort()) never reach a half-destroyed connection.
    m_socket->disconnect(this);
    m_throttleTimer.stop();
}

void FakeHttpConnection::processBuffer()
{
    if (m_state != State::Reading)
        return;

    // RFC 9112 2.2: ignore empty lines before a request line.
    qsizetype start = 0;
    while (start < m_buffer.size() && (m_buffer.at(start) == '\r' || m_buffer.at(start) == '\n'))
        ++start;
    if (start > 0)
        m_buffer.remove(0, start);

    const qsizetype headEnd = m_buffer.indexOf("\r\n\r\n");
    if (headEnd < 0) {
        if (m_buffer.size() > MaxHeaderBytes)
            rejectAndClose(431, "request head too large");
        return;
    }
    if (headEnd > MaxHeaderBytes) {
        rejectAndClose(431, "request head too large");
        return;
    }

    const QList<QByteArray> lines = m_buffer.left(headEnd).split('\n');
    const QList<QByteArray> requestLine = lines.first().trimmed().split(' ');
    if (requestLine.size() != 3 || requestLine.at(0).isEmpty() || requestLine.at(1).isEmpty()) {
        rejectAndClose(400, "malformed request line");
        return;
    }

    FakeHttpRequest request;
    request.method = requestLine.at(0);
    request.rawTarget = requestLine.at(1);
    request.version = requestLine.at(2);
    if (!request.version.startsWith("HTTP/1.")) {
        rejectAndClose(505, "only HTTP/1.x is spoken here");
        return;
    }
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines.at(i).trimmed();
        if (line.isEmpty())
            continue;
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0) {
            rejectAndClose(400, "malformed header line");
            return;
        }
        const QByteArray name = line.left(colon).trimmed().toLower();
        const QByteArray value = line.mid(colon + 1).trimmed();
        auto it = request.headers.find(name);
        if (it == request.headers.end())
            request.headers.insert(name, value);
        else
            it.value() += ", " + value;
    }

    if (request.headers.contains("transfer-encoding")) {
        // No client of ours sends chunked request bodies; refusing is allowed (RFC 9112 6.1).
        rejectAndClose(501, "chunked request bodies are not supported");
        return;
    }
    qint64 contentLength = 0;
    if (request.headers.contains("content-length")) {
        bool ok = false;
        contentLength = request.header("content-length").toLongLong(&ok);
        if (!ok || contentLength < 0) {
            rejectAndClose(400, "bad Content-Length");
            return;
        }
        if (contentLength > MaxBodyBytes) {
            rejectAndClose(413, "request body too large");
            return;
        }
    }
    const qsizetype bodyStart = headEnd + 4;
    if (m_buffer.size() - bodyStart < contentLength)
        return; // wait for the rest of the body
    request.body = m_buffer.mid(bodyStart, contentLength);
    m_buffer.remove(0, bodyStart + contentLength);

    const QByteArray connectionHeader = request.header("connection").toLower();
    if (request.version == "HTTP/1.0")
        m_keepAlive = connectionHeader.contains("keep-alive");
    else
        m_keepAlive = !connectionHeader.contains("close");
    m_headRequest = request.method == "HEAD";
    m_state = State::Handling;
    emit requestReceived(this, request);
}

void FakeHttpConnection::rejectAndClose(int statusCode, const QByteArray &message)
{
    m_keepAlive = false;
    m_headRequest = false;
    m_state = State::Handling;
    respond(FakeHttpResponse::withBody(statusCode, "text/plain; charset=utf-8", message + '\n'));
}

void FakeHttpConnection::respond(FakeHttpResponse response)
{
    if (m_state != State::Handling || m_socket->state() != QAbstractSocket::ConnectedState)
        return;

    m_response = std::move(response);
    const qint64 length = m_response.bodyLength();

    QByteArray head = "HTTP/1.1 " + QByteArray::number(m_response.statusCode) + ' '
                      + FakeHttpResponse::reasonPhrase(m_response.statusCode) + "\r\n";
    for (const auto &[name, value] : std::as_const(m_response.headers)) {
        const QByteArray lower = name.toLower();
        if (lower == "content-length" || lower == "connection" || lower == "transfer-encoding")
            continue;
        head += name + ": " + value + "\r\n";
    }
    head += "Content-Length: " + QByteArray::number(length) + "\r\n";
    head += "Date: " + httpDate() + "\r\n";
    head += "Server: reelkeep-fakeserver\r\n";
    head += m_keepAlive ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
    head += "\r\n";
    m_socket->write(head);

    m_bodySent = 0;
    m_bodyLimit = m_headRequest ? 0 : length;
    if (!m_headRequest && m_response.closeAfterBodyBytes >= 0)
        m_bodyLimit = std::min(m_bodyLimit, m_response.closeAfterBodyBytes);

    if (m_response.streamLength < 0 && m_response.bytesPerSecond <= 0) {
        if (m_bodyLimit > 0)
            m_socket->write(m_response.body.left(m_bodyLimit));
        m_bodySent = m_bodyLimit;
        finishResponse();
        return;
    }

    m_state = State::Sending;
    if (m_response.bytesPerSecond > 0) {
        m_throttleClock.start();
        m_throttleTimer.start();
    }
    pumpBody();
}

void FakeHttpConnection::pumpBody()
{
    if (m_state != State::Sending)
        return;

    while (m_bodySent < m_bodyLimit && m_socket->bytesToWrite() < WriteHighWater) {
        qint64 budget = std::min(m_bodyLimit - m_bodySent, ChunkBytes);
        if (m_response.bytesPerSecond > 0) {
            // Token bucket on wall time: the average rate stays right however late ticks fire.
            const qint64 allowed = m_response.bytesPerSecond * m_throttleClock.elapsed() / 1000 - m_bodySent;
            budget = std::min(budget, allowed);
        }
        if (budget <= 0)
            break;
        const QByteArray chunk = m_response.streamLength >= 0 ? m_response.streamChunk(m_bodySent, budget)
                                                              : m_response.body.mid(m_bodySent, budget);
        if (chunk.isEmpty()) {
            // The body source ran dry early; the only honest move is to close.
            m_bodyLimit = m_bodySent;
            break;
        }
        m_socket->write(chunk);
        m_bodySent += chunk.size();
    }

    if (m_bodySent >= m_bodyLimit)
        finishResponse();
}

void FakeHttpConnection::finishResponse()
{
    m_throttleTimer.stop();
    const bool cutShort = !m_headRequest && m_bodySent < m_response.bodyLength();
    m_response = {};
    if (cutShort || !m_keepAlive) {
        closeConnection();
        return;
    }
    m_state = State::Reading;
    // Queued, so a pipelined request is never handled from inside respond().
    QMetaObject::invokeMethod(this, &FakeHttpConnection::processBuffer, Qt::QueuedConnection);
}

void FakeHttpConnection::closeConnection()
{
    m_state = State::Closing;
    // Flushes what is queued, then closes: exactly what a truncated transfer looks like.
    m_socket->disconnectFromHost();
}
