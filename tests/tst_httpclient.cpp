// The status-poll transport: HttpResponseParser on every framing, fed whole and byte by byte, and
// KeepAliveHttpClient (through HttpFetcher, as the poller uses it) against scripted HTTP servers
// on loopback: reuse, a server closing a kept connection, TLS, timeouts, oversize replies and
// where the key may go.

#include "apicredentials.h"
#include "httpfetcher.h"
#include "httpresponseparser.h"
#include "keepalivehttpclient.h"

#include <QFile>
#include <QHostInfo>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QSignalSpy>
#include <QSslKey>
#include <QSslServer>
#include <QSslSocket>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <functional>

using namespace Qt::StringLiterals;

namespace {

// A loopback HTTP server whose every answer the test writes by hand. Collects each request head
// with the index of the connection it came on.
class ScriptedServer : public QObject
{
public:
    struct Request
    {
        int connection = 0;
        QByteArray head;
        QByteArray header(const QByteArray &name) const
        {
            for (const QByteArray &line : head.split('\n')) {
                const qsizetype colon = line.indexOf(':');
                if (colon > 0 && line.left(colon).trimmed().compare(name, Qt::CaseInsensitive) == 0)
                    return line.mid(colon + 1).trimmed();
            }
            return {};
        }
    };
    // Answers request number `index` (0-based, across connections) on socket.
    using Handler = std::function<void(QTcpSocket *socket, int index, const Request &request)>;

    explicit ScriptedServer(QTcpServer *server, Handler handler)
        : m_server(server), m_handler(std::move(handler))
    {
        m_server->setParent(this);
        connect(m_server, &QTcpServer::pendingConnectionAvailable, this, [this] {
            while (QTcpSocket *socket = m_server->nextPendingConnection()) {
                const int connection = m_connections++;
                auto buffer = std::make_shared<QByteArray>();
                connect(socket, &QTcpSocket::readyRead, this, [this, socket, connection, buffer] {
                    *buffer += socket->readAll();
                    qsizetype end;
                    while ((end = buffer->indexOf("\r\n\r\n")) >= 0) {
                        Request request{connection, buffer->left(end + 4)};
                        buffer->remove(0, end + 4);
                        m_requests.append(request);
                        m_handler(socket, int(m_requests.size()) - 1, request);
                    }
                });
                connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            }
        });
        QVERIFY(m_server->listen(QHostAddress::LocalHost));
    }

    QUrl url(const QString &path, const QString &scheme = u"http"_s) const
    {
        return QUrl(u"%1://127.0.0.1:%2%3"_s.arg(scheme).arg(m_server->serverPort()).arg(path));
    }
    int connections() const { return m_connections; }
    const QList<Request> &requests() const { return m_requests; }

private:
    QTcpServer *m_server;
    Handler m_handler;
    int m_connections = 0;
    QList<Request> m_requests;
};

QByteArray okReply(const QByteArray &body)
{
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
           + QByteArray::number(body.size()) + "\r\n\r\n" + body;
}

// Sends one GET the way the poller does and waits for its answer.
HttpResponse fetch(QNetworkAccessManager *manager, const QUrl &url, const ApiCredentials &credentials = {},
                   HttpFetcher::Options options = {})
{
    HttpFetcher *fetcher = HttpFetcher::get(manager, url, credentials, options);
    QSignalSpy spy(fetcher, &HttpFetcher::finished);
    if (!spy.wait(10'000))
        return {};
    return spy.at(0).at(0).value<HttpResponse>();
}

} // namespace

class TestHttpClient : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();

    void parserReadsEveryFraming_data();
    void parserReadsEveryFraming();
    void parserRefusesWhatItCannotTrust_data();
    void parserRefusesWhatItCannotTrust();
    void parserBoundsTheBody();

    void connectionIsReused();
    void hostNameIsLookedUp();
    void serverClosingAKeptConnectionIsRetriedOnce();
    void freshConnectionClosedIsAnError();
    void connectionCloseIsHonoured();
    void chunkedReplyInPieces();
    void oversizeReplyIsRefused();
    void silentServerTimesOut();
    void keyStaysOnItsOrigin();
    void tlsWithATrustedCertificate();
    void tlsWithAnUntrustedCertificateSendsNothing();
    void proxiedRequestsStayWithQt();
};

void TestHttpClient::initTestCase()
{
    qRegisterMetaType<HttpResponse>();
}

void TestHttpClient::parserReadsEveryFraming_data()
{
    QTest::addColumn<QByteArray>("wire");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("keepAlive");
    QTest::addColumn<bool>("needsEndOfStream");

    QTest::newRow("content-length") << okReply(R"({"status":"processing"})") << 200
                                    << QByteArray(R"({"status":"processing"})") << true << false;
    QTest::newRow("chunked, extensions, trailer")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "5;ext=1\r\n{\"a\":\r\nA\r\n\"0123456\"}\r\n0\r\nX-Trailer: 1\r\n\r\n")
        << 200 << QByteArray(R"({"a":"0123456"})") << true << false;
    QTest::newRow("until close") << QByteArray("HTTP/1.1 502 Bad Gateway\r\n\r\n<html>bad</html>") << 502
                                 << QByteArray("<html>bad</html>") << false << true;
    QTest::newRow("connection close") << QByteArray("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}")
                                      << 200 << QByteArray("{}") << false << false;
    QTest::newRow("http/1.0") << QByteArray("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n{}") << 200
                              << QByteArray("{}") << false << false;
    QTest::newRow("http/1.0 keep-alive")
        << QByteArray("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\n{}") << 200
        << QByteArray("{}") << true << false;
    QTest::newRow("100 continue first")
        << QByteArray("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\nContent-Length: 0\r\n\r\n")
        << 429 << QByteArray() << true << false;
    QTest::newRow("204") << QByteArray("HTTP/1.1 204 No Content\r\n\r\n") << 204 << QByteArray() << true << false;
    QTest::newRow("folded and repeated headers")
        << QByteArray("HTTP/1.1 200 OK\r\nX-A: one\r\n  two\r\nX-B: 1\r\nx-b: 2\r\nContent-Length: 1\r\n\r\n1")
        << 200 << QByteArray("1") << true << false;
}

void TestHttpClient::parserReadsEveryFraming()
{
    QFETCH(QByteArray, wire);
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(bool, keepAlive);
    QFETCH(bool, needsEndOfStream);

    // Whole, then one byte at a time: the same response either way.
    for (int pieceSize : {int(wire.size()), 1, 3}) {
        HttpResponseParser parser;
        qsizetype used = 0;
        for (qsizetype i = 0; i < wire.size(); i += pieceSize)
            used += parser.feed(QByteArrayView(wire).sliced(i, qMin<qsizetype>(pieceSize, wire.size() - i)));
        QCOMPARE(used, wire.size());
        if (needsEndOfStream) {
            QCOMPARE(parser.state(), HttpResponseParser::State::Body);
            parser.finishAtEndOfStream();
        }
        QCOMPARE(parser.state(), HttpResponseParser::State::Complete);
        QCOMPARE(parser.statusCode(), status);
        QCOMPARE(parser.body(), body);
        QCOMPARE(parser.keepsConnection(), keepAlive);
    }
    if (QByteArray(QTest::currentDataTag()).startsWith("folded")) {
        HttpResponseParser parser;
        parser.feed(wire);
        QCOMPARE(parser.headers().value("x-a"), QByteArray("one two"));
        QCOMPARE(parser.headers().value("x-b"), QByteArray("1, 2"));
    }
}

void TestHttpClient::parserRefusesWhatItCannotTrust_data()
{
    QTest::addColumn<QByteArray>("wire");
    QTest::newRow("not http") << QByteArray("<html>hello</html>\r\n\r\n");
    QTest::newRow("bad status") << QByteArray("HTTP/1.1 2x0 OK\r\n\r\n");
    QTest::newRow("http/2 text") << QByteArray("HTTP/2 200\r\n\r\n");
    QTest::newRow("conflicting lengths") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}");
    QTest::newRow("negative length") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n");
    QTest::newRow("gzip coding") << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n");
    QTest::newRow("bad chunk size") << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
    QTest::newRow("chunk without its CRLF") << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}x\r\n");
    QTest::newRow("switching protocols") << QByteArray("HTTP/1.1 101 Switching Protocols\r\n\r\n");
    QTest::newRow("header without colon") << QByteArray("HTTP/1.1 200 OK\r\nnonsense\r\n\r\n");
    QTest::newRow("endless head") << QByteArray("HTTP/1.1 200 OK\r\nX: " + QByteArray(70'000, 'a'));
}

void TestHttpClient::parserRefusesWhatItCannotTrust()
{
    QFETCH(QByteArray, wire);
    HttpResponseParser parser;
    parser.feed(wire);
    QCOMPARE(parser.state(), HttpResponseParser::State::Malformed);
    QVERIFY(!parser.keepsConnection());

    // Cut short: the end of the connection does not make a length-framed reply whole.
    HttpResponseParser cut;
    cut.feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{}");
    cut.finishAtEndOfStream();
    QCOMPARE(cut.state(), HttpResponseParser::State::Malformed);
}

void TestHttpClient::parserBoundsTheBody()
{
    HttpResponseParser byLength(100);
    byLength.feed("HTTP/1.1 200 OK\r\nContent-Length: 101\r\n\r\n");
    QCOMPARE(byLength.state(), HttpResponseParser::State::TooLarge);

    HttpResponseParser chunked(100);
    chunked.feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n" + QByteArray(64, 'a')
                 + "\r\n40\r\n");
    QCOMPARE(chunked.state(), HttpResponseParser::State::TooLarge);
    QVERIFY(chunked.body().isEmpty());

    HttpResponseParser untilClose(100);
    untilClose.feed("HTTP/1.1 200 OK\r\n\r\n" + QByteArray(101, 'a'));
    QCOMPARE(untilClose.state(), HttpResponseParser::State::TooLarge);

    HttpResponseParser exact(100);
    exact.feed("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + QByteArray(100, 'a'));
    QCOMPARE(exact.state(), HttpResponseParser::State::Complete);
}

void TestHttpClient::connectionIsReused()
{
    ScriptedServer server(new QTcpServer, [](QTcpSocket *socket, int index, const ScriptedServer::Request &) {
        socket->write(okReply(R"({"n":)" + QByteArray::number(index) + "}"));
    });
    QNetworkAccessManager manager;
    const ApiCredentials credentials(server.url(u"/"_s), u"sk-test-123"_s);
    for (int i = 0; i < 5; ++i) {
        const HttpResponse response = fetch(&manager, server.url(u"/v1/result/vid_%1?x=a%20b"_s.arg(i)), credentials);
        QCOMPARE(response.statusCode, 200);
        QCOMPARE(response.body, R"({"n":)" + QByteArray::number(i) + "}");
        QCOMPARE(response.header("content-type"), QByteArray("application/json"));
        QCOMPARE(response.url, server.url(u"/v1/result/vid_%1?x=a%20b"_s.arg(i)));
    }
    QCOMPARE(server.connections(), 1);
    QCOMPARE(KeepAliveHttpClient::of(&manager)->connectionsOpened(), 1);
    QCOMPARE(KeepAliveHttpClient::of(&manager)->idleConnectionCount(), 1);

    const ScriptedServer::Request &last = server.requests().last();
    QVERIFY2(last.head.startsWith("GET /v1/result/vid_4?x=a%20b HTTP/1.1\r\n"), last.head.constData());
    QCOMPARE(last.header("host"), "127.0.0.1:" + QByteArray::number(server.url(u"/"_s).port()));
    QCOMPARE(last.header("authorization"), QByteArray("Bearer sk-test-123"));
    QVERIFY(last.header("user-agent").startsWith("Reelkeep/"));
    QCOMPARE(last.header("accept-encoding"), QByteArray("identity"));
}

void TestHttpClient::hostNameIsLookedUp()
{
    ScriptedServer server(new QTcpServer, [](QTcpSocket *socket, int, const ScriptedServer::Request &) {
        socket->write(okReply("{}"));
    });
    // Some minimal systems (a bare chroot) have no /etc/hosts, and "localhost" goes to DNS.
    const QList<QHostAddress> addresses = QHostInfo::fromName(u"localhost"_s).addresses();
    if (!addresses.contains(QHostAddress(QHostAddress::LocalHost)))
        QSKIP("\"localhost\" does not resolve to 127.0.0.1 here");
    QUrl url = server.url(u"/v1/result/a"_s);
    url.setHost(u"localhost"_s);
    QNetworkAccessManager manager;
    QCOMPARE(fetch(&manager, url).statusCode, 200);
    QCOMPARE(fetch(&manager, url).statusCode, 200);
    QCOMPARE(server.connections(), 1);
    QCOMPARE(server.requests().at(0).header("host"), "localhost:" + QByteArray::number(url.port()));
}

void TestHttpClient::serverClosingAKeptConnectionIsRetriedOnce()
{
    // The second request arrives on the kept connection, and the server closes it unanswered,
    // as servers do when their keep-alive time runs out just as a request is on its way.
    ScriptedServer server(new QTcpServer, [](QTcpSocket *socket, int index, const ScriptedServer::Request &) {
        if (index == 1) {
            socket->close();
            return;
        }
        socket->write(okReply("{}"));
    });
    QNetworkAccessManager manager;
    QCOMPARE(fetch(&manager, server.url(u"/a"_s)).statusCode, 200);
    const HttpResponse second = fetch(&manager, server.url(u"/b"_s));
    QCOMPARE(second.statusCode, 200);
    QVERIFY(second.networkError.isEmpty());
    QCOMPARE(server.requests().size(), 3);
    QCOMPARE(server.requests().at(1).connection, 0);
    QCOMPARE(server.requests().at(2).connection, 1);
    QVERIFY(server.requests().at(2).head.startsWith("GET /b "));
}

void TestHttpClient::freshConnectionClosedIsAnError()
{
    ScriptedServer server(new QTcpServer, [](QTcpSocket *socket, int, const ScriptedServer::Request &) {
        socket->close();
    });
    QNetworkAccessManager manager;
    const HttpResponse response = fetch(&manager, server.url(u"/a"_s));
    QCOMPARE(response.statusCode, 0);
    QVERIFY(!response.networkError.isEmpty());
    QCOMPARE(server.requests().size(), 1); // not sent twice: the connection was new
}

void TestHttpClient::connectionCloseIsHonoured()
{
    ScriptedServer server(new QTcpServer, [](QTcpSocket *socket, int, const ScriptedServer::Request &) {
        socket->write("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}");
    });
    QNetworkAccessManager manager;
    QCOMPARE(fetch(&manager, server.url(u"/a"_s)).body, QByteArray("{}"));
    QCOMPARE(fetch(&manager, server.url(u"/b"_s)).body, QByteArray("{}"));
    QCOMPARE(server.connections(), 2);
    QCOMPARE(KeepAliveHttpClient::of(&manager)->idleConnectionCount(), 0);
}

void TestHttpClient::chunkedReplyInPieces()
{
    ScriptedServer server(new QTcpServer, [](QTcpSocket *socket, int, const ScriptedServer::Request &) {
        socket->write("HTTP/1.1 200 OK\r\nTransfer-");
        socket->flush();
        socket->write("Encoding: chunked\r\n\r\n3\r\n{\"a");
        socket->flush();
        socket->write("\r\n5\r\n\":1}\n\r\n0\r\n\r\n");
    });
    QNetworkAccessManager manager;
    const HttpResponse response = fetch(&manager, server.url(u"/a"_s));
    QCOMPARE(response.statusCode, 200);
    QCOMPARE(response.body, QByteArray("{\"a\":1}\n"));
    QCOMPARE(fetch(&manager, server.url(u"/b"_s)).statusCode, 200);
    QCOMPARE(server.connections(), 1);
}

void TestHttpClient::oversizeReplyIsRefused()
{
    ScriptedServer server(new QTcpServer, [](QTcpSocket *socket, int, const ScriptedServer::Request &) {
        socket->write(okReply(QByteArray(4096, 'x')));
    });
    QNetworkAccessManager manager;
    HttpFetcher::Options options;
    options.maxBodyBytes = 1024;
    const HttpResponse response = fetch(&manager, server.url(u"/big"_s), {}, options);
    QCOMPARE(response.statusCode, 0);
    QVERIFY(response.body.isEmpty());
    QVERIFY2(response.networkError.contains(u"larger than"_s), qPrintable(response.networkError));
    QCOMPARE(KeepAliveHttpClient::of(&manager)->idleConnectionCount(), 0);
}

void TestHttpClient::silentServerTimesOut()
{
    ScriptedServer server(new QTcpServer, [](QTcpSocket *, int, const ScriptedServer::Request &) {});
    QNetworkAccessManager manager;
    HttpFetcher::Options options;
    options.inactivityTimeoutMs = 300;
    const HttpResponse response = fetch(&manager, server.url(u"/slow"_s), {}, options);
    QCOMPARE(response.statusCode, 0);
    QVERIFY2(response.networkError.contains(u"timed out"_s), qPrintable(response.networkError));
    // The connection that carried it is closed, not kept for the next request.
    QCOMPARE(KeepAliveHttpClient::of(&manager)->idleConnectionCount(), 0);
}

void TestHttpClient::keyStaysOnItsOrigin()
{
    ScriptedServer other(new QTcpServer, [](QTcpSocket *socket, int, const ScriptedServer::Request &) {
        socket->write(okReply(R"({"status":"done"})"));
    });
    const QUrl target = other.url(u"/moved"_s);
    ScriptedServer api(new QTcpServer, [target](QTcpSocket *socket, int, const ScriptedServer::Request &) {
        socket->write("HTTP/1.1 302 Found\r\nLocation: " + target.toEncoded() + "\r\nContent-Length: 0\r\n\r\n");
    });
    QNetworkAccessManager manager;
    const ApiCredentials credentials(api.url(u"/"_s), u"sk-secret-456"_s);
    const HttpResponse response = fetch(&manager, api.url(u"/v1/task/1"_s), credentials);
    QCOMPARE(response.statusCode, 200);
    QCOMPARE(response.url, target);
    QCOMPARE(api.requests().size(), 1);
    QCOMPARE(api.requests().at(0).header("authorization"), QByteArray("Bearer sk-secret-456"));
    QCOMPARE(other.requests().size(), 1);
    QVERIFY(other.requests().at(0).header("authorization").isEmpty());
    QVERIFY(!other.requests().at(0).head.contains("sk-secret-456"));
}

namespace {

QSslServer *tlsServer()
{
    QFile certFile(QStringLiteral(REELKEEP_TEST_DATA_DIR "/tls/loopback-cert.pem"));
    QFile keyFile(QStringLiteral(REELKEEP_TEST_DATA_DIR "/tls/loopback-key.pem"));
    if (!certFile.open(QIODevice::ReadOnly) || !keyFile.open(QIODevice::ReadOnly))
        return nullptr;
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setLocalCertificate(QSslCertificate(certFile.readAll()));
    configuration.setPrivateKey(QSslKey(keyFile.readAll(), QSsl::Ec));
    auto *server = new QSslServer;
    server->setSslConfiguration(configuration);
    return server;
}

QSslCertificate testCertificate()
{
    QFile certFile(QStringLiteral(REELKEEP_TEST_DATA_DIR "/tls/loopback-cert.pem"));
    certFile.open(QIODevice::ReadOnly);
    return QSslCertificate(certFile.readAll());
}

} // namespace

void TestHttpClient::tlsWithATrustedCertificate()
{
    if (!QSslSocket::supportsSsl())
        QSKIP("No TLS backend");
    QSslServer *tls = tlsServer();
    QVERIFY(tls);
    ScriptedServer server(tls, [](QTcpSocket *socket, int index, const ScriptedServer::Request &) {
        socket->write(okReply(R"({"tls":)" + QByteArray::number(index) + "}"));
    });
    QNetworkAccessManager manager;
    KeepAliveHttpClient *client = KeepAliveHttpClient::of(&manager);
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setCaCertificates({testCertificate()});
    client->setSslConfiguration(configuration);
    const QUrl url = server.url(u"/v1/result/a"_s, u"https"_s);
    QVERIFY(client->canSend(url));
    const ApiCredentials credentials(url, u"sk-tls"_s);
    QCOMPARE(fetch(&manager, url, credentials).body, QByteArray(R"({"tls":0})"));
    QCOMPARE(fetch(&manager, url, credentials).body, QByteArray(R"({"tls":1})"));
    QCOMPARE(server.connections(), 1);
    QCOMPARE(server.requests().at(1).header("authorization"), QByteArray("Bearer sk-tls"));
}

void TestHttpClient::tlsWithAnUntrustedCertificateSendsNothing()
{
    if (!QSslSocket::supportsSsl())
        QSKIP("No TLS backend");
    QSslServer *tls = tlsServer();
    QVERIFY(tls);
    ScriptedServer server(tls, [](QTcpSocket *socket, int, const ScriptedServer::Request &) {
        socket->write(okReply("{}"));
    });
    QNetworkAccessManager manager;
    const QUrl url = server.url(u"/v1/result/a"_s, u"https"_s);
    const HttpResponse response = fetch(&manager, url, ApiCredentials(url, u"sk-never-sent"_s));
    QCOMPARE(response.statusCode, 0);
    QVERIFY(!response.networkError.isEmpty());
    QVERIFY(server.requests().isEmpty()); // the key never left: no request got through
}

void TestHttpClient::proxiedRequestsStayWithQt()
{
    QNetworkAccessManager manager;
    manager.setProxy(QNetworkProxy(QNetworkProxy::HttpProxy, u"127.0.0.1"_s, 9));
    QVERIFY(!KeepAliveHttpClient::of(&manager)->canSend(QUrl(u"http://127.0.0.1:1234/v1/result/a"_s)));

    QNetworkAccessManager direct;
    QVERIFY(KeepAliveHttpClient::of(&direct)->canSend(QUrl(u"http://127.0.0.1:1234/v1/result/a"_s)));
    QVERIFY(!KeepAliveHttpClient::of(&direct)->canSend(QUrl(u"ftp://127.0.0.1/a"_s)));
}

QTEST_GUILESS_MAIN(TestHttpClient)
#include "tst_httpclient.moc"
