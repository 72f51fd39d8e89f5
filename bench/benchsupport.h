#pragma once

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>
#include <QUrl>

#include "account.h"

#include <functional>
#include <memory>

class QProcess;
class QTemporaryDir;

// Shared plumbing of the bench programs: timing a child process with its own resource usage
// (wait4), the result line every program prints, and the servers the benchmarks talk to.
// Not a test helper: nothing here asserts, a missed goal is a figure, not a failure.
namespace Bench
{

// One finished child: wall time, CPU of it and of every child it waited for, its peak RSS,
// and each stdout line with the moment (seconds since start) it was read.
struct ChildRun
{
    int exitCode = -1;
    double wallSeconds = 0;
    double userSeconds = 0;
    double systemSeconds = 0;
    double peakRssMiB = 0;
    // Max of VmHWM sampled every 20 ms: the exec'd program's own peak (a last rise in its
    // final 20 ms can be missed).
    double sampledHwmMiB = 0;
    QList<QPair<double, QByteArray>> lines;

    double cpuSeconds() const { return userSeconds + systemSeconds; }
};

// Runs argv[0] (looked up on PATH) with extra environment entries, stdin from /dev/null,
// stderr passed through, and returns when it exits.
ChildRun run(const QStringList &argv, const QStringList &extraEnv = {});

// "RESULT\tbenchmark\tfigure\treelkeep\tbaseline\tratio\tgoal\tmet": the line bench/run collects.
void result(const QString &benchmark, const QString &figure, const QString &reelkeep, const QString &baseline,
            const QString &ratio, const QString &goal, const QString &met);
void note(const QString &text); // a human line on stdout

double median(QList<double> values);
double percentile(QList<double> values, double fraction);
QString fixed(double value, int decimals = 2);
QString yesNo(bool met);

// Sibling program in build/bin, e.g. "reelkeep-fakeserver".
QString sibling(const QString &name);
// Full path of a program on PATH (also /usr/sbin), or empty.
QString findProgram(const QString &name);

// CPU seconds (user + system, all threads) this process used so far.
double selfCpuSeconds();
// Peak resident set of this process so far (VmHWM), MiB.
double selfPeakRssMiB();

// reelkeep-fakeserver in its own process, so its CPU never counts for either side.
class FakeServer
{
public:
    explicit FakeServer(const QStringList &arguments);
    ~FakeServer();
    bool isRunning() const { return m_api.isValid(); }
    QUrl api() const { return m_api; }
    QUrl cdn() const { return m_cdn; }

private:
    std::unique_ptr<QProcess> m_process;
    QUrl m_api;
    QUrl m_cdn;
};

// nginx with a private configuration in a temporary directory, serving that directory's
// files on a free loopback port (never the system service).
class Nginx
{
public:
    Nginx();
    ~Nginx();
    bool start();
    QString root() const;
    QUrl url(const QString &fileName) const;
    QString error() const { return m_error; }

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    qint64 m_pid = 0;
    int m_port = 0;
    QString m_error;
};

// Writes a file that sniffs as MP4 (an ftyp box) followed by incompressible pseudo-random bytes.
bool writeVideoFile(const QString &path, qint64 size);

// The task IDs `reelkeep-fakeserver --tasks N` serves: bench_000000 ... in order.
QStringList fakeServerTaskIds(int count);

// The one mingyan account every engine-driving benchmark polls with (key "bench").
Account benchAccount(const QUrl &apiBaseUrl, const QString &downloadDir, int intervalSeconds = 0);

} // namespace Bench
