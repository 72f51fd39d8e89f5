#pragma once

#include "fakehttprequest.h"
#include "fakehttpresponse.h"

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

class QTcpSocket;

// One accepted TCP connection of the fake server: a minimal, non-blocking HTTP/1.1 parser and
// writer. Requests are handled one at a time (a pipelined request waits in the buffer until
// the previous response is out); connections stay open unless the client says otherwise.
// Streamed bodies are written as the socket drains so memory stays flat, and can be paced
// or cut short on purpose.
class FakeHttpConnection : public QObject
{
    Q_OBJECT

public:
    static constexpr qsizetype MaxHeaderBytes = 64 * 1024;
    static constexpr qsizetype MaxBodyBytes = 8 * 1024 * 1024;

    // Takes ownership of the socket.
    FakeHttpConnection(QTcpSocket *socket, const QString &origin, quint64 id, QObject *parent = nullptr);
    ~FakeHttpConnection() override;

    QString origin() const { return m_origin; }
    quint64 id() const { return m_id; }

    // Must be called exactly once per requestReceived(), synchronously or later.
    void respond(FakeHttpResponse response);

signals:
    void requestReceived(FakeHttpConnection *connection, const FakeHttpRequest &request);
    void closed(FakeHttpConnection *connection);

private:
    enum class State
    {
        Reading,  // waiting for (more of) a request head
        Handling, // request emitted, waiting for respond()
        Sending,  // streaming a body
        Closing   // no more requests on this connection
    };

    void processBuffer();
    void rejectAndClose(int statusCode, const QByteArray &message);
    void pumpBody();
    void finishResponse();
    void closeConnection();

    QTcpSocket *m_socket;
    QString m_origin;
    quint64 m_id;
    State m_state = State::Reading;
    QByteArray m_buffer;
    bool m_keepAlive = true;
    bool m_headRequest = false;

    FakeHttpResponse m_response;
    qint64 m_bodySent = 0;
    qint64 m_bodyLimit = 0;
    QTimer m_throttleTimer;
    QElapsedTimer m_throttleClock;
};
