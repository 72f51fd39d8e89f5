#include "base64replyparser.h"

#include <cstring>

using namespace Qt::StringLiterals;

namespace {

constexpr qsizetype MaxCapture = 4096;     // small fields and messages
constexpr qsizetype MaxDataUrlPrefix = 256; // "data:video/mp4;base64,"
constexpr qsizetype FlushBytes = 1 << 20;
constexpr int MaxDepth = 64;

bool isSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// Fields worth keeping: flags, sizes and the provider's wording of an error.
bool isCapturedPath(const QByteArray &path)
{
    static const QByteArrayList paths = {"success", "size", "format", "message", "msg", "error", "fail_reason",
                                          "code", "error.message", "error.code", "error.type", "data.message"};
    return paths.contains(path);
}

void appendUtf8(QByteArray &text, uint codePoint)
{
    text += QString(QChar(char16_t(codePoint))).toUtf8();
}

} // namespace

Base64ReplyParser::Base64ReplyParser(Sink sink) : m_sink(std::move(sink)) { }

bool Base64ReplyParser::fail(const QString &message)
{
    if (m_error.isEmpty())
        m_error = message;
    return false;
}

QByteArray Base64ReplyParser::currentPath() const
{
    QByteArray path;
    for (const Frame &frame : m_stack) {
        if (!path.isEmpty())
            path += '.';
        path += frame.isObject ? frame.key : QByteArray("[]");
    }
    return path;
}

bool Base64ReplyParser::flushOutput(bool force)
{
    if (m_out.isEmpty() || (!force && m_out.size() < FlushBytes))
        return true;
    m_decodedBytes += m_out.size();
    const bool ok = !m_sink || m_sink(m_out);
    m_out.clear();
    if (!ok) {
        m_sinkFailed = true;
        return fail(tr("Could not save the decoded video."));
    }
    return true;
}

bool Base64ReplyParser::feed(QByteArrayView chunk)
{
    if (!m_error.isEmpty())
        return false;
    const char *p = chunk.data();
    const char *const end = p + chunk.size();
    while (p != end) {
        if (!step(p, end))
            return false;
    }
    return flushOutput(true);
}

bool Base64ReplyParser::finish()
{
    if (!m_error.isEmpty())
        return false;
    if (!m_rootDone)
        return fail(tr("The reply ended before it was complete."));
    return flushOutput(true);
}

// Consumes at least one character from p.
bool Base64ReplyParser::step(const char *&p, const char *end)
{
    switch (m_lex) {
    case Lex::String: {
        // Bulk path: the video strings are megabytes long and contain neither quote nor
        // backslash except for JSON's optional "\/".
        const char *stop = p;
        while (stop != end && *stop != '"' && *stop != '\\')
            ++stop;
        const QByteArrayView run(p, stop - p);
        if (!run.isEmpty()) {
            if (m_role == Role::Video) {
                if (!m_decoder.decode(run, m_out))
                    return fail(m_decoder.errorString());
                if (!flushOutput(false))
                    return false;
            } else if (m_role != Role::Skip) {
                for (qsizetype i = 0; i < run.size(); ++i) {
                    if (!stringChar(run[i]))
                        return false;
                    if (m_role == Role::Video) {
                        // The data URL prefix ended inside this run: decode the rest in bulk.
                        p += i + 1;
                        return true;
                    }
                }
            }
        }
        p = stop;
        if (p == end)
            return true;
        if (*p == '"') {
            ++p;
            return endString();
        }
        ++p; // backslash
        m_lex = Lex::Escape;
        return true;
    }
    case Lex::Escape: {
        const char c = *p++;
        m_lex = Lex::String;
        switch (c) {
        case '"': case '\\': case '/': return stringChar(c);
        case 'b': return stringChar('\b');
        case 'f': return stringChar('\f');
        case 'n': return stringChar('\n');
        case 'r': return stringChar('\r');
        case 't': return stringChar('\t');
        case 'u':
            m_unicode.clear();
            m_lex = Lex::Unicode;
            return true;
        default:
            return fail(tr("The reply is not valid JSON (bad escape in a string)."));
        }
    }
    case Lex::Unicode: {
        m_unicode += *p++;
        if (m_unicode.size() < 4)
            return true;
        bool ok = false;
        const uint codePoint = m_unicode.toUInt(&ok, 16);
        m_lex = Lex::String;
        if (!ok)
            return fail(tr("The reply is not valid JSON (bad \\u escape)."));
        if (m_role == Role::Video)
            return codePoint < 0x80 ? stringChar(char(codePoint))
                                    : fail(tr("The video data is not valid base64."));
        if (m_role == Role::Key || m_role == Role::Capture) {
            if (m_text.size() < MaxCapture)
                appendUtf8(m_text, codePoint);
        }
        return true;
    }
    case Lex::Literal: {
        const char c = *p;
        if (isSpace(c) || c == ',' || c == '}' || c == ']') {
            const QByteArray path = currentPath();
            if (isCapturedPath(path))
                m_fields.insert(path, m_text);
            m_text.clear();
            m_lex = Lex::Between;
            return endValue(); // the delimiter is read again in Between
        }
        if (m_text.size() >= 64)
            return fail(tr("The reply is not valid JSON (overlong value)."));
        m_text += c;
        ++p;
        return true;
    }
    case Lex::Between:
        break;
    }

    const char c = *p++;
    if (isSpace(c))
        return true;
    if (m_rootDone)
        return fail(tr("The reply has text after its end."));
    if (m_stack.isEmpty())
        return beginValue(c);

    Frame &frame = m_stack.last();
    switch (frame.expect) {
    case Frame::KeyOrEnd:
        if (c == '"') {
            m_text.clear();
            m_role = Role::Key;
            m_lex = Lex::String;
            return true;
        }
        if (c == '}' && frame.isObject) {
            m_stack.removeLast();
            return endValue();
        }
        return fail(tr("The reply is not valid JSON (expected a name)."));
    case Frame::Colon:
        if (c != ':')
            return fail(tr("The reply is not valid JSON (expected “:”)."));
        frame.expect = Frame::Value;
        return true;
    case Frame::Value:
        if (c == ']' && !frame.isObject) { // empty array
            m_stack.removeLast();
            return endValue();
        }
        return beginValue(c);
    case Frame::CommaOrEnd:
        if (c == ',') {
            frame.expect = frame.isObject ? Frame::KeyOrEnd : Frame::Value;
            return true;
        }
        if ((c == '}' && frame.isObject) || (c == ']' && !frame.isObject)) {
            m_stack.removeLast();
            return endValue();
        }
        return fail(tr("The reply is not valid JSON (expected “,”)."));
    }
    return true;
}

bool Base64ReplyParser::beginValue(char c)
{
    if (m_stack.isEmpty() && c != '{')
        return fail(tr("The reply is not a JSON object."));
    if (c == '{' || c == '[') {
        if (m_stack.size() >= MaxDepth)
            return fail(tr("The reply is nested too deeply."));
        Frame frame;
        frame.isObject = c == '{';
        frame.expect = frame.isObject ? Frame::KeyOrEnd : Frame::Value;
        m_stack.append(frame);
        return true;
    }
    if (c == '"') {
        m_text.clear();
        m_role = Role::Skip;
        if (m_stack.size() == 1 && !m_videoStarted) {
            const QByteArray &key = m_stack.last().key;
            if (key == "base64") {
                m_role = Role::Video;
                m_videoStarted = true;
                m_decoder.reset();
            } else if (key == "data_url") {
                m_role = Role::DataUrlPrefix;
            }
        }
        if (m_role == Role::Skip && isCapturedPath(currentPath()))
            m_role = Role::Capture;
        m_lex = Lex::String;
        return true;
    }
    if (c == '-' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')) {
        m_text = QByteArray(1, c);
        m_lex = Lex::Literal;
        return true;
    }
    return fail(tr("The reply is not valid JSON (unexpected “%1”).").arg(QChar::fromLatin1(c)));
}

bool Base64ReplyParser::stringChar(char c)
{
    switch (m_role) {
    case Role::Video:
        return m_decoder.decode(QByteArrayView(&c, 1), m_out) || fail(m_decoder.errorString());
    case Role::Key:
    case Role::Capture:
        if (m_text.size() < MaxCapture)
            m_text += c;
        return true;
    case Role::DataUrlPrefix:
        if (c == ',') {
            // "data:video/mp4;base64," : only a base64 data URL carries the video.
            if (m_text.contains(";base64")) {
                m_role = Role::Video;
                m_videoStarted = true;
                m_decoder.reset();
            } else {
                m_role = Role::Skip;
            }
            m_text.clear();
        } else if (m_text.size() < MaxDataUrlPrefix) {
            m_text += c;
        } else {
            m_role = Role::Skip;
        }
        return true;
    case Role::Skip:
        return true;
    }
    return true;
}

bool Base64ReplyParser::endString()
{
    m_lex = Lex::Between;
    switch (m_role) {
    case Role::Key: {
        Frame &frame = m_stack.last();
        frame.key = m_text;
        frame.expect = Frame::Colon;
        m_text.clear();
        return true;
    }
    case Role::Video:
        if (!m_decoder.finish(m_out))
            return fail(m_decoder.errorString());
        m_videoDone = true;
        if (!flushOutput(true))
            return false;
        break;
    case Role::Capture:
        m_fields.insert(currentPath(), m_text);
        break;
    case Role::DataUrlPrefix:
    case Role::Skip:
        break;
    }
    m_text.clear();
    m_role = Role::Skip;
    return endValue();
}

bool Base64ReplyParser::endValue()
{
    if (m_stack.isEmpty()) {
        m_rootDone = true;
        return true;
    }
    m_stack.last().expect = Frame::CommaOrEnd;
    return true;
}

qint64 Base64ReplyParser::declaredSize() const
{
    bool ok = false;
    const qint64 size = m_fields.value("size").toLongLong(&ok);
    return ok && size >= 0 ? size : -1;
}

std::optional<bool> Base64ReplyParser::success() const
{
    const QByteArray value = m_fields.value("success");
    if (value == "true")
        return true;
    if (value == "false")
        return false;
    return std::nullopt;
}

QString Base64ReplyParser::format() const
{
    return QString::fromUtf8(m_fields.value("format"));
}

QString Base64ReplyParser::providerMessage() const
{
    for (const char *path : {"error.message", "message", "msg", "error", "fail_reason", "data.message", "error.code",
                             "error.type"}) {
        const QByteArray value = m_fields.value(path).trimmed();
        if (!value.isEmpty() && value != "null")
            return QString::fromUtf8(value);
    }
    return {};
}
