#include "fakevideocontent.h"

#include <QCryptographicHash>
#include <QtEndian>

#include <algorithm>

namespace {

// A structurally whole MP4: a 24-byte `ftyp` box (brand mp42, compatible mp42 + isom), an
// empty `moov` box, then an `mdat` box sized to hold every remaining byte (the pseudo-random
// stream). Sniffers call it an MP4, and a box walk finds it complete exactly when no byte is
// missing.
constexpr unsigned char FtypBox[] = {
    0x00, 0x00, 0x00, 0x18, 'f', 't', 'y', 'p', 'm', 'p', '4', '2',
    0x00, 0x00, 0x00, 0x00, 'm', 'p', '4', '2', 'i', 's', 'o', 'm',
    0x00, 0x00, 0x00, 0x08, 'm', 'o', 'o', 'v',
};
constexpr qint64 BoxesSize = sizeof(FtypBox);

quint64 splitMix64(quint64 x)
{
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

} // namespace

FakeVideoContent::FakeVideoContent(const QString &taskId, qint64 size)
    : m_size(std::max<qint64>(0, size))
{
    // A cryptographic hash (not qHash, which is salted per process) keeps the bytes stable
    // between the test process and a separately started reelkeep-fakeserver.
    const QByteArray digest = QCryptographicHash::hash(taskId.toUtf8(), QCryptographicHash::Sha256);
    m_seed = qFromLittleEndian<quint64>(digest.constData());
    const QByteArray tag = QCryptographicHash::hash(digest + QByteArray::number(m_size), QCryptographicHash::Sha1);
    m_etag = '"' + tag.toHex().left(32) + '"';

    m_head = QByteArray(reinterpret_cast<const char *>(FtypBox), BoxesSize);
    const qint64 mdatSize = m_size - BoxesSize;
    if (mdatSize <= 0xFFFFFFFFLL) {
        char header[8] = {0, 0, 0, 0, 'm', 'd', 'a', 't'};
        qToBigEndian<quint32>(quint32(std::max<qint64>(mdatSize, 0)), header);
        m_head.append(header, 8);
    } else {
        char header[16] = {0, 0, 0, 1, 'm', 'd', 'a', 't'};
        qToBigEndian<quint64>(quint64(mdatSize), header + 8);
        m_head.append(header, 16);
    }
}

FakeVideoContent::FakeVideoContent(const QByteArray &bytes)
    : m_bytes(bytes)
    , m_size(bytes.size())
{
    m_etag = '"' + QCryptographicHash::hash(bytes, QCryptographicHash::Sha1).toHex().left(32) + '"';
}

quint64 FakeVideoContent::word(quint64 index) const
{
    return splitMix64(m_seed ^ (index * 0xD1B54A32D192ED03ULL));
}

QByteArray FakeVideoContent::read(qint64 offset, qint64 length) const
{
    if (offset < 0 || offset >= m_size || length <= 0)
        return {};
    const qint64 end = std::min(m_size, offset + length);
    if (!m_bytes.isEmpty())
        return m_bytes.mid(offset, end - offset);
    QByteArray out(end - offset, Qt::Uninitialized);
    char *dst = out.data();
    qint64 pos = offset;
    const qint64 headSize = m_head.size();
    for (; pos < end && pos < headSize; ++pos)
        *dst++ = m_head.at(pos);
    while (pos < end) {
        const quint64 streamPos = quint64(pos - headSize);
        const quint64 value = word(streamPos >> 3);
        for (unsigned byte = unsigned(streamPos & 7); byte < 8 && pos < end; ++byte, ++pos)
            *dst++ = char((value >> (8 * byte)) & 0xFF);
    }
    return out;
}
