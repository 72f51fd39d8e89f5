#include "filenamer.h"

#include "logging.h"

#include <QDir>
#include <QFileInfo>
#include <QTextBoundaryFinder>

using namespace Qt::StringLiterals;

namespace {

bool isForbiddenChar(char32_t u)
{
    // C0/C1 controls break terminals and logs; the printable ones are rejected by Windows or
    // are path separators somewhere.
    if (u < 0x20 || u == 0x7f || (u >= 0x80 && u <= 0x9f))
        return true;
    switch (u) {
    case U'/': case U'\\': case U':': case U'*': case U'?': case U'"': case U'<': case U'>': case U'|':
        return true;
    default:
        return false;
    }
}

// Invisible characters that reorder or hide text ("clip\u202Eexe.mp4" displays as something
// else than it is). Dropped, not replaced, since they never carry meaning in a name.
bool isInvisibleFormatChar(char32_t u)
{
    return u == 0x200b || u == 0x200e || u == 0x200f || (u >= 0x202a && u <= 0x202e)
        || (u >= 0x2066 && u <= 0x2069) || u == 0xfeff;
}

bool isReservedWindowsName(const QString &stem)
{
    static const QStringList reserved = {u"CON"_s, u"PRN"_s, u"AUX"_s, u"NUL"_s, u"CONIN$"_s, u"CONOUT$"_s};
    const QString upper = stem.toUpper();
    if (reserved.contains(upper))
        return true;
    return upper.size() == 4 && (upper.startsWith("COM"_L1) || upper.startsWith("LPT"_L1))
        && upper.at(3).isDigit();
}

QString truncateToUtf8Bytes(const QString &text, int maxBytes)
{
    if (text.toUtf8().size() <= maxBytes)
        return text;
    // Cut between grapheme clusters so no accent, emoji or surrogate pair is split.
    QTextBoundaryFinder finder(QTextBoundaryFinder::Grapheme, text);
    qsizetype keep = 0;
    qsizetype bytes = 0;
    qsizetype previous = 0;
    for (qsizetype next = finder.toNextBoundary(); next != -1; next = finder.toNextBoundary()) {
        bytes += QStringView(text).mid(previous, next - previous).toUtf8().size();
        if (bytes > maxBytes)
            break;
        keep = next;
        previous = next;
    }
    return text.left(keep);
}

void trimDotsAndSpaces(QString &name, bool leading)
{
    while (!name.isEmpty()) {
        const QChar c = leading ? name.front() : name.back();
        if (c != u'.' && c != u' ')
            break;
        if (leading)
            name.remove(0, 1);
        else
            name.chop(1);
    }
}

bool isTaken(const QString &path)
{
    const QFileInfo info(path);
    return info.exists() || info.isSymLink(); // a dangling link is someone's name too
}

QString canonicalFilePathOf(const QString &path)
{
    const QFileInfo info(path);
    const QString dir = QFileInfo(info.absolutePath()).canonicalFilePath();
    return dir.isEmpty() ? QString() : dir + u'/' + info.fileName();
}

} // namespace

QString FileNamer::defaultTemplate()
{
    return u"{date}_{provider}_{id}"_s;
}

QStringList FileNamer::fields()
{
    return {u"id"_s, u"account"_s, u"provider"_s, u"model"_s, u"date"_s, u"time"_s, u"duration"_s, u"resolution"_s};
}

QString FileNamer::fieldDescription(const QString &field)
{
    if (field == "id"_L1)
        return tr("The task ID given by the provider");
    if (field == "account"_L1)
        return tr("The name of the account the task belongs to");
    if (field == "provider"_L1)
        return tr("The provider, e.g. minimax");
    if (field == "model"_L1)
        return tr("The model that made the video");
    if (field == "date"_L1)
        return tr("The day the video was finished, e.g. 2025-01-31");
    if (field == "time"_L1)
        return tr("The time the video was finished, e.g. 14-05-09");
    if (field == "duration"_L1)
        return tr("The length of the video in seconds, e.g. 5s");
    if (field == "resolution"_L1)
        return tr("The size of the picture, e.g. 1280x720");
    return {};
}

QString FileNamer::render(const QString &templ, const QHash<QString, QString> &fields)
{
    static const QStringList known = FileNamer::fields();
    QString out;
    out.reserve(templ.size() + 64);
    qsizetype i = 0;
    while (i < templ.size()) {
        const qsizetype open = templ.indexOf(u'{', i);
        if (open < 0) {
            out += QStringView(templ).mid(i);
            break;
        }
        out += QStringView(templ).mid(i, open - i);
        const qsizetype close = templ.indexOf(u'}', open + 1);
        if (close < 0) {
            out += QStringView(templ).mid(open);
            break;
        }
        const QString name = templ.mid(open + 1, close - open - 1).trimmed().toLower();
        if (fields.contains(name))
            out += fields.value(name);
        else if (!known.contains(name))
            out += QStringView(templ).mid(open, close - open + 1);
        i = close + 1;
    }
    return out;
}

QString FileNamer::sanitize(const QString &name)
{
    const QString normalized = name.normalized(QString::NormalizationForm_C);
    QString out;
    out.reserve(normalized.size());
    for (qsizetype i = 0; i < normalized.size(); ++i) {
        const QChar c = normalized.at(i);
        const char32_t u = c.unicode();
        if (c.isHighSurrogate() && i + 1 < normalized.size() && normalized.at(i + 1).isLowSurrogate()) {
            out += c;
            out += normalized.at(++i);
            continue;
        }
        if (c.isSurrogate() || isForbiddenChar(u)) {
            out += u'_';
            continue;
        }
        if (isInvisibleFormatChar(u))
            continue;
        out += c;
    }

    // Leading dots hide the file (and "." / ".." name directories); trailing dots and spaces
    // are silently stripped by Windows, which would make two names collide.
    trimDotsAndSpaces(out, true);
    out = truncateToUtf8Bytes(out, MaxBaseNameBytes);
    trimDotsAndSpaces(out, false);

    const qsizetype dot = out.indexOf(u'.');
    QString stem = dot < 0 ? out : out.left(dot);
    while (stem.endsWith(u' '))
        stem.chop(1);
    if (isReservedWindowsName(stem))
        out.insert(stem.size(), u'_');

    if (out.isEmpty())
        out = u"video"_s;
    return out;
}

QString FileNamer::sanitizeExtension(const QString &ext)
{
    QString out;
    for (const QChar c : ext) {
        if (c.unicode() < 0x80 && c.isLetterOrNumber())
            out += c.toLower();
        if (out.size() == 10)
            break;
    }
    return out;
}

QString FileNamer::uniquePath(const QString &dir, const QString &baseName, const QString &ext,
                              const QString &ownPartialPath, const QSet<QString> &reservedPaths)
{
    const QString canonicalDir = QFileInfo(dir).canonicalFilePath();
    if (canonicalDir.isEmpty() || !QFileInfo(canonicalDir).isDir())
        return {};
    const QString base = sanitize(baseName);
    const QString cleanExt = sanitizeExtension(ext);
    const QString suffix = cleanExt.isEmpty() ? QString() : u'.' + cleanExt;
    const QString ownPartial = ownPartialPath.isEmpty() ? QString() : canonicalFilePathOf(ownPartialPath);

    for (int n = 1; n < 10'000; ++n) {
        const QString name = n == 1 ? base + suffix : base + " ("_L1 + QString::number(n) + u')' + suffix;
        const QString candidate = canonicalDir + u'/' + name;
        const QString partial = candidate + ".part"_L1;
        if (isTaken(candidate) || (isTaken(partial) && partial != ownPartial) || reservedPaths.contains(candidate)
            || (reservedPaths.contains(partial) && partial != ownPartial))
            continue;
        // sanitize() leaves no separator and no "..", so this holds; checked anyway because a
        // file written outside the chosen folder is the one mistake we must never make.
        const bool inside = QFileInfo(QFileInfo(candidate).absolutePath()).canonicalFilePath() == canonicalDir
            && QFileInfo(candidate).fileName() == name;
        Q_ASSERT(inside);
        if (!inside) {
            qCWarning(lcDownload) << "refusing a file name that leaves the download folder";
            return {};
        }
        return candidate;
    }
    return {};
}
