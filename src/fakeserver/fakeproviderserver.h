#pragma once

#include "faketaskspec.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QObject>
#include <QUrl>

#include <memory>

class QTcpServer;
class QTcpSocket;

// A loopback HTTP server that speaks every provider API Reelkeep supports, plus a separate
// "CDN" origin with signed, expiring, Range-capable video URLs and a third "other host" origin
// for redirects. Built on QTcpServer rather than Qt HttpServer (a technical preview in 6.4)
// because several faults need control of the raw byte stream (truncation, throttling).
// Tests link it; the app and reelkeep-fakeserver start it as the no-key demo backend.
class FakeProviderServer : public QObject
{
    Q_OBJECT

public:
    struct RecordedRequest
    {
        QString origin;              // "api", "cdn" or "other"
        QByteArray method;
        QByteArray rawTarget;        // the request target exactly as received (path + query, still encoded)
        QHash<QByteArray, QByteArray> headers; // lower-cased names
        quint64 connectionId = 0;    // which TCP connection carried it (for keep-alive checks)
    };

    explicit FakeProviderServer(QObject *parent = nullptr);
    ~FakeProviderServer() override;

    // Listens on 127.0.0.1. apiPort 0 picks a free port; the CDN and other-host origins always
    // get free ports of their own (a different port is a different origin).
    bool listen(quint16 apiPort = 0);
    QUrl apiBaseUrl() const;    // http://127.0.0.1:<api>
    QUrl cdnBaseUrl() const;    // http://127.0.0.1:<cdn>
    QUrl otherBaseUrl() const;  // http://127.0.0.1:<other>

    // Bearer key the API origin accepts. Empty (the default) accepts any key or none.
    // A wrong key gets 401 (MiniMax shape: HTTP 200 with base_resp.status_code 1004).
    void setApiKey(const QString &key);

    void addTask(const FakeTaskSpec &spec);
    bool hasTask(const QString &id) const;
    // The spec a task was added with (default-constructed for an unknown ID).
    FakeTaskSpec taskSpec(const QString &id) const;
    // The provider name (CLI --provider value) a client uses for a shape.
    static QString providerName(FakeTaskSpec::Shape shape);
    // Demo scenario: a handful of tasks over every shape and every end state. Returns their IDs.
    // Their videos are a real, playable H.264 MP4 (demoVideoPath()), so saved demo files preview.
    QStringList loadDemoScenario();
    // Qt resource path of the real demo video compiled into this library (320x180, 5 s, H.264 +
    // AAC; see resources/demo/README.md).
    static QString demoVideoPath();

    // The exact bytes a task's video has (what a correct download must produce).
    QByteArray videoBytes(const QString &id) const;

    int statusQueryCount(const QString &id) const;
    QList<RecordedRequest> requests() const;
    void clearRequests();

private:
    struct Private;
    std::unique_ptr<Private> d;
};
