#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QCoreApplication>
#include <QString>

// Looks at the first bytes of a download and says what it is: a video container we keep, or
// the error page a server sent with status 200 (HTML, XML, JSON, plain text). Servers and
// CDNs lie in Content-Type often enough that only the bytes are trusted.
class VideoSniffer
{
    Q_DECLARE_TR_FUNCTIONS(VideoSniffer)

public:
    enum class Kind
    {
        NeedMoreData, // too few bytes to tell
        Mp4,          // ISO base media: "ftyp" box at offset 4 (MP4, M4V, 3GP)
        QuickTime,    // "ftyp" with brand "qt  ", or a classic QuickTime atom at offset 4
        WebM,         // EBML header with DocType "webm"
        Matroska,     // EBML header, other DocType
        Avi,          // RIFF....AVI
        MpegTs,       // 0x47 sync byte every 188 bytes
        Html,
        Xml,
        Json,
        Text,
        Unknown       // binary, but not a container we recognise
    };

    // Bytes worth collecting before calling sniff() on a stream (enough for an MPEG-TS check
    // and a readable quote of an error page).
    static constexpr int PreferredHeadBytes = 1024;

    // atEnd: the whole file is in head (a tiny body), so never answer NeedMoreData.
    static Kind sniff(QByteArrayView head, bool atEnd = false);
    static bool isVideo(Kind kind);
    static bool isTextPage(Kind kind);
    // File extension without the dot: from the sniffed container, else from Content-Type,
    // else "mp4".
    static QString extensionFor(Kind kind, const QByteArray &contentType = QByteArray());
    // Content types a server uses for error pages: reject these on a video URL.
    static bool isTextContentType(const QByteArray &contentType);
    // Storage-provider wording for a signed URL that lapsed (S3/OSS/TOS "AccessDenied",
    // "Request has expired", GCS "ExpiredToken", Azure "AuthenticationFailed ... expired").
    static bool looksLikeExpiredUrl(QByteArrayView body);
    // A short readable quote of a text page: the HTML <title> or its text without tags, or the
    // start of the body, on one line, at most maxChars characters.
    static QString excerpt(QByteArrayView body, int maxChars = 160);
    // The user-facing sentence for a body that is not a video.
    static QString notAVideoMessage(Kind kind, QByteArrayView head);
};
