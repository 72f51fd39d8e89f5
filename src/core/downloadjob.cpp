#include "downloadjob.h"

#include "filenamer.h"
#include "httpfetcher.h"
#include "logging.h"
#include "provideradapter.h"

#include <QDir>
#include <QFileInfo>
#include <QLocale>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTimer>

using namespace Qt::StringLiterals;

namespace {

constexpr qsizetype MaxErrorBody = 64 * 1024;
constexpr qsizetype InlineSliceChars = 4 * 1024 * 1024;
constexpr int MaxRestarts = 3;
constexpr int MaxRetryDelayMs = 60'000;

// "clip.mp4" -> "clip": the extension is chosen from the bytes once they are known.
QString baseNameOf(const QString &fileName)
{
    static const QStringList videoExtensions = {u"mp4"_s, u"m4v"_s, u"mov"_s, u"webm"_s, u"mkv"_s, u"avi"_s, u"ts"_s};
    const qsizetype dot = fileName.lastIndexOf(u'.');
    if (dot > 0 && videoExtensions.contains(fileName.mid(dot + 1).toLower()))
        return fileName.left(dot);
    return fileName;
}

struct ContentRange
{
    qint64 first = -1;
    qint64 last = -1;
    qint64 total = -1; // -1: "*"
    bool valid = false;
};

// "bytes 100-199/1000", "bytes 100-199/*", "bytes */1000"
ContentRange parseContentRange(const QByteArray &value)
{
    ContentRange range;
    QByteArray text = value.trimmed();
    if (!text.toLower().startsWith("bytes "))
        return range;
    text = text.mid(6).trimmed();
    const qsizetype slash = text.indexOf('/');
    if (slash < 0)
        return range;
    const QByteArray span = text.left(slash).trimmed();
    const QByteArray total = text.mid(slash + 1).trimmed();
    bool ok = true;
    if (total != "*") {
        range.total = total.toLongLong(&ok);
        if (!ok || range.total < 0)
            return range;
    }
    if (span != "*") {
        const qsizetype dash = span.indexOf('-');
        if (dash < 0)
            return range;
        bool firstOk = false;
        bool lastOk = false;
        range.first = span.left(dash).toLongLong(&firstOk);
        range.last = span.mid(dash + 1).toLongLong(&lastOk);
        if (!firstOk || !lastOk || range.first < 0 || range.last < range.first)
            return range;
    }
    range.valid = true;
    return range;
}

// If-Range only takes a strong validator (RFC 9110 13.1.5); a weak one would make the server
// ignore the header and send ranges of a file that may have changed.
bool isStrongEtag(const QByteArray &etag)
{
    return !etag.isEmpty() && !etag.startsWith("W/");
}

// The provider's words from a small error body: the JSON message or the start of the page.
QString errorDetail(const QByteArray &body)
{
    if (body.trimmed().startsWith('{')) {
        Base64ReplyParser parser;
        parser.feed(body);
        parser.finish();
        const QString message = parser.providerMessage();
        if (!message.isEmpty())
            return VideoSniffer::excerpt(message.toUtf8(), 300);
    }
    return VideoSniffer::excerpt(body);
}

} // namespace

DownloadJob::DownloadJob(QNetworkAccessManager *manager, const DownloadRequest &request, QObject *parent)
    : QObject(parent), m_manager(manager), m_request(request), m_inactivityTimer(new QTimer(this)),
      m_retryTimer(new QTimer(this))
{
    m_inactivityTimer->setSingleShot(true);
    m_inactivityTimer->setInterval(qMax(1, m_request.inactivityTimeoutMs));
    connect(m_inactivityTimer, &QTimer::timeout, this, &DownloadJob::onInactivity);
    m_retryTimer->setSingleShot(true);
    connect(m_retryTimer, &QTimer::timeout, this, [this] { sendRequest(m_startUrl); });
    connect(&m_file.hash(), &BackgroundSha256::backlogDrained, this, &DownloadJob::onHashCaughtUp);
    connect(&m_file.hash(), &BackgroundSha256::digestReady, this, &DownloadJob::onDigestReady);
}

DownloadJob::~DownloadJob()
{
    dropReply();
}

void DownloadJob::start()
{
    // Even a failure known up front is reported later, so callers see a uniform order of signals.
    QMetaObject::invokeMethod(this, &DownloadJob::begin, Qt::QueuedConnection);
}

void DownloadJob::begin()
{
    if (m_done)
        return;
    const VideoSource::Kind kind = m_request.source.kind;
    if (kind != VideoSource::Kind::Url && kind != VideoSource::Kind::Base64Endpoint
        && kind != VideoSource::Kind::InlineBase64) {
        fail(DownloadResult::Status::NetworkError, tr("There is no video address to download from."));
        return;
    }
    if (kind != VideoSource::Kind::InlineBase64) {
        if (urlExpiredNow()) {
            fail(DownloadResult::Status::UrlExpired,
                 tr("The download link expired at %1; a fresh link is needed.")
                     .arg(QLocale().toString(m_request.urlExpiresAt.toLocalTime(), QLocale::ShortFormat)));
            return;
        }
        // Exactly the bytes the provider sent: re-encoding would break a signed URL.
        m_startUrl = QUrl::fromEncoded(m_request.source.url);
        const QString scheme = m_startUrl.scheme().toLower();
        if (!m_startUrl.isValid() || m_startUrl.host().isEmpty() || (scheme != "http"_L1 && scheme != "https"_L1)) {
            fail(DownloadResult::Status::NetworkError, tr("The video address is not a web address."));
            return;
        }
    }
    if (!preparePartial())
        return;
    proceed();
}

void DownloadJob::proceed()
{
    const VideoSource::Kind kind = m_request.source.kind;
    emit started(m_file.path());
    emit resumeInfoChanged(m_file.path(), m_etag);
    m_progressClock.start();
    if (kind == VideoSource::Kind::InlineBase64)
        decodeInline();
    else
        sendRequest(m_startUrl);
}

bool DownloadJob::preparePartial()
{
    const QString dir = m_request.directory;
    if (dir.isEmpty()) {
        fail(DownloadResult::Status::WriteError, tr("No download folder is set."));
        return false;
    }
    if (!QDir().mkpath(dir) || !QFileInfo(dir).isDir()) {
        fail(DownloadResult::Status::WriteError, tr("Could not create the download folder “%1”.").arg(folderName()));
        return false;
    }
    const QString canonicalDir = QFileInfo(dir).canonicalFilePath();

    // Only a Range-capable URL can continue a partial file; base64 sources start over.
    QString path;
    bool resume = false;
    const QFileInfo requested(m_request.partialPath);
    if (m_request.partialIsNew && (requested.exists() || requested.isSymLink())) {
        // The name chosen for us was taken meanwhile by someone else: never write into it.
        qCWarning(lcDownload) << "the partial file name chosen for this download is taken; choosing another";
    } else if (!m_request.partialPath.isEmpty()) {
        const QFileInfo info(m_request.partialPath);
        const bool inside = QFileInfo(info.absolutePath()).canonicalFilePath() == canonicalDir;
        if (inside && info.fileName().endsWith(".part"_L1) && !info.isSymLink()
            && (info.isFile() || !info.exists())) {
            path = canonicalDir + u'/' + info.fileName();
            if (!info.exists() && !m_request.partialIsNew && adoptRenamedFile(canonicalDir, info.fileName())) {
                m_adoptFallbackPath = path;
                return false; // onAdoptedDigestReady() goes on
            }
            resume = info.exists() && m_request.source.kind == VideoSource::Kind::Url;
        } else {
            qCWarning(lcDownload) << "not reusing a partial file that is not a plain .part file in the download folder";
        }
    }
    if (path.isEmpty()) {
        path = freshPartialPath(canonicalDir, m_request);
        if (path.isEmpty()) {
            fail(DownloadResult::Status::WriteError, tr("Could not find a free file name in “%1”.").arg(folderName()));
            return false;
        }
    }
    return openPartial(path, resume);
}

bool DownloadJob::openPartial(const QString &path, bool resume)
{
    if (!m_file.open(path, resume)) {
        failWrite();
        return false;
    }
    if (resume && m_file.size() > 0)
        m_etag = m_request.etag;
    qCDebug(lcDownload) << "partial" << QFileInfo(path).fileName() << "at" << m_file.size();
    return true;
}

QString DownloadJob::freshPartialPath(const QString &canonicalDir, const DownloadRequest &request,
                                     const QSet<QString> &reservedPaths)
{
    const QString wanted = request.fileName.isEmpty() ? request.key.taskId : request.fileName;
    const QString finalPath = FileNamer::uniquePath(canonicalDir, baseNameOf(wanted), u"mp4"_s, {}, reservedPaths);
    return finalPath.isEmpty() ? QString() : finalPath + ".part"_L1;
}

// A crash between renaming the finished file and recording it as saved leaves the whole video
// under its final name and no partial file. Downloading it again would put a second copy
// beside it ("clip (2).mp4"); a file of exactly the announced size that is a video, where our
// rename put it, is taken as that video instead.
namespace
{
// True when the file is a whole ISO media file (MP4/MOV): top-level boxes that start with
// ftyp, include moov and mdat, and end exactly at the end of the file. A cut-short copy fails.
bool isCompleteIsoMediaFile(QFile &file)
{
    const qint64 size = file.size();
    qint64 offset = 0;
    bool first = true;
    bool moov = false;
    bool mdat = false;
    while (offset < size) {
        if (!file.seek(offset))
            return false;
        const QByteArray header = file.read(16);
        if (header.size() < 8)
            return false;
        auto be32 = [&header](int at) {
            return quint32(quint8(header[at])) << 24 | quint32(quint8(header[at + 1])) << 16
                | quint32(quint8(header[at + 2])) << 8 | quint32(quint8(header[at + 3]));
        };
        qint64 boxSize = be32(0);
        const QByteArray type = header.mid(4, 4);
        if (boxSize == 1) {
            if (header.size() < 16)
                return false;
            boxSize = qint64(quint64(be32(8)) << 32 | be32(12));
        } else if (boxSize == 0) {
            boxSize = size - offset;  // "to the end of the file"
        }
        if (boxSize < 8 || boxSize > size - offset || (first && type != "ftyp"))
            return false;
        moov = moov || type == "moov";
        mdat = mdat || type == "mdat";
        first = false;
        offset += boxSize;
    }
    return offset == size && moov && mdat;
}
} // namespace

bool DownloadJob::adoptRenamedFile(const QString &canonicalDir, const QString &partialName)
{
    if (!partialName.endsWith(".part"_L1))
        return false;
    const QString base = baseNameOf(partialName.chopped(5));
    static const QStringList extensions{u"mp4"_s, u"mov"_s, u"webm"_s, u"mkv"_s, u"avi"_s, u"ts"_s};
    for (const QString &ext : extensions) {
        const QFileInfo candidate(canonicalDir + u'/' + base + u'.' + ext);
        // The size the earlier run learned proves the file whole; without it (killed before
        // the total reached the store) only a file whose structure proves it whole will do.
        const bool sizeKnown = m_request.partialTotalBytes > 0;
        if (!candidate.isFile() || candidate.isSymLink()
            || (sizeKnown && candidate.size() != m_request.partialTotalBytes))
            continue;
        QFile file(candidate.filePath());
        if (!file.open(QIODevice::ReadOnly))
            continue;
        const QByteArray head = file.read(VideoSniffer::PreferredHeadBytes);
        const VideoSniffer::Kind kind = VideoSniffer::sniff(head, true);
        if (!VideoSniffer::isVideo(kind) || VideoSniffer::extensionFor(kind, {}) != ext)
            continue;
        if (!sizeKnown && !((ext == "mp4"_L1 || ext == "mov"_L1) && isCompleteIsoMediaFile(file)))
            continue;
        qCDebug(lcDownload) << "adopting" << candidate.fileName() << ": renamed before the last run ended";
        // Hashed on the worker: a large video would hold up the caller's thread.
        m_adoptPath = candidate.filePath();
        m_adoptBytes = candidate.size();
        m_adoptHash = std::make_unique<BackgroundSha256>();
        connect(m_adoptHash.get(), &BackgroundSha256::digestReady, this, &DownloadJob::onAdoptedDigestReady);
        m_adoptHash->addFile(m_adoptPath, m_adoptBytes);
        m_adoptHash->requestDigest();
        return true;
    }
    return false;
}

void DownloadJob::onAdoptedDigestReady(const QByteArray &sha256Hex, qint64 bytes, const QString &errorString)
{
    if (m_done)
        return;
    if (sha256Hex.isEmpty() || bytes != m_adoptBytes) {
        // Unreadable after all: download it again, as if it had not been there.
        qCWarning(lcDownload) << "could not read" << QFileInfo(m_adoptPath).fileName() << "to adopt it:" << errorString;
        if (openPartial(m_adoptFallbackPath, false))
            proceed();
        return;
    }
    DownloadResult result;
    result.status = DownloadResult::Status::Saved;
    result.filePath = m_adoptPath;
    result.etag = m_request.etag;
    result.bytes = m_adoptBytes;
    result.sha256Hex = sha256Hex;
    finish(result);
}

void DownloadJob::sendRequest(const QUrl &url)
{
    dropReply();
    m_url = url;
    m_headHandled = false;
    m_mode = m_request.source.kind == VideoSource::Kind::Base64Endpoint ? BodyMode::Base64 : BodyMode::Video;
    m_truncatePending = false;
    m_sniffed = false;
    m_timedOut = false;
    m_httpStatus = 0;
    m_retryAfterMs = -1;
    m_contentType.clear();
    m_contentRange.clear();
    m_pending.clear();
    m_errorBody.clear();
    m_parser.reset();

    QNetworkRequest request = makeRequest(url, m_request.credentials, m_request.allowHttp2);
    if (m_request.source.kind == VideoSource::Kind::Url && m_file.size() > 0 && !m_fromZero) {
        request.setRawHeader("Range", "bytes=" + QByteArray::number(m_file.size()) + '-');
        if (isStrongEtag(m_etag))
            request.setRawHeader("If-Range", m_etag);
    }
    // Host and path only: the query of a signed URL is a credential too.
    qCDebug(lcDownload) << "GET" << url.host() << url.path() << "from byte" << (m_fromZero ? 0 : m_file.size());

    QNetworkReply *reply = m_manager->get(request);
    m_reply = reply;
    reply->setReadBufferSize(ReadBufferBytes); // memory stays flat however large the video
    connect(reply, &QNetworkReply::metaDataChanged, this, [this] {
        if (!m_headHandled)
            handleHead();
        else
            onSecondHead();
    });
    connect(reply, &QNetworkReply::readyRead, this, &DownloadJob::onReadyRead);
    connect(reply, &QNetworkReply::finished, this, &DownloadJob::onFinished);
    m_inactivityTimer->start();
}

void DownloadJob::dropReply()
{
    m_inactivityTimer->stop();
    if (!m_reply)
        return;
    QNetworkReply *reply = m_reply;
    m_reply = nullptr;
    reply->disconnect(this);
    reply->abort();
    reply->deleteLater();
}

// Decides what this response is. False when the reply was replaced (redirect, restart) or
// the job ended; the caller must not touch the old reply's body then.
bool DownloadJob::handleHead()
{
    m_headHandled = true;
    QNetworkReply *reply = m_reply;
    m_httpStatus = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (m_httpStatus == 0)
        return true; // no HTTP answer: onFinished() reports the network error

    const QUrl next = redirectTarget(reply);
    if (next.isValid()) {
        if (++m_redirects > MaxRedirects) {
            fail(DownloadResult::Status::NetworkError, tr("The server redirected more than %1 times.").arg(MaxRedirects));
            return false;
        }
        // makeRequest() decides the key per hop: a redirect to another origin carries none.
        qCDebug(lcDownload) << "redirect" << m_url.host() << "->" << next.host();
        sendRequest(next);
        return false;
    }
    if (m_httpStatus >= 300 && m_httpStatus < 400) {
        fail(DownloadResult::Status::NetworkError,
             tr("The server redirected to an address that cannot be followed (HTTP %1).").arg(m_httpStatus));
        return false;
    }

    m_contentType = reply->rawHeader("Content-Type");
    m_contentRange = reply->rawHeader("Content-Range");
    m_retryAfterMs = parseRetryAfterMs(reply->rawHeader("Retry-After"), QDateTime::currentDateTimeUtc());
    const QVariant lengthHeader = reply->header(QNetworkRequest::ContentLengthHeader);
    const qint64 contentLength = lengthHeader.isValid() ? lengthHeader.toLongLong() : -1;

    if (m_httpStatus != 200 && m_httpStatus != 206) {
        m_mode = BodyMode::ErrorBody;
        return true;
    }

    if (m_request.source.kind == VideoSource::Kind::Base64Endpoint) {
        if (m_httpStatus != 200) {
            m_mode = BodyMode::ErrorBody;
            return true;
        }
        m_mode = BodyMode::Base64;
        m_truncatePending = m_file.size() > 0;
        m_expectedTotal = -1;
        m_parser = std::make_unique<Base64ReplyParser>([this](QByteArrayView bytes) { return writeData(bytes); });
        return true;
    }

    const qint64 have = m_file.size();
    const QByteArray etag = reply->rawHeader("ETag");
    qint64 bodyOffset = 0; // file offset of this response's first body byte
    if (m_httpStatus == 206) {
        const ContentRange range = parseContentRange(m_contentRange);
        const qint64 wantedStart = m_fromZero ? 0 : have;
        if (!range.valid || range.first != wantedStart) {
            restartFromZero(u"206 at another offset"_s);
            return false;
        }
        // Without If-Range (no strong ETag) a changed file can only be noticed here.
        if (have > 0 && !m_fromZero && !m_etag.isEmpty() && !etag.isEmpty() && etag != m_etag) {
            restartFromZero(u"ETag changed"_s);
            return false;
        }
        bodyOffset = range.first;
        m_expectedTotal = range.total >= 0 ? range.total : (contentLength >= 0 ? range.first + contentLength : -1);
    } else {
        // 200 to a Range request: the server ignored it or If-Range found the file changed.
        // The body is the whole file; the partial is replaced once the body proves a video.
        if (have > 0 && !m_fromZero)
            qCDebug(lcDownload) << "server sent the whole file instead of a range; starting over";
        m_expectedTotal = contentLength;
    }
    m_truncatePending = bodyOffset == 0 && have > 0;
    m_sniffed = bodyOffset > 0;
    // The partial keeps its validator until its bytes are replaced.
    if (m_truncatePending)
        m_pendingEtag = etag;
    else if (!etag.isEmpty() || bodyOffset == 0)
        setEtag(etag);
    // The rest of a video is never a web page; the start of one is checked by the sniff,
    // whatever the Content-Type says.
    if (bodyOffset > 0 && VideoSniffer::isTextContentType(m_contentType))
        m_mode = BodyMode::ErrorBody;
    // The total goes to the store now, not with the first timed progress report: a small
    // video can be complete and renamed before that, and a crash right after the rename needs
    // the size to recognise the finished file (adoptRenamedFile).
    if (m_mode != BodyMode::ErrorBody && m_expectedTotal > 0) {
        m_lastProgressBytes = m_truncatePending ? 0 : have;
        emit progressed(m_lastProgressBytes, m_expectedTotal);
    }
    return true;
}

void DownloadJob::onReadyRead()
{
    if (!m_reply || (!m_headHandled && !handleHead()) || waitForHashing())
        return;
    m_inactivityTimer->start();
    QNetworkReply *reply = m_reply;
    while (m_reply == reply && !m_done && reply->bytesAvailable() > 0) {
        if (waitForHashing())
            return;
        const qint64 available = reply->bytesAvailable();
        if (available < WriteBatchBytes && m_batchClock.isValid() && m_batchClock.elapsed() < ProgressIntervalMs)
            break; // more is on its way; onFinished() takes what is left at the end
        m_batchClock.start();
        const QByteArrayView chunk = readChunk(reply);
        if (chunk.isEmpty() || !consume(chunk))
            return;
    }
    if (!m_done)
        maybeEmitProgress();
}

void DownloadJob::onFinished()
{
    QNetworkReply *reply = m_reply;
    if (!reply)
        return;
    m_inactivityTimer->stop();
    if (!m_headHandled && !handleHead())
        return;
    while (reply->bytesAvailable() > 0) {
        const QByteArrayView chunk = readChunk(reply);
        if (chunk.isEmpty() || !consume(chunk) || m_reply != reply || m_done)
            return;
    }
    const QNetworkReply::NetworkError error = reply->error();
    const QString errorString = reply->errorString();
    m_reply = nullptr;
    reply->disconnect(this);
    reply->deleteLater();

    if (m_httpStatus == 0 || (error != QNetworkReply::NoError && m_mode != BodyMode::ErrorBody)) {
        const int seconds = qMax(1, m_request.inactivityTimeoutMs / 1000);
        retry(m_timedOut ? tr("No data arrived for %n second(s).", nullptr, seconds) : errorString);
        return;
    }
    switch (m_mode) {
    case BodyMode::ErrorBody:
        finishErrorBody();
        break;
    case BodyMode::Video:
        finishVideo();
        break;
    case BodyMode::Base64:
        finishBase64();
        break;
    }
}

// Qt's HTTP layer may resend a GET by itself when the connection drops and feed the new
// response into the same reply (QHttpNetworkConnectionChannel's reconnect attempts). Its body
// would start over at the response's first byte and be appended at our current offset, so keep
// what the first response gave and resume with a request of our own.
void DownloadJob::onSecondHead()
{
    QNetworkReply *reply = m_reply;
    qCDebug(lcDownload) << "the network layer restarted the response; resuming ourselves";
    // Everything buffered so far arrived before the new headers: it belongs to the first response.
    while (reply && m_reply == reply && !m_done && reply->bytesAvailable() > 0) {
        const QByteArrayView chunk = readChunk(reply);
        if (chunk.isEmpty() || !consume(chunk))
            return;
    }
    if (m_reply == reply && !m_done) {
        if (m_mode == BodyMode::Video && !m_sniffed && !m_pending.isEmpty() && !decideSniff(false))
            return;
        retry(tr("The connection was interrupted."));
    }
}

void DownloadJob::onInactivity()
{
    qCDebug(lcDownload) << "no data for" << m_request.inactivityTimeoutMs << "ms; aborting to resume";
    m_timedOut = true;
    if (m_reply)
        m_reply->abort(); // finished() follows synchronously and schedules the resume
}

// The view is valid until the next read.
QByteArrayView DownloadJob::readChunk(QNetworkReply *reply)
{
    if (m_readBuffer.isEmpty())
        m_readBuffer = QByteArray(ReadBufferBytes, Qt::Uninitialized);
    const qint64 got = reply->read(m_readBuffer.data(), m_readBuffer.size());
    return got > 0 ? QByteArrayView(m_readBuffer.constData(), got) : QByteArrayView();
}

bool DownloadJob::consume(QByteArrayView chunk)
{
    switch (m_mode) {
    case BodyMode::ErrorBody:
        if (m_errorBody.size() < MaxErrorBody)
            m_errorBody += chunk.first(qMin(chunk.size(), MaxErrorBody - m_errorBody.size()));
        return true;
    case BodyMode::Base64:
        // The start of the reply explains a parse failure ("<html>…" from a proxy).
        if (m_errorBody.size() < VideoSniffer::PreferredHeadBytes)
            m_errorBody += chunk.first(qMin<qsizetype>(chunk.size(), VideoSniffer::PreferredHeadBytes - m_errorBody.size()));
        if (!m_parser->feed(chunk)) {
            if (m_parser->sinkFailed()) {
                failWrite();
            } else {
                const VideoSniffer::Kind kind = VideoSniffer::sniff(m_errorBody, true);
                fail(DownloadResult::Status::InvalidContent,
                     kind == VideoSniffer::Kind::Json
                         ? tr("The provider's reply could not be read as a video: %1").arg(m_parser->errorString())
                         : VideoSniffer::notAVideoMessage(kind, m_errorBody));
            }
            return false;
        }
        return true;
    case BodyMode::Video:
        return consumeVideo(chunk);
    }
    return false;
}

bool DownloadJob::consumeVideo(QByteArrayView chunk)
{
    if (m_sniffed)
        return writeData(chunk);
    // Hold the first bytes back: an error page must never replace a good partial file.
    m_pending += chunk;
    if (m_pending.size() < VideoSniffer::PreferredHeadBytes)
        return true;
    return decideSniff(false);
}

bool DownloadJob::decideSniff(bool atEnd)
{
    const VideoSniffer::Kind kind = VideoSniffer::sniff(m_pending, atEnd);
    if (kind == VideoSniffer::Kind::NeedMoreData && !atEnd)
        return true;
    if (!VideoSniffer::isVideo(kind)) {
        if (VideoSniffer::isTextPage(kind) && VideoSniffer::looksLikeExpiredUrl(m_pending)) {
            fail(DownloadResult::Status::UrlExpired,
                 tr("The download link has expired; the storage server says: “%1”").arg(VideoSniffer::excerpt(m_pending)));
        } else {
            fail(DownloadResult::Status::InvalidContent, VideoSniffer::notAVideoMessage(kind, m_pending));
        }
        return false;
    }
    m_sniffed = true;
    const QByteArray head = std::exchange(m_pending, QByteArray());
    return writeData(head);
}

// True when the hashing thread is too far behind the written bytes: reading pauses (Qt then
// stops reading the socket once the reply's buffer is full) until onHashCaughtUp().
bool DownloadJob::waitForHashing()
{
    if (m_file.hash().backlogBytes() <= HashBacklogBytes)
        return false;
    m_inactivityTimer->stop(); // the stall is ours, not the server's
    if (!m_awaitingHash) {
        m_awaitingHash = true;
        m_file.hash().notifyWhenBacklogAtMost(HashBacklogBytes / 2);
    }
    return true;
}

void DownloadJob::onHashCaughtUp()
{
    if (!m_awaitingHash || m_done)
        return;
    m_awaitingHash = false;
    if (m_request.source.kind == VideoSource::Kind::InlineBase64)
        decodeInline();
    else
        onReadyRead();
}

bool DownloadJob::writeData(QByteArrayView data)
{
    if (m_truncatePending) {
        m_truncatePending = false;
        m_fromZero = false;
        if (!m_file.truncate()) {
            failWrite();
            return false;
        }
        setEtag(std::exchange(m_pendingEtag, QByteArray()));
    }
    if (!m_file.write(data)) {
        failWrite();
        return false;
    }
    m_fromZero = false;
    return true;
}

void DownloadJob::finishVideo()
{
    if (!m_sniffed && !decideSniff(true))
        return;
    const qint64 size = m_file.size();
    if (m_expectedTotal >= 0 && size < m_expectedTotal) {
        retry(tr("The connection closed after %1 of %2 bytes.").arg(size).arg(m_expectedTotal));
        return;
    }
    if (m_expectedTotal >= 0 && size > m_expectedTotal) {
        fail(DownloadResult::Status::SizeMismatch,
             tr("The server sent %1 bytes but announced %2.").arg(size).arg(m_expectedTotal));
        return;
    }
    completeFile();
}

void DownloadJob::finishBase64()
{
    const bool complete = m_parser->finish();
    if (m_parser->sinkFailed()) {
        failWrite();
        return;
    }
    const QString providerMessage = m_parser->providerMessage();
    if (m_parser->success() == false || (!m_parser->hasVideo() && !providerMessage.isEmpty())) {
        fail(DownloadResult::Status::NetworkError,
             tr("The provider could not deliver the video: %1")
                 .arg(providerMessage.isEmpty() ? tr("no reason given") : VideoSniffer::excerpt(providerMessage.toUtf8(), 300)));
        return;
    }
    if (!complete) {
        fail(DownloadResult::Status::InvalidContent,
             tr("The provider's reply could not be read as a video: %1").arg(m_parser->errorString()));
        return;
    }
    if (!m_parser->hasVideo()) {
        fail(DownloadResult::Status::InvalidContent, tr("The provider's reply contains no video data."));
        return;
    }
    const qint64 declared = m_parser->declaredSize();
    if (declared >= 0 && declared != m_file.size()) {
        fail(DownloadResult::Status::SizeMismatch,
             tr("The video has %1 bytes but the provider announced %2.").arg(m_file.size()).arg(declared));
        return;
    }
    completeFile();
}

void DownloadJob::finishErrorBody()
{
    const int status = m_httpStatus;
    if (status >= 200 && status < 300) {
        const VideoSniffer::Kind kind = VideoSniffer::sniff(m_errorBody, true);
        fail(DownloadResult::Status::InvalidContent, VideoSniffer::notAVideoMessage(kind, m_errorBody));
        return;
    }
    if (status == 416 && m_request.source.kind == VideoSource::Kind::Url) {
        // Our partial may already be whole (we crashed between the last byte and the rename).
        const ContentRange range = parseContentRange(m_contentRange);
        if (range.valid && range.total > 0 && range.total == m_file.size() && !m_fromZero) {
            m_expectedTotal = range.total;
            completeFile();
        } else {
            restartFromZero(u"416"_s);
        }
        return;
    }
    const bool keyed = m_request.credentials.appliesTo(m_url);
    if (VideoSniffer::looksLikeExpiredUrl(m_errorBody) || status == 410 || (status == 403 && !keyed)) {
        fail(DownloadResult::Status::UrlExpired,
             tr("The download link has expired or is no longer accepted (HTTP %1). A fresh link is needed.").arg(status));
        return;
    }
    if (status == 429 || status == 500 || status == 502 || status == 503 || status == 504) {
        retry(tr("The server is busy (HTTP %1).").arg(status));
        return;
    }
    const QString detail = errorDetail(m_errorBody);
    if (keyed && (status == 401 || status == 403)) {
        fail(DownloadResult::Status::NetworkError,
             tr("The provider refused the API key for this download (HTTP %1): %2").arg(status).arg(detail));
        return;
    }
    fail(DownloadResult::Status::NetworkError,
         detail.isEmpty() ? tr("The server answered HTTP %1.").arg(status)
                          : tr("The server answered HTTP %1: %2").arg(status).arg(detail));
}

// Runs again from onHashCaughtUp() where it paused for the hashing.
void DownloadJob::decodeInline()
{
    QByteArrayView encoded(m_request.source.inlineBase64);
    // A data URL ("data:video/mp4;base64,AAAA") is accepted too.
    if (encoded.startsWith("data:")) {
        const qsizetype comma = encoded.indexOf(',');
        encoded = comma < 0 ? QByteArrayView() : encoded.sliced(comma + 1);
    }
    QByteArray out;
    // Slices keep the extra memory to one slice's worth, whatever the video size.
    while (m_inlinePos < encoded.size()) {
        if (waitForHashing())
            return;
        const qsizetype pos = std::exchange(m_inlinePos, qMin(m_inlinePos + InlineSliceChars, encoded.size()));
        out.clear();
        if (!m_inlineDecoder.decode(encoded.sliced(pos, m_inlinePos - pos), out)) {
            fail(DownloadResult::Status::InvalidContent,
                 tr("The video data in the provider's reply is not valid: %1").arg(m_inlineDecoder.errorString()));
            return;
        }
        if (!writeData(out))
            return;
    }
    out.clear();
    if (!m_inlineDecoder.finish(out)) {
        fail(DownloadResult::Status::InvalidContent,
             tr("The video data in the provider's reply is not valid: %1").arg(m_inlineDecoder.errorString()));
        return;
    }
    if (!writeData(out))
        return;
    completeFile();
}

void DownloadJob::completeFile()
{
    const VideoSniffer::Kind kind = VideoSniffer::sniff(m_file.head(), true);
    if (!VideoSniffer::isVideo(kind)) {
        // Only a partial file from elsewhere can get here (a fresh body is sniffed before it is
        // written); it can never become a video, so it goes.
        fail(DownloadResult::Status::InvalidContent, VideoSniffer::notAVideoMessage(kind, m_file.head()), true);
        return;
    }
    m_completeKind = kind;
    m_completing = true;
    m_file.hash().requestDigest();
    // The fsync overlaps the end of the hashing; the rename waits for the digest.
    if (!m_file.commit()) {
        m_completing = false;
        failWrite();
    }
}

void DownloadJob::onDigestReady(const QByteArray &sha256Hex, qint64 bytes, const QString &errorString)
{
    if (!m_completing || m_done)
        return;
    m_completing = false;
    const qint64 size = m_file.size();
    if (sha256Hex.isEmpty() || bytes != size) {
        // Only the part of a resumed file that was on disk before is read back.
        fail(DownloadResult::Status::WriteError,
             tr("Could not read the part of the video downloaded earlier in “%1”: %2")
                 .arg(folderName(), errorString.isEmpty() ? tr("it changed while it was being checked") : errorString));
        return;
    }
    const VideoSniffer::Kind kind = m_completeKind;
    const QString partialPath = m_file.path();
    QString partialName = QFileInfo(partialPath).fileName();
    partialName.chop(5); // ".part"
    const QString base = baseNameOf(partialName);
    const QString ext = VideoSniffer::extensionFor(kind, m_contentType);
    // QFile::rename never replaces an existing file; if another program took the name between
    // the check and the rename, pick the next one.
    for (int attempt = 0; attempt < 3; ++attempt) {
        const QString finalPath = FileNamer::uniquePath(m_request.directory, base, ext, partialPath);
        if (finalPath.isEmpty())
            break;
        if (QFile::rename(partialPath, finalPath)) {
            qCDebug(lcDownload) << "saved" << QFileInfo(finalPath).fileName() << size << "bytes";
            DownloadResult result;
            result.status = DownloadResult::Status::Saved;
            result.filePath = finalPath;
            result.etag = m_etag;
            result.bytes = size;
            result.sha256Hex = sha256Hex;
            finish(result);
            return;
        }
        if (!QFileInfo::exists(partialPath))
            break;
    }
    fail(DownloadResult::Status::WriteError,
         tr("The video was downloaded but could not be given its name in “%1”.").arg(folderName()));
}

void DownloadJob::restartFromZero(const QString &why)
{
    dropReply();
    if (++m_restarts > MaxRestarts) {
        fail(DownloadResult::Status::NetworkError,
             tr("The server kept sending parts of the file that do not fit together."));
        return;
    }
    qCDebug(lcDownload) << "requesting the whole file again:" << why;
    // The partial stays until the new body proves to be a video (writeData() truncates).
    m_fromZero = true;
    m_redirects = 0;
    sendRequest(m_startUrl);
}

void DownloadJob::retry(const QString &why)
{
    dropReply();
    if (m_attempts >= m_request.maxResumeAttempts) {
        fail(DownloadResult::Status::NetworkError,
             tr("%1 Gave up after %n attempt(s); the part already downloaded was kept.", nullptr, m_attempts + 1)
                 .arg(why));
        return;
    }
    if (urlExpiredNow()) {
        fail(DownloadResult::Status::UrlExpired, tr("The download link expired before the download could resume."));
        return;
    }
    ++m_attempts;
    // First resume at once (a dropped connection), then back off; honour Retry-After.
    int delay = m_attempts == 1 ? 0 : qMin(1000 << qMin(m_attempts - 2, 6), 15'000);
    if (m_retryAfterMs > delay)
        delay = int(qMin<qint64>(m_retryAfterMs, MaxRetryDelayMs));
    qCDebug(lcDownload) << "retry" << m_attempts << "in" << delay << "ms from byte" << m_file.size() << ":" << why;
    m_redirects = 0;
    m_retryTimer->start(delay);
}

void DownloadJob::setEtag(const QByteArray &etag)
{
    if (etag == m_etag)
        return;
    m_etag = etag;
    emit resumeInfoChanged(m_file.path(), m_etag);
}

void DownloadJob::maybeEmitProgress()
{
    const qint64 received = m_truncatePending ? 0 : m_file.size();
    if (received == m_lastProgressBytes || m_progressClock.elapsed() < ProgressIntervalMs)
        return;
    qint64 total = m_expectedTotal;
    if (m_mode == BodyMode::Base64 && m_parser)
        total = m_parser->declaredSize();
    m_lastProgressBytes = received;
    m_progressClock.restart();
    emit progressed(received, total);
}

void DownloadJob::failWrite()
{
    if (m_file.error() == PartialFile::Error::DiskFull) {
        fail(DownloadResult::Status::DiskFull,
             tr("There is no room for the video in “%1”: the disk is full or the file is larger than this system "
                "allows. The part already downloaded was kept.")
                 .arg(folderName()));
    } else {
        fail(DownloadResult::Status::WriteError,
             tr("Could not write the video into “%1”: %2").arg(folderName(), m_file.errorString()));
    }
}

void DownloadJob::cancel()
{
    fail(DownloadResult::Status::Cancelled, tr("The download was cancelled; the part already downloaded was kept."));
}

void DownloadJob::fail(DownloadResult::Status status, const QString &message, bool discardPartial)
{
    if (m_done)
        return;
    DownloadResult result;
    result.status = status;
    result.message = message;
    if (m_file.path().isEmpty()) {
        // Failed before the partial file was opened: whatever the caller had stays valid (a
        // path chosen for this download was never created: nothing to keep).
        result.partialPath = m_request.partialIsNew ? QString() : m_request.partialPath;
        result.etag = m_request.etag;
        result.bytes = result.partialPath.isEmpty() ? 0 : QFileInfo(result.partialPath).size();
    } else {
        m_file.close();
        const QString path = m_file.path();
        if (discardPartial || QFileInfo(path).size() == 0) {
            QFile::remove(path); // an empty or useless partial is litter, not something to resume
        } else {
            result.partialPath = path;
            result.etag = m_etag;
            result.bytes = QFileInfo(path).size();
        }
    }
    finish(result);
}

void DownloadJob::finish(DownloadResult result)
{
    if (m_done)
        return;
    m_done = true;
    dropReply();
    m_retryTimer->stop();
    result.httpStatus = m_httpStatus;
    if (result.status == DownloadResult::Status::Saved && result.bytes != m_lastProgressBytes)
        emit progressed(result.bytes, result.bytes); // the one that says 100 %
    qCDebug(lcDownload) << "finished" << int(result.status) << result.message;
    emit finished(result);
}

bool DownloadJob::urlExpiredNow() const
{
    return m_request.urlExpiresAt.isValid() && m_request.urlExpiresAt <= QDateTime::currentDateTimeUtc();
}

QString DownloadJob::folderName() const
{
    return QDir::toNativeSeparators(m_request.directory);
}
