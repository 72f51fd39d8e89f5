#include "storewriter.h"

#include "logging.h"
#include "storerows.h"
#include "storeschema.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QHash>
#include <QMutexLocker>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>

#include <atomic>
#include <optional>

using namespace Qt::StringLiterals;

namespace
{
QString nextConnectionName()
{
    static std::atomic<int> counter{0};
    return u"reelkeep-store-write-%1"_s.arg(++counter);
}

// The database's own words ("database or disk is full"), without the driver's suffix.
QString errorText(const QSqlError &error)
{
    return error.databaseText().isEmpty() ? error.text() : error.databaseText();
}

template<class... Ts>
struct Overloaded : Ts...
{
    using Ts::operator()...;
};
template<class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;
} // namespace

// Prepared once per connection; SQLite re-prepares them itself if another connection changes
// the schema.
struct StoreWriter::Statements
{
    explicit Statements(const QSqlDatabase &db)
        : saveAccount(db)
        , removeAccount(db)
        , saveTask(db)
        , removeTask(db)
        , removeTaskEvents(db)
        , appendEvent(db)
    {
    }

    bool prepare(QString *errorMessage)
    {
        const std::pair<QSqlQuery *, QString> all[] = {
            {&saveAccount, StoreRows::accountUpsertSql()},
            {&removeAccount, StoreRows::accountDeleteSql()},
            {&saveTask, StoreRows::taskUpsertSql()},
            {&removeTask, StoreRows::taskDeleteSql()},
            {&removeTaskEvents, StoreRows::eventDeleteForTaskSql()},
            {&appendEvent, StoreRows::eventInsertSql()},
        };
        for (const auto &[query, sql] : all) {
            if (!query->prepare(sql)) {
                *errorMessage = errorText(query->lastError());
                return false;
            }
        }
        return true;
    }

    QSqlQuery saveAccount;
    QSqlQuery removeAccount;
    QSqlQuery saveTask;
    QSqlQuery removeTask;
    QSqlQuery removeTaskEvents;
    QSqlQuery appendEvent;
};

StoreWriter::StoreWriter(const QString &databasePath, QObject *parent)
    : QThread(parent)
    , m_path(databasePath)
    , m_connectionName(nextConnectionName())
{
    setObjectName(u"ReelkeepStoreWriter"_s);
}

StoreWriter::~StoreWriter()
{
    stop();
}

bool StoreWriter::open(QString *errorMessage)
{
    start();
    QMutexLocker locker(&m_mutex);
    while (m_startState == StartState::NotStarted)
        m_progress.wait(&m_mutex);
    if (m_startState == StartState::Running)
        return true;
    if (errorMessage)
        *errorMessage = m_startError;
    locker.unlock();
    wait();
    return false;
}

void StoreWriter::enqueue(Job job)
{
    {
        QMutexLocker locker(&m_mutex);
        m_queue.append(std::move(job));
        ++m_enqueued;
    }
    m_workToDo.wakeOne();
}

quint64 StoreWriter::enqueuedCount()
{
    QMutexLocker locker(&m_mutex);
    return m_enqueued;
}

quint64 StoreWriter::committedCount()
{
    QMutexLocker locker(&m_mutex);
    return m_committed;
}

bool StoreWriter::flush()
{
    QMutexLocker locker(&m_mutex);
    const quint64 target = m_enqueued;
    if (m_committed >= target)
        return true;
    const quint64 attemptsBefore = m_attempts;
    // The caller is waiting now: try at once rather than after the retry delay.
    m_retryAt = QDeadlineTimer();
    m_workToDo.wakeOne();
    while (m_committed < target) {
        if (m_startState != StartState::Running)
            return false;
        if (m_attempts > attemptsBefore && !m_lastCommitOk)
            return false;
        m_progress.wait(&m_mutex);
    }
    return true;
}

void StoreWriter::stop()
{
    {
        QMutexLocker locker(&m_mutex);
        m_stopRequested = true;
        m_retryAt = QDeadlineTimer();
    }
    m_workToDo.wakeOne();
    wait();
}

QList<StoreWriter::Job> StoreWriter::coalesce(const QList<Job> &batch)
{
    // A save writes the whole row, so of the saves of one key only the last one's data matters.
    // Saves before the key's last removal are undone by it and dropped. The saves after it are
    // merged into one, written where the first of them was: a new row then gets the same rowid
    // order (our list order) as it would have uncoalesced. Everything else keeps its place.
    QHash<TaskKey, qsizetype> lastTaskSave;
    QHash<TaskKey, qsizetype> lastTaskRemoval;
    QHash<QString, qsizetype> lastAccountSave;
    QHash<QString, qsizetype> lastAccountRemoval;
    for (qsizetype i = 0; i < batch.size(); ++i) {
        const Job &job = batch.at(i);
        if (const auto *save = std::get_if<SaveTask>(&job))
            lastTaskSave.insert(save->record.key, i);
        else if (const auto *remove = std::get_if<RemoveTask>(&job))
            lastTaskRemoval.insert(remove->key, i);
        else if (const auto *save = std::get_if<SaveAccount>(&job))
            lastAccountSave.insert(save->account.id, i);
        else if (const auto *remove = std::get_if<RemoveAccount>(&job))
            lastAccountRemoval.insert(remove->accountId, i);
    }

    QList<Job> result;
    result.reserve(batch.size());
    QSet<TaskKey> tasksWritten;
    QSet<QString> accountsWritten;
    for (qsizetype i = 0; i < batch.size(); ++i) {
        const Job &job = batch.at(i);
        if (const auto *save = std::get_if<SaveTask>(&job)) {
            const TaskKey &key = save->record.key;
            if (i < lastTaskRemoval.value(key, -1) || tasksWritten.contains(key))
                continue;
            tasksWritten.insert(key);
            result.append(batch.at(lastTaskSave.value(key)));
        } else if (const auto *save = std::get_if<SaveAccount>(&job)) {
            const QString &id = save->account.id;
            if (i < lastAccountRemoval.value(id, -1) || accountsWritten.contains(id))
                continue;
            accountsWritten.insert(id);
            result.append(batch.at(lastAccountSave.value(id)));
        } else {
            result.append(job);
        }
    }
    return result;
}

void StoreWriter::run()
{
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, m_connectionName);
        db.setDatabaseName(m_path);
        db.setConnectOptions(StoreSchema::connectOptions());
        QString error;
        bool ok = db.open();
        if (!ok) {
            error = errorText(db.lastError());
        } else if (const QSqlError sqlError = StoreSchema::configure(db); sqlError.isValid()) {
            ok = false;
            error = errorText(sqlError);
        }
        std::optional<Statements> statements;
        if (ok) {
            statements.emplace(db);
            ok = statements->prepare(&error);
        }
        {
            QMutexLocker locker(&m_mutex);
            m_startState = ok ? StartState::Running : StartState::Failed;
            m_startError = error;
            m_progress.wakeAll();
        }
        if (ok)
            drain(db, *statements);
        statements.reset();
        db.close();
    }
    QSqlDatabase::removeDatabase(m_connectionName);

    QMutexLocker locker(&m_mutex);
    m_startState = StartState::Failed;
    if (m_startError.isEmpty())
        m_startError = QCoreApplication::translate("TaskStore", "The task list has been closed.");
    m_progress.wakeAll();
}

void StoreWriter::drain(QSqlDatabase &db, Statements &statements)
{
    QMutexLocker locker(&m_mutex);
    while (true) {
        while (!m_stopRequested) {
            if (m_queue.isEmpty())
                m_workToDo.wait(&m_mutex);
            else if (m_retryAt.hasExpired())
                break;
            else
                m_workToDo.wait(&m_mutex, m_retryAt);
        }
        if (m_queue.isEmpty())
            return;  // stopping, and everything is written

        const bool lastChance = m_stopRequested;
        const qsizetype count = std::min(m_queue.size(), maxBatchSize);
        const QList<Job> batch = m_queue.first(count);
        m_queue.remove(0, count);
        locker.unlock();

        QElapsedTimer timer;
        timer.start();
        QString error;
        const bool ok = commitBatch(db, statements, batch, &error);

        locker.relock();
        ++m_attempts;
        m_lastCommitOk = ok;
        if (ok) {
            m_committed += quint64(count);
            m_retryDelayMs = firstRetryDelayMs;
            m_retryAt = QDeadlineTimer();
        } else {
            m_queue = batch + m_queue;
            m_retryAt = QDeadlineTimer(m_retryDelayMs);
            m_retryDelayMs = std::min(m_retryDelayMs * 2, maxRetryDelayMs);
        }
        const qsizetype waiting = m_queue.size();
        const quint64 committedCount = m_committed;
        m_progress.wakeAll();

        if (ok) {
            qCDebug(lcStore) << "committed" << count << "writes in" << timer.elapsed() << "ms;" << waiting << "waiting";
            locker.unlock();
            emit committed(committedCount);
            locker.relock();
            continue;
        }

        locker.unlock();
        qCWarning(lcStore) << "commit of" << count << "writes failed, will retry:" << error;
        emit commitFailed(QCoreApplication::translate("TaskStore", "Could not save the task list: %1").arg(error));
        locker.relock();
        if (lastChance) {
            qCWarning(lcStore) << "closing the store with" << m_queue.size() << "writes not saved";
            return;
        }
    }
}

bool StoreWriter::commitBatch(QSqlDatabase &db, Statements &statements, const QList<Job> &batch, QString *errorMessage)
{
    QSqlQuery control(db);
    // IMMEDIATE takes the write lock now, waiting out the busy timeout if another process holds
    // it, instead of failing half-way through the batch.
    if (!control.exec(u"BEGIN IMMEDIATE"_s)) {
        *errorMessage = errorText(control.lastError());
        return false;
    }

    const auto run = [errorMessage](QSqlQuery &query) {
        if (query.exec())
            return true;
        *errorMessage = errorText(query.lastError());
        return false;
    };

    bool ok = true;
    for (const Job &job : coalesce(batch)) {
        ok = std::visit(Overloaded{
                            [&](const SaveAccount &save) {
                                StoreRows::bindAccount(statements.saveAccount, save.account);
                                return run(statements.saveAccount);
                            },
                            [&](const RemoveAccount &remove) {
                                statements.removeAccount.bindValue(0, remove.accountId);
                                return run(statements.removeAccount);
                            },
                            [&](const SaveTask &save) {
                                StoreRows::bindTask(statements.saveTask, save.record);
                                return run(statements.saveTask);
                            },
                            [&](const RemoveTask &remove) {
                                statements.removeTask.bindValue(0, remove.key.accountId);
                                statements.removeTask.bindValue(1, remove.key.taskId);
                                statements.removeTaskEvents.bindValue(0, remove.key.accountId);
                                statements.removeTaskEvents.bindValue(1, remove.key.taskId);
                                return run(statements.removeTask) && run(statements.removeTaskEvents);
                            },
                            [&](const AppendEvent &append) {
                                StoreRows::bindEvent(statements.appendEvent, append.event);
                                return run(statements.appendEvent);
                            },
                        },
                        job);
        if (!ok)
            break;
    }

    if (ok && control.exec(u"COMMIT"_s))
        return true;
    if (ok)
        *errorMessage = errorText(control.lastError());
    // SQLite may already have rolled back (e.g. on a full disk); an error here changes nothing.
    control.exec(u"ROLLBACK"_s);
    return false;
}
