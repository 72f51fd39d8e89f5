#include "taskstore.h"

#include "logging.h"
#include "storerows.h"
#include "storeschema.h"
#include "storewriter.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QSqlDatabase>
#include <QSqlError>
#include <QMutex>
#include <QPointer>
#include <QThreadPool>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QThread>

#include <atomic>

using namespace Qt::StringLiterals;

namespace
{
// SQLite primary result codes (the driver reports them as nativeErrorCode()).
constexpr int sqliteBusy = 5;
constexpr int sqliteLocked = 6;
constexpr int sqliteCorrupt = 11;
constexpr int sqliteNotADatabase = 26;

QString nextReadConnectionName()
{
    static std::atomic<int> counter{0};
    return u"reelkeep-store-read-%1"_s.arg(++counter);
}

// A read-only connection of the calling thread's own, for reads off the GUI thread; the
// caller closes it and calls QSqlDatabase::removeDatabase(name) when done.
QSqlDatabase openReadOnly(const QString &name, const QString &path)
{
    QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, name);
    db.setDatabaseName(path);
    db.setConnectOptions(StoreSchema::connectOptions() + u";QSQLITE_OPEN_READONLY"_s);
    db.open();
    return db;
}

QString native(const QString &path)
{
    return QDir::toNativeSeparators(path);
}

bool looksLikeSqlite(const QString &path)
{
    QFile file(path);
    if (file.size() == 0)
        return true;  // SQLite treats an empty file as an empty database
    if (!file.open(QIODevice::ReadOnly))
        return true;  // unreadable is not corrupt: let SQLite report it
    static const QByteArray magic("SQLite format 3\0", 16);
    return file.read(magic.size()) == magic;
}

// Moves a damaged store and its journal out of the way. The WAL must go with it: SQLite would
// replay it into the new file at the same path.
bool moveAside(const QString &path, QString *movedTo, QString *errorMessage)
{
    const QString stamp = QDateTime::currentDateTime().toString(u"yyyyMMdd-hhmmss"_s);
    const QString base = u"%1.corrupt-%2"_s.arg(path, stamp);
    QString target = base;
    for (int n = 2; QFileInfo::exists(target); ++n)
        target = u"%1-%2"_s.arg(base).arg(n);

    QFile file(path);
    if (!file.rename(target)) {
        *errorMessage = file.errorString();
        return false;
    }
    for (const auto suffix : {"-wal"_L1, "-journal"_L1}) {
        if (QFileInfo::exists(path + suffix) && !QFile::rename(path + suffix, target + suffix))
            QFile::remove(path + suffix);
    }
    QFile::remove(path + "-shm"_L1);  // an index of the WAL, rebuilt on open
    *movedTo = target;
    return true;
}
} // namespace

// The worker of loadTasksIncrementally(): reads on its own thread and connection, hands the
// rows over under a mutex, and tells the store (queued, so on the store's thread) when a batch
// is waiting.
struct StoreTaskLoader
{
    void run(TaskStore *store, const QString &path, qint64 afterRowId, int batchSize);
    void hand(TaskStore *store, QList<TaskRecord> &&batch, bool last);  // no-op once the last was handed

    std::unique_ptr<QThread> thread;
    std::atomic<bool> cancelled{false};
    QMutex mutex;
    QList<TaskRecord> ready;  // guarded by mutex
    bool done = false;        // guarded by mutex
};

void StoreTaskLoader::run(TaskStore *store, const QString &path, qint64 afterRowId, int batchSize)
{
    QElapsedTimer timer;
    timer.start();
    qint64 count = 0;
    const QString name = nextReadConnectionName();
    {
        QSqlDatabase db = openReadOnly(name, path);
        if (!db.isOpen()) {
            qCWarning(lcStore) << "cannot read the rest of the tasks:" << db.lastError().text();
        } else {
            QSqlQuery query(db);
            query.setForwardOnly(true);
            if (!query.prepare(StoreRows::taskSelectPageSql())) {
                qCWarning(lcStore) << "cannot read the rest of the tasks:" << query.lastError().text();
            } else {
                query.bindValue(0, afterRowId);
                query.bindValue(1, -1);
                if (!query.exec())
                    qCWarning(lcStore) << "cannot read the rest of the tasks:" << query.lastError().text();
                QList<TaskRecord> batch;
                batch.reserve(batchSize);
                while (!cancelled.load(std::memory_order_relaxed) && query.isActive() && query.next()) {
                    batch.append(StoreRows::readTask(query));
                    if (batch.size() >= batchSize) {
                        count += batch.size();
                        hand(store, std::exchange(batch, {}), false);
                        batch.reserve(batchSize);
                    }
                }
                if (query.lastError().isValid())
                    qCWarning(lcStore) << "reading tasks stopped early:" << query.lastError().text();
                count += batch.size();
                hand(store, std::move(batch), true);
            }
            query.finish();
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
    // Whatever went wrong above, the store learns that nothing more is coming.
    hand(store, {}, true);
    qCDebug(lcStore) << "read" << count << "more tasks in the background in" << timer.elapsed() << "ms";
}

void StoreTaskLoader::hand(TaskStore *store, QList<TaskRecord> &&batch, bool last)
{
    bool wasEmpty = false;
    {
        QMutexLocker locker(&mutex);
        if (done)
            return;
        wasEmpty = ready.isEmpty();
        if (ready.isEmpty())
            ready = std::move(batch);
        else
            ready.append(std::move(batch));
        done = last;
    }
    // One notification per batch the store has not yet seen; a destroyed store drops it.
    if (wasEmpty || last)
        QMetaObject::invokeMethod(store, &TaskStore::loadedTasksAvailable, Qt::QueuedConnection);
}

struct TaskStore::Private
{
    enum class Opened
    {
        Ok,
        Corrupt,  // *problem says why, in a few words
        Failed    // *problem is a whole sentence for the user
    };

    Opened openReader(QString *problem);
    Opened classify(const QSqlError &error, QString *problem) const;
    QString lockedMessage() const;
    void closeReader();

    QString path;
    QString readConnectionName;
    QSqlDatabase readDb;  // used from the thread that opened the store
    std::unique_ptr<StoreWriter> writer;
    std::unique_ptr<StoreTaskLoader> loader;
    void stopLoader();

    // whenWritten() callers, in the order they asked (so targets ascend).
    struct WriteWaiter
    {
        quint64 target;
        QPointer<QObject> context;
        std::function<void(bool)> done;
    };
    QList<WriteWaiter> writeWaiters;
    // Calls (queued) the waiters whose writes are committed, or all of them with false.
    void releaseWaiters(quint64 committedCount, bool ok);
};

void TaskStore::Private::releaseWaiters(quint64 committedCount, bool ok)
{
    while (!writeWaiters.isEmpty() && (!ok || writeWaiters.constFirst().target <= committedCount)) {
        WriteWaiter waiter = writeWaiters.takeFirst();
        if (waiter.context) {
            QMetaObject::invokeMethod(
                waiter.context.data(), [done = std::move(waiter.done), ok] { done(ok); }, Qt::QueuedConnection);
        }
    }
}

void TaskStore::Private::stopLoader()
{
    if (!loader)
        return;
    loader->cancelled = true;
    loader->thread->wait();
    loader.reset();
}

TaskStore::Private::Opened TaskStore::Private::openReader(QString *problem)
{
    if (!looksLikeSqlite(path)) {
        *problem = tr("it is not a SQLite database");
        return Opened::Corrupt;
    }

    readConnectionName = nextReadConnectionName();
    readDb = QSqlDatabase::addDatabase(u"QSQLITE"_s, readConnectionName);
    readDb.setDatabaseName(path);
    readDb.setConnectOptions(StoreSchema::connectOptions());
    if (!readDb.open())
        return classify(readDb.lastError(), problem);
    if (const QSqlError error = StoreSchema::configure(readDb); error.isValid())
        return classify(error, problem);

    QString found;
    if (const QSqlError error = StoreSchema::quickCheck(readDb, &found); error.isValid())
        return classify(error, problem);
    if (!found.isEmpty()) {
        *problem = tr("the integrity check found: %1").arg(found);
        return Opened::Corrupt;
    }

    QString error;
    if (!StoreSchema::prepare(readDb, &error)) {
        if (error.contains("database is locked"_L1))
            *problem = lockedMessage();
        else
            *problem = tr("Cannot open the task list %1: %2").arg(native(path), error);
        return Opened::Failed;
    }
    return Opened::Ok;
}

TaskStore::Private::Opened TaskStore::Private::classify(const QSqlError &error, QString *problem) const
{
    // Extended result codes carry the primary code in the low byte.
    const int code = error.nativeErrorCode().toInt() & 0xff;
    const QString text = error.databaseText();
    if (code == sqliteBusy || code == sqliteLocked || text.contains("database is locked"_L1)) {
        *problem = lockedMessage();
        return Opened::Failed;
    }
    if (code == sqliteCorrupt || code == sqliteNotADatabase || text.contains("not a database"_L1)
        || text.contains("malformed"_L1)) {
        *problem = text;
        return Opened::Corrupt;
    }
    *problem = tr("Cannot open the task list %1: %2").arg(native(path), text.isEmpty() ? error.text() : text);
    return Opened::Failed;
}

QString TaskStore::Private::lockedMessage() const
{
    return tr("The task list %1 is locked by another program and stayed locked for more than %2 seconds. "
              "Close the other Reelkeep window or command and try again.")
        .arg(native(path))
        .arg(StoreSchema::busyTimeoutMs / 1000);
}

void TaskStore::Private::closeReader()
{
    if (readConnectionName.isEmpty())
        return;
    readDb.close();
    readDb = QSqlDatabase();
    QSqlDatabase::removeDatabase(readConnectionName);
    readConnectionName.clear();
}

TaskStore::TaskStore()
    : d(std::make_unique<Private>())
{
}

TaskStore::~TaskStore()
{
    d->stopLoader();
    if (d->writer) {
        if (!d->writer->flush())
            qCWarning(lcStore) << "the last writes to" << d->path << "failed; one more attempt before closing";
        d->writer->stop();
        d->writer.reset();
    }
    d->closeReader();
}

std::unique_ptr<TaskStore> TaskStore::open(const QString &path, QString *errorMessage, QString *notice)
{
    if (notice)
        notice->clear();
    const auto fail = [errorMessage](const QString &message) {
        qCWarning(lcStore).noquote() << message;
        if (errorMessage)
            *errorMessage = message;
        return std::unique_ptr<TaskStore>();
    };

    if (!QSqlDatabase::isDriverAvailable(u"QSQLITE"_s))
        return fail(tr("Cannot open the task list: the SQLite driver for Qt (QSQLITE) is not installed."));
    if (path.isEmpty())
        return fail(tr("Cannot open the task list: no file name was given."));

    const QFileInfo info(path);
    if (!QDir().mkpath(info.absolutePath()))
        return fail(tr("Cannot create the folder %1 for the task list.").arg(native(info.absolutePath())));

    std::unique_ptr<TaskStore> store(new TaskStore);
    Private &d = *store->d;
    d.path = info.absoluteFilePath();

    QElapsedTimer timer;
    timer.start();
    QString problem;
    Private::Opened opened = d.openReader(&problem);
    if (opened == Private::Opened::Corrupt) {
        d.closeReader();
        QString movedTo;
        QString error;
        if (!moveAside(d.path, &movedTo, &error)) {
            return fail(tr("The task list %1 is damaged (%2) and could not be moved aside: %3")
                            .arg(native(d.path), problem, error));
        }
        const QString message = tr("The task list %1 could not be read (%2), so it was moved to %3 and a new, "
                                   "empty task list was started.")
                                    .arg(native(d.path), problem, native(movedTo));
        qCWarning(lcStore).noquote() << message;
        if (notice)
            *notice = message;
        opened = d.openReader(&problem);
        if (opened == Private::Opened::Corrupt)
            problem = tr("Cannot open the task list %1: %2").arg(native(d.path), problem);
    }
    if (opened != Private::Opened::Ok)
        return fail(problem);

    d.writer = std::make_unique<StoreWriter>(d.path);
    QString error;
    if (!d.writer->open(&error)) {
        d.writer.reset();
        return fail(error.contains("database is locked"_L1)
                        ? d.lockedMessage()
                        : tr("Cannot open the task list %1 for writing: %2").arg(native(d.path), error));
    }
    connect(d.writer.get(), &StoreWriter::commitFailed, store.get(), &TaskStore::writeFailed, Qt::QueuedConnection);
    TaskStore *self = store.get();
    connect(
        d.writer.get(), &StoreWriter::committed, self,
        [self](quint64 committedCount) { self->d->releaseWaiters(committedCount, true); }, Qt::QueuedConnection);
    connect(
        d.writer.get(), &StoreWriter::commitFailed, self, [self] { self->d->releaseWaiters(0, false); },
        Qt::QueuedConnection);
    qCDebug(lcStore) << "opened" << d.path << "in" << timer.elapsed() << "ms";
    return store;
}

QString TaskStore::defaultPath()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/reelkeep.sqlite"_L1;
}

int TaskStore::schemaVersion()
{
    return StoreSchema::currentVersion;
}

QString TaskStore::path() const
{
    return d->path;
}

// Reads first wait for the writes queued before them, so a caller always reads its own writes.
// At start-up the queue is empty and this costs nothing.

QList<Account> TaskStore::loadAccounts() const
{
    d->writer->flush();
    QSqlQuery query(d->readDb);
    query.setForwardOnly(true);
    if (!query.exec(StoreRows::accountSelectSql())) {
        qCWarning(lcStore) << "cannot read accounts:" << query.lastError().text();
        return {};
    }
    QList<Account> accounts;
    while (query.next())
        accounts.append(StoreRows::readAccount(query));
    return accounts;
}

QList<TaskRecord> TaskStore::loadTasks() const
{
    d->writer->flush();
    QElapsedTimer timer;
    timer.start();

    QList<TaskRecord> tasks;
    {
        QSqlQuery count(d->readDb);
        if (count.exec(StoreRows::taskCountSql()) && count.next())
            tasks.reserve(count.value(0).toLongLong());
    }

    QSqlQuery query(d->readDb);
    query.setForwardOnly(true);  // no client-side row cache: rows are read once, in order
    if (!query.prepare(StoreRows::taskSelectSql()) || !query.exec()) {
        qCWarning(lcStore) << "cannot read tasks:" << query.lastError().text();
        return {};
    }
    while (query.next())
        tasks.append(StoreRows::readTask(query));
    if (query.lastError().isValid())
        qCWarning(lcStore) << "reading tasks stopped early:" << query.lastError().text();
    qCDebug(lcStore) << "loaded" << tasks.size() << "tasks in" << timer.elapsed() << "ms";
    return tasks;
}

QList<TaskRecord> TaskStore::loadTasksIncrementally(int firstCount, int batchSize)
{
    Q_ASSERT_X(!d->loader, "TaskStore::loadTasksIncrementally", "one load at a time");
    d->writer->flush();
    QElapsedTimer timer;
    timer.start();

    QList<TaskRecord> tasks;
    QSqlQuery query(d->readDb);
    query.setForwardOnly(true);
    if (!query.prepare(StoreRows::taskSelectPageSql())) {
        qCWarning(lcStore) << "cannot read tasks:" << query.lastError().text();
        return {};
    }
    query.bindValue(0, 0);
    query.bindValue(1, firstCount);
    if (!query.exec()) {
        qCWarning(lcStore) << "cannot read tasks:" << query.lastError().text();
        return {};
    }
    tasks.reserve(firstCount);
    qint64 lastRowId = 0;
    const int rowIdColumn = StoreRows::taskRowIdColumn();
    while (query.next()) {
        tasks.append(StoreRows::readTask(query));
        lastRowId = query.value(rowIdColumn).toLongLong();
    }
    if (query.lastError().isValid())
        qCWarning(lcStore) << "reading tasks stopped early:" << query.lastError().text();
    query.finish();
    qCDebug(lcStore) << "loaded the first" << tasks.size() << "tasks in" << timer.elapsed() << "ms";
    if (tasks.size() < firstCount)
        return tasks;  // that was all of them

    d->loader = std::make_unique<StoreTaskLoader>();
    StoreTaskLoader *loader = d->loader.get();
    const QString path = d->path;
    loader->thread.reset(QThread::create([loader, this, path, lastRowId, batchSize] {
        loader->run(this, path, lastRowId, std::max(1, batchSize));
    }));
    loader->thread->setObjectName(u"reelkeep-store-loader"_s);
    loader->thread->start();
    return tasks;
}

bool TaskStore::isLoadingTasks() const
{
    return d->loader != nullptr;
}

QList<TaskRecord> TaskStore::takeLoadedTasks(bool *finished)
{
    *finished = true;
    if (!d->loader)
        return {};
    QList<TaskRecord> tasks;
    bool done = false;
    {
        QMutexLocker locker(&d->loader->mutex);
        tasks = std::exchange(d->loader->ready, {});
        done = d->loader->done;
    }
    *finished = done;
    if (done) {
        d->loader->thread->wait();
        d->loader.reset();
    }
    return tasks;
}

void TaskStore::waitForLoadedTasks()
{
    if (d->loader)
        d->loader->thread->wait();
}

QList<TaskEvent> TaskStore::loadHistory(const TaskKey &key) const
{
    d->writer->flush();
    QSqlQuery query(d->readDb);
    query.setForwardOnly(true);
    if (!query.prepare(StoreRows::eventSelectForTaskSql())) {
        qCWarning(lcStore) << "cannot read history:" << query.lastError().text();
        return {};
    }
    query.bindValue(0, key.accountId);
    query.bindValue(1, key.taskId);
    if (!query.exec()) {
        qCWarning(lcStore) << "cannot read history:" << query.lastError().text();
        return {};
    }
    QList<TaskEvent> events;
    while (query.next())
        events.append(StoreRows::readEvent(query, key));
    return events;
}

void TaskStore::loadHistoryAsync(const TaskKey &key, QObject *context,
                                 std::function<void(const QList<TaskEvent> &)> done) const
{
    QThreadPool::globalInstance()->start([path = d->path, key, guard = QPointer<QObject>(context),
                                          done = std::move(done)]() mutable {
        QList<TaskEvent> events;
        const QString name = nextReadConnectionName();
        {
            QSqlDatabase db = openReadOnly(name, path);
            QSqlQuery query(db);
            query.setForwardOnly(true);
            if (!db.isOpen() || !query.prepare(StoreRows::eventSelectForTaskSql())) {
                qCWarning(lcStore) << "cannot read history:" << (db.isOpen() ? query.lastError() : db.lastError()).text();
            } else {
                query.bindValue(0, key.accountId);
                query.bindValue(1, key.taskId);
                if (!query.exec())
                    qCWarning(lcStore) << "cannot read history:" << query.lastError().text();
                while (query.isActive() && query.next())
                    events.append(StoreRows::readEvent(query, key));
            }
        }
        QSqlDatabase::removeDatabase(name);
        // Through qApp, which outlives every receiver: the guard is checked on its own thread.
        QMetaObject::invokeMethod(QCoreApplication::instance(), [guard, done = std::move(done), events] {
            if (guard)
                done(events);
        });
    });
}

void TaskStore::saveAccount(const Account &account)
{
    if (account.id.isEmpty()) {
        qCWarning(lcStore) << "not saving an account without an id";
        return;
    }
    Account stored = account;
    stored.apiKey.clear();  // not even the queue holds the key
    d->writer->enqueue(StoreWriter::SaveAccount{std::move(stored)});
}

// Only the account row goes: its tasks stay, because a task ID may be all that is left of a
// paid-for video. The engine removes tasks explicitly when the user asks for it.
void TaskStore::removeAccount(const QString &accountId)
{
    d->writer->enqueue(StoreWriter::RemoveAccount{accountId});
}

void TaskStore::saveTask(const TaskRecord &record)
{
    if (!record.key.isValid()) {
        // A row without a key could never be written: keep it out of the queue.
        qCWarning(lcStore) << "not saving a task without an account or task id";
        return;
    }
    TaskRecord stored = record;
    // Inline videos are not persisted (re-polling fetches them again); dropping the bytes here
    // keeps a whole video out of the queue.
    stored.snapshot.source.inlineBase64.clear();
    d->writer->enqueue(StoreWriter::SaveTask{std::move(stored)});
}

void TaskStore::removeTask(const TaskKey &key)
{
    d->writer->enqueue(StoreWriter::RemoveTask{key});
}

void TaskStore::appendEvent(const TaskEvent &event)
{
    if (!event.key.isValid()) {
        qCWarning(lcStore) << "not saving an event without an account or task id";
        return;
    }
    d->writer->enqueue(StoreWriter::AppendEvent{event});
}

bool TaskStore::flush()
{
    return d->writer->flush();
}

void TaskStore::whenWritten(QObject *context, std::function<void(bool committed)> done)
{
    // A commit that covers the target after this look reports it with a queued committed().
    d->writeWaiters.append({d->writer->enqueuedCount(), context, std::move(done)});
    d->releaseWaiters(d->writer->committedCount(), true);
}
