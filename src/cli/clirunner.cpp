#include "clirunner.h"

#include "apicredentials.h"
#include "clock.h"
#include "orphanpartials.h"
#include "tasklistexchange.h"
#include "taskstore.h"

#include <QCoreApplication>
#include <QDir>
#include <QLocale>
#include <QNetworkAccessManager>
#include <QTimer>

using namespace Qt::StringLiterals;

CliRunner::CliRunner(const CliOptions &options, std::unique_ptr<CliReporter> reporter, QObject *parent)
    : QObject(parent), m_options(options), m_reporter(std::move(reporter)),
      m_manager(new QNetworkAccessManager(this)), m_clock(new SystemClock(this)), m_refreshTimer(new QTimer(this)),
      m_timeoutTimer(new QTimer(this))
{
    m_refreshTimer->setInterval(250);
    connect(m_refreshTimer, &QTimer::timeout, this, [this] { m_reporter->refresh(); });
    m_timeoutTimer->setSingleShot(true);
    connect(m_timeoutTimer, &QTimer::timeout, this, [this] { finish(true); });
}

CliRunner::~CliRunner()
{
    delete m_engine;
    if (m_store)
        m_store->flush();
}

bool CliRunner::start()
{
    QString error;
    QString notice;
    m_store = TaskStore::open(m_options.storePath, &error, &notice);
    if (!m_store) {
        m_reporter->notice(tr("Cannot open the task store %1: %2").arg(QDir::toNativeSeparators(m_options.storePath), error));
        m_exitCode = 2;
        return false;
    }
    if (!notice.isEmpty())
        m_reporter->notice(notice);
    connect(m_store.get(), &TaskStore::writeFailed, this,
            [this](const QString &message) { m_reporter->notice(tr("Could not record progress: %1").arg(message)); });

    if (!QDir().mkpath(m_options.downloadDir)) {
        m_reporter->notice(tr("Cannot create the download folder %1.").arg(QDir::toNativeSeparators(m_options.downloadDir)));
        m_exitCode = 2;
        return false;
    }

    m_engine = new TaskEngine(m_manager, m_clock, m_store.get());
    connect(m_engine, &TaskEngine::taskChanged, this, &CliRunner::onTaskChanged);
    connect(m_engine, &TaskEngine::taskEvent, this, &CliRunner::onTaskEvent);
    connect(m_engine, &TaskEngine::taskSaved, this, [this](const TaskKey &key, const DownloadResult &result) {
        if (const TaskRecord *record = m_engine->task(key)) {
            m_reporter->taskSaved(*record, result);
            m_lastReported.insert(key.taskId, {TaskState::Saved, 100});
        }
        scheduleDoneCheck();
    });
    connect(m_engine, &TaskEngine::accountHalted, this, [this](const QString &, const QString &message) {
        m_accountHalted = true;
        m_reporter->notice(message);
        scheduleDoneCheck();
    });

    // The same command run again is the same account, so a rerun resumes its tasks.
    Account account;
    account.providerName = m_options.providerName;
    account.baseUrl = m_options.baseUrl;
    account.id = u"cli:%1@%2"_s.arg(m_options.providerName, ApiCredentials::originOf(m_options.baseUrl));
    account.displayName = u"%1 (%2)"_s.arg(m_options.providerName, m_options.baseUrl.host());
    account.apiKey = m_options.apiKey;
    account.intervalSeconds = m_options.intervalSeconds;
    account.downloadDir = m_options.downloadDir;
    account.fileNameTemplate = m_options.fileNameTemplate;
    account.autoDownload = true;
    m_accountId = account.id;
    m_engine->setAccount(account);

    m_reporter->setTaskIds(m_options.taskIds);
    for (const QString &rejected : std::as_const(m_options.rejectedIds))
        m_reporter->notice(tr("Ignored %1").arg(rejected));

    const QSet<QString> wanted(m_options.taskIds.cbegin(), m_options.taskIds.cend());
    m_engine->restoreFromStore(
        [&](const TaskKey &key) { return key.accountId == m_accountId && wanted.contains(key.taskId); });
    m_engine->addTasks(m_accountId, m_options.taskIds);

    // Report where every task stands now (resumed ones may already be saved).
    for (const QString &id : std::as_const(m_options.taskIds)) {
        if (const TaskRecord *record = m_engine->task({m_accountId, id})) {
            const int progress = progressOf(*record);
            m_lastReported.insert(id, {record->state, progress});
            m_reporter->taskStatus(*record, progress, record->state == TaskState::Saved
                                                          ? tr("Already saved to %1").arg(record->filePath)
                                                          : record->lastError);
        }
    }

    m_refreshTimer->start();
    if (m_options.timeoutSeconds > 0)
        m_timeoutTimer->start(m_options.timeoutSeconds * 1000);
    scheduleDoneCheck();
    return true;
}

int CliRunner::exportTaskList(const CliOptions &options, QString *message)
{
    QString error;
    const std::unique_ptr<TaskStore> store = TaskStore::open(options.storePath, &error);
    if (!store) {
        *message = tr("Cannot open the task store %1: %2").arg(QDir::toNativeSeparators(options.storePath), error);
        return 2;
    }
    QHash<QString, QString> names;
    for (const Account &account : store->loadAccounts())
        names.insert(account.id, account.displayName);
    const QList<TaskRecord> records = store->loadTasks();
    const QByteArray data = TaskListExchange::exportFor(options.exportPath, records, [&names](const QString &id) {
        return names.value(id);
    });
    if (!TaskListExchange::writeFile(options.exportPath, data, &error)) {
        *message = error;
        return 2;
    }
    *message = tr("Exported %n task(s) to %1.", nullptr, int(records.size()))
                   .arg(QDir::toNativeSeparators(options.exportPath));
    return 0;
}

int CliRunner::progressOf(const TaskRecord &record) const
{
    switch (record.state) {
    case TaskState::Downloading:
        return record.bytesTotal > 0 ? int(record.bytesReceived * 100 / record.bytesTotal) : -1;
    case TaskState::Completed:
    case TaskState::Saved:
        return 100;
    default:
        return record.snapshot.progress;
    }
}

void CliRunner::onTaskEvent(const TaskEvent &event)
{
    // Only state changes carry their message onto the next status line; history-only notes
    // (a retry streak, the link's expiry) would otherwise land on an unrelated later line.
    if (event.key.accountId == m_accountId && m_lastReported.value(event.key.taskId).first != event.state)
        m_pendingMessage.insert(event.key.taskId, event.message);
}

void CliRunner::onTaskChanged(int row, TaskEngine::Changes changes)
{
    if (row < 0 || !(changes & (TaskEngine::Change::State | TaskEngine::Change::Progress | TaskEngine::Change::Error)))
        return;
    const TaskRecord &record = m_engine->taskAt(row);
    if (record.key.accountId != m_accountId)
        return;
    const int progress = progressOf(record);
    const std::pair<TaskState, int> now{record.state, progress};
    const QString message = m_pendingMessage.take(record.key.taskId);
    const bool failed = record.state == TaskState::Failed || record.state == TaskState::Expired;
    // A new error in the same state (a reply that could not be read, a download that will be
    // retried) is news too: without it the user would watch a task stand still, not knowing why.
    const bool newError = record.lastError != m_lastReportedError.value(record.key.taskId);
    if (newError)
        m_lastReportedError.insert(record.key.taskId, record.lastError);
    // Saved is reported by the "downloaded" event (with its path and digest) right after.
    if ((m_lastReported.value(record.key.taskId) != now || (newError && !record.lastError.isEmpty()))
        && record.state != TaskState::Saved) {
        m_lastReported.insert(record.key.taskId, now);
        m_reporter->taskStatus(record, progress,
                               failed || (message.isEmpty() && newError) ? record.lastError : message);
    }
    scheduleDoneCheck();
}

void CliRunner::scheduleDoneCheck()
{
    // State changes and the follow-up work they start (a download queued right after
    // "completed") happen in one call; look once the engine has settled.
    if (m_doneCheckQueued || m_finished)
        return;
    m_doneCheckQueued = true;
    QTimer::singleShot(0, this, [this] {
        m_doneCheckQueued = false;
        checkDone();
    });
}

void CliRunner::checkDone()
{
    if (m_finished)
        return;
    if (m_accountHalted) {
        finish(false);
        return;
    }
    for (const QString &id : std::as_const(m_options.taskIds)) {
        if (m_engine->hasPendingWork({m_accountId, id}))
            return;
    }
    finish(false);
}

void CliRunner::finish(bool timedOut)
{
    if (m_finished)
        return;
    m_finished = true;
    m_refreshTimer->stop();
    m_timeoutTimer->stop();

    CliReporter::Summary summary;
    summary.timedOut = timedOut;
    for (const QString &id : std::as_const(m_options.taskIds)) {
        const TaskRecord *record = m_engine->task({m_accountId, id});
        ++summary.total;
        switch (record ? record->state : TaskState::Unknown) {
        case TaskState::Saved:
            ++summary.saved;
            break;
        case TaskState::Failed:
            ++summary.failed;
            break;
        case TaskState::Expired:
            ++summary.expired;
            break;
        default:
            ++summary.unfinished;
            break;
        }
    }
    if (timedOut)
        m_reporter->notice(tr("Timed out with %n task(s) unfinished.", nullptr, summary.unfinished));
    summary.exitCode = summary.saved == summary.total ? 0 : 1;
    m_exitCode = summary.exitCode;
    if (!m_store->flush())
        m_reporter->notice(tr("Some progress could not be recorded in the task store."));
    reportOrphanPartials();
    m_reporter->summary(summary);
    emit finished(m_exitCode);
}

void CliRunner::reportOrphanPartials()
{
    // Listed, never deleted: they may hold most of a video whose link has expired since.
    const OrphanPartials::ScanResult scan =
        OrphanPartials::scan(m_options.storePath, {m_options.downloadDir}, m_engine->partialPathsInUse());
    if (scan.files.isEmpty())
        return;
    constexpr int maxListed = 10;
    QStringList names;
    for (const OrphanPartials::File &file : scan.files.mid(0, maxListed)) {
        names << u"  %1 (%2)"_s.arg(QDir::toNativeSeparators(file.path),
                                    QLocale::c().formattedDataSize(file.size, 1, QLocale::DataSizeTraditionalFormat));
    }
    if (scan.files.size() > maxListed)
        names << tr("  and %n more", nullptr, int(scan.files.size() - maxListed));
    const QString head = scan.files.size() == 1
        ? tr("1 partial download belongs to no task in the store (kept; delete it yourself if you do not need it, "
             "or review it in the Reelkeep window):")
        : tr("%n partial downloads belong to no task in the store (kept; delete them yourself if you do not need "
             "them, or review them in the Reelkeep window):",
             nullptr, int(scan.files.size()));
    m_reporter->notice(head + u'\n' + names.join(u'\n'));
}
