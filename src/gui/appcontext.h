#pragma once

#include <QObject>
#include <QString>

#include <memory>

class AccountManager;
class Clock;
class DemoBackend;
class QNetworkAccessManager;
class SecretStore;
class TaskEngine;
class TaskListModel;
class TaskStore;

// Everything the window works with, built in one place and torn down in the right order: the
// network access manager, the clock, the durable task store, the engine and its table model,
// the secret store and account manager, and the demo backend. main() builds one on the real
// store; tests build one on a temporary store (and a session-only secret store).
class AppContext : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        QString storePath;              // empty: TaskStore::defaultPath()
        Clock *clock = nullptr;         // not owned; null: the system clock
        bool useSystemKeychain = true;  // false: keys live in memory only (tests)
    };

    explicit AppContext(QObject *parent = nullptr);
    ~AppContext() override;

    // Opens the store, loads the accounts (keys follow asynchronously) and restores the task
    // list, resuming unfinished work. A long list comes in the background after its first rows
    // (TaskEngine::restoreFromStoreIncrementally), so the window can show them at once. Returns false with errorMessage() when the store cannot
    // be opened at all.
    bool open(const Options &options);
    QString errorMessage() const { return m_errorMessage; }
    // Something the user should know about the store, e.g. a damaged file moved aside.
    QString storeNotice() const { return m_storeNotice; }
    QString storePath() const;

    QNetworkAccessManager *network() const { return m_network; }
    Clock *clock() const { return m_clock; }
    TaskStore *store() const { return m_store.get(); }
    TaskEngine *engine() const { return m_engine; }
    TaskListModel *model() const { return m_model; }
    SecretStore *secretStore() const { return m_secrets; }
    AccountManager *accountManager() const { return m_accounts; }
    DemoBackend *demo() const { return m_demo; }

signals:
    // The store could not commit a batch (it keeps retrying).
    void storeWriteFailed(const QString &message);

private:
    void removeLeftoverDemoAccounts();

    QNetworkAccessManager *m_network = nullptr;
    Clock *m_clock = nullptr;
    std::unique_ptr<TaskStore> m_store;
    TaskEngine *m_engine = nullptr;
    TaskListModel *m_model = nullptr;
    SecretStore *m_secrets = nullptr;
    AccountManager *m_accounts = nullptr;
    DemoBackend *m_demo = nullptr;
    QString m_errorMessage;
    QString m_storeNotice;
};
