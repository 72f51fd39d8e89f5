#pragma once

#include "account.h"
#include "taskrecord.h"

#include <QList>
#include <QObject>
#include <QString>

#include <functional>
#include <memory>

// The durable task list: SQLite (WAL) through Qt SQL. Writes are queued to a worker thread and
// committed in batches, so callers (the GUI thread) never wait on the disk. A task is recorded
// before its first poll: a lost task ID is a video paid for twice. Accounts are stored without
// their keys.
class TaskStore : public QObject
{
    Q_OBJECT

public:
    ~TaskStore() override;

    // Opens (creating or migrating) the store at `path`. A file that is not a SQLite database or
    // is corrupt is moved aside (its new name in *notice) and a fresh store is started.
    // Returns nullptr with *errorMessage set when the store cannot be opened at all (e.g. held
    // by another process beyond the busy timeout, or the folder is not writable).
    static std::unique_ptr<TaskStore> open(const QString &path, QString *errorMessage, QString *notice = nullptr);
    static QString defaultPath();   // <AppDataLocation>/reelkeep.sqlite
    static int schemaVersion();

    QString path() const;

    // Synchronous reads, for start-up.
    QList<Account> loadAccounts() const;
    QList<TaskRecord> loadTasks() const;
    QList<TaskEvent> loadHistory(const TaskKey &key) const;
    // Reads a task's history on a pool thread with a connection of its own and calls `done` on
    // context's thread (not at all if context is gone by then). Does not wait for queued
    // writes: the caller merges the events it saw itself, so the GUI thread never waits.
    void loadHistoryAsync(const TaskKey &key, QObject *context,
                          std::function<void(const QList<TaskEvent> &)> done) const;

    // Start-up with a long list: returns the first `firstCount` tasks (oldest first) at once and,
    // when there are more, reads the rest on a worker thread with its own read-only connection.
    // Those arrive in order, in batches: loadedTasksAvailable() says when to takeLoadedTasks().
    // Reading 100,000 rows through Qt SQL takes about a second; the window shows the first
    // ones meanwhile. One such load at a time.
    QList<TaskRecord> loadTasksIncrementally(int firstCount, int batchSize = 2000);
    bool isLoadingTasks() const;
    // The tasks read since the last call; *finished is true once every task was handed over.
    QList<TaskRecord> takeLoadedTasks(bool *finished);
    // Blocks until the worker has read every task (takeLoadedTasks() then returns the rest).
    void waitForLoadedTasks();

    // Queued writes (return at once; committed in a transaction by the worker).
    void saveAccount(const Account &account);  // apiKey is never written
    void removeAccount(const QString &accountId);
    void saveTask(const TaskRecord &record);
    void removeTask(const TaskKey &key);
    void appendEvent(const TaskEvent &event);

    // Blocks until every queued write is committed (CLI exit, tests). Returns false on error.
    bool flush();
    // Never blocks: calls done(true) on context's thread (context must live in the store's
    // thread) once every write queued so far is committed, or done(false) as soon as a commit
    // attempt fails first (the writes stay queued and are retried). Not at all if context is
    // gone by then. For work that must not run before the store can remember it.
    void whenWritten(QObject *context, std::function<void(bool committed)> done);

signals:
    // A batch failed to commit; the writes stay queued and are retried.
    void writeFailed(const QString &message);
    // loadTasksIncrementally(): more tasks (or the end) are ready for takeLoadedTasks().
    void loadedTasksAvailable();

private:
    TaskStore();
    struct Private;
    std::unique_ptr<Private> d;
};
