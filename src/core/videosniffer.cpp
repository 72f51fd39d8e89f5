#include "videosniffer.h"

#include <QRegularExpression>

using namespace Qt::StringLiterals;

namespace {

QByteArrayView skipBomAndSpace(QByteArrayView head)
{
    if (head.startsWith("\xEF\xBB\xBF"))
        head = head.sliced(3);
    while (!head.isEmpty() && (head.front() == ' ' || head.front() == '\t' || head.front() == '\r'
                               || head.front() == '\n'))
        head = head.sliced(1);
    return head;
}

bool startsWithNoCase(QByteArrayView text, QByteArrayView prefix)
{
    return text.size() >= prefix.size() && text.first(prefix.size()).compare(prefix, Qt::CaseInsensitive) == 0;
}

bool containsNoCase(QByteArrayView text, QByteArrayView needle)
{
    return text.toByteArray().toLower().contains(needle.toByteArray().toLower());
}

// Mostly printable UTF-8 / ASCII: an error message without markup.
bool looksLikeText(QByteArrayView head)
{
    if (head.isEmpty())
        return false;
    qsizetype printable = 0;
    for (const char ch : head) {
        const auto c = static_cast<uchar>(ch);
        if (c == 0)
            return false;
        if (c >= 0x20 || c == '\n' || c == '\r' || c == '\t')
            ++printable;
    }
    return printable * 100 >= head.size() * 95 && QString::fromUtf8(head).count(QChar::ReplacementCharacter) == 0;
}

} // namespace

VideoSniffer::Kind VideoSniffer::sniff(QByteArrayView head, bool atEnd)
{
    if (head.size() >= 12 && head.sliced(4, 4) == "ftyp") {
        const QByteArrayView brand = head.sliced(8, 4);
        return brand == "qt  " ? Kind::QuickTime : Kind::Mp4;
    }
    if (head.size() >= 8 && static_cast<uchar>(head.front()) < 0x20) {
        // QuickTime files written before "ftyp" existed start with one of these atoms (after a
        // big-endian size, whose first byte is never printable text).
        const QByteArrayView atom = head.sliced(4, 4);
        if (atom == "moov" || atom == "mdat" || atom == "wide" || atom == "pnot" || atom == "skip"
            || atom == "free")
            return Kind::QuickTime;
    }
    if (head.startsWith("\x1A\x45\xDF\xA3")) {
        // DocType sits in the EBML header, within its first few dozen bytes.
        if (head.size() < 40 && !atEnd)
            return Kind::NeedMoreData;
        return head.first(qMin<qsizetype>(head.size(), 64)).contains("webm") ? Kind::WebM : Kind::Matroska;
    }
    if (head.size() >= 12 && head.startsWith("RIFF") && head.sliced(8, 4) == "AVI ")
        return Kind::Avi;
    if (!head.isEmpty() && head.front() == 0x47) { // 'G': also the start of "Gateway Timeout"
        if (head.size() > 188 * 2 && head.at(188) == 0x47 && head.at(376) == 0x47)
            return Kind::MpegTs;
        if (head.size() <= 188 * 2 && !atEnd)
            return Kind::NeedMoreData;
    }

    const QByteArrayView text = skipBomAndSpace(head);
    if (text.isEmpty())
        return atEnd || head.size() >= PreferredHeadBytes ? Kind::Unknown : Kind::NeedMoreData;
    if (text.front() == '<') {
        if (startsWithNoCase(text, "<?xml")) {
            // XHTML pages start like XML documents.
            return containsNoCase(text, "<html") ? Kind::Html : Kind::Xml;
        }
        if (startsWithNoCase(text, "<!doctype html") || startsWithNoCase(text, "<html")
            || startsWithNoCase(text, "<head") || startsWithNoCase(text, "<body")
            || startsWithNoCase(text, "<!--") || startsWithNoCase(text, "<title")
            || startsWithNoCase(text, "<h1") || startsWithNoCase(text, "<p>")
            || startsWithNoCase(text, "<center"))
            return Kind::Html;
        return Kind::Xml;
    }
    if (text.front() == '{' || text.front() == '[')
        return Kind::Json;

    // Short binary prefixes of containers we know could still be completed by more bytes.
    if (head.size() < 12 && !atEnd)
        return Kind::NeedMoreData;
    return looksLikeText(text.first(qMin<qsizetype>(text.size(), PreferredHeadBytes))) ? Kind::Text : Kind::Unknown;
}

bool VideoSniffer::isVideo(Kind kind)
{
    switch (kind) {
    case Kind::Mp4:
    case Kind::QuickTime:
    case Kind::WebM:
    case Kind::Matroska:
    case Kind::Avi:
    case Kind::MpegTs:
        return true;
    default:
        return false;
    }
}

bool VideoSniffer::isTextPage(Kind kind)
{
    return kind == Kind::Html || kind == Kind::Xml || kind == Kind::Json || kind == Kind::Text;
}

QString VideoSniffer::extensionFor(Kind kind, const QByteArray &contentType)
{
    switch (kind) {
    case Kind::Mp4: return u"mp4"_s;
    case Kind::QuickTime: return u"mov"_s;
    case Kind::WebM: return u"webm"_s;
    case Kind::Matroska: return u"mkv"_s;
    case Kind::Avi: return u"avi"_s;
    case Kind::MpegTs: return u"ts"_s;
    default: break;
    }
    const QByteArray type = contentType.trimmed().toLower();
    if (type.startsWith("video/webm"))
        return u"webm"_s;
    if (type.startsWith("video/quicktime"))
        return u"mov"_s;
    return u"mp4"_s;
}

bool VideoSniffer::isTextContentType(const QByteArray &contentType)
{
    const QByteArray type = contentType.split(';').constFirst().trimmed().toLower();
    return type == "text/html" || type == "application/xhtml+xml" || type == "application/xml"
        || type == "text/xml" || type == "application/json" || type == "text/plain"
        || type.endsWith("+json");
}

bool VideoSniffer::looksLikeExpiredUrl(QByteArrayView body)
{
    const QByteArray lower = body.first(qMin<qsizetype>(body.size(), 64 * 1024)).toByteArray().toLower();
    return lower.contains("request has expired") || lower.contains("<code>accessdenied</code>")
        || lower.contains("\"accessdenied\"") || lower.contains("<code>expiredtoken</code>")
        || lower.contains("signature has expired") || lower.contains("url has expired")
        || lower.contains("link has expired") || lower.contains("request expired");
}

QString VideoSniffer::excerpt(QByteArrayView body, int maxChars)
{
    QString text = QString::fromUtf8(skipBomAndSpace(body.first(qMin<qsizetype>(body.size(), 16 * 1024))));
    static const QRegularExpression titleRe(u"<title[^>]*>(.*?)</title>"_s,
                                            QRegularExpression::CaseInsensitiveOption
                                                | QRegularExpression::DotMatchesEverythingOption);
    static const QRegularExpression dropRe(u"<(script|style)[^>]*>.*?</\\1>|<!--.*?-->"_s,
                                           QRegularExpression::CaseInsensitiveOption
                                               | QRegularExpression::DotMatchesEverythingOption);
    static const QRegularExpression tagRe(u"<[^>]*>"_s);
    static const QRegularExpression xmlDeclRe(u"^<\\?xml[^>]*\\?>"_s);
    if (startsWithNoCase(body, "<!doctype html") || containsNoCase(body.first(qMin<qsizetype>(body.size(), 2048)), "<html")) {
        const QRegularExpressionMatch title = titleRe.match(text);
        const QString titleText = title.hasMatch() ? title.captured(1).simplified() : QString();
        text.remove(dropRe);
        text.replace(tagRe, u" "_s);
        text = text.simplified();
        if (!titleText.isEmpty() && !text.startsWith(titleText))
            text = titleText + u' ' + text;
    } else if (text.startsWith(u'<')) {
        text.remove(xmlDeclRe);
        text.replace(tagRe, u" "_s);
    }
    text = text.simplified();
    if (text.size() > maxChars) {
        text.truncate(maxChars);
        if (text.back().isHighSurrogate())
            text.chop(1);
        text += u'…';
    }
    return text;
}

QString VideoSniffer::notAVideoMessage(Kind kind, QByteArrayView head)
{
    const QString quote = excerpt(head);
    switch (kind) {
    case Kind::Html:
        return tr("The server sent a web page instead of a video: “%1”").arg(quote);
    case Kind::Xml:
        return tr("The server sent an XML document instead of a video: “%1”").arg(quote);
    case Kind::Json:
        return tr("The server sent a message instead of a video: “%1”").arg(quote);
    case Kind::Text:
        return tr("The server sent text instead of a video: “%1”").arg(quote);
    case Kind::NeedMoreData:
        if (head.isEmpty())
            return tr("The server sent an empty file instead of a video.");
        [[fallthrough]];
    default:
        return tr("The downloaded file is not a video (it starts with the bytes %1).")
            .arg(QString::fromLatin1(head.first(qMin<qsizetype>(head.size(), 8)).toByteArray().toHex(' ')));
    }
}
