#pragma once

#include "taskkey.h"

#include <QList>
#include <QObject>
#include <QStringList>

#include <memory>

class FakeProviderServer;
class TaskEngine;

// The no-key demo: starts the project's fake provider server on loopback with its demo
// scenario, adds one demo account per provider the scenario speaks (polled every 2 s) and adds
// the demo tasks, so a newcomer watches tasks go queued → processing → completed →
// downloading → saved (or failed, or expired) within seconds. Demo accounts and tasks live as
// long as the demo server: stop() (and the next start-up) removes them; saved files stay.
// The demo accounts go to the engine only, not to the AccountManager: they are not the user's,
// the Add Tasks dialog must not offer them, and their key is no secret worth a keychain entry.
class DemoBackend : public QObject
{
    Q_OBJECT

public:
    explicit DemoBackend(TaskEngine *engine, QObject *parent = nullptr);
    ~DemoBackend() override;

    // (Re)starts the demo from the beginning: a fresh server, fresh tasks.
    bool start(QString *errorMessage = nullptr);
    // Removes the demo's tasks and accounts and stops the server.
    void stop();
    bool isRunning() const { return m_server != nullptr; }

    QString downloadDir() const { return m_downloadDir; }
    void setDownloadDir(const QString &directory) { m_downloadDir = directory; }
    static QString defaultDownloadDir();
    int pollIntervalSeconds() const { return m_intervalSeconds; }
    void setPollIntervalSeconds(int seconds) { m_intervalSeconds = seconds; }

    FakeProviderServer *server() const { return m_server.get(); }
    QStringList taskIds() const { return m_taskIds; }
    QList<TaskKey> taskKeys() const { return m_keys; }

    static bool isDemoAccountId(const QString &accountId);
    static QString demoAccountId(const QString &providerName);

signals:
    void started(int taskCount);
    void stopped();

private:
    void removeDemoTasksAndAccounts();

    TaskEngine *m_engine;
    std::unique_ptr<FakeProviderServer> m_server;
    QString m_downloadDir;
    int m_intervalSeconds = 2;
    QStringList m_taskIds;
    QList<TaskKey> m_keys;
};
