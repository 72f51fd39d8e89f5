#include "requestbudget.h"

#include <algorithm>

RequestBudget::RequestBudget(int requestsPerMinute)
{
    setLimit(requestsPerMinute);
}

void RequestBudget::setLimit(int requestsPerMinute)
{
    m_limit = qMax(0, requestsPerMinute);
    while (m_starts.size() > size_t(m_limit))
        m_starts.pop_front();
}

void RequestBudget::expire(qint64 nowMs)
{
    while (!m_starts.empty() && m_starts.front() + WindowMs <= nowMs)
        m_starts.pop_front();
}

qint64 RequestBudget::availableAtMs(qint64 nowMs) const
{
    // At most m_limit starts are kept, so the window is full only when all of them are recent.
    if (m_limit <= 0 || m_starts.size() < size_t(m_limit))
        return nowMs;
    return qMax(nowMs, m_starts.front() + WindowMs);
}

void RequestBudget::record(qint64 nowMs)
{
    if (m_limit <= 0)
        return;
    expire(nowMs);
    // A clock set backwards must not leave the window unsorted.
    if (!m_starts.empty() && nowMs < m_starts.back())
        nowMs = m_starts.back();
    m_starts.push_back(nowMs);
    while (m_starts.size() > size_t(m_limit))
        m_starts.pop_front();
}

int RequestBudget::used(qint64 nowMs) const
{
    return int(std::count_if(m_starts.cbegin(), m_starts.cend(),
                             [nowMs](qint64 start) { return start + WindowMs > nowMs; }));
}
