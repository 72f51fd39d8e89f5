#pragma once

#include "account.h"
#include "downloadrequest.h"
#include "pollresult.h"
#include "taskrecord.h"

#include <QFlags>
#include <QHash>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QStringList>

#include <functional>
#include <vector>

class Clock;
class QNetworkAccessManager;
class QTimer;
class TaskPoller;
class TaskStore;
class VideoDownloader;

// The heart of Reelkeep: keeps the list of tasks, feeds them to the poller, turns what the
// providers say into task state, saves finished videos through the downloader (soonest-expiring
// first), asks again for a fresh URL when one lapses, and records every change in the store.
// The CLI and the window are both thin presentations of this object.
class TaskEngine : public QObject
{
    Q_OBJECT

public:
    enum class Change
    {
        State = 0x01,
        Progress = 0x02,    // generation progress or download bytes
        Details = 0x04,     // model, duration, resolution, expiry, URL
        Error = 0x08,
        File = 0x10,
        Polled = 0x20       // last-polled time
    };
    Q_DECLARE_FLAGS(Changes, Change)

    struct AddResult
    {
        QList<TaskKey> added;
        QStringList alreadyPresent;
        QStringList rejected;        // "<id>: reason", for the user
    };

    struct Options
    {
        int maxConcurrentDownloads = 3;
        qint64 downloadRetryBaseMs = 15'000;   // retry after a disk/network failure
        qint64 downloadRetryMaxMs = 300'000;
        int maxDownloadRetries = 8;
        bool allowHttp2 = false;
    };

    TaskEngine(QNetworkAccessManager *manager, Clock *clock, TaskStore *store, QObject *parent = nullptr);
    TaskEngine(QNetworkAccessManager *manager, Clock *clock, TaskStore *store, const Options &options,
               QObject *parent = nullptr);
    ~TaskEngine() override;

    // Accounts. The key is kept in memory and handed to the poller; the store never sees it.
    void setAccount(const Account &account);
    void removeAccount(const QString &accountId);
    QList<Account> accounts() const { return m_accounts.values(); }
    const Account *account(const QString &accountId) const;
    bool isAccountHalted(const QString &accountId) const;

    // Loads the store's tasks and resumes every unfinished one (polling at its next due time,
    // interrupted downloads from their partial files). Call once, after setting accounts.
    void restoreFromStore(const std::function<bool(const TaskKey &)> &filter = {});
    // The same for a window that must show its first rows at once: the first `firstCount`
    // tasks are restored now, the rest arrive from the store's worker thread in batches
    // (tasksAdded each time) until restoreFinished(). Adding tasks meanwhile first waits for
    // the rest, so an ID already in the store is never taken for a new one. `filter` is kept
    // until then.
    void restoreFromStoreIncrementally(const std::function<bool(const TaskKey &)> &filter = {},
                                       int firstCount = 1000);
    bool isRestoring() const { return m_restoring; }
    // Takes every task still being read, now (blocks until the store has read them).
    void completeRestore();

    // Records each new ID (store first: a lost ID is a video paid for twice) and starts polling.
    AddResult addTasks(const QString &accountId, const QStringList &taskIds);
    static bool isAcceptableId(const QString &taskId, QString *reason = nullptr);

    int taskCount() const { return int(m_tasks.size()); }
    const TaskRecord &taskAt(int row) const { return m_tasks[size_t(row)]; }
    int rowOf(const TaskKey &key) const { return m_rows.value(key, -1); }
    const TaskRecord *task(const TaskKey &key) const;

    // User actions.
    void download(const TaskKey &key);
    void pollNow(const TaskKey &key);
    void retry(const TaskKey &key);             // failed/expired: ask the provider again
    void setPollingPaused(const TaskKey &key, bool paused);
    void removeTask(const TaskKey &key);        // never deletes files
    QList<TaskEvent> history(const TaskKey &key) const;
    // The same without blocking: `done` runs on context's thread once the store was read.
    void loadHistory(const TaskKey &key, QObject *context, std::function<void(const QList<TaskEvent> &)> done) const;

    // Smoothed transfer rate of a running download, bytes per second (0 when not downloading).
    double downloadSpeed(const TaskKey &key) const { return m_speeds.value(key).bytesPerSecond; }
    // For OrphanPartials: the partial files the tasks in memory use (some may not be committed
    // to the store yet) and the folders the accounts save into.
    QSet<QString> partialPathsInUse() const;
    QStringList downloadFolders() const;

    TaskPoller *poller() const { return m_poller; }
    VideoDownloader *downloader() const { return m_downloader; }
    // True when nothing more will happen on its own for this task.
    // Polling, downloading, waiting to download, or waiting to retry: more will happen on its own.
    bool hasPendingWork(const TaskKey &key) const;
    // A poll that changed nothing but the poll time is not written at once (see commit()):
    // this writes every such time now. The destructor does it too, before a clean exit.
    void persistPollTimes();

signals:
    void tasksAdded(int firstRow, int count);
    // restoreFromStoreIncrementally(): every stored task is in the list now.
    void restoreFinished();
    void taskAboutToBeRemoved(int row);
    void taskRemoved(int row);
    void taskChanged(int row, TaskEngine::Changes changes);
    // A state change (or other notable moment) with its message, as recorded in the history.
    void taskEvent(const TaskEvent &event);
    void taskSaved(const TaskKey &key, const DownloadResult &result);
    void accountHalted(const QString &accountId, const QString &message);
    // Download speed over all downloads, bytes per second (a few times a second while active).
    void throughputChanged(double bytesPerSecond);

private:
    void adoptRestored(QList<TaskRecord> &&records, const std::function<bool(const TaskKey &)> &filter);
    void takeRestoredBatch();
    TaskRecord *mutableTask(const TaskKey &key);
    void commit(TaskRecord &record, Changes changes);
    void setState(TaskRecord &record, TaskState state, const QString &message, Changes changes = {});
    // A notable moment that is not a state change (a retry streak, the link's expiry) for the history.
    void recordEvent(const TaskRecord &record, const QString &message);
    void onPolled(const TaskKey &key, const PollResult &result);
    void onVideoAvailable(TaskRecord &record, const VideoSource &previousSource, bool freshQuery, Changes changes);
    void queueDownload(const TaskKey &key);
    void startQueuedDownloads();
    void startDownload(TaskRecord &record);
    void startResolvedDownload(const TaskKey &key, const VideoSource &source);
    void onDownloadProgress(const TaskKey &key, qint64 received, qint64 total);
    void onDownloadFinished(const TaskKey &key, const DownloadResult &result);
    void scheduleRetry(TaskRecord &record);
    void onRetryTimer();
    void watchIfPolling(const TaskRecord &record, qint64 dueMs = -1);
    QString renderFileName(const TaskRecord &record, const Account &account) const;
    void updateThroughput();

    QNetworkAccessManager *m_manager;
    Clock *m_clock;
    QPointer<TaskStore> m_store;   // a QPointer: the destructor still writes, if the store is alive
    Options m_options;
    TaskPoller *m_poller;
    VideoDownloader *m_downloader;
    QTimer *m_retryTimer;
    QTimer *m_throughputTimer;

    QHash<QString, Account> m_accounts;
    std::vector<TaskRecord> m_tasks;
    QHash<TaskKey, int> m_rows;
    QHash<TaskKey, qint64> m_polledSavedMs;   // lastPolledAt as last written to the store (-1: none)
    bool m_restoring = false;
    QTimer *m_restoreTimer = nullptr;
    QList<TaskRecord> m_restorePending;   // read, not yet adopted
    bool m_restoreReadAll = false;        // the store has handed over its last batch
    int m_restoreStepLimit = 0;           // rows adopted per step; 0: all
    std::function<bool(const TaskKey &)> m_restoreFilter;

    QList<TaskKey> m_downloadQueue;           // waiting for a download slot
    QSet<TaskKey> m_downloading;              // resolving, recording its partial path, or transferring
    QHash<TaskKey, quint64> m_recordingPartial; // download held until the store has its partial path
    quint64 m_recordingSerial = 0;
    QSet<TaskKey> m_awaitingFreshUrl;         // URL lapsed; a fresh query is on its way
    QHash<TaskKey, int> m_downloadAttempts;   // failures in a row, for the retry backoff
    QHash<TaskKey, qint64> m_retryAtMs;       // when to try a failed download (or fresh query) again
    QSet<TaskKey> m_refreshedOnce;            // already asked once for a fresh link since the last save
    QSet<TaskKey> m_expiredUrls;              // the current link was refused as expired
    struct Speed
    {
        qint64 lastBytes = 0;
        qint64 lastMs = 0;
        double bytesPerSecond = 0;
    };
    QHash<TaskKey, Speed> m_speeds;           // running downloads only
    qint64 m_bytesSinceTick = 0;
    qint64 m_lastTickMs = 0;
};

Q_DECLARE_OPERATORS_FOR_FLAGS(TaskEngine::Changes)
