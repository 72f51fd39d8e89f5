// libFuzzer target: every provider adapter's reply parsing on arbitrary replies, plus the other
// readers of provider bytes: the streaming base64 reply parser (mixroute's Sora download), the
// inline base64 decoder, Retry-After, signed-URL expiry and JsonReply::excerpt.
//
// Input: a reply body alone (taken as HTTP 200, application/json: the recorded replies in
// tests/data are seeds as they are), or an HTTP head first so status and headers are fuzzed too:
//
//   HTTP/1.1 429 Too Many Requests
//   retry-after: Wed, 21 Oct 2015 07:28:00 GMT
//   x-fuzz-url: https://gw.example/v1/videos/video_123     (the URL that answered; optional)
//   x-fuzz-task-id: video_123                               (the ID asked about; optional)
//   x-fuzz-network-error: Connection refused                (with status 0)
//
//   {"error": ...}
//
// Besides crashes, UB and hangs it checks the promises the poller and the window rely on: see
// checkPollResult() and the streaming checks below.

#include "base64replyparser.h"
#include "base64streamdecoder.h"
#include "httpresponse.h"
#include "provideradapter.h"
#include "providerregistry.h"
#include "providers/jsonreply.h"
#include "urlexpiry.h"

#include <QByteArray>
#include <QDateTime>
#include <QRegularExpression>
#include <QString>
#include <QUrl>

#include <cstdio>
#include <cstdlib>

using namespace Qt::StringLiterals;

namespace
{
[[noreturn]] void violated(const char *adapter, const char *what, const QString &detail)
{
    std::fprintf(stderr, "fuzz_replyparsers: invariant violated (%s): %s: \"%s\"\n", adapter, what,
                 qUtf8Printable(detail));
    std::abort();
}

struct FuzzReply
{
    HttpResponse response; // url left empty unless the input names one
    QString taskId = u"task_0123456789abcdef"_s;
};

FuzzReply readInput(QByteArrayView input)
{
    FuzzReply reply;
    if (!input.startsWith("HTTP/")) {
        reply.response.statusCode = 200;
        reply.response.headers.insert("content-type", "application/json");
        reply.response.body = input.toByteArray();
        return reply;
    }
    qsizetype headEnd = input.indexOf("\n\n");
    qsizetype bodyStart = headEnd + 2;
    const qsizetype crlf = input.indexOf("\r\n\r\n");
    if (crlf >= 0 && (headEnd < 0 || crlf < headEnd)) {
        headEnd = crlf;
        bodyStart = crlf + 4;
    }
    if (headEnd < 0)
        headEnd = bodyStart = input.size();
    reply.response.body = input.sliced(bodyStart).toByteArray();

    const QList<QByteArray> lines = input.first(headEnd).toByteArray().split('\n');
    const QList<QByteArray> statusLine = lines.first().simplified().split(' ');
    // What QNetworkReply's status attribute can hold: 0 (no reply) or a three-digit code.
    reply.response.statusCode = statusLine.size() > 1 ? std::clamp(statusLine.at(1).toInt(), 0, 999) : 0;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const qsizetype colon = lines.at(i).indexOf(':');
        if (colon <= 0)
            continue;
        const QByteArray name = lines.at(i).first(colon).trimmed().toLower();
        const QByteArray value = lines.at(i).sliced(colon + 1).trimmed();
        if (name == "x-fuzz-url")
            reply.response.url = QUrl::fromEncoded(value);
        else if (name == "x-fuzz-task-id")
            reply.taskId = QString::fromUtf8(value);
        else if (name == "x-fuzz-network-error")
            reply.response.networkError = QString::fromUtf8(value);
        else
            reply.response.headers.insert(name, value);
    }
    return reply;
}

// What JsonReply::excerpt() masks: a provider's text must never carry a key on unmasked.
const QRegularExpression &keyShape()
{
    static const QRegularExpression shape(uR"(\b(?:sk|pk|rk|ak)[-_][A-Za-z0-9_\-]{5})"_s);
    return shape;
}

void checkText(const char *adapter, const char *what, const QString &text)
{
    if (keyShape().match(text).hasMatch())
        violated(adapter, what, text);
}

void checkPollResult(const char *adapter, const HttpResponse &response, const PollResult &result)
{
    using Outcome = PollResult::Outcome;
    if (result.outcome < Outcome::Snapshot || result.outcome > Outcome::TransientError)
        violated(adapter, "outcome out of range", QString::number(int(result.outcome)));
    // Without an HTTP reply the message quotes Qt's own network error, not provider bytes.
    if (response.statusCode != 0)
        checkText(adapter, "key-shaped text in the message", result.message);
    if (result.retryAfterMs < -1 || result.retryAfterMs > 24LL * 60 * 60 * 1000)
        violated(adapter, "retryAfterMs outside -1..24 h", QString::number(result.retryAfterMs));
    if (result.outcome != Outcome::Snapshot) {
        if (result.message.isEmpty())
            violated(adapter, "a failure without a message", {});
        return;
    }

    const TaskSnapshot &snapshot = result.snapshot;
    checkText(adapter, "key-shaped text in the error message", snapshot.errorMessage);
    if (snapshot.progress < -1 || snapshot.progress > 100)
        violated(adapter, "progress outside -1..100", QString::number(snapshot.progress));
    if (snapshot.durationSeconds != -1 && !(snapshot.durationSeconds > 0))
        violated(adapter, "duration neither -1 nor positive", QString::number(snapshot.durationSeconds));
    if (snapshot.resolution.isValid() && (snapshot.resolution.width() <= 0 || snapshot.resolution.height() <= 0))
        violated(adapter, "non-positive resolution", {});
    if (snapshot.state == TaskState::Failed && snapshot.errorMessage.isEmpty())
        violated(adapter, "a failed task without a reason", snapshot.providerStatus);
    if (snapshot.expiresAt.isValid() && snapshot.expiresAt.timeSpec() != Qt::UTC)
        violated(adapter, "expiresAt not in UTC", snapshot.expiresAt.toString(Qt::ISODate));
    const VideoSource &source = snapshot.source;
    if (source.isValid() && snapshot.state != TaskState::Completed)
        violated(adapter, "a video source on an unfinished task", snapshot.providerStatus);
    switch (source.kind) {
    case VideoSource::Kind::None:
        break;
    case VideoSource::Kind::Url:
    case VideoSource::Kind::Base64Endpoint:
        if (source.url.isEmpty())
            violated(adapter, "a URL source without a URL", {});
        break;
    case VideoSource::Kind::FileId:
        if (source.fileId.isEmpty())
            violated(adapter, "a file-id source without an id", {});
        break;
    case VideoSource::Kind::InlineBase64: {
        if (source.inlineBase64.isEmpty())
            violated(adapter, "an inline source without bytes", {});
        // What DownloadJob does with it.
        Base64StreamDecoder decoder;
        QByteArray video;
        if (decoder.decode(source.inlineBase64, video))
            decoder.finish(video);
        if (video.size() > source.inlineBase64.size() / 4 * 3 + 3)
            violated(adapter, "inline base64 decoded to more bytes than it can hold",
                     QString::number(video.size()));
        break;
    }
    }
}

void checkQueryUrl(const char *adapter, const ProviderAdapter &provider, const QUrl &base, const QString &taskId)
{
    const QUrl url = provider.queryUrl(base, taskId);
    if (url.isEmpty())
        return; // refused: an empty or dot-segment ID
    if (!url.isValid() || url.host() != base.host() || url.scheme() != base.scheme() || url.hasFragment())
        violated(adapter, "query URL left the base URL's origin", QString::fromUtf8(url.toEncoded()));
    // The ID travels whole, as one percent-encoded path segment or query value.
    if (!QUrl::fromPercentEncoding(url.toEncoded()).contains(taskId))
        violated(adapter, "query URL lost part of the task ID", QString::fromUtf8(url.toEncoded()));
}

struct StreamOutcome
{
    bool ok = false;
    QByteArray video;
    qint64 decodedBytes = 0;
    qint64 declaredSize = -1;
    std::optional<bool> success;
    QString format;
    QString message;

    bool operator==(const StreamOutcome &) const = default;
};

StreamOutcome parseStreaming(const QByteArray &body, qsizetype chunkSize)
{
    StreamOutcome outcome;
    Base64ReplyParser parser([&outcome](QByteArrayView bytes) {
        outcome.video.append(bytes);
        return true;
    });
    bool ok = true;
    for (qsizetype at = 0; ok && at < body.size(); at += chunkSize)
        ok = parser.feed(QByteArrayView(body).sliced(at, std::min(chunkSize, body.size() - at)));
    outcome.ok = ok && parser.finish();
    if (outcome.ok) {
        outcome.decodedBytes = parser.decodedBytes();
        outcome.declaredSize = parser.declaredSize();
        outcome.success = parser.success();
        outcome.format = parser.format();
        outcome.message = parser.providerMessage();
    } else {
        outcome.video.clear(); // how much was written before the error depends on chunking
        if (parser.errorString().isEmpty() && !parser.sinkFailed())
            violated("base64 reply", "failed without an error", {});
    }
    return outcome;
}

void checkStreaming(const QByteArray &body)
{
    const StreamOutcome whole = parseStreaming(body, std::max<qsizetype>(body.size(), 1));
    if (whole.ok && whole.decodedBytes != whole.video.size())
        violated("base64 reply", "decodedBytes() differs from what reached the sink",
                 QString::number(whole.decodedBytes));
    if (whole.video.size() > body.size())
        violated("base64 reply", "more video bytes than reply bytes", QString::number(whole.video.size()));
    // A reply arrives in pieces of any size; the result must not depend on where they split.
    const qsizetype chunk = 1 + qsizetype(qHash(body) % 7);
    if (parseStreaming(body, chunk) != whole)
        violated("base64 reply", "result depends on chunk size", QString::number(chunk));
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const FuzzReply reply = readInput(QByteArrayView(data, qsizetype(size)));
    const QDateTime now = QDateTime::fromSecsSinceEpoch(1763456700, Qt::UTC);

    for (const auto &provider : ProviderRegistry::instance().adapters()) {
        const QByteArray name = provider->name().toUtf8();
        const char *adapter = name.constData();
        QUrl base = provider->defaultBaseUrl();
        if (base.isEmpty())
            base = QUrl(u"https://gateway.example/api"_s);
        checkQueryUrl(adapter, *provider, base, reply.taskId);

        HttpResponse response = reply.response;
        if (response.url.isEmpty())
            response.url = provider->queryUrl(base, reply.taskId);
        checkPollResult(adapter, response, provider->parseQueryReply(response));

        QString error;
        const VideoSource resolved = provider->parseResolveReply(response, &error);
        if (resolved.isValid()) {
            if (resolved.kind != VideoSource::Kind::Url || resolved.url.isEmpty())
                violated(adapter, "a resolved file id that is not a URL", QString::fromUtf8(resolved.url));
        } else if (error.isEmpty()) {
            violated(adapter, "a failed file-id lookup without a message", {});
        }
        if (response.statusCode != 0)
            checkText(adapter, "key-shaped text in the file-id lookup error", error);
    }

    const qint64 retryAfter = parseRetryAfterMs(reply.response.header("retry-after"), now);
    if (retryAfter < -1 || retryAfter > 24LL * 60 * 60 * 1000)
        violated("retry-after", "outside -1..24 h", QString::number(retryAfter));

    UrlExpiry::expiryOf(reply.response.body);
    UrlExpiry::expiryOf(reply.response.url.toEncoded());

    const QString excerpt = JsonReply::excerpt(reply.response.body);
    if (excerpt.size() > 101)
        violated("excerpt", "longer than 100 characters and an ellipsis", excerpt);
    for (const QChar c : excerpt) {
        if (c.category() == QChar::Other_Control)
            violated("excerpt", "a control character", excerpt);
    }
    checkText("excerpt", "key-shaped text", excerpt);

    checkStreaming(reply.response.body);
    return 0;
}
