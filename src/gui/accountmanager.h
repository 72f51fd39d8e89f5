#pragma once

#include "account.h"
#include "secretstore.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QString>

class TaskEngine;
class TaskStore;

// The window's one place for accounts: loads them from the task store, fetches each key from
// the SecretStore and hands complete accounts to the engine; saves and removes them in all
// three places (engine, store without the key, secret store with it). Remembers the account
// tasks were last added to.
class AccountManager : public QObject
{
    Q_OBJECT

public:
    enum class KeyStatus
    {
        Loading,   // the secret store has not answered yet
        Present,
        Missing    // no key stored (or it could not be read): the account cannot poll
    };
    Q_ENUM(KeyStatus)

    AccountManager(TaskEngine *engine, TaskStore *store, SecretStore *secrets, QObject *parent = nullptr);

    // Reads the accounts from the store and gives each to the engine at once (so restored tasks
    // know their account), then again with its key when the secret store answers.
    void load();

    QList<Account> accounts() const { return m_accounts; }
    // Valid until the accounts next change.
    const Account *account(const QString &id) const;
    bool hasAccounts() const { return !m_accounts.isEmpty(); }
    KeyStatus keyStatus(const QString &id) const;

    // Adds or updates an account everywhere and returns its id (a new QUuid when account.id is
    // empty). An empty apiKey keeps the key already stored for this account.
    QString saveAccount(const Account &account);
    // Removes the account from the engine, the store and the secret store. Its tasks stay in the
    // list (and their files on disk); they are no longer polled.
    void removeAccount(const QString &id);

    QString lastUsedAccountId() const;
    void setLastUsedAccountId(const QString &id);

    SecretStore *secretStore() const { return m_secrets; }
    TaskEngine *engine() const { return m_engine; }

signals:
    void accountsChanged();
    // Something about where keys live that the user should know (no keychain, a failed write).
    void secretStorageWarning(const QString &message);

private:
    int indexOf(const QString &id) const;
    void onKeyRead(const QString &id, const QString &key, const QString &error);
    void onKeyWritten(const QString &id, SecretStore::Backend storedIn, const QString &error);

    TaskEngine *m_engine;
    TaskStore *m_store;
    SecretStore *m_secrets;
    QList<Account> m_accounts;
    QHash<QString, KeyStatus> m_keyStatus;
    int m_pendingReads = 0;
};
