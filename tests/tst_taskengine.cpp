// TaskEngine against the fake provider server over loopback: what it records, what it refuses,
// and the order it saves videos in.

#include "clock.h"
#include "fakeproviderserver.h"
#include "taskengine.h"
#include "taskpoller.h"
#include "taskstore.h"

#include <QCryptographicHash>
#include <QDir>
#include <QNetworkAccessManager>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

class TestTaskEngine : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void idsAreRecordedBeforeTheFirstRequest();
    void nonsenseAndDuplicateIdsAreRefused();
    void soonestExpiringDownloadsGoFirst();
    void restartResumesAnInterruptedDownload();
    void partialFileIsRecordedBeforeItExists();
    void historyRecordsRetriesAndLinkExpiry();
    void incrementalRestore();
    void addingDuringIncrementalRestoreKnowsStoredIds();
    void pollTimeAloneIsWrittenLazily();

private:
    void storeSavedTasks(int count);
    TaskRecord storedTask(const TaskKey &key) const;
    Account account(bool autoDownload = true) const;
    FakeTaskSpec task(const QString &id) const;
    std::unique_ptr<TaskEngine> makeEngine(int maxConcurrentDownloads = 3);

    std::unique_ptr<FakeProviderServer> m_server;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<QNetworkAccessManager> m_manager;
    std::unique_ptr<SystemClock> m_clock;
    std::unique_ptr<TaskStore> m_store;
};

void TestTaskEngine::init()
{
    m_server = std::make_unique<FakeProviderServer>();
    QVERIFY(m_server->listen());
    m_dir = std::make_unique<QTemporaryDir>();
    m_manager = std::make_unique<QNetworkAccessManager>();
    m_clock = std::make_unique<SystemClock>();
    QString error;
    m_store = TaskStore::open(m_dir->filePath(u"store.sqlite"_s), &error);
    QVERIFY2(m_store, qPrintable(error));
}

void TestTaskEngine::cleanup()
{
    m_store.reset();
    m_manager.reset();
    m_server.reset();
    m_dir.reset();
}

Account TestTaskEngine::account(bool autoDownload) const
{
    Account account;
    account.id = u"acc"_s;
    account.displayName = u"Test"_s;
    account.providerName = u"mingyan"_s;
    account.baseUrl = m_server->apiBaseUrl();
    account.apiKey = u"k"_s;
    account.intervalSeconds = 1;
    account.downloadDir = m_dir->filePath(u"videos"_s);
    account.autoDownload = autoDownload;
    return account;
}

FakeTaskSpec TestTaskEngine::task(const QString &id) const
{
    FakeTaskSpec spec;
    spec.id = id;
    spec.queuedPolls = 0;
    spec.processingPolls = 1;
    spec.videoBytes = 64 * 1024;
    return spec;
}

std::unique_ptr<TaskEngine> TestTaskEngine::makeEngine(int maxConcurrentDownloads)
{
    TaskEngine::Options options;
    options.maxConcurrentDownloads = maxConcurrentDownloads;
    return std::make_unique<TaskEngine>(m_manager.get(), m_clock.get(), m_store.get(), options);
}

void TestTaskEngine::idsAreRecordedBeforeTheFirstRequest()
{
    auto engine = makeEngine();
    engine->setAccount(account());
    m_server->addTask(task(u"recorded_first_1"_s));
    const auto result = engine->addTasks(u"acc"_s, {u"recorded_first_1"_s});
    QCOMPARE(result.added.size(), 1);
    // No event loop has run yet, so no request can have gone out; the store already has it.
    QVERIFY(m_store->flush());
    QVERIFY(m_server->requests().isEmpty());
    const QList<TaskRecord> stored = m_store->loadTasks();
    QCOMPARE(stored.size(), 1);
    QCOMPARE(stored.first().key.taskId, u"recorded_first_1"_s);
    QCOMPARE(stored.first().state, TaskState::Queued);
}

void TestTaskEngine::nonsenseAndDuplicateIdsAreRefused()
{
    auto engine = makeEngine();
    engine->setAccount(account());
    engine->addTasks(u"acc"_s, {u"already_here_01"_s});
    const QString huge(10'000, u'x');
    const auto result = engine->addTasks(
        u"acc"_s, {u"already_here_01"_s, u"fresh_task_0001"_s, u"fresh_task_0001"_s, huge, u""_s,
                   u"has space"_s, u"ctl\u0001char"_s});
    QCOMPARE(result.added.size(), 1);
    QCOMPARE(result.added.first().taskId, u"fresh_task_0001"_s);
    QCOMPARE(result.alreadyPresent, (QStringList{u"already_here_01"_s, u"fresh_task_0001"_s}));
    QCOMPARE(result.rejected.size(), 4);
    QVERIFY(result.rejected.first().contains(u"10000"_s) || result.rejected.first().contains(u"256"_s));
    QCOMPARE(engine->taskCount(), 2);

    const auto unknownAccount = engine->addTasks(u"nope"_s, {u"fresh_task_0002"_s});
    QVERIFY(unknownAccount.added.isEmpty());
    QCOMPARE(unknownAccount.rejected.size(), 1);
}

void TestTaskEngine::soonestExpiringDownloadsGoFirst()
{
    auto engine = makeEngine(1);
    engine->setAccount(account(false));
    FakeTaskSpec first = task(u"first_long_life"_s);
    first.urlLifetimeSeconds = 7200;
    first.videoBytes = 1024 * 1024;
    first.bytesPerSecond = 2 * 1024 * 1024; // keeps the only slot busy while the others queue
    FakeTaskSpec later = task(u"later_long_life"_s);
    later.urlLifetimeSeconds = 3600;
    FakeTaskSpec urgent = task(u"urgent_short_life"_s);
    urgent.urlLifetimeSeconds = 300;
    for (const FakeTaskSpec &spec : {first, later, urgent})
        m_server->addTask(spec);
    engine->addTasks(u"acc"_s, {first.id, later.id, urgent.id});

    auto stateOf = [&](const QString &id) { return engine->task({u"acc"_s, id})->state; };
    QTRY_VERIFY_WITH_TIMEOUT(stateOf(first.id) == TaskState::Completed && stateOf(later.id) == TaskState::Completed
                                 && stateOf(urgent.id) == TaskState::Completed,
                             20'000);
    QVERIFY(engine->task({u"acc"_s, urgent.id})->urlExpiresAt < engine->task({u"acc"_s, later.id})->urlExpiresAt);

    m_server->clearRequests();
    engine->download({u"acc"_s, first.id});
    engine->download({u"acc"_s, later.id});
    engine->download({u"acc"_s, urgent.id});
    QTRY_VERIFY_WITH_TIMEOUT(stateOf(first.id) == TaskState::Saved && stateOf(later.id) == TaskState::Saved
                                 && stateOf(urgent.id) == TaskState::Saved,
                             20'000);
    QStringList order;
    for (const auto &request : m_server->requests()) {
        if (request.origin != "cdn"_L1)
            continue;
        for (const QString &id : {first.id, later.id, urgent.id}) {
            // The fake CDN names each video by the base64url form of its task ID.
            const QByteArray cdnName = id.toUtf8().toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
            if (request.rawTarget.contains("/v/" + cdnName + ".mp4") && !order.contains(id))
                order << id;
        }
    }
    QCOMPARE(order.join(u','), (QStringList{first.id, urgent.id, later.id}).join(u','));
}

void TestTaskEngine::restartResumesAnInterruptedDownload()
{
    FakeTaskSpec spec = task(u"resumed_after_restart"_s);
    spec.videoBytes = 4 * 1024 * 1024;
    spec.bytesPerSecond = 2 * 1024 * 1024;
    m_server->addTask(spec);
    const TaskKey key{u"acc"_s, spec.id};
    {
        auto engine = makeEngine();
        engine->setAccount(account());
        engine->addTasks(u"acc"_s, {spec.id});
        QTRY_VERIFY_WITH_TIMEOUT(engine->task(key)->bytesReceived > 512 * 1024, 20'000);
        // The server sends 2 MiB/s: the row's speed must say roughly that (loose bounds: shared CI).
        QTRY_VERIFY_WITH_TIMEOUT(engine->downloadSpeed(key) > 200 * 1024, 10'000);
        QVERIFY2(engine->downloadSpeed(key) < 20 * 1024 * 1024, qPrintable(QString::number(engine->downloadSpeed(key))));
        QVERIFY(!engine->task(key)->partialPath.isEmpty());
    } // the engine goes away mid-transfer, as on quit
    QVERIFY(m_store->flush());
    m_server->clearRequests();

    auto engine = makeEngine();
    engine->setAccount(account());
    QSignalSpy saved(engine.get(), &TaskEngine::taskSaved);
    engine->restoreFromStore();
    QCOMPARE(engine->taskCount(), 1);
    QVERIFY(saved.wait(20'000));
    QCOMPARE(engine->downloadSpeed(key), 0.0); // gone once the download ended
    const DownloadResult result = saved.first().at(1).value<DownloadResult>();
    QCOMPARE(result.sha256Hex, QCryptographicHash::hash(m_server->videoBytes(spec.id), QCryptographicHash::Sha256).toHex());
    bool resumedWithRange = false;
    for (const auto &request : m_server->requests())
        resumedWithRange |= request.origin == "cdn"_L1 && request.headers.value("range").startsWith("bytes=")
            && !request.headers.value("range").startsWith("bytes=0-");
    QVERIFY(resumedWithRange);
    // The provider was not asked to start anything over: at most one fresh status query.
    QVERIFY(m_server->statusQueryCount(spec.id) <= 3);
}

// A download's partial file may only exist once the store knows its name: a kill in between
// would leave a file no later run knows for this task's, and that run would save the video a
// second time beside it ("<id> (2).mp4"). Another connection holds the store's write lock from
// the moment the video is ready, so nothing the engine queues can be committed: the first
// failed commit (after the busy timeout) must find no partial file and no download request.
void TestTaskEngine::partialFileIsRecordedBeforeItExists()
{
    FakeTaskSpec spec = task(u"recorded_before_created"_s);
    spec.processingPolls = 0;
    m_server->addTask(spec);
    const TaskKey key{u"acc"_s, spec.id};
    const QString videos = m_dir->filePath(u"videos"_s);
    auto files = [&] { return QDir(videos).entryList(QDir::Files); };
    auto cdnRequests = [&] {
        return std::count_if(m_server->requests().cbegin(), m_server->requests().cend(),
                             [](const auto &request) { return request.origin == "cdn"_L1; });
    };

    QSqlDatabase locker = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"test-locker"_s);
    locker.setDatabaseName(m_dir->filePath(u"store.sqlite"_s));
    QVERIFY(locker.open());
    bool locked = false;
    QStringList filesAtFailure;
    qsizetype cdnAtFailure = -1;
    {
        auto engine = makeEngine();
        engine->setAccount(account());
        connect(engine.get(), &TaskEngine::taskEvent, this, [&](const TaskEvent &event) {
            // Emitted before the engine queues the download.
            if (event.key == key && event.state == TaskState::Completed && !locked)
                locked = QSqlQuery(locker).exec(u"BEGIN IMMEDIATE"_s);
        });
        connect(m_store.get(), &TaskStore::writeFailed, this, [&] {
            if (cdnAtFailure < 0) {
                filesAtFailure = files();
                cdnAtFailure = cdnRequests();
            }
        });
        QSignalSpy saved(engine.get(), &TaskEngine::taskSaved);
        engine->addTasks(u"acc"_s, {spec.id});
        QTRY_VERIFY_WITH_TIMEOUT(cdnAtFailure >= 0, 30'000);
        QVERIFY(locked);
        QVERIFY2(filesAtFailure.isEmpty(), qPrintable(filesAtFailure.join(u", "_s)));
        QCOMPARE(cdnAtFailure, 0);

        QVERIFY(QSqlQuery(locker).exec(u"ROLLBACK"_s));
        // A store that cannot write does not hold the video back: the download may already
        // have ended while the lock was still held.
        QTRY_COMPARE_WITH_TIMEOUT(saved.count(), 1, 30'000);
        QCOMPARE(QFileInfo(engine->task(key)->filePath).fileName(), spec.id + u".mp4"_s);
        QCOMPARE(files(), QStringList{spec.id + u".mp4"_s});
    }
    locker.close();
    locker = QSqlDatabase();
    QSqlDatabase::removeDatabase(u"test-locker"_s);
    QVERIFY(m_store->flush());
    QCOMPARE(storedTask(key).state, TaskState::Saved);
}

void TestTaskEngine::storeSavedTasks(int count)
{
    for (int i = 0; i < count; ++i) {
        TaskRecord record;
        record.key = {u"acc"_s, u"stored_%1"_s.arg(i, 5, 10, QChar(u'0'))};
        record.state = TaskState::Saved;
        record.filePath = m_dir->filePath(u"videos/%1.mp4"_s.arg(record.key.taskId));
        record.addedAt = m_clock->nowUtc();
        m_store->saveTask(record);
    }
    QVERIFY(m_store->flush());
}

// The first rows at once, the rest in batches from the store's worker, in the store's order,
// through the filter.
void TestTaskEngine::incrementalRestore()
{
    constexpr int count = 3000;
    storeSavedTasks(count);
    auto engine = makeEngine();
    engine->setAccount(account());
    QSignalSpy added(engine.get(), &TaskEngine::tasksAdded);
    QSignalSpy finished(engine.get(), &TaskEngine::restoreFinished);
    engine->restoreFromStoreIncrementally([](const TaskKey &key) { return !key.taskId.endsWith(u'7'); }, 200);
    QVERIFY(engine->isRestoring());
    QCOMPARE(engine->taskCount(), 180);  // the first 200 without the tenth that end in 7
    QVERIFY(finished.wait(20'000));
    QVERIFY(!engine->isRestoring());
    QCOMPARE(finished.count(), 1);
    QCOMPARE(engine->taskCount(), count * 9 / 10);
    int rows = 0;
    for (const QList<QVariant> &signal : std::as_const(added)) {
        QCOMPARE(signal.at(0).toInt(), rows);
        rows += signal.at(1).toInt();
    }
    QCOMPARE(rows, engine->taskCount());
    QVERIFY(added.count() >= 2);
    for (int row = 1; row < engine->taskCount(); ++row)
        QVERIFY(engine->taskAt(row - 1).key.taskId < engine->taskAt(row).key.taskId);
    QCOMPARE(engine->taskAt(engine->taskCount() - 1).key.taskId, u"stored_02999"_s);
}

// An ID still being read is not new: adding it must not replace the stored task.
void TestTaskEngine::addingDuringIncrementalRestoreKnowsStoredIds()
{
    constexpr int count = 3000;
    storeSavedTasks(count);
    auto engine = makeEngine();
    engine->setAccount(account());
    QSignalSpy finished(engine.get(), &TaskEngine::restoreFinished);
    engine->restoreFromStoreIncrementally({}, 100);
    QVERIFY(engine->isRestoring());
    const TaskEngine::AddResult result = engine->addTasks(u"acc"_s, {u"stored_02500"_s, u"brand_new_01"_s});
    QCOMPARE(result.alreadyPresent, QStringList{u"stored_02500"_s});
    QCOMPARE(result.added.size(), 1);
    QVERIFY(!engine->isRestoring());
    QCOMPARE(finished.count(), 1);
    QCOMPARE(engine->taskCount(), count + 1);
    const TaskRecord *stored = engine->task({u"acc"_s, u"stored_02500"_s});
    QVERIFY(stored);
    QCOMPARE(stored->state, TaskState::Saved);
    QVERIFY(stored->filePath.endsWith(u"stored_02500.mp4"_s));
    QCOMPARE(engine->taskAt(count).key.taskId, u"brand_new_01"_s);
}

void TestTaskEngine::historyRecordsRetriesAndLinkExpiry()
{
    auto engine = makeEngine();
    engine->setAccount(account());
    FakeTaskSpec spec = task(u"flaky_history_01"_s);
    spec.serverErrorQueries = 2; // two failed polls in a row: one streak
    m_server->addTask(spec);
    const TaskKey key{u"acc"_s, spec.id};
    engine->addTasks(u"acc"_s, {spec.id});
    QTRY_COMPARE_WITH_TIMEOUT(engine->task(key)->state, TaskState::Saved, 30'000);

    const QList<TaskEvent> history = engine->history(key);
    QStringList messages;
    for (const TaskEvent &event : history)
        messages << event.message;
    const auto retries = std::count_if(messages.cbegin(), messages.cend(),
                                       [](const QString &m) { return m.startsWith(u"Asking again after an error"_s); });
    QVERIFY2(retries == 1, qPrintable(messages.join(u" | "_s)));
    QVERIFY2(std::any_of(messages.cbegin(), messages.cend(),
                         [](const QString &m) { return m.startsWith(u"The video link is valid until"_s); }),
             qPrintable(messages.join(u" | "_s)));
    // Status changes are still there, in order.
    QCOMPARE(history.first().state, TaskState::Queued);
    QCOMPARE(history.last().state, TaskState::Saved);
}

TaskRecord TestTaskEngine::storedTask(const TaskKey &key) const
{
    const QList<TaskRecord> stored = m_store->loadTasks();
    const auto it = std::find_if(stored.cbegin(), stored.cend(), [&](const TaskRecord &r) { return r.key == key; });
    return it == stored.cend() ? TaskRecord{} : *it;
}

void TestTaskEngine::pollTimeAloneIsWrittenLazily()
{
    // A manual clock moved to each due time: no waiting for the interval.
    ManualClock clock;
    auto engine = std::make_unique<TaskEngine>(m_manager.get(), &clock, m_store.get());
    engine->setAccount(account(false));
    FakeTaskSpec spec = task(u"lazy_poll_time_1"_s);
    spec.processingPolls = 1000; // "processing" at 0 % for the first ten polls: nothing changes
    m_server->addTask(spec);
    const TaskKey key{u"acc"_s, spec.id};
    QSignalSpy polled(engine->poller(), &TaskPoller::polled);
    auto pollOnce = [&] {
        const int before = int(polled.count());
        const qint64 due = engine->poller()->dueMs(key);   // -1: already on its way
        if (due >= 0)
            clock.setNowMs(std::max(clock.nowMs(), due));
        QTRY_VERIFY_WITH_TIMEOUT(polled.count() > before, 10'000);
    };
    engine->addTasks(u"acc"_s, {spec.id});

    // The first poll changes the state (queued -> processing): written at once.
    pollOnce();
    QCOMPARE(engine->task(key)->state, TaskState::Processing);
    const qint64 firstPollMs = engine->task(key)->lastPolledAt.toMSecsSinceEpoch();
    QVERIFY(m_store->flush());
    QCOMPARE(storedTask(key).lastPolledAt.toMSecsSinceEpoch(), firstPollMs);

    // Three polls that change nothing but the poll time: the row is not rewritten.
    for (int i = 0; i < 3; ++i)
        pollOnce();
    const qint64 latestPollMs = engine->task(key)->lastPolledAt.toMSecsSinceEpoch();
    QVERIFY(latestPollMs > firstPollMs);
    QVERIFY(m_store->flush());
    QCOMPARE(storedTask(key).lastPolledAt.toMSecsSinceEpoch(), firstPollMs);
    QCOMPARE(storedTask(key).state, TaskState::Processing);

    // A real change writes the whole row at once, the latest poll time with it.
    engine->setPollingPaused(key, true);
    QVERIFY(m_store->flush());
    QVERIFY(storedTask(key).pollingPaused);
    QCOMPARE(storedTask(key).lastPolledAt.toMSecsSinceEpoch(), latestPollMs);

    // A poll more than ten minutes after the last written poll time is written.
    clock.advance(11 * 60'000);
    engine->setPollingPaused(key, false);
    pollOnce();
    const qint64 lateMs = engine->task(key)->lastPolledAt.toMSecsSinceEpoch();
    QVERIFY(m_store->flush());
    QCOMPARE(storedTask(key).lastPolledAt.toMSecsSinceEpoch(), lateMs);

    // One more unwritten poll; a clean shutdown writes it.
    pollOnce();
    const qint64 lastMs = engine->task(key)->lastPolledAt.toMSecsSinceEpoch();
    QVERIFY(lastMs > lateMs);
    QVERIFY(m_store->flush());
    QCOMPARE(storedTask(key).lastPolledAt.toMSecsSinceEpoch(), lateMs);
    engine.reset();
    QVERIFY(m_store->flush());
    QCOMPARE(storedTask(key).lastPolledAt.toMSecsSinceEpoch(), lastMs);
    QCOMPARE(storedTask(key).state, TaskState::Processing);
}

QTEST_GUILESS_MAIN(TestTaskEngine)
#include "tst_taskengine.moc"
