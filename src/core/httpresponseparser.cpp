#include "httpresponseparser.h"

namespace {

constexpr qsizetype MaxLineBytes = 8 * 1024;

QByteArrayView trimmed(QByteArrayView v)
{
    while (!v.isEmpty() && (v.front() == ' ' || v.front() == '\t'))
        v = v.sliced(1);
    while (!v.isEmpty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '\r'))
        v.chop(1);
    return v;
}

bool hasToken(const QByteArray &list, QByteArrayView token)
{
    for (const QByteArray &part : list.split(',')) {
        if (trimmed(part).compare(token, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

} // namespace

HttpResponseParser::HttpResponseParser(qint64 maxBodyBytes, bool bodyless)
    : m_maxBodyBytes(maxBodyBytes), m_bodyless(bodyless)
{
}

qsizetype HttpResponseParser::feed(QByteArrayView data)
{
    qsizetype used = 0;
    while (used < data.size() && (m_state == State::Head || m_state == State::Body)) {
        const QByteArrayView rest = data.sliced(used);
        used += m_state == State::Head ? feedHead(rest) : feedBody(rest);
    }
    return used;
}

void HttpResponseParser::finishAtEndOfStream()
{
    if (m_state == State::Body && m_framing == Framing::UntilClose) {
        m_state = State::Complete;
        m_keepAlive = false;
    } else if (m_state == State::Head || m_state == State::Body) {
        fail(State::Malformed);
    }
}

qsizetype HttpResponseParser::feedHead(QByteArrayView data)
{
    m_started = true;
    // The blank line may straddle two pieces: search from a little before the new bytes.
    const qsizetype before = m_head.size();
    m_head.append(data);
    const qsizetype from = qMax<qsizetype>(0, before - 3);
    const qsizetype end = m_head.indexOf("\r\n\r\n", from);
    if (end < 0) {
        if (m_head.size() > MaxHeadBytes)
            fail(State::Malformed);
        return data.size();
    }
    const qsizetype headEnd = end + 4;
    if (headEnd > MaxHeadBytes) {
        fail(State::Malformed);
        return data.size();
    }
    const qsizetype used = headEnd - before;
    const QByteArray head = m_head.left(end);
    m_head.clear();
    if (!parseHead(head)) {
        fail(State::Malformed);
        return used;
    }
    return used;
}

bool HttpResponseParser::parseHead(QByteArrayView head)
{
    qsizetype lineEnd = head.indexOf("\r\n");
    const QByteArrayView statusLine = lineEnd < 0 ? head : head.first(lineEnd);
    // "HTTP/1.1 200 OK": version, a three-digit code, an optional reason.
    if (!statusLine.startsWith("HTTP/1.") || statusLine.size() < 12 || statusLine.at(8) != ' ')
        return false;
    const char minor = statusLine.at(7);
    if (minor != '0' && minor != '1')
        return false;
    int code = 0;
    for (int i = 9; i < 12; ++i) {
        const char c = statusLine.at(i);
        if (c < '0' || c > '9')
            return false;
        code = code * 10 + (c - '0');
    }
    if (statusLine.size() > 12 && statusLine.at(12) != ' ')
        return false;
    if (code < 100)
        return false;

    QHash<QByteArray, QByteArray> headers;
    QByteArray lastName;
    while (lineEnd >= 0) {
        const qsizetype start = lineEnd + 2;
        lineEnd = head.indexOf("\r\n", start);
        const QByteArrayView line = head.sliced(start, (lineEnd < 0 ? head.size() : lineEnd) - start);
        if (line.isEmpty())
            continue;
        if (line.front() == ' ' || line.front() == '\t') {
            // Obsolete line folding: the line continues the previous header's value.
            if (lastName.isEmpty())
                return false;
            QByteArray &value = headers[lastName];
            value += ' ';
            value += trimmed(line);
            continue;
        }
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            return false;
        const QByteArrayView name = line.first(colon);
        if (name.contains(' ') || name.contains('\t'))
            return false;
        lastName = name.toByteArray().toLower();
        const QByteArrayView value = trimmed(line.sliced(colon + 1));
        auto it = headers.find(lastName);
        if (it == headers.end()) {
            headers.insert(lastName, value.toByteArray());
        } else {
            *it += ", ";
            *it += value;
        }
    }

    if (code < 200) {
        // 100 Continue, 103 Early Hints: the real response follows on the same connection.
        if (code == 101)
            return false; // a protocol switch we never asked for
        return true;
    }

    m_statusCode = code;
    m_headers = std::move(headers);
    const QByteArray connection = m_headers.value("connection");
    m_keepAlive = minor == '1' ? !hasToken(connection, "close") : hasToken(connection, "keep-alive");

    const QByteArray transferEncoding = m_headers.value("transfer-encoding");
    const bool hasLength = m_headers.contains("content-length");
    if (m_bodyless || code == 204 || code == 304) {
        m_state = State::Complete;
        return true;
    }
    if (!transferEncoding.isEmpty()) {
        // Chunked must be the last coding; anything else cannot be framed or decoded here.
        if (transferEncoding.trimmed().compare("chunked", Qt::CaseInsensitive) != 0)
            return false;
        m_framing = Framing::Chunked;
        m_chunkStep = ChunkStep::Size;
        m_state = State::Body;
        return true;
    }
    if (hasLength) {
        const QByteArray lengthText = m_headers.value("content-length");
        // Repeated headers arrive joined; they must all agree.
        qint64 length = -1;
        for (const QByteArray &part : lengthText.split(',')) {
            bool ok = false;
            const QByteArray digits = part.trimmed();
            const qint64 value = digits.toLongLong(&ok);
            if (!ok || value < 0 || digits.startsWith('+') || (length >= 0 && value != length))
                return false;
            length = value;
        }
        if (length > m_maxBodyBytes) {
            m_state = State::TooLarge;
            m_keepAlive = false;
            return true;
        }
        m_framing = Framing::Length;
        m_remaining = length;
        m_body.reserve(length);
        m_state = length == 0 ? State::Complete : State::Body;
        return true;
    }
    m_framing = Framing::UntilClose;
    m_keepAlive = false;
    m_state = State::Body;
    return true;
}

qsizetype HttpResponseParser::feedBody(QByteArrayView data)
{
    switch (m_framing) {
    case Framing::Length: {
        const qsizetype take = qsizetype(qMin<qint64>(m_remaining, data.size()));
        m_body.append(data.first(take));
        m_remaining -= take;
        if (m_remaining == 0)
            m_state = State::Complete;
        return take;
    }
    case Framing::UntilClose:
        if (!appendBody(data))
            return data.size();
        return data.size();
    case Framing::Chunked:
        return feedChunked(data);
    }
    return data.size();
}

qsizetype HttpResponseParser::feedChunked(QByteArrayView data)
{
    qsizetype used = 0;
    while (used < data.size() && m_state == State::Body) {
        const QByteArrayView rest = data.sliced(used);
        if (m_chunkStep == ChunkStep::Data) {
            const qsizetype take = qsizetype(qMin<qint64>(m_remaining, rest.size()));
            if (!appendBody(rest.first(take)))
                return data.size();
            used += take;
            m_remaining -= take;
            if (m_remaining == 0)
                m_chunkStep = ChunkStep::DataEnd;
            continue;
        }
        // Size, DataEnd and Trailer steps read whole lines.
        const qsizetype newline = rest.indexOf('\n');
        const qsizetype take = newline < 0 ? rest.size() : newline + 1;
        m_line.append(rest.first(take));
        used += take;
        if (m_line.size() > MaxLineBytes) {
            fail(State::Malformed);
            return data.size();
        }
        if (newline < 0)
            continue;
        QByteArray line = m_line;
        m_line.clear();
        line.chop(line.endsWith("\r\n") ? 2 : 1);

        if (m_chunkStep == ChunkStep::DataEnd) {
            if (!line.isEmpty()) {
                fail(State::Malformed);
                return data.size();
            }
            m_chunkStep = ChunkStep::Size;
        } else if (m_chunkStep == ChunkStep::Size) {
            const qsizetype semicolon = line.indexOf(';'); // chunk extensions are ignored
            const QByteArray digits = (semicolon < 0 ? line : line.left(semicolon)).trimmed();
            bool ok = false;
            const qint64 size = digits.toLongLong(&ok, 16);
            if (!ok || size < 0 || digits.isEmpty() || digits.size() > 15 || digits.startsWith('+')
                || digits.startsWith('-')) {
                fail(State::Malformed);
                return data.size();
            }
            if (size == 0) {
                m_chunkStep = ChunkStep::Trailer;
            } else {
                if (m_body.size() + size > m_maxBodyBytes) {
                    fail(State::TooLarge);
                    return data.size();
                }
                m_remaining = size;
                m_chunkStep = ChunkStep::Data;
            }
        } else { // Trailer: header lines until an empty one
            if (line.isEmpty())
                m_state = State::Complete;
        }
    }
    return used;
}

bool HttpResponseParser::appendBody(QByteArrayView bytes)
{
    if (m_body.size() + bytes.size() > m_maxBodyBytes) {
        fail(State::TooLarge);
        return false;
    }
    m_body.append(bytes);
    return true;
}

void HttpResponseParser::fail(State state)
{
    m_state = state;
    m_keepAlive = false;
    m_body.clear();
}
