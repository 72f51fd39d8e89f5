// bench_download: a finished task's video fetched by Reelkeep (reelkeep-cli, the real
// poll -> download path against the fake provider, bytes from nginx) side by side with
// `curl -o` and `aria2c` on the same URL, alternating, medians of several runs; and
// Reelkeep's peak RSS at two file sizes, which must not grow with the file.

#include "benchsupport.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include <functional>
#include <utility>

using namespace Qt::StringLiterals;
using namespace Bench;

namespace
{

struct Sample
{
    double mibPerSecond = 0;
    double peakRssMiB = 0; // the program's own VmHWM when sampled, else wait4's ru_maxrss
    double ruMaxRssMiB = 0;
    bool ok = false;
};

void setRss(Sample &sample, const ChildRun &child)
{
    sample.peakRssMiB = child.sampledHwmMiB > 0 ? child.sampledHwmMiB : child.peakRssMiB;
    sample.ruMaxRssMiB = child.peakRssMiB;
}

// The CLI's download phase: from the task's first "downloading" line to its "downloaded" line
// (the poll before it and the process start are not part of a download's throughput).
Sample reelkeepOnce(const QUrl &api, qint64 bytes, const QString &workDir)
{
    QDir(workDir).removeRecursively();
    QDir().mkpath(workDir);
    const ChildRun child = run({sibling(u"reelkeep-cli"_s), u"--provider"_s, u"mingyan"_s, u"--base-url"_s,
                                api.toString(), u"--download-dir"_s, workDir + u"/videos"_s, u"--store"_s,
                                workDir + u"/store.sqlite"_s, u"--interval"_s, u"1"_s, u"--json"_s,
                                u"--timeout"_s, u"600"_s, u"bench_000000"_s},
                               {u"REELKEEP_API_KEY=bench"_s});
    double started = -1, finished = -1;
    qint64 saved = 0;
    for (const auto &[at, line] : child.lines) {
        const QJsonObject object = QJsonDocument::fromJson(line).object();
        const QString event = object.value(u"event"_s).toString();
        if (event == u"status"_s && object.value(u"status"_s).toString() == u"downloading"_s && started < 0)
            started = at;
        if (event == u"downloaded"_s) {
            finished = at;
            saved = object.value(u"bytes"_s).toInteger();
        }
    }
    QDir(workDir).removeRecursively();
    Sample sample;
    setRss(sample, child);
    sample.ok = child.exitCode == 0 && saved == bytes && started >= 0 && finished > started;
    if (sample.ok)
        sample.mibPerSecond = double(bytes) / (1024.0 * 1024.0) / (finished - started);
    else
        note(u"reelkeep-cli run failed: exit %1, saved %2 of %3 bytes"_s.arg(child.exitCode).arg(saved).arg(bytes));
    return sample;
}

Sample toolOnce(const QStringList &argv, const QString &outFile, qint64 bytes)
{
    QFile::remove(outFile);
    const ChildRun child = run(argv);
    Sample sample;
    setRss(sample, child);
    sample.ok = child.exitCode == 0 && QFileInfo(outFile).size() == bytes;
    if (sample.ok)
        sample.mibPerSecond = double(bytes) / (1024.0 * 1024.0) / child.wallSeconds;
    else
        note(u"%1 failed: exit %2"_s.arg(argv.first()).arg(child.exitCode));
    QFile::remove(outFile);
    return sample;
}

// One `curl -o` run giving two samples: the fetch alone, and the fetch followed by `sync FILE`
// (coreutils fsyncs just that file). Reelkeep fsyncs a video before giving it its final name, so
// that a crash never leaves a truncated file under a finished name; curl does not, and without
// the sync its figure is the speed of filling the page cache, not of storing the file.
std::pair<Sample, Sample> curlOnce(const QString &curl, const QString &syncTool, const QUrl &source,
                                   const QString &outFile, qint64 bytes)
{
    QFile::remove(outFile);
    const ChildRun fetch = run({curl, u"-s"_s, u"-f"_s, u"-o"_s, outFile, source.toString()});
    Sample plain, synced;
    setRss(plain, fetch);
    setRss(synced, fetch);
    plain.ok = fetch.exitCode == 0 && QFileInfo(outFile).size() == bytes;
    if (plain.ok) {
        plain.mibPerSecond = double(bytes) / (1024.0 * 1024.0) / fetch.wallSeconds;
        const ChildRun flush = run({syncTool, outFile});
        synced.ok = flush.exitCode == 0;
        if (synced.ok)
            synced.mibPerSecond = double(bytes) / (1024.0 * 1024.0) / (fetch.wallSeconds + flush.wallSeconds);
        else
            note(u"sync %1 failed: exit %2"_s.arg(outFile).arg(flush.exitCode));
    } else {
        note(u"curl failed: exit %1"_s.arg(fetch.exitCode));
    }
    QFile::remove(outFile);
    return {plain, synced};
}

QList<double> throughputs(const QList<Sample> &samples)
{
    QList<double> values;
    for (const Sample &s : samples)
        if (s.ok)
            values << s.mibPerSecond;
    return values;
}

QString rssList(const QList<Sample> &samples)
{
    QStringList values;
    for (const Sample &s : samples)
        values << u"%1 (ru_maxrss %2)"_s.arg(fixed(s.peakRssMiB, 1), fixed(s.ruMaxRssMiB, 1));
    return values.join(u", "_s);
}

double maxRss(const QList<Sample> &samples)
{
    double peak = 0;
    for (const Sample &s : samples)
        peak = qMax(peak, s.peakRssMiB);
    return peak;
}

QString sizeLabel(qint64 bytes)
{
    return bytes >= (1 << 30) ? u"%1 GiB"_s.arg(double(bytes) / (1 << 30)) : u"%1 MiB"_s.arg(bytes >> 20);
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const bool smoke = app.arguments().contains(u"--smoke"_s);
    const int runs = smoke ? 1 : 5;
    // Largest first in the table; the smaller one is only there for the RSS comparison.
    const QList<qint64> sizes = smoke ? QList<qint64>{8ll << 20, 2ll << 20} : QList<qint64>{1ll << 30, 256ll << 20};

    QTemporaryDir work;
    const QString curl = findProgram(u"curl"_s);
    const QString aria2c = findProgram(u"aria2c"_s);
    const QString syncTool = findProgram(u"sync"_s);
    Nginx nginx;
    const bool haveNginx = nginx.start();
    if (!haveNginx)
        note(u"bench_download: %1; serving the bytes from the fake server's CDN instead"_s.arg(nginx.error()));
    if (curl.isEmpty())
        note(u"bench_download: curl is not installed; no curl baseline"_s);
    if (aria2c.isEmpty())
        note(u"bench_download: aria2c is not installed; no aria2c baseline"_s);

    QHash<qint64, QList<Sample>> reelkeepBySize;
    for (const qint64 bytes : sizes) {
        const QString name = u"video-%1.mp4"_s.arg(bytes);
        QUrl source;
        if (haveNginx) {
            if (!writeVideoFile(QDir(nginx.root()).filePath(name), bytes)) {
                note(u"bench_download: cannot write the test file"_s);
                return 0;
            }
            source = nginx.url(name);
        }
        QStringList serverArgs{u"--tasks"_s, u"1"_s, u"--processing-polls"_s, u"0"_s, u"--video-bytes"_s,
                               QString::number(bytes)};
        if (source.isValid())
            serverArgs << u"--video-url"_s << source.toString();
        FakeServer server(serverArgs);
        if (!server.isRunning()) {
            note(u"bench_download: reelkeep-fakeserver did not start"_s);
            return 0;
        }

        // Every tool writes under the same temporary directory (one file system) and its
        // file is deleted right after, so no run inherits another's dirty pages. The source is
        // flushed and read once before timing, so nginx serves it from a clean, warm page cache.
        if (source.isValid() && !syncTool.isEmpty())
            run({syncTool, QDir(nginx.root()).filePath(name)});
        if (source.isValid() && !curl.isEmpty())
            run({curl, u"-s"_s, u"-o"_s, u"/dev/null"_s, source.toString()});

        QList<Sample> reelkeep, viaCurl, viaCurlSync, viaAria;
        const QString out = work.filePath(u"out.mp4"_s);
        QList<std::function<void()>> tools;
        tools << [&] { reelkeep << reelkeepOnce(server.api(), bytes, work.filePath(u"reelkeep"_s)); };
        if (source.isValid() && !curl.isEmpty()) {
            tools << [&] {
                if (syncTool.isEmpty()) {
                    viaCurl << toolOnce({curl, u"-s"_s, u"-f"_s, u"-o"_s, out, source.toString()}, out, bytes);
                    return;
                }
                const auto [plain, synced] = curlOnce(curl, syncTool, source, out, bytes);
                viaCurl << plain;
                viaCurlSync << synced;
            };
        }
        if (source.isValid() && !aria2c.isEmpty()) {
            tools << [&] {
                viaAria << toolOnce({aria2c, u"-q"_s, u"--allow-overwrite=true"_s, u"--file-allocation=none"_s,
                                     u"-d"_s, work.path(), u"-o"_s, u"out.mp4"_s, source.toString()},
                                    out, bytes);
            };
        }
        // Alternate, and rotate who goes first, so a slow patch of the shared machine or the
        // write-back of a previous run does not always land on the same tool.
        for (int i = 0; i < runs; ++i) {
            for (qsizetype t = 0; t < tools.size(); ++t)
                tools[(i + t) % tools.size()]();
        }
        reelkeepBySize[bytes] = reelkeep;
        note(u"bench_download: %1, Reelkeep peak RSS per run, sampled VmHWM (MiB): %2"_s.arg(sizeLabel(bytes),
                                                                                      rssList(reelkeep)));
        note(u"bench_download: %1, curl peak RSS per run (MiB): %2"_s.arg(sizeLabel(bytes), rssList(viaCurl)));

        const double ours = median(throughputs(reelkeep));
        const QString figure = u"throughput %1, MiB/s (median of %2)"_s.arg(sizeLabel(bytes)).arg(runs);
        const QString bench = u"download"_s;
        if (!viaCurlSync.isEmpty()) {
            const double theirs = median(throughputs(viaCurlSync));
            const double ratio = theirs > 0 ? ours / theirs : 0;
            result(bench, figure + u" vs curl -o + sync FILE"_s, fixed(ours, 0), fixed(theirs, 0), fixed(ratio),
                   u"≥ 0.9"_s, yesNo(ratio >= 0.9));
        }
        if (!viaCurl.isEmpty()) {
            const double theirs = median(throughputs(viaCurl));
            const double ratio = theirs > 0 ? ours / theirs : 0;
            if (viaCurlSync.isEmpty())
                result(bench, figure + u" vs curl -o"_s, fixed(ours, 0), fixed(theirs, 0), fixed(ratio), u"≥ 0.9"_s,
                       yesNo(ratio >= 0.9));
            else
                result(bench, figure + u" vs curl -o (no fsync)"_s, fixed(ours, 0), fixed(theirs, 0), fixed(ratio),
                       u"(for reference)"_s, u"n/a"_s);
        } else {
            result(bench, figure, fixed(ours, 0), u"n/a"_s, u"n/a"_s, u"≥ 0.9 of curl"_s, u"n/a"_s);
        }
        if (!viaAria.isEmpty()) {
            const double theirs = median(throughputs(viaAria));
            result(bench, figure + u" vs aria2c"_s, fixed(ours, 0), fixed(theirs, 0),
                   fixed(theirs > 0 ? ours / theirs : 0), u"(for reference)"_s, u"n/a"_s);
        }
        result(bench, u"peak RSS %1, MiB (max of runs; baseline: curl)"_s.arg(sizeLabel(bytes)),
               fixed(maxRss(reelkeep), 1), viaCurl.isEmpty() ? u"n/a"_s : fixed(maxRss(viaCurl), 1), u"n/a"_s,
               u"< 60 MB"_s, yesNo(maxRss(reelkeep) * 1.048576 < 60));
        QFile::remove(QDir(nginx.root()).filePath(name));
    }
    const double big = maxRss(reelkeepBySize.value(sizes[0]));
    const double small = maxRss(reelkeepBySize.value(sizes[1]));
    const double growth = small > 0 ? big / small : 0;
    result(u"download"_s,
           u"peak RSS %1 / peak RSS %2 (independent of size)"_s.arg(sizeLabel(sizes[0]), sizeLabel(sizes[1])),
           fixed(big, 1), fixed(small, 1), fixed(growth), u"≤ 1.10"_s, yesNo(growth > 0 && growth <= 1.10));
    return 0;
}
