#pragma once

#include "account.h"
#include "taskrecord.h"

#include <QDeadlineTimer>
#include <QList>
#include <QMutex>
#include <QString>
#include <QThread>
#include <QWaitCondition>

#include <variant>

class QSqlDatabase;

// The task store's write side: a thread with its own SQLite connection that drains a queue of
// writes, one transaction per batch. Callers only hold a mutex long enough to append, so the GUI
// thread never waits on the disk. A batch that fails to commit is rolled back and kept at the
// front of the queue for a later retry; nothing is dropped while the thread runs.
class StoreWriter : public QThread
{
    Q_OBJECT

public:
    struct SaveAccount
    {
        Account account;
    };
    struct RemoveAccount
    {
        QString accountId;
    };
    struct SaveTask
    {
        TaskRecord record;
    };
    struct RemoveTask
    {
        TaskKey key;
    };
    struct AppendEvent
    {
        TaskEvent event;
    };
    using Job = std::variant<SaveAccount, RemoveAccount, SaveTask, RemoveTask, AppendEvent>;

    static constexpr qsizetype maxBatchSize = 2000;  // keeps the write lock short for other processes
    static constexpr int firstRetryDelayMs = 500;
    static constexpr int maxRetryDelayMs = 10000;

    explicit StoreWriter(const QString &databasePath, QObject *parent = nullptr);
    ~StoreWriter() override;  // stop()

    // Starts the thread and waits until its connection is open and configured.
    bool open(QString *errorMessage);

    void enqueue(Job job);

    // Blocks until every job enqueued before the call is committed. Skips a pending retry delay;
    // returns false as soon as an attempt fails (the jobs stay queued) or the thread is gone.
    bool flush();

    // Makes one last attempt at whatever is queued, then ends the thread.
    void stop();

    // Shrinks a batch to the writes that matter: per task or account, one save with the last
    // data (at the first save's place), none that a later removal undoes. Same end result.
    static QList<Job> coalesce(const QList<Job> &batch);

    // Jobs ever enqueued: committed() reaching this count means all of them are on disk.
    quint64 enqueuedCount();
    quint64 committedCount();

signals:
    // Emitted from the writer thread: connect with a queued connection.
    void commitFailed(const QString &message);
    // Emitted from the writer thread after each successful commit: the first committedCount
    // jobs ever enqueued are on disk.
    void committed(quint64 committedCount);

protected:
    void run() override;

private:
    struct Statements;

    void drain(QSqlDatabase &db, Statements &statements);
    static bool commitBatch(QSqlDatabase &db, Statements &statements, const QList<Job> &batch, QString *errorMessage);

    enum class StartState
    {
        NotStarted,
        Running,
        Failed
    };

    const QString m_path;
    const QString m_connectionName;

    QMutex m_mutex;                  // guards everything below
    QWaitCondition m_workToDo;       // the writer waits here
    QWaitCondition m_progress;       // open() and flush() wait here
    QList<Job> m_queue;
    quint64 m_enqueued = 0;          // jobs ever enqueued
    quint64 m_committed = 0;         // jobs ever committed (FIFO, so a prefix of m_enqueued)
    quint64 m_attempts = 0;          // commit attempts, successful or not
    bool m_lastCommitOk = true;
    QDeadlineTimer m_retryAt;        // expired unless a failed batch is waiting out its delay
    int m_retryDelayMs = firstRetryDelayMs;
    bool m_stopRequested = false;
    StartState m_startState = StartState::NotStarted;
    QString m_startError;
};
