#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QFile>
#include <QString>

#include "backgroundsha256.h"

// The "<final>.part" file a download streams into. Hashes every byte it writes (and the
// existing content on resume, so the digest always covers the whole file) on a worker thread
// (BackgroundSha256), remembers the first bytes for the content sniff, and tells a full disk or
// a file-size limit apart from other write errors. Writes are unbuffered: a failed write is
// reported on the call that made it.
class PartialFile
{
public:
    enum class Error
    {
        None,
        DiskFull,   // ENOSPC, EDQUOT, EFBIG (file-size limit)
        WriteError  // anything else: permissions, read-only file system, I/O error
    };

    static constexpr int HeadBytes = 4096;

    PartialFile();
    ~PartialFile();

    // Opens path for writing, creating it. keepExisting: continue after the current content
    // (its hashing is queued first); otherwise start empty.
    bool open(const QString &path, bool keepExisting);
    bool write(QByteArrayView data);
    // Back to zero bytes: the server sent the whole file again.
    bool truncate();
    // Flushes to stable storage and closes: after this the bytes survive a crash.
    bool commit();
    void close();
    bool isOpen() const { return m_file.isOpen(); }

    QString path() const { return m_file.fileName(); }
    qint64 size() const { return m_size; }
    QByteArray head() const { return m_head; }
    // The digest of the file's bytes: requestDigest(), then digestReady() with the size hashed.
    BackgroundSha256 &hash() { return m_hash; }

    Error error() const { return m_error; }
    QString errorString() const { return m_errorString; } // the system's wording

private:
    bool fail(int savedErrno);

    QFile m_file;
    BackgroundSha256 m_hash;
    QByteArray m_head;
    qint64 m_size = 0;
    Error m_error = Error::None;
    QString m_errorString;
};
