// bench_window_startup: how long until the window shows its first rows with 100,000 tasks in
// the store, against the same start with an empty store (the window's own fixed cost). Each
// measurement is a fresh child process of this program, so no cache of a previous start
// carries over inside the process (the file stays in the OS page cache, as on any second
// start); the time runs from just before the child is spawned to the end of the first paint
// of the table's viewport with rows in it (empty store: of the empty-state page), as told by
// the child's monotonic clock, so loading the program and Qt is included.
#include "windowbench.h"

#include "appcontext.h"
#include "emptystatepage.h"
#include "mainwindow.h"
#include "taskengine.h"
#include "tasksortfiltermodel.h"
#include "tasktableview.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QProcess>
#include <QTemporaryDir>
#include <QTimer>

#include <cstdio>
#include <ctime>
#include <functional>

using namespace Qt::StringLiterals;
using WindowBench::note;

namespace
{
// CLOCK_MONOTONIC is one clock for every process on the machine.
qint64 monotonicMs()
{
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return qint64(now.tv_sec) * 1000 + now.tv_nsec / 1'000'000;
}

// Waits for the first paint of `target` (with rows in the table, when rows are expected) and
// reports when that paint has been delivered: the filter sees the event before the widget
// paints, so the time is taken on the next turn of the event loop.
class FirstPaintWatcher : public QObject
{
public:
    FirstPaintWatcher(QWidget *target, MainWindow *window, bool wantRows, std::function<void()> done)
        : m_target(target), m_window(window), m_wantRows(wantRows), m_done(std::move(done))
    {
        target->installEventFilter(this);
    }

protected:
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (!m_seen && watched == m_target && event->type() == QEvent::Paint
            && (!m_wantRows || m_window->proxyModel()->rowCount() > 0)) {
            m_seen = true;
            QTimer::singleShot(0, this, m_done);
        }
        return QObject::eventFilter(watched, event);
    }

private:
    QWidget *m_target;
    MainWindow *m_window;
    bool m_wantRows;
    bool m_seen = false;
    std::function<void()> m_done;
};

int startupChild(int argc, char *argv[])
{
    QElapsedTimer sinceMain;
    sinceMain.start();
    QApplication app(argc, argv);
    const QStringList args = QCoreApplication::arguments();
    const QString storePath = args[2];
    WindowBench::sandbox(u"Reelkeep-bench_window_startup"_s, args[3]);
    const bool wantRows = args[4] == "rows"_L1;
    const qint64 appMs = sinceMain.elapsed();

    AppContext context;
    AppContext::Options options;
    options.storePath = storePath;
    options.useSystemKeychain = false;
    if (!context.open(options)) {
        note(u"cannot open the store: %1"_s.arg(context.errorMessage()));
        return 1;
    }
    const qint64 openMs = sinceMain.elapsed();
    MainWindow window(&context);
    const qint64 windowMs = sinceMain.elapsed();
    QWidget *target = wantRows ? window.taskView()->viewport() : static_cast<QWidget *>(window.emptyStatePage());
    // The first paint ends the start-up proper; the time until every task is in the table
    // (a long list is read in the background) is reported beside it.
    qint64 paintedAt = -1;
    qint64 paintedMs = -1;
    const auto report = [&] {
        std::printf("PAINTED %lld %lld %lld %lld %lld %d %lld\n", (long long)paintedAt, (long long)appMs,
                    (long long)openMs, (long long)windowMs, (long long)paintedMs, window.proxyModel()->rowCount(),
                    (long long)monotonicMs());
        std::fflush(stdout);
        std::_Exit(0);   // teardown is not part of start-up
    };
    FirstPaintWatcher watcher(target, &window, wantRows, [&] {
        paintedAt = monotonicMs();
        paintedMs = sinceMain.elapsed();
        // REELKEEP_BENCH_EXIT_AT_PAINT: stop at the first paint (instruction counts under callgrind).
        if (!context.engine()->isRestoring() || qEnvironmentVariableIsSet("REELKEEP_BENCH_EXIT_AT_PAINT"))
            report();
    });
    QObject::connect(context.engine(), &TaskEngine::restoreFinished, &app, [&] {
        if (paintedAt >= 0)
            QTimer::singleShot(0, &app, report);   // the table has taken the last batch
    });
    window.resize(1280, 800);
    window.show();
    QTimer::singleShot(60'000, &app, [] { std::_Exit(3); });
    return app.exec();
}

struct Run
{
    double totalMs = -1;     // spawn to first paint
    double allRowsMs = -1;   // spawn to every task in the table
    QString phases;
};

Run runChild(const QString &storePath, const QString &settingsDir, bool wantRows)
{
    QProcess child;
    child.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    const qint64 spawnedAt = monotonicMs();
    child.start(QCoreApplication::applicationFilePath(),
                {u"--child"_s, storePath, settingsDir, wantRows ? u"rows"_s : u"empty"_s});
    if (!child.waitForFinished(90'000) || child.exitCode() != 0) {
        note(u"start-up child failed (exit %1): %2"_s.arg(child.exitCode()).arg(child.errorString()));
        return {};
    }
    for (const QByteArray &line : child.readAllStandardOutput().split('\n')) {
        const QList<QByteArray> f = line.split(' ');
        if (f.size() >= 8 && f[0] == "PAINTED") {
            Run run;
            run.totalMs = double(f[1].toLongLong() - spawnedAt);
            run.allRowsMs = double(f[7].toLongLong() - spawnedAt);
            run.phases = u"QApplication %1 ms, store+engine %2 ms, window built %3 ms, painted %4 ms (since main), %5 rows"_s
                             .arg(QString::fromLatin1(f[2]), QString::fromLatin1(f[3]), QString::fromLatin1(f[4]),
                                  QString::fromLatin1(f[5]), QString::fromLatin1(f[6]));
            return run;
        }
    }
    return {};
}
} // namespace

int main(int argc, char *argv[])
{
    if (argc >= 5 && qstrcmp(argv[1], "--child") == 0)
        return startupChild(argc, argv);

    QApplication app(argc, argv);
    // For profiling one start by hand: --prefill FILE N writes the store, then
    // valgrind --tool=callgrind bench_window_startup --child FILE SETTINGS_DIR rows
    if (argc >= 4 && qstrcmp(argv[1], "--prefill") == 0)
        return WindowBench::prefillStore(QString::fromLocal8Bit(argv[2]), QByteArray(argv[3]).toInt()) ? 0 : 1;
    const bool smoke = QCoreApplication::arguments().contains(u"--smoke"_s);
    const int taskCount = smoke ? 2'000 : 100'000;
    const int runs = smoke ? 1 : 5;

    QTemporaryDir dir;
    if (!dir.isValid())
        return 1;
    const QString settingsDir = dir.filePath(u"settings"_s);
    WindowBench::sandbox(u"Reelkeep-bench_window_startup"_s, settingsDir);
    const QString fullStore = dir.filePath(u"full.sqlite"_s);
    const QString emptyStore = dir.filePath(u"empty.sqlite"_s);
    QElapsedTimer setup;
    setup.start();
    if (!WindowBench::prefillStore(fullStore, taskCount) || !WindowBench::prefillStore(emptyStore, 0))
        return 1;
    note(u"setup: %1 tasks written in %2 ms"_s.arg(taskCount).arg(setup.elapsed()));

    // One unmeasured start of each warms the page cache, as any start after the first.
    runChild(fullStore, settingsDir, true);
    runChild(emptyStore, settingsDir, false);
    QList<double> full;
    QList<double> fullAll;
    QList<double> empty;
    for (int i = 0; i < runs; ++i) {
        const Run withTasks = runChild(fullStore, settingsDir, true);
        const Run without = runChild(emptyStore, settingsDir, false);
        note(u"run %1: %2 tasks %3 ms (%4; all rows at %5 ms); empty %6 ms (%7)"_s.arg(i + 1).arg(taskCount)
                 .arg(withTasks.totalMs).arg(withTasks.phases).arg(withTasks.allRowsMs).arg(without.totalMs)
                 .arg(without.phases));
        if (withTasks.totalMs >= 0) {
            full << withTasks.totalMs;
            fullAll << withTasks.allRowsMs;
        }
        if (without.totalMs >= 0)
            empty << without.totalMs;
    }
    if (full.isEmpty() || empty.isEmpty()) {
        WindowBench::printResult(u"window_startup"_s, u"first rows painted"_s, u"failed"_s, u"failed"_s, u"n/a"_s,
                                 u"< 1000 ms"_s, u"n/a"_s);
        return 0;
    }
    const double fullMs = WindowBench::median(full);
    const double emptyMs = WindowBench::median(empty);
    WindowBench::printResult(
        u"window_startup"_s,
        u"process start to first rows painted, %1 tasks in the store (median of %2 fresh processes); baseline: empty store"_s
            .arg(taskCount).arg(full.size()),
        u"%1 ms"_s.arg(fullMs, 0, 'f', 0), u"%1 ms"_s.arg(emptyMs, 0, 'f', 0), WindowBench::ratioText(fullMs, emptyMs),
        u"< 1000 ms"_s, fullMs < 1000 ? u"yes"_s : u"no"_s);
    const double allMs = WindowBench::median(fullAll);
    WindowBench::printResult(
        u"window_startup"_s,
        u"process start to all %1 tasks in the table (rest read in the background); baseline: empty store"_s.arg(taskCount),
        u"%1 ms"_s.arg(allMs, 0, 'f', 0), u"%1 ms"_s.arg(emptyMs, 0, 'f', 0), WindowBench::ratioText(allMs, emptyMs),
        u"none (information)"_s, u"n/a"_s);
    return 0;
}
