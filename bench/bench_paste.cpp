// bench_paste: 100,000 task IDs hidden in 20 MB of noisy text (log lines, JSON fragments,
// URLs, numbers). IdExtractor (in process, median of several runs) against `grep -oE` with a
// pattern that matches exactly those IDs, alternating; then the time from the paste to every
// row being in the task model (extraction, the engine recording each task, the model's rows).

#include "benchsupport.h"

#include "clock.h"
#include "idextractor.h"
#include "taskengine.h"
#include "tasklistmodel.h"
#include "taskstore.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QNetworkAccessManager>
#include <QRandomGenerator>
#include <QSet>
#include <QTemporaryDir>

using namespace Qt::StringLiterals;
using namespace Bench;

namespace
{

QString makeId(int i)
{
    // vid_ + 10 digits + 4 letters: what grep's pattern below matches, and an ID shape the
    // extractor accepts from free text.
    QString letters;
    quint32 x = quint32(i) * 2654435761u;
    for (int k = 0; k < 4; ++k, x /= 26)
        letters += QChar(u'a' + x % 26);
    return u"vid_%1%2"_s.arg(qint64(3'000'000'000) + qint64(i) * 7, 10, 10, QLatin1Char('0')).arg(letters);
}

// Noise a user would paste around IDs: prose, log prefixes, small numbers, URLs, JSON keys.
// No "Header: value" words: the extractor rightly skips header values, and grep does not.
QByteArray makeText(int idCount, qint64 targetBytes, QStringList *ids)
{
    static const char *const words[] = {"the", "request", "finished", "video", "queued", "processing", "status",
                                        "model", "error", "retry", "ok", "duration", "seconds", "width", "height",
                                        "prompt", "a", "cat", "walking", "on", "the", "beach", "at", "sunset",
                                        "response", "headers", "application/json", "200", "GET",
                                        "https://example.com/api/v1/items?page=3", "INFO", "WARN", "level=debug",
                                        "took", "12ms", "user", "session", "render", "frame", "1080p", "{\"code\":",
                                        "0,", "\"message\":", "\"success\"}", "--", "|", "#42", "v2.3.1", "->"};
    constexpr int wordCount = int(sizeof words / sizeof *words);
    QRandomGenerator rng(42);
    QByteArray text;
    text.reserve(targetBytes + 4096);
    const qint64 noisePerId = targetBytes / idCount;
    for (int i = 0; i < idCount; ++i) {
        const qint64 lineEnd = text.size() + noisePerId;
        while (text.size() < lineEnd - 24) {
            text += words[rng.bounded(wordCount)];
            text += rng.bounded(12) == 0 ? '\n' : ' ';
        }
        const QString id = makeId(i);
        ids->append(id);
        switch (i % 4) {
        case 0: text += "task " + id.toLatin1() + ' '; break;
        case 1: text += "\"task_id\": \"" + id.toLatin1() + "\", "; break;
        case 2: text += id.toLatin1() + '\n'; break;
        default: text += '(' + id.toLatin1() + ") "; break;
        }
    }
    return text;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const bool smoke = app.arguments().contains(u"--smoke"_s);
    // --ids N scales the text with the ID count (for profiling at a size between the two).
    const qsizetype idsAt = app.arguments().indexOf(u"--ids"_s);
    const int idCount = idsAt > 0 ? app.arguments().value(idsAt + 1).toInt() : smoke ? 2'000 : 100'000;
    const qint64 bytes = qint64(idCount) * ((20 << 20) / 100'000);
    const int runs = smoke ? 1 : 5;

    QStringList ids;
    const QByteArray utf8 = makeText(idCount, bytes, &ids);
    QTemporaryDir dir;
    const QString path = dir.filePath(u"paste.txt"_s);
    {
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly) || file.write(utf8) != utf8.size()) {
            note(u"bench_paste: cannot write the text"_s);
            return 0;
        }
    }
    // What the window holds after a paste: the text as a QString.
    const QString text = QString::fromUtf8(utf8);
    note(u"bench_paste: %1 IDs in %2 MB of text"_s.arg(idCount).arg(fixed(double(utf8.size()) / 1e6, 1)));

    const QString grep = findProgram(u"grep"_s);
    // grep is timed in a UTF-8 locale (what a user's shell on Debian runs) and in the C locale
    // (bytes, its fastest), both pinned so the caller's environment does not decide.
    QList<double> ours, theirs, theirsBytes;
    qsizetype found = 0, grepFound = 0;
    QStringList missed;
    for (int i = 0; i < runs; ++i) {
        QElapsedTimer timer;
        timer.start();
        const QStringList extracted = IdExtractor::extract(text);
        ours << double(timer.nsecsElapsed()) / 1e6;
        found = extracted.size();
        if (i == 0 && found != idCount) {
            const QSet<QString> got(extracted.cbegin(), extracted.cend());
            for (const QString &id : std::as_const(ids))
                if (!got.contains(id) && missed.size() < 5) {
                    const qsizetype at = text.indexOf(id);
                    missed << u"[%1]"_s.arg(text.mid(qMax<qsizetype>(0, at - 60), 60 + id.size() + 10));
                }
        }
        if (!grep.isEmpty()) {
            const QStringList grepArgs{grep, u"-oE"_s, u"vid_[0-9]{10}[a-z]{4}"_s, path};
            const ChildRun child = run(grepArgs, {u"LC_ALL=C.UTF-8"_s});
            theirs << child.wallSeconds * 1000;
            grepFound = child.lines.size();
            const ChildRun bytes = run(grepArgs, {u"LC_ALL=C"_s});
            theirsBytes << bytes.wallSeconds * 1000;
            if (bytes.lines.size() != grepFound)
                note(u"bench_paste: grep found %1 IDs in the C locale, %2 in C.UTF-8"_s.arg(bytes.lines.size()).arg(grepFound));
        }
    }
    if (found != idCount || (!grep.isEmpty() && grepFound != idCount))
        note(u"bench_paste: IdExtractor found %1, grep %2, of %3 IDs"_s.arg(found).arg(grepFound).arg(idCount)
             + (missed.isEmpty() ? QString() : u"; missed e.g. "_s + missed.join(u", "_s)));
    const double oursMs = median(ours);
    if (!theirs.isEmpty()) {
        const double theirsMs = median(theirs);
        const double ratio = oursMs / theirsMs;
        result(u"paste"_s, u"extract %1 IDs from %2 MB, ms (median of %3; found %4) vs grep in C.UTF-8"_s.arg(idCount)
                               .arg(fixed(double(utf8.size()) / 1e6, 0))
                               .arg(runs)
                               .arg(found),
               fixed(oursMs, 0), fixed(theirsMs, 0), fixed(ratio), u"≤ 2"_s, yesNo(ratio <= 2));
        const double bytesMs = median(theirsBytes);
        const double bytesRatio = oursMs / bytesMs;
        result(u"paste"_s, u"same, vs grep in the C locale (bytes)"_s, fixed(oursMs, 0), fixed(bytesMs, 0),
               fixed(bytesRatio), u"≤ 2"_s, yesNo(bytesRatio <= 2));
    } else {
        result(u"paste"_s, u"extract %1 IDs, ms"_s.arg(idCount), fixed(oursMs, 0), u"n/a"_s, u"n/a"_s,
               u"≤ 2x grep"_s, u"n/a"_s);
    }

    // Paste to rows: extraction, then the engine records every task (store first) and the
    // model has a row for each. Painting is the window benchmark's part.
    QString error;
    auto store = TaskStore::open(dir.filePath(u"store.sqlite"_s), &error);
    if (!store) {
        note(u"bench_paste: "_s + error);
        return 0;
    }
    QNetworkAccessManager manager;
    SystemClock clock;
    TaskEngine engine(&manager, &clock, store.get());
    TaskListModel model(&engine, &clock);
    // No request is sent before the clock stops: the address only has to be well formed.
    const Account account = benchAccount(QUrl(u"http://127.0.0.1:9"_s), dir.filePath(u"videos"_s));
    engine.setAccount(account);
    // Slices of 500 as the Add Tasks dialog adds them (the event loop turns in between, so the
    // window paints the rows it has): the first slice is what the user sees first.
    constexpr qsizetype sliceSize = 500;
    QElapsedTimer timer;
    timer.start();
    const QStringList extracted = IdExtractor::extract(text);
    const double extractMs = double(timer.nsecsElapsed()) / 1e6;
    double firstRowsMs = 0;
    for (qsizetype at = 0; at < extracted.size(); at += sliceSize) {
        engine.addTasks(account.id, extracted.mid(at, sliceSize));
        if (at == 0)
            firstRowsMs = double(timer.nsecsElapsed()) / 1e6;
    }
    const double rowsMs = double(timer.nsecsElapsed()) / 1e6;
    const bool allRows = model.rowCount() == idCount;
    note(u"bench_paste: extraction %1 ms, first %2 rows at %3 ms, recording and rows %4 ms, %5 rows"_s
             .arg(fixed(extractMs, 0))
             .arg(sliceSize)
             .arg(fixed(firstRowsMs, 0), fixed(rowsMs - extractMs, 0))
             .arg(model.rowCount()));
    result(u"paste"_s, u"paste to the first rows in the task model, ms"_s, fixed(firstRowsMs, 0), u"n/a"_s, u"n/a"_s,
           u"≤ 1000"_s, yesNo(firstRowsMs <= 1000));
    result(u"paste"_s, u"paste to all %1 rows in the task model, ms"_s.arg(idCount), fixed(rowsMs, 0), u"n/a"_s,
           u"n/a"_s, u"≤ 1000"_s, yesNo(allRows && rowsMs <= 1000));
    return 0;
}
