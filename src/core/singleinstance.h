#pragma once

#include <QObject>
#include <QString>
#include <QStringList>

class QLocalServer;
class QLocalSocket;

// Keeps one Reelkeep per user: the first instance listens on a local socket, and a second one
// hands its arguments (pasted IDs, files) to it and exits instead of opening a second window on
// the same data. Messages are length-prefixed QDataStream frames; the primary acknowledges each
// one, so the secondary only exits once its arguments have really arrived.
class SingleInstance : public QObject
{
    Q_OBJECT

public:
    // The name is the socket's (a file in the temp dir on Unix, a named pipe on Windows): it
    // should hold the user's name so two users on one machine never reach each other.
    explicit SingleInstance(const QString &serverName, QObject *parent = nullptr);
    ~SingleInstance() override;

    // "reelkeep-<user>" ("reelkeep-test-<user>" in QStandardPaths test mode, so test runs never
    // talk to the user's real window).
    static QString defaultServerName();

    // Listens as the primary instance. False when another live instance already listens. A
    // socket left behind by a crashed instance is removed, but only after nobody answered on it.
    bool tryBecomePrimary();
    bool isPrimary() const;

    // Secondary side: delivers the arguments and waits for the primary's acknowledgement.
    // Blocks for at most timeoutMs (meant for start-up, before any window exists).
    bool sendToPrimary(const QStringList &arguments, int timeoutMs = 2000);

    QString serverName() const { return m_serverName; }
    // Why the last tryBecomePrimary() or sendToPrimary() failed, for the log.
    QString errorString() const { return m_errorString; }

    // A frame larger than this is refused (a paste of 100,000 IDs is still far below it).
    static constexpr qint64 MaxMessageBytes = 16 * 1024 * 1024;

signals:
    void messageReceived(const QStringList &arguments);

private:
    bool listen();
    void onNewConnection();
    void readFrom(QLocalSocket *socket);

    QString m_serverName;
    QString m_errorString;
    QLocalServer *m_server = nullptr;
};
