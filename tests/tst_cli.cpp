// End-to-end tests of the real reelkeep-cli binary against the project's fake provider server
// over loopback: every provider shape, every scripted fault, kill -9 and resume, secrets.

#include "clitestharness.h"
#include "fakeproviderserver.h"

#include <QCryptographicHash>
#include <QRegularExpression>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QJsonArray>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using Shape = FakeTaskSpec::Shape;

class TestCli : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void usageErrorsComeBeforeAnyRequest_data();
    void usageErrorsComeBeforeAnyRequest();
    void savesEveryProviderShape_data();
    void savesEveryProviderShape();
    void failedTaskCarriesProviderMessage();
    void unknownTaskFailsAsNotFound();
    void readsIdsFromMessyStdin();
    void survivesTransientFaults();
    void rateLimitIsHonoured();
    void rejectedKeyStopsAtOnce();
    void expiredFirstUrlIsRefreshed();
    void neverFreshUrlEndsExpired();
    void redirectFromOtherHostDropsKey();
    void truncatedDownloadResumesWithRange();
    void webPageInsteadOfVideoIsNotSaved();
    void killedMidDownloadResumesOnRerun();
    void hostileIdsStayInsideDownloadDir();
    void timeoutEndsWithUnfinishedTasks();
    void humanOutputWhenPiped();
    void exportWritesTheStore();
    void importRunsAnExportedList();
    void orphanPartialsAreListedNotDeleted();

private:
    QStringList baseArgs(const QString &provider) const;
    FakeTaskSpec quickTask(const QString &id, Shape shape = Shape::Mingyan) const;
    QByteArray sha256Of(const QString &path) const;
    void verifySavedFile(const CliTestHarness::Result &result, const QString &taskId);
    void verifyNoKeyOutsideApi(const CliTestHarness::Result &result);

    std::unique_ptr<FakeProviderServer> m_server;
    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_downloadDir;
    QString m_storePath;
};

void TestCli::init()
{
    m_server = std::make_unique<FakeProviderServer>();
    QVERIFY(m_server->listen());
    m_server->setApiKey(u"test-key"_s);
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_downloadDir = m_dir->filePath(u"videos"_s);
    m_storePath = m_dir->filePath(u"store/reelkeep.sqlite"_s);
}

void TestCli::cleanup()
{
    m_server.reset();
    m_dir.reset();
}

QStringList TestCli::baseArgs(const QString &provider) const
{
    return {u"--provider"_s, provider, u"--base-url"_s, m_server->apiBaseUrl().toString(), u"--download-dir"_s,
            m_downloadDir, u"--store"_s, m_storePath, u"--interval"_s, u"1"_s, u"--timeout"_s, u"50"_s, u"--json"_s};
}

FakeTaskSpec TestCli::quickTask(const QString &id, Shape shape) const
{
    FakeTaskSpec spec;
    spec.id = id;
    spec.shape = shape;
    spec.queuedPolls = 1;
    spec.processingPolls = 1;
    spec.videoBytes = 96 * 1024;
    return spec;
}

QByteArray TestCli::sha256Of(const QString &path) const
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(&file);
    return hash.result().toHex();
}

void TestCli::verifySavedFile(const CliTestHarness::Result &result, const QString &taskId)
{
    const QList<QJsonObject> downloaded = result.eventsFor(taskId, u"downloaded"_s);
    QCOMPARE(downloaded.size(), 1);
    const QString path = downloaded.first().value(u"path"_s).toString();
    QVERIFY2(QDir::isAbsolutePath(path), qPrintable(path));
    QVERIFY2(QFileInfo(path).absolutePath().startsWith(QFileInfo(m_downloadDir).canonicalFilePath()), qPrintable(path));
    const QByteArray expected = m_server->videoBytes(taskId);
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.size(), expected.size());
    QVERIFY(file.readAll() == expected);
    QCOMPARE(downloaded.first().value(u"bytes"_s).toInteger(), qint64(expected.size()));
    QCOMPARE(downloaded.first().value(u"sha256"_s).toString().toLatin1(),
             QCryptographicHash::hash(expected, QCryptographicHash::Sha256).toHex());
    QVERIFY2(!QFile::exists(path + u".part"_s), "partial file left behind");
}

void TestCli::verifyNoKeyOutsideApi(const CliTestHarness::Result &result)
{
    for (const auto &request : m_server->requests()) {
        if (request.origin != "api"_L1)
            QVERIFY2(!request.headers.contains("authorization"), qPrintable(u"key sent to "_s + request.origin));
    }
    QVERIFY(!result.out.contains("test-key"));
    QVERIFY(!result.err.contains("test-key"));
}

void TestCli::usageErrorsComeBeforeAnyRequest_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<bool>("withKey");
    QTest::addColumn<QString>("expectedMessage");

    QTest::newRow("unknown provider") << QStringList{u"--provider"_s, u"nosuch"_s, u"abc123456"_s} << true
                                      << u"Unknown provider \"nosuch\""_s;
    QTest::newRow("no provider") << QStringList{u"abc123456"_s} << true << u"--provider"_s;
    QTest::newRow("no key") << QStringList{u"--provider"_s, u"mingyan"_s, u"abc123456"_s} << false
                            << u"REELKEEP_API_KEY"_s;
    QTest::newRow("gateway without base url") << QStringList{u"--provider"_s, u"task-gateway"_s, u"abc123456"_s}
                                              << true << u"--base-url"_s;
    QTest::newRow("no ids") << QStringList{u"--provider"_s, u"mingyan"_s} << true << u"No task IDs"_s;
    QTest::newRow("bad interval") << QStringList{u"--provider"_s, u"mingyan"_s, u"--interval"_s, u"soon"_s,
                                                 u"abc123456"_s}
                                  << true << u"--interval"_s;
}

void TestCli::usageErrorsComeBeforeAnyRequest()
{
    QFETCH(QStringList, arguments);
    QFETCH(bool, withKey);
    QFETCH(QString, expectedMessage);

    CliTestHarness cli;
    if (!withKey)
        cli.unsetApiKey();
    cli.start(arguments + QStringList{u"--store"_s, m_storePath});
    const auto result = cli.waitForFinished();
    QCOMPARE(result.exitCode, 2);
    QVERIFY2(QString::fromUtf8(result.err).contains(expectedMessage), result.err.constData());
    QVERIFY(result.out.isEmpty());
    QVERIFY(m_server->requests().isEmpty());
}

void TestCli::savesEveryProviderShape_data()
{
    QTest::addColumn<int>("shape");
    QTest::addColumn<QString>("provider");
    QTest::newRow("mingyan") << int(Shape::Mingyan) << u"mingyan"_s;
    QTest::newRow("mixroute") << int(Shape::Mixroute) << u"mixroute"_s;
    QTest::newRow("mixroute sora base64") << int(Shape::MixrouteSora) << u"mixroute"_s;
    QTest::newRow("new-api envelope") << int(Shape::NewApi) << u"mixroute"_s;
    QTest::newRow("new-api legacy url in fail_reason") << int(Shape::NewApiLegacy) << u"mixroute"_s;
    QTest::newRow("new-api sora gateway content") << int(Shape::NewApiSora) << u"mixroute"_s;
    QTest::newRow("task gateway envelope") << int(Shape::TaskGatewayEnvelope) << u"task-gateway"_s;
    QTest::newRow("task gateway inline base64") << int(Shape::TaskGatewayInline) << u"task-gateway"_s;
    QTest::newRow("task gateway file id") << int(Shape::TaskGatewayFileId) << u"task-gateway"_s;
    QTest::newRow("minimax") << int(Shape::MiniMax) << u"minimax"_s;
    QTest::newRow("openai") << int(Shape::OpenAi) << u"openai"_s;
}

void TestCli::savesEveryProviderShape()
{
    QFETCH(int, shape);
    QFETCH(QString, provider);
    const QString first = u"vid_%1_0001a"_s.arg(shape);
    const QString second = u"vid_%1_0002b"_s.arg(shape);
    m_server->addTask(quickTask(first, Shape(shape)));
    m_server->addTask(quickTask(second, Shape(shape)));

    CliTestHarness cli;
    cli.start(baseArgs(provider) << first << second);
    const auto result = cli.waitForFinished();
    QVERIFY2(result.allLinesAreJson, result.out.constData());
    QCOMPARE(result.exitCode, 0);
    verifySavedFile(result, first);
    verifySavedFile(result, second);

    // Every state on the way was reported, in order, and no status after "saved".
    QStringList states;
    for (const QJsonObject &event : result.eventsFor(first, u"status"_s))
        states << event.value(u"status"_s).toString();
    QVERIFY2(states.contains(u"processing"_s), qPrintable(states.join(u',')));
    QVERIFY2(states.contains(u"downloading"_s), qPrintable(states.join(u',')));
    QVERIFY(states.indexOf(u"processing"_s) < states.indexOf(u"downloading"_s));

    const QJsonObject summary = result.summary();
    QCOMPARE(summary.value(u"saved"_s).toInt(), 2);
    QCOMPARE(summary.value(u"total"_s).toInt(), 2);
    verifyNoKeyOutsideApi(result);
    // Polling stopped at the terminal state: exactly queued + processing + completed queries.
    QCOMPARE(m_server->statusQueryCount(first), 3);
}

void TestCli::failedTaskCarriesProviderMessage()
{
    FakeTaskSpec ok = quickTask(u"okay_task_001"_s);
    FakeTaskSpec bad = quickTask(u"bad_task_0002"_s);
    bad.failReason = u"Prompt contains inappropriate content"_s;
    m_server->addTask(ok);
    m_server->addTask(bad);

    CliTestHarness cli;
    cli.start(baseArgs(u"mingyan"_s) << ok.id << bad.id);
    const auto result = cli.waitForFinished();
    QCOMPARE(result.exitCode, 1);
    const QList<QJsonObject> statuses = result.eventsFor(bad.id, u"status"_s);
    QVERIFY(!statuses.isEmpty());
    QCOMPARE(statuses.last().value(u"status"_s).toString(), u"failed"_s);
    QCOMPARE(statuses.last().value(u"message"_s).toString(), bad.failReason);
    verifySavedFile(result, ok.id);
    QCOMPARE(result.summary().value(u"failed"_s).toInt(), 1);
    QCOMPARE(result.summary().value(u"saved"_s).toInt(), 1);
}

void TestCli::unknownTaskFailsAsNotFound()
{
    CliTestHarness cli;
    cli.start(baseArgs(u"mingyan"_s) << u"no_such_task_42"_s);
    const auto result = cli.waitForFinished();
    QCOMPARE(result.exitCode, 1);
    const QList<QJsonObject> statuses = result.eventsFor(u"no_such_task_42"_s, u"status"_s);
    QCOMPARE(statuses.last().value(u"status"_s).toString(), u"failed"_s);
    QVERIFY2(statuses.last().value(u"message"_s).toString().contains(u"not"_s, Qt::CaseInsensitive),
             qPrintable(statuses.last().value(u"message"_s).toString()));
    // Not found is final: one query, no retries.
    int queries = 0;
    for (const auto &request : m_server->requests())
        queries += request.rawTarget.contains("no_such_task_42") ? 1 : 0;
    QCOMPARE(queries, 1);
}

void TestCli::readsIdsFromMessyStdin()
{
    const QString a = u"video_69095b4ce0048190893a01510c0c98b0"_s;
    const QString b = u"task_0123456789abcdef0123456789abcdef"_s;
    m_server->addTask(quickTask(a, Shape::Mixroute));
    m_server->addTask(quickTask(b, Shape::Mixroute));
    const QByteArray text = "$ curl -s https://console.mixroute.io/v1/video/generations -H 'Authorization: Bearer "
                            "sk-abcdefghijklmnop1234'\n{\"task_id\": \"" + a.toUtf8() + "\", \"status\": \"queued\"}\n"
                            "2025-11-18 12:30:01 INFO submitted " + b.toUtf8() + " ok\n"
                            "again: " + a.toUtf8() + "\n";
    CliTestHarness cli;
    cli.start(baseArgs(u"mixroute"_s) << u"-"_s, text);
    const auto result = cli.waitForFinished();
    QCOMPARE(result.exitCode, 0);
    QCOMPARE(result.summary().value(u"total"_s).toInt(), 2);
    verifySavedFile(result, a);
    verifySavedFile(result, b);
}

void TestCli::survivesTransientFaults()
{
    FakeTaskSpec spec = quickTask(u"flaky_task_0001"_s);
    spec.serverErrorQueries = 1;
    spec.malformedJsonQueries = 1;
    spec.htmlErrorPageQueries = 1;
    m_server->addTask(spec);

    CliTestHarness cli;
    QStringList args = baseArgs(u"mingyan"_s);
    cli.start(args << spec.id);
    const auto result = cli.waitForFinished(90'000);
    QCOMPARE(result.exitCode, 0);
    verifySavedFile(result, spec.id);
}

void TestCli::rateLimitIsHonoured()
{
    FakeTaskSpec spec = quickTask(u"limited_task_01"_s);
    spec.rateLimitQueries = 1;
    spec.retryAfterSeconds = 2;
    m_server->addTask(spec);

    CliTestHarness cli;
    cli.start(baseArgs(u"mingyan"_s) << spec.id);
    const auto result = cli.waitForFinished();
    QCOMPARE(result.exitCode, 0);
    verifySavedFile(result, spec.id);
}

void TestCli::rejectedKeyStopsAtOnce()
{
    for (int i = 0; i < 5; ++i)
        m_server->addTask(quickTask(u"keyed_task_%1"_s.arg(i)));
    CliTestHarness cli;
    cli.setApiKey("wrong-key");
    QStringList args = baseArgs(u"mingyan"_s);
    for (int i = 0; i < 5; ++i)
        args << u"keyed_task_%1"_s.arg(i);
    cli.start(args);
    const auto result = cli.waitForFinished();
    QCOMPARE(result.exitCode, 1);
    QVERIFY2(QString::fromUtf8(result.err).contains(u"key"_s, Qt::CaseInsensitive), result.err.constData());
    QVERIFY2(m_server->requests().size() <= 2, qPrintable(QString::number(m_server->requests().size())));
    QVERIFY(!result.err.contains("wrong-key"));
    QCOMPARE(result.summary().value(u"unfinished"_s).toInt(), 5);
}

void TestCli::expiredFirstUrlIsRefreshed()
{
    FakeTaskSpec spec = quickTask(u"stale_url_task1"_s);
    spec.firstUrlExpired = true;
    m_server->addTask(spec);
    CliTestHarness cli;
    cli.start(baseArgs(u"mingyan"_s) << spec.id);
    const auto result = cli.waitForFinished();
    QCOMPARE(result.exitCode, 0);
    verifySavedFile(result, spec.id);
    // One extra query after completion, for the fresh link.
    QCOMPARE(m_server->statusQueryCount(spec.id), 4);
}

void TestCli::neverFreshUrlEndsExpired()
{
    FakeTaskSpec spec = quickTask(u"dead_url_task01"_s);
    spec.neverFreshUrl = true;
    m_server->addTask(spec);
    CliTestHarness cli;
    cli.start(baseArgs(u"mingyan"_s) << spec.id);
    const auto result = cli.waitForFinished();
    QCOMPARE(result.exitCode, 1);
    const QList<QJsonObject> statuses = result.eventsFor(spec.id, u"status"_s);
    QCOMPARE(statuses.last().value(u"status"_s).toString(), u"expired"_s);
    QVERIFY2(statuses.last().value(u"message"_s).toString().contains(u"expired"_s),
             qPrintable(statuses.last().value(u"message"_s).toString()));
    QCOMPARE(result.summary().value(u"expired"_s).toInt(), 1);
    const QStringList leftovers = QDir(m_downloadDir).entryList({u"*.mp4"_s}, QDir::Files);
    QVERIFY2(leftovers.isEmpty(), qPrintable(leftovers.join(u',')));
}

void TestCli::redirectFromOtherHostDropsKey()
{
    FakeTaskSpec viaOther = quickTask(u"redirected_task1"_s);
    viaOther.redirectFromOtherHost = true;
    FakeTaskSpec openai = quickTask(u"video_openai_0001"_s, Shape::OpenAi);
    m_server->addTask(viaOther);
    m_server->addTask(openai);

    CliTestHarness cli;
    cli.start(baseArgs(u"mingyan"_s) << viaOther.id);
    auto result = cli.waitForFinished();
    QCOMPARE(result.exitCode, 0);
    verifySavedFile(result, viaOther.id);
    verifyNoKeyOutsideApi(result);

    // OpenAI's /content is on the API origin (key required) and redirects to the CDN.
    cli.start(baseArgs(u"openai"_s) << openai.id);
    result = cli.waitForFinished();
    QCOMPARE(result.exitCode, 0);
    verifySavedFile(result, openai.id);
    verifyNoKeyOutsideApi(result);
    bool contentWithKey = false;
    for (const auto &request : m_server->requests())
        contentWithKey |= request.rawTarget.endsWith("/content") && request.headers.contains("authorization");
    QVERIFY(contentWithKey);
}

void TestCli::truncatedDownloadResumesWithRange()
{
    FakeTaskSpec spec = quickTask(u"truncated_task1"_s);
    spec.videoBytes = 2 * 1024 * 1024;
    spec.truncatedDownloads = 2;
    m_server->addTask(spec);
    CliTestHarness cli;
    cli.start(baseArgs(u"mingyan"_s) << spec.id);
    const auto result = cli.waitForFinished();
    QCOMPARE(result.exitCode, 0);
    verifySavedFile(result, spec.id);
    bool ranged = false;
    for (const auto &request : m_server->requests())
        ranged |= request.origin == "cdn"_L1 && request.headers.value("range").startsWith("bytes=");
    QVERIFY(ranged);
}

void TestCli::webPageInsteadOfVideoIsNotSaved()
{
    FakeTaskSpec spec = quickTask(u"html_video_task"_s);
    spec.cdnServesHtml = true;
    m_server->addTask(spec);
    CliTestHarness cli;
    cli.start(baseArgs(u"mingyan"_s) << spec.id);
    const auto result = cli.waitForFinished();
    QCOMPARE(result.exitCode, 1);
    QVERIFY(result.eventsFor(spec.id, u"downloaded"_s).isEmpty());
    const QStringList videos = QDir(m_downloadDir).entryList({u"*.mp4"_s}, QDir::Files);
    QVERIFY2(videos.isEmpty(), qPrintable(videos.join(u',')));
    QVERIFY(!result.eventsFor(spec.id, u"status"_s).last().value(u"message"_s).toString().isEmpty());
}

void TestCli::killedMidDownloadResumesOnRerun()
{
    FakeTaskSpec spec = quickTask(u"killed_task_001"_s);
    spec.videoBytes = 6 * 1024 * 1024;
    spec.bytesPerSecond = 2 * 1024 * 1024;
    m_server->addTask(spec);

    CliTestHarness cli;
    cli.start(baseArgs(u"mingyan"_s) << spec.id);
    QVERIFY(cli.waitForOutput("\"status\":\"downloading\""));
    // Wait until some bytes are on disk, then crash it.
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(m_downloadDir + u'/' + spec.id + u".mp4.part"_s).size() > 512 * 1024, 20'000);
    cli.killHard();
    const qint64 partialSize = QFileInfo(m_downloadDir + u'/' + spec.id + u".mp4.part"_s).size();
    QVERIFY(partialSize > 0);
    QVERIFY(!QFile::exists(m_downloadDir + u'/' + spec.id + u".mp4"_s));
    const int queriesBefore = m_server->statusQueryCount(spec.id);
    m_server->clearRequests();

    cli.start(baseArgs(u"mingyan"_s) << spec.id);
    const auto result = cli.waitForFinished();
    QCOMPARE(result.exitCode, 0);
    verifySavedFile(result, spec.id);
    // The rerun asked the CDN for the rest only, and did not start the task over.
    bool resumed = false;
    for (const auto &request : m_server->requests()) {
        if (request.origin == "cdn"_L1) {
            const QByteArray range = request.headers.value("range");
            resumed |= range.startsWith("bytes=") && range.mid(6).split('-').first().toLongLong() > 0;
        }
    }
    QVERIFY(resumed);
    QVERIFY(m_server->statusQueryCount(spec.id) <= queriesBefore + 1);
}

void TestCli::hostileIdsStayInsideDownloadDir()
{
    const QStringList ids{u"a/../../b"_s, u"a?b#c"_s, u"..%2F..%2Fescape"_s};
    for (const QString &id : ids)
        m_server->addTask(quickTask(id));
    CliTestHarness cli;
    cli.start(baseArgs(u"mingyan"_s) << ids);
    const auto result = cli.waitForFinished();
    QCOMPARE(result.exitCode, 0);
    for (const QString &id : ids)
        verifySavedFile(result, id);
    // Nothing was written outside the download folder.
    QDirIterator it(m_dir->path(), QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        QVERIFY2(path.startsWith(m_downloadDir) || path.startsWith(QFileInfo(m_storePath).absolutePath()),
                 qPrintable(path));
    }
    // On the wire every ID is one percent-encoded path segment.
    bool sawEncoded = false;
    for (const auto &request : m_server->requests()) {
        if (request.origin == "api"_L1 && request.rawTarget.contains("/v1/result/")) {
            const QByteArray segment = request.rawTarget.mid(request.rawTarget.indexOf("/v1/result/") + 11);
            QVERIFY2(!segment.contains('/') && !segment.contains('?') && !segment.contains('#'), segment.constData());
            sawEncoded |= segment == "a%2F..%2F..%2Fb";
        }
    }
    QVERIFY(sawEncoded);
}

void TestCli::timeoutEndsWithUnfinishedTasks()
{
    FakeTaskSpec slow = quickTask(u"slow_task_00001"_s);
    slow.processingPolls = 1000;
    m_server->addTask(slow);
    CliTestHarness cli;
    QStringList args = baseArgs(u"mingyan"_s);
    args[args.indexOf(u"--timeout"_s) + 1] = u"3"_s;
    cli.start(args << slow.id);
    const auto result = cli.waitForFinished();
    QCOMPARE(result.exitCode, 1);
    QCOMPARE(result.summary().value(u"unfinished"_s).toInt(), 1);
    QVERIFY(result.summary().value(u"timed_out"_s).toBool());
}

void TestCli::humanOutputWhenPiped()
{
    FakeTaskSpec spec = quickTask(u"human_task_0001"_s);
    m_server->addTask(spec);
    CliTestHarness cli;
    QStringList args = baseArgs(u"mingyan"_s);
    args.removeAll(u"--json"_s);
    cli.start(args << spec.id);
    const auto result = cli.waitForFinished();
    QCOMPARE(result.exitCode, 0);
    QVERIFY2(!result.out.contains("\x1b["), "escape codes in piped output");
    QVERIFY2(result.out.contains("saved"), result.out.constData());
    QVERIFY2(result.out.contains("1 task(s): 1 saved"), result.out.constData());
    // The state column is wider than its longest word: "downloading" never runs into the size.
    const QRegularExpression glued(u"\\b(downloading|processing|completed)\\S"_s);
    QVERIFY2(!glued.match(QString::fromUtf8(result.out)).hasMatch(), result.out.constData());
}

void TestCli::exportWritesTheStore()
{
    const FakeTaskSpec task = quickTask(u"export_task_01"_s);
    m_server->addTask(task);
    CliTestHarness saving;
    saving.start(baseArgs(u"mingyan"_s) << task.id);
    const auto saved = saving.waitForFinished();
    QCOMPARE(saved.exitCode, 0);
    const QString path = saved.eventsFor(task.id, u"downloaded"_s).value(0).value(u"path"_s).toString();
    QVERIFY(!path.isEmpty());

    // Exporting only reads the store: no key, no provider, no request.
    m_server->clearRequests();
    const QString csvPath = m_dir->filePath(u"tasks.csv"_s);
    CliTestHarness exporting;
    exporting.unsetApiKey();
    exporting.start({u"--store"_s, m_storePath, u"--export"_s, csvPath});
    const auto result = exporting.waitForFinished();
    QVERIFY2(result.exitCode == 0, result.err.constData());
    QVERIFY(m_server->requests().isEmpty());

    QFile file(csvPath);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = file.readAll().split('\n');
    QVERIFY(lines.first().startsWith("id,account,account_id,status,file,url,error,added"));
    bool found = false;
    for (const QByteArray &line : lines) {
        if (line.startsWith(task.id.toUtf8() + ',')) {
            found = true;
            QVERIFY2(line.contains(",saved,"), line.constData());
            QVERIFY2(line.contains(path.toUtf8()), line.constData());
        }
    }
    QVERIFY2(found, "the saved task is not in the export");
}

void TestCli::importRunsAnExportedList()
{
    const FakeTaskSpec task = quickTask(u"import_task_01"_s);
    m_server->addTask(task);
    CliTestHarness saving;
    saving.start(baseArgs(u"mingyan"_s) << task.id);
    QCOMPARE(saving.waitForFinished().exitCode, 0);
    const QString jsonPath = m_dir->filePath(u"tasks.json"_s);
    CliTestHarness exporting;
    exporting.unsetApiKey();
    exporting.start({u"--store"_s, m_storePath, u"--export"_s, jsonPath});
    QCOMPARE(exporting.waitForFinished().exitCode, 0);

    // On another machine: a fresh store and folder, the list given with --import instead of IDs.
    m_storePath = m_dir->filePath(u"elsewhere/reelkeep.sqlite"_s);
    m_downloadDir = m_dir->filePath(u"elsewhere/videos"_s);
    m_server->clearRequests();
    CliTestHarness importing;
    importing.start(baseArgs(u"mingyan"_s) << u"--import"_s << jsonPath);
    const auto result = importing.waitForFinished();
    QVERIFY2(result.exitCode == 0, result.err.constData());
    const QString path = result.eventsFor(task.id, u"downloaded"_s).value(0).value(u"path"_s).toString();
    QVERIFY2(path.startsWith(m_downloadDir), qPrintable(path));
    QCOMPARE(sha256Of(path), QCryptographicHash::hash(m_server->videoBytes(task.id), QCryptographicHash::Sha256).toHex());

    // A file that is not a task list is refused before anything is sent.
    const QString junkPath = m_dir->filePath(u"junk.json"_s);
    QFile junk(junkPath);
    QVERIFY(junk.open(QIODevice::WriteOnly));
    junk.write("{ \"not\": [ a task list");
    junk.close();
    m_server->clearRequests();
    CliTestHarness refusing;
    refusing.start(baseArgs(u"mingyan"_s) << u"--import"_s << junkPath);
    const auto refused = refusing.waitForFinished();
    QCOMPARE(refused.exitCode, 2);
    QVERIFY2(refused.err.contains("No task in"), refused.err.constData());
    QVERIFY(m_server->requests().isEmpty());
}

void TestCli::orphanPartialsAreListedNotDeleted()
{
    // A partial download whose task is gone (removed, or the store started afresh).
    QVERIFY(QDir().mkpath(m_downloadDir));
    const QString orphan = m_downloadDir + u"/removed_task.mp4.part"_s;
    QFile file(orphan);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(QByteArray(300 * 1024, 'p'));
    file.close();

    const FakeTaskSpec task = quickTask(u"orphan_neighbour_01"_s);
    m_server->addTask(task);
    CliTestHarness harness;
    harness.start(baseArgs(u"mingyan"_s) << task.id);
    const auto result = harness.waitForFinished();
    QCOMPARE(result.exitCode, 0);
    QVERIFY2(result.err.contains("1 partial download belongs to no task"), result.err.constData());
    QVERIFY2(result.err.contains("removed_task.mp4.part"), result.err.constData());
    QVERIFY(QFile::exists(orphan));
    QCOMPARE(QFileInfo(orphan).size(), 300 * 1024);
    // The task's own download is not one of them.
    QVERIFY2(!result.err.contains(task.id.toUtf8() + ".mp4.part"), result.err.constData());
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
