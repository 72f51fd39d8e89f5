#include "demobackend.h"

#include "fakeproviderserver.h"
#include "providerregistry.h"
#include "taskengine.h"

#include <QDir>
#include <QHash>
#include <QStandardPaths>

using namespace Qt::StringLiterals;

namespace
{
const auto demoPrefix = "demo-"_L1;
// The fake server accepts any key; this one is sent so the demo exercises the real request path.
const auto demoKey = "demo"_L1;
} // namespace

DemoBackend::DemoBackend(TaskEngine *engine, QObject *parent)
    : QObject(parent), m_engine(engine), m_downloadDir(defaultDownloadDir())
{
}

DemoBackend::~DemoBackend() = default;

bool DemoBackend::isDemoAccountId(const QString &accountId)
{
    return accountId.startsWith(demoPrefix);
}

QString DemoBackend::demoAccountId(const QString &providerName)
{
    return demoPrefix + providerName;
}

QString DemoBackend::defaultDownloadDir()
{
    const QString movies = QStandardPaths::writableLocation(QStandardPaths::MoviesLocation);
    if (!movies.isEmpty())
        return QDir(movies).filePath(u"Reelkeep Demo"_s);
    return QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)).filePath(u"demo-videos"_s);
}

bool DemoBackend::start(QString *errorMessage)
{
    // Starting again replays the demo: the old server's tasks have already finished.
    if (isRunning())
        stop();
    else
        removeDemoTasksAndAccounts();   // left over from a session that did not stop cleanly

    if (!QDir().mkpath(m_downloadDir)) {
        if (errorMessage)
            *errorMessage = tr("Cannot create the demo's download folder %1.").arg(QDir::toNativeSeparators(m_downloadDir));
        return false;
    }
    auto server = std::make_unique<FakeProviderServer>();
    if (!server->listen()) {
        if (errorMessage)
            *errorMessage = tr("The demo server could not listen on this computer's loopback address.");
        return false;
    }
    m_taskIds = server->loadDemoScenario();

    // One account per provider the scenario speaks; tasks keep the scenario's order.
    QHash<QString, QStringList> idsByProvider;
    QStringList providerOrder;
    for (const QString &id : std::as_const(m_taskIds)) {
        const QString provider = FakeProviderServer::providerName(server->taskSpec(id).shape);
        if (!idsByProvider.contains(provider))
            providerOrder << provider;
        idsByProvider[provider] << id;
    }

    m_server = std::move(server);
    m_keys.clear();
    for (const QString &provider : std::as_const(providerOrder)) {
        const ProviderAdapter *adapter = ProviderRegistry::instance().find(provider);
        Account account;
        account.id = demoAccountId(provider);
        account.displayName = tr("Demo · %1").arg(adapter ? adapter->displayName() : provider);
        account.providerName = provider;
        account.baseUrl = m_server->apiBaseUrl();
        account.intervalSeconds = m_intervalSeconds;
        account.downloadDir = m_downloadDir;
        account.fileNameTemplate = u"{id}"_s;
        account.autoDownload = true;
        account.apiKey = demoKey;
        m_engine->setAccount(account);
    }
    for (const QString &provider : std::as_const(providerOrder)) {
        const TaskEngine::AddResult result = m_engine->addTasks(demoAccountId(provider), idsByProvider.value(provider));
        m_keys << result.added;
    }
    emit started(int(m_keys.size()));
    return true;
}

void DemoBackend::stop()
{
    removeDemoTasksAndAccounts();
    const bool wasRunning = isRunning();
    m_server.reset();
    m_taskIds.clear();
    m_keys.clear();
    if (wasRunning)
        emit stopped();
}

void DemoBackend::removeDemoTasksAndAccounts()
{
    QList<TaskKey> demoTasks;
    for (int row = 0; row < m_engine->taskCount(); ++row) {
        const TaskKey &key = m_engine->taskAt(row).key;
        if (isDemoAccountId(key.accountId))
            demoTasks << key;
    }
    for (const TaskKey &key : std::as_const(demoTasks))
        m_engine->removeTask(key);

    QStringList demoAccounts;
    for (const Account &account : m_engine->accounts()) {
        if (isDemoAccountId(account.id))
            demoAccounts << account.id;
    }
    for (const QString &id : std::as_const(demoAccounts))
        m_engine->removeAccount(id);
}
