#pragma once

#include "backgroundsha256.h"
#include "base64replyparser.h"
#include "base64streamdecoder.h"
#include "downloadrequest.h"
#include "partialfile.h"
#include "videosniffer.h"

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QUrl>

#include <memory>

class QNetworkAccessManager;
class QNetworkReply;
class QTimer;

// One video on its way to disk: the request/redirect/resume state machine behind
// VideoDownloader. Streams into a PartialFile, follows redirects by hand (the key stays on its
// origin), resumes dropped transfers with Range/If-Range, and renames into place only a whole,
// sniffed-as-video file. The file's SHA-256 is computed on a worker thread as the bytes are
// written (reading pauses if it falls far behind); the rename waits for that digest. Emits
// finished() exactly once, never from inside start().
class DownloadJob : public QObject
{
    Q_OBJECT

public:
    static constexpr qint64 ReadBufferBytes = 1 << 20;
    static constexpr int MaxRedirects = 20;
    static constexpr int ProgressIntervalMs = 250;
    // Written bytes the hashing thread may fall behind by before reading pauses: bounds memory
    // whatever the file size, if that thread is starved of CPU.
    static constexpr qint64 HashBacklogBytes = 8 << 20;
    // Bytes left in the reply's buffer until this many have arrived (or a progress interval has
    // passed): fewer, larger writes.
    static constexpr qint64 WriteBatchBytes = 512 * 1024;

    DownloadJob(QNetworkAccessManager *manager, const DownloadRequest &request, QObject *parent = nullptr);
    ~DownloadJob() override;

    // Where a fresh download of `request` writes: "<name>.mp4.part" for the first name free in
    // canonicalDir and not in reservedPaths (see FileNamer::uniquePath). Empty if none is.
    // The caller may record it before the file exists and pass it back as a partialIsNew
    // request, so a crash can never leave a partial file nobody knows.
    static QString freshPartialPath(const QString &canonicalDir, const DownloadRequest &request,
                                    const QSet<QString> &reservedPaths = {});

    const DownloadRequest &request() const { return m_request; }
    void start();
    // Stops now and keeps the partial file; finished(Cancelled) follows.
    void cancel();

signals:
    void started(const QString &partialPath);
    void progressed(qint64 bytesReceived, qint64 bytesTotal);
    void resumeInfoChanged(const QString &partialPath, const QByteArray &etag);
    void finished(const DownloadResult &result);

private:
    enum class BodyMode
    {
        Video,     // bytes of the file (from offset m_bodyOffset)
        Base64,    // a JSON reply carrying the file as base64
        ErrorBody  // an error or refused page: keep its start for the message
    };

    void begin();
    bool preparePartial();
    bool adoptRenamedFile(const QString &canonicalDir, const QString &partialName);
    bool openPartial(const QString &path, bool resume);
    void proceed();
    void sendRequest(const QUrl &url);
    void dropReply();
    bool handleHead();
    void onReadyRead();
    void onFinished();
    void onSecondHead();
    void onInactivity();
    QByteArrayView readChunk(QNetworkReply *reply);
    bool consume(QByteArrayView chunk);
    bool consumeVideo(QByteArrayView chunk);
    bool decideSniff(bool atEnd);
    bool writeData(QByteArrayView data);
    bool waitForHashing();
    void onHashCaughtUp();
    void onDigestReady(const QByteArray &sha256Hex, qint64 bytes, const QString &errorString);
    void onAdoptedDigestReady(const QByteArray &sha256Hex, qint64 bytes, const QString &errorString);
    void finishVideo();
    void finishBase64();
    void finishErrorBody();
    void decodeInline();
    void completeFile();
    void restartFromZero(const QString &why);
    void retry(const QString &why);
    void setEtag(const QByteArray &etag);
    void maybeEmitProgress();
    void failWrite();
    void fail(DownloadResult::Status status, const QString &message, bool discardPartial = false);
    void finish(DownloadResult result);
    bool urlExpiredNow() const;
    QString folderName() const;

    QNetworkAccessManager *m_manager;
    DownloadRequest m_request;
    PartialFile m_file;
    QPointer<QNetworkReply> m_reply;
    QTimer *m_inactivityTimer;
    QTimer *m_retryTimer;
    QUrl m_startUrl;
    QUrl m_url;                // the hop being requested
    int m_redirects = 0;
    int m_attempts = 0;        // automatic retries used
    int m_restarts = 0;        // times the whole file was requested again
    QByteArray m_etag;
    QByteArray m_pendingEtag;  // validator of a whole-file body not yet accepted (see m_truncatePending)
    qint64 m_expectedTotal = -1;
    BodyMode m_mode = BodyMode::Video;
    bool m_headHandled = false;
    bool m_truncatePending = false; // a 200 answered our Range: replace the partial once it proves a video
    bool m_fromZero = false;   // ask for the whole file (no Range) though a partial exists
    bool m_sniffed = false;
    bool m_timedOut = false;
    bool m_done = false;
    int m_httpStatus = 0;
    qint64 m_retryAfterMs = -1;
    QByteArray m_contentType;
    QByteArray m_contentRange;
    QByteArray m_pending;      // first body bytes held back until they are known to be a video
    QByteArray m_errorBody;
    std::unique_ptr<Base64ReplyParser> m_parser;
    Base64StreamDecoder m_inlineDecoder;
    qsizetype m_inlinePos = 0;         // inline base64 characters decoded so far
    bool m_awaitingHash = false;       // reading paused until the hashing catches up
    bool m_completing = false;         // committed; the rename waits for the digest
    VideoSniffer::Kind m_completeKind = VideoSniffer::Kind::NeedMoreData;
    // A file renamed before a crash, being hashed to be adopted (adoptRenamedFile()).
    std::unique_ptr<BackgroundSha256> m_adoptHash;
    QString m_adoptPath;
    qint64 m_adoptBytes = 0;
    QString m_adoptFallbackPath;       // the partial to download into if it cannot be read
    QElapsedTimer m_progressClock;
    QElapsedTimer m_batchClock;        // since the last read from the reply
    QByteArray m_readBuffer;           // reused for every read: no allocation per chunk
    qint64 m_lastProgressBytes = -1;
};
