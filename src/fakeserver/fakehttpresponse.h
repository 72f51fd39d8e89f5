#pragma once

#include <QByteArray>
#include <QList>

#include <functional>
#include <utility>

class QJsonObject;

// What the fake server answers to one request. Either a small in-memory body, or a streamed
// body produced chunk by chunk as the socket drains (videos of hundreds of MB), optionally
// throttled or cut short to inject transfer faults. FakeHttpConnection adds Content-Length,
// Connection and Date itself.
struct FakeHttpResponse
{
    int statusCode = 200;
    QList<std::pair<QByteArray, QByteArray>> headers;
    QByteArray body;

    // Streamed body: used instead of `body` when streamLength >= 0. streamChunk(offset, maxLength)
    // returns the next bytes of the body (offset counts from the first body byte).
    qint64 streamLength = -1;
    std::function<QByteArray(qint64 offset, qint64 maxLength)> streamChunk;

    qint64 bytesPerSecond = 0;       // > 0: pace the body with a timer
    qint64 closeAfterBodyBytes = -1; // >= 0: close the connection after this many body bytes

    void setHeader(const QByteArray &name, const QByteArray &value);
    qint64 bodyLength() const { return streamLength >= 0 ? streamLength : body.size(); }

    static FakeHttpResponse withBody(int statusCode, const QByteArray &contentType, const QByteArray &body);
    static FakeHttpResponse json(int statusCode, const QJsonObject &object);
    static FakeHttpResponse rawJson(int statusCode, const QByteArray &body);
    static QByteArray reasonPhrase(int statusCode);
};
