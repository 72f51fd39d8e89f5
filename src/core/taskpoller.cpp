#include "taskpoller.h"

#include "apicredentials.h"
#include "clock.h"
#include "httpfetcher.h"
#include "logging.h"
#include "providerregistry.h"
#include "requestbudget.h"

#include <QNetworkAccessManager>
#include <QPointer>
#include <QRandomGenerator>
#include <QSet>
#include <QTimer>

#include <algorithm>
#include <limits>
#include <map>
#include <unordered_map>
#include <utility>

using namespace Qt::StringLiterals;

namespace
{
constexpr qint64 Never = std::numeric_limits<qint64>::max();
// A thousand pasted IDs are spread over at most this long before their first query.
constexpr qint64 FirstPollSpreadMaxMs = 5'000;
// A provider hint or a Retry-After below this would turn into a tight loop.
constexpr qint64 MinPollHintMs = 1'000;
constexpr qint64 MinRetryAfterMs = 1'000;
// A Retry-After date far ahead is more likely a skewed clock than a real request to stay away
// for days; an hour keeps the account usable without hammering.
constexpr qint64 MaxRetryAfterMs = 3'600'000;
// The timer never sleeps longer than this, so a suspended machine or a changed wall clock is
// noticed within a minute.
constexpr qint64 MaxTimerDelayMs = 60'000;
constexpr int DefaultIntervalSeconds = 10;

// Position in a due-ordered container: (due ms, insertion sequence). The sequence keeps tasks
// that share a due time in first-come order and makes every slot unique, so a task is removed
// in O(log n) without scanning its neighbours.
using Slot = std::pair<qint64, quint64>;
using Queue = std::map<Slot, TaskKey>;

struct TaskKeyHash
{
    size_t operator()(const TaskKey &key) const noexcept { return qHash(key); }
};
struct StringHash
{
    size_t operator()(const QString &s) const noexcept { return qHash(s); }
};
} // namespace

// Tasks wait in one of two due-ordered maps: the global schedule until their time comes, then
// their account's ready queue until the host, the account's budget and key probe let a query
// go. Accounts and hosts are few; tasks are many, and nothing walks over all tasks.
struct TaskPoller::Private
{
    enum class Place
    {
        Nowhere,   // transitional only
        Scheduled, // in dueQueue, waiting for its time
        Ready,     // due, in its account's ready queue, waiting for the host or the budget
        InFlight,
        Parked     // account halted or not (yet) known: no polling until setAccount()
    };

    struct Task
    {
        TaskState state = TaskState::Unknown;
        bool watched = false; // false: a one-shot pollNow() of an unwatched task
        Place place = Place::Nowhere;
        Slot slot{};
        qint64 earliestMs = 0; // Scheduled: may be taken from this clock time (coalescing)
        QString host;         // InFlight: the origin whose request slot it holds
        HttpFetcher *fetcher = nullptr;
        int failures = 0;     // consecutive transient errors (backoff exponent)
    };

    struct Host
    {
        int inFlight = 0;
        qint64 pausedUntilMs = 0; // Retry-After / rate-limit backoff for the whole origin
        int rateLimitStrikes = 0; // consecutive rate limits without Retry-After
    };

    struct AccountState
    {
        Account account;
        const ProviderAdapter *adapter = nullptr;
        QUrl baseUrl;
        ApiCredentials credentials;
        QString host;
        RequestBudget budget;
        Queue ready;
        int inFlight = 0;
        // Until the provider has once accepted the key, only one query of the account is in
        // flight: a wrong key then costs maxAuthFailures requests, not one per task.
        bool keyConfirmed = false;
        int authFailures = 0;
        qint64 probeNotBeforeMs = 0;
        bool halted = false;
        PollResult::Outcome haltOutcome = PollResult::Outcome::AuthRejected;
        QString haltMessage;
    };

    Private(TaskPoller *poller, QNetworkAccessManager *nam, Clock *clk, const Options &opts);

    qint64 now() const { return clock->nowMs(); }
    AccountState *account(const QString &id);
    Host &host(const QString &origin) { return hosts[origin]; }

    double jitterFactor();
    qint64 intervalMs(const AccountState *acc, TaskState state) const;
    qint64 firstPollDueMs(const AccountState *acc, TaskState state);
    qint64 backoffMs(int failures);
    // When the account may send its next query as far as time is concerned (-1: never, halted).
    qint64 sendableAtMs(const AccountState &acc, qint64 nowMs);
    bool hasFreeSlot(const AccountState &acc);

    Task *createTask(const TaskKey &key);
    void schedule(const TaskKey &key, Task &task, qint64 dueMs);
    void makeReady(const TaskKey &key, Task &task);
    void detach(const TaskKey &key, Task &task);
    void park(const TaskKey &key, Task &task);
    void dropTask(const TaskKey &key);
    QList<TaskKey> tasksOf(const QString &accountId) const;

    void dispatch(const QString &origin, qint64 nowMs);
    void start(const TaskKey &key, Task &task, AccountState &acc, qint64 nowMs);
    void onFinished(const TaskKey &key, HttpFetcher *fetcher, const HttpResponse &response);
    bool halt(const QString &accountId, PollResult::Outcome outcome, const QString &message);
    void resumeParked(const QString &accountId);
    void abortQueries(const QString &accountId);

    void process();
    void arm();
    void deliverLater(const TaskKey &key, const PollResult &result);

    TaskPoller *q;
    QNetworkAccessManager *manager;
    Clock *clock;
    Options options;
    QTimer timer;
    qint64 armedForMs = Never;
    QRandomGenerator rng;
    quint64 sequence = 0;
    bool processing = false;
    bool processAgain = false;

    // std::unordered_map: references stay valid while other entries are inserted.
    std::unordered_map<TaskKey, Task, TaskKeyHash> tasks;
    QHash<QString, QSet<QString>> tasksByAccount; // every entry, watched or one-shot
    std::unordered_map<QString, AccountState, StringHash> accounts;
    std::unordered_map<QString, Host, StringHash> hosts;
    Queue dueQueue; // every scheduled task by due time; the one timer is armed for its front
    int watchedCount = 0;
    int inFlightTotal = 0;
};

TaskPoller::Private::Private(TaskPoller *poller, QNetworkAccessManager *nam, Clock *clk, const Options &opts)
    : q(poller), manager(nam), clock(clk), options(opts), rng(QRandomGenerator::global()->generate())
{
    options.maxInFlightPerHost = qMax(1, options.maxInFlightPerHost);
    options.coalesceMaxMs = qMax<qint64>(0, options.coalesceMaxMs);
    options.maxAuthFailures = qMax(1, options.maxAuthFailures);
    options.jitterFraction = std::clamp(options.jitterFraction, 0.0, 0.9);
    options.queuedIntervalFactor = qMax(1.0, options.queuedIntervalFactor);
    options.backoffBaseMs = qMax<qint64>(1, options.backoffBaseMs);
    options.backoffMaxMs = qMax(options.backoffBaseMs, options.backoffMaxMs);
    timer.setSingleShot(true);
}

TaskPoller::Private::AccountState *TaskPoller::Private::account(const QString &id)
{
    const auto it = accounts.find(id);
    return it == accounts.end() ? nullptr : &it->second;
}

double TaskPoller::Private::jitterFactor()
{
    return 1.0 + options.jitterFraction * (2.0 * rng.generateDouble() - 1.0);
}

qint64 TaskPoller::Private::intervalMs(const AccountState *acc, TaskState state) const
{
    int seconds = 0;
    if (acc) {
        seconds = acc->account.intervalSeconds;
        if (seconds <= 0 && acc->adapter)
            seconds = acc->adapter->defaultIntervalSeconds();
    }
    if (seconds <= 0)
        seconds = DefaultIntervalSeconds;
    double ms = seconds * 1000.0;
    if (state == TaskState::Queued || state == TaskState::Unknown)
        ms *= options.queuedIntervalFactor;
    return qint64(ms);
}

qint64 TaskPoller::Private::firstPollDueMs(const AccountState *acc, TaskState state)
{
    const qint64 spread = qMin(intervalMs(acc, state), FirstPollSpreadMaxMs);
    return now() + qint64(rng.generateDouble() * double(spread));
}

qint64 TaskPoller::Private::backoffMs(int failures)
{
    qint64 delay = options.backoffBaseMs;
    for (int i = 1; i < failures && delay < options.backoffMaxMs; ++i)
        delay *= 2;
    delay = qMin(delay, options.backoffMaxMs);
    // Jitter after the cap, then cap again: tasks that all hit the cap still spread out below it.
    delay = qMin(qint64(double(delay) * jitterFactor()), options.backoffMaxMs);
    return qMax<qint64>(1, delay);
}

qint64 TaskPoller::Private::sendableAtMs(const AccountState &acc, qint64 nowMs)
{
    if (acc.halted || !acc.adapter)
        return -1;
    qint64 at = qMax(host(acc.host).pausedUntilMs, acc.budget.availableAtMs(nowMs));
    if (!acc.keyConfirmed)
        at = qMax(at, acc.probeNotBeforeMs);
    return qMax(at, nowMs);
}

bool TaskPoller::Private::hasFreeSlot(const AccountState &acc)
{
    if (!acc.keyConfirmed && acc.inFlight > 0)
        return false;
    return host(acc.host).inFlight < options.maxInFlightPerHost;
}

TaskPoller::Private::Task *TaskPoller::Private::createTask(const TaskKey &key)
{
    auto [it, inserted] = tasks.try_emplace(key);
    if (inserted)
        tasksByAccount[key.accountId].insert(key.taskId);
    return &it->second;
}

void TaskPoller::Private::schedule(const TaskKey &key, Task &task, qint64 dueMs)
{
    detach(key, task);
    task.slot = {dueMs, ++sequence};
    task.earliestMs = dueMs - std::clamp<qint64>((dueMs - now()) / 20, 0, options.coalesceMaxMs);
    task.place = Place::Scheduled;
    dueQueue.emplace(task.slot, key);
}

void TaskPoller::Private::makeReady(const TaskKey &key, Task &task)
{
    AccountState *acc = account(key.accountId);
    if (!acc || acc->halted) {
        park(key, task);
        return;
    }
    // Keeps the slot it had in the schedule: whoever was due first goes first.
    acc->ready.emplace(task.slot, key);
    task.place = Place::Ready;
}

void TaskPoller::Private::detach(const TaskKey &key, Task &task)
{
    switch (task.place) {
    case Place::Scheduled:
        dueQueue.erase(task.slot);
        break;
    case Place::Ready:
        if (AccountState *acc = account(key.accountId))
            acc->ready.erase(task.slot);
        break;
    case Place::InFlight:
        if (task.fetcher) {
            task.fetcher->disconnect(q);
            task.fetcher->abort();
            task.fetcher = nullptr;
        }
        --host(task.host).inFlight;
        --inFlightTotal;
        if (AccountState *acc = account(key.accountId))
            --acc->inFlight;
        break;
    case Place::Nowhere:
    case Place::Parked:
        break;
    }
    task.place = Place::Nowhere;
}

void TaskPoller::Private::park(const TaskKey &key, Task &task)
{
    detach(key, task);
    task.place = Place::Parked;
}

void TaskPoller::Private::dropTask(const TaskKey &key)
{
    const auto it = tasks.find(key);
    if (it == tasks.end())
        return;
    detach(key, it->second);
    if (it->second.watched)
        --watchedCount;
    tasks.erase(it);
    const auto byAccount = tasksByAccount.find(key.accountId);
    if (byAccount != tasksByAccount.end()) {
        byAccount->remove(key.taskId);
        if (byAccount->isEmpty())
            tasksByAccount.erase(byAccount);
    }
}

QList<TaskKey> TaskPoller::Private::tasksOf(const QString &accountId) const
{
    QList<TaskKey> keys;
    const QSet<QString> ids = tasksByAccount.value(accountId);
    keys.reserve(ids.size());
    for (const QString &id : ids)
        keys.append(TaskKey{accountId, id});
    return keys;
}

// Fills the host's free request slots, always with the earliest-due ready task among the
// accounts on that host that may send now. O(accounts on the host + log n) per query started.
void TaskPoller::Private::dispatch(const QString &origin, qint64 nowMs)
{
    Host &h = host(origin);
    while (h.inFlight < options.maxInFlightPerHost && h.pausedUntilMs <= nowMs) {
        AccountState *best = nullptr;
        for (auto &[id, acc] : accounts) {
            if (acc.host != origin || acc.ready.empty() || !hasFreeSlot(acc) || sendableAtMs(acc, nowMs) != nowMs)
                continue;
            if (!best || acc.ready.begin()->first < best->ready.begin()->first)
                best = &acc;
        }
        if (!best)
            return;
        const TaskKey key = best->ready.begin()->second;
        best->ready.erase(best->ready.begin());
        Task &task = tasks.at(key);
        task.place = Place::Nowhere;
        start(key, task, *best, nowMs);
    }
}

void TaskPoller::Private::start(const TaskKey &key, Task &task, AccountState &acc, qint64 nowMs)
{
    const QUrl url = acc.adapter->queryUrl(acc.baseUrl, key.taskId);
    HttpFetcher::Options fetchOptions;
    fetchOptions.inactivityTimeoutMs = options.requestTimeoutMs;
    HttpFetcher *fetcher = HttpFetcher::get(manager, url, acc.credentials, fetchOptions, q);

    task.place = Place::InFlight;
    task.fetcher = fetcher;
    task.host = acc.host;
    ++host(acc.host).inFlight;
    ++acc.inFlight;
    ++inFlightTotal;
    acc.budget.record(nowMs);

    QObject::connect(fetcher, &HttpFetcher::finished, q,
                     [this, key, fetcher](const HttpResponse &response) { onFinished(key, fetcher, response); });
    // Host and path only: the key travels in a header and never reaches a log.
    qCDebug(lcPoll).noquote() << "query" << url.host() << url.path();
    emit q->pollStarted(key);
}

void TaskPoller::Private::onFinished(const TaskKey &key, HttpFetcher *fetcher, const HttpResponse &response)
{
    const auto it = tasks.find(key);
    if (it == tasks.end() || it->second.fetcher != fetcher)
        return; // aborted or superseded
    Task &task = it->second;
    task.fetcher = nullptr;
    task.place = Place::Nowhere;
    Host &h = host(task.host);
    --h.inFlight;
    --inFlightTotal;

    AccountState *acc = account(key.accountId);
    if (!acc || !acc->adapter) {
        // removeAccount() and setAccount() abort the queries they void; this is a safety net.
        if (task.watched)
            task.place = Place::Parked;
        else
            dropTask(key);
        process();
        return;
    }
    --acc->inFlight;

    const PollResult result = acc->adapter->parseQueryReply(response);
    const qint64 nowMs = now();
    bool keep = task.watched;
    bool halted = false;
    QString haltMessage;

    switch (result.outcome) {
    case PollResult::Outcome::Snapshot:
        acc->keyConfirmed = true;
        acc->authFailures = 0;
        h.rateLimitStrikes = 0;
        task.failures = 0;
        if (!isPollingState(result.snapshot.state)) {
            keep = false; // nothing after a terminal state, ever
        } else if (keep) {
            task.state = result.snapshot.state;
            const qint64 delay = result.nextPollHintMs >= 0
                                     ? qMax(result.nextPollHintMs, MinPollHintMs)
                                     : qint64(double(intervalMs(acc, task.state)) * jitterFactor());
            schedule(key, task, nowMs + delay);
        }
        break;
    case PollResult::Outcome::NotFound:
        acc->keyConfirmed = true;
        acc->authFailures = 0;
        h.rateLimitStrikes = 0;
        keep = false;
        break;
    case PollResult::Outcome::RateLimited: {
        const qint64 pause = result.retryAfterMs >= 0
                                 ? std::clamp(result.retryAfterMs, MinRetryAfterMs, MaxRetryAfterMs)
                                 : backoffMs(++h.rateLimitStrikes);
        h.pausedUntilMs = qMax(h.pausedUntilMs, nowMs + pause);
        qCDebug(lcPoll) << "host rate-limited for" << pause << "ms";
        if (keep)
            schedule(key, task, h.pausedUntilMs);
        break;
    }
    case PollResult::Outcome::TransientError:
        ++task.failures;
        if (keep)
            schedule(key, task, nowMs + backoffMs(task.failures));
        break;
    case PollResult::Outcome::AuthRejected:
        acc->keyConfirmed = false;
        if (++acc->authFailures >= options.maxAuthFailures) {
            haltMessage = result.message.isEmpty() ? TaskPoller::tr("The provider rejected the API key.")
                                                   : result.message;
            halted = halt(key.accountId, result.outcome, haltMessage);
        } else {
            // The next probe waits: a key that just propagated gets a moment, a wrong one
            // does not get hammered.
            const qint64 delay = backoffMs(acc->authFailures);
            acc->probeNotBeforeMs = nowMs + delay;
            if (keep)
                schedule(key, task, nowMs + delay);
        }
        break;
    case PollResult::Outcome::AccountBlocked:
        haltMessage = result.message.isEmpty() ? TaskPoller::tr("The provider refused the account.") : result.message;
        halted = halt(key.accountId, result.outcome, haltMessage);
        break;
    }

    // halt() has already parked or dropped this task.
    if (!keep && !halted)
        dropTask(key);

    QPointer<TaskPoller> alive(q);
    emit q->polled(key, result);
    if (!alive)
        return;
    if (halted) {
        emit q->accountHalted(key.accountId, haltMessage);
        if (!alive)
            return;
    }
    process();
}

// Returns true when the account was running and is halted now (accountHalted() is due once).
bool TaskPoller::Private::halt(const QString &accountId, PollResult::Outcome outcome, const QString &message)
{
    AccountState *acc = account(accountId);
    if (!acc || acc->halted)
        return false;
    acc->halted = true;
    acc->haltOutcome = outcome;
    acc->haltMessage = message;
    acc->keyConfirmed = false;
    qCInfo(lcPoll) << "account" << accountId << "halted:" << message;
    for (const TaskKey &key : tasksOf(accountId)) {
        Task &task = tasks.at(key);
        if (task.watched)
            park(key, task); // aborts its query: nothing more reaches the provider
        else
            dropTask(key);
    }
    return true;
}

void TaskPoller::Private::resumeParked(const QString &accountId)
{
    AccountState *acc = account(accountId);
    for (const TaskKey &key : tasksOf(accountId)) {
        Task &task = tasks.at(key);
        if (task.place == Place::Parked)
            schedule(key, task, firstPollDueMs(acc, task.state));
    }
}

// The account's key, address or provider changed: queries under the old settings are void and
// are asked again soon under the new ones.
void TaskPoller::Private::abortQueries(const QString &accountId)
{
    AccountState *acc = account(accountId);
    for (const TaskKey &key : tasksOf(accountId)) {
        Task &task = tasks.at(key);
        if (task.place == Place::InFlight)
            schedule(key, task, firstPollDueMs(acc, task.state));
    }
}

// Moves every task whose time has come to its account's ready queue, then fills free request
// slots. O(k log n) for k due tasks plus O(accounts); nothing walks over all tasks.
void TaskPoller::Private::process()
{
    if (processing) {
        processAgain = true;
        return;
    }
    processing = true;
    do {
        processAgain = false;
        const qint64 nowMs = now();
        // The timer wakes for the front's due time; whatever is due soon after it and may go a
        // little early goes along, so a thousand staggered polls cost a few wake-ups a second.
        while (!dueQueue.empty()) {
            const TaskKey key = dueQueue.begin()->second;
            Task &task = tasks.at(key);
            if (dueQueue.begin()->first.first > nowMs && task.earliestMs > nowMs)
                break;
            dueQueue.erase(dueQueue.begin());
            task.place = Place::Nowhere;
            makeReady(key, task);
        }
        QSet<QString> origins;
        for (const auto &[id, acc] : accounts) {
            if (!acc.ready.empty() && !acc.halted)
                origins.insert(acc.host);
        }
        // pollStarted() handlers may watch or unwatch: processAgain catches what they change.
        for (const QString &origin : std::as_const(origins))
            dispatch(origin, nowMs);
    } while (processAgain);
    processing = false;
    arm();
}

// One timer for everything, armed for the earliest moment something can happen: the front of
// the schedule, or when a waiting account's host pause, budget or key probe delay runs out.
// A due time moved later leaves the timer early; it then finds nothing to do and re-arms,
// which is cheaper than re-arming on every change.
void TaskPoller::Private::arm()
{
    const qint64 nowMs = now();
    qint64 next = dueQueue.empty() ? Never : dueQueue.begin()->first.first;
    for (const auto &[id, acc] : accounts) {
        // Waiting only for a slot: the query that holds it wakes us when it ends.
        if (acc.ready.empty() || !hasFreeSlot(acc))
            continue;
        const qint64 at = sendableAtMs(acc, nowMs);
        if (at >= 0)
            next = qMin(next, at);
    }
    if (next == Never) {
        timer.stop();
        armedForMs = Never;
        return;
    }
    // armedForMs < now: a ManualClock jumped past it while the real timer may still be far off.
    if (timer.isActive() && armedForMs <= next && armedForMs >= nowMs)
        return;
    const qint64 delay = std::clamp<qint64>(next - nowMs, 0, MaxTimerDelayMs);
    armedForMs = nowMs + delay;
    timer.start(int(delay));
}

void TaskPoller::Private::deliverLater(const TaskKey &key, const PollResult &result)
{
    QMetaObject::invokeMethod(
        q, [poller = q, key, result] { emit poller->polled(key, result); }, Qt::QueuedConnection);
}

TaskPoller::TaskPoller(QNetworkAccessManager *manager, Clock *clock, QObject *parent)
    : TaskPoller(manager, clock, Options{}, parent)
{
}

TaskPoller::TaskPoller(QNetworkAccessManager *manager, Clock *clock, const Options &options, QObject *parent)
    : QObject(parent)
{
    if (!manager)
        manager = new QNetworkAccessManager(this);
    if (!clock)
        clock = new SystemClock(this);
    d = std::make_unique<Private>(this, manager, clock, options);
    connect(&d->timer, &QTimer::timeout, this, [this] {
        d->armedForMs = Never;
        d->process();
    });
    // A test's ManualClock moves without the timer noticing: look at the schedule right away.
    connect(clock, &Clock::jumped, this, [this] { d->process(); });
}

TaskPoller::~TaskPoller()
{
    for (auto &[key, task] : d->tasks) {
        if (task.fetcher) {
            task.fetcher->disconnect(this);
            task.fetcher->abort();
        }
    }
}

void TaskPoller::setAccount(const Account &account)
{
    if (account.id.isEmpty())
        return;
    auto [it, inserted] = d->accounts.try_emplace(account.id);
    Private::AccountState &acc = it->second;
    const bool endpointChanged = inserted || acc.account.providerName != account.providerName
                                 || acc.account.baseUrl != account.baseUrl || acc.account.apiKey != account.apiKey;
    const bool wasHalted = acc.halted;

    if (endpointChanged && !inserted)
        d->abortQueries(account.id);
    acc.account = account;
    acc.adapter = ProviderRegistry::instance().find(account.providerName);
    acc.baseUrl = account.baseUrl;
    if (acc.baseUrl.isEmpty() && acc.adapter)
        acc.baseUrl = acc.adapter->defaultBaseUrl();
    acc.credentials = ApiCredentials(acc.baseUrl, account.apiKey);
    acc.host = ApiCredentials::originOf(acc.baseUrl);
    acc.budget.setLimit(acc.adapter ? acc.adapter->requestsPerMinute() : 0);
    acc.halted = false;
    acc.haltMessage.clear();
    if (endpointChanged || wasHalted) {
        // A new or re-entered key is tried again from scratch, one probe at a time.
        acc.keyConfirmed = false;
        acc.authFailures = 0;
        acc.probeNotBeforeMs = 0;
    }

    QString problem;
    if (!acc.adapter)
        problem = tr("Unknown provider “%1”.").arg(account.providerName);
    else if (acc.host.isEmpty())
        problem = tr("The account has no valid API address.");
    else if (account.apiKey.trimmed().isEmpty())
        // The key may still be on its way from the keychain: asking without it would only
        // earn a 401 and could count against the account.
        problem = tr("This account has no API key yet; add it in Accounts to start polling.");
    if (!problem.isEmpty()) {
        if (d->halt(account.id, PollResult::Outcome::AccountBlocked, problem))
            emit accountHalted(account.id, problem);
        return;
    }
    d->resumeParked(account.id);
    d->process();
}

void TaskPoller::removeAccount(const QString &accountId)
{
    for (const TaskKey &key : d->tasksOf(accountId))
        d->dropTask(key);
    d->tasksByAccount.remove(accountId);
    d->accounts.erase(accountId);
    d->arm();
}

bool TaskPoller::isAccountHalted(const QString &accountId) const
{
    const Private::AccountState *acc = d->account(accountId);
    return acc && acc->halted;
}

void TaskPoller::watch(const TaskKey &key, TaskState state, qint64 dueMs)
{
    if (!key.isValid())
        return;
    if (!isPollingState(state)) {
        // Completed or final: there is nothing left to ask the provider (pollNow() still can).
        qCDebug(lcPoll) << "not watching a task in state" << taskStateName(state);
        return;
    }
    Private::Task *task = d->createTask(key);
    if (!task->watched) {
        task->watched = true;
        ++d->watchedCount;
    }
    task->state = state;
    Private::AccountState *acc = d->account(key.accountId);
    switch (task->place) {
    case Private::Place::Nowhere:
        if (!acc || acc->halted)
            task->place = Private::Place::Parked;
        else
            d->schedule(key, *task, dueMs >= 0 ? dueMs : d->firstPollDueMs(acc, state));
        break;
    case Private::Place::Scheduled:
        if (dueMs >= 0)
            d->schedule(key, *task, dueMs);
        break;
    default:
        break; // waiting, in flight or parked: its next time is decided when that ends
    }
    d->arm();
}

void TaskPoller::unwatch(const TaskKey &key)
{
    d->dropTask(key);
    d->arm();
}

bool TaskPoller::isWatching(const TaskKey &key) const
{
    const auto it = d->tasks.find(key);
    return it != d->tasks.end() && it->second.watched;
}

void TaskPoller::pollNow(const TaskKey &key)
{
    if (!key.isValid())
        return;
    Private::AccountState *acc = d->account(key.accountId);
    if (!acc) {
        d->deliverLater(key, PollResult::failure(PollResult::Outcome::TransientError,
                                                 tr("The task's account is not configured.")));
        return;
    }
    if (acc->halted) {
        // The key was refused: asking again would only hammer the provider.
        d->deliverLater(key, PollResult::failure(acc->haltOutcome, acc->haltMessage));
        return;
    }
    Private::Task *task = d->createTask(key);
    if (task->place != Private::Place::InFlight && task->place != Private::Place::Ready)
        d->schedule(key, *task, d->now());
    d->arm();
}

qint64 TaskPoller::nextDueMs() const
{
    qint64 next = d->dueQueue.empty() ? Never : d->dueQueue.begin()->first.first;
    for (const auto &[id, acc] : d->accounts) {
        if (!acc.ready.empty())
            next = qMin(next, acc.ready.begin()->first.first);
    }
    return next == Never ? -1 : next;
}

qint64 TaskPoller::dueMs(const TaskKey &key) const
{
    const auto it = d->tasks.find(key);
    if (it == d->tasks.end())
        return -1;
    const Private::Task &task = it->second;
    switch (task.place) {
    case Private::Place::Scheduled:
        return task.slot.first;
    case Private::Place::Ready:
        // Due already; say when the host and the budget let it go, if that is known.
        if (Private::AccountState *acc = d->account(key.accountId)) {
            const qint64 at = d->sendableAtMs(*acc, d->now());
            if (at >= 0)
                return qMax(task.slot.first, at);
        }
        return task.slot.first;
    default:
        return -1;
    }
}

int TaskPoller::watchedCount() const
{
    return d->watchedCount;
}

int TaskPoller::inFlightCount() const
{
    return d->inFlightTotal;
}

void TaskPoller::setRandomSeed(quint32 seed)
{
    d->rng.seed(seed);
}
