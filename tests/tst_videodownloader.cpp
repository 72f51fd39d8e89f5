// VideoDownloader over loopback against FakeProviderServer: streaming to a .part file, resume
// with Range/If-Range, expired and re-encoded signed URLs, error pages served as video, manual
// redirects that keep the key on its origin, base64 sources, disk errors, the queue. Plus the
// pure pieces it is built from (base64 stream decoding, the JSON scanner, the content sniff).

#include "apicredentials.h"
#include "backgroundsha256.h"
#include "base64replyparser.h"
#include "base64streamdecoder.h"
#include "downloadjob.h"
#include "fakeproviderserver.h"
#include "videodownloader.h"
#include "videosniffer.h"

#include <QCryptographicHash>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMutex>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRandomGenerator>
#include <QSemaphore>
#include <QSet>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <algorithm>
#include <memory>

#ifdef Q_OS_UNIX
#include <csignal>
#include <sys/resource.h>
#include <unistd.h>
#endif

using namespace Qt::StringLiterals;
using Status = DownloadResult::Status;

namespace {

const QString Account = u"acc"_s;

QString describe(const DownloadResult &result)
{
    return u"status %1, http %2, message: %3"_s.arg(int(result.status)).arg(result.httpStatus).arg(result.message);
}

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

QByteArray sha256Hex(const QByteArray &bytes)
{
    return QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex();
}

// "http://host:port/path?query" -> "/path?query": what a request line carries.
QByteArray targetOf(const QByteArray &url)
{
    const qsizetype scheme = url.indexOf("://");
    const qsizetype slash = url.indexOf('/', scheme + 3);
    return url.mid(slash);
}

// Watches BackgroundSha256 through its test hook while it exists: which threads hashed and how
// many bytes; gateFirstBlock() holds the worker inside its next block until openGate().
class HashObserver
{
public:
    HashObserver()
    {
        s_threads.clear();
        s_bytes = 0;
        s_entered.tryAcquire(s_entered.available());
        s_gate.tryAcquire(s_gate.available());
        BackgroundSha256::setObserverForTesting(&HashObserver::record);
    }
    ~HashObserver()
    {
        BackgroundSha256::setObserverForTesting(nullptr);
        s_gated.storeRelease(0);
        s_gate.release(1'000); // never leave a worker stuck behind a failed test
    }
    HashObserver(const HashObserver &) = delete;
    HashObserver &operator=(const HashObserver &) = delete;

    void gateFirstBlock() { s_gated.storeRelease(1); }
    bool gated() const { return s_entered.available() > 0; }
    void openGate() { s_gate.release(); }

    QSet<QThread *> threads() const
    {
        QMutexLocker lock(&s_mutex);
        return s_threads;
    }
    qint64 bytes() const
    {
        QMutexLocker lock(&s_mutex);
        return s_bytes;
    }

private:
    static void record(qint64 bytes)
    {
        {
            QMutexLocker lock(&s_mutex);
            s_threads.insert(QThread::currentThread());
            s_bytes += bytes;
        }
        if (s_gated.testAndSetOrdered(1, 0)) {
            s_entered.release();
            s_gate.acquire();
        }
    }

    static inline QMutex s_mutex;
    static inline QSet<QThread *> s_threads;
    static inline qint64 s_bytes = 0;
    static inline QAtomicInt s_gated;
    static inline QSemaphore s_entered{0};
    static inline QSemaphore s_gate{0};
};

} // namespace

class TestVideoDownloader : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();

    // Pure pieces
    void base64DecoderMatchesQt_data();
    void base64DecoderMatchesQt();
    void base64DecoderKeepsAtMostThreeChars();
    void base64DecoderRejectsGarbage();
    void replyParserStreamsBase64();
    void replyParserUsesDataUrlWhenFirst();
    void replyParserReportsFailure();
    void sniffer_data();
    void sniffer();
    void backgroundHashBacklogAndReset();

    // Over loopback
    void plainDownload();
    void signedUrlSentExactly();
    void expiredUrlKeepsPartialForFreshUrl();
    void pastExpiryIsNotTried();
    void truncatedTransferResumesWithIfRange();
    void serverIgnoringRangeRestarts();
    void resumeFromPartialAfterRestart();
    void hashingRunsOffTheCallingThread();
    void renamedBeforeCrashIsAdopted();
    void stuckHashingPausesReading();
    void staleEtagReplacesPartial();
    void htmlInsteadOfVideo();
    void htmlDoesNotReplaceGoodPartial();
    void redirectFromOtherHost();
    void keyStaysOnItsOrigin();
    void base64Endpoint();
    void base64EndpointNotReady();
    void inlineBase64();
    void inlineBase64Invalid();
    void throttledDownloadReportsProgress();
    void largeDownloadKeepsMemoryFlat();
    void inactivityTimeoutRetriesThenGivesUp();
    void unwritableDirectory();
    void fileSizeLimitIsDiskFull();
    void nameCollisionGetsSuffix();
    void queueRunsInArrivalOrder();
    void cancelKeepsPartial();

private:
    QByteArray addTask(FakeTaskSpec spec);
    QJsonObject getJson(const QUrl &url, const QByteArray &key = {});
    QByteArray mixrouteUrl(const QString &id);
    DownloadRequest requestFor(const QString &id, const QByteArray &url) const;
    DownloadResult download(const DownloadRequest &request, int timeoutMs = 20'000);
    QList<FakeProviderServer::RecordedRequest> requestsTo(const QString &origin) const;
    QStringList filesInDir() const;

    std::unique_ptr<FakeProviderServer> m_server;
    std::unique_ptr<QNetworkAccessManager> m_nam;
    std::unique_ptr<VideoDownloader> m_downloader;
    std::unique_ptr<QTemporaryDir> m_dir;
};

void TestVideoDownloader::initTestCase()
{
    qRegisterMetaType<TaskKey>();
    qRegisterMetaType<DownloadResult>();
}

void TestVideoDownloader::init()
{
    m_server = std::make_unique<FakeProviderServer>();
    QVERIFY(m_server->listen());
    m_nam = std::make_unique<QNetworkAccessManager>();
    m_downloader = std::make_unique<VideoDownloader>(m_nam.get());
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void TestVideoDownloader::cleanup()
{
    m_downloader.reset();
    m_nam.reset();
    m_server.reset();
    m_dir.reset();
}

QByteArray TestVideoDownloader::addTask(FakeTaskSpec spec)
{
    spec.queuedPolls = 0;
    spec.processingPolls = 0;
    m_server->addTask(spec);
    return m_server->videoBytes(spec.id);
}

QJsonObject TestVideoDownloader::getJson(const QUrl &url, const QByteArray &key)
{
    QNetworkRequest request(url);
    if (!key.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + key);
    QNetworkReply *reply = m_nam->get(request);
    QSignalSpy spy(reply, &QNetworkReply::finished);
    if (!spy.wait(10'000))
        return {};
    reply->deleteLater();
    return QJsonDocument::fromJson(reply->readAll()).object();
}

// The signed video URL exactly as the provider's JSON carried it.
QByteArray TestVideoDownloader::mixrouteUrl(const QString &id)
{
    const QUrl url = QUrl::fromEncoded(m_server->apiBaseUrl().toEncoded() + "/v1/video/generations/"
                                       + QUrl::toPercentEncoding(id));
    for (int i = 0; i < 5; ++i) {
        const QJsonObject reply = getJson(url);
        if (reply.contains("url"_L1))
            return reply.value("url"_L1).toString().toUtf8();
    }
    return {};
}

DownloadRequest TestVideoDownloader::requestFor(const QString &id, const QByteArray &url) const
{
    DownloadRequest request;
    request.key = TaskKey{Account, id};
    request.source.kind = VideoSource::Kind::Url;
    request.source.url = url;
    request.directory = m_dir->path();
    request.fileName = id + u".mp4"_s;
    request.inactivityTimeoutMs = 10'000;
    return request;
}

DownloadResult TestVideoDownloader::download(const DownloadRequest &request, int timeoutMs)
{
    QSignalSpy spy(m_downloader.get(), &VideoDownloader::finished);
    m_downloader->start(request);
    QElapsedTimer clock;
    clock.start();
    while (spy.isEmpty() && clock.elapsed() < timeoutMs)
        spy.wait(int(timeoutMs - clock.elapsed()));
    if (spy.isEmpty()) {
        DownloadResult timedOut;
        timedOut.message = u"the test timed out waiting for finished()"_s;
        return timedOut;
    }
    const auto key = spy.first().at(0).value<TaskKey>();
    if (!(key == request.key))
        qWarning("finished() for another key");
    return spy.first().at(1).value<DownloadResult>();
}

QList<FakeProviderServer::RecordedRequest> TestVideoDownloader::requestsTo(const QString &origin) const
{
    QList<FakeProviderServer::RecordedRequest> out;
    for (const auto &request : m_server->requests())
        if (request.origin == origin)
            out.append(request);
    return out;
}

QStringList TestVideoDownloader::filesInDir() const
{
    return QDir(m_dir->path()).entryList(QDir::Files | QDir::Hidden | QDir::System, QDir::Name);
}

// ---------------------------------------------------------------------------------------------
// Pure pieces

void TestVideoDownloader::base64DecoderMatchesQt_data()
{
    QTest::addColumn<int>("size");
    QTest::addColumn<int>("chunk");
    QTest::addColumn<bool>("wrapped");
    for (int size : {0, 1, 2, 3, 4, 5, 1000, 65'537})
        for (int chunk : {1, 2, 3, 5, 7, 4096})
            QTest::addRow("size %d chunk %d", size, chunk) << size << chunk << (size % 2 == 1);
}

void TestVideoDownloader::base64DecoderMatchesQt()
{
    QFETCH(int, size);
    QFETCH(int, chunk);
    QFETCH(bool, wrapped);
    QByteArray original(size, Qt::Uninitialized);
    for (int i = 0; i < size; ++i)
        original[i] = char(QRandomGenerator::global()->bounded(256));
    QByteArray encoded = original.toBase64();
    if (wrapped) {
        // MIME-style line breaks must be skipped.
        for (qsizetype at = 76; at < encoded.size(); at += 78)
            encoded.insert(at, "\r\n");
    }
    Base64StreamDecoder decoder;
    QByteArray out;
    for (qsizetype pos = 0; pos < encoded.size(); pos += chunk)
        QVERIFY2(decoder.decode(QByteArrayView(encoded).sliced(pos, qMin<qsizetype>(chunk, encoded.size() - pos)), out),
                 qPrintable(decoder.errorString()));
    QVERIFY(decoder.finish(out));
    QCOMPARE(out, original);
}

void TestVideoDownloader::base64DecoderKeepsAtMostThreeChars()
{
    Base64StreamDecoder decoder;
    QByteArray out;
    const QByteArray encoded = QByteArray("Reelkeep keeps every video").toBase64(QByteArray::OmitTrailingEquals);
    for (const char c : encoded) {
        QVERIFY(decoder.decode(QByteArrayView(&c, 1), out));
        QVERIFY(decoder.pendingChars() <= 3);
        // Everything that can be decoded already is: output trails input by under one group.
        QCOMPARE(out.size(), decoder.charsConsumed() / 4 * 3);
    }
    QVERIFY(decoder.finish(out)); // unpadded tail
    QCOMPARE(out, QByteArray("Reelkeep keeps every video"));

    Base64StreamDecoder urlSafe;
    QByteArray urlOut;
    const QByteArray bytes("\xfb\xff\xbf", 3);
    QVERIFY(urlSafe.decode(bytes.toBase64(QByteArray::Base64UrlEncoding), urlOut));
    QVERIFY(urlSafe.finish(urlOut));
    QCOMPARE(urlOut, bytes);
}

void TestVideoDownloader::base64DecoderRejectsGarbage()
{
    QByteArray out;
    Base64StreamDecoder invalidChar;
    QVERIFY(!invalidChar.decode("AAAA*AAA", out));
    QVERIFY(!invalidChar.errorString().isEmpty());
    QVERIFY(!invalidChar.decode("AAAA", out)); // stays failed

    Base64StreamDecoder afterPadding;
    QVERIFY(afterPadding.decode("AA==", out));
    QVERIFY(!afterPadding.decode("AAAA", out));
    QVERIFY(afterPadding.hasFailed());

    Base64StreamDecoder loneChar;
    QVERIFY(loneChar.decode("AAAAA", out));
    QVERIFY(!loneChar.finish(out)); // one character is no byte
}

void TestVideoDownloader::replyParserStreamsBase64()
{
    QByteArray video(200'000, Qt::Uninitialized);
    for (qsizetype i = 0; i < video.size(); ++i)
        video[i] = char(i * 7 + i / 251);
    QByteArray b64 = video.toBase64();
    b64.replace("/", "\\/"); // JSON may escape the slash
    const QByteArray json = "{\"success\":true,\"generation_id\":\"video_1\",\"nested\":{\"base64\":\"AAAA\"},"
                            "\"list\":[1,2,{\"x\":null}],\"base64\":\""
        + b64 + "\",\"data_url\":\"data:video/mp4;base64," + video.toBase64() + "\",\"size\":"
        + QByteArray::number(video.size()) + ",\"format\":\"mp4\"}";

    for (int chunk : {1, 13, 4096, int(json.size())}) {
        QByteArray out;
        qsizetype largestWrite = 0;
        Base64ReplyParser parser([&](QByteArrayView bytes) {
            out += bytes;
            largestWrite = qMax(largestWrite, bytes.size());
            return true;
        });
        for (qsizetype pos = 0; pos < json.size(); pos += chunk)
            QVERIFY2(parser.feed(QByteArrayView(json).sliced(pos, qMin<qsizetype>(chunk, json.size() - pos))),
                     qPrintable(parser.errorString()));
        QVERIFY2(parser.finish(), qPrintable(parser.errorString()));
        QVERIFY(parser.hasVideo());
        // Only the top-level "base64" is the video; data_url is skipped, not decoded again.
        QCOMPARE(out.size(), video.size());
        QCOMPARE(out, video);
        QCOMPARE(parser.declaredSize(), video.size());
        QCOMPARE(parser.success(), std::optional<bool>(true));
        QCOMPARE(parser.format(), u"mp4"_s);
        QVERIFY(largestWrite <= qMax<qsizetype>(chunk, 4096) * 3 / 4 + 3 || chunk == json.size());
    }
}

void TestVideoDownloader::replyParserUsesDataUrlWhenFirst()
{
    const QByteArray video("\x00\x00\x00\x18" "ftypisom-and-more-bytes", 27);
    const QByteArray json = "{\"data_url\":\"data:video/mp4;base64," + video.toBase64() + "\",\"base64\":\""
        + video.toBase64() + "\"}";
    QByteArray out;
    Base64ReplyParser parser([&](QByteArrayView bytes) {
        out += bytes;
        return true;
    });
    QVERIFY(parser.feed(json));
    QVERIFY(parser.finish());
    QCOMPARE(out, video);
    QCOMPARE(parser.declaredSize(), -1);
}

void TestVideoDownloader::replyParserReportsFailure()
{
    Base64ReplyParser refused;
    QVERIFY(refused.feed(R"({"success":false,"message":"video abc is not ready","base64":null})"));
    QVERIFY(refused.finish());
    QCOMPARE(refused.success(), std::optional<bool>(false));
    QVERIFY(!refused.hasVideo());
    QCOMPARE(refused.providerMessage(), u"video abc is not ready"_s);

    Base64ReplyParser openAiError;
    QVERIFY(openAiError.feed(R"({"error":{"message":"Invalid token \u00e9","type":"new_api_error"}})"));
    QVERIFY(openAiError.finish());
    QCOMPARE(openAiError.providerMessage(), u"Invalid token é"_s);

    Base64ReplyParser html;
    QVERIFY(!html.feed("<html><body>Bad gateway</body></html>"));
    QVERIFY(!html.errorString().isEmpty());

    Base64ReplyParser cut;
    QVERIFY(cut.feed(R"({"success":true,"base64":"AAAA)"));
    QVERIFY(!cut.finish());

    Base64ReplyParser sinkFails([](QByteArrayView) { return false; });
    QVERIFY(!sinkFails.feed(R"({"base64":"AAAAAAAA"})"));
    QVERIFY(sinkFails.sinkFailed());
}

void TestVideoDownloader::sniffer_data()
{
    QTest::addColumn<QByteArray>("head");
    QTest::addColumn<int>("kind");
    QTest::addColumn<bool>("isVideo");
    QTest::addColumn<QString>("extension");
    using K = VideoSniffer::Kind;
    QTest::newRow("mp4") << QByteArray("\x00\x00\x00\x20" "ftypisom\x00\x00\x02\x00", 16) << int(K::Mp4) << true
                         << u"mp4"_s;
    QTest::newRow("mov") << QByteArray("\x00\x00\x00\x14" "ftypqt  \x20\x05\x03\x00", 16) << int(K::QuickTime)
                         << true << u"mov"_s;
    QTest::newRow("old mov") << QByteArray("\x00\x00\x00\x08" "wide\x00\x00\x00\x00", 12) << int(K::QuickTime)
                             << true << u"mov"_s;
    QTest::newRow("webm") << QByteArray("\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3"
                                        "\x81\x08\x42\x82\x84" "webm\x42\x87\x81\x04\x42\x85\x81\x02\x18\x53\x80\x67", 40)
                          << int(K::WebM) << true << u"webm"_s;
    QTest::newRow("html") << QByteArray("\n  <!DOCTYPE html><html><title>Sign in</title></html>") << int(K::Html) << false
                          << u"mp4"_s;
    QTest::newRow("xml") << QByteArray("<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code></Error>") << int(K::Xml)
                         << false << u"mp4"_s;
    QTest::newRow("json") << QByteArray("{\"error\":\"nope\"}") << int(K::Json) << false << u"mp4"_s;
    QTest::newRow("text") << QByteArray("Gateway Timeout") << int(K::Text) << false << u"mp4"_s;
    QTest::newRow("binary") << QByteArray("\x89PNG\r\n\x1a\n\x00\x00\x00\x0d" "IHDR", 16) << int(K::Unknown) << false
                            << u"mp4"_s;
}

void TestVideoDownloader::sniffer()
{
    QFETCH(QByteArray, head);
    QFETCH(int, kind);
    QFETCH(bool, isVideo);
    QFETCH(QString, extension);
    const VideoSniffer::Kind found = VideoSniffer::sniff(head, true);
    QCOMPARE(int(found), kind);
    QCOMPARE(VideoSniffer::isVideo(found), isVideo);
    QCOMPARE(VideoSniffer::isTextPage(found), kind >= int(VideoSniffer::Kind::Html) && kind <= int(VideoSniffer::Kind::Text));
    QCOMPARE(VideoSniffer::extensionFor(found), extension);
}

void TestVideoDownloader::backgroundHashBacklogAndReset()
{
    HashObserver observer;
    observer.gateFirstBlock();
    BackgroundSha256 hash;
    QSignalSpy drained(&hash, &BackgroundSha256::backlogDrained);
    QSignalSpy digests(&hash, &BackgroundSha256::digestReady);
    QByteArray first(300'000, Qt::Uninitialized);
    QByteArray second(500'000, Qt::Uninitialized);
    QRandomGenerator rng(7);
    for (QByteArray *bytes : {&first, &second})
        for (char &c : *bytes)
            c = char(rng.bounded(256));

    // The worker sits inside the first block: both are still owed, and the caller is free.
    hash.addData(first);
    hash.addData(second);
    QTRY_VERIFY_WITH_TIMEOUT(observer.gated(), 10'000);
    QCOMPARE(hash.backlogBytes(), first.size() + second.size());
    hash.notifyWhenBacklogAtMost(0);
    QCoreApplication::processEvents();
    QVERIFY(drained.isEmpty());
    observer.openGate();
    QTRY_COMPARE_WITH_TIMEOUT(drained.size(), 1, 10'000);
    QCOMPARE(hash.backlogBytes(), 0);

    hash.requestDigest();
    QTRY_COMPARE_WITH_TIMEOUT(digests.size(), 1, 10'000);
    QCOMPARE(digests.at(0).at(0).toByteArray(), sha256Hex(first + second));
    QCOMPARE(digests.at(0).at(1).toLongLong(), first.size() + second.size());

    // reset() forgets everything before it; a file's prefix is read on the worker.
    QTemporaryDir dir;
    const QString path = dir.filePath(u"prefix.bin"_s);
    QVERIFY(writeFile(path, second + "not hashed"));
    hash.reset();
    hash.addFile(path, second.size());
    hash.addData(first);
    hash.requestDigest();
    hash.addFile(path, second.size() + 1'000); // past the end: a failed read
    hash.requestDigest();
    QTRY_COMPARE_WITH_TIMEOUT(digests.size(), 3, 10'000);
    QCOMPARE(digests.at(1).at(0).toByteArray(), sha256Hex(second + first));
    QCOMPARE(digests.at(1).at(1).toLongLong(), second.size() + first.size());
    QVERIFY(digests.at(2).at(0).toByteArray().isEmpty());
    QVERIFY(!digests.at(2).at(2).toString().isEmpty());

    QVERIFY(!observer.threads().isEmpty());
    QVERIFY(!observer.threads().contains(QThread::currentThread()));
}

// ---------------------------------------------------------------------------------------------
// Over loopback

void TestVideoDownloader::plainDownload()
{
    FakeTaskSpec spec;
    spec.id = u"plain1"_s;
    spec.shape = FakeTaskSpec::Shape::Mixroute;
    const QByteArray video = addTask(spec);
    const QByteArray url = mixrouteUrl(spec.id);
    QVERIFY(!url.isEmpty());

    QSignalSpy started(m_downloader.get(), &VideoDownloader::started);
    QSignalSpy resumeInfo(m_downloader.get(), &VideoDownloader::resumeInfoChanged);
    m_server->clearRequests();
    const DownloadResult result = download(requestFor(spec.id, url));
    QVERIFY2(result.status == Status::Saved, qPrintable(describe(result)));
    QCOMPARE(QFileInfo(result.filePath).fileName(), u"plain1.mp4"_s);
    QCOMPARE(QFileInfo(QFileInfo(result.filePath).absolutePath()).canonicalFilePath(),
             QFileInfo(m_dir->path()).canonicalFilePath());
    QCOMPARE(readAll(result.filePath), video);
    QCOMPARE(result.bytes, video.size());
    QCOMPARE(result.sha256Hex, sha256Hex(video));
    QCOMPARE(result.httpStatus, 200);
    QCOMPARE(filesInDir(), QStringList{u"plain1.mp4"_s}); // the .part is gone

    QCOMPARE(started.size(), 1);
    QCOMPARE(QFileInfo(started.first().at(1).toString()).fileName(), u"plain1.mp4.part"_s);
    QVERIFY(!resumeInfo.isEmpty());
    QVERIFY(!resumeInfo.last().at(2).toByteArray().isEmpty()); // the ETag, for a later resume

    const auto cdn = requestsTo(u"cdn"_s);
    QCOMPARE(cdn.size(), 1);
    QCOMPARE(cdn.first().headers.value("accept-encoding"), QByteArray("identity"));
    QVERIFY(!cdn.first().headers.contains("range"));
    QVERIFY(!cdn.first().headers.contains("authorization"));
}

void TestVideoDownloader::signedUrlSentExactly()
{
    FakeTaskSpec spec;
    spec.id = u"signed+id/1"_s;
    spec.shape = FakeTaskSpec::Shape::Mixroute;
    const QByteArray video = addTask(spec);
    const QByteArray url = mixrouteUrl(spec.id);
    QVERIFY(url.contains("%3D")); // the signature holds encoded characters a re-encoder would touch

    m_server->clearRequests();
    const DownloadResult result = download(requestFor(spec.id, url));
    QVERIFY2(result.status == Status::Saved, qPrintable(describe(result)));
    QCOMPARE(readAll(result.filePath), video);
    const auto cdn = requestsTo(u"cdn"_s);
    QCOMPARE(cdn.size(), 1);
    QCOMPARE(cdn.first().rawTarget, targetOf(url));
    // The hostile ID did not leak into the path either.
    QCOMPARE(QFileInfo(result.filePath).fileName(), u"signed+id_1.mp4"_s);
}

void TestVideoDownloader::expiredUrlKeepsPartialForFreshUrl()
{
    FakeTaskSpec spec;
    spec.id = u"expired1"_s;
    spec.shape = FakeTaskSpec::Shape::Mixroute;
    spec.firstUrlExpired = true;
    const QByteArray video = addTask(spec);
    const QByteArray staleUrl = mixrouteUrl(spec.id);
    QVERIFY(!staleUrl.isEmpty());

    // Half the file from an earlier run.
    const qint64 half = video.size() / 2;
    const QString partial = m_dir->filePath(u"expired1.mp4.part"_s);
    QVERIFY(writeFile(partial, video.left(half)));

    DownloadRequest request = requestFor(spec.id, staleUrl);
    request.partialPath = partial;
    const DownloadResult expired = download(request);
    QVERIFY2(expired.status == Status::UrlExpired, qPrintable(describe(expired)));
    QCOMPARE(expired.httpStatus, 403);
    QVERIFY(!expired.message.isEmpty());
    QCOMPARE(QFileInfo(expired.partialPath).canonicalFilePath(), QFileInfo(partial).canonicalFilePath());
    QCOMPARE(expired.bytes, half);
    QCOMPARE(readAll(partial), video.left(half)); // untouched
    QCOMPARE(filesInDir(), QStringList{u"expired1.mp4.part"_s}); // no final file

    // The caller asks the provider again and passes the same partial with the fresh URL.
    const QByteArray freshUrl = mixrouteUrl(spec.id);
    QVERIFY(freshUrl != staleUrl);
    m_server->clearRequests();
    request.source.url = freshUrl;
    request.partialPath = expired.partialPath;
    request.etag = expired.etag;
    const DownloadResult saved = download(request);
    QVERIFY2(saved.status == Status::Saved, qPrintable(describe(saved)));
    QCOMPARE(readAll(saved.filePath), video);
    QCOMPARE(saved.sha256Hex, sha256Hex(video));
    const auto cdn = requestsTo(u"cdn"_s);
    QCOMPARE(cdn.size(), 1);
    QCOMPARE(cdn.first().headers.value("range"), "bytes=" + QByteArray::number(half) + '-');
}

void TestVideoDownloader::pastExpiryIsNotTried()
{
    FakeTaskSpec spec;
    spec.id = u"late1"_s;
    spec.shape = FakeTaskSpec::Shape::Mixroute;
    addTask(spec);
    const QByteArray url = mixrouteUrl(spec.id);
    m_server->clearRequests();
    DownloadRequest request = requestFor(spec.id, url);
    request.urlExpiresAt = QDateTime::currentDateTimeUtc().addSecs(-5);
    const DownloadResult result = download(request);
    QVERIFY2(result.status == Status::UrlExpired, qPrintable(describe(result)));
    QVERIFY(m_server->requests().isEmpty());
    QVERIFY(filesInDir().isEmpty());
}

void TestVideoDownloader::truncatedTransferResumesWithIfRange()
{
    FakeTaskSpec spec;
    spec.id = u"cut1"_s;
    spec.shape = FakeTaskSpec::Shape::Mixroute;
    spec.truncatedDownloads = 2;
    const QByteArray video = addTask(spec);
    const QByteArray url = mixrouteUrl(spec.id);
    m_server->clearRequests();
    const DownloadResult result = download(requestFor(spec.id, url));
    QVERIFY2(result.status == Status::Saved, qPrintable(describe(result)));
    QCOMPARE(readAll(result.filePath), video);
    QCOMPARE(result.sha256Hex, sha256Hex(video));

    // Our own requests: the first without a Range, then resumes that each continue where the
    // file ends and carry the validator. (Qt's HTTP layer may also resend a dropped GET on its
    // own; those duplicates never reach the file, so they are not counted here.)
    const auto cdn = requestsTo(u"cdn"_s);
    QVERIFY(!cdn.first().headers.contains("range"));
    QList<QByteArray> ranges;
    for (const auto &recorded : cdn) {
        if (!recorded.headers.contains("range"))
            continue;
        if (!ranges.contains(recorded.headers.value("range")))
            ranges.append(recorded.headers.value("range"));
        QCOMPARE(recorded.headers.value("if-range"), result.etag);
    }
    QVERIFY(!result.etag.isEmpty());
    QVERIFY2(ranges.size() >= 1 && ranges.size() <= 2, qPrintable(QString::number(ranges.size())));
    QCOMPARE(ranges.first(), "bytes=" + QByteArray::number(video.size() / 2) + '-');
    if (ranges.size() == 2) {
        const qint64 second = video.size() / 2 + video.size() / 4;
        QCOMPARE(ranges.at(1), "bytes=" + QByteArray::number(second) + '-');
    }
}

void TestVideoDownloader::serverIgnoringRangeRestarts()
{
    FakeTaskSpec spec;
    spec.id = u"norange1"_s;
    spec.shape = FakeTaskSpec::Shape::Mixroute;
    spec.truncatedDownloads = 1;
    spec.ignoreRange = true;
    const QByteArray video = addTask(spec);
    const QByteArray url = mixrouteUrl(spec.id);
    m_server->clearRequests();
    const DownloadResult result = download(requestFor(spec.id, url));
    QVERIFY2(result.status == Status::Saved, qPrintable(describe(result)));
    // Appending the whole body at the offset would make it too long and wrong.
    QCOMPARE(result.bytes, video.size());
    QCOMPARE(readAll(result.filePath), video);
    QCOMPARE(result.sha256Hex, sha256Hex(video));
    // We did ask for the rest; the server answered with everything.
    const auto cdn = requestsTo(u"cdn"_s);
    QVERIFY(std::any_of(cdn.cbegin(), cdn.cend(), [](const auto &r) { return r.headers.contains("range"); }));
}

void TestVideoDownloader::resumeFromPartialAfterRestart()
{
    FakeTaskSpec spec;
    spec.id = u"crash1"_s;
    spec.shape = FakeTaskSpec::Shape::Mixroute;
    const QByteArray video = addTask(spec);
    const QByteArray url = mixrouteUrl(spec.id);

    // What a kill -9 leaves: a partial file, its size the offset.
    const qint64 have = 100'000;
    const QString partial = m_dir->filePath(u"crash1.mp4.part"_s);
    QVERIFY(writeFile(partial, video.left(have)));

    m_server->clearRequests();
    DownloadRequest request = requestFor(spec.id, url);
    request.partialPath = partial;
    const DownloadResult result = download(request);
    QVERIFY2(result.status == Status::Saved, qPrintable(describe(result)));
    QCOMPARE(QFileInfo(result.filePath).fileName(), u"crash1.mp4"_s);
    QCOMPARE(readAll(result.filePath), video);
    // The digest covers the bytes that were already on disk too.
    QCOMPARE(result.sha256Hex, sha256Hex(video));
    const auto cdn = requestsTo(u"cdn"_s);
    QCOMPARE(cdn.size(), 1);
    QCOMPARE(cdn.first().headers.value("range"), "bytes=" + QByteArray::number(have) + '-');
    QCOMPARE(filesInDir(), QStringList{u"crash1.mp4"_s});
}

void TestVideoDownloader::hashingRunsOffTheCallingThread()
{
    FakeTaskSpec spec;
    spec.id = u"offthread1"_s;
    spec.shape = FakeTaskSpec::Shape::Mixroute;
    spec.videoBytes = 3 * 1024 * 1024;
    const QByteArray video = addTask(spec);
    const QByteArray url = mixrouteUrl(spec.id);
    const qint64 have = 1024 * 1024 + 123;
    const QString partial = m_dir->filePath(u"offthread1.mp4.part"_s);
    QVERIFY(writeFile(partial, video.left(have)));

    HashObserver observer;
    DownloadRequest request = requestFor(spec.id, url);
    request.partialPath = partial;
    const DownloadResult result = download(request);
    QVERIFY2(result.status == Status::Saved, qPrintable(describe(result)));
    QCOMPARE(readAll(result.filePath), video);
    QCOMPARE(result.sha256Hex, sha256Hex(video));
    // Every byte of the file, the part already on disk and the part that arrived, was hashed
    // once, and none of it on the thread that runs the download.
    QCOMPARE(observer.bytes(), video.size());
    QVERIFY(!observer.threads().isEmpty());
    QVERIFY(!observer.threads().contains(QThread::currentThread()));
}

// A crash between the rename and the store's record: the finished file is taken as it is.
void TestVideoDownloader::renamedBeforeCrashIsAdopted()
{
    FakeTaskSpec spec;
    spec.id = u"adopt1"_s;
    spec.shape = FakeTaskSpec::Shape::Mixroute;
    const QByteArray video = addTask(spec);
    const QByteArray url = mixrouteUrl(spec.id);
    QVERIFY(writeFile(m_dir->filePath(u"adopt1.mp4"_s), video));

    HashObserver observer;
    m_server->clearRequests();
    DownloadRequest request = requestFor(spec.id, url);
    request.partialPath = m_dir->filePath(u"adopt1.mp4.part"_s);
    request.partialTotalBytes = video.size();
    const DownloadResult result = download(request);
    QVERIFY2(result.status == Status::Saved, qPrintable(describe(result)));
    QCOMPARE(QFileInfo(result.filePath).fileName(), u"adopt1.mp4"_s);
    QCOMPARE(result.bytes, video.size());
    QCOMPARE(result.sha256Hex, sha256Hex(video));
    QVERIFY(requestsTo(u"cdn"_s).isEmpty());
    QCOMPARE(filesInDir(), QStringList{u"adopt1.mp4"_s});
    QCOMPARE(observer.bytes(), video.size());
    QVERIFY(!observer.threads().contains(QThread::currentThread()));
}

// Writing runs ahead of the hashing, but only so far: with the hashing thread held up, the
// partial stops growing at the backlog limit, and the download completes once it moves again.
void TestVideoDownloader::stuckHashingPausesReading()
{
    FakeTaskSpec spec;
    spec.id = u"stuck1"_s;
    spec.shape = FakeTaskSpec::Shape::Mixroute;
    spec.videoBytes = 40 * 1024 * 1024;
    spec.queuedPolls = 0;
    spec.processingPolls = 0;
    m_server->addTask(spec);
    const QByteArray url = mixrouteUrl(spec.id);

    HashObserver observer;
    observer.gateFirstBlock();
    QSignalSpy finished(m_downloader.get(), &VideoDownloader::finished);
    m_downloader->start(requestFor(spec.id, url));
    QTRY_VERIFY_WITH_TIMEOUT(observer.gated(), 10'000);
    const QString partial = m_dir->filePath(u"stuck1.mp4.part"_s);
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(partial).size() >= DownloadJob::HashBacklogBytes, 20'000);
    // At most one read (of the reply's buffer) and one hashing block past the limit.
    const qint64 bound = DownloadJob::HashBacklogBytes + DownloadJob::ReadBufferBytes + BackgroundSha256::BlockBytes;
    QVERIFY2(QFileInfo(partial).size() <= bound, qPrintable(QString::number(QFileInfo(partial).size())));
    QVERIFY(finished.isEmpty());

    observer.openGate();
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 30'000);
    const auto result = finished.first().at(1).value<DownloadResult>();
    QVERIFY2(result.status == Status::Saved, qPrintable(describe(result)));
    QCOMPARE(result.bytes, spec.videoBytes);
    QCOMPARE(result.sha256Hex, sha256Hex(m_server->videoBytes(spec.id)));
    QCOMPARE(observer.bytes(), spec.videoBytes);
}

void TestVideoDownloader::staleEtagReplacesPartial()
{
    FakeTaskSpec spec;
    spec.id = u"stale1"_s;
    spec.shape = FakeTaskSpec::Shape::Mixroute;
    const QByteArray video = addTask(spec);
    const QByteArray url = mixrouteUrl(spec.id);

    // A partial of another version of the file: If-Range must make the server send it all.
    QByteArray other = video.left(50'000);
    other.replace(100, 1000, QByteArray(1000, 'x'));
    const QString partial = m_dir->filePath(u"stale1.mp4.part"_s);
    QVERIFY(writeFile(partial, other));

    m_server->clearRequests();
    DownloadRequest request = requestFor(spec.id, url);
    request.partialPath = partial;
    request.etag = "\"an-older-version\"";
    const DownloadResult result = download(request);
    QVERIFY2(result.status == Status::Saved, qPrintable(describe(result)));
    QCOMPARE(readAll(result.filePath), video);
    QCOMPARE(result.sha256Hex, sha256Hex(video));
    const auto cdn = requestsTo(u"cdn"_s);
    QCOMPARE(cdn.size(), 1);
    QCOMPARE(cdn.first().headers.value("if-range"), QByteArray("\"an-older-version\""));
    QVERIFY(result.etag != request.etag);
}

void TestVideoDownloader::htmlInsteadOfVideo()
{
    FakeTaskSpec spec;
    spec.id = u"html1"_s;
    spec.shape = FakeTaskSpec::Shape::Mixroute;
    spec.cdnServesHtml = true;
    addTask(spec);
    const DownloadResult result = download(requestFor(spec.id, mixrouteUrl(spec.id)));
    QVERIFY2(result.status == Status::InvalidContent, qPrintable(describe(result)));
    QVERIFY2(result.message.contains("web page"_L1), qPrintable(result.message));
    QVERIFY2(result.message.contains("Sign in"_L1), qPrintable(result.message)); // quotes the page
    QVERIFY(filesInDir().isEmpty()); // neither a final file nor a partial of HTML
    QVERIFY(result.partialPath.isEmpty());
}

void TestVideoDownloader::htmlDoesNotReplaceGoodPartial()
{
    FakeTaskSpec spec;
    spec.id = u"html2"_s;
    spec.shape = FakeTaskSpec::Shape::Mixroute;
    spec.cdnServesHtml = true;
    const QByteArray video = addTask(spec);
    const QString partial = m_dir->filePath(u"html2.mp4.part"_s);
    QVERIFY(writeFile(partial, video.left(4096)));

    DownloadRequest request = requestFor(spec.id, mixrouteUrl(spec.id));
    request.partialPath = partial;
    const DownloadResult result = download(request);
    QVERIFY2(result.status == Status::InvalidContent, qPrintable(describe(result)));
    QCOMPARE(readAll(partial), video.left(4096));
    QCOMPARE(QFileInfo(result.partialPath).fileName(), u"html2.mp4.part"_s);
    QCOMPARE(filesInDir(), QStringList{u"html2.mp4.part"_s});
}

void TestVideoDownloader::redirectFromOtherHost()
{
    FakeTaskSpec spec;
    spec.id = u"hop1"_s;
    spec.shape = FakeTaskSpec::Shape::Mixroute;
    spec.redirectFromOtherHost = true;
    const QByteArray video = addTask(spec);
    const QByteArray url = mixrouteUrl(spec.id);
    QVERIFY(url.startsWith(m_server->otherBaseUrl().toEncoded()));
    m_server->clearRequests();
    const DownloadResult result = download(requestFor(spec.id, url));
    QVERIFY2(result.status == Status::Saved, qPrintable(describe(result)));
    QCOMPARE(readAll(result.filePath), video);
    QCOMPARE(requestsTo(u"other"_s).size(), 1);
    QCOMPARE(requestsTo(u"cdn"_s).size(), 1);
}

void TestVideoDownloader::keyStaysOnItsOrigin()
{
    const QByteArray key = "sk-test-secret";
    m_server->setApiKey(QString::fromLatin1(key));
    FakeTaskSpec spec;
    spec.id = u"openai1"_s;
    spec.shape = FakeTaskSpec::Shape::OpenAi;
    const QByteArray video = addTask(spec);
    QUrl statusUrl = m_server->apiBaseUrl();
    statusUrl.setPath(u"/v1/videos/openai1"_s);
    QCOMPARE(getJson(statusUrl, key).value("status"_L1).toString(), u"completed"_s);

    m_server->clearRequests();
    DownloadRequest request = requestFor(spec.id, m_server->apiBaseUrl().toEncoded() + "/v1/videos/openai1/content");
    request.credentials = ApiCredentials(m_server->apiBaseUrl(), QString::fromLatin1(key));
    const DownloadResult result = download(request);
    QVERIFY2(result.status == Status::Saved, qPrintable(describe(result)));
    QCOMPARE(readAll(result.filePath), video);

    const auto api = requestsTo(u"api"_s);
    QCOMPARE(api.size(), 1);
    QCOMPARE(api.first().headers.value("authorization"), "Bearer " + key);
    const auto cdn = requestsTo(u"cdn"_s);
    QCOMPARE(cdn.size(), 1);
    QVERIFY(!cdn.first().headers.contains("authorization"));
    for (const auto &recorded : m_server->requests()) {
        if (recorded.origin == "api"_L1)
            continue;
        for (const QByteArray &value : recorded.headers)
            QVERIFY(!value.contains(key));
        QVERIFY(!recorded.rawTarget.contains(key));
    }
}

void TestVideoDownloader::base64Endpoint()
{
    FakeTaskSpec spec;
    spec.id = u"sora1"_s;
    spec.shape = FakeTaskSpec::Shape::MixrouteSora;
    spec.videoBytes = 3 * 1024 * 1024 + 7; // several network chunks, not a multiple of 3
    const QByteArray video = addTask(spec);
    QUrl statusUrl = m_server->apiBaseUrl();
    statusUrl.setPath(u"/v1/video/generations/sora1"_s);
    QCOMPARE(getJson(statusUrl).value("status"_L1).toString(), u"succeeded"_s);

    DownloadRequest request = requestFor(spec.id, m_server->apiBaseUrl().toEncoded()
                                                      + "/v1/video/generations/download?id=sora1");
    request.source.kind = VideoSource::Kind::Base64Endpoint;
    const DownloadResult result = download(request);
    QVERIFY2(result.status == Status::Saved, qPrintable(describe(result)));
    QCOMPARE(result.bytes, video.size());
    QCOMPARE(readAll(result.filePath), video);
    QCOMPARE(result.sha256Hex, sha256Hex(video));
    QCOMPARE(filesInDir(), QStringList{u"sora1.mp4"_s});
}

void TestVideoDownloader::base64EndpointNotReady()
{
    FakeTaskSpec spec;
    spec.id = u"sora2"_s;
    spec.shape = FakeTaskSpec::Shape::MixrouteSora;
    spec.queuedPolls = 5;
    m_server->addTask(spec); // never polled: not ready
    DownloadRequest request = requestFor(spec.id, m_server->apiBaseUrl().toEncoded()
                                                      + "/v1/video/generations/download?id=sora2");
    request.source.kind = VideoSource::Kind::Base64Endpoint;
    const DownloadResult result = download(request);
    QVERIFY2(result.status == Status::NetworkError, qPrintable(describe(result)));
    QVERIFY2(result.message.contains("is not ready"_L1), qPrintable(result.message));
    QVERIFY(filesInDir().isEmpty());
}

void TestVideoDownloader::inlineBase64()
{
    FakeTaskSpec spec;
    spec.id = u"inline1"_s;
    spec.videoBytes = 5 * 1024 * 1024 + 1; // more than one decoding slice
    const QByteArray video = addTask(spec);
    DownloadRequest request = requestFor(spec.id, {});
    request.source.kind = VideoSource::Kind::InlineBase64;
    request.source.inlineBase64 = video.toBase64();
    const DownloadResult result = download(request);
    QVERIFY2(result.status == Status::Saved, qPrintable(describe(result)));
    QCOMPARE(readAll(result.filePath), video);
    QCOMPARE(result.sha256Hex, sha256Hex(video));
    QVERIFY(m_server->requests().isEmpty());

    // A data URL works the same.
    request.key.taskId = u"inline2"_s;
    request.fileName = u"inline2"_s;
    request.source.inlineBase64 = "data:video/mp4;base64," + video.left(1000).toBase64();
    const DownloadResult fromDataUrl = download(request);
    QVERIFY2(fromDataUrl.status == Status::Saved, qPrintable(describe(fromDataUrl)));
    QCOMPARE(readAll(fromDataUrl.filePath), video.left(1000));
}

void TestVideoDownloader::inlineBase64Invalid()
{
    DownloadRequest request = requestFor(u"bad1"_s, {});
    request.source.kind = VideoSource::Kind::InlineBase64;
    request.source.inlineBase64 = "AAAA!!!!";
    const DownloadResult broken = download(request);
    QVERIFY2(broken.status == Status::InvalidContent, qPrintable(describe(broken)));

    // Valid base64 of something that is not a video.
    request.source.inlineBase64 = QByteArray("<html><body>Error</body></html>").toBase64();
    const DownloadResult page = download(request);
    QVERIFY2(page.status == Status::InvalidContent, qPrintable(describe(page)));
    QVERIFY(page.message.contains("web page"_L1));
    QVERIFY(filesInDir().isEmpty());
}

void TestVideoDownloader::throttledDownloadReportsProgress()
{
    FakeTaskSpec spec;
    spec.id = u"slow1"_s;
    spec.shape = FakeTaskSpec::Shape::Mixroute;
    spec.videoBytes = 3 * 1024 * 1024;
    spec.bytesPerSecond = 2 * 1024 * 1024;
    const QByteArray video = addTask(spec);
    const QByteArray url = mixrouteUrl(spec.id);

    QSignalSpy progress(m_downloader.get(), &VideoDownloader::progressed);
    QElapsedTimer clock;
    clock.start();
    const DownloadResult result = download(requestFor(spec.id, url));
    const qint64 elapsed = clock.elapsed();
    QVERIFY2(result.status == Status::Saved, qPrintable(describe(result)));
    QCOMPARE(readAll(result.filePath), video);

    QVERIFY2(progress.size() >= 3, qPrintable(QString::number(progress.size())));
    // At most ~4 a second, plus the final one.
    QVERIFY2(progress.size() <= elapsed / DownloadJob::ProgressIntervalMs + 2,
             qPrintable(u"%1 in %2 ms"_s.arg(progress.size()).arg(elapsed)));
    qint64 previous = -1;
    for (const QList<QVariant> &args : std::as_const(progress)) {
        QVERIFY(args.at(1).toLongLong() >= previous);
        previous = args.at(1).toLongLong();
        QCOMPARE(args.at(2).toLongLong(), video.size());
    }
    QCOMPARE(progress.last().at(1).toLongLong(), video.size());
}

void TestVideoDownloader::largeDownloadKeepsMemoryFlat()
{
#ifdef Q_OS_LINUX
    // Resident memory, sampled while the body streams in. A downloader that buffered the body
    // would grow by the video's size.
    const auto residentBytes = [] {
        QFile status(u"/proc/self/status"_s);
        if (!status.open(QIODevice::ReadOnly))
            return qint64(-1);
        for (const QByteArray &line : status.readAll().split('\n')) {
            if (line.startsWith("VmRSS:"))
                return line.mid(6).trimmed().split(' ').first().toLongLong() * 1024;
        }
        return qint64(-1);
    };
    FakeTaskSpec spec;
    spec.id = u"huge1"_s;
    spec.shape = FakeTaskSpec::Shape::Mixroute;
    spec.videoBytes = 96 * 1024 * 1024;
    spec.queuedPolls = 0;
    spec.processingPolls = 0;
    m_server->addTask(spec); // not addTask(): the test must not hold the bytes either
    const QByteArray url = mixrouteUrl(spec.id);

    const qint64 baseline = residentBytes();
    QVERIFY(baseline > 0);
    qint64 peak = baseline;
    connect(m_downloader.get(), &VideoDownloader::progressed, this, [&] { peak = qMax(peak, residentBytes()); });
    const DownloadResult result = download(requestFor(spec.id, url), 60'000);
    peak = qMax(peak, residentBytes());
    QVERIFY2(result.status == Status::Saved, qPrintable(describe(result)));
    QCOMPARE(QFileInfo(result.filePath).size(), spec.videoBytes);
    QVERIFY2(peak - baseline < 32 * 1024 * 1024,
             qPrintable(u"resident memory grew by %1 MB"_s.arg((peak - baseline) / (1024 * 1024))));
    QCOMPARE(result.sha256Hex, sha256Hex(m_server->videoBytes(spec.id)));
#else
    QSKIP("reads /proc/self/status");
#endif
}

void TestVideoDownloader::inactivityTimeoutRetriesThenGivesUp()
{
    FakeTaskSpec spec;
    spec.id = u"stall1"_s;
    spec.shape = FakeTaskSpec::Shape::Mixroute;
    spec.bytesPerSecond = 1; // headers at once, then nothing for a second
    addTask(spec);
    DownloadRequest request = requestFor(spec.id, mixrouteUrl(spec.id));
    request.inactivityTimeoutMs = 300;
    request.maxResumeAttempts = 1;
    m_server->clearRequests();
    QElapsedTimer clock;
    clock.start();
    const DownloadResult result = download(request);
    QVERIFY2(result.status == Status::NetworkError, qPrintable(describe(result)));
    QVERIFY2(result.message.contains("No data"_L1), qPrintable(result.message));
    QCOMPARE(requestsTo(u"cdn"_s).size(), 2); // the first try and one resume
    QVERIFY(clock.elapsed() < 5'000);
}

void TestVideoDownloader::unwritableDirectory()
{
    FakeTaskSpec spec;
    spec.id = u"nowrite1"_s;
    spec.shape = FakeTaskSpec::Shape::Mixroute;
    addTask(spec);
    const QByteArray url = mixrouteUrl(spec.id);
    m_server->clearRequests();

    // A folder below a plain file can never be created, even by root.
    const QString blocker = m_dir->filePath(u"not-a-folder"_s);
    QVERIFY(writeFile(blocker, "x"));
    DownloadRequest request = requestFor(spec.id, url);
    request.directory = blocker + u"/videos"_s;
    const DownloadResult result = download(request);
    QVERIFY2(result.status == Status::WriteError, qPrintable(describe(result)));
    QVERIFY2(result.message.contains(QDir::toNativeSeparators(request.directory)), qPrintable(result.message));
    QVERIFY(m_server->requests().isEmpty()); // refused before any request

#ifdef Q_OS_UNIX
    if (::geteuid() != 0) {
        const QString readOnly = m_dir->filePath(u"readonly"_s);
        QVERIFY(QDir().mkdir(readOnly));
        QVERIFY(QFile::setPermissions(readOnly, QFile::ReadOwner | QFile::ExeOwner));
        request.directory = readOnly;
        const DownloadResult denied = download(request);
        QFile::setPermissions(readOnly, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        QVERIFY2(denied.status == Status::WriteError, qPrintable(describe(denied)));
        QVERIFY(m_server->requests().isEmpty());
    }
#endif
}

void TestVideoDownloader::fileSizeLimitIsDiskFull()
{
#ifdef Q_OS_UNIX
    FakeTaskSpec spec;
    spec.id = u"big1"_s;
    spec.shape = FakeTaskSpec::Shape::Mixroute;
    const QByteArray video = addTask(spec);
    const QByteArray url = mixrouteUrl(spec.id);

    // RLIMIT_FSIZE makes write() fail with EFBIG (SIGXFSZ ignored), as a full disk would.
    const rlim_t limit = 64 * 1024;
    rlimit saved{};
    QCOMPARE(::getrlimit(RLIMIT_FSIZE, &saved), 0);
    const auto previousHandler = std::signal(SIGXFSZ, SIG_IGN);
    rlimit lowered = saved;
    lowered.rlim_cur = limit;
    QCOMPARE(::setrlimit(RLIMIT_FSIZE, &lowered), 0);
    const DownloadResult result = download(requestFor(spec.id, url));
    ::setrlimit(RLIMIT_FSIZE, &saved);
    std::signal(SIGXFSZ, previousHandler);

    QVERIFY2(result.status == Status::DiskFull, qPrintable(describe(result)));
    QVERIFY2(result.message.contains(QDir::toNativeSeparators(m_dir->path())), qPrintable(result.message));
    QVERIFY(!result.partialPath.isEmpty());
    QCOMPARE(QFileInfo(result.partialPath).size(), qint64(limit));
    QCOMPARE(result.bytes, qint64(limit));
    QCOMPARE(readAll(result.partialPath), video.left(limit)); // what was written is right
    QCOMPARE(filesInDir(), QStringList{u"big1.mp4.part"_s});
#else
    QSKIP("RLIMIT_FSIZE is POSIX");
#endif
}

void TestVideoDownloader::nameCollisionGetsSuffix()
{
    FakeTaskSpec spec;
    spec.id = u"same1"_s;
    spec.shape = FakeTaskSpec::Shape::Mixroute;
    const QByteArray video = addTask(spec);
    QVERIFY(writeFile(m_dir->filePath(u"same1.mp4"_s), "someone else's file"));
    const DownloadResult result = download(requestFor(spec.id, mixrouteUrl(spec.id)));
    QVERIFY2(result.status == Status::Saved, qPrintable(describe(result)));
    QCOMPARE(QFileInfo(result.filePath).fileName(), u"same1 (2).mp4"_s);
    QCOMPARE(readAll(result.filePath), video);
    QCOMPARE(readAll(m_dir->filePath(u"same1.mp4"_s)), QByteArray("someone else's file"));
}

void TestVideoDownloader::queueRunsInArrivalOrder()
{
    QList<DownloadRequest> requests;
    for (int i = 0; i < 3; ++i) {
        FakeTaskSpec spec;
        spec.id = u"queued%1"_s.arg(i);
        spec.shape = FakeTaskSpec::Shape::Mixroute;
        spec.videoBytes = 64 * 1024;
        spec.bytesPerSecond = 512 * 1024;
        addTask(spec);
        requests.append(requestFor(spec.id, mixrouteUrl(spec.id)));
    }
    m_downloader->setMaxConcurrent(1);
    QCOMPARE(m_downloader->maxConcurrent(), 1);
    QSignalSpy started(m_downloader.get(), &VideoDownloader::started);
    QSignalSpy finished(m_downloader.get(), &VideoDownloader::finished);
    int mostRunning = 0;
    connect(m_downloader.get(), &VideoDownloader::started, this,
            [&] { mostRunning = qMax(mostRunning, m_downloader->activeCount()); });
    for (const DownloadRequest &request : std::as_const(requests))
        m_downloader->start(request);
    QCOMPARE(m_downloader->activeCount(), 1);
    QCOMPARE(m_downloader->queuedCount(), 2);
    QVERIFY(m_downloader->isActive(requests.at(2).key));

    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 3, 20'000);
    QCOMPARE(mostRunning, 1);
    for (int i = 0; i < 3; ++i) {
        QCOMPARE(started.at(i).at(0).value<TaskKey>().taskId, requests.at(i).key.taskId);
        QCOMPARE(finished.at(i).at(0).value<TaskKey>().taskId, requests.at(i).key.taskId);
        QCOMPARE(int(finished.at(i).at(1).value<DownloadResult>().status), int(Status::Saved));
    }
    QCOMPARE(m_downloader->activeCount(), 0);
    QVERIFY(!m_downloader->isActive(requests.at(2).key));
}

void TestVideoDownloader::cancelKeepsPartial()
{
    FakeTaskSpec spec;
    spec.id = u"cancel1"_s;
    spec.shape = FakeTaskSpec::Shape::Mixroute;
    spec.videoBytes = 4 * 1024 * 1024;
    spec.bytesPerSecond = 1024 * 1024;
    addTask(spec);
    const DownloadRequest request = requestFor(spec.id, mixrouteUrl(spec.id));
    QSignalSpy progress(m_downloader.get(), &VideoDownloader::progressed);
    QSignalSpy finished(m_downloader.get(), &VideoDownloader::finished);
    m_downloader->start(request);
    QTRY_VERIFY_WITH_TIMEOUT(!progress.isEmpty() && progress.last().at(1).toLongLong() > 0, 10'000);
    m_downloader->cancel(request.key);
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 5'000);
    const auto result = finished.first().at(1).value<DownloadResult>();
    QVERIFY2(result.status == Status::Cancelled, qPrintable(describe(result)));
    QVERIFY(result.bytes > 0);
    QCOMPARE(QFileInfo(result.partialPath).size(), result.bytes);
    QCOMPARE(filesInDir(), QStringList{u"cancel1.mp4.part"_s});
    QVERIFY(!m_downloader->isActive(request.key));
}

QTEST_GUILESS_MAIN(TestVideoDownloader)
#include "tst_videodownloader.moc"
