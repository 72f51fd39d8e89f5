#pragma once

#include <QtGlobal>

#include <deque>

// A provider's "N requests per minute per account", kept as a sliding window of the start
// times of the last N requests. A token bucket would allow a full burst plus the refill inside
// one minute (up to 2N); the window guarantees at most N in any 60 s, which is what providers
// that count per minute enforce.
class RequestBudget
{
public:
    static constexpr qint64 WindowMs = 60'000;

    explicit RequestBudget(int requestsPerMinute = 0);

    // 0 or less: no budget (never waits). Shrinking keeps the newest starts.
    void setLimit(int requestsPerMinute);
    int limit() const { return m_limit; }

    // Clock time from which one more request fits: `nowMs` when it fits now.
    qint64 availableAtMs(qint64 nowMs) const;
    bool allows(qint64 nowMs) const { return availableAtMs(nowMs) <= nowMs; }
    // A request started at `nowMs`.
    void record(qint64 nowMs);
    // Requests counted in the window ending at `nowMs`.
    int used(qint64 nowMs) const;

private:
    void expire(qint64 nowMs);

    int m_limit = 0;
    std::deque<qint64> m_starts; // ascending; at most m_limit entries
};
