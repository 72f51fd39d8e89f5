#include "accountmanager.h"

#include "taskengine.h"
#include "taskstore.h"

#include <QDir>
#include <QPointer>
#include <QSettings>
#include <QUuid>

using namespace Qt::StringLiterals;

namespace
{
const auto lastUsedSettingsKey = "AddTasks/LastAccountId"_L1;
}

AccountManager::AccountManager(TaskEngine *engine, TaskStore *store, SecretStore *secrets, QObject *parent)
    : QObject(parent)
    , m_engine(engine)
    , m_store(store)
    , m_secrets(secrets)
{
}

void AccountManager::load()
{
    m_accounts = m_store ? m_store->loadAccounts() : QList<Account>{};
    m_keyStatus.clear();
    for (Account &account : m_accounts) {
        account.apiKey.clear();
        m_keyStatus.insert(account.id, KeyStatus::Loading);
        m_engine->setAccount(account);
    }
    emit accountsChanged();

    m_pendingReads = int(m_accounts.size());
    QPointer<AccountManager> self(this);
    for (const Account &account : std::as_const(m_accounts)) {
        const QString id = account.id;
        m_secrets->readKey(id, [self, id](const QString &key, const QString &error) {
            if (self)
                self->onKeyRead(id, key, error);
        });
    }
}

void AccountManager::onKeyRead(const QString &id, const QString &key, const QString &error)
{
    --m_pendingReads;
    const int index = indexOf(id);
    // Removed meanwhile, or saved with a new key while the old one was being read.
    if (index >= 0 && m_keyStatus.value(id) == KeyStatus::Loading) {
        Account &account = m_accounts[index];
        if (!key.isEmpty()) {
            account.apiKey = key;
            m_keyStatus.insert(id, KeyStatus::Present);
            m_engine->setAccount(account);
        } else {
            m_keyStatus.insert(id, KeyStatus::Missing);
            if (!error.isEmpty())
                emit secretStorageWarning(tr("The API key of “%1” could not be read. %2").arg(account.displayName, error));
        }
        emit accountsChanged();
    }

    if (m_pendingReads > 0)
        return;
    const auto missing = std::count_if(m_accounts.cbegin(), m_accounts.cend(),
                                       [this](const Account &account) { return keyStatus(account.id) == KeyStatus::Missing; });
    if (missing == 0)
        return;
    if (m_secrets->keychainStatus() == SecretStore::KeychainStatus::Unavailable) {
        emit secretStorageWarning(tr("No system keychain is available, and %n account(s) have no stored API key. "
                                     "Enter the key again under Accounts.",
                                     nullptr, int(missing)));
    } else {
        emit secretStorageWarning(
            tr("%n account(s) have no API key. Enter the key under Accounts.", nullptr, int(missing)));
    }
}

const Account *AccountManager::account(const QString &id) const
{
    const int index = indexOf(id);
    return index < 0 ? nullptr : &m_accounts[index];
}

AccountManager::KeyStatus AccountManager::keyStatus(const QString &id) const
{
    // Someone may have handed the engine a key directly (the demo's, which is no secret).
    if (const Account *running = m_engine->account(id); running && !running->apiKey.isEmpty())
        return KeyStatus::Present;
    return m_keyStatus.value(id, KeyStatus::Missing);
}

int AccountManager::indexOf(const QString &id) const
{
    for (int i = 0; i < m_accounts.size(); ++i) {
        if (m_accounts[i].id == id)
            return i;
    }
    return -1;
}

QString AccountManager::saveAccount(const Account &account)
{
    Account saved = account;
    if (saved.id.isEmpty())
        saved.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    const int index = indexOf(saved.id);
    const bool keyChanged = !saved.apiKey.isEmpty() && (index < 0 || m_accounts[index].apiKey != saved.apiKey);
    if (saved.apiKey.isEmpty() && index >= 0)
        saved.apiKey = m_accounts[index].apiKey;
    if (saved.apiKey.isEmpty()) {
        if (const Account *running = m_engine->account(saved.id))
            saved.apiKey = running->apiKey;   // e.g. the demo's key, never in the secret store
    }

    if (index < 0)
        m_accounts.append(saved);
    else
        m_accounts[index] = saved;
    if (!saved.apiKey.isEmpty())
        m_keyStatus.insert(saved.id, KeyStatus::Present);
    else if (!m_keyStatus.contains(saved.id))
        m_keyStatus.insert(saved.id, KeyStatus::Missing);

    m_engine->setAccount(saved);
    if (m_store) {
        Account withoutKey = saved;
        withoutKey.apiKey.clear();
        m_store->saveAccount(withoutKey);
    }
    if (keyChanged) {
        QPointer<AccountManager> self(this);
        const QString id = saved.id;
        m_secrets->writeKey(id, saved.apiKey, [self, id](SecretStore::Backend storedIn, const QString &error) {
            if (self)
                self->onKeyWritten(id, storedIn, error);
        });
    }
    emit accountsChanged();
    return saved.id;
}

void AccountManager::onKeyWritten(const QString &id, SecretStore::Backend storedIn, const QString &error)
{
    const Account *owner = account(id);
    const QString name = owner ? owner->displayName : id;
    if (!error.isEmpty()) {
        emit secretStorageWarning(tr("The API key of “%1” could not be stored as intended. %2").arg(name, error));
        return;
    }
    switch (storedIn) {
    case SecretStore::Backend::Keychain:
        break;
    case SecretStore::Backend::SessionOnly:
        emit secretStorageWarning(tr("No system keychain is available: the API key of “%1” is kept for this session "
                                     "only. You will need to enter it again after Reelkeep restarts.")
                                      .arg(name));
        break;
    case SecretStore::Backend::PlainFile:
        emit secretStorageWarning(tr("No system keychain is available: the API key of “%1” is saved in plain text "
                                     "in %2, readable only by your user account.")
                                      .arg(name, QDir::toNativeSeparators(m_secrets->plainFilePath())));
        break;
    }
}

void AccountManager::removeAccount(const QString &id)
{
    const int index = indexOf(id);
    if (index < 0)
        return;
    const QString name = m_accounts[index].displayName;
    m_accounts.removeAt(index);
    m_keyStatus.remove(id);
    m_engine->removeAccount(id);
    if (m_store)
        m_store->removeAccount(id);
    QPointer<AccountManager> self(this);
    m_secrets->deleteKey(id, [self, name](const QString &error) {
        if (self && !error.isEmpty())
            emit self->secretStorageWarning(tr("The API key of “%1” could not be removed. %2").arg(name, error));
    });
    if (lastUsedAccountId() == id)
        QSettings().remove(lastUsedSettingsKey);
    emit accountsChanged();
}

QString AccountManager::lastUsedAccountId() const
{
    return QSettings().value(lastUsedSettingsKey).toString();
}

void AccountManager::setLastUsedAccountId(const QString &id)
{
    QSettings().setValue(lastUsedSettingsKey, id);
}
