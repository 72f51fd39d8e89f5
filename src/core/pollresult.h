#pragma once

#include "tasksnapshot.h"

#include <QString>

// What one query of a task's status means for the poller and the engine.
struct PollResult
{
    enum class Outcome
    {
        Snapshot,       // parsed: `snapshot` is valid (any state, including failed with a reason)
        NotFound,       // the provider does not know this task ID: the task fails, said so
        AuthRejected,   // the API key was rejected: stop polling the whole account
        AccountBlocked, // account-level refusal other than the key (balance, verification): stop the account
        RateLimited,    // slow down: 429, or a provider code meaning the same (MiniMax 1002)
        TransientError  // 5xx, network error, time-out, malformed or unexpected reply: back off, retry
    };

    Outcome outcome = Outcome::TransientError;
    TaskSnapshot snapshot;
    QString message;              // human-readable; never contains the API key
    qint64 retryAfterMs = -1;     // RateLimited: how long to leave the host alone (-1: unknown)
    qint64 nextPollHintMs = -1;   // provider's own "poll again after" hint (openai-poll-after-ms)

    static PollResult fromSnapshot(const TaskSnapshot &snapshot)
    {
        PollResult result;
        result.outcome = Outcome::Snapshot;
        result.snapshot = snapshot;
        return result;
    }
    static PollResult failure(Outcome outcome, const QString &message)
    {
        PollResult result;
        result.outcome = outcome;
        result.message = message;
        return result;
    }
};
