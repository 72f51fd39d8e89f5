#include "partialfile.h"

#include <cerrno>

#ifdef Q_OS_UNIX
#include <unistd.h>
#endif
#ifdef Q_OS_WIN
#include <io.h>
#endif

PartialFile::PartialFile() = default;

PartialFile::~PartialFile()
{
    close();
}

bool PartialFile::fail(int savedErrno)
{
    // Qt maps only ENOSPC to ResourceError; a quota or RLIMIT_FSIZE (EFBIG, with SIGXFSZ
    // ignored) means the same to the user: this file cannot grow here.
    const bool full = m_file.error() == QFileDevice::ResourceError || savedErrno == ENOSPC
#ifdef EDQUOT
        || savedErrno == EDQUOT
#endif
        || savedErrno == EFBIG;
    m_error = full ? Error::DiskFull : Error::WriteError;
    m_errorString = m_file.errorString();
    return false;
}

bool PartialFile::open(const QString &path, bool keepExisting)
{
    close();
    m_hash.reset();
    m_head.clear();
    m_size = 0;
    m_error = Error::None;
    m_errorString.clear();

    m_file.setFileName(path);
    QIODevice::OpenMode mode = QIODevice::ReadWrite | QIODevice::Unbuffered;
    if (!keepExisting)
        mode |= QIODevice::Truncate;
    errno = 0;
    if (!m_file.open(mode))
        return fail(errno);

    if (keepExisting) {
        // Only the head is read here; the hashing of the rest is queued for the worker, so a
        // large partial does not hold up the caller's thread.
        m_size = m_file.size();
        m_head = m_file.read(qMin<qint64>(m_size, HeadBytes));
        if (m_file.error() != QFileDevice::NoError || m_head.size() != qMin<qint64>(m_size, HeadBytes)
            || !m_file.seek(m_size)) {
            m_error = Error::WriteError;
            m_errorString = m_file.errorString();
            m_file.close();
            return false;
        }
        m_hash.addFile(path, m_size);
    }
    return true;
}

bool PartialFile::write(QByteArrayView data)
{
    if (!m_file.isOpen()) {
        m_error = Error::WriteError;
        return false;
    }
    const char *p = data.data();
    qint64 left = data.size();
    while (left > 0) {
#if defined(Q_OS_UNIX)
        // Straight to the descriptor (the file is unbuffered): errno is then exactly the
        // write's, where QFile's bookkeeping may have overwritten it, and EFBIG/ENOSPC must
        // be told apart from other failures to say "disk full".
        qint64 written;
        do {
            written = ::write(m_file.handle(), p, size_t(left));
        } while (written < 0 && errno == EINTR);
        const int savedErrno = errno;
        if (written <= 0) {
            m_error = (savedErrno == ENOSPC || savedErrno == EFBIG
#ifdef EDQUOT
                       || savedErrno == EDQUOT
#endif
                       )
                ? Error::DiskFull
                : Error::WriteError;
            m_errorString = qt_error_string(savedErrno);
            return false;
        }
#else
        errno = 0;
        const qint64 written = m_file.write(p, left);
        const int savedErrno = errno;
        if (written <= 0)
            return fail(savedErrno);
#endif
        // Only the bytes that made it to disk count: a short write before EFBIG leaves the
        // partial consistent with its hash.
        const QByteArrayView done(p, written);
        if (m_head.size() < HeadBytes)
            m_head += done.first(qMin<qint64>(written, HeadBytes - m_head.size()));
        m_hash.addData(done);
        m_size += written;
        p += written;
        left -= written;
    }
    return true;
}

bool PartialFile::truncate()
{
    m_hash.reset();
    m_head.clear();
    m_size = 0;
    errno = 0;
    if (!m_file.resize(0) || !m_file.seek(0))
        return fail(errno);
    return true;
}

bool PartialFile::commit()
{
    if (!m_file.isOpen())
        return false;
    errno = 0;
    if (!m_file.flush())
        return fail(errno);
#if defined(Q_OS_UNIX)
    if (::fsync(m_file.handle()) != 0)
        return fail(errno);
#elif defined(Q_OS_WIN)
    if (::_commit(m_file.handle()) != 0)
        return fail(errno);
#endif
    m_file.close();
    if (m_file.error() != QFileDevice::NoError)
        return fail(errno);
    return true;
}

void PartialFile::close()
{
    if (m_file.isOpen())
        m_file.close();
}
