#pragma once

#include <QByteArray>
#include <QString>

// The bytes of one fake task's video, computed on demand: a valid MP4 `ftyp` box followed by a
// counter-based PRNG stream seeded by the task ID. Any byte range can be produced without the
// rest, so a 500 MB video (or a Range of it) is served with flat memory, and the same ID and
// size give the same bytes in every process. It can also hold a small real video's bytes, so a
// demo's saved files actually play.
class FakeVideoContent
{
public:
    FakeVideoContent() = default;
    FakeVideoContent(const QString &taskId, qint64 size);
    // Serves these exact bytes (a real video) instead of the generated stream.
    explicit FakeVideoContent(const QByteArray &bytes);

    qint64 size() const { return m_size; }
    // Up to `length` bytes from `offset` (fewer at the end of the video).
    QByteArray read(qint64 offset, qint64 length) const;
    // Quoted strong ETag. Content is a pure function of (ID, size), so hashing those stands in
    // for hashing the bytes without reading hundreds of MB.
    QByteArray etag() const { return m_etag; }

private:
    quint64 word(quint64 index) const;

    QByteArray m_bytes; // a real video; empty for generated content
    quint64 m_seed = 0;
    qint64 m_size = 0;
    QByteArray m_etag;
    QByteArray m_head;  // ftyp, moov and the mdat header sized to the whole file
};
