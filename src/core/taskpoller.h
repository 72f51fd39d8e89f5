#pragma once

#include "account.h"
#include "pollresult.h"
#include "taskkey.h"
#include "taskstate.h"

#include <QHash>
#include <QObject>

#include <memory>

class Clock;
class QNetworkAccessManager;

// Asks each provider's query endpoint about each watched task, at the account's interval, on
// one event loop (no thread per task). Spreads polls with jitter, caps requests in flight per
// host, honours Retry-After and per-account request budgets, backs off exponentially on
// transient errors, and stops an account whose key is rejected. It never submits anything:
// it only reads task status.
class TaskPoller : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        int maxInFlightPerHost = 4;
        double jitterFraction = 0.1;        // each interval is stretched by up to ±10 %
        double queuedIntervalFactor = 2.0;  // queued tasks are asked half as often as processing ones
        qint64 backoffBaseMs = 2'000;       // first retry after a transient error
        qint64 backoffMaxMs = 300'000;      // backoff cap
        int maxAuthFailures = 2;            // rejected-key replies before the account is halted
        int requestTimeoutMs = 30'000;
        // A scheduled poll may go up to 5 % of its delay early, at most this much, so polls due
        // close together share one wake-up (the schedule is jittered by ±10 % anyway).
        qint64 coalesceMaxMs = 250;
    };

    TaskPoller(QNetworkAccessManager *manager, Clock *clock, QObject *parent = nullptr);
    TaskPoller(QNetworkAccessManager *manager, Clock *clock, const Options &options, QObject *parent = nullptr);
    ~TaskPoller() override;

    // Adds or updates an account (key, base URL, interval). Updating a halted account's key
    // un-halts it and resumes its tasks.
    void setAccount(const Account &account);
    void removeAccount(const QString &accountId);
    bool isAccountHalted(const QString &accountId) const;

    // Keeps polling the task until it reaches completed or a final state. `state` is its last
    // known state (decides the cadence). `dueMs` (clock time) is when to ask first; -1 means
    // soon, spread by jitter so a thousand pasted IDs do not fire at once.
    void watch(const TaskKey &key, TaskState state, qint64 dueMs = -1);
    void unwatch(const TaskKey &key);
    bool isWatching(const TaskKey &key) const;
    // One query as soon as the host allows, even for a task no longer watched (user's "Poll now",
    // or a fresh URL after the old one expired). The result comes through polled().
    void pollNow(const TaskKey &key);

    // Clock time of the next scheduled poll (any task); -1 when nothing is scheduled.
    qint64 nextDueMs() const;
    qint64 dueMs(const TaskKey &key) const;  // -1 when not scheduled
    int watchedCount() const;
    // Queries in flight right now, over all hosts (activity indicators, tests of the host cap).
    int inFlightCount() const;

    // Deterministic jitter in tests.
    void setRandomSeed(quint32 seed);

signals:
    // Every completed query, whatever the outcome. When result.snapshot.state is Completed or
    // final, or the outcome is NotFound, the poller has already stopped watching the task.
    void polled(const TaskKey &key, const PollResult &result);
    // The account's key was rejected (or the account refused otherwise); its tasks are not polled
    // until setAccount() is called again.
    void accountHalted(const QString &accountId, const QString &message);
    // A query started (for "last update" and activity indicators).
    void pollStarted(const TaskKey &key);

private:
    struct Private;
    std::unique_ptr<Private> d;
};
