#include "singleinstance.h"

#include <QDataStream>
#include <QDeadlineTimer>
#include <QDir>
#include <QIODevice>
#include <QLocalServer>
#include <QLocalSocket>
#include <QLoggingCategory>
#include <QStandardPaths>
#include <QTimer>
#include <QtEndian>

#include <algorithm>
#include <limits>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcInstance, "reelkeep.instance", QtInfoMsg)

namespace {

constexpr quint32 Magic = 0x524B5031; // "RKP1": a stray client on our socket name is ignored
constexpr char Ack = '\x06';
constexpr int HeaderBytes = 4;
// A probe that finds nobody there is refused at once; this only bounds a hung primary.
constexpr int ProbeTimeoutMs = 1000;
// A client that connects and then says nothing must not hold a socket forever.
constexpr int IdleClientTimeoutMs = 10'000;

int remainingMs(const QDeadlineTimer &deadline)
{
    return int(std::clamp<qint64>(deadline.remainingTime(), 0, std::numeric_limits<int>::max()));
}

QByteArray encodeFrame(const QStringList &arguments)
{
    QByteArray payload;
    QDataStream out(&payload, QIODevice::WriteOnly);
    out.setVersion(QDataStream::Qt_6_0);
    out << Magic << arguments;
    QByteArray frame(HeaderBytes, Qt::Uninitialized);
    qToBigEndian<quint32>(quint32(payload.size()), frame.data());
    return frame + payload;
}

QString userName()
{
    QString name = qEnvironmentVariable("USER");
    if (name.isEmpty())
        name = qEnvironmentVariable("USERNAME");
    if (name.isEmpty())
        name = QDir::home().dirName();
    // The name becomes part of a file or pipe name: keep it to safe characters.
    QString safe;
    for (const QChar c : std::as_const(name)) {
        const bool plain = (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9')
                           || c == u'-' || c == u'_' || c == u'.';
        safe += plain ? c : u'_';
    }
    return safe.isEmpty() ? u"user"_s : safe;
}

} // namespace

SingleInstance::SingleInstance(const QString &serverName, QObject *parent)
    : QObject(parent)
    , m_serverName(serverName)
{
}

SingleInstance::~SingleInstance() = default;

QString SingleInstance::defaultServerName()
{
    const QString prefix = QStandardPaths::isTestModeEnabled() ? u"reelkeep-test-"_s : u"reelkeep-"_s;
    return prefix + userName();
}

bool SingleInstance::isPrimary() const
{
    return m_server && m_server->isListening();
}

bool SingleInstance::tryBecomePrimary()
{
    if (isPrimary())
        return true;
    if (listen())
        return true;
    if (m_server->serverError() != QAbstractSocket::AddressInUseError)
        return false;

    // The name is taken: by a running instance, or by the socket file of one that crashed.
    // Only the first answers, and only it may keep the name.
    QLocalSocket probe;
    probe.connectToServer(m_serverName);
    if (probe.waitForConnected(ProbeTimeoutMs)) {
        probe.abort();
        m_errorString = tr("Another Reelkeep is already running.");
        return false;
    }
    qCInfo(lcInstance) << "removing a stale instance socket:" << m_serverName << probe.errorString();
    QLocalServer::removeServer(m_serverName);
    return listen();
}

bool SingleInstance::listen()
{
    if (!m_server) {
        m_server = new QLocalServer(this);
#ifndef Q_OS_UNIX
        // Only this user may connect to the pipe.
        m_server->setSocketOptions(QLocalServer::UserAccessOption);
#endif
        // Not on Unix: with any access option Qt binds in a temporary directory and renames the
        // socket over the name, silently taking it from a running primary. A plain bind fails
        // with AddressInUseError, which is the exclusion this class is for; the socket's mode
        // follows the umask, and connecting needs write permission that a 022/002 umask gives
        // nobody else (the name holds the user, so other users never share it anyway).
        connect(m_server, &QLocalServer::newConnection, this, &SingleInstance::onNewConnection);
    }
    if (m_server->listen(m_serverName)) {
        m_errorString.clear();
        return true;
    }
    m_errorString = m_server->errorString();
    return false;
}

void SingleInstance::onNewConnection()
{
    while (QLocalSocket *socket = m_server->nextPendingConnection()) {
        auto *idle = new QTimer(socket);
        idle->setSingleShot(true);
        connect(idle, &QTimer::timeout, socket, &QLocalSocket::abort);
        idle->start(IdleClientTimeoutMs);
        connect(socket, &QLocalSocket::disconnected, socket, &QObject::deleteLater);
        connect(socket, &QLocalSocket::readyRead, this, [this, socket] { readFrom(socket); });
        // Data may have arrived with the connection itself.
        if (socket->bytesAvailable() > 0)
            readFrom(socket);
    }
}

void SingleInstance::readFrom(QLocalSocket *socket)
{
    if (socket->bytesAvailable() < HeaderBytes)
        return;
    QByteArray header(HeaderBytes, Qt::Uninitialized);
    socket->peek(header.data(), HeaderBytes);
    const quint32 length = qFromBigEndian<quint32>(header.constData());
    if (length > MaxMessageBytes) {
        qCWarning(lcInstance) << "refusing an oversized message of" << length << "bytes";
        socket->abort();
        return;
    }
    if (socket->bytesAvailable() < HeaderBytes + qint64(length))
        return;
    socket->skip(HeaderBytes);
    const QByteArray payload = socket->read(length);

    QDataStream in(payload);
    in.setVersion(QDataStream::Qt_6_0);
    quint32 magic = 0;
    QStringList arguments;
    in >> magic >> arguments;
    if (in.status() != QDataStream::Ok || magic != Magic) {
        qCWarning(lcInstance) << "ignoring a malformed message on" << m_serverName;
        socket->abort();
        return;
    }
    // Acknowledge before handing the arguments on: whatever the window does with them (even a
    // dialog), the second instance can exit now.
    socket->write(&Ack, 1);
    socket->flush();
    socket->disconnectFromServer();
    emit messageReceived(arguments);
}

bool SingleInstance::sendToPrimary(const QStringList &arguments, int timeoutMs)
{
    const QDeadlineTimer deadline(std::max(0, timeoutMs));
    QLocalSocket socket;
    socket.connectToServer(m_serverName);
    if (!socket.waitForConnected(remainingMs(deadline))) {
        m_errorString = socket.errorString();
        return false;
    }
    socket.write(encodeFrame(arguments));
    while (socket.bytesToWrite() > 0) {
        if (!socket.waitForBytesWritten(remainingMs(deadline))) {
            m_errorString = socket.errorString();
            return false;
        }
    }
    while (socket.bytesAvailable() < 1) {
        if (!socket.waitForReadyRead(remainingMs(deadline))) {
            m_errorString = tr("The running Reelkeep did not answer.");
            return false;
        }
    }
    char reply = 0;
    socket.getChar(&reply);
    socket.disconnectFromServer();
    if (reply != Ack) {
        m_errorString = tr("The running Reelkeep sent an unexpected answer.");
        return false;
    }
    m_errorString.clear();
    return true;
}
