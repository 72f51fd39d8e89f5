// TaskStore: the durable task list. Round trips, the write queue (coalescing, flush, retry),
// damaged and foreign files, schema versions, two stores on one file, and 100,000 rows.

#include "storewriter.h"
#include "taskstore.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <cstdio>

using namespace Qt::StringLiterals;

namespace
{
const QString secretKey = u"sk-live-DO-NOT-PERSIST-7f3a9c2e"_s;

QDateTime utc(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC);
}

// A connection of the test's own: stands in for another process, a hand-built file, or a look
// at the bytes the store wrote.
class RawDb
{
public:
    explicit RawDb(const QString &path)
        : m_name(u"tst-raw-%1"_s.arg(++s_counter))
    {
        m_db = QSqlDatabase::addDatabase(u"QSQLITE"_s, m_name);
        m_db.setDatabaseName(path);
        m_db.setConnectOptions(u"QSQLITE_BUSY_TIMEOUT=5000"_s);
        if (!m_db.open())
            qWarning() << "raw open failed:" << m_db.lastError().text();
    }
    ~RawDb()
    {
        m_db.close();
        m_db = QSqlDatabase();
        QSqlDatabase::removeDatabase(m_name);
    }

    bool exec(const QString &sql)
    {
        QSqlQuery query(m_db);
        if (query.exec(sql))
            return true;
        qWarning() << "raw exec failed:" << sql << query.lastError().text();
        return false;
    }

    QVariant scalar(const QString &sql)
    {
        QSqlQuery query(m_db);
        if (!query.exec(sql) || !query.next()) {
            qWarning() << "raw query failed:" << sql << query.lastError().text();
            return {};
        }
        return query.value(0);
    }

    QSqlDatabase &db() { return m_db; }

private:
    static inline int s_counter = 0;
    QString m_name;
    QSqlDatabase m_db;
};

std::unique_ptr<TaskStore> openStore(const QString &path, QString *notice = nullptr)
{
    QString error;
    auto store = TaskStore::open(path, &error, notice);
    if (!store)
        qWarning() << "open failed:" << error;
    return store;
}

// Every field set, with bytes that break naive handling: percent-escapes that must not be
// decoded, a NUL, non-ASCII text, sizes beyond 32 bits.
TaskRecord fullRecord(const QString &accountId, const QString &taskId)
{
    TaskRecord r;
    r.key = {accountId, taskId};
    r.state = TaskState::Downloading;
    r.snapshot.state = TaskState::Completed;
    r.snapshot.providerStatus = u"SUCCEEDED ✓"_s;
    r.snapshot.progress = 100;
    r.snapshot.model = u"veo-3.1-fast"_s;
    r.snapshot.durationSeconds = 8.25;
    r.snapshot.resolution = QSize(1920, 1080);
    r.snapshot.errorMessage = u"it's \"fine\"; DROP TABLE tasks; --"_s;
    r.snapshot.source.kind = VideoSource::Kind::Url;
    r.snapshot.source.url = "https://cdn.example.com/v/a%2Bb%2Fc.mp4?sig=ab%2B%3D%3D&x=1+2&e=%7E"_ba;
    r.snapshot.source.fileId = u"file-abc-123"_s;
    r.snapshot.expiresAt = utc(1767225600123);
    r.snapshot.createdAt = utc(1767139200001);
    r.addedAt = utc(1767139200456);
    r.updatedAt = utc(1767139300789);
    r.lastPolledAt = utc(1767139299999);
    r.lastError = u"HTTP 503 – Überlastet"_s;
    r.retryCount = 3;
    r.pollingPaused = true;
    r.filePath = u"/home/user/Videos/Reelkeep/ä video %2B.mp4"_s;
    r.sha256Hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"_ba;
    r.partialPath = u"/home/user/Videos/Reelkeep/ä video %2B.mp4.part"_s;
    r.etag = QByteArray("W/\"e\0t\xffg\"", 9);
    r.bytesReceived = 5'000'000'001LL;
    r.bytesTotal = 6'000'000'002LL;
    r.videoUrl = "https://storage.googleapis.com/b/o.mp4?GoogleAccessId=a%40b.iam&Expires=1767225600"
                 "&Signature=AbC%2Bd%2Fe%3D%3D"_ba;
    r.urlExpiresAt = utc(1767225600000);
    return r;
}

TaskRecord smallRecord(const QString &accountId, const QString &taskId, int progress = -1)
{
    TaskRecord r;
    r.key = {accountId, taskId};
    r.snapshot.progress = progress;
    r.addedAt = utc(1767139200000);
    return r;
}

Account fullAccount(const QString &id)
{
    Account a;
    a.id = id;
    a.displayName = u"Work – Kling"_s;
    a.providerName = u"kling"_s;
    a.baseUrl = QUrl(u"https://api.example.com:8443/v1/?region=eu"_s);
    a.apiKey = secretKey;
    a.intervalSeconds = 17;
    a.downloadDir = u"/home/user/Videos/Work ä"_s;
    a.fileNameTemplate = u"{date}-{id}"_s;
    a.autoDownload = false;
    return a;
}

void compareRecords(const TaskRecord &actual, const TaskRecord &expected)
{
    QCOMPARE(actual.key.accountId, expected.key.accountId);
    QCOMPARE(actual.key.taskId, expected.key.taskId);
    QCOMPARE(taskStateName(actual.state), taskStateName(expected.state));
    const TaskSnapshot &a = actual.snapshot;
    const TaskSnapshot &e = expected.snapshot;
    QCOMPARE(taskStateName(a.state), taskStateName(e.state));
    QCOMPARE(a.providerStatus, e.providerStatus);
    QCOMPARE(a.progress, e.progress);
    QCOMPARE(a.model, e.model);
    QCOMPARE(a.durationSeconds, e.durationSeconds);
    QCOMPARE(a.resolution, e.resolution);
    QCOMPARE(a.errorMessage, e.errorMessage);
    QCOMPARE(int(a.source.kind), int(e.source.kind));
    QCOMPARE(a.source.url, e.source.url);
    QCOMPARE(a.source.fileId, e.source.fileId);
    QCOMPARE(a.source.inlineBase64, e.source.inlineBase64);
    QCOMPARE(a.expiresAt, e.expiresAt);
    QCOMPARE(a.createdAt, e.createdAt);
    QCOMPARE(actual.addedAt, expected.addedAt);
    QCOMPARE(actual.updatedAt, expected.updatedAt);
    QCOMPARE(actual.lastPolledAt, expected.lastPolledAt);
    QCOMPARE(actual.lastError, expected.lastError);
    QCOMPARE(actual.retryCount, expected.retryCount);
    QCOMPARE(actual.pollingPaused, expected.pollingPaused);
    QCOMPARE(actual.filePath, expected.filePath);
    QCOMPARE(actual.sha256Hex, expected.sha256Hex);
    QCOMPARE(actual.partialPath, expected.partialPath);
    QCOMPARE(actual.etag, expected.etag);
    QCOMPARE(actual.bytesReceived, expected.bytesReceived);
    QCOMPARE(actual.bytesTotal, expected.bytesTotal);
    QCOMPARE(actual.videoUrl, expected.videoUrl);
    QCOMPARE(actual.urlExpiresAt, expected.urlExpiresAt);
    QVERIFY(actual == expected);  // catches a field added later but not stored
}

// The store's files: the database, its WAL and shared-memory index.
QByteArray storeBytes(const QString &path)
{
    QByteArray all;
    const QFileInfo info(path);
    const QStringList names = info.dir().entryList({info.fileName() + u'*'}, QDir::Files);
    for (const QString &name : names) {
        QFile file(info.dir().filePath(name));
        if (file.open(QIODevice::ReadOnly))
            all += file.readAll();
    }
    return all;
}

QStringList filesMovedAside(const QString &path)
{
    const QFileInfo info(path);
    return info.dir().entryList({info.fileName() + u".corrupt-*"_s}, QDir::Files);
}

QString describe(const StoreWriter::Job &job)
{
    return std::visit(
        [](const auto &j) -> QString {
            using T = std::decay_t<decltype(j)>;
            if constexpr (std::is_same_v<T, StoreWriter::SaveTask>)
                return u"saveTask %1 %2"_s.arg(j.record.key.taskId).arg(j.record.snapshot.progress);
            else if constexpr (std::is_same_v<T, StoreWriter::RemoveTask>)
                return u"removeTask %1"_s.arg(j.key.taskId);
            else if constexpr (std::is_same_v<T, StoreWriter::AppendEvent>)
                return u"event %1 %2"_s.arg(j.event.key.taskId, j.event.message);
            else if constexpr (std::is_same_v<T, StoreWriter::SaveAccount>)
                return u"saveAccount %1 %2"_s.arg(j.account.id, j.account.displayName);
            else
                return u"removeAccount %1"_s.arg(j.accountId);
        },
        job);
}

const char childPathVariable[] = "TST_TASKSTORE_CHILD_STORE";
constexpr int tasksPerWriter = 3000;

// The second process of twoProcessesOnOneFile(), like a CLI run beside the window: opens the
// same store, says so, writes its share and exits with 0 only if everything was committed.
int runChildWriter(const QString &path)
{
    QString error;
    auto store = TaskStore::open(path, &error);
    if (!store) {
        fprintf(stderr, "child: %s\n", qPrintable(error));
        return 2;
    }
    fputs("ready\n", stdout);
    fflush(stdout);
    for (int i = 0; i < tasksPerWriter; ++i) {
        store->saveTask(fullRecord(u"cli"_s, QString::number(i)));
        if (i % 100 == 0)
            store->appendEvent({{u"cli"_s, QString::number(i)}, utc(i), TaskState::Queued, u"c"_s});
    }
    return store->flush() ? 0 : 1;
}

// Version 1 as it shipped, frozen here on purpose: the store's own DDL may move on, files in the
// field will not.
const QStringList schemaV1{
    u"CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value)"_s,
    u"CREATE TABLE accounts (id TEXT PRIMARY KEY NOT NULL, display_name TEXT, provider TEXT, base_url TEXT,"
    " interval_s INTEGER NOT NULL DEFAULT 0, download_dir TEXT, file_name_template TEXT,"
    " auto_download INTEGER NOT NULL DEFAULT 1)"_s,
    u"CREATE TABLE tasks (account_id TEXT NOT NULL, task_id TEXT NOT NULL, state TEXT NOT NULL,"
    " snapshot_state TEXT, provider_status TEXT, progress INTEGER, model TEXT, duration_s REAL, width INTEGER,"
    " height INTEGER, error TEXT, source_kind TEXT, source_url BLOB, source_file_id TEXT, expires_at INTEGER,"
    " created_at INTEGER, added_at INTEGER, updated_at INTEGER, last_polled_at INTEGER, last_error TEXT,"
    " retry_count INTEGER NOT NULL DEFAULT 0, polling_paused INTEGER NOT NULL DEFAULT 0, file_path TEXT,"
    " sha256 TEXT, partial_path TEXT, etag BLOB, bytes_received INTEGER NOT NULL DEFAULT 0,"
    " bytes_total INTEGER NOT NULL DEFAULT -1, video_url BLOB, url_expires_at INTEGER,"
    " PRIMARY KEY (account_id, task_id))"_s,
    u"CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, account_id TEXT NOT NULL,"
    " task_id TEXT NOT NULL, at INTEGER, state TEXT NOT NULL, message TEXT)"_s,
    u"CREATE INDEX events_by_task ON events (account_id, task_id, id)"_s,
    u"INSERT INTO meta (key, value) VALUES ('schema_version', 1)"_s,
};

// Every schema version that ever shipped, index i = version i + 1. A new version adds the
// previous one's frozen DDL here (everyEarlierVersionHasAFixture fails until it does).
const QList<QStringList> shippedSchemas{schemaV1};
} // namespace

class TestTaskStore : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void defaultPath();

    void roundTripTask();
    void whenWrittenFollowsTheCommit();
    void roundTripAccountWithoutKey();
    void coalesceKeepsLastSave();
    void coalescedSavesWriteTheLast();
    void eventsKeepTheirOrder();
    void historyIsReadWithoutWaitingForWrites();
    void removal();
    void reopenAfterDestructor();
    void flushSemantics();
    void failedCommitIsRetried();
    void manySavesDoNotWait();

    void garbageFileIsMovedAside();
    void truncatedDatabaseIsMovedAside();
    void emptyFileIsANewStore();
    void handBuiltVersion1File();
    void everyEarlierVersionHasAFixture();
    void migratesFromEveryEarlierVersion_data();
    void migratesFromEveryEarlierVersion();
    void newerSchemaIsRefused();
    void foreignDatabaseIsRefused();
    void lockedDatabaseIsReported();

    void unusablePathIsReported();

    void twoStoresOnOneFile();
    void twoProcessesOnOneFile();
    void load100kTasks();
    void loadIncrementally();
    void incrementalLoadOfSmallStoreIsAtOnce();
    void destroyWhileLoading();
};

void TestTaskStore::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY(QSqlDatabase::isDriverAvailable(u"QSQLITE"_s));
}

void TestTaskStore::defaultPath()
{
    const QString path = TaskStore::defaultPath();
    QCOMPARE(path, QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + u"/reelkeep.sqlite"_s);
    QVERIFY2(path.contains(u".qttest"_s), qPrintable(path));  // test mode: never the user's store
    QCOMPARE(TaskStore::schemaVersion(), 2);
}

void TestTaskStore::roundTripTask()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"nested/folder/reelkeep.sqlite"_s);

    const TaskRecord full = fullRecord(u"acc-1"_s, u"task/with:odd chars"_s);
    const TaskRecord small = smallRecord(u"acc-1"_s, u"small"_s);
    TaskRecord fileId = smallRecord(u"acc-2"_s, u"task/with:odd chars"_s);  // same task id, other account
    fileId.snapshot.source.kind = VideoSource::Kind::FileId;
    fileId.snapshot.source.fileId = u"file_9"_s;
    TaskRecord endpoint = smallRecord(u"acc-2"_s, u"endpoint"_s);
    endpoint.snapshot.source.kind = VideoSource::Kind::Base64Endpoint;
    endpoint.snapshot.source.url = "https://api.example.com/v1/videos/x/content?format=base64%2Bjson"_ba;
    TaskRecord inlined = smallRecord(u"acc-2"_s, u"inline"_s);
    inlined.state = TaskState::Completed;
    inlined.snapshot.source.kind = VideoSource::Kind::InlineBase64;
    inlined.snapshot.source.inlineBase64 = QByteArray(4096, 'A');

    {
        auto store = openStore(path);
        QVERIFY(store);
        QCOMPARE(store->path(), QFileInfo(path).absoluteFilePath());
        for (const TaskRecord &r : {full, small, fileId, endpoint, inlined})
            store->saveTask(r);
        QVERIFY(store->flush());

        // The inline bytes are not stored, only their kind: re-polling fetches them again.
        TaskRecord inlinedStored = inlined;
        inlinedStored.snapshot.source.inlineBase64.clear();
        const QList<TaskRecord> expected{full, small, fileId, endpoint, inlinedStored};

        const QList<TaskRecord> loaded = store->loadTasks();
        QCOMPARE(loaded.size(), expected.size());
        for (qsizetype i = 0; i < loaded.size(); ++i) {
            compareRecords(loaded.at(i), expected.at(i));
            if (QTest::currentTestFailed())
                return;
        }
    }

    // The signed URL is in the file as exactly the bytes received.
    RawDb raw(path);
    QSqlQuery query(raw.db());
    QVERIFY(query.prepare(u"SELECT video_url, typeof(video_url), source_url FROM tasks WHERE task_id = ?"_s));
    query.bindValue(0, full.key.taskId);
    QVERIFY(query.exec() && query.next());
    QCOMPARE(query.value(0).toByteArray(), full.videoUrl);
    QCOMPARE(query.value(1).toString(), u"blob"_s);
    QCOMPARE(query.value(2).toByteArray(), full.snapshot.source.url);
    QVERIFY(!storeBytes(path).contains(QByteArray(4096, 'A')));
}

// whenWritten() answers only once what was queued before it is on disk (another connection
// sees it), never synchronously, and not at all to a context that is gone.
void TestTaskStore::whenWrittenFollowsTheCommit()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"reelkeep.sqlite"_s);
    auto store = openStore(path);
    QVERIFY(store);
    QVERIFY(store->flush());

    QObject context;
    QList<bool> answers;
    store->whenWritten(&context, [&](bool ok) { answers << ok; });
    QVERIFY(answers.isEmpty()); // even with nothing to wait for, later
    QTRY_COMPARE(answers, QList<bool>{true});

    RawDb raw(path);
    qlonglong rowsWhenAnswered = -1;
    for (int i = 0; i < 50; ++i)
        store->saveTask(smallRecord(u"acc"_s, u"task_%1"_s.arg(i)));
    store->whenWritten(&context, [&](bool ok) {
        answers << ok;
        rowsWhenAnswered = raw.scalar(u"SELECT COUNT(*) FROM tasks"_s).toLongLong();
    });
    auto gone = std::make_unique<QObject>();
    bool goneCalled = false;
    store->whenWritten(gone.get(), [&](bool) { goneCalled = true; });
    gone.reset();
    QTRY_COMPARE(answers.size(), 2);
    QCOMPARE(answers.last(), true);
    QCOMPARE(rowsWhenAnswered, 50);
    QVERIFY(store->flush());
    QCoreApplication::processEvents();
    QVERIFY(!goneCalled);
}

void TestTaskStore::roundTripAccountWithoutKey()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"reelkeep.sqlite"_s);

    Account first = fullAccount(u"acc-1"_s);
    Account second;
    second.id = u"acc-2"_s;
    second.providerName = u"sora"_s;
    second.apiKey = secretKey;
    {
        auto store = openStore(path);
        QVERIFY(store);
        store->saveAccount(first);
        store->saveAccount(second);
        first.displayName = u"Renamed"_s;
        store->saveAccount(first);  // an update keeps its place in the list
        QVERIFY(store->flush());

        const QList<Account> loaded = store->loadAccounts();
        QCOMPARE(loaded.size(), 2);
        Account expectedFirst = first;
        expectedFirst.apiKey.clear();
        Account expectedSecond = second;
        expectedSecond.apiKey.clear();
        QCOMPARE(loaded.at(0).id, expectedFirst.id);
        QCOMPARE(loaded.at(0).displayName, expectedFirst.displayName);
        QCOMPARE(loaded.at(0).providerName, expectedFirst.providerName);
        QCOMPARE(loaded.at(0).baseUrl, expectedFirst.baseUrl);
        QCOMPARE(loaded.at(0).apiKey, QString());
        QCOMPARE(loaded.at(0).intervalSeconds, expectedFirst.intervalSeconds);
        QCOMPARE(loaded.at(0).downloadDir, expectedFirst.downloadDir);
        QCOMPARE(loaded.at(0).fileNameTemplate, expectedFirst.fileNameTemplate);
        QCOMPARE(loaded.at(0).autoDownload, expectedFirst.autoDownload);
        QVERIFY(loaded.at(0) == expectedFirst);
        QVERIFY(loaded.at(1) == expectedSecond);

        // Not in the database, its WAL or its index, in any encoding.
        const QByteArray bytes = storeBytes(path);
        QVERIFY(!bytes.isEmpty());
        QVERIFY(!bytes.contains(secretKey.toUtf8()));
        QVERIFY(!bytes.contains(QByteArray(reinterpret_cast<const char *>(secretKey.utf16()), secretKey.size() * 2)));
        QVERIFY(!bytes.contains("DO-NOT-PERSIST"));
    }
    const QByteArray bytes = storeBytes(path);
    QVERIFY(bytes.contains(first.displayName.toUtf8()));  // the scan does see what was written
    QVERIFY(!bytes.contains("DO-NOT-PERSIST"));
}

void TestTaskStore::coalesceKeepsLastSave()
{
    using W = StoreWriter;
    const auto save = [](const QString &task, int progress) { return W::SaveTask{smallRecord(u"acc"_s, task, progress)}; };
    Account account = fullAccount(u"acc"_s);
    Account renamed = account;
    renamed.displayName = u"Renamed"_s;
    const TaskEvent event{{u"acc"_s, u"a"_s}, utc(1), TaskState::Queued, u"queued"_s};

    const QList<W::Job> batch{
        save(u"a"_s, 1),
        save(u"b"_s, 1),
        W::AppendEvent{event},
        save(u"a"_s, 2),
        W::RemoveTask{{u"acc"_s, u"b"_s}},
        W::SaveAccount{account},
        save(u"a"_s, 3),
        W::RemoveTask{{u"acc"_s, u"c"_s}},
        save(u"c"_s, 7),
        W::SaveAccount{renamed},
        W::RemoveAccount{u"old"_s},
    };
    QStringList result;
    for (const W::Job &job : W::coalesce(batch))
        result.append(describe(job));
    const QStringList expected{
        u"saveTask a 3"_s,  // the last data, where the first save was: keeps the list order
        u"event a queued"_s,
        u"removeTask b"_s,  // the save before it is dropped
        u"saveAccount acc Renamed"_s,
        u"removeTask c"_s,
        u"saveTask c 7"_s,  // a save after a removal stays after it
        u"removeAccount old"_s,
    };
    QCOMPARE(result, expected);

    // Nothing to coalesce: the batch comes back as it was.
    const QList<W::Job> distinct{save(u"x"_s, 1), save(u"y"_s, 2), W::RemoveTask{{u"acc"_s, u"z"_s}}};
    QCOMPARE(W::coalesce(distinct).size(), distinct.size());
}

void TestTaskStore::coalescedSavesWriteTheLast()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    auto store = openStore(dir.filePath(u"reelkeep.sqlite"_s));
    QVERIFY(store);

    for (int i = 0; i <= 500; ++i) {
        store->saveTask(smallRecord(u"acc"_s, u"a"_s, i % 101));
        if (i == 250) {
            store->saveTask(smallRecord(u"acc"_s, u"b"_s));
            store->removeTask({u"acc"_s, u"b"_s});   // saved, then removed: gone
            store->removeTask({u"acc"_s, u"c"_s});   // removed, then saved: present
            store->saveTask(smallRecord(u"acc"_s, u"c"_s, 42));
        }
    }
    QVERIFY(store->flush());
    const QList<TaskRecord> loaded = store->loadTasks();
    QCOMPARE(loaded.size(), 2);
    QCOMPARE(loaded.at(0).key.taskId, u"a"_s);
    QCOMPARE(loaded.at(0).snapshot.progress, 500 % 101);
    QCOMPARE(loaded.at(1).key.taskId, u"c"_s);
    QCOMPARE(loaded.at(1).snapshot.progress, 42);
}

void TestTaskStore::historyIsReadWithoutWaitingForWrites()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"reelkeep.sqlite"_s);
    const TaskKey key{u"acc"_s, u"a"_s};
    auto store = openStore(path);
    QVERIFY(store);
    store->appendEvent({key, utc(1000), TaskState::Queued, u"first"_s});
    store->appendEvent({key, utc(2000), TaskState::Processing, u"second"_s});
    QVERIFY(store->flush());

    // Another process holds the write lock: the store's writer is stuck behind it.
    RawDb other(path);
    QVERIFY(other.exec(u"BEGIN IMMEDIATE"_s));
    store->appendEvent({key, utc(3000), TaskState::Completed, u"pending"_s});

    bool called = false;
    QList<TaskEvent> loaded;
    QObject receiver;
    store->loadHistoryAsync(key, &receiver, [&](const QList<TaskEvent> &events) {
        called = true;
        loaded = events;
    });
    QVERIFY(!called);  // never answered inline: the caller is the GUI thread
    // Answered while the writer is still blocked: it did not wait for the queued write.
    QTRY_VERIFY_WITH_TIMEOUT(called, 3000);
    QCOMPARE(loaded.size(), 2);
    QCOMPARE(loaded.at(1).message, u"second"_s);
    QVERIFY(other.exec(u"ROLLBACK"_s));
    QVERIFY(store->flush());
    QCOMPARE(store->loadHistory(key).size(), 3);

    // A receiver that is gone gets nothing (and nothing crashes).
    bool calledAfterDelete = false;
    {
        QObject gone;
        store->loadHistoryAsync(key, &gone, [&](const QList<TaskEvent> &) { calledAfterDelete = true; });
    }
    bool sentinel = false;
    store->loadHistoryAsync(key, &receiver, [&](const QList<TaskEvent> &) { sentinel = true; });
    QTRY_VERIFY(sentinel);
    QCoreApplication::processEvents();
    QVERIFY(!calledAfterDelete);
}

void TestTaskStore::eventsKeepTheirOrder()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"reelkeep.sqlite"_s);
    const TaskKey a{u"acc"_s, u"a"_s};
    const TaskKey b{u"acc"_s, u"b"_s};
    const QList<TaskEvent> eventsA{
        {a, utc(3000), TaskState::Queued, u"queued"_s},
        {a, utc(1000), TaskState::Processing, u"clock went back: still in append order"_s},
        {a, utc(1000), TaskState::Completed, u"same time as the one before"_s},
        {a, QDateTime(), TaskState::Failed, QString()},
    };
    const QList<TaskEvent> eventsB{{b, utc(2000), TaskState::Expired, u"b's only event"_s}};

    auto store = openStore(path);
    QVERIFY(store);
    store->appendEvent(eventsA.at(0));
    store->appendEvent(eventsB.at(0));
    store->appendEvent(eventsA.at(1));
    store->appendEvent(eventsA.at(2));
    store->appendEvent(eventsA.at(3));

    const QList<TaskEvent> loadedA = store->loadHistory(a);
    QCOMPARE(loadedA.size(), eventsA.size());
    for (qsizetype i = 0; i < eventsA.size(); ++i) {
        QCOMPARE(loadedA.at(i).key, a);
        QCOMPARE(loadedA.at(i).at, eventsA.at(i).at);
        QCOMPARE(taskStateName(loadedA.at(i).state), taskStateName(eventsA.at(i).state));
        QCOMPARE(loadedA.at(i).message, eventsA.at(i).message);
    }
    const QList<TaskEvent> loadedB = store->loadHistory(b);
    QCOMPARE(loadedB.size(), 1);
    QCOMPARE(loadedB.at(0).message, eventsB.at(0).message);
    QVERIFY(store->loadHistory({u"acc"_s, u"none"_s}).isEmpty());
    QVERIFY(store->loadHistory({u"other"_s, u"a"_s}).isEmpty());
}

void TestTaskStore::removal()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    auto store = openStore(dir.filePath(u"reelkeep.sqlite"_s));
    QVERIFY(store);
    const TaskKey a{u"acc"_s, u"a"_s};
    const TaskKey b{u"acc"_s, u"b"_s};
    store->saveAccount(fullAccount(u"acc"_s));
    store->saveAccount(fullAccount(u"other"_s));
    store->saveTask(smallRecord(a.accountId, a.taskId));
    store->saveTask(smallRecord(b.accountId, b.taskId));
    store->appendEvent({a, utc(1), TaskState::Queued, u"a queued"_s});
    store->appendEvent({b, utc(1), TaskState::Queued, u"b queued"_s});
    QVERIFY(store->flush());

    store->removeTask(a);
    QCOMPARE(store->loadTasks().size(), 1);
    QCOMPARE(store->loadTasks().at(0).key, b);
    QVERIFY(store->loadHistory(a).isEmpty());  // a removed task takes its history with it
    QCOMPARE(store->loadHistory(b).size(), 1);

    store->removeTask({u"acc"_s, u"never-existed"_s});  // harmless
    store->removeAccount(u"acc"_s);
    const QList<Account> accounts = store->loadAccounts();
    QCOMPARE(accounts.size(), 1);
    QCOMPARE(accounts.at(0).id, u"other"_s);
    // Tasks outlive their account: a task ID may be all that is left of a paid-for video.
    QCOMPARE(store->loadTasks().size(), 1);
    QVERIFY(store->flush());
}

void TestTaskStore::reopenAfterDestructor()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"reelkeep.sqlite"_s);
    const TaskRecord full = fullRecord(u"acc"_s, u"t1"_s);
    {
        auto store = openStore(path);
        QVERIFY(store);
        store->saveAccount(fullAccount(u"acc"_s));
        store->saveTask(full);
        store->appendEvent({full.key, utc(5), TaskState::Downloading, u"downloading"_s});
        // No flush: the destructor must write everything before it returns.
    }
    QVERIFY(!QFileInfo::exists(path + u"-wal"_s) || QFileInfo(path + u"-wal"_s).size() == 0);
    {
        auto store = openStore(path);
        QVERIFY(store);
        QCOMPARE(store->loadAccounts().size(), 1);
        const QList<TaskRecord> tasks = store->loadTasks();
        QCOMPARE(tasks.size(), 1);
        compareRecords(tasks.at(0), full);
        QCOMPARE(store->loadHistory(full.key).size(), 1);
    }
    RawDb raw(path);
    QCOMPARE(raw.scalar(u"PRAGMA integrity_check"_s).toString(), u"ok"_s);
    QCOMPARE(raw.scalar(u"PRAGMA journal_mode"_s).toString(), u"wal"_s);
    QCOMPARE(raw.scalar(u"SELECT value FROM meta WHERE key = 'schema_version'"_s).toInt(), TaskStore::schemaVersion());
}

void TestTaskStore::flushSemantics()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"reelkeep.sqlite"_s);
    auto store = openStore(path);
    QVERIFY(store);
    QVERIFY(store->flush());  // nothing queued
    QVERIFY(store->flush());

    for (int i = 0; i < 10; ++i)
        store->saveTask(smallRecord(u"acc"_s, QString::number(i)));
    QVERIFY(store->flush());
    // Committed, not just handed over: another connection sees the rows.
    RawDb raw(path);
    QCOMPARE(raw.scalar(u"SELECT count(*) FROM tasks"_s).toInt(), 10);
    QVERIFY(store->flush());
}

void TestTaskStore::failedCommitIsRetried()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"reelkeep.sqlite"_s);
    auto store = openStore(path);
    QVERIFY(store);
    QSignalSpy failures(store.get(), &TaskStore::writeFailed);

    // Another connection makes one row impossible to write, so the batch holding it fails.
    RawDb raw(path);
    QVERIFY(raw.exec(u"CREATE TRIGGER refuse BEFORE INSERT ON tasks WHEN NEW.task_id = 'poison' "
                     "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"_s));

    store->saveTask(smallRecord(u"acc"_s, u"before"_s));
    store->saveTask(smallRecord(u"acc"_s, u"poison"_s));
    store->saveTask(smallRecord(u"acc"_s, u"after"_s));
    QVERIFY(!store->flush());
    QTRY_VERIFY(!failures.isEmpty());
    QVERIFY2(failures.first().first().toString().contains(u"refused by the test"_s),
             qPrintable(failures.first().first().toString()));
    // The failed batch was rolled back and stays at the front of the queue, so nothing queued
    // after the poisoned row was written either ("before" may have had a batch of its own).
    QCOMPARE(raw.scalar(u"SELECT count(*) FROM tasks WHERE task_id IN ('poison', 'after')"_s).toInt(), 0);

    // Writes queued during the trouble join the retry; once the cause is gone all of them land.
    store->saveTask(smallRecord(u"acc"_s, u"during"_s));
    QVERIFY(raw.exec(u"DROP TRIGGER refuse"_s));
    // Nobody has to ask: the writer retries on its own after its delay.
    QTRY_COMPARE_WITH_TIMEOUT(raw.scalar(u"SELECT count(*) FROM tasks"_s).toInt(), 4, 30000);
    QVERIFY(store->flush());
    QCOMPARE(raw.scalar(u"SELECT count(*) FROM tasks"_s).toInt(), 4);
    QStringList ids;
    for (const TaskRecord &r : store->loadTasks())
        ids.append(r.key.taskId);
    QCOMPARE(ids, QStringList({u"before"_s, u"poison"_s, u"after"_s, u"during"_s}));
}

void TestTaskStore::manySavesDoNotWait()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"reelkeep.sqlite"_s);
    auto store = openStore(path);
    QVERIFY(store);

    // Another connection holds the write lock: a save that waited for the disk would hang here
    // (for the busy timeout, per call). Queued saves return at once.
    RawDb raw(path);
    QVERIFY(raw.exec(u"BEGIN IMMEDIATE"_s));
    QElapsedTimer timer;
    timer.start();
    for (int i = 0; i < 10000; ++i)
        store->saveTask(fullRecord(u"acc"_s, u"task-%1"_s.arg(i)));
    const qint64 callsMs = timer.elapsed();
    QCOMPARE(raw.scalar(u"SELECT count(*) FROM tasks"_s).toInt(), 0);  // none could be written yet
    QVERIFY(raw.exec(u"COMMIT"_s));

    timer.restart();
    // A first attempt may have timed out on the lock; flush() then retries at once.
    QTRY_VERIFY_WITH_TIMEOUT(store->flush(), 60000);
    const qint64 flushMs = timer.elapsed();
    qDebug("10,000 saveTask calls: %lld ms; flush until committed: %lld ms", callsMs, flushMs);
    QCOMPARE(store->loadTasks().size(), 10000);
}

void TestTaskStore::garbageFileIsMovedAside()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"reelkeep.sqlite"_s);
    QByteArray garbage;
    for (int i = 0; i < 8192; ++i)
        garbage.append(char((i * 7919 + 13) & 0xff));
    {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(garbage);
    }

    QString notice;
    auto store = openStore(path, &notice);
    QVERIFY(store);
    const QStringList moved = filesMovedAside(path);
    QCOMPARE(moved.size(), 1);
    QVERIFY(moved.first().contains(QRegularExpression(u"^reelkeep\\.sqlite\\.corrupt-\\d{8}-\\d{6}$"_s)));
    const QString movedPath = dir.filePath(moved.first());
    QVERIFY2(notice.contains(QDir::toNativeSeparators(movedPath)), qPrintable(notice));
    QFile movedFile(movedPath);
    QVERIFY(movedFile.open(QIODevice::ReadOnly));
    QCOMPARE(movedFile.readAll(), garbage);  // kept intact, for recovery

    // A fresh, working store took its place.
    QVERIFY(store->loadTasks().isEmpty());
    store->saveTask(smallRecord(u"acc"_s, u"t"_s));
    QVERIFY(store->flush());
    QCOMPARE(store->loadTasks().size(), 1);

    // A sound store opened again brings no notice.
    store.reset();
    store = openStore(path, &notice);
    QVERIFY(store);
    QVERIFY2(notice.isEmpty(), qPrintable(notice));
    QCOMPARE(filesMovedAside(path).size(), 1);
}

void TestTaskStore::truncatedDatabaseIsMovedAside()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"reelkeep.sqlite"_s);
    {
        auto store = openStore(path);
        QVERIFY(store);
        for (int i = 0; i < 2000; ++i)
            store->saveTask(fullRecord(u"acc"_s, u"task-%1"_s.arg(i)));
    }
    {
        QFile file(path);
        const qint64 size = file.size();
        QVERIFY(size > 100000);
        QVERIFY(file.resize(size / 2 + 123));
    }

    QString notice;
    auto store = openStore(path, &notice);
    QVERIFY(store);
    const QStringList moved = filesMovedAside(path);
    QCOMPARE(moved.size(), 1);
    QVERIFY2(notice.contains(QDir::toNativeSeparators(dir.filePath(moved.first()))), qPrintable(notice));
    QVERIFY(store->loadTasks().isEmpty());
    store->saveTask(smallRecord(u"acc"_s, u"t"_s));
    QVERIFY(store->flush());
    QCOMPARE(store->loadTasks().size(), 1);
}

void TestTaskStore::emptyFileIsANewStore()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"reelkeep.sqlite"_s);
    {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
    }
    QString notice = u"stale"_s;
    auto store = openStore(path, &notice);
    QVERIFY(store);
    QVERIFY(notice.isEmpty());
    QVERIFY(filesMovedAside(path).isEmpty());
    store->saveTask(smallRecord(u"acc"_s, u"t"_s));
    QVERIFY(store->flush());
    QCOMPARE(store->loadTasks().size(), 1);
}

void TestTaskStore::handBuiltVersion1File()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"reelkeep.sqlite"_s);
    const TaskRecord full = fullRecord(u"acc"_s, u"t1"_s);
    {
        RawDb raw(path);
        QVERIFY(raw.exec(u"PRAGMA journal_mode = DELETE"_s));  // as an older build might have left it
        for (const QString &statement : schemaV1)
            QVERIFY(raw.exec(statement));
        QVERIFY(raw.exec(u"INSERT INTO accounts VALUES ('acc', 'Old account', 'kling', "
                         "'https://api.example.com/v1', 30, '/videos', '', 1)"_s));

        QSqlQuery insert(raw.db());
        QVERIFY(insert.prepare(u"INSERT INTO tasks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                               "?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"_s));
        const QVariantList values{
            full.key.accountId, full.key.taskId, u"downloading"_s, u"completed"_s, full.snapshot.providerStatus,
            100, full.snapshot.model, 8.25, 1920, 1080, full.snapshot.errorMessage, u"url"_s,
            full.snapshot.source.url, full.snapshot.source.fileId, full.snapshot.expiresAt.toMSecsSinceEpoch(),
            full.snapshot.createdAt.toMSecsSinceEpoch(), full.addedAt.toMSecsSinceEpoch(),
            full.updatedAt.toMSecsSinceEpoch(), full.lastPolledAt.toMSecsSinceEpoch(), full.lastError, 3, 1,
            full.filePath, QString::fromLatin1(full.sha256Hex), full.partialPath, full.etag, full.bytesReceived,
            full.bytesTotal, full.videoUrl, full.urlExpiresAt.toMSecsSinceEpoch(),
        };
        for (qsizetype i = 0; i < values.size(); ++i)
            insert.bindValue(int(i), values.at(i));
        QVERIFY2(insert.exec(), qPrintable(insert.lastError().text()));
        // A task from before anything was known: NULL times, default numbers.
        QVERIFY(raw.exec(u"INSERT INTO tasks (account_id, task_id, state) VALUES ('acc', 't0', 'queued')"_s));
        QVERIFY(raw.exec(u"INSERT INTO events (account_id, task_id, at, state, message) "
                         "VALUES ('acc', 't1', 1767139200000, 'completed', 'done')"_s));
    }

    QString notice;
    auto store = openStore(path, &notice);
    QVERIFY(store);
    QVERIFY(notice.isEmpty());

    const QList<Account> accounts = store->loadAccounts();
    QCOMPARE(accounts.size(), 1);
    QCOMPARE(accounts.at(0).displayName, u"Old account"_s);
    QCOMPARE(accounts.at(0).baseUrl, QUrl(u"https://api.example.com/v1"_s));
    QCOMPARE(accounts.at(0).intervalSeconds, 30);
    QVERIFY(accounts.at(0).autoDownload);

    const QList<TaskRecord> tasks = store->loadTasks();
    QCOMPARE(tasks.size(), 2);
    compareRecords(tasks.at(0), full);
    const TaskRecord &bare = tasks.at(1);
    QCOMPARE(bare.key.taskId, u"t0"_s);
    QCOMPARE(taskStateName(bare.state), u"queued"_s);
    QVERIFY(!bare.addedAt.isValid());
    QVERIFY(!bare.snapshot.expiresAt.isValid());
    QCOMPARE(bare.bytesTotal, -1);
    QCOMPARE(int(bare.snapshot.source.kind), int(VideoSource::Kind::None));

    const QList<TaskEvent> history = store->loadHistory(full.key);
    QCOMPARE(history.size(), 1);
    QCOMPARE(history.at(0).at, utc(1767139200000));

    store->saveTask(smallRecord(u"acc"_s, u"t2"_s));  // and it takes new writes
    QVERIFY(store->flush());
    store.reset();

    RawDb raw(path);
    QCOMPARE(raw.scalar(u"SELECT value FROM meta WHERE key = 'schema_version'"_s).toInt(), TaskStore::schemaVersion());
    QCOMPARE(raw.scalar(u"SELECT count(*) FROM tasks"_s).toInt(), 3);
    QCOMPARE(raw.scalar(u"PRAGMA journal_mode"_s).toString(), u"wal"_s);
}

void TestTaskStore::everyEarlierVersionHasAFixture()
{
    QCOMPARE(shippedSchemas.size(), qsizetype(TaskStore::schemaVersion() - 1));
}

void TestTaskStore::migratesFromEveryEarlierVersion_data()
{
    QTest::addColumn<int>("version");
    for (int version = 1; version < TaskStore::schemaVersion(); ++version)
        QTest::addRow("from v%d", version) << version;
}

void TestTaskStore::migratesFromEveryEarlierVersion()
{
    QFETCH(int, version);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"reelkeep.sqlite"_s);
    {
        RawDb raw(path);
        for (const QString &statement : shippedSchemas.at(version - 1))
            QVERIFY(raw.exec(statement));
        QVERIFY(raw.exec(u"INSERT INTO accounts (id, display_name, provider) VALUES ('acc', 'Kept', 'minimax')"_s));
        QVERIFY(raw.exec(u"INSERT INTO tasks (account_id, task_id, state, partial_path, bytes_received) "
                         "VALUES ('acc', 'old', 'downloading', '/videos/old.mp4.part', 4096)"_s));
        QVERIFY(raw.exec(u"INSERT INTO events (account_id, task_id, at, state, message) "
                         "VALUES ('acc', 'old', 1767139200000, 'processing', 'from v%1')"_s.arg(version)));
    }

    auto store = openStore(path);
    QVERIFY(store);
    // Nothing of the old file is lost...
    const QList<TaskRecord> tasks = store->loadTasks();
    QCOMPARE(tasks.size(), 1);
    QCOMPARE(tasks.at(0).partialPath, u"/videos/old.mp4.part"_s);
    QCOMPARE(tasks.at(0).bytesReceived, 4096);
    QCOMPARE(store->loadAccounts().value(0).displayName, u"Kept"_s);
    QCOMPARE(store->loadHistory({u"acc"_s, u"old"_s}).value(0).message, u"from v%1"_s.arg(version));
    store.reset();

    // ...and the file now has exactly the schema a new store gets.
    const QString freshPath = dir.filePath(u"fresh.sqlite"_s);
    QVERIFY(openStore(freshPath));
    auto schemaOf = [](const QString &file) {
        RawDb raw(file);
        QSqlQuery query(raw.db());
        QStringList tables;
        // Column lists per table, not the DDL text: ALTER TABLE and CREATE TABLE word it differently.
        query.exec(u"SELECT name FROM sqlite_master WHERE type IN ('table', 'index') AND name NOT LIKE 'sqlite%' "
                   "ORDER BY name"_s);
        while (query.next())
            tables << query.value(0).toString();
        QStringList columns;
        for (const QString &table : std::as_const(tables)) {
            QSqlQuery info(raw.db());
            info.exec(u"PRAGMA table_info(%1)"_s.arg(table));
            while (info.next())
                columns << table + u'.' + info.value(1).toString() + u' ' + info.value(2).toString();
        }
        return tables + columns;
    };
    QCOMPARE(schemaOf(path), schemaOf(freshPath));
    RawDb raw(path);
    QCOMPARE(raw.scalar(u"SELECT value FROM meta WHERE key = 'schema_version'"_s).toInt(), TaskStore::schemaVersion());
    QCOMPARE(raw.scalar(u"PRAGMA integrity_check"_s).toString(), u"ok"_s);
}

void TestTaskStore::newerSchemaIsRefused()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"reelkeep.sqlite"_s);
    QVERIFY(openStore(path));
    {
        RawDb raw(path);
        QVERIFY(raw.exec(u"UPDATE meta SET value = 99 WHERE key = 'schema_version'"_s));
    }
    QString error;
    QString notice;
    QVERIFY(!TaskStore::open(path, &error, &notice));
    QVERIFY2(error.contains(u"newer"_s) && error.contains(u"99"_s), qPrintable(error));
    QVERIFY(notice.isEmpty());
    QVERIFY(QFileInfo::exists(path));  // someone else's data: never moved
    QVERIFY(filesMovedAside(path).isEmpty());
}

void TestTaskStore::foreignDatabaseIsRefused()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"photos.sqlite"_s);
    {
        RawDb raw(path);
        QVERIFY(raw.exec(u"CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)"_s));
    }
    QString error;
    QVERIFY(!TaskStore::open(path, &error));
    QVERIFY2(error.contains(u"not a Reelkeep task list"_s), qPrintable(error));
    QVERIFY(filesMovedAside(path).isEmpty());
    RawDb raw(path);
    QCOMPARE(raw.scalar(u"SELECT count(*) FROM sqlite_master WHERE name = 'tasks'"_s).toInt(), 0);
}

void TestTaskStore::lockedDatabaseIsReported()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"reelkeep.sqlite"_s);
    {
        auto store = openStore(path);
        QVERIFY(store);
        store->saveTask(smallRecord(u"acc"_s, u"kept"_s));
    }

    // Another process holding an exclusive lock (rollback journal, so readers are shut out too).
    {
        RawDb other(path);
        QVERIFY(other.exec(u"PRAGMA journal_mode = DELETE"_s));
        QVERIFY(other.exec(u"BEGIN EXCLUSIVE"_s));

        QString error;
        QString notice;
        QVERIFY(!TaskStore::open(path, &error, &notice));  // after the 5 s busy timeout
        QVERIFY2(error.contains(u"locked"_s), qPrintable(error));
        QVERIFY2(error.contains(QDir::toNativeSeparators(path)), qPrintable(error));
        QVERIFY(notice.isEmpty());
        QVERIFY(filesMovedAside(path).isEmpty());  // locked is not damaged
        QVERIFY(other.exec(u"ROLLBACK"_s));
    }

    auto store = openStore(path);
    QVERIFY(store);
    QCOMPARE(store->loadTasks().size(), 1);
}

void TestTaskStore::unusablePathIsReported()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    // A folder that cannot be created (a file is in the way); root could write anywhere else.
    const QString blocker = dir.filePath(u"not-a-folder"_s);
    {
        QFile file(blocker);
        QVERIFY(file.open(QIODevice::WriteOnly));
    }
    QString error;
    QVERIFY(!TaskStore::open(blocker + u"/sub/reelkeep.sqlite"_s, &error));
    QVERIFY2(error.contains(QDir::toNativeSeparators(blocker)), qPrintable(error));

    error.clear();
    QVERIFY(!TaskStore::open(dir.path(), &error));  // a folder, not a file
    QVERIFY2(!error.isEmpty(), "no error message");
    QVERIFY(filesMovedAside(dir.path()).isEmpty());
}

void TestTaskStore::twoStoresOnOneFile()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"reelkeep.sqlite"_s);
    // The window and a CLI run: two stores, two connections, both writing at once.
    auto window = openStore(path);
    QVERIFY(window);
    auto cli = openStore(path);
    QVERIFY(cli);

    constexpr int perStore = 3000;
    for (int i = 0; i < perStore; ++i) {
        window->saveTask(fullRecord(u"window"_s, QString::number(i)));
        cli->saveTask(fullRecord(u"cli"_s, QString::number(i)));
        if (i % 100 == 0) {
            window->appendEvent({{u"window"_s, QString::number(i)}, utc(i), TaskState::Queued, u"w"_s});
            cli->appendEvent({{u"cli"_s, QString::number(i)}, utc(i), TaskState::Queued, u"c"_s});
        }
    }
    QVERIFY(window->flush());
    QVERIFY(cli->flush());

    const QList<TaskRecord> seenByWindow = window->loadTasks();
    QCOMPARE(seenByWindow.size(), 2 * perStore);
    QCOMPARE(cli->loadTasks().size(), 2 * perStore);
    QCOMPARE(window->loadHistory({u"cli"_s, u"100"_s}).size(), 1);
    window.reset();
    cli.reset();

    RawDb raw(path);
    QCOMPARE(raw.scalar(u"PRAGMA integrity_check"_s).toString(), u"ok"_s);
    QCOMPARE(raw.scalar(u"SELECT count(*) FROM tasks WHERE account_id = 'window'"_s).toInt(), perStore);
    QCOMPARE(raw.scalar(u"SELECT count(*) FROM tasks WHERE account_id = 'cli'"_s).toInt(), perStore);
    QCOMPARE(raw.scalar(u"SELECT count(*) FROM events"_s).toInt(), 2 * perStore / 100);
}

void TestTaskStore::twoProcessesOnOneFile()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"reelkeep.sqlite"_s);
    auto window = openStore(path);
    QVERIFY(window);

    QProcess child;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QString::fromLatin1(childPathVariable), path);
    child.setProcessEnvironment(environment);
    child.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    child.start(QCoreApplication::applicationFilePath(), {});
    QVERIFY(child.waitForStarted());
    QVERIFY(child.waitForReadyRead(30000));
    QCOMPARE(child.readLine().trimmed(), "ready");

    // Both write at once now.
    for (int i = 0; i < tasksPerWriter; ++i) {
        window->saveTask(fullRecord(u"window"_s, QString::number(i)));
        if (i % 100 == 0)
            window->appendEvent({{u"window"_s, QString::number(i)}, utc(i), TaskState::Queued, u"w"_s});
    }
    QVERIFY(window->flush());
    QVERIFY(child.waitForFinished(60000));
    QCOMPARE(child.exitStatus(), QProcess::NormalExit);
    QCOMPARE(child.exitCode(), 0);

    QCOMPARE(window->loadTasks().size(), 2 * tasksPerWriter);
    QCOMPARE(window->loadHistory({u"cli"_s, u"200"_s}).size(), 1);
    window.reset();

    RawDb raw(path);
    QCOMPARE(raw.scalar(u"PRAGMA integrity_check"_s).toString(), u"ok"_s);
    QCOMPARE(raw.scalar(u"SELECT count(*) FROM tasks WHERE account_id = 'cli'"_s).toInt(), tasksPerWriter);
    QCOMPARE(raw.scalar(u"SELECT count(*) FROM tasks WHERE account_id = 'window'"_s).toInt(), tasksPerWriter);
    QCOMPARE(raw.scalar(u"SELECT count(*) FROM events"_s).toInt(), 2 * tasksPerWriter / 100);
}

void TestTaskStore::load100kTasks()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"reelkeep.sqlite"_s);
    constexpr int count = 100000;
    QElapsedTimer timer;
    {
        auto store = openStore(path);
        QVERIFY(store);
        timer.start();
        for (int i = 0; i < count; ++i)
            store->saveTask(fullRecord(u"acc-%1"_s.arg(i % 3), u"task-%1"_s.arg(i)));
        const qint64 queueMs = timer.elapsed();
        QVERIFY(store->flush());
        qDebug("100,000 saveTask calls: %lld ms; written after %lld ms", queueMs, timer.elapsed());
    }

    timer.restart();
    auto store = openStore(path);  // start-up: open (with quick_check), then load
    QVERIFY(store);
    const qint64 openMs = timer.elapsed();
    timer.restart();
    const QList<TaskRecord> tasks = store->loadTasks();
    const qint64 loadMs = timer.elapsed();
    qDebug("open 100,000-task store: %lld ms; loadTasks: %lld ms", openMs, loadMs);

    QCOMPARE(tasks.size(), count);
    compareRecords(tasks.first(), fullRecord(u"acc-0"_s, u"task-0"_s));
    compareRecords(tasks.last(), fullRecord(u"acc-%1"_s.arg((count - 1) % 3), u"task-%1"_s.arg(count - 1)));
}

// The first rows at once, the rest from the worker in order, whatever is written meanwhile.
void TestTaskStore::loadIncrementally()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"reelkeep.sqlite"_s);
    constexpr int count = 5000;
    auto store = openStore(path);
    QVERIFY(store);
    for (int i = 0; i < count; ++i)
        store->saveTask(smallRecord(u"acc"_s, u"task-%1"_s.arg(i), i % 100));

    QSignalSpy available(store.get(), &TaskStore::loadedTasksAvailable);
    QList<TaskRecord> tasks = store->loadTasksIncrementally(300, 700);  // flushes the saves first
    QCOMPARE(tasks.size(), 300);
    QVERIFY(store->isLoadingTasks());
    // A write while the worker reads touches neither what it reads nor the order.
    store->saveTask(smallRecord(u"acc"_s, u"task-7"_s, 99));

    bool finished = false;
    QTRY_VERIFY_WITH_TIMEOUT((tasks += store->takeLoadedTasks(&finished), finished), 20'000);
    QTRY_VERIFY(available.count() >= 1);
    QVERIFY(!store->isLoadingTasks());
    QCOMPARE(tasks.size(), count);
    for (int i = 0; i < count; ++i)
        QCOMPARE(tasks[i].key.taskId, u"task-%1"_s.arg(i));
    compareRecords(tasks[4321], smallRecord(u"acc"_s, u"task-4321"_s, 21));

    // waitForLoadedTasks() hands over everything at once.
    tasks = store->loadTasksIncrementally(1000);
    QCOMPARE(tasks.size(), 1000);
    store->waitForLoadedTasks();
    tasks += store->takeLoadedTasks(&finished);
    QVERIFY(finished);
    QCOMPARE(tasks.size(), count);
    QCOMPARE(tasks.last().key.taskId, u"task-%1"_s.arg(count - 1));
    QCOMPARE(tasks[7].snapshot.progress, 99);
}

void TestTaskStore::incrementalLoadOfSmallStoreIsAtOnce()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    auto store = openStore(dir.filePath(u"reelkeep.sqlite"_s));
    QVERIFY(store);
    for (int i = 0; i < 10; ++i)
        store->saveTask(smallRecord(u"acc"_s, u"task-%1"_s.arg(i)));
    QCOMPARE(store->loadTasksIncrementally(11).size(), 10);
    QVERIFY(!store->isLoadingTasks());
    bool finished = false;
    QVERIFY(store->takeLoadedTasks(&finished).isEmpty());
    QVERIFY(finished);
}

void TestTaskStore::destroyWhileLoading()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"reelkeep.sqlite"_s);
    {
        auto store = openStore(path);
        QVERIFY(store);
        for (int i = 0; i < 20000; ++i)
            store->saveTask(smallRecord(u"acc"_s, u"task-%1"_s.arg(i)));
        QCOMPARE(store->loadTasksIncrementally(10, 100).size(), 10);
        // The destructor stops the worker and closes its connection.
    }
    auto store = openStore(path);
    QVERIFY(store);
    QCOMPARE(store->loadTasks().size(), 20000);
}

// QTEST_GUILESS_MAIN, plus the child-writer mode twoProcessesOnOneFile() starts this binary in.
int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    if (qEnvironmentVariableIsSet(childPathVariable))
        return runChildWriter(qEnvironmentVariable(childPathVariable));
    TestTaskStore test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}

#include "tst_taskstore.moc"
