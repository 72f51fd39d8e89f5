#include "base64streamdecoder.h"

#include <array>

namespace {

constexpr uchar Invalid = 0xff;
constexpr uchar Space = 0xfe;
constexpr uchar Pad = 0xfd;

constexpr std::array<uchar, 256> makeTable()
{
    std::array<uchar, 256> table{};
    for (auto &value : table)
        value = Invalid;
    for (int i = 0; i < 26; ++i) {
        table['A' + i] = uchar(i);
        table['a' + i] = uchar(26 + i);
    }
    for (int i = 0; i < 10; ++i)
        table['0' + i] = uchar(52 + i);
    table['+'] = table['-'] = 62;
    table['/'] = table['_'] = 63;
    table['='] = Pad;
    table[' '] = table['\t'] = table['\r'] = table['\n'] = Space;
    return table;
}

constexpr std::array<uchar, 256> table = makeTable();

} // namespace

bool Base64StreamDecoder::fail(const QString &message)
{
    if (m_error.isEmpty())
        m_error = message;
    return false;
}

bool Base64StreamDecoder::decode(QByteArrayView chunk, QByteArray &out)
{
    if (hasFailed())
        return false;
    const qsizetype start = out.size();
    out.resize(start + (chunk.size() + m_pendingCount) / 4 * 3 + 3);
    auto *dst = reinterpret_cast<uchar *>(out.data()) + start;
    const auto *begin = reinterpret_cast<const uchar *>(chunk.data());
    const uchar *const end = begin + chunk.size();

    for (const uchar *p = begin; p != end; ++p) {
        const uchar value = table[*p];
        if (value < 64) {
            if (m_padding > 0) {
                out.truncate(dst - reinterpret_cast<uchar *>(out.data()));
                m_position += p - begin;
                return fail(tr("The video data continues after its end marker (at character %1).").arg(m_position));
            }
            if (m_pendingCount < 3) {
                m_pending[m_pendingCount++] = value;
                continue;
            }
            *dst++ = uchar(m_pending[0] << 2 | m_pending[1] >> 4);
            *dst++ = uchar(m_pending[1] << 4 | m_pending[2] >> 2);
            *dst++ = uchar(m_pending[2] << 6 | value);
            m_pendingCount = 0;
        } else if (value == Pad) {
            // "xx==" or "xxx=": the padding completes the group.
            if (m_pendingCount < 2 || m_pendingCount + ++m_padding > 4) {
                out.truncate(dst - reinterpret_cast<uchar *>(out.data()));
                m_position += p - begin;
                return fail(tr("The video data has a misplaced “=” (at character %1).").arg(m_position));
            }
        } else if (value == Invalid) {
            out.truncate(dst - reinterpret_cast<uchar *>(out.data()));
            m_position += p - begin;
            return fail(tr("The video data is not valid base64 (character %1 at position %2).")
                            .arg(QString::number(*p, 16).rightJustified(2, u'0'))
                            .arg(m_position));
        }
    }
    m_position += chunk.size();
    out.truncate(dst - reinterpret_cast<uchar *>(out.data()));
    return true;
}

bool Base64StreamDecoder::finish(QByteArray &out)
{
    if (hasFailed())
        return false;
    switch (m_pendingCount) {
    case 0:
        break;
    case 1:
        return fail(tr("The video data ends in the middle of a base64 group."));
    case 2:
        out.append(char(m_pending[0] << 2 | m_pending[1] >> 4));
        break;
    case 3:
        out.append(char(m_pending[0] << 2 | m_pending[1] >> 4));
        out.append(char(m_pending[1] << 4 | m_pending[2] >> 2));
        break;
    }
    if (m_padding > 0 && m_pendingCount + m_padding != 4)
        return fail(tr("The video data ends with incomplete padding."));
    m_pendingCount = 0;
    return true;
}

void Base64StreamDecoder::reset()
{
    m_pendingCount = 0;
    m_padding = 0;
    m_position = 0;
    m_error.clear();
}
