#pragma once

#include <QByteArray>
#include <QHash>

// Reads one HTTP/1.x response from the bytes of a connection, fed in whatever pieces the socket
// hands over: status line, headers, then a body framed by Content-Length, chunked transfer
// coding, or the end of the connection. Pure (no I/O), so every framing can be tested byte by
// byte and fuzzed. Interim 1xx responses are skipped. Bounds what it holds: the header block and
// the body each have a limit, and a reply past either is refused rather than buffered.
class HttpResponseParser
{
public:
    enum class State {
        Head,        // waiting for the status line and headers
        Body,        // reading the body
        Complete,    // a whole response is parsed
        Malformed,   // not HTTP, or framing that cannot be trusted
        TooLarge,    // the body went past maxBodyBytes
    };

    static constexpr qsizetype MaxHeadBytes = 64 * 1024;

    explicit HttpResponseParser(qint64 maxBodyBytes = 8 * 1024 * 1024, bool bodyless = false);

    // Consumes what belongs to this response from data; returns how many bytes it used. Bytes
    // after a complete response are not consumed (a server must not send them unasked).
    qsizetype feed(QByteArrayView data);
    // The connection ended: completes a body that runs until the end of the connection; any
    // other unfinished response becomes Malformed.
    void finishAtEndOfStream();

    State state() const { return m_state; }
    bool isComplete() const { return m_state == State::Complete; }
    bool hasStarted() const { return m_started; }
    int statusCode() const { return m_statusCode; }
    // Lower-cased names; repeated headers joined with ", ".
    const QHash<QByteArray, QByteArray> &headers() const { return m_headers; }
    QByteArray body() const { return m_body; }
    QByteArray takeBody() { return std::move(m_body); }
    // Whether the connection may carry another request after this response.
    bool keepsConnection() const { return m_keepAlive; }

private:
    enum class Framing { Length, Chunked, UntilClose };
    enum class ChunkStep { Size, Data, DataEnd, Trailer };

    qsizetype feedHead(QByteArrayView data);
    qsizetype feedBody(QByteArrayView data);
    qsizetype feedChunked(QByteArrayView data);
    bool parseHead(QByteArrayView head);
    bool appendBody(QByteArrayView bytes);
    void fail(State state);

    qint64 m_maxBodyBytes;
    bool m_bodyless;
    State m_state = State::Head;
    bool m_started = false;
    QByteArray m_head;
    int m_statusCode = 0;
    QHash<QByteArray, QByteArray> m_headers;
    QByteArray m_body;
    bool m_keepAlive = false;
    Framing m_framing = Framing::UntilClose;
    qint64 m_remaining = 0;
    ChunkStep m_chunkStep = ChunkStep::Size;
    QByteArray m_line;
};
