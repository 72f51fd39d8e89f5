#pragma once

#include "apicredentials.h"
#include "taskkey.h"
#include "videosource.h"

#include <QByteArray>
#include <QDateTime>
#include <QMetaType>
#include <QString>

// Everything the downloader needs to save one task's video.
struct DownloadRequest
{
    TaskKey key;
    VideoSource source;          // Url, Base64Endpoint or InlineBase64 (FileId is resolved before)
    ApiCredentials credentials;  // attached only where the URL is on the key's origin
    QString directory;           // download folder; nothing is written outside it
    QString fileName;            // final file name wanted (already rendered from the template);
                                 // made safe and unique by the downloader
    QString partialPath;         // an earlier partial file to resume; empty for a fresh start
    bool partialIsNew = false;   // partialPath was just chosen for this download (freshPartialPath)
                                 // and does not exist yet: nothing to resume, nothing to adopt
    QByteArray etag;             // validator of that partial file (If-Range)
    qint64 partialTotalBytes = -1; // size of the whole file, if an earlier run learned it
    QDateTime urlExpiresAt;      // if known and past, the URL is not even tried (Expired)
    bool allowHttp2 = false;     // Qt's HTTP/2 has had memory bugs on large bodies
    int inactivityTimeoutMs = 60'000;
    int maxResumeAttempts = 5;   // automatic Range resumes after dropped connections
};

struct DownloadResult
{
    enum class Status
    {
        Saved,          // the whole file is at filePath, verified
        UrlExpired,     // 403/410 or a signed URL past its expiry: ask the provider for a fresh one
        DiskFull,       // no space (or file-size limit); partial kept
        WriteError,     // folder not writable, etc.; partial kept
        NetworkError,   // gave up after retries; partial kept
        InvalidContent, // the server sent an HTML/XML page or something that is not a video
        SizeMismatch,   // fewer/more bytes than the server announced
        Cancelled
    };

    Status status = Status::NetworkError;
    QString filePath;     // Saved: absolute final path
    QString partialPath;  // not Saved: the partial file kept for a resume (may be empty)
    QByteArray etag;
    qint64 bytes = 0;     // Saved: file size; otherwise bytes in the partial file
    QByteArray sha256Hex; // Saved: lower-case hex digest of the file
    QString message;      // human-readable, never contains the key
    int httpStatus = 0;
};

Q_DECLARE_METATYPE(DownloadResult)
