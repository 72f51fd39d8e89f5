#pragma once

#include <QDateTime>
#include <QObject>

// Time as the engine sees it. The system clock in the app; a ManualClock in tests so that
// intervals, backoff and Retry-After are exercised without sleeping.
class Clock : public QObject
{
    Q_OBJECT

public:
    using QObject::QObject;
    // Milliseconds since the epoch (UTC).
    virtual qint64 nowMs() const = 0;
    QDateTime nowUtc() const { return QDateTime::fromMSecsSinceEpoch(nowMs(), Qt::UTC); }

signals:
    // Time moved by other means than its normal flow (a test advanced it): re-check deadlines.
    void jumped();
};

class SystemClock final : public Clock
{
    Q_OBJECT

public:
    using Clock::Clock;
    qint64 nowMs() const override { return QDateTime::currentMSecsSinceEpoch(); }
};

class ManualClock final : public Clock
{
    Q_OBJECT

public:
    explicit ManualClock(qint64 startMs = 1'800'000'000'000, QObject *parent = nullptr)
        : Clock(parent), m_nowMs(startMs)
    {
    }
    qint64 nowMs() const override { return m_nowMs; }
    void advance(qint64 ms)
    {
        m_nowMs += ms;
        emit jumped();
    }
    void setNowMs(qint64 ms)
    {
        m_nowMs = ms;
        emit jumped();
    }

private:
    qint64 m_nowMs;
};
