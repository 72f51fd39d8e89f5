#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QObject>
#include <QString>

#include <memory>

// The SHA-256 of a byte stream, computed on a worker thread (a private thread pool) so hashing
// overlaps the caller's socket reads and file writes instead of taking turns with them on the
// caller's (often the GUI) thread. Work runs in the order it was added; the caller never waits:
// digestReady() and backlogDrained() arrive as queued signals on this object's thread.
// Data is copied into a few recycled blocks and handed over a block at a time. Keeping the
// caller's own buffers alive until hashed was slower: freed late, their memory went back to
// the system and every new network buffer page-faulted (bench/notes.md). Memory is the
// caller's to bound: backlogBytes() says how much is not hashed yet.
class BackgroundSha256 : public QObject
{
    Q_OBJECT

public:
    static constexpr qint64 BlockBytes = 512 * 1024;

    explicit BackgroundSha256(QObject *parent = nullptr);
    // Drops queued work and lets the worker stop after its current block; waits for nothing.
    ~BackgroundSha256() override;

    // An empty stream again; work queued before is dropped, a file being read stops early.
    void reset();
    // Copies the data into the current block; a full block goes to the worker.
    void addData(QByteArrayView data);
    // Queues the first `bytes` bytes of the file at path, read on the worker. The caller must
    // not change those bytes until the digest is in (appending after them is fine).
    void addFile(const QString &path, qint64 bytes);
    // Bytes added (data and files) that are not hashed yet.
    qint64 backlogBytes() const;
    // Hands over the current block; backlogDrained() follows once the backlog is at most
    // `bytes` (at once if it already is).
    void notifyWhenBacklogAtMost(qint64 bytes);
    // digestReady() follows once everything added before this call is hashed.
    void requestDigest();

    // Test hook: called on the hashing thread with the size of every block it hashes.
    using Observer = void (*)(qint64 bytes);
    static void setObserverForTesting(Observer observer);

signals:
    // The digest (lower-case hex) of `bytes` bytes; on a failed file read, sha256Hex is empty
    // and errorString says why.
    void digestReady(const QByteArray &sha256Hex, qint64 bytes, const QString &errorString);
    void backlogDrained();

private:
    struct State;
    struct Item;
    void enqueue(Item item);
    void flushBlock();
    static void drain(const std::shared_ptr<State> &state);

    std::shared_ptr<State> m_state;
    QByteArray m_block;      // being filled by addData()
    qsizetype m_blockUsed = 0;
};
