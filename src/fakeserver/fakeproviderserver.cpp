#include "fakeproviderserver.h"

#include "fakeapireplies.h"
#include "fakehttpconnection.h"
#include "fakehttprequest.h"
#include "fakehttpresponse.h"
#include "fakevideocontent.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QFile>
#include <QHostAddress>
#include <QLoggingCategory>
#include <QMessageAuthenticationCode>
#include <QRandomGenerator>
#include <QTcpServer>
#include <QTcpSocket>

#include <algorithm>
#include <array>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcFakeServer, "reelkeep.fakeserver", QtInfoMsg)

namespace {

using Route = FakeApiReplies::Route;
using Phase = FakeApiReplies::Phase;
using Shape = FakeTaskSpec::Shape;

const QString ApiOrigin = u"api"_s;
const QString CdnOrigin = u"cdn"_s;
const QString OtherOrigin = u"other"_s;

// A URL that was "already expired" when handed out lies this far in the past.
constexpr qint64 ExpiredBySeconds = 60;

struct TaskState
{
    FakeTaskSpec spec;
    FakeVideoContent content;
    QString fileId;
    int rowId = 1;
    qint64 createdAt = 0;
    qint64 startedAt = 0;
    qint64 finishedAt = 0;
    int statusQueries = 0;   // every status query, faulted ones included
    int answeredQueries = 0; // the ones that moved the task along
    int urlsIssued = 0;
    int truncationsLeft = 0;
};

struct ApiRoute
{
    Route route = Route::None;
    QString id;
};

QString decodeSegment(const QByteArray &segment)
{
    return QString::fromUtf8(QByteArray::fromPercentEncoding(segment));
}

// Matched from the end of the path so any prefix works (e.g. /kyyReactApiServer/v1/result/{id}).
// Segments are split before decoding, so an ID holding an encoded '/' stays one segment.
ApiRoute parseApiRoute(const FakeHttpRequest &request)
{
    const QList<QByteArray> segments = request.rawPath().split('/');
    const qsizetype count = segments.size();
    auto at = [&](qsizetype fromEnd) {
        const qsizetype index = count - 1 - fromEnd;
        return index >= 0 ? segments.at(index) : QByteArray();
    };

    if (at(2) == "v1" && at(1) == "result")
        return {Route::MingyanResult, decodeSegment(at(0))};
    if (at(2) == "v1" && at(1) == "query" && at(0) == "video_generation")
        return {Route::MiniMaxQuery, request.queryValue("task_id").value_or(QString())};
    if (at(2) == "v1" && at(1) == "files" && at(0) == "retrieve")
        return {Route::FilesRetrieve, request.queryValue("file_id").value_or(QString())};
    if (at(3) == "v1" && at(2) == "video" && at(1) == "generations") {
        if (at(0) == "download" && request.rawQueryValue("id"))
            return {Route::MixrouteDownload, request.queryValue("id").value_or(QString())};
        return {Route::VideoGenerations, decodeSegment(at(0))};
    }
    if (at(3) == "v1" && at(2) == "videos" && at(0) == "content")
        return {Route::VideoContent, decodeSegment(at(1))};
    if (at(2) == "v1" && at(1) == "videos")
        return {Route::OpenAiVideo, decodeSegment(at(0))};
    if (at(1) == "task")
        return {Route::TaskGateway, decodeSegment(at(0))};
    return {};
}

QByteArray urlSafeId(const QString &id)
{
    return id.toUtf8().toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

std::optional<QString> idFromUrlSafe(const QByteArray &encoded)
{
    const auto result = QByteArray::fromBase64Encoding(
        encoded, QByteArray::Base64UrlEncoding | QByteArray::AbortOnBase64DecodingErrors);
    if (!result)
        return std::nullopt;
    return QString::fromUtf8(*result);
}

FakeHttpResponse xmlError(int statusCode, const QByteArray &code, const QByteArray &message)
{
    return FakeHttpResponse::withBody(statusCode, "application/xml",
                                      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code
                                          + "</Code><Message>" + message + "</Message></Error>");
}

FakeHttpResponse htmlNotFound()
{
    return FakeHttpResponse::withBody(404, "text/html",
                                      "<html><head><title>404 Not Found</title></head>"
                                      "<body><h1>404 Not Found</h1></body></html>");
}

FakeHttpResponse redirectTo(const QByteArray &location)
{
    FakeHttpResponse response = FakeHttpResponse::withBody(302, "text/html", {});
    response.setHeader("Location", location);
    return response;
}

// Byte range a Range header asks for, or nullopt for "send the whole body".
struct ByteRange
{
    qint64 first = 0;
    qint64 last = 0;
    bool satisfiable = true;
};

std::optional<ByteRange> parseRange(const QByteArray &header, qint64 size)
{
    const QByteArray value = header.trimmed();
    if (!value.startsWith("bytes="))
        return std::nullopt;
    const QByteArray spec = value.mid(6).trimmed();
    // Multi-range would need multipart/byteranges; a full 200 is a valid answer instead.
    if (spec.contains(','))
        return std::nullopt;
    const qsizetype dash = spec.indexOf('-');
    if (dash < 0)
        return std::nullopt;
    const QByteArray firstText = spec.left(dash).trimmed();
    const QByteArray lastText = spec.mid(dash + 1).trimmed();
    bool ok = false;
    if (firstText.isEmpty()) {
        const qint64 suffix = lastText.toLongLong(&ok);
        if (!ok || suffix <= 0)
            return std::nullopt;
        if (size == 0)
            return ByteRange{0, 0, false};
        return ByteRange{std::max<qint64>(0, size - suffix), size - 1, true};
    }
    const qint64 first = firstText.toLongLong(&ok);
    if (!ok || first < 0)
        return std::nullopt;
    if (first >= size)
        return ByteRange{0, 0, false};
    qint64 last = size - 1;
    if (!lastText.isEmpty()) {
        last = lastText.toLongLong(&ok);
        if (!ok || last < first)
            return std::nullopt;
        last = std::min(last, size - 1);
    }
    return ByteRange{first, last, true};
}

Phase phaseAt(const FakeTaskSpec &spec, int answered)
{
    if (answered <= spec.queuedPolls)
        return Phase::Queued;
    if (answered <= spec.queuedPolls + spec.processingPolls)
        return Phase::Processing;
    return spec.failReason.isEmpty() ? Phase::Succeeded : Phase::Failed;
}

} // namespace

struct FakeProviderServer::Private
{
    FakeProviderServer *q = nullptr;
    std::array<QTcpServer *, 3> servers{}; // api, cdn, other
    QString apiKey;
    QByteArray secret;
    QHash<QString, TaskState> tasks;
    QHash<QString, QByteArray> videoFiles; // FakeTaskSpec::videoFile contents, read once per path
    QHash<QString, QString> taskByFileId;
    QList<RecordedRequest> requests;
    quint64 nextConnectionId = 1;
    int nextRowId = 1;
    quint64 nextRequestId = 1;

    QUrl baseUrl(int index) const
    {
        const QTcpServer *server = servers.at(index);
        if (!server || !server->isListening())
            return {};
        QUrl url;
        url.setScheme(u"http"_s);
        url.setHost(u"127.0.0.1"_s);
        url.setPort(server->serverPort());
        return url;
    }

    void accept(QTcpServer *server, const QString &origin);
    void handle(FakeHttpConnection *connection, const FakeHttpRequest &request);

    FakeHttpResponse handleApi(const FakeHttpRequest &request);
    FakeHttpResponse statusQuery(Route route, TaskState &task);
    FakeHttpResponse videoContent(const FakeHttpRequest &request, TaskState &task);
    FakeHttpResponse handleCdn(const FakeHttpRequest &request);
    FakeHttpResponse handleOther(const FakeHttpRequest &request);
    FakeHttpResponse serveVideo(const FakeHttpRequest &request, TaskState &task);

    bool authorized(const FakeHttpRequest &request) const;
    QString newRequestId() { return u"req-%1"_s.arg(nextRequestId++, 8, 10, QLatin1Char('0')); }
    QString makeFileId(const QString &taskId) const;
    QByteArray signature(const QByteArray &path, const QByteArray &expires) const;
    QByteArray issueSignedCdnUrl(TaskState &task);
    QByteArray issueVideoUrl(TaskState &task);
    QByteArray gatewayContentUrl(const TaskState &task) const;
};

void FakeProviderServer::Private::accept(QTcpServer *server, const QString &origin)
{
    while (QTcpSocket *socket = server->nextPendingConnection()) {
        auto *connection = new FakeHttpConnection(socket, origin, nextConnectionId++, q);
        QObject::connect(connection, &FakeHttpConnection::requestReceived, q,
                         [this](FakeHttpConnection *c, const FakeHttpRequest &r) { handle(c, r); });
        QObject::connect(connection, &FakeHttpConnection::closed, q,
                         [](FakeHttpConnection *c) { c->deleteLater(); });
    }
}

void FakeProviderServer::Private::handle(FakeHttpConnection *connection, const FakeHttpRequest &request)
{
    requests.append(RecordedRequest{connection->origin(), request.method, request.rawTarget, request.headers,
                                    connection->id()});
    qCDebug(lcFakeServer) << connection->origin() << request.method << request.rawTarget;

    FakeHttpResponse response;
    if (connection->origin() == ApiOrigin)
        response = handleApi(request);
    else if (connection->origin() == CdnOrigin)
        response = handleCdn(request);
    else
        response = handleOther(request);
    connection->respond(std::move(response));
}

bool FakeProviderServer::Private::authorized(const FakeHttpRequest &request) const
{
    if (apiKey.isEmpty())
        return true;
    const QByteArray value = request.header("authorization").trimmed();
    const qsizetype space = value.indexOf(' ');
    if (space < 0)
        return false;
    return value.left(space).compare("bearer", Qt::CaseInsensitive) == 0
           && value.mid(space + 1).trimmed() == apiKey.toUtf8();
}

FakeHttpResponse FakeProviderServer::Private::handleApi(const FakeHttpRequest &request)
{
    const ApiRoute route = parseApiRoute(request);
    if (request.method != "GET" && request.method != "HEAD")
        return FakeApiReplies::methodNotAllowed(request.method);
    if (!authorized(request))
        return FakeApiReplies::unauthorized(route.route);

    if (route.route == Route::FilesRetrieve) {
        const QString taskId = taskByFileId.value(route.id);
        auto it = tasks.find(taskId);
        if (it == tasks.end() || !FakeApiReplies::routeServesShape(route.route, it->spec.shape)
            || phaseAt(it->spec, it->answeredQueries) != Phase::Succeeded)
            return FakeApiReplies::filesRetrieveUnknown(route.id);
        return FakeApiReplies::filesRetrieve(it->fileId, it->createdAt, issueVideoUrl(*it));
    }

    auto it = tasks.find(route.id);
    if (route.route == Route::None || route.id.isEmpty() || it == tasks.end()
        || !FakeApiReplies::routeServesShape(route.route, it->spec.shape))
        return FakeApiReplies::unknownTask(route.route, route.id, request.method, request.rawPath(), newRequestId());

    TaskState &task = *it;
    switch (route.route) {
    case Route::VideoContent:
        return videoContent(request, task);
    case Route::MixrouteDownload:
        if (phaseAt(task.spec, task.answeredQueries) != Phase::Succeeded)
            return FakeApiReplies::mixrouteDownloadNotReady(task.spec.id);
        return FakeApiReplies::mixrouteDownload(task.spec.id, task.content.size(),
                                                task.content.read(0, task.content.size()).toBase64());
    default:
        return statusQuery(route.route, task);
    }
}

FakeHttpResponse FakeProviderServer::Private::statusQuery(Route route, TaskState &task)
{
    const FakeTaskSpec &spec = task.spec;
    // Faults take the first status queries, one kind after the other, and do not move the task on.
    int n = ++task.statusQueries;
    if (n <= spec.rateLimitQueries)
        return FakeApiReplies::rateLimited(spec.retryAfterSeconds, spec.retryAfterAsHttpDate);
    n -= std::max(0, spec.rateLimitQueries);
    if (n <= spec.serverErrorQueries)
        return FakeApiReplies::serverError(n - 1);
    n -= std::max(0, spec.serverErrorQueries);
    if (n <= spec.malformedJsonQueries)
        return FakeApiReplies::malformedJson();
    n -= std::max(0, spec.malformedJsonQueries);
    if (n <= spec.htmlErrorPageQueries)
        return FakeApiReplies::htmlErrorPage();
    n -= std::max(0, spec.htmlErrorPageQueries);
    if (n <= spec.badReplies.size())
        return FakeApiReplies::badReply(spec.badReplies.at(n - 1));

    const int answered = ++task.answeredQueries;
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    FakeApiReplies::Snapshot snapshot;
    snapshot.phase = phaseAt(spec, answered);
    snapshot.rowId = task.rowId;
    snapshot.createdAt = task.createdAt;
    snapshot.requestId = newRequestId();
    switch (snapshot.phase) {
    case Phase::Queued:
        snapshot.stepInPhase = answered - 1;
        break;
    case Phase::Processing: {
        const int step = answered - spec.queuedPolls;
        snapshot.stepInPhase = step - 1;
        snapshot.percent = step * 100 / (spec.processingPolls + 1);
        if (task.startedAt == 0)
            task.startedAt = now;
        break;
    }
    case Phase::Succeeded:
    case Phase::Failed:
        snapshot.stepInPhase = answered - spec.queuedPolls - spec.processingPolls - 1;
        snapshot.percent = 100;
        if (task.finishedAt == 0)
            task.finishedAt = now;
        if (task.startedAt == 0)
            task.startedAt = task.finishedAt;
        break;
    }
    snapshot.startedAt = task.startedAt;
    snapshot.finishedAt = task.finishedAt;

    if (snapshot.phase == Phase::Succeeded && route != Route::OpenAiVideo) {
        switch (spec.shape) {
        case Shape::Mingyan:
        case Shape::Mixroute:
        case Shape::NewApi:
        case Shape::NewApiLegacy:
        case Shape::TaskGatewayEnvelope:
            snapshot.videoUrl = issueVideoUrl(task);
            break;
        case Shape::NewApiSora:
            snapshot.videoUrl = gatewayContentUrl(task);
            break;
        case Shape::TaskGatewayInline:
            snapshot.videoBase64 = task.content.read(0, task.content.size()).toBase64();
            break;
        case Shape::TaskGatewayFileId:
        case Shape::MiniMax:
            snapshot.fileId = task.fileId;
            break;
        case Shape::MixrouteSora:
        case Shape::OpenAi:
            break;
        }
    }
    FakeHttpResponse response = FakeApiReplies::status(route, spec, snapshot);
    if (!spec.statusContentType.isEmpty())
        response.setHeader("Content-Type", spec.statusContentType);
    return response;
}

FakeHttpResponse FakeProviderServer::Private::videoContent(const FakeHttpRequest &request, TaskState &task)
{
    const QString variant = request.queryValue("variant").value_or(u"video"_s);
    if (variant != "video"_L1) {
        if (variant == "thumbnail"_L1 || variant == "spritesheet"_L1)
            return FakeApiReplies::unknownTask(Route::VideoContent, task.spec.id, request.method, request.rawPath(), {});
        return FakeApiReplies::contentBadVariant(variant);
    }

    const Phase phase = phaseAt(task.spec, task.answeredQueries);
    if (phase != Phase::Succeeded) {
        FakeApiReplies::Snapshot snapshot;
        snapshot.phase = phase;
        snapshot.stepInPhase = std::max(0, task.answeredQueries - 1);
        return FakeApiReplies::contentNotReady(FakeApiReplies::newApiStatusWord(snapshot));
    }
    // OpenAI hands the bytes off to storage; new-api proxies them itself.
    if (task.spec.shape == Shape::OpenAi)
        return redirectTo(issueVideoUrl(task));
    return serveVideo(request, task);
}

FakeHttpResponse FakeProviderServer::Private::handleCdn(const FakeHttpRequest &request)
{
    if (request.method != "GET" && request.method != "HEAD") {
        FakeHttpResponse response = xmlError(405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
        response.setHeader("Allow", "GET, HEAD");
        return response;
    }
    const QByteArray path = request.rawPath();
    if (!path.startsWith("/v/") || !path.endsWith(".mp4"))
        return xmlError(404, "NoSuchKey", "The specified key does not exist.");
    const std::optional<QString> id = idFromUrlSafe(path.mid(3, path.size() - 3 - 4));
    auto it = id ? tasks.find(*id) : tasks.end();
    if (it == tasks.end())
        return xmlError(404, "NoSuchKey", "The specified key does not exist.");
    TaskState &task = *it;

    if (task.spec.cdnServesHtml) {
        return FakeHttpResponse::withBody(200, "text/html; charset=utf-8",
                                          "<!DOCTYPE html><html><head><title>Sign in</title></head>"
                                          "<body><h1>Please sign in to continue</h1></body></html>");
    }

    const std::optional<QByteArray> expires = request.rawQueryValue("Expires");
    const std::optional<QByteArray> signature = request.rawQueryValue("Signature");
    if (!expires || !signature)
        return xmlError(403, "AccessDenied", "Query-string authentication requires the Signature and Expires parameters");
    // Compared byte for byte with what was handed out: a client that decodes or re-encodes
    // the URL (%2B -> '+', %3D -> '=') fails here, as it would on a real bucket.
    if (*signature != this->signature(path, *expires))
        return xmlError(403, "SignatureDoesNotMatch",
                        "The request signature we calculated does not match the signature you provided.");
    if (expires->toLongLong() < QDateTime::currentSecsSinceEpoch())
        return xmlError(403, "AccessDenied", "Request has expired");
    return serveVideo(request, task);
}

FakeHttpResponse FakeProviderServer::Private::handleOther(const FakeHttpRequest &request)
{
    const QByteArray path = request.rawPath();
    if (!path.startsWith("/r/") || !path.endsWith(".mp4"))
        return htmlNotFound();
    const std::optional<QString> id = idFromUrlSafe(path.mid(3, path.size() - 3 - 4));
    auto it = id ? tasks.find(*id) : tasks.end();
    if (it == tasks.end())
        return htmlNotFound();
    return redirectTo(issueSignedCdnUrl(*it));
}

FakeHttpResponse FakeProviderServer::Private::serveVideo(const FakeHttpRequest &request, TaskState &task)
{
    const FakeVideoContent content = task.content;
    const qint64 size = content.size();
    FakeHttpResponse response;
    response.setHeader("Content-Type", "video/mp4");
    response.setHeader("ETag", content.etag());
    response.setHeader("Last-Modified", FakeApiReplies::httpDate(QDateTime::fromSecsSinceEpoch(task.createdAt, Qt::UTC)));
    if (!task.spec.ignoreRange)
        response.setHeader("Accept-Ranges", "bytes");

    qint64 first = 0;
    qint64 length = size;
    const QByteArray rangeHeader = request.header("range");
    const QByteArray ifRange = request.header("if-range");
    if (!task.spec.ignoreRange && !rangeHeader.isEmpty() && (ifRange.isEmpty() || ifRange == content.etag())) {
        if (const std::optional<ByteRange> range = parseRange(rangeHeader, size)) {
            if (!range->satisfiable) {
                FakeHttpResponse refused = xmlError(416, "InvalidRange", "The requested range is not satisfiable");
                refused.setHeader("Content-Range", "bytes */" + QByteArray::number(size));
                return refused;
            }
            first = range->first;
            length = range->last - range->first + 1;
            response.statusCode = 206;
            response.setHeader("Content-Range", "bytes " + QByteArray::number(range->first) + '-'
                                                    + QByteArray::number(range->last) + '/' + QByteArray::number(size));
        }
    }

    response.streamLength = length;
    response.streamChunk = [content, first](qint64 offset, qint64 maxLength) {
        return content.read(first + offset, maxLength);
    };
    response.bytesPerSecond = task.spec.bytesPerSecond;
    if (request.method == "GET" && length > 0 && task.truncationsLeft > 0) {
        --task.truncationsLeft;
        response.closeAfterBodyBytes = length / 2;
    }
    return response;
}

QString FakeProviderServer::Private::makeFileId(const QString &taskId) const
{
    // 15 digits like MiniMax's, derived from the ID so a restarted server hands out the same one.
    const QByteArray digest = QCryptographicHash::hash(taskId.toUtf8(), QCryptographicHash::Sha256);
    quint64 value = 0;
    for (int i = 0; i < 8; ++i)
        value = (value << 8) | quint8(digest.at(i));
    quint64 candidate = 300000000000000ULL + value % 100000000000000ULL;
    while (taskByFileId.contains(QString::number(candidate)) && taskByFileId.value(QString::number(candidate)) != taskId)
        ++candidate;
    return QString::number(candidate);
}

QByteArray FakeProviderServer::Private::signature(const QByteArray &path, const QByteArray &expires) const
{
    const QByteArray mac = QMessageAuthenticationCode::hash(path + "?Expires=" + expires, secret,
                                                            QCryptographicHash::Sha256);
    // Base64 of 32 bytes always ends in '=', so the encoded form always holds %3D (often %2B / %2F too).
    return QUrl::toPercentEncoding(QString::fromLatin1(mac.toBase64()));
}

QByteArray FakeProviderServer::Private::issueSignedCdnUrl(TaskState &task)
{
    ++task.urlsIssued;
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    const bool expired = task.spec.neverFreshUrl || (task.spec.firstUrlExpired && task.urlsIssued == 1);
    const QByteArray expires = QByteArray::number(expired ? now - ExpiredBySeconds : now + task.spec.urlLifetimeSeconds);
    const QByteArray path = "/v/" + urlSafeId(task.spec.id) + ".mp4";
    return baseUrl(1).toEncoded() + path + "?Expires=" + expires + "&Signature=" + signature(path, expires);
}

QByteArray FakeProviderServer::Private::issueVideoUrl(TaskState &task)
{
    if (!task.spec.externalVideoUrl.isEmpty())
        return task.spec.externalVideoUrl;
    if (task.spec.redirectFromOtherHost)
        return baseUrl(2).toEncoded() + "/r/" + urlSafeId(task.spec.id) + ".mp4";
    return issueSignedCdnUrl(task);
}

QByteArray FakeProviderServer::Private::gatewayContentUrl(const TaskState &task) const
{
    return baseUrl(0).toEncoded() + "/v1/videos/" + QUrl::toPercentEncoding(task.spec.id) + "/content";
}

FakeProviderServer::FakeProviderServer(QObject *parent)
    : QObject(parent)
    , d(std::make_unique<Private>())
{
    d->q = this;
    d->secret.resize(32);
    QRandomGenerator::global()->fillRange(reinterpret_cast<quint32 *>(d->secret.data()), 8);
}

FakeProviderServer::~FakeProviderServer()
{
    // Connections are children and die with us; stop accepting first so none arrive mid-teardown.
    for (QTcpServer *server : d->servers) {
        if (server)
            server->close();
    }
}

bool FakeProviderServer::listen(quint16 apiPort)
{
    const std::array<QString, 3> origins{ApiOrigin, CdnOrigin, OtherOrigin};
    for (int i = 0; i < 3; ++i) {
        if (!d->servers[i]) {
            d->servers[i] = new QTcpServer(this);
            d->servers[i]->setMaxPendingConnections(1024);
            QTcpServer *server = d->servers[i];
            const QString origin = origins[i];
            connect(server, &QTcpServer::newConnection, this, [this, server, origin] { d->accept(server, origin); });
        }
        if (d->servers[i]->isListening())
            continue;
        if (!d->servers[i]->listen(QHostAddress::LocalHost, i == 0 ? apiPort : 0)) {
            qCWarning(lcFakeServer) << "cannot listen for" << origins[i] << d->servers[i]->errorString();
            for (QTcpServer *server : d->servers)
                server->close();
            return false;
        }
    }
    return true;
}

QUrl FakeProviderServer::apiBaseUrl() const
{
    return d->baseUrl(0);
}

QUrl FakeProviderServer::cdnBaseUrl() const
{
    return d->baseUrl(1);
}

QUrl FakeProviderServer::otherBaseUrl() const
{
    return d->baseUrl(2);
}

void FakeProviderServer::setApiKey(const QString &key)
{
    d->apiKey = key;
}

void FakeProviderServer::addTask(const FakeTaskSpec &spec)
{
    // Replacing a task starts it over.
    if (d->tasks.contains(spec.id))
        d->taskByFileId.remove(d->tasks.value(spec.id).fileId);
    TaskState task;
    task.spec = spec;
    task.content = FakeVideoContent(spec.id, spec.videoBytes);
    if (!spec.videoFile.isEmpty()) {
        auto cached = d->videoFiles.constFind(spec.videoFile);
        if (cached == d->videoFiles.cend()) {
            QFile file(spec.videoFile);
            QByteArray bytes;
            if (file.open(QIODevice::ReadOnly))
                bytes = file.readAll();
            else
                qCWarning(lcFakeServer) << "cannot read" << spec.videoFile << file.errorString();
            cached = d->videoFiles.insert(spec.videoFile, bytes);
        }
        // An unreadable file falls back to generated bytes rather than an empty video.
        if (!cached->isEmpty()) {
            task.content = FakeVideoContent(*cached);
            task.spec.videoBytes = cached->size();
        }
    }
    task.fileId = d->makeFileId(spec.id);
    task.rowId = d->nextRowId++;
    task.createdAt = QDateTime::currentSecsSinceEpoch();
    task.truncationsLeft = spec.truncatedDownloads;
    d->taskByFileId.insert(task.fileId, spec.id);
    d->tasks.insert(spec.id, task);
}

bool FakeProviderServer::hasTask(const QString &id) const
{
    return d->tasks.contains(id);
}

FakeTaskSpec FakeProviderServer::taskSpec(const QString &id) const
{
    return d->tasks.value(id).spec;
}

QString FakeProviderServer::providerName(FakeTaskSpec::Shape shape)
{
    switch (shape) {
    case Shape::Mingyan:
        return u"mingyan"_s;
    case Shape::Mixroute:
    case Shape::MixrouteSora:
        return u"mixroute"_s;
    case Shape::NewApi:
    case Shape::NewApiLegacy:
    case Shape::NewApiSora:
        return u"mixroute"_s; // new-api gateways answer the mixroute path; one adapter reads both
    case Shape::TaskGatewayEnvelope:
    case Shape::TaskGatewayInline:
    case Shape::TaskGatewayFileId:
        return u"task-gateway"_s;
    case Shape::MiniMax:
        return u"minimax"_s;
    case Shape::OpenAi:
        return u"openai"_s;
    }
    return {};
}

QStringList FakeProviderServer::loadDemoScenario()
{
    // Slow enough to watch in the window (a few polls each), small enough to download instantly
    // except for the one meant to be slow.
    // Every demo video is the same real clip, so whatever the demo saves plays in the preview;
    // the size, duration and resolution the APIs report are that clip's.
    auto demo = [](const QString &id, Shape shape) {
        FakeTaskSpec spec;
        spec.id = id;
        spec.shape = shape;
        spec.videoFile = demoVideoPath();
        spec.durationSeconds = 5;
        spec.width = 320;
        spec.height = 180;
        spec.queuedPolls = 2;
        spec.processingPolls = 4;
        return spec;
    };
    QList<FakeTaskSpec> specs;

    specs << demo(u"video_demo01_a3f9c2e17b4d"_s, Shape::Mingyan);
    specs.last().model = u"sd2_manxue_1080p"_s;

    specs << demo(u"video_demo02_7c1e5d90aa21"_s, Shape::MixrouteSora);
    specs.last().model = u"sora-2"_s;

    specs << demo(u"task_demo03Qm8ZpL2xVt4N9kHcR7wYb1sD6fJ0gA5e"_s, Shape::NewApi);
    specs.last().rateLimitQueries = 1;
    specs.last().retryAfterSeconds = 3;

    specs << demo(u"video_demo04_e2b8f41c06d9"_s, Shape::Mixroute);
    specs.last().failReason = u"Prompt contains inappropriate content"_s;

    specs << demo(u"demo05_314052875571396"_s, Shape::MiniMax);
    specs.last().model = u"MiniMax-Hailuo-02"_s;
    specs.last().firstUrlExpired = true;

    specs << demo(u"video_demo06_9d0f3b7e21c8"_s, Shape::OpenAi);
    specs.last().model = u"sora-2"_s;
    // The clip is ~75 KiB: this pace keeps the download visible for about ten seconds.
    specs.last().bytesPerSecond = 8 * 1024;

    specs << demo(u"demo07_f3c1a9e5b7d2"_s, Shape::TaskGatewayEnvelope);
    specs.last().neverFreshUrl = true;

    specs << demo(u"task_demo08Lx4Vb9Nq2Rt7Wm5Kc8Zp3Hd6Gf1Js0Ya"_s, Shape::NewApiLegacy);
    specs.last().redirectFromOtherHost = true;
    specs.last().serverErrorQueries = 1;

    specs << demo(u"demo09_5b8e2d7a4c1f"_s, Shape::TaskGatewayFileId);

    QStringList ids;
    for (const FakeTaskSpec &spec : std::as_const(specs)) {
        addTask(spec);
        ids << spec.id;
    }
    return ids;
}

QString FakeProviderServer::demoVideoPath()
{
    return u":/reelkeep/demo/reelkeep-demo.mp4"_s;
}

QByteArray FakeProviderServer::videoBytes(const QString &id) const
{
    const auto it = d->tasks.constFind(id);
    if (it == d->tasks.cend())
        return {};
    return it->content.read(0, it->content.size());
}

int FakeProviderServer::statusQueryCount(const QString &id) const
{
    return d->tasks.value(id).statusQueries;
}

QList<FakeProviderServer::RecordedRequest> FakeProviderServer::requests() const
{
    return d->requests;
}

void FakeProviderServer::clearRequests()
{
    d->requests.clear();
}
