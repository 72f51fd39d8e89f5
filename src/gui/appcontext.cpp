#include "appcontext.h"

#include "accountmanager.h"
#include "clock.h"
#include "demobackend.h"
#include "secretstore.h"
#include "taskengine.h"
#include "tasklistmodel.h"
#include "taskstore.h"

#include <QDir>
#include <QFileInfo>
#include <QNetworkAccessManager>

AppContext::AppContext(QObject *parent) : QObject(parent)
{
}

AppContext::~AppContext()
{
    // Demo tasks and accounts exist only while the demo server does.
    if (m_demo)
        m_demo->stop();
    // Views go first, then what feeds them; the store last, after its final writes.
    delete m_model;
    delete m_demo;
    delete m_engine;
    delete m_accounts;
    delete m_secrets;
    if (m_store)
        m_store->flush();
    m_store.reset();
}

QString AppContext::storePath() const
{
    return m_store ? m_store->path() : QString();
}

bool AppContext::open(const Options &options)
{
    Q_ASSERT_X(!m_engine, "AppContext::open", "open() once");
    const QString path = options.storePath.isEmpty() ? TaskStore::defaultPath() : options.storePath;
    QDir().mkpath(QFileInfo(path).absolutePath());
    m_store = TaskStore::open(path, &m_errorMessage, &m_storeNotice);
    if (!m_store)
        return false;
    connect(m_store.get(), &TaskStore::writeFailed, this, &AppContext::storeWriteFailed);

    m_network = new QNetworkAccessManager(this);
    m_clock = options.clock ? options.clock : new SystemClock(this);
    m_engine = new TaskEngine(m_network, m_clock, m_store.get(), this);
    m_model = new TaskListModel(m_engine, m_clock, this);
    m_secrets = options.useSystemKeychain
        ? new SecretStore(this)
        : new SecretStore(nullptr, SecretStore::Options{}, this);
    m_accounts = new AccountManager(m_engine, m_store.get(), m_secrets, this);
    m_demo = new DemoBackend(m_engine, this);

    removeLeftoverDemoAccounts();
    m_accounts->load();
    // Demo tasks need the demo server, which did not survive the last session. A long list is
    // read on the store's worker thread, so the window shows its first rows at once.
    m_engine->restoreFromStoreIncrementally([this](const TaskKey &key) {
        if (!DemoBackend::isDemoAccountId(key.accountId))
            return true;
        m_store->removeTask(key);
        return false;
    });
    return true;
}

void AppContext::removeLeftoverDemoAccounts()
{
    // Only after a crash: a clean exit removes them. Removed before the accounts load so no
    // warning about their (never stored) keys reaches the user.
    bool removed = false;
    for (const Account &account : m_store->loadAccounts()) {
        if (DemoBackend::isDemoAccountId(account.id)) {
            m_store->removeAccount(account.id);
            removed = true;
        }
    }
    if (removed)
        m_store->flush();
}
