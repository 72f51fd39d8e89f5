#include "taskengine.h"

#include "clock.h"
#include "downloadjob.h"
#include "filenamer.h"
#include "httpfetcher.h"
#include "logging.h"
#include "providerregistry.h"
#include "taskpoller.h"
#include "taskstore.h"
#include "urlexpiry.h"
#include "videodownloader.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QTimer>

#include <algorithm>
#include <limits>

using namespace Qt::StringLiterals;

namespace
{
constexpr int maxTaskIdLength = 256;
constexpr int throughputTickMs = 1000;
constexpr int restoreBatchIntervalMs = 20;   // between batches of tasks read at start-up
constexpr int restoreStepRows = 5000;         // at most this many restored rows per turn of the event loop
// A poll that changed nothing but the poll time is written at most this often per task.
constexpr qint64 pollTimeSaveIntervalMs = 10 * 60'000;

qint64 msOf(const QDateTime &time)
{
    return time.isValid() ? time.toMSecsSinceEpoch() : -1;
}
} // namespace

TaskEngine::TaskEngine(QNetworkAccessManager *manager, Clock *clock, TaskStore *store, QObject *parent)
    : TaskEngine(manager, clock, store, Options{}, parent)
{
}

TaskEngine::TaskEngine(QNetworkAccessManager *manager, Clock *clock, TaskStore *store, const Options &options,
                       QObject *parent)
    : QObject(parent), m_manager(manager), m_clock(clock), m_store(store), m_options(options),
      m_poller(new TaskPoller(manager, clock, this)), m_downloader(new VideoDownloader(manager, this)),
      m_retryTimer(new QTimer(this)), m_throughputTimer(new QTimer(this))
{
    // The engine keeps its own soonest-expiring-first queue, so the downloader never queues.
    m_downloader->setMaxConcurrent(std::max(1, m_options.maxConcurrentDownloads));

    connect(m_poller, &TaskPoller::polled, this, &TaskEngine::onPolled);
    connect(m_poller, &TaskPoller::accountHalted, this, [this](const QString &accountId, const QString &message) {
        for (TaskRecord &record : m_tasks) {
            if (record.key.accountId == accountId && isPollingState(record.state) && record.lastError != message) {
                record.lastError = message;
                commit(record, Change::Error);
            }
        }
        emit accountHalted(accountId, message);
    });

    connect(m_downloader, &VideoDownloader::progressed, this, &TaskEngine::onDownloadProgress);
    connect(m_downloader, &VideoDownloader::resumeInfoChanged, this,
            [this](const TaskKey &key, const QString &partialPath, const QByteArray &etag) {
                if (TaskRecord *record = mutableTask(key)) {
                    record->partialPath = partialPath;
                    record->etag = etag;
                    commit(*record, {});
                }
            });
    connect(m_downloader, &VideoDownloader::finished, this, &TaskEngine::onDownloadFinished);

    m_retryTimer->setSingleShot(true);
    connect(m_retryTimer, &QTimer::timeout, this, &TaskEngine::onRetryTimer);
    connect(m_clock, &Clock::jumped, this, &TaskEngine::onRetryTimer);

    m_throughputTimer->setInterval(throughputTickMs);
    connect(m_throughputTimer, &QTimer::timeout, this, &TaskEngine::updateThroughput);
}

TaskEngine::~TaskEngine()
{
    persistPollTimes();
}

void TaskEngine::persistPollTimes()
{
    if (!m_store)
        return;
    for (const TaskRecord &record : m_tasks) {
        const qint64 polledMs = msOf(record.lastPolledAt);
        const auto saved = m_polledSavedMs.constFind(record.key);
        if (polledMs >= 0 && saved != m_polledSavedMs.cend() && *saved != polledMs) {
            m_store->saveTask(record);
            m_polledSavedMs.insert(record.key, polledMs);
        }
    }
}

// ---- accounts -------------------------------------------------------------------------------

void TaskEngine::setAccount(const Account &account)
{
    m_accounts.insert(account.id, account);
    if (m_store)
        m_store->saveAccount(account);
    m_poller->setAccount(account);
}

void TaskEngine::removeAccount(const QString &accountId)
{
    m_poller->removeAccount(accountId);
    m_accounts.remove(accountId);
    if (m_store)
        m_store->removeAccount(accountId);
}

const Account *TaskEngine::account(const QString &accountId) const
{
    auto it = m_accounts.constFind(accountId);
    return it == m_accounts.cend() ? nullptr : &it.value();
}

bool TaskEngine::isAccountHalted(const QString &accountId) const
{
    return m_poller->isAccountHalted(accountId);
}

// ---- adding and restoring -------------------------------------------------------------------

bool TaskEngine::isAcceptableId(const QString &taskId, QString *reason)
{
    auto reject = [reason](const QString &why) {
        if (reason)
            *reason = why;
        return false;
    };
    if (taskId.isEmpty())
        return reject(QCoreApplication::translate("TaskEngine", "empty task ID"));
    if (taskId.size() > maxTaskIdLength)
        return reject(QCoreApplication::translate("TaskEngine", "longer than %1 characters, not a task ID")
                          .arg(maxTaskIdLength));
    for (const QChar c : taskId) {
        if (c.isSpace() || c.category() == QChar::Other_Control || c.category() == QChar::Other_NotAssigned
            || c == QChar::ReplacementCharacter) {
            return reject(QCoreApplication::translate("TaskEngine", "contains spaces or control characters"));
        }
    }
    return true;
}

TaskEngine::AddResult TaskEngine::addTasks(const QString &accountId, const QStringList &taskIds)
{
    // An ID still being read from the store is not new: know them all first.
    completeRestore();
    AddResult result;
    if (!m_accounts.contains(accountId)) {
        for (const QString &id : taskIds)
            result.rejected << tr("%1: no such account").arg(id.left(64));
        return result;
    }

    const int firstRow = taskCount();
    const QDateTime now = m_clock->nowUtc();
    for (const QString &rawId : taskIds) {
        const QString id = rawId.trimmed();
        QString reason;
        if (!isAcceptableId(id, &reason)) {
            result.rejected << u"%1: %2"_s.arg(id.left(64), reason);
            continue;
        }
        const TaskKey key{accountId, id};
        if (m_rows.contains(key)) {
            result.alreadyPresent << id;
            continue;
        }
        TaskRecord record;
        record.key = key;
        record.state = TaskState::Queued;
        record.addedAt = now;
        record.updatedAt = now;
        m_rows.insert(key, taskCount());
        m_tasks.push_back(record);
        result.added << key;
        // Durable before the first request goes out.
        if (m_store) {
            m_store->saveTask(record);
            m_store->appendEvent({key, now, TaskState::Queued, tr("Added")});
        }
    }
    if (!result.added.isEmpty()) {
        emit tasksAdded(firstRow, int(result.added.size()));
        for (const TaskKey &key : std::as_const(result.added))
            watchIfPolling(*mutableTask(key));
    }
    return result;
}

void TaskEngine::restoreFromStore(const std::function<bool(const TaskKey &)> &filter)
{
    if (!m_store)
        return;
    completeRestore();
    adoptRestored(m_store->loadTasks(), filter);
}

void TaskEngine::restoreFromStoreIncrementally(const std::function<bool(const TaskKey &)> &filter, int firstCount)
{
    if (!m_store || m_restoring)
        return;
    adoptRestored(m_store->loadTasksIncrementally(std::max(1, firstCount)), filter);
    if (!m_store->isLoadingTasks())
        return;
    m_restoring = true;
    m_restoreFilter = filter;
    m_restoreStepLimit = restoreStepRows;
    // Batches are taken on a timer rather than as each one is announced: the worker reads
    // faster than views take rows in, and a stream of posted notifications kept the window
    // from painting its first rows until the whole list was in.
    if (!m_restoreTimer) {
        m_restoreTimer = new QTimer(this);
        m_restoreTimer->setSingleShot(true);
        m_restoreTimer->setInterval(restoreBatchIntervalMs);
        connect(m_restoreTimer, &QTimer::timeout, this, &TaskEngine::takeRestoredBatch);
        connect(m_store, &TaskStore::loadedTasksAvailable, m_restoreTimer, [this] {
            if (!m_restoreTimer->isActive())
                m_restoreTimer->start();
        });
    }
}

void TaskEngine::completeRestore()
{
    if (!m_restoring)
        return;
    m_store->waitForLoadedTasks();
    m_restoreTimer->stop();
    m_restoreStepLimit = 0;
    takeRestoredBatch();
}

void TaskEngine::takeRestoredBatch()
{
    if (!m_restoring)
        return;
    bool finished = false;
    m_restorePending += m_store->takeLoadedTasks(&finished);
    m_restoreReadAll = m_restoreReadAll || finished;
    // A bounded step per turn of the event loop: 100,000 rows adopted at once would freeze
    // the window for a second; completeRestore() takes everything at once instead.
    const qsizetype count = m_restoreStepLimit > 0 ? std::min<qsizetype>(m_restorePending.size(), m_restoreStepLimit)
                                                   : m_restorePending.size();
    QList<TaskRecord> step = count == m_restorePending.size() ? std::exchange(m_restorePending, {})
                                                              : m_restorePending.mid(0, count);
    if (!m_restorePending.isEmpty())
        m_restorePending.remove(0, count);
    // Still "restoring" while the batch is announced, so views can tell it from new tasks.
    adoptRestored(std::move(step), m_restoreFilter);
    if (m_restoreReadAll && m_restorePending.isEmpty()) {
        m_restoring = false;
        m_restoreReadAll = false;
        m_restoreFilter = {};
        emit restoreFinished();
    } else if (!m_restorePending.isEmpty()) {
        m_restoreTimer->start();
    }
}

void TaskEngine::adoptRestored(QList<TaskRecord> &&records, const std::function<bool(const TaskKey &)> &filter)
{
    const int firstRow = taskCount();
    QList<TaskKey> restored;
    for (TaskRecord &record : records) {
        if (m_rows.contains(record.key) || (filter && !filter(record.key)))
            continue;
        // A download that was running when the process died resumes from its partial file.
        if (record.state == TaskState::Downloading)
            record.state = TaskState::Completed;
        m_rows.insert(record.key, taskCount());
        restored << record.key;
        m_tasks.push_back(std::move(record));
    }
    if (restored.isEmpty())
        return;
    emit tasksAdded(firstRow, int(restored.size()));

    for (const TaskKey &key : std::as_const(restored)) {
        TaskRecord &record = *mutableTask(key);
        const Account *owner = account(key.accountId);
        if (!owner)
            continue;
        if (isPollingState(record.state)) {
            qint64 due = -1;
            if (record.lastPolledAt.isValid()) {
                const ProviderAdapter *adapter = ProviderRegistry::instance().find(owner->providerName);
                const int interval = owner->intervalSeconds > 0 ? owner->intervalSeconds
                                                                : (adapter ? adapter->defaultIntervalSeconds() : 10);
                due = std::max(m_clock->nowMs(), record.lastPolledAt.toMSecsSinceEpoch() + interval * 1000LL);
            }
            watchIfPolling(record, due);
        } else if (record.state == TaskState::Completed && (owner->autoDownload || !record.partialPath.isEmpty())) {
            queueDownload(key);
        }
    }
}

void TaskEngine::watchIfPolling(const TaskRecord &record, qint64 dueMs)
{
    if (record.pollingPaused || !isPollingState(record.state))
        return;
    m_poller->watch(record.key, record.state, dueMs);
}

const TaskRecord *TaskEngine::task(const TaskKey &key) const
{
    const int row = rowOf(key);
    return row < 0 ? nullptr : &m_tasks[size_t(row)];
}

TaskRecord *TaskEngine::mutableTask(const TaskKey &key)
{
    const int row = rowOf(key);
    return row < 0 ? nullptr : &m_tasks[size_t(row)];
}

// ---- recording changes ----------------------------------------------------------------------

void TaskEngine::commit(TaskRecord &record, Changes changes)
{
    if (changes & ~Changes(Change::Polled))
        record.updatedAt = m_clock->nowUtc();
    if (m_store) {
        // Rewriting the whole row for each poll that only moved the poll time was a quarter of
        // a poll's cost. That time is kept in memory and written with the next real change,
        // every pollTimeSaveIntervalMs, and by persistPollTimes() at a clean exit. After a crash
        // the stored time is at most that old: restoreFromStore() then schedules the first poll
        // a little early, which is harmless (one extra query).
        const qint64 polledMs = msOf(record.lastPolledAt);
        const auto saved = m_polledSavedMs.constFind(record.key);
        const bool onlyPolled = changes == Changes(Change::Polled) && saved != m_polledSavedMs.cend()
                                && polledMs - *saved < pollTimeSaveIntervalMs;
        if (!onlyPolled) {
            m_store->saveTask(record);
            if (saved == m_polledSavedMs.cend() || *saved != polledMs)
                m_polledSavedMs.insert(record.key, polledMs);
        }
    }
    if (changes)
        emit taskChanged(rowOf(record.key), changes);
}

void TaskEngine::setState(TaskRecord &record, TaskState state, const QString &message, Changes changes)
{
    if (record.state != state) {
        record.state = state;
        changes |= Change::State;
        const TaskEvent event{record.key, m_clock->nowUtc(), state, message};
        if (m_store)
            m_store->appendEvent(event);
        emit taskEvent(event);
    }
    commit(record, changes);
}

void TaskEngine::recordEvent(const TaskRecord &record, const QString &message)
{
    const TaskEvent event{record.key, m_clock->nowUtc(), record.state, message};
    if (m_store)
        m_store->appendEvent(event);
    emit taskEvent(event);
}

QList<TaskEvent> TaskEngine::history(const TaskKey &key) const
{
    return m_store ? m_store->loadHistory(key) : QList<TaskEvent>{};
}

void TaskEngine::loadHistory(const TaskKey &key, QObject *context,
                             std::function<void(const QList<TaskEvent> &)> done) const
{
    if (m_store) {
        m_store->loadHistoryAsync(key, context, std::move(done));
        return;
    }
    QMetaObject::invokeMethod(context, [done = std::move(done)] { done({}); }, Qt::QueuedConnection);
}

// ---- polling results ------------------------------------------------------------------------

void TaskEngine::onPolled(const TaskKey &key, const PollResult &result)
{
    TaskRecord *record = mutableTask(key);
    if (!record)
        return;
    record->lastPolledAt = m_clock->nowUtc();
    Changes changes = Change::Polled;
    const bool freshQuery = m_awaitingFreshUrl.remove(key);

    switch (result.outcome) {
    case PollResult::Outcome::Snapshot: {
        const TaskSnapshot &snapshot = result.snapshot;
        const TaskSnapshot &old = record->snapshot;
        if (snapshot.progress != old.progress)
            changes |= Change::Progress;
        if (snapshot.model != old.model || snapshot.durationSeconds != old.durationSeconds
            || snapshot.resolution != old.resolution || snapshot.expiresAt != old.expiresAt
            || snapshot.source != old.source || snapshot.providerStatus != old.providerStatus) {
            changes |= Change::Details;
        }
        // Fields no view shows (createdAt...) still need a write, which a poll-time-only
        // change would put off (see commit()).
        if (changes == Changes(Change::Polled) && !(snapshot == old))
            changes |= Change::Details;
        if (record->retryCount != 0) {
            record->retryCount = 0;
            changes |= Change::Error;
        }
        const VideoSource previousSource = old.source;
        record->snapshot = snapshot;
        if (snapshot.state != TaskState::Failed && !record->lastError.isEmpty() && snapshot.errorMessage.isEmpty()) {
            record->lastError.clear();
            changes |= Change::Error;
        }

        switch (snapshot.state) {
        case TaskState::Unknown:
        case TaskState::Queued:
        case TaskState::Processing:
            if (isPollingState(record->state)) {
                const QString message = snapshot.state == TaskState::Unknown
                    ? tr("The provider reports an unknown status \"%1\"; still watching.").arg(snapshot.providerStatus)
                    : QString();
                setState(*record, snapshot.state, message, changes);
            } else {
                commit(*record, changes);
            }
            return;
        case TaskState::Completed:
            onVideoAvailable(*record, previousSource, freshQuery, changes);
            return;
        case TaskState::Failed: {
            const QString message = snapshot.errorMessage.isEmpty()
                ? tr("The provider reports that generation failed, without a reason.")
                : snapshot.errorMessage;
            record->lastError = message;
            setState(*record, TaskState::Failed, message, changes | Change::Error);
            return;
        }
        default:
            commit(*record, changes);
            return;
        }
    }
    case PollResult::Outcome::NotFound:
        record->lastError = result.message;
        setState(*record, freshQuery ? TaskState::Expired : TaskState::Failed, result.message, changes | Change::Error);
        return;
    case PollResult::Outcome::AuthRejected:
    case PollResult::Outcome::AccountBlocked:
        record->lastError = result.message;
        if (freshQuery)
            m_awaitingFreshUrl.insert(key); // asked again once the account works
        commit(*record, changes | Change::Error);
        return;
    case PollResult::Outcome::RateLimited:
    case PollResult::Outcome::TransientError:
        // One history entry per streak of errors, not one per failed poll.
        if (record->retryCount == 0)
            recordEvent(*record, tr("Asking again after an error: %1").arg(result.message));
        record->lastError = result.message;
        ++record->retryCount;
        if (freshQuery) {
            // pollNow() is one-shot: keep asking for the fresh URL on our own backoff.
            m_awaitingFreshUrl.insert(key);
            scheduleRetry(*record);
        }
        commit(*record, changes | Change::Error);
        return;
    }
}

void TaskEngine::onVideoAvailable(TaskRecord &record, const VideoSource &previousSource, bool freshQuery,
                                  Changes changes)
{
    const VideoSource &source = record.snapshot.source;
    const Account *owner = account(record.key.accountId);

    if (source.kind == VideoSource::Kind::Url || source.kind == VideoSource::Kind::Base64Endpoint) {
        if (record.videoUrl != source.url) {
            record.videoUrl = source.url;
            changes |= Change::Details;
        }
        QDateTime expiry = UrlExpiry::expiryOf(source.url);
        if (!expiry.isValid())
            expiry = record.snapshot.expiresAt;
        if (record.urlExpiresAt != expiry) {
            record.urlExpiresAt = expiry;
            changes |= Change::Details;
            if (expiry.isValid())
                recordEvent(record, tr("The video link is valid until %1 (UTC).")
                                        .arg(expiry.toString(u"yyyy-MM-dd HH:mm"_s)));
        }
    } else if (source.kind == VideoSource::Kind::InlineBase64 || source.kind == VideoSource::Kind::FileId) {
        if (record.snapshot.expiresAt.isValid() && record.urlExpiresAt != record.snapshot.expiresAt) {
            record.urlExpiresAt = record.snapshot.expiresAt;
            changes |= Change::Details;
        }
    }

    if (freshQuery) {
        // The same signed URL again cannot work: it already lapsed.
        if (!source.isValid() || (source.kind == VideoSource::Kind::Url && source == previousSource
                                  && m_expiredUrls.contains(record.key))) {
            const QString message = tr("The video link has expired and the provider gave no fresh one.");
            record.lastError = message;
            setState(record, TaskState::Expired, message, changes | Change::Error);
            return;
        }
        setState(record, TaskState::Completed, tr("Got a fresh video link"), changes);
        queueDownload(record.key);
        return;
    }

    if (record.state == TaskState::Downloading || record.state == TaskState::Saved
        || m_downloading.contains(record.key)) {
        commit(record, changes);
        return;
    }
    if (!source.isValid()) {
        record.lastError = record.snapshot.errorMessage.isEmpty()
            ? tr("The provider says the task is finished but gave no video to download.")
            : record.snapshot.errorMessage;
        changes |= Change::Error;
    }
    setState(record, TaskState::Completed, tr("Generation finished"), changes);
    if (source.isValid() && owner && owner->autoDownload)
        queueDownload(record.key);
}

// ---- downloads ------------------------------------------------------------------------------

void TaskEngine::queueDownload(const TaskKey &key)
{
    if (m_downloading.contains(key) || m_downloadQueue.contains(key))
        return;
    m_retryAtMs.remove(key);
    m_downloadQueue.append(key);
    startQueuedDownloads();
}

void TaskEngine::startQueuedDownloads()
{
    while (!m_downloadQueue.isEmpty() && m_downloading.size() < std::max(1, m_options.maxConcurrentDownloads)) {
        // Soonest-expiring first; links with no known expiry wait behind those that have one.
        auto expiryOf = [this](const TaskKey &key) {
            const TaskRecord *record = task(key);
            return record && record->urlExpiresAt.isValid() ? record->urlExpiresAt.toMSecsSinceEpoch()
                                                            : std::numeric_limits<qint64>::max();
        };
        auto next = std::min_element(m_downloadQueue.begin(), m_downloadQueue.end(),
                                     [&](const TaskKey &a, const TaskKey &b) { return expiryOf(a) < expiryOf(b); });
        const TaskKey key = *next;
        m_downloadQueue.erase(next);
        if (TaskRecord *record = mutableTask(key))
            startDownload(*record);
    }
}

void TaskEngine::startDownload(TaskRecord &record)
{
    const TaskKey key = record.key;
    const Account *owner = account(key.accountId);
    const VideoSource source = record.snapshot.source;
    if (!owner || !source.isValid()) {
        record.lastError = owner ? tr("There is no video to download for this task.")
                                 : tr("The account of this task is not configured.");
        commit(record, Change::Error);
        return;
    }
    m_downloading.insert(key);
    setState(record, TaskState::Downloading, tr("Downloading"));

    if (source.kind != VideoSource::Kind::FileId) {
        startResolvedDownload(key, source);
        return;
    }

    const ProviderAdapter *adapter = ProviderRegistry::instance().find(owner->providerName);
    const QUrl url = adapter ? adapter->resolveUrl(owner->baseUrl, key.taskId, source) : QUrl();
    if (!url.isValid()) {
        DownloadResult failure;
        failure.status = DownloadResult::Status::NetworkError;
        failure.message = tr("The provider's file id cannot be turned into a download link.");
        onDownloadFinished(key, failure);
        return;
    }
    auto *fetcher = HttpFetcher::get(m_manager, url, ApiCredentials(owner->baseUrl, owner->apiKey), this);
    connect(fetcher, &HttpFetcher::finished, this, [this, key, adapter](const HttpResponse &response) {
        if (!m_downloading.contains(key))
            return; // cancelled or removed meanwhile
        QString error;
        const VideoSource resolved = adapter->parseResolveReply(response, &error);
        if (!resolved.isValid()) {
            DownloadResult failure;
            failure.status = DownloadResult::Status::NetworkError;
            failure.message = error.isEmpty() ? tr("The provider did not say where the video file is.") : error;
            failure.httpStatus = response.statusCode;
            onDownloadFinished(key, failure);
            return;
        }
        if (TaskRecord *record = mutableTask(key)) {
            record->videoUrl = resolved.url;
            const QDateTime expiry = UrlExpiry::expiryOf(resolved.url);
            if (expiry.isValid())
                record->urlExpiresAt = expiry;
            commit(*record, Change::Details);
        }
        startResolvedDownload(key, resolved);
    });
}

void TaskEngine::startResolvedDownload(const TaskKey &key, const VideoSource &source)
{
    TaskRecord *record = mutableTask(key);
    const Account *owner = account(key.accountId);
    if (!record || !owner)
        return;
    DownloadRequest request;
    request.key = key;
    request.source = source;
    request.credentials = ApiCredentials(owner->baseUrl, owner->apiKey);
    request.directory = owner->downloadDir;
    request.fileName = renderFileName(*record, *owner);
    request.partialPath = record->partialPath;
    request.etag = record->etag;
    request.partialTotalBytes = record->bytesTotal;
    if (source.kind == VideoSource::Kind::Url)
        request.urlExpiresAt = UrlExpiry::expiryOf(source.url);
    request.allowHttp2 = m_options.allowHttp2;
    if (!m_throughputTimer->isActive()) {
        m_lastTickMs = m_clock->nowMs();
        m_bytesSinceTick = 0;
        m_throughputTimer->start();
    }

    // A fresh download's partial file is named and committed to the store before it is
    // created. Otherwise a kill between its creation and that commit leaves a partial (or,
    // later, a whole video) the next run does not know is this task's: it then downloads
    // again beside it as "<name> (2).mp4". Waiting never blocks: the writer says when.
    if (m_store && request.partialPath.isEmpty()) {
        QDir().mkpath(request.directory);
        const QString dir = QFileInfo(request.directory).canonicalFilePath();
        const QString path = dir.isEmpty() ? QString() : DownloadJob::freshPartialPath(dir, request, partialPathsInUse());
        if (!path.isEmpty()) {
            request.partialPath = path;
            request.partialIsNew = true;
            record->partialPath = path;
            record->etag.clear();
            commit(*record, {});
            const quint64 serial = ++m_recordingSerial;
            m_recordingPartial.insert(key, serial);
            // Had the commit failed, the store cannot remember anything now: a saved video
            // is still worth more than the duplicate a crash might then leave.
            m_store->whenWritten(this, [this, key, serial, request](bool) {
                if (m_recordingPartial.value(key) != serial)
                    return; // removed meanwhile
                m_recordingPartial.remove(key);
                if (m_downloading.contains(key))
                    m_downloader->start(request);
            });
            return;
        }
        // No folder, or no free name: the download itself reports why.
    }
    m_downloader->start(request);
}

void TaskEngine::onDownloadProgress(const TaskKey &key, qint64 received, qint64 total)
{
    TaskRecord *record = mutableTask(key);
    if (!record)
        return;
    if (received > record->bytesReceived)
        m_bytesSinceTick += received - record->bytesReceived;
    // Per-row speed, smoothed so the number does not flicker between progress reports.
    const qint64 now = m_clock->nowMs();
    Speed &speed = m_speeds[key];
    if (speed.lastMs == 0 || received < speed.lastBytes) {
        speed = Speed{received, now, 0};
    } else if (now - speed.lastMs >= 250) {
        const double instant = double(received - speed.lastBytes) * 1000.0 / double(now - speed.lastMs);
        speed.bytesPerSecond = speed.bytesPerSecond > 0 ? 0.6 * speed.bytesPerSecond + 0.4 * instant : instant;
        speed.lastBytes = received;
        speed.lastMs = now;
    }
    record->bytesReceived = received;
    record->bytesTotal = total;
    commit(*record, Change::Progress);
}

void TaskEngine::onDownloadFinished(const TaskKey &key, const DownloadResult &result)
{
    m_downloading.remove(key);
    m_speeds.remove(key);
    TaskRecord *record = mutableTask(key);
    if (record) {
        switch (result.status) {
        case DownloadResult::Status::Saved:
            record->filePath = result.filePath;
            record->sha256Hex = result.sha256Hex;
            record->bytesReceived = result.bytes;
            record->bytesTotal = result.bytes;
            record->partialPath.clear();
            record->etag.clear();
            record->lastError.clear();
            m_downloadAttempts.remove(key);
            m_refreshedOnce.remove(key);
            m_expiredUrls.remove(key);
            setState(*record, TaskState::Saved, tr("Saved to %1").arg(result.filePath),
                     Change::File | Change::Progress | Change::Error);
            emit taskSaved(key, result);
            break;
        case DownloadResult::Status::UrlExpired:
        case DownloadResult::Status::InvalidContent:
            record->partialPath = result.partialPath;
            record->etag = result.etag;
            record->lastError = result.message;
            if (!m_refreshedOnce.contains(key)) {
                // One fresh query: signed links lapse, and a new one is often to be had.
                m_refreshedOnce.insert(key);
                if (result.status == DownloadResult::Status::UrlExpired)
                    m_expiredUrls.insert(key);
                m_awaitingFreshUrl.insert(key);
                setState(*record, TaskState::Completed, tr("%1 Asking the provider for a fresh link.").arg(result.message),
                         Change::Error);
                m_poller->pollNow(key);
            } else if (result.status == DownloadResult::Status::UrlExpired) {
                const QString message =
                    tr("The video link has expired and the provider gave no fresh one (%1).").arg(result.message);
                record->lastError = message;
                setState(*record, TaskState::Expired, message, Change::Error);
            } else {
                setState(*record, TaskState::Failed, result.message, Change::Error);
            }
            break;
        case DownloadResult::Status::Cancelled:
            record->partialPath = result.partialPath;
            record->lastError = tr("Download cancelled.");
            setState(*record, TaskState::Completed, record->lastError, Change::Error);
            break;
        case DownloadResult::Status::DiskFull:
        case DownloadResult::Status::WriteError:
        case DownloadResult::Status::NetworkError:
        case DownloadResult::Status::SizeMismatch:
            record->partialPath = result.partialPath;
            record->etag = result.etag;
            record->bytesReceived = result.bytes;
            record->lastError = result.message;
            if (++m_downloadAttempts[key] > m_options.maxDownloadRetries) {
                const QString message = tr("Could not save the video after %1 attempts: %2")
                                            .arg(m_options.maxDownloadRetries)
                                            .arg(result.message);
                record->lastError = message;
                m_downloadAttempts.remove(key);
                setState(*record, TaskState::Failed, message, Change::Error);
            } else {
                setState(*record, TaskState::Completed, result.message, Change::Error | Change::Progress);
                scheduleRetry(*record);
            }
            break;
        }
    }
    if (m_downloading.isEmpty() && m_downloadQueue.isEmpty())
        m_throughputTimer->stop(), emit throughputChanged(0);
    startQueuedDownloads();
}

void TaskEngine::scheduleRetry(TaskRecord &record)
{
    const int attempt = std::max(1, std::max(m_downloadAttempts.value(record.key), record.retryCount));
    const qint64 delay =
        std::min(m_options.downloadRetryMaxMs, m_options.downloadRetryBaseMs << std::min(attempt - 1, 20));
    m_retryAtMs.insert(record.key, m_clock->nowMs() + delay);
    onRetryTimer();
}

void TaskEngine::onRetryTimer()
{
    const qint64 now = m_clock->nowMs();
    qint64 next = std::numeric_limits<qint64>::max();
    QList<TaskKey> due;
    for (auto it = m_retryAtMs.cbegin(); it != m_retryAtMs.cend(); ++it) {
        if (it.value() <= now)
            due << it.key();
        else
            next = std::min(next, it.value());
    }
    for (const TaskKey &key : std::as_const(due)) {
        m_retryAtMs.remove(key);
        if (m_awaitingFreshUrl.contains(key))
            m_poller->pollNow(key);
        else
            queueDownload(key);
    }
    if (next != std::numeric_limits<qint64>::max())
        m_retryTimer->start(int(std::min<qint64>(next - now, std::numeric_limits<int>::max())));
    else
        m_retryTimer->stop();
}

bool TaskEngine::hasPendingWork(const TaskKey &key) const
{
    return m_poller->isWatching(key) || m_downloading.contains(key) || m_downloadQueue.contains(key)
        || m_retryAtMs.contains(key) || m_awaitingFreshUrl.contains(key);
}

// ---- user actions ---------------------------------------------------------------------------

void TaskEngine::download(const TaskKey &key)
{
    TaskRecord *record = mutableTask(key);
    if (!record || !record->snapshot.source.isValid() || record->state == TaskState::Saved)
        return;
    m_downloadAttempts.remove(key);
    m_refreshedOnce.remove(key);
    queueDownload(key);
}

void TaskEngine::pollNow(const TaskKey &key)
{
    if (mutableTask(key))
        m_poller->pollNow(key);
}

void TaskEngine::retry(const TaskKey &key)
{
    TaskRecord *record = mutableTask(key);
    if (!record || (record->state != TaskState::Failed && record->state != TaskState::Expired))
        return;
    m_downloadAttempts.remove(key);
    m_refreshedOnce.remove(key);
    m_expiredUrls.remove(key);
    record->lastError.clear();
    if (record->snapshot.state == TaskState::Completed && record->snapshot.source.isValid()) {
        // The video exists: ask for a fresh link and save it.
        m_awaitingFreshUrl.insert(key);
        setState(*record, TaskState::Completed, tr("Retrying"), Change::Error);
        m_poller->pollNow(key);
    } else {
        setState(*record, TaskState::Queued, tr("Retrying"), Change::Error);
        watchIfPolling(*record);
    }
}

void TaskEngine::setPollingPaused(const TaskKey &key, bool paused)
{
    TaskRecord *record = mutableTask(key);
    if (!record || record->pollingPaused == paused)
        return;
    record->pollingPaused = paused;
    if (paused)
        m_poller->unwatch(key);
    else
        watchIfPolling(*record);
    commit(*record, Change::State);
}

void TaskEngine::removeTask(const TaskKey &key)
{
    const int row = rowOf(key);
    if (row < 0)
        return;
    emit taskAboutToBeRemoved(row);
    m_poller->unwatch(key);
    m_downloader->cancel(key);
    m_downloading.remove(key);
    m_recordingPartial.remove(key);
    m_speeds.remove(key);
    m_downloadQueue.removeAll(key);
    m_awaitingFreshUrl.remove(key);
    m_retryAtMs.remove(key);
    m_downloadAttempts.remove(key);
    m_refreshedOnce.remove(key);
    m_expiredUrls.remove(key);
    if (m_store)
        m_store->removeTask(key);
    m_tasks.erase(m_tasks.begin() + row);
    m_rows.remove(key);
    m_polledSavedMs.remove(key);
    for (int i = row; i < taskCount(); ++i)
        m_rows[m_tasks[size_t(i)].key] = i;
    emit taskRemoved(row);
}

QSet<QString> TaskEngine::partialPathsInUse() const
{
    QSet<QString> paths;
    for (const TaskRecord &record : m_tasks) {
        if (!record.partialPath.isEmpty())
            paths.insert(record.partialPath);
    }
    return paths;
}

QStringList TaskEngine::downloadFolders() const
{
    QStringList folders;
    for (const Account &account : m_accounts) {
        if (!account.downloadDir.isEmpty() && !folders.contains(account.downloadDir))
            folders << account.downloadDir;
    }
    return folders;
}

// ---- helpers --------------------------------------------------------------------------------

QString TaskEngine::renderFileName(const TaskRecord &record, const Account &owner) const
{
    const TaskSnapshot &snapshot = record.snapshot;
    QHash<QString, QString> fields;
    fields.insert(u"id"_s, record.key.taskId);
    fields.insert(u"account"_s, owner.displayName);
    fields.insert(u"provider"_s, owner.providerName);
    fields.insert(u"model"_s, snapshot.model);
    const QDateTime added = record.addedAt.isValid() ? record.addedAt.toLocalTime() : QDateTime::currentDateTime();
    fields.insert(u"date"_s, added.toString(u"yyyy-MM-dd"_s));
    fields.insert(u"time"_s, added.toString(u"HH-mm-ss"_s));
    fields.insert(u"duration"_s,
                  snapshot.durationSeconds >= 0 ? QString::number(snapshot.durationSeconds) + u's' : QString());
    fields.insert(u"resolution"_s, snapshot.resolution.isValid() ? u"%1x%2"_s.arg(snapshot.resolution.width())
                                                                          .arg(snapshot.resolution.height())
                                                                    : QString());
    const QString templ = owner.fileNameTemplate.isEmpty() ? u"{id}"_s : owner.fileNameTemplate;
    return FileNamer::render(templ, fields);
}

void TaskEngine::updateThroughput()
{
    const qint64 now = m_clock->nowMs();
    const qint64 elapsed = std::max<qint64>(1, now - m_lastTickMs);
    emit throughputChanged(double(m_bytesSinceTick) * 1000.0 / double(elapsed));
    m_bytesSinceTick = 0;
    m_lastTickMs = now;
}
