#include "backgroundsha256.h"

#include "sha256.h"

#include <QFile>
#include <QMutex>
#include <QMutexLocker>
#include <QThread>
#include <QThreadPool>

#include <atomic>
#include <cstring>
#include <deque>
#include <utility>
#include <vector>

namespace
{

// A pool of its own: a hash waiting for a busy global pool would hold up the download behind
// it. Each stream runs at most one task at a time, so a few threads serve every download.
class HashPool : public QThreadPool
{
public:
    HashPool() { setMaxThreadCount(qMax(4, QThread::idealThreadCount())); }
};
Q_GLOBAL_STATIC(HashPool, hashPool)

std::atomic<BackgroundSha256::Observer> s_observer{nullptr};

// Hashed blocks kept for reuse: enough to cover a download's backlog limit.
constexpr size_t MaxFreeBlocks = 16;

} // namespace

struct BackgroundSha256::Item
{
    enum class Kind
    {
        Data,
        File,
        Reset,
        Digest
    };
    Kind kind = Kind::Data;
    QByteArray data;
    QString path;
    qint64 bytes = 0; // what it adds to the backlog
};

struct BackgroundSha256::State
{
    QMutex mutex;
    // Guarded by mutex:
    std::deque<Item> queue;
    qint64 backlog = 0;
    qint64 notifyAtMost = -1;
    bool running = false;            // a drain task owns the worker side
    std::vector<QByteArray> freeBlocks;
    BackgroundSha256 *owner = nullptr; // null once the owner is gone
    // Read by a file being hashed between blocks, so reset() and the destructor stop it early.
    std::atomic<quint64> generation{0};
    // The worker side, touched only by the one drain task:
    Sha256 hash;
    qint64 hashed = 0;
    QString error;
};

namespace
{

void hashBlock(Sha256 &hash, QByteArrayView block)
{
    hash.addData(block);
    if (const BackgroundSha256::Observer observer = s_observer.load())
        observer(block.size());
}

} // namespace

BackgroundSha256::BackgroundSha256(QObject *parent) : QObject(parent), m_state(std::make_shared<State>())
{
    m_state->owner = this;
}

BackgroundSha256::~BackgroundSha256()
{
    QMutexLocker lock(&m_state->mutex);
    m_state->owner = nullptr;
    m_state->queue.clear();
    ++m_state->generation;
}

void BackgroundSha256::setObserverForTesting(Observer observer)
{
    s_observer.store(observer);
}

void BackgroundSha256::enqueue(Item item)
{
    QMutexLocker lock(&m_state->mutex);
    m_state->backlog += item.bytes;
    m_state->queue.push_back(std::move(item));
    if (m_state->running)
        return;
    QThreadPool *pool = hashPool();
    if (!pool)
        return; // the process is exiting
    m_state->running = true;
    std::shared_ptr<State> state = m_state;
    pool->start([state] { drain(state); });
}

void BackgroundSha256::reset()
{
    m_blockUsed = 0;
    {
        QMutexLocker lock(&m_state->mutex);
        for (const Item &item : m_state->queue)
            m_state->backlog -= item.bytes;
        m_state->queue.clear();
        ++m_state->generation;
    }
    enqueue(Item{Item::Kind::Reset, {}, {}, 0});
}

void BackgroundSha256::addData(QByteArrayView data)
{
    while (!data.isEmpty()) {
        if (m_block.isNull()) {
            QMutexLocker lock(&m_state->mutex);
            if (!m_state->freeBlocks.empty()) {
                m_block = std::move(m_state->freeBlocks.back());
                m_state->freeBlocks.pop_back();
            }
        }
        if (m_block.isNull())
            m_block = QByteArray(BlockBytes, Qt::Uninitialized);
        const qsizetype n = qMin(data.size(), m_block.size() - m_blockUsed);
        memcpy(m_block.data() + m_blockUsed, data.data(), size_t(n));
        m_blockUsed += n;
        data = data.sliced(n);
        if (m_blockUsed == m_block.size())
            flushBlock();
    }
}

void BackgroundSha256::flushBlock()
{
    if (m_blockUsed == 0)
        return;
    const qsizetype used = std::exchange(m_blockUsed, 0);
    enqueue(Item{Item::Kind::Data, std::exchange(m_block, QByteArray()), {}, used});
}

void BackgroundSha256::addFile(const QString &path, qint64 bytes)
{
    flushBlock();
    if (bytes > 0)
        enqueue(Item{Item::Kind::File, {}, path, bytes});
}

qint64 BackgroundSha256::backlogBytes() const
{
    QMutexLocker lock(&m_state->mutex);
    return m_state->backlog + m_blockUsed;
}

void BackgroundSha256::notifyWhenBacklogAtMost(qint64 bytes)
{
    flushBlock();
    QMutexLocker lock(&m_state->mutex);
    if (m_state->backlog <= bytes) {
        m_state->notifyAtMost = -1;
        QMetaObject::invokeMethod(this, &BackgroundSha256::backlogDrained, Qt::QueuedConnection);
    } else {
        m_state->notifyAtMost = bytes;
    }
}

void BackgroundSha256::requestDigest()
{
    flushBlock();
    enqueue(Item{Item::Kind::Digest, {}, {}, 0});
}

void BackgroundSha256::drain(const std::shared_ptr<State> &state)
{
    QMutexLocker lock(&state->mutex);
    while (!state->queue.empty()) {
        Item item = std::move(state->queue.front());
        state->queue.pop_front();
        const quint64 generation = state->generation.load();
        lock.unlock();

        QByteArray digestHex;
        switch (item.kind) {
        case Item::Kind::Data:
            hashBlock(state->hash, QByteArrayView(item.data.constData(), item.bytes));
            state->hashed += item.bytes;
            break;
        case Item::Kind::File: {
            QFile file(item.path);
            if (!file.open(QIODevice::ReadOnly)) {
                state->error = file.errorString();
                break;
            }
            QByteArray buffer(qMin(item.bytes, BlockBytes), Qt::Uninitialized);
            qint64 left = item.bytes;
            while (left > 0 && state->generation.load() == generation) {
                const qint64 got = file.read(buffer.data(), qMin<qint64>(left, buffer.size()));
                if (got <= 0) {
                    state->error = got < 0 ? file.errorString() : tr("The file is shorter than expected.");
                    break;
                }
                hashBlock(state->hash, QByteArrayView(buffer.constData(), got));
                state->hashed += got;
                left -= got;
            }
            break;
        }
        case Item::Kind::Reset:
            state->hash.reset();
            state->hashed = 0;
            state->error.clear();
            break;
        case Item::Kind::Digest:
            if (state->error.isEmpty())
                digestHex = state->hash.result().toHex();
            break;
        }

        lock.relock();
        state->backlog -= item.bytes;
        if (item.kind == Item::Kind::Data && state->freeBlocks.size() < MaxFreeBlocks)
            state->freeBlocks.push_back(std::move(item.data));
        BackgroundSha256 *owner = state->owner;
        if (!owner)
            continue;
        // Posted under the mutex: the owner's destructor takes it first, so the owner is alive
        // here, and its end removes whatever of these it has not received yet. A digest
        // requested before a reset() is of a stream the owner dropped.
        if (item.kind == Item::Kind::Digest && generation == state->generation.load()) {
            QMetaObject::invokeMethod(
                owner,
                [owner, digestHex, bytes = state->hashed, error = state->error] {
                    emit owner->digestReady(digestHex, bytes, error);
                },
                Qt::QueuedConnection);
        }
        if (state->notifyAtMost >= 0 && state->backlog <= state->notifyAtMost) {
            state->notifyAtMost = -1;
            QMetaObject::invokeMethod(owner, &BackgroundSha256::backlogDrained, Qt::QueuedConnection);
        }
    }
    state->running = false;
}
