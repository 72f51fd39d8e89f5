// libFuzzer target: HttpResponseParser, which reads every status poll's reply straight from the
// socket. Besides crashes, UB and hangs it checks what the connection code relies on: the
// parser never claims more bytes than it was given, never holds a body past its limit, and
// gives the same response whether the bytes come whole, in two pieces cut anywhere, or one at
// a time (the network decides the pieces).
//
// Input: the first byte picks the body limit and where to cut; the rest is the wire.

#include "httpresponseparser.h"

#include <QByteArray>

#include <cstdio>
#include <cstdlib>

namespace
{
[[noreturn]] void violated(const char *what)
{
    std::fprintf(stderr, "fuzz_httpparser: invariant violated: %s\n", what);
    std::abort();
}

struct Outcome
{
    HttpResponseParser::State state;
    int status;
    QByteArray body;
    bool keepAlive;
    qsizetype used;
    // A refused reply (malformed, too large) closes the connection: how far the parser read
    // into it before refusing does not matter, only that it refused.
    bool sameAs(const Outcome &other) const
    {
        if (state != other.state || keepAlive != other.keepAlive)
            return false;
        if (state != HttpResponseParser::State::Complete)
            return true;
        return status == other.status && body == other.body && used == other.used;
    }
};

Outcome parseInPieces(QByteArrayView wire, qint64 limit, qsizetype pieceSize, qsizetype firstPiece)
{
    HttpResponseParser parser(limit);
    qsizetype used = 0;
    qsizetype at = 0;
    while (at < wire.size()) {
        const qsizetype size = qMin(at == 0 && firstPiece > 0 ? firstPiece : pieceSize, wire.size() - at);
        const qsizetype took = parser.feed(wire.sliced(at, size));
        if (took < 0 || took > size)
            violated("feed() used more bytes than it was given");
        used += took;
        at += size;
        if (took < size)
            break; // the rest belongs to no response we asked for
    }
    if (parser.body().size() > limit)
        violated("the body is past its limit");
    if (parser.state() == HttpResponseParser::State::Body || parser.state() == HttpResponseParser::State::Head)
        parser.finishAtEndOfStream();
    if (parser.body().size() > limit)
        violated("the body is past its limit at the end of the stream");
    return {parser.state(), parser.statusCode(), parser.body(), parser.keepsConnection(), used};
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const quint8 control = data[0];
    const QByteArrayView wire(reinterpret_cast<const char *>(data) + 1, qsizetype(size - 1));
    const qint64 limit = (control & 0x0f) * 64;
    const qsizetype cut = wire.isEmpty() ? 0 : qsizetype((control >> 4) * wire.size() / 16);

    const Outcome whole = parseInPieces(wire, limit, qMax<qsizetype>(1, wire.size()), 0);
    const Outcome split = parseInPieces(wire, limit, qMax<qsizetype>(1, wire.size()), cut);
    const Outcome bytes = parseInPieces(wire, limit, 1, 0);
    if (!whole.sameAs(split))
        violated("two pieces parse differently from the whole");
    if (!whole.sameAs(bytes))
        violated("one byte at a time parses differently from the whole");
    if (whole.state == HttpResponseParser::State::Complete && (whole.status < 200 || whole.status > 999))
        violated("a complete response with an impossible status");
    return 0;
}
