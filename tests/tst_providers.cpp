// Provider adapters: every documented reply form and failure form of every provider, from JSON
// stored in tests/data/providers/; query URLs with hostile task IDs; Retry-After; exact file ids.

#include "httpresponse.h"
#include "pollresult.h"
#include "provideradapter.h"
#include "providerregistry.h"

#include <QFile>
#include <QLocale>
#include <QTest>

using namespace Qt::StringLiterals;

using Outcome = PollResult::Outcome;
using Kind = VideoSource::Kind;

Q_DECLARE_METATYPE(PollResult::Outcome)
Q_DECLARE_METATYPE(VideoSource::Kind)

namespace
{
const QString mingyanId = u"sd2_8f14e45fceea167a5a36dedd4bea2543"_s;
const QString mixrouteId = u"video_69095b4ce0048190893a01510c0c98b0"_s;
const QString newApiId = u"task_3f2a9c1e7b5d4f60a8e1c2b3d4e5f607"_s;
const QString gatewayId = u"314052875571396"_s;
const QString minimaxId = u"361721749176519"_s;
const QString openAiId = u"video_68f1c2d3e4b5a69788190a1b2c3d4e5f"_s;
const QUrl gatewayBase(u"https://gateway.example.net/api"_s);

QByteArray readData(const QString &name)
{
    QFile file(QString::fromUtf8(REELKEEP_TEST_DATA_DIR) + u"/providers/"_s + name);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("missing test data %s", qPrintable(name));
    return file.readAll();
}

const ProviderAdapter &adapter(const QString &name)
{
    const ProviderAdapter *found = ProviderRegistry::instance().find(name);
    if (!found)
        qFatal("no adapter %s", qPrintable(name));
    return *found;
}

QUrl baseFor(const ProviderAdapter &provider)
{
    return provider.defaultBaseUrl().isEmpty() ? gatewayBase : provider.defaultBaseUrl();
}

// A reply as the poller hands it over: the URL that answered is the task's query URL.
HttpResponse reply(const ProviderAdapter &provider, const QString &taskId, int status, const QByteArray &body,
                   const QUrl &base = {})
{
    HttpResponse response;
    response.statusCode = status;
    response.body = body;
    response.url = provider.queryUrl(base.isEmpty() ? baseFor(provider) : base, taskId);
    return response;
}

QDateTime utc(qint64 secondsSinceEpoch)
{
    return QDateTime::fromSecsSinceEpoch(secondsSinceEpoch, Qt::UTC);
}
} // namespace

class TestProviders : public QObject
{
    Q_OBJECT

private slots:
    void registryListsEveryProvider();
    void defaults_data();
    void defaults();

    void queryUrl_data();
    void queryUrl();
    void queryUrlRefusesUnusableInput_data();
    void queryUrlRefusesUnusableInput();

    void parseReply_data();
    void parseReply();
    void statusWordsAnyCase_data();
    void statusWordsAnyCase();

    void mingyanCompletedFields();
    void mingyanSignedUrlExpiry();
    void mixrouteSoraEndpointEncodesId();
    void mixrouteKeepsBasePathPrefix();
    void newApiEnvelopeFields();
    void newApiSoraResultUrlIsPlainUrl();
    void taskGatewayInlineBytes();
    void minimaxFileIdExact_data();
    void minimaxFileIdExact();
    void minimaxResolution();
    void openAiCompletedFields();
    void openAiContentUrlUnderResellerPath();
    void openAiNewApiMetadataUrl();
    void openAiPollHint();

    void resolveUrls();
    void parseResolveReply_data();
    void parseResolveReply();
    void resolveUnsupported();

    void httpFailures_data();
    void httpFailures();
    void retryAfterHeaderOn429();
    void parseRetryAfter_data();
    void parseRetryAfter();

    void malformedBodies_data();
    void malformedBodies();
    void messagesNeverQuoteKeysOrHeaders();
    void providerWordsNeverPassKeysOn_data();
    void providerWordsNeverPassKeysOn();
    void unexpected4xxNamesStatus_data();
    void unexpected4xxNamesStatus();
};

void TestProviders::registryListsEveryProvider()
{
    const ProviderRegistry &registry = ProviderRegistry::instance();
    QCOMPARE(registry.names(),
             QStringList({u"mingyan"_s, u"mixroute"_s, u"task-gateway"_s, u"minimax"_s, u"openai"_s}));
    QCOMPARE(registry.adapters().size(), size_t(5));
    QVERIFY(registry.find(u"MiniMax"_s));
    QCOMPARE(registry.find(u"MiniMax"_s)->name(), u"minimax"_s);
    QCOMPARE(registry.find(u"TASK-GATEWAY"_s)->name(), u"task-gateway"_s);
    QVERIFY(!registry.find(u"sora"_s));
    QVERIFY(!registry.find(QString()));
    for (const auto &provider : registry.adapters())
        QVERIFY2(!provider->displayName().isEmpty(), qPrintable(provider->name()));
}

void TestProviders::defaults_data()
{
    QTest::addColumn<QString>("provider");
    QTest::addColumn<QUrl>("base");
    QTest::addColumn<int>("interval");
    QTest::addColumn<int>("requestsPerMinute");

    QTest::newRow("mingyan") << u"mingyan"_s << QUrl(u"https://zcbservice.aizfw.cn/kyyReactApiServer"_s) << 30 << 0;
    QTest::newRow("mixroute") << u"mixroute"_s << QUrl(u"https://console.mixroute.io"_s) << 5 << 0;
    QTest::newRow("task-gateway") << u"task-gateway"_s << QUrl() << 10 << 0;
    QTest::newRow("minimax") << u"minimax"_s << QUrl(u"https://api.minimax.io"_s) << 10 << 20;
    QTest::newRow("openai") << u"openai"_s << QUrl(u"https://api.openai.com"_s) << 10 << 0;
}

void TestProviders::defaults()
{
    QFETCH(QString, provider);
    QFETCH(QUrl, base);
    QFETCH(int, interval);
    QFETCH(int, requestsPerMinute);

    const ProviderAdapter &subject = adapter(provider);
    QCOMPARE(subject.name(), provider);
    QCOMPARE(subject.defaultBaseUrl(), base);
    QCOMPARE(subject.defaultBaseUrl().isEmpty(), base.isEmpty());
    QCOMPARE(subject.defaultIntervalSeconds(), interval);
    QCOMPARE(subject.requestsPerMinute(), requestsPerMinute);
}

void TestProviders::queryUrl_data()
{
    QTest::addColumn<QString>("provider");
    QTest::addColumn<QUrl>("base");
    QTest::addColumn<QString>("taskId");
    QTest::addColumn<QByteArray>("expected");

    const QUrl mingyanBase(u"https://zcbservice.aizfw.cn/kyyReactApiServer"_s);
    QTest::newRow("mingyan plain") << u"mingyan"_s << mingyanBase << mingyanId
                                   << "https://zcbservice.aizfw.cn/kyyReactApiServer/v1/result/"
                                      "sd2_8f14e45fceea167a5a36dedd4bea2543"_ba;
    QTest::newRow("mingyan base with trailing slash")
        << u"mingyan"_s << QUrl(u"https://zcbservice.aizfw.cn/kyyReactApiServer/"_s) << u"abc123"_s
        << "https://zcbservice.aizfw.cn/kyyReactApiServer/v1/result/abc123"_ba;
    QTest::newRow("mingyan traversal") << u"mingyan"_s << mingyanBase << u"a/../../b"_s
                                       << "https://zcbservice.aizfw.cn/kyyReactApiServer/v1/result/a%2F..%2F..%2Fb"_ba;
    QTest::newRow("mixroute query and fragment")
        << u"mixroute"_s << QUrl(u"https://console.mixroute.io"_s) << u"a?b#c"_s
        << "https://console.mixroute.io/v1/video/generations/a%3Fb%23c"_ba;
    QTest::newRow("mixroute plain") << u"mixroute"_s << QUrl(u"https://console.mixroute.io"_s) << mixrouteId
                                    << "https://console.mixroute.io/v1/video/generations/"
                                       "video_69095b4ce0048190893a01510c0c98b0"_ba;
    QTest::newRow("openai space") << u"openai"_s << QUrl(u"https://api.openai.com"_s) << u"video 1"_s
                                  << "https://api.openai.com/v1/videos/video%201"_ba;
    QTest::newRow("openai unicode") << u"openai"_s << QUrl(u"https://api.openai.com"_s) << u"vidéo_ü任务"_s
                                    << "https://api.openai.com/v1/videos/vid%C3%A9o_%C3%BC%E4%BB%BB%E5%8A%A1"_ba;
    QTest::newRow("openai percent itself") << u"openai"_s << QUrl(u"https://api.openai.com"_s) << u"50%2F"_s
                                           << "https://api.openai.com/v1/videos/50%252F"_ba;
    QTest::newRow("gateway with port and path") << u"task-gateway"_s << QUrl(u"http://127.0.0.1:8080/gw/"_s)
                                                << gatewayId << "http://127.0.0.1:8080/gw/task/314052875571396"_ba;
    QTest::newRow("gateway backslash and semicolon")
        << u"task-gateway"_s << gatewayBase << u"a\\b;c"_s << "https://gateway.example.net/api/task/a%5Cb%3Bc"_ba;
    QTest::newRow("minimax plain") << u"minimax"_s << QUrl(u"https://api.minimax.io"_s) << minimaxId
                                   << "https://api.minimax.io/v1/query/video_generation?task_id=361721749176519"_ba;
    QTest::newRow("minimax query injection")
        << u"minimax"_s << QUrl(u"https://api.minimax.io"_s) << u"a&b=c d+e#f"_s
        << "https://api.minimax.io/v1/query/video_generation?task_id=a%26b%3Dc%20d%2Be%23f"_ba;
    QTest::newRow("minimax traversal")
        << u"minimax"_s << QUrl(u"https://api.minimaxi.com/"_s) << u"a/../../b"_s
        << "https://api.minimaxi.com/v1/query/video_generation?task_id=a%2F..%2F..%2Fb"_ba;
}

void TestProviders::queryUrl()
{
    QFETCH(QString, provider);
    QFETCH(QUrl, base);
    QFETCH(QString, taskId);
    QFETCH(QByteArray, expected);

    const QUrl url = adapter(provider).queryUrl(base, taskId);
    QVERIFY(url.isValid());
    QCOMPARE(url.toEncoded(), expected);
    // What goes on the wire parses back to the same URL, and the ID comes back intact.
    QCOMPARE(QUrl::fromEncoded(url.toEncoded()).toEncoded(), expected);
    if (url.hasQuery()) {
        const QByteArray query = url.query(QUrl::FullyEncoded).toLatin1();
        QVERIFY(query.startsWith("task_id="));
        QCOMPARE(QUrl::fromPercentEncoding(query.sliced(8)), taskId);
    } else {
        const QByteArray path = url.path(QUrl::FullyEncoded).toLatin1();
        QCOMPARE(QUrl::fromPercentEncoding(path.sliced(path.lastIndexOf('/') + 1)), taskId);
    }
}

void TestProviders::queryUrlRefusesUnusableInput_data()
{
    QTest::addColumn<QString>("provider");
    QTest::addColumn<QUrl>("base");
    QTest::addColumn<QString>("taskId");

    QTest::newRow("dot-dot segment") << u"openai"_s << QUrl(u"https://api.openai.com"_s) << u".."_s;
    QTest::newRow("dot segment") << u"mingyan"_s << QUrl(u"https://x.example/kyyReactApiServer"_s) << u"."_s;
    QTest::newRow("empty id path") << u"mixroute"_s << QUrl(u"https://console.mixroute.io"_s) << QString();
    QTest::newRow("empty id query") << u"minimax"_s << QUrl(u"https://api.minimax.io"_s) << QString();
    QTest::newRow("gateway without base") << u"task-gateway"_s << QUrl() << gatewayId;
    QTest::newRow("base without host") << u"openai"_s << QUrl(u"/v1"_s) << openAiId;
}

void TestProviders::queryUrlRefusesUnusableInput()
{
    QFETCH(QString, provider);
    QFETCH(QUrl, base);
    QFETCH(QString, taskId);
    QVERIFY(!adapter(provider).queryUrl(base, taskId).isValid());
}

void TestProviders::parseReply_data()
{
    QTest::addColumn<QString>("provider");
    QTest::addColumn<QString>("taskId");
    QTest::addColumn<QString>("file");
    QTest::addColumn<int>("httpStatus");
    QTest::addColumn<Outcome>("outcome");
    QTest::addColumn<TaskState>("state");
    QTest::addColumn<QString>("providerStatus");
    QTest::addColumn<int>("progress");
    QTest::addColumn<Kind>("kind");
    QTest::addColumn<QByteArray>("url");
    QTest::addColumn<QString>("fileId");
    // '|'-separated words the message must contain: the snapshot's errorMessage for a
    // Snapshot outcome, the result's message otherwise. Empty: the message must be empty.
    QTest::addColumn<QString>("messageWords");

    auto snapshot = [](const char *name, const QString &provider, const QString &taskId, const QString &file,
                       TaskState state, const QString &providerStatus, int progress = -1, Kind kind = Kind::None,
                       const QByteArray &url = {}, const QString &fileId = {}, const QString &words = {}) {
        QTest::newRow(name) << provider << taskId << file << 200 << Outcome::Snapshot << state << providerStatus
                            << progress << kind << url << fileId << words;
    };
    auto failure = [](const char *name, const QString &provider, const QString &taskId, const QString &file,
                      int httpStatus, Outcome outcome, const QString &words) {
        QTest::newRow(name) << provider << taskId << file << httpStatus << outcome << TaskState::Unknown << QString()
                            << -1 << Kind::None << QByteArray() << QString() << words;
    };
    const QString noReason = u"gave no reason"_s;
    const QString noUrl = u"no video URL"_s;

    // mingyan (SD2 Manxue / Videos)
    const QString my = u"mingyan"_s;
    snapshot("mingyan queued", my, mingyanId, u"mingyan-queued.json"_s, TaskState::Queued, u"queued"_s);
    snapshot("mingyan processing", my, mingyanId, u"mingyan-processing.json"_s, TaskState::Processing, u"processing"_s);
    snapshot("mingyan completed", my, mingyanId, u"mingyan-completed.json"_s, TaskState::Completed, u"completed"_s, -1,
             Kind::Url, "https://cdn.aizfw.cn/results/2025/11/18/sd2_8f14e45f/output.mp4"_ba);
    snapshot("mingyan completed, upper case, signed URL kept byte for byte", my, mingyanId,
             u"mingyan-completed-signed.json"_s, TaskState::Completed, u"COMPLETED"_s, -1, Kind::Url,
             "https://kyy-video.oss-cn-hangzhou.aliyuncs.com/out/abc.mp4?Expires=1763543189&OSSAccessKeyId="
             "LTAI5tExampleKeyId&Signature=q%2Bv0Xr%2FAbC%3D"_ba);
    snapshot("mingyan completed without URL", my, mingyanId, u"mingyan-completed-no-url.json"_s, TaskState::Completed,
             u"completed"_s, -1, Kind::None, {}, {}, noUrl);
    snapshot("mingyan failed", my, mingyanId, u"mingyan-failed.json"_s, TaskState::Failed, u"failed"_s, -1, Kind::None,
             {}, {}, u"real face|asset library"_s);
    snapshot("mingyan failed without message", my, mingyanId, u"mingyan-failed-no-message.json"_s, TaskState::Failed,
             u"failed"_s, -1, Kind::None, {}, {}, noReason);
    snapshot("mingyan unknown status", my, mingyanId, u"mingyan-unknown-status.json"_s, TaskState::Unknown,
             u"moderation_review"_s);
    snapshot("mingyan wrapped in data", my, mingyanId, u"mingyan-wrapped.json"_s, TaskState::Processing,
             u"processing"_s);
    failure("mingyan missing status", my, mingyanId, u"mingyan-missing-status.json"_s, 200, Outcome::TransientError,
            u"no task status"_s);
    failure("mingyan 400 error object", my, mingyanId, u"mingyan-error-400.json"_s, 400, Outcome::TransientError,
            u"HTTP 400|Invalid task id format"_s);

    // mixroute, documented flat form
    const QString mx = u"mixroute"_s;
    snapshot("mixroute queued", mx, mixrouteId, u"mixroute-queued.json"_s, TaskState::Queued, u"queued"_s);
    snapshot("mixroute in_progress", mx, mixrouteId, u"mixroute-in-progress.json"_s, TaskState::Processing,
             u"in_progress"_s);
    snapshot("mixroute succeeded with url", mx, mixrouteId, u"mixroute-succeeded-url.json"_s, TaskState::Completed,
             u"succeeded"_s, -1, Kind::Url,
             "https://nebula-ads.oss-cn-guangzhou.aliyuncs.com/2025/11/18/abc123/video.mp4"_ba);
    snapshot("mixroute sora succeeded without url", mx, mixrouteId, u"mixroute-succeeded-sora.json"_s,
             TaskState::Completed, u"succeeded"_s, -1, Kind::Base64Endpoint,
             "https://console.mixroute.io/v1/video/generations/download?id=video_69095b4ce0048190893a01510c0c98b0"_ba);
    snapshot("mixroute failed", mx, mixrouteId, u"mixroute-failed.json"_s, TaskState::Failed, u"failed"_s, -1,
             Kind::None, {}, {}, u"Prompt contains inappropriate content"_s);
    snapshot("mixroute failed without message", mx, mixrouteId, u"mixroute-failed-no-message.json"_s, TaskState::Failed,
             u"failed"_s, -1, Kind::None, {}, {}, noReason);
    failure("mixroute 400 error object", mx, mixrouteId, u"mixroute-error-400.json"_s, 400, Outcome::TransientError,
            u"HTTP 400|invalid model"_s);

    // mixroute answering with new-api's envelope
    snapshot("new-api NOT_START", mx, newApiId, u"newapi-not-start.json"_s, TaskState::Queued, u"NOT_START"_s, 0);
    snapshot("new-api SUBMITTED", mx, newApiId, u"newapi-submitted.json"_s, TaskState::Queued, u"SUBMITTED"_s, 10);
    snapshot("new-api QUEUED", mx, newApiId, u"newapi-queued.json"_s, TaskState::Queued, u"QUEUED"_s, 20);
    snapshot("new-api IN_PROGRESS", mx, newApiId, u"newapi-in-progress.json"_s, TaskState::Processing, u"IN_PROGRESS"_s,
             30);
    snapshot("new-api SUCCESS result_url", mx, newApiId, u"newapi-success-result-url.json"_s, TaskState::Completed,
             u"SUCCESS"_s, 100, Kind::Url,
             "https://ark-content-generation-cn-beijing.tos-cn-beijing.volces.com/doubao-seedance/out.mp4?"
             "X-Tos-Algorithm=TOS4-HMAC-SHA256&X-Tos-Credential=AKLTexample%2F20251118%2Fcn-beijing%2Ftos%2Frequest&"
             "X-Tos-Date=20251118T120000Z&X-Tos-Expires=86400&X-Tos-Signature=abc&X-Tos-SignedHeaders=host"_ba);
    snapshot("new-api SUCCESS url in fail_reason (old builds)", mx, newApiId,
             u"newapi-success-legacy-fail-reason.json"_s, TaskState::Completed, u"SUCCESS"_s, 100, Kind::Url,
             "https://dashscope-result-bj.oss-cn-beijing.aliyuncs.com/1d/wan/out.mp4?Expires=1763543189&"
             "OSSAccessKeyId=LTAI5texample&Signature=abc%3D"_ba);
    snapshot("new-api SUCCESS upstream content.video_url", mx, newApiId, u"newapi-success-upstream-content.json"_s,
             TaskState::Completed, u"SUCCESS"_s, 100, Kind::Url,
             "https://ark-content.example.com/seedance/cgt-20251118123456-abcd1.mp4"_ba);
    snapshot("new-api SUCCESS upstream output.video_url", mx, newApiId, u"newapi-success-upstream-output.json"_s,
             TaskState::Completed, u"SUCCESS"_s, 100, Kind::Url,
             "https://dashscope-result-sh.oss-cn-shanghai.aliyuncs.com/wan/out.mp4?Expires=1763543189&"
             "OSSAccessKeyId=LTAI5texample&Signature=x"_ba);
    snapshot("new-api SUCCESS upstream task_result.videos[0].url", mx, newApiId,
             u"newapi-success-upstream-kling.json"_s, TaskState::Completed, u"SUCCESS"_s, 100, Kind::Url,
             "https://cdn.klingai.com/bs2/upload-kling-api/out.mp4"_ba);
    snapshot("new-api SUCCESS sora on the gateway", mx, newApiId, u"newapi-success-sora-gateway.json"_s,
             TaskState::Completed, u"SUCCESS"_s, 100, Kind::Url,
             "https://console.mixroute.io/v1/videos/task_3f2a9c1e7b5d4f60a8e1c2b3d4e5f607/content"_ba);
    snapshot("new-api SUCCESS without any url", mx, newApiId, u"newapi-success-no-url.json"_s, TaskState::Completed,
             u"SUCCESS"_s, 100, Kind::Base64Endpoint,
             "https://console.mixroute.io/v1/video/generations/download?id=task_3f2a9c1e7b5d4f60a8e1c2b3d4e5f607"_ba);
    snapshot("new-api FAILURE", mx, newApiId, u"newapi-failure.json"_s, TaskState::Failed, u"FAILURE"_s, 100,
             Kind::None, {}, {}, u"content safety system"_s);
    snapshot("new-api FAILURE without reason", mx, newApiId, u"newapi-failure-no-reason.json"_s, TaskState::Failed,
             u"FAILURE"_s, 100, Kind::None, {}, {}, noReason);
    snapshot("new-api UNKNOWN", mx, newApiId, u"newapi-unknown.json"_s, TaskState::Unknown, u"UNKNOWN"_s, 30);
    snapshot(
        "new-api veo succeeded", mx, newApiId, u"newapi-veo-succeeded.json"_s, TaskState::Completed, u"succeeded"_s, -1,
        Kind::Url,
        "https://storage.googleapis.com/veo-out/sample_0.mp4?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential="
        "sa%40proj.iam.gserviceaccount.com%2F20251118%2Fauto%2Fstorage%2Fgoog4_request&X-Goog-Date=20251118T120000Z&"
        "X-Goog-Expires=3600&X-Goog-SignedHeaders=host&X-Goog-Signature=ab12"_ba);
    snapshot("new-api veo processing", mx, newApiId, u"newapi-veo-processing.json"_s, TaskState::Processing,
             u"processing"_s);
    snapshot("new-api veo queued", mx, newApiId, u"newapi-veo-queued.json"_s, TaskState::Queued, u"queued"_s);
    snapshot("new-api veo failed", mx, newApiId, u"newapi-veo-failed.json"_s, TaskState::Failed, u"failed"_s, -1,
             Kind::None, {}, {}, u"blocked by safety filters"_s);
    failure("new-api task_not_exist 400", mx, newApiId, u"newapi-task-not-exist.json"_s, 400, Outcome::NotFound,
            u"task_not_exist"_s);
    failure("new-api task_not_exist 200", mx, newApiId, u"newapi-task-not-exist.json"_s, 200, Outcome::NotFound,
            u"task_not_exist"_s);
    failure("new-api empty result", mx, newApiId, u"newapi-empty-result.json"_s, 200, Outcome::TransientError,
            u"empty result"_s);
    failure("new-api 429 envelope", mx, newApiId, u"newapi-rate-limited.json"_s, 429, Outcome::RateLimited,
            u"HTTP 429"_s);
    failure("new-api rate_limit code with 200", mx, newApiId, u"newapi-rate-limited.json"_s, 200, Outcome::RateLimited,
            u"rate_limit_exceeded"_s);
    failure("new-api other error code", mx, newApiId, u"newapi-other-error.json"_s, 400, Outcome::TransientError,
            u"HTTP 400|no available channel"_s);

    // task gateway
    const QString gw = u"task-gateway"_s;
    snapshot("gateway envelope success url", gw, gatewayId, u"taskgateway-envelope-success-url.json"_s,
             TaskState::Completed, u"Success"_s, -1, Kind::Url,
             "https://gw-video.example.cn/output/314052875571396.mp4"_ba);
    snapshot("gateway envelope processing", gw, gatewayId, u"taskgateway-envelope-processing.json"_s,
             TaskState::Processing, u"Processing"_s);
    snapshot("gateway envelope inline base64", gw, gatewayId, u"taskgateway-envelope-inline.json"_s,
             TaskState::Completed, u"Success"_s, -1, Kind::InlineBase64);
    snapshot("gateway envelope file_id in resp_data", gw, gatewayId, u"taskgateway-envelope-fileid.json"_s,
             TaskState::Completed, u"Success"_s, -1, Kind::FileId, {}, u"314053136425242"_s);
    snapshot("gateway envelope failed", gw, gatewayId, u"taskgateway-envelope-failed.json"_s, TaskState::Failed,
             u"Failed"_s, -1, Kind::None, {}, {}, u"timed out"_s);
    snapshot("gateway envelope unknown status", gw, gatewayId, u"taskgateway-envelope-unknown-status.json"_s,
             TaskState::Unknown, u"Reviewing"_s);
    failure("gateway envelope code != 0, status 404", gw, gatewayId, u"taskgateway-envelope-not-found.json"_s, 200,
            Outcome::NotFound, u"task not found"_s);
    failure("gateway envelope code != 0, status 500", gw, gatewayId, u"taskgateway-envelope-server-error.json"_s, 200,
            Outcome::TransientError, u"50001|internal error"_s);
    snapshot("gateway flat success (docs)", gw, gatewayId, u"taskgateway-flat-success.json"_s, TaskState::Completed,
             u"Success"_s, -1, Kind::FileId, {}, u"314053136425242"_s);
    snapshot("gateway flat numeric file_id", gw, gatewayId, u"taskgateway-flat-numeric-fileid.json"_s,
             TaskState::Completed, u"Success"_s, -1, Kind::FileId, {}, u"314053136425242123"_s);
    snapshot("gateway flat processing", gw, gatewayId, u"taskgateway-flat-processing.json"_s, TaskState::Processing,
             u"Processing"_s);
    snapshot("gateway flat fail", gw, gatewayId, u"taskgateway-flat-fail.json"_s, TaskState::Failed, u"Fail"_s, -1,
             Kind::None, {}, {}, noReason);
    failure("gateway passes MiniMax 1004 through", gw, gatewayId, u"minimax-error-1004.json"_s, 200,
            Outcome::AuthRejected, u"1004"_s);

    // MiniMax
    const QString mm = u"minimax"_s;
    snapshot("minimax Preparing", mm, minimaxId, u"minimax-preparing.json"_s, TaskState::Queued, u"Preparing"_s);
    snapshot("minimax Queueing", mm, minimaxId, u"minimax-queueing.json"_s, TaskState::Queued, u"Queueing"_s);
    snapshot("minimax Processing", mm, minimaxId, u"minimax-processing.json"_s, TaskState::Processing, u"Processing"_s);
    snapshot("minimax Success", mm, minimaxId, u"minimax-success.json"_s, TaskState::Completed, u"Success"_s, -1,
             Kind::FileId, {}, u"361721749176519"_s);
    snapshot("minimax Success without file_id", mm, minimaxId, u"minimax-success-no-file.json"_s, TaskState::Completed,
             u"Success"_s, -1, Kind::None, {}, {}, noUrl);
    snapshot("minimax Fail", mm, minimaxId, u"minimax-fail.json"_s, TaskState::Failed, u"Fail"_s, -1, Kind::None, {},
             {}, noReason);
    failure("minimax 1004 key rejected", mm, minimaxId, u"minimax-error-1004.json"_s, 200, Outcome::AuthRejected,
            u"1004|login fail"_s);
    failure("minimax 1002 rate limit", mm, minimaxId, u"minimax-error-1002.json"_s, 200, Outcome::RateLimited,
            u"1002|slow down"_s);
    failure("minimax 1008 balance", mm, minimaxId, u"minimax-error-1008.json"_s, 200, Outcome::AccountBlocked,
            u"1008|balance"_s);
    failure("minimax 2038 verification", mm, minimaxId, u"minimax-error-2038.json"_s, 200, Outcome::AccountBlocked,
            u"2038|verification"_s);
    snapshot("minimax 1026 sensitive input", mm, minimaxId, u"minimax-error-1026.json"_s, TaskState::Failed, u"Fail"_s,
             -1, Kind::None, {}, {}, u"input new_sensitive"_s);
    snapshot("minimax 1027 sensitive output", mm, minimaxId, u"minimax-error-1027.json"_s, TaskState::Failed, u"Fail"_s,
             -1, Kind::None, {}, {}, u"output new_sensitive"_s);
    snapshot("minimax unknown code on Fail", mm, minimaxId, u"minimax-error-unknown-fail.json"_s, TaskState::Failed,
             u"Fail"_s, -1, Kind::None, {}, {}, u"unknown error"_s);
    failure("minimax unknown code without status", mm, minimaxId, u"minimax-error-unknown.json"_s, 200,
            Outcome::TransientError, u"2013|invalid params"_s);

    // OpenAI Videos
    const QString oa = u"openai"_s;
    const QByteArray contentUrl = "https://api.openai.com/v1/videos/video_68f1c2d3e4b5a69788190a1b2c3d4e5f/content"_ba;
    snapshot("openai queued", oa, openAiId, u"openai-queued.json"_s, TaskState::Queued, u"queued"_s, 0);
    snapshot("openai in_progress", oa, openAiId, u"openai-in-progress.json"_s, TaskState::Processing, u"in_progress"_s,
             42);
    snapshot("openai completed", oa, openAiId, u"openai-completed.json"_s, TaskState::Completed, u"completed"_s, 100,
             Kind::Url, contentUrl);
    snapshot("openai failed", oa, openAiId, u"openai-failed.json"_s, TaskState::Failed, u"failed"_s, 0, Kind::None, {},
             {}, u"blocked by our moderation system"_s);
    snapshot("openai failed with null error", oa, openAiId, u"openai-failed-no-message.json"_s, TaskState::Failed,
             u"failed"_s, 0, Kind::None, {}, {}, noReason);
    snapshot("openai progress above 100 clamped", oa, openAiId, u"openai-progress-over.json"_s, TaskState::Processing,
             u"in_progress"_s, 100);
    snapshot("openai negative progress clamped", oa, openAiId, u"openai-progress-negative.json"_s,
             TaskState::Processing, u"in_progress"_s, 0);
    snapshot("openai new-api unknown", oa, newApiId, u"openai-newapi-unknown.json"_s, TaskState::Unknown, u"unknown"_s,
             0);
    failure("openai 400 error object", oa, openAiId, u"openai-error-400.json"_s, 400, Outcome::TransientError,
            u"HTTP 400|Supported values"_s);
    failure("openai 404 error object", oa, openAiId, u"openai-error-404.json"_s, 404, Outcome::NotFound, u"HTTP 404"_s);
}

void TestProviders::parseReply()
{
    QFETCH(QString, provider);
    QFETCH(QString, taskId);
    QFETCH(QString, file);
    QFETCH(int, httpStatus);
    QFETCH(Outcome, outcome);
    QFETCH(TaskState, state);
    QFETCH(QString, providerStatus);
    QFETCH(int, progress);
    QFETCH(Kind, kind);
    QFETCH(QByteArray, url);
    QFETCH(QString, fileId);
    QFETCH(QString, messageWords);

    const ProviderAdapter &subject = adapter(provider);
    const PollResult result = subject.parseQueryReply(reply(subject, taskId, httpStatus, readData(file)));

    QCOMPARE(result.outcome, outcome);
    const QString message = outcome == Outcome::Snapshot ? result.snapshot.errorMessage : result.message;
    if (messageWords.isEmpty()) {
        QVERIFY2(message.isEmpty(), qPrintable(message));
    } else {
        for (const QString &word : messageWords.split(u'|'))
            QVERIFY2(message.contains(word, Qt::CaseInsensitive), qPrintable(word + u" not in: "_s + message));
    }
    if (outcome != Outcome::Snapshot) {
        QCOMPARE(result.snapshot, TaskSnapshot());
        return;
    }
    QVERIFY2(result.message.isEmpty(), qPrintable(result.message));
    QCOMPARE(result.snapshot.state, state);
    QCOMPARE(result.snapshot.providerStatus, providerStatus);
    QCOMPARE(result.snapshot.progress, progress);
    QCOMPARE(result.snapshot.source.kind, kind);
    QCOMPARE(result.snapshot.source.url, url);
    QCOMPARE(result.snapshot.source.fileId, fileId);
    QCOMPARE(result.snapshot.source.isValid(), kind != Kind::None);
    if (kind != Kind::InlineBase64)
        QVERIFY(result.snapshot.source.inlineBase64.isEmpty());
}

void TestProviders::statusWordsAnyCase_data()
{
    QTest::addColumn<QString>("provider");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<TaskState>("state");

    QTest::newRow("openai IN_PROGRESS") << u"openai"_s << R"({"id":"video_1","status":"IN_PROGRESS"})"_ba
                                        << TaskState::Processing;
    QTest::newRow("mixroute Queued") << u"mixroute"_s << R"({"task_id":"video_1","status":"Queued"})"_ba
                                     << TaskState::Queued;
    QTest::newRow("mixroute in_progress envelope lower case")
        << u"mixroute"_s << R"({"code":"success","data":{"status":"in_progress","progress":"55%"}})"_ba
        << TaskState::Processing;
    QTest::newRow("minimax PROCESSING") << u"minimax"_s << R"({"status":"PROCESSING","base_resp":{"status_code":0}})"_ba
                                        << TaskState::Processing;
    QTest::newRow("minimax fail lower") << u"minimax"_s << R"({"status":"fail","base_resp":{"status_code":0}})"_ba
                                        << TaskState::Failed;
    QTest::newRow("mingyan Queued") << u"mingyan"_s << R"({"id":"x","status":"Queued"})"_ba << TaskState::Queued;
    QTest::newRow("gateway SUCCESS with url")
        << u"task-gateway"_s << R"({"code":0,"data":{"status":"SUCCESS","video_url":"https://v.example/a.mp4"}})"_ba
        << TaskState::Completed;
}

void TestProviders::statusWordsAnyCase()
{
    QFETCH(QString, provider);
    QFETCH(QByteArray, body);
    QFETCH(TaskState, state);
    const ProviderAdapter &subject = adapter(provider);
    const PollResult result = subject.parseQueryReply(reply(subject, u"video_1"_s, 200, body));
    QCOMPARE(result.outcome, Outcome::Snapshot);
    QCOMPARE(result.snapshot.state, state);
}

void TestProviders::mingyanCompletedFields()
{
    const ProviderAdapter &subject = adapter(u"mingyan"_s);
    const TaskSnapshot snapshot
        = subject.parseQueryReply(reply(subject, mingyanId, 200, readData(u"mingyan-completed.json"_s))).snapshot;
    QCOMPARE(snapshot.model, u"sd2_manxue_1080p"_s);
    QCOMPARE(snapshot.durationSeconds, 10.04);
    QCOMPARE(snapshot.createdAt, utc(1763456789));
    QCOMPARE(snapshot.createdAt.timeSpec(), Qt::UTC);
    // An unsigned CDN URL has no countdown of its own.
    QVERIFY(!snapshot.expiresAt.isValid());
}

void TestProviders::mingyanSignedUrlExpiry()
{
    const ProviderAdapter &subject = adapter(u"mingyan"_s);
    const TaskSnapshot snapshot
        = subject.parseQueryReply(reply(subject, mingyanId, 200, readData(u"mingyan-completed-signed.json"_s)))
              .snapshot;
    QCOMPARE(snapshot.model, u"videos_stable"_s);
    QCOMPARE(snapshot.durationSeconds, 5.0);
    // OSS V1 signature: Expires is absolute unix seconds.
    QCOMPARE(snapshot.expiresAt, utc(1763543189));
}

void TestProviders::mixrouteSoraEndpointEncodesId()
{
    const ProviderAdapter &subject = adapter(u"mixroute"_s);
    const QString hostileId = u"video/../x y&z=1"_s;
    const HttpResponse response = reply(subject, hostileId, 200, readData(u"mixroute-succeeded-sora.json"_s));
    QCOMPARE(response.url.toEncoded(),
             "https://console.mixroute.io/v1/video/generations/video%2F..%2Fx%20y%26z%3D1"_ba);
    const PollResult result = subject.parseQueryReply(response);
    QCOMPARE(result.snapshot.source.kind, Kind::Base64Endpoint);
    QCOMPARE(result.snapshot.source.url,
             "https://console.mixroute.io/v1/video/generations/download?id=video%2F..%2Fx%20y%26z%3D1"_ba);
}

void TestProviders::mixrouteKeepsBasePathPrefix()
{
    const ProviderAdapter &subject = adapter(u"mixroute"_s);
    const QUrl base(u"https://relay.example.org:8443/mixroute"_s);
    const PollResult result
        = subject.parseQueryReply(reply(subject, mixrouteId, 200, readData(u"mixroute-succeeded-sora.json"_s), base));
    QCOMPARE(result.snapshot.source.url,
             "https://relay.example.org:8443/mixroute/v1/video/generations/download?id="
             "video_69095b4ce0048190893a01510c0c98b0"_ba);

    // Without the URL that answered there is no base to build the endpoint on: say so.
    HttpResponse bare;
    bare.statusCode = 200;
    bare.body = readData(u"mixroute-succeeded-sora.json"_s);
    const PollResult orphan = subject.parseQueryReply(bare);
    QCOMPARE(orphan.snapshot.state, TaskState::Completed);
    QCOMPARE(orphan.snapshot.source.kind, Kind::None);
    QVERIFY(orphan.snapshot.errorMessage.contains(u"no video URL"_s));
}

void TestProviders::newApiEnvelopeFields()
{
    const ProviderAdapter &subject = adapter(u"mixroute"_s);
    const TaskSnapshot progressing
        = subject.parseQueryReply(reply(subject, newApiId, 200, readData(u"newapi-in-progress.json"_s))).snapshot;
    QCOMPARE(progressing.model, u"doubao-seedance-1-0-pro"_s);
    QCOMPARE(progressing.createdAt, utc(1763456701));

    const TaskSnapshot done
        = subject.parseQueryReply(reply(subject, newApiId, 200, readData(u"newapi-success-result-url.json"_s)))
              .snapshot;
    // TOS signature: X-Tos-Date 2025-11-18 12:00:00 + 86400 s.
    QCOMPARE(done.expiresAt, QDateTime(QDate(2025, 11, 19), QTime(12, 0), Qt::UTC));

    const TaskSnapshot seedance
        = subject.parseQueryReply(reply(subject, newApiId, 200, readData(u"newapi-success-upstream-content.json"_s)))
              .snapshot;
    QCOMPARE(seedance.durationSeconds, 5.0);
    QCOMPARE(seedance.model, u"doubao-seedance-1-0-pro"_s);
}

void TestProviders::newApiSoraResultUrlIsPlainUrl()
{
    const ProviderAdapter &subject = adapter(u"mixroute"_s);
    const TaskSnapshot snapshot
        = subject.parseQueryReply(reply(subject, newApiId, 200, readData(u"newapi-success-sora-gateway.json"_s)))
              .snapshot;
    QCOMPARE(snapshot.source.kind, Kind::Url);
    QVERIFY(!snapshot.expiresAt.isValid());
    // Duration and size come from the raw upstream Sora object.
    QCOMPARE(snapshot.durationSeconds, 8.0);
    QCOMPARE(snapshot.resolution, QSize(1280, 720));
}

void TestProviders::taskGatewayInlineBytes()
{
    const ProviderAdapter &subject = adapter(u"task-gateway"_s);
    const TaskSnapshot snapshot
        = subject.parseQueryReply(reply(subject, gatewayId, 200, readData(u"taskgateway-envelope-inline.json"_s)))
              .snapshot;
    QCOMPARE(snapshot.source.kind, Kind::InlineBase64);
    QCOMPARE(snapshot.source.inlineBase64, "AAAAIGZ0eXBpc29tAAACAGlzb21pc28yYXZjMW1wNDE="_ba);
    QVERIFY(QByteArray::fromBase64(snapshot.source.inlineBase64).mid(4, 4) == "ftyp");

    // A data: URI in the array is reduced to its base64 part.
    const PollResult dataUri = subject.parseQueryReply(reply(
        subject, gatewayId, 200,
        R"({"code":0,"data":{"status":"Success","binary_data_base64":["","data:video/mp4;base64,AAAAGGZ0eXA="]}})"_ba));
    QCOMPARE(dataUri.snapshot.source.kind, Kind::InlineBase64);
    QCOMPARE(dataUri.snapshot.source.inlineBase64, "AAAAGGZ0eXA="_ba);

    // The flat form keeps MiniMax's resolution fields.
    const TaskSnapshot flat
        = subject.parseQueryReply(reply(subject, gatewayId, 200, readData(u"taskgateway-flat-success.json"_s)))
              .snapshot;
    QCOMPARE(flat.resolution, QSize(768, 1152));
}

void TestProviders::minimaxFileIdExact_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("fileId");

    QTest::newRow("string (docs)") << u"minimax-success.json"_s << u"361721749176519"_s;
    // 987654321012345678 is not representable as a double (it would read ...680).
    QTest::newRow("18-digit JSON number") << u"minimax-success-numeric-fileid.json"_s << u"987654321012345678"_s;
    QTest::newRow("23-digit JSON number, beyond int64")
        << u"minimax-success-huge-fileid.json"_s << u"98765432101234567890123"_s;
}

void TestProviders::minimaxFileIdExact()
{
    QFETCH(QString, file);
    QFETCH(QString, fileId);
    const ProviderAdapter &subject = adapter(u"minimax"_s);
    const PollResult result = subject.parseQueryReply(reply(subject, minimaxId, 200, readData(file)));
    QCOMPARE(result.outcome, Outcome::Snapshot);
    QCOMPARE(result.snapshot.source.kind, Kind::FileId);
    QCOMPARE(result.snapshot.source.fileId, fileId);
    // And it reaches the lookup URL unchanged.
    QCOMPARE(subject.resolveUrl(subject.defaultBaseUrl(), minimaxId, result.snapshot.source).toEncoded(),
             "https://api.minimax.io/v1/files/retrieve?file_id="_ba + fileId.toLatin1());
}

void TestProviders::minimaxResolution()
{
    const ProviderAdapter &subject = adapter(u"minimax"_s);
    QCOMPARE(subject.parseQueryReply(reply(subject, minimaxId, 200, readData(u"minimax-success.json"_s)))
                 .snapshot.resolution,
             QSize(1280, 720));
    QCOMPARE(subject.parseQueryReply(reply(subject, minimaxId, 200, readData(u"minimax-success-numeric-fileid.json"_s)))
                 .snapshot.resolution,
             QSize(1920, 1080));
    QVERIFY(!subject.parseQueryReply(reply(subject, minimaxId, 200, readData(u"minimax-processing.json"_s)))
                 .snapshot.resolution.isValid());
}

void TestProviders::openAiCompletedFields()
{
    const ProviderAdapter &subject = adapter(u"openai"_s);
    const TaskSnapshot snapshot
        = subject.parseQueryReply(reply(subject, openAiId, 200, readData(u"openai-completed.json"_s))).snapshot;
    QCOMPARE(snapshot.model, u"sora-2-pro"_s);
    QCOMPARE(snapshot.durationSeconds, 12.0); // "seconds" is a string
    QCOMPARE(snapshot.resolution, QSize(1792, 1024));
    QCOMPARE(snapshot.createdAt, utc(1763456700));
    QCOMPARE(snapshot.expiresAt, utc(1763460420));

    const TaskSnapshot queued
        = subject.parseQueryReply(reply(subject, openAiId, 200, readData(u"openai-queued.json"_s))).snapshot;
    QCOMPARE(queued.durationSeconds, 8.0);
    QCOMPARE(queued.resolution, QSize(1280, 720));
    QVERIFY(!queued.expiresAt.isValid()); // expires_at: null
    QVERIFY(!queued.source.isValid());
}

void TestProviders::openAiContentUrlUnderResellerPath()
{
    const ProviderAdapter &subject = adapter(u"openai"_s);
    const QUrl base(u"https://reseller.example.com/openai/"_s);
    const PollResult result
        = subject.parseQueryReply(reply(subject, u"video_a/b c"_s, 200, readData(u"openai-completed.json"_s), base));
    QCOMPARE(result.snapshot.source.kind, Kind::Url);
    // The ID asked about (encoded as one segment), not the body's `id`.
    QCOMPARE(result.snapshot.source.url, "https://reseller.example.com/openai/v1/videos/video_a%2Fb%20c/content"_ba);
}

void TestProviders::openAiNewApiMetadataUrl()
{
    const ProviderAdapter &subject = adapter(u"openai"_s);
    const TaskSnapshot snapshot
        = subject.parseQueryReply(reply(subject, newApiId, 200, readData(u"openai-newapi-completed.json"_s))).snapshot;
    QCOMPARE(snapshot.state, TaskState::Completed);
    QCOMPARE(snapshot.source.kind, Kind::Url);
    QVERIFY(snapshot.source.url.startsWith("https://storage.googleapis.com/veo-out/sample_0.mp4?"));
    QCOMPARE(snapshot.expiresAt, QDateTime(QDate(2025, 11, 18), QTime(13, 0), Qt::UTC));
    QCOMPARE(snapshot.resolution, QSize(1920, 1080));
}

void TestProviders::openAiPollHint()
{
    const ProviderAdapter &subject = adapter(u"openai"_s);
    HttpResponse response = reply(subject, openAiId, 200, readData(u"openai-in-progress.json"_s));
    QCOMPARE(subject.parseQueryReply(response).nextPollHintMs, -1);
    response.headers.insert("openai-poll-after-ms", "2500");
    QCOMPARE(subject.parseQueryReply(response).nextPollHintMs, 2500);
    response.headers.insert("openai-poll-after-ms", "soon");
    QCOMPARE(subject.parseQueryReply(response).nextPollHintMs, -1);
}

void TestProviders::resolveUrls()
{
    VideoSource source;
    source.kind = Kind::FileId;
    source.fileId = u"314053136425242"_s;

    const ProviderAdapter &minimax = adapter(u"minimax"_s);
    QCOMPARE(minimax.resolveUrl(minimax.defaultBaseUrl(), minimaxId, source).toEncoded(),
             "https://api.minimax.io/v1/files/retrieve?file_id=314053136425242"_ba);
    const ProviderAdapter &gateway = adapter(u"task-gateway"_s);
    QCOMPARE(gateway.resolveUrl(gatewayBase, gatewayId, source).toEncoded(),
             "https://gateway.example.net/api/v1/files/retrieve?file_id=314053136425242"_ba);

    source.fileId = u"a&b=c"_s;
    QCOMPARE(gateway.resolveUrl(gatewayBase, gatewayId, source).toEncoded(),
             "https://gateway.example.net/api/v1/files/retrieve?file_id=a%26b%3Dc"_ba);

    VideoSource url;
    url.kind = Kind::Url;
    url.url = "https://cdn.example/v.mp4";
    QVERIFY(!minimax.resolveUrl(minimax.defaultBaseUrl(), minimaxId, url).isValid());
    QVERIFY(!gateway.resolveUrl(QUrl(), gatewayId, source).isValid());
}

void TestProviders::parseResolveReply_data()
{
    QTest::addColumn<QString>("provider");
    QTest::addColumn<int>("httpStatus");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("url");
    QTest::addColumn<QString>("errorWord");

    const QByteArray cdn
        = "https://video-product.cdn.minimax.io/inference_output/video/2025-09-18/7a8b9c/output.mp4"_ba;
    QTest::newRow("minimax numeric file_id reply")
        << u"minimax"_s << 200 << readData(u"minimax-files-retrieve.json"_s) << cdn << QString();
    QTest::newRow("gateway same reply") << u"task-gateway"_s << 200 << readData(u"minimax-files-retrieve.json"_s) << cdn
                                        << QString();
    QTest::newRow("string file_id")
        << u"minimax"_s << 200
        << R"({"file":{"file_id":"313992866418884","download_url":"https://cdn.example/a.mp4"},"base_resp":{"status_code":0}})"_ba
        << "https://cdn.example/a.mp4"_ba << QString();
    QTest::newRow("base_resp error") << u"minimax"_s << 200 << readData(u"minimax-files-retrieve-error.json"_s)
                                     << QByteArray() << u"1004"_s;
    QTest::newRow("no download_url") << u"minimax"_s << 200 << readData(u"minimax-files-retrieve-no-url.json"_s)
                                     << QByteArray() << u"no download URL"_s;
    QTest::newRow("401") << u"minimax"_s << 401 << QByteArray() << QByteArray() << u"HTTP 401"_s;
    QTest::newRow("404") << u"task-gateway"_s << 404 << QByteArray() << QByteArray() << u"HTTP 404"_s;
    QTest::newRow("html") << u"minimax"_s << 200 << "<html><title>Bad Gateway</title></html>"_ba << QByteArray()
                          << u"Bad Gateway"_s;
    QTest::newRow("network") << u"minimax"_s << 0 << QByteArray() << QByteArray() << u"no reply"_s;
}

void TestProviders::parseResolveReply()
{
    QFETCH(QString, provider);
    QFETCH(int, httpStatus);
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, url);
    QFETCH(QString, errorWord);

    HttpResponse response;
    response.statusCode = httpStatus;
    response.body = body;
    QString error;
    const VideoSource source = adapter(provider).parseResolveReply(response, &error);
    if (url.isEmpty()) {
        QCOMPARE(source.kind, Kind::None);
        QVERIFY2(error.contains(errorWord, Qt::CaseInsensitive), qPrintable(error));
    } else {
        QCOMPARE(source.kind, Kind::Url);
        QCOMPARE(source.url, url);
        QVERIFY(error.isEmpty());
    }
}

void TestProviders::resolveUnsupported()
{
    VideoSource source;
    source.kind = Kind::FileId;
    source.fileId = u"1"_s;
    for (const QString &name : {u"openai"_s, u"mingyan"_s, u"mixroute"_s}) {
        const ProviderAdapter &subject = adapter(name);
        QVERIFY(!subject.resolveUrl(subject.defaultBaseUrl(), u"x"_s, source).isValid());
        QString error;
        HttpResponse response;
        response.statusCode = 200;
        response.body = readData(u"minimax-files-retrieve.json"_s);
        QCOMPARE(subject.parseResolveReply(response, &error).kind, Kind::None);
        QVERIFY(!error.isEmpty());
    }
}

void TestProviders::httpFailures_data()
{
    QTest::addColumn<QString>("provider");
    QTest::addColumn<int>("httpStatus");
    QTest::addColumn<QString>("networkError");
    QTest::addColumn<Outcome>("outcome");
    QTest::addColumn<QString>("messageWord");

    for (const QString &provider : ProviderRegistry::instance().names()) {
        const QByteArray p = provider.toUtf8();
        QTest::addRow("%s 401", p.constData())
            << provider << 401 << QString() << Outcome::AuthRejected << u"API key was rejected (HTTP 401)"_s;
        QTest::addRow("%s 403", p.constData())
            << provider << 403 << QString() << Outcome::AuthRejected << u"HTTP 403"_s;
        QTest::addRow("%s 404", p.constData())
            << provider << 404 << QString() << Outcome::NotFound << u"does not know this task ID (HTTP 404)"_s;
        QTest::addRow("%s 429", p.constData()) << provider << 429 << QString() << Outcome::RateLimited << u"HTTP 429"_s;
        QTest::addRow("%s 500", p.constData())
            << provider << 500 << QString() << Outcome::TransientError << u"HTTP 500"_s;
        QTest::addRow("%s 502", p.constData())
            << provider << 502 << QString() << Outcome::TransientError << u"HTTP 502"_s;
        QTest::addRow("%s 503", p.constData())
            << provider << 503 << QString() << Outcome::TransientError << u"HTTP 503"_s;
        QTest::addRow("%s network error", p.constData())
            << provider << 0 << u"Connection refused"_s << Outcome::TransientError << u"Connection refused"_s;
        QTest::addRow("%s no reply", p.constData())
            << provider << 0 << QString() << Outcome::TransientError << u"did not answer"_s;
    }
}

void TestProviders::httpFailures()
{
    QFETCH(QString, provider);
    QFETCH(int, httpStatus);
    QFETCH(QString, networkError);
    QFETCH(Outcome, outcome);
    QFETCH(QString, messageWord);

    const ProviderAdapter &subject = adapter(provider);
    // The body looks like a valid task: the status code must win regardless.
    HttpResponse response = reply(subject, u"task_1"_s, httpStatus, R"({"status":"completed","id":"x"})"_ba);
    response.networkError = networkError;
    const PollResult result = subject.parseQueryReply(response);
    QCOMPARE(result.outcome, outcome);
    QVERIFY2(result.message.contains(messageWord), qPrintable(result.message));
}

void TestProviders::retryAfterHeaderOn429()
{
    const ProviderAdapter &subject = adapter(u"mixroute"_s);
    HttpResponse response = reply(subject, newApiId, 429, readData(u"newapi-rate-limited.json"_s));
    QCOMPARE(subject.parseQueryReply(response).retryAfterMs, -1);

    response.headers.insert("retry-after", "7");
    PollResult result = subject.parseQueryReply(response);
    QCOMPARE(result.outcome, Outcome::RateLimited);
    QCOMPARE(result.retryAfterMs, 7000);

    // HTTP-date two minutes ahead of the real clock (classifyHttpFailure reads the clock).
    const QDateTime later = QDateTime::currentDateTimeUtc().addSecs(120);
    response.headers.insert("retry-after",
                            QLocale::c().toString(later, u"ddd, dd MMM yyyy HH:mm:ss 'GMT'"_s).toLatin1());
    result = subject.parseQueryReply(response);
    QVERIFY2(result.retryAfterMs > 100'000 && result.retryAfterMs <= 120'000,
             qPrintable(QString::number(result.retryAfterMs)));
}

void TestProviders::parseRetryAfter_data()
{
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<QDateTime>("now");
    QTest::addColumn<qint64>("expected");

    const QDateTime now(QDate(1994, 11, 6), QTime(8, 49, 0), Qt::UTC);
    QTest::newRow("seconds") << "120"_ba << now << qint64(120'000);
    QTest::newRow("seconds with blanks") << " 5 "_ba << now << qint64(5'000);
    QTest::newRow("zero") << "0"_ba << now << qint64(0);
    QTest::newRow("fractional seconds") << "1.5"_ba << now << qint64(1'500);
    QTest::newRow("IMF-fixdate") << "Sun, 06 Nov 1994 08:49:37 GMT"_ba << now << qint64(37'000);
    QTest::newRow("RFC 850") << "Sunday, 06-Nov-94 08:49:37 GMT"_ba << now << qint64(37'000);
    QTest::newRow("asctime") << "Sun Nov  6 08:49:37 1994"_ba << now << qint64(37'000);
    QTest::newRow("date an hour later") << "Sun, 06 Nov 1994 09:49:00 GMT"_ba << now << qint64(3'600'000);
    QTest::newRow("date in the past") << "Sun, 06 Nov 1994 08:00:00 GMT"_ba << now << qint64(0);
    QTest::newRow("huge value capped at a day") << "99999999999"_ba << now << qint64(86'400'000);
    QTest::newRow("empty") << QByteArray() << now << qint64(-1);
    QTest::newRow("word") << "soon"_ba << now << qint64(-1);
    QTest::newRow("negative") << "-5"_ba << now << qint64(-1);
    QTest::newRow("impossible date") << "Sun, 31 Feb 1994 08:49:37 GMT"_ba << now << qint64(-1);
}

void TestProviders::parseRetryAfter()
{
    QFETCH(QByteArray, value);
    QFETCH(QDateTime, now);
    QFETCH(qint64, expected);
    QCOMPARE(parseRetryAfterMs(value, now), expected);
}

void TestProviders::malformedBodies_data()
{
    QTest::addColumn<QString>("provider");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("messageWord");

    const QByteArray longHtml = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>"_ba
        + QByteArray(5000, 'x') + "</body></html>"_ba;
    for (const QString &provider : ProviderRegistry::instance().names()) {
        const QByteArray p = provider.toUtf8();
        QTest::addRow("%s empty", p.constData()) << provider << QByteArray() << u"empty reply"_s;
        QTest::addRow("%s blanks", p.constData()) << provider << " \r\n "_ba << u"empty reply"_s;
        QTest::addRow("%s broken json", p.constData())
            << provider << R"({"status": "queued",)"_ba << u"not valid JSON"_s;
        QTest::addRow("%s array", p.constData()) << provider << "[1,2,3]"_ba << u"not a JSON object"_s;
        QTest::addRow("%s string", p.constData()) << provider << "\"queued\""_ba << u"not a JSON object"_s;
        QTest::addRow("%s html page", p.constData()) << provider << longHtml << u"502 Bad Gateway"_s;
        QTest::addRow("%s html without title", p.constData())
            << provider << "<html><body>Service Unavailable</body></html>"_ba << u"web page"_s;
        QTest::addRow("%s no status", p.constData()) << provider << R"({"foo":"bar"})"_ba << u"no task status"_s;
        QTest::addRow("%s binary", p.constData())
            << provider << QByteArray("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xab\x56\x2a\x2e\x49\x2c", 16)
            << u"16 bytes of binary data"_s;
    }
}

void TestProviders::malformedBodies()
{
    QFETCH(QString, provider);
    QFETCH(QByteArray, body);
    QFETCH(QString, messageWord);

    const ProviderAdapter &subject = adapter(provider);
    const PollResult result = subject.parseQueryReply(reply(subject, u"task_1"_s, 200, body));
    QCOMPARE(result.outcome, Outcome::TransientError);
    QVERIFY2(result.message.contains(messageWord), qPrintable(result.message));
    // Short, one line: at most ~100 characters of the body are quoted.
    QVERIFY2(result.message.size() < 220, qPrintable(result.message));
    QVERIFY(!result.message.contains(u'\n'));
    QVERIFY(!result.message.contains(
        u"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"_s));
}

void TestProviders::messagesNeverQuoteKeysOrHeaders()
{
    const ProviderAdapter &subject = adapter(u"openai"_s);
    HttpResponse response = reply(subject, openAiId, 200,
                                  "oops: Incorrect API key provided: sk-proj-AbCdEf1234567890XYZ. Authorization: "
                                  "Bearer sk-live-SECRETSECRET"_ba);
    response.headers.insert("set-cookie", "session=HEADERSECRET");
    response.headers.insert("authorization", "Bearer sk-HEADERKEY");
    const PollResult result = subject.parseQueryReply(response);
    QCOMPARE(result.outcome, Outcome::TransientError);
    QVERIFY2(!result.message.contains(u"1234567890XYZ"_s), qPrintable(result.message));
    QVERIFY2(!result.message.contains(u"SECRETSECRET"_s), qPrintable(result.message));
    QVERIFY(!result.message.contains(u"HEADERSECRET"_s));
    QVERIFY(!result.message.contains(u"HEADERKEY"_s));
    QVERIFY2(result.message.contains(u"Incorrect API key provided"_s), qPrintable(result.message));
}

void TestProviders::providerWordsNeverPassKeysOn_data()
{
    QTest::addColumn<QString>("provider");
    QTest::addColumn<int>("httpStatus");
    QTest::addColumn<QByteArray>("body");

    // Found by fuzz_replyparsers: JSON error fields were quoted whole, unlike raw bodies.
    QTest::newRow("openai 400 error.message") << u"openai"_s << 400
        << R"({"error":{"message":"Incorrect API key provided: sk-proj-AbCdEf1234567890XYZ","code":"invalid_api_key"}})"_ba;
    QTest::newRow("openai failed task") << u"openai"_s << 200
        << R"({"id":"video_1","status":"failed","error":{"message":"upstream refused key sk-AbCdEf1234567890XYZ"}})"_ba;
    QTest::newRow("mixroute envelope code and message") << u"mixroute"_s << 400
        << R"({"code":"invalid_token","message":"Bearer sk-AbCdEf1234567890XYZ is not valid","data":null})"_ba;
    QTest::newRow("mixroute upstream output.message") << u"mixroute"_s << 200
        << R"({"code":"success","data":{"status":"FAILURE","data":{"output":{"message":"key ak-AbCdEf1234567890XYZ"}}}})"_ba;
    QTest::newRow("task-gateway envelope message") << u"task-gateway"_s << 200
        << R"({"code":1001,"message":"token sk_AbCdEf1234567890XYZ expired"})"_ba;
    QTest::newRow("minimax status_msg") << u"minimax"_s << 200
        << R"({"task_id":"1","base_resp":{"status_code":2049,"status_msg":"invalid api key sk-AbCdEf1234567890XYZ"}})"_ba;
    QTest::newRow("mingyan failed task") << u"mingyan"_s << 200
        << R"({"id":"sd2_1","status":"failed","error":"jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.AbCdEf1234567890XYZ"})"_ba;
}

void TestProviders::providerWordsNeverPassKeysOn()
{
    QFETCH(QString, provider);
    QFETCH(int, httpStatus);
    QFETCH(QByteArray, body);

    const ProviderAdapter &subject = adapter(provider);
    const PollResult result = subject.parseQueryReply(reply(subject, u"1234567890"_s, httpStatus, body));
    const QString shown = result.message + u'|' + result.snapshot.errorMessage;
    QVERIFY2(!result.message.isEmpty() || !result.snapshot.errorMessage.isEmpty(), qPrintable(shown));
    QVERIFY2(!shown.contains(u"1234567890XYZ"_s), qPrintable(shown));
    // The provider's other words still come through.
    QVERIFY2(shown.contains(u"…"_s), qPrintable(shown));
}

void TestProviders::unexpected4xxNamesStatus_data()
{
    QTest::addColumn<QString>("provider");
    QTest::addColumn<int>("httpStatus");
    QTest::addColumn<QByteArray>("body");

    for (const QString &provider : ProviderRegistry::instance().names()) {
        const QByteArray p = provider.toUtf8();
        QTest::addRow("%s 400 html", p.constData()) << provider << 400 << "<html><title>Bad Request</title></html>"_ba;
        QTest::addRow("%s 422 text", p.constData()) << provider << 422 << "unprocessable"_ba;
        QTest::addRow("%s 409 json", p.constData()) << provider << 409 << R"({"detail":"conflict"})"_ba;
        QTest::addRow("%s 400 json with status", p.constData())
            << provider << 400 << R"({"status":"completed","video_url":"https://x/a.mp4"})"_ba;
    }
}

void TestProviders::unexpected4xxNamesStatus()
{
    QFETCH(QString, provider);
    QFETCH(int, httpStatus);
    QFETCH(QByteArray, body);

    const ProviderAdapter &subject = adapter(provider);
    const PollResult result = subject.parseQueryReply(reply(subject, u"task_1"_s, httpStatus, body));
    QCOMPARE(result.outcome, Outcome::TransientError);
    QVERIFY2(result.message.contains(u"HTTP %1"_s.arg(httpStatus)), qPrintable(result.message));
}

QTEST_APPLESS_MAIN(TestProviders)

#include "tst_providers.moc"
