#include "idextractor.h"

#include <QHash>
#include <QList>
#include <QUrl>

#include <algorithm>
#include <array>
#include <string_view>
#include <utility>

using namespace Qt::StringLiterals;

namespace
{
constexpr qsizetype minLength = 8;
constexpr qsizetype minKeyedLength = 4;
constexpr qsizetype maxLength = 128;
// Only the start of a monster URL is read for an ID; the rest is skipped in one go.
constexpr qsizetype maxUrlLength = 8192;

constexpr bool isDigit(char16_t c)
{
    return c >= u'0' && c <= u'9';
}
constexpr bool isLetter(char16_t c)
{
    return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z');
}
constexpr bool isAlnum(char16_t c)
{
    return isDigit(c) || isLetter(c);
}
constexpr bool isHexDigit(char16_t c)
{
    return isDigit(c) || (c >= u'a' && c <= u'f') || (c >= u'A' && c <= u'F');
}
// ':' is deliberately a separator: it splits "task_id:abc", "12:30:00" and "host:443" into parts
// that are judged on their own, and no provider's ID contains one.
constexpr bool isTokenChar(char16_t c)
{
    return isAlnum(c) || c == u'_' || c == u'-' || c == u'.';
}
constexpr bool isBlank(char16_t c)
{
    return c == u' ' || c == u'\t' || c == u'\r';
}
constexpr bool isQuote(char16_t c)
{
    return c == u'"' || c == u'\'' || c == u'`';
}
constexpr bool isWhitespace(char16_t c)
{
    return isBlank(c) || c == u'\n' || c == u'\v' || c == u'\f';
}
// Where a key's value or a credential ends.
constexpr bool isValueStop(char16_t c)
{
    return isWhitespace(c) || isQuote(c) || c == u',' || c == u';' || c == u'&' || c == u'}' || c == u']' || c == u')'
        || c == u'<' || c == u'>';
}
constexpr bool isUrlStop(char16_t c)
{
    return isWhitespace(c) || isQuote(c) || c == u'<' || c == u'>' || c == u'{' || c == u'}' || c == u'|' || c == u'^'
        || c == u',' || c == u'(' || c == u')' || c == u'[' || c == u']';
}

bool allDigits(QStringView text)
{
    for (const QChar c : text) {
        if (!isDigit(c.unicode()))
            return false;
    }
    return !text.isEmpty();
}

qsizetype digitsAt(QStringView text, qsizetype at)
{
    qsizetype count = 0;
    while (at + count < text.size() && isDigit(text.at(at + count).unicode()))
        ++count;
    return count;
}

bool isSecret(QStringView token)
{
    static constexpr std::array caseInsensitive{
        "sk-"_L1,  "sk_"_L1,         "pk-"_L1,    "pk_"_L1,   "rk-"_L1,   "rk_"_L1, "ghp_"_L1, "gho_"_L1, "ghs_"_L1,
        "ghu_"_L1, "github_pat_"_L1, "glpat-"_L1, "xoxb-"_L1, "xoxp-"_L1, "hf_"_L1, "r8_"_L1,  "key-"_L1};
    static constexpr std::array caseSensitive{"eyJ"_L1, "AKIA"_L1, "ASIA"_L1, "LTAI"_L1, "AIza"_L1};
    for (const QLatin1StringView prefix : caseInsensitive) {
        if (token.startsWith(prefix, Qt::CaseInsensitive))
            return true;
    }
    for (const QLatin1StringView prefix : caseSensitive) {
        if (token.startsWith(prefix))
            return true;
    }
    return false;
}

bool isDateOrTime(QStringView token)
{
    // 2025-11-18, 2025-11-18T12 (the rest split off at ':'), 2025-1-8
    const qsizetype year = digitsAt(token, 0);
    if (year == 4 && token.size() > 5 && token.at(4) == u'-') {
        const qsizetype month = digitsAt(token, 5);
        if (month >= 1 && month <= 2 && token.size() > 5 + month && token.at(5 + month) == u'-'
            && digitsAt(token, 6 + month) >= 1) {
            return true;
        }
    }
    // 18-11-2025
    if (year >= 1 && year <= 2 && token.size() > year && token.at(year) == u'-') {
        const qsizetype month = digitsAt(token, year + 1);
        const qsizetype yearAt = year + 1 + month + 1;
        if (month >= 1 && month <= 2 && token.size() > yearAt - 1 && token.at(yearAt - 1) == u'-'
            && digitsAt(token, yearAt) == 4) {
            return true;
        }
    }
    // 20250101T120000Z (SigV4, GCS, TOS)
    if (year == 8 && token.size() > 9 && token.at(8) == u'T' && digitsAt(token, 9) >= 4)
        return true;
    // 20251118123045: a compact timestamp, not a numeric ID
    if (token.size() == 14 && allDigits(token) && (token.startsWith("19"_L1) || token.startsWith("20"_L1))) {
        const int month = token.sliced(4, 2).toInt();
        const int day = token.sliced(6, 2).toInt();
        const int hour = token.sliced(8, 2).toInt();
        if (month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23)
            return true;
    }
    return false;
}

// 1.2.3, v2.31.0-beta1, 6.4.2+dfsg, 192.168.1.10, 3.14159265
bool isVersionOrNumber(QStringView token)
{
    QStringView rest = token;
    if (rest.startsWith(u'v') || rest.startsWith(u'V'))
        rest = rest.sliced(1);
    if (rest.isEmpty() || !isDigit(rest.front().unicode()))
        return false;
    bool sawDot = false;
    for (const QChar c : rest) {
        if (c == u'-' || c == u'+')
            break;
        if (c == u'.')
            sawDot = true;
        else if (!isDigit(c.unicode()))
            return false;
    }
    return sawDot;
}

// api.openai.com, video.mp4, ca-certificates.crt
bool isHostOrFileName(QStringView token)
{
    const qsizetype dot = token.lastIndexOf(u'.');
    if (dot < 0)
        return false;
    const QStringView last = token.sliced(dot + 1);
    if (last.isEmpty())
        return false;
    static constexpr std::array mediaExtensions{"mp4"_L1,  "mp3"_L1,  "m4a"_L1,   "m4v"_L1, "3gp"_L1,
                                                "h264"_L1, "h265"_L1, "mpeg4"_L1, "7z"_L1,  "bz2"_L1};
    for (const QLatin1StringView extension : mediaExtensions) {
        if (last.compare(extension, Qt::CaseInsensitive) == 0)
            return true;
    }
    if (last.size() > 24)
        return false;
    for (const QChar c : last) {
        if (!isLetter(c.unicode()))
            return false;
    }
    return true;
}

// 1280x720
bool isResolution(QStringView token)
{
    const qsizetype width = digitsAt(token, 0);
    return width > 0 && width + 1 < token.size() && (token.at(width) == u'x' || token.at(width) == u'X')
        && digitsAt(token, width + 1) == token.size() - width - 1;
}

// 8-4-4-4-12 hex digits.
bool isUuid(QStringView token)
{
    if (token.size() != 36)
        return false;
    for (qsizetype i = 0; i < token.size(); ++i) {
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? token.at(i) != u'-' : !isHexDigit(token.at(i).unicode()))
            return false;
    }
    return true;
}

// Cipher suites and key-exchange groups from curl -v ("X25519MLKEM768", "secp384r1").
bool isTechnicalWord(QStringView token)
{
    static constexpr std::array words{"mlkem"_L1,  "secp"_L1,     "prime256"_L1, "25519"_L1,
                                      "sha256"_L1, "sha384"_L1,   "sha512"_L1,   "aes128"_L1,
                                      "aes256"_L1, "chacha20"_L1, "poly1305"_L1, "x509"_L1};
    // Lower-case the (short, ASCII) token once and search bytes: a case-insensitive
    // QStringView::contains() per word converted every needle on every call and was half of
    // the time to extract 100,000 IDs from a 20 MB paste (see the README's performance notes).
    std::array<char, maxLength> lower{};
    if (token.size() > qsizetype(lower.size()))
        return false;
    for (qsizetype i = 0; i < token.size(); ++i) {
        const char16_t c = token.at(i).unicode();
        lower[size_t(i)] = c < 0x80 ? char(c >= u'A' && c <= u'Z' ? c + (u'a' - u'A') : c) : '\x01';
    }
    const std::string_view haystack(lower.data(), size_t(token.size()));
    for (const QLatin1StringView word : words) {
        if (haystack.find(std::string_view(word.data(), size_t(word.size()))) != std::string_view::npos)
            return true;
    }
    return false;
}

bool isNoise(QStringView token)
{
    return isSecret(token) || isDateOrTime(token) || isVersionOrNumber(token) || isHostOrFileName(token)
        || isResolution(token);
}

bool onlyTokenChars(QStringView token)
{
    for (const QChar c : token) {
        if (!isTokenChar(c.unicode()))
            return false;
    }
    return true;
}

// Random IDs have a long alphanumeric stretch that mixes letters and digits a lot, or holds a
// long number; model names and words with a number ("sd2_manxue_1080p", "Hailuo02") do not.
// Unix seconds or milliseconds between 2015 and 2040: a timestamp column (CSV, logs), not an ID.
// Fixed bounds keep the answer independent of today's date.
bool isRecentUnixTime(QStringView digits)
{
    constexpr qint64 from = 1420070400; // 2015-01-01
    constexpr qint64 to = 2208988800;   // 2040-01-01
    if (digits.size() != 10 && digits.size() != 13)
        return false;
    const qint64 value = digits.toLongLong();
    const qint64 seconds = digits.size() == 13 ? value / 1000 : value;
    return seconds >= from && seconds < to;
}

bool hasIdShape(QStringView token)
{
    if (allDigits(token))
        return token.size() >= 10 && !isRecentUnixTime(token);
    if (isUuid(token))
        return true;

    qsizetype runLength = 0, runDigits = 0, transitions = 0, digitGroup = 0, longestDigitGroup = 0;
    auto runQualifies
        = [&] { return runLength >= minLength && runDigits > 0 && (transitions >= 3 || longestDigitGroup >= 5); };
    for (qsizetype i = 0; i <= token.size(); ++i) {
        const char16_t c = i < token.size() ? token.at(i).unicode() : u'\0';
        if (!isAlnum(c)) {
            if (runQualifies())
                return true;
            runLength = runDigits = transitions = digitGroup = longestDigitGroup = 0;
            continue;
        }
        if (runLength > 0 && isDigit(c) != isDigit(token.at(i - 1).unicode()))
            ++transitions;
        ++runLength;
        if (isDigit(c)) {
            ++runDigits;
            longestDigitGroup = std::max(longestDigitGroup, ++digitGroup);
        } else {
            digitGroup = 0;
        }
    }
    return false;
}

bool looksLikeLooseId(QStringView token)
{
    // Cheapest tests first: most words of prose fail hasIdShape() at once.
    return token.size() >= minLength && token.size() <= maxLength && onlyTokenChars(token) && hasIdShape(token)
        && !isNoise(token) && !isTechnicalWord(token);
}

// After task_id= / "id": the position says "ID"; only the obvious non-IDs are refused.
bool looksLikeKeyedId(QStringView token)
{
    if (token.size() < minKeyedLength || token.size() > maxLength || !onlyTokenChars(token) || isNoise(token))
        return false;
    if (allDigits(token))
        return token.size() >= 5;
    const bool hasDigit = std::any_of(token.begin(), token.end(), [](QChar c) { return isDigit(c.unicode()); });
    return hasDigit || token.size() >= minLength;
}

QStringView trimPunctuation(QStringView token)
{
    while (!token.isEmpty() && (token.front() == u'.' || token.front() == u'-'))
        token = token.sliced(1);
    while (!token.isEmpty() && (token.back() == u'.' || token.back() == u'-'))
        token.chop(1);
    return token;
}

enum class KeyKind
{
    Neutral,
    TaskId,  // task_id and friends: its value is the task's ID
    PlainId, // "id": usually the task's ID, but new-api also nests the upstream's own id
    Deny     // its value is never an ID (credentials, request ids, times, sizes, file ids...)
};

QString normaliseKey(QStringView token)
{
    QString key = token.toString().toLower();
    key.replace(u'-', u'_');
    while (key.startsWith(u'_') || key.startsWith(u'.'))
        key.remove(0, 1);
    return key;
}

KeyKind classifyKey(const QString &key)
{
    static constexpr std::array taskKeys{"task_id"_L1, "taskid"_L1,        "video_id"_L1,
                                         "videoid"_L1, "generation_id"_L1, "generationid"_L1,
                                         "job_id"_L1,  "jobid"_L1,         "prediction_id"_L1};
    for (const QLatin1StringView name : taskKeys) {
        if (key == name)
            return KeyKind::TaskId;
    }
    if (key == "id"_L1 || key == "task"_L1)
        return KeyKind::PlainId;
    static constexpr std::array denyKeys{"authorization"_L1,
                                         "proxy_authorization"_L1,
                                         "key"_L1,
                                         "access_key"_L1,
                                         "sig"_L1,
                                         "expires"_L1,
                                         "req_id"_L1,
                                         "span_id"_L1,
                                         "etag"_L1,
                                         "file_id"_L1,
                                         "fileid"_L1,
                                         "user_id"_L1,
                                         "userid"_L1,
                                         "group_id"_L1,
                                         "groupid"_L1,
                                         "channel_id"_L1,
                                         "org"_L1,
                                         "org_id"_L1,
                                         "organization"_L1,
                                         "project"_L1,
                                         "project_id"_L1,
                                         "created"_L1,
                                         "created_at"_L1,
                                         "updated_at"_L1,
                                         "completed_at"_L1,
                                         "expires_at"_L1,
                                         "submit_time"_L1,
                                         "start_time"_L1,
                                         "finish_time"_L1,
                                         "timestamp"_L1,
                                         "time"_L1,
                                         "date"_L1,
                                         "ts"_L1,
                                         "model"_L1,
                                         "size"_L1,
                                         "bytes"_L1,
                                         "content_length"_L1,
                                         "sha1"_L1,
                                         "sha256"_L1,
                                         "md5"_L1,
                                         "digest"_L1,
                                         "hash"_L1,
                                         "checksum"_L1,
                                         "seed"_L1,
                                         "quota"_L1,
                                         "last_modified"_L1,
                                         "age"_L1,
                                         "max_age"_L1,
                                         "server_timing"_L1,
                                         "policy"_L1,
                                         "key_pair_id"_L1};
    for (const QLatin1StringView name : denyKeys) {
        if (key == name)
            return KeyKind::Deny;
    }
    static constexpr std::array denyPrefixes{"x_amz_"_L1,      "x_oss_"_L1,  "x_goog_"_L1, "x_tos_"_L1,
                                             "x_ratelimit"_L1, "openai_"_L1, "cf_"_L1,     "x_envoy"_L1};
    for (const QLatin1StringView prefix : denyPrefixes) {
        if (key.startsWith(prefix))
            return KeyKind::Deny;
    }
    static constexpr std::array denyParts{"token"_L1,      "secret"_L1,    "password"_L1,  "cookie"_L1,  "signature"_L1,
                                          "request_id"_L1, "requestid"_L1, "trace"_L1,     "api_key"_L1, "apikey"_L1,
                                          "credential"_L1, "accesskey"_L1, "access_key"_L1};
    for (const QLatin1StringView part : denyParts) {
        if (key.contains(part))
            return KeyKind::Deny;
    }
    return KeyKind::Neutral;
}

bool isAuthScheme(QStringView token)
{
    return token.compare("Bearer"_L1, Qt::CaseInsensitive) == 0 || token.compare("Basic"_L1, Qt::CaseInsensitive) == 0
        || token.compare("Token"_L1, Qt::CaseInsensitive) == 0;
}

// Path segments after these name the task in API URLs (/v1/videos/{id}, /task/{id}, ...).
bool isIdCollection(QStringView segment)
{
    static constexpr std::array names{"generations"_L1, "videos"_L1,     "result"_L1,      "results"_L1,
                                      "task"_L1,        "tasks"_L1,      "predictions"_L1, "text2video"_L1,
                                      "image2video"_L1, "operations"_L1, "requests"_L1,    "jobs"_L1};
    for (const QLatin1StringView name : names) {
        if (segment.compare(name, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

class Scanner
{
public:
    explicit Scanner(QStringView text) : m_text(text) { }

    QStringList run();

private:
    // How an ID was found; JSON answers keep only the best kind present.
    enum Source
    {
        Loose,
        FromPlainIdKey,
        FromTaskIdKey
    };
    void add(QStringView id, Source source);
    void readUrl(qsizetype start, qsizetype end);
    bool isUrlSchemeEnd(qsizetype end) const;
    qsizetype urlEnd(qsizetype from) const;
    qsizetype valueEnd(qsizetype from) const;

    QStringView m_text;
    QList<std::pair<QString, Source>> m_found; // id, best way it was seen
    QHash<QString, qsizetype> m_index;
};

void Scanner::add(QStringView id, Source source)
{
    QString key = id.toString();
    const auto it = m_index.constFind(key);
    if (it != m_index.cend()) {
        m_found[*it].second = std::max(m_found[*it].second, source);
        return;
    }
    m_index.insert(key, m_found.size());
    m_found.append({std::move(key), source});
}

bool Scanner::isUrlSchemeEnd(qsizetype end) const
{
    // "https://" or, inside JSON, "https:\/\/".
    qsizetype i = end;
    if (i >= m_text.size() || m_text.at(i) != u':')
        return false;
    ++i;
    for (int slash = 0; slash < 2; ++slash) {
        if (i < m_text.size() && m_text.at(i) == u'\\')
            ++i;
        if (i >= m_text.size() || m_text.at(i) != u'/')
            return false;
        ++i;
    }
    return true;
}

qsizetype Scanner::urlEnd(qsizetype from) const
{
    qsizetype i = from;
    while (i < m_text.size()) {
        const char16_t c = m_text.at(i).unicode();
        if (c == u'\\') {
            // JSON may escape '/' as "\/", and Go's encoder writes '&' and '=' as \u0026 / \u003d.
            if (i + 1 < m_text.size() && m_text.at(i + 1) == u'/') {
                i += 2;
                continue;
            }
            if (i + 5 < m_text.size() && m_text.at(i + 1) == u'u') {
                i += 6;
                continue;
            }
            break;
        }
        if (isUrlStop(c))
            break;
        ++i;
    }
    return i;
}

qsizetype Scanner::valueEnd(qsizetype from) const
{
    qsizetype i = from;
    while (i < m_text.size() && !isValueStop(m_text.at(i).unicode()))
        ++i;
    return i;
}

void Scanner::readUrl(qsizetype start, qsizetype end)
{
    QString url = m_text.sliced(start, std::min(end - start, maxUrlLength)).toString();
    url.replace("\\/"_L1, "/"_L1);
    url.replace("\\u0026"_L1, "&"_L1);
    url.replace("\\u003d"_L1, "="_L1, Qt::CaseInsensitive);
    const qsizetype authority = url.indexOf("://"_L1);
    if (authority < 0)
        return;
    qsizetype fragment = url.indexOf(u'#', authority);
    if (fragment < 0)
        fragment = url.size();
    qsizetype query = url.indexOf(u'?', authority);
    if (query < 0 || query > fragment)
        query = fragment;
    const qsizetype path = url.indexOf(u'/', authority + 3);

    if (path >= 0 && path < query) {
        const QList<QStringView> segments = QStringView(url).sliced(path, query - path).split(u'/', Qt::SkipEmptyParts);
        for (qsizetype i = 1; i < segments.size(); ++i) {
            if (!isIdCollection(segments.at(i - 1)))
                continue;
            const QString segment = QUrl::fromPercentEncoding(segments.at(i).toUtf8());
            const bool hasDigit
                = std::any_of(segment.begin(), segment.end(), [](QChar c) { return isDigit(c.unicode()); });
            if (hasDigit && looksLikeKeyedId(segment))
                add(segment, Loose);
        }
    }
    if (query < fragment) {
        const QList<QStringView> items = QStringView(url).sliced(query + 1, fragment - query - 1).split(u'&');
        for (const QStringView item : items) {
            const qsizetype eq = item.indexOf(u'=');
            const KeyKind kind = eq > 0 ? classifyKey(normaliseKey(item.first(eq))) : KeyKind::Neutral;
            if (kind != KeyKind::TaskId && kind != KeyKind::PlainId)
                continue;
            const QString value = QUrl::fromPercentEncoding(item.sliced(eq + 1).toUtf8());
            if (looksLikeKeyedId(value))
                add(value, kind == KeyKind::TaskId ? FromTaskIdKey : FromPlainIdKey);
        }
    }
}

QStringList Scanner::run()
{
    const qsizetype n = m_text.size();
    qsizetype i = 0;
    bool atLineStart = true;     // no token yet on this line
    bool curlHeaderLine = false; // "> Header: ..." / "< header: ..." in curl -v output
    bool skipLine = false;
    QString pendingKey;
    bool hasPendingKey = false;

    while (i < n) {
        const char16_t c = m_text.at(i).unicode();
        if (c == u'\n') {
            atLineStart = true;
            curlHeaderLine = false;
            skipLine = false;
            hasPendingKey = false;
            ++i;
            continue;
        }
        if (skipLine) {
            ++i;
            continue;
        }
        if (c == u'\\' && i + 1 < n) {
            // JSON escapes inside logged strings: "\n" must not glue an "n" onto the next ID.
            const char16_t escaped = m_text.at(i + 1).unicode();
            if (escaped == u'u')
                i = std::min(n, i + 6);
            else if (escaped == u'n' || escaped == u'r' || escaped == u't' || escaped == u'b' || escaped == u'f')
                i += 2;
            else
                ++i;
            continue;
        }
        if (!isTokenChar(c)) {
            if (atLineStart && (c == u'<' || c == u'>') && i + 1 < n && m_text.at(i + 1) == u' ')
                curlHeaderLine = true;
            ++i;
            continue;
        }

        const qsizetype start = i;
        while (i < n && isTokenChar(m_text.at(i).unicode()))
            ++i;
        const qsizetype end = i;
        const QStringView token = m_text.sliced(start, end - start);
        const bool firstOnLine = std::exchange(atLineStart, false);

        if (token.size() <= 16 && isUrlSchemeEnd(end)) {
            i = urlEnd(end);
            readUrl(start, i);
            hasPendingKey = false;
            continue;
        }

        // A token followed by ':' or '=' (past quotes and blanks) names the next token.
        qsizetype next = end;
        while (
            next < n
            && (isBlank(m_text.at(next).unicode()) || isQuote(m_text.at(next).unicode()) || m_text.at(next) == u'\\'))
            ++next;
        const bool isKey = next < n && (m_text.at(next) == u':' || m_text.at(next) == u'=');
        const KeyKind context = hasPendingKey ? classifyKey(pendingKey) : KeyKind::Neutral;
        hasPendingKey = isKey;
        if (isKey)
            pendingKey = normaliseKey(token);

        // "Header: value" lines carry request ids, cookies, dates and keys, never the task ID
        // (unless the header is about a task). JSON keys are quoted, so they never match.
        const bool quotedBefore = start > 0 && isQuote(m_text.at(start - 1).unicode());
        if (firstOnLine && isKey && m_text.at(next) == u':' && !quotedBefore) {
            const KeyKind lineKind = classifyKey(pendingKey);
            if (lineKind == KeyKind::Deny || (curlHeaderLine && !pendingKey.contains("task"_L1))) {
                skipLine = true;
                continue;
            }
        }

        if (!isKey && isAuthScheme(token)) {
            // Skip the credential after "Bearer" whole, whatever characters it is made of.
            qsizetype credential = end;
            while (credential < n && isBlank(m_text.at(credential).unicode()))
                ++credential;
            i = valueEnd(credential);
            hasPendingKey = false;
            continue;
        }
        if (context == KeyKind::Deny) {
            i = valueEnd(end);
            continue;
        }
        // "#1a2b3c4d" is a colour.
        if (start > 0 && m_text.at(start - 1) == u'#'
            && (token.size() == 3 || token.size() == 4 || token.size() == 6 || token.size() == 8)
            && std::all_of(token.begin(), token.end(), [](QChar ch) { return isHexDigit(ch.unicode()); })) {
            continue;
        }

        const QStringView candidate = trimPunctuation(token);
        if (candidate.size() > maxLength)
            continue;
        if (context == KeyKind::TaskId || context == KeyKind::PlainId) {
            if (looksLikeKeyedId(candidate))
                add(candidate, context == KeyKind::TaskId ? FromTaskIdKey : FromPlainIdKey);
        } else if (looksLikeLooseId(candidate)) {
            add(candidate, Loose);
        }
    }

    // JSON with task_id/id fields: those are the IDs; other values (models, URLs, prompts) are
    // not. task_id beats id: new-api's envelope nests the upstream's own "id" next to its task_id.
    qsizetype first = 0;
    while (first < n && (isWhitespace(m_text.at(first).unicode()) || m_text.at(first) == QChar(0xFEFF)))
        ++first;
    const bool isJson = first < n && (m_text.at(first) == u'{' || m_text.at(first) == u'[');
    Source wanted = Loose;
    if (isJson) {
        for (const auto &found : std::as_const(m_found))
            wanted = std::max(wanted, found.second);
    }

    QStringList result;
    result.reserve(m_found.size());
    for (const auto &[id, source] : std::as_const(m_found)) {
        if (source >= wanted)
            result.append(id);
    }
    return result;
}
} // namespace

QStringList IdExtractor::extract(QStringView text)
{
    return Scanner(text).run();
}

bool IdExtractor::looksLikeId(QStringView token)
{
    const QString normalised = normalise(token);
    return looksLikeLooseId(trimPunctuation(normalised));
}

QString IdExtractor::normalise(QStringView text)
{
    auto isTrimmed = [](QChar c) {
        switch (c.unicode()) {
        case u'"':
        case u'\'':
        case u'`':
        case 0x201C: // “ ”
        case 0x201D:
        case 0x2018: // ‘ ’
        case 0x2019:
        case 0x00AB: // « »
        case 0x00BB:
        case 0x200B: // zero-width space and BOM, common in copied text
        case 0xFEFF:
            return true;
        default:
            return c.isSpace();
        }
    };
    qsizetype begin = 0, end = text.size();
    while (begin < end && isTrimmed(text.at(begin)))
        ++begin;
    while (end > begin && isTrimmed(text.at(end - 1)))
        --end;
    return text.sliced(begin, end - begin).toString();
}
