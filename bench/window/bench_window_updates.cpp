// bench_window_updates: the real window, offscreen and shown, with 10,000 tasks whose progress
// (and for one in twenty, state) changes every second. A 1 ms timer probes the event loop: the
// gaps between its firings are how long the window was unable to react. Measured with the
// table on screen, then with the table hidden (baseline: the same engine, model and store work
// without painting the table). Memory per task comes from child processes of this program,
// each a fresh process: heap in use with 10,000 tasks minus with none, per task.
//
// On a shared machine the wall-clock gaps also hold the time other processes (and the store's
// own writer thread) had the core, so the same gaps are also given in GUI-thread CPU time,
// and the longest single event dispatch is timed: those two are the window's own share.
//
// The changes are fed to the engine through TaskPoller::polled, the signal the poller emits
// for every reply, so the engine's diff, the store's writes, the model's coalescing, the
// proxy and the table all run as in real use; only HTTP is left out. 10,000 real requests a
// second over loopback would measure the network stack and the fake server (on the same two
// cores), not the window.
#include "windowbench.h"

#include "appcontext.h"
#include "mainwindow.h"
#include "pollresult.h"
#include "taskengine.h"
#include "tasklistmodel.h"
#include "taskpoller.h"
#include "tasksortfiltermodel.h"
#include "tasktableview.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QProcess>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <memory>

using namespace Qt::StringLiterals;
using WindowBench::note;

namespace
{
// Times each event dispatched from the event loop (nested ones count in their parent), so the
// report can name what made the longest stalls.
class TimingApplication : public QApplication
{
public:
    using QApplication::QApplication;

    struct Slow
    {
        double ms = 0;
        QString what;
    };
    bool recording = false;
    QList<Slow> slowest;   // the five longest, longest first

    bool notify(QObject *receiver, QEvent *event) override
    {
        if (!recording || m_depth > 0)
            return dispatch(receiver, event);
        QElapsedTimer timer;
        timer.start();
        const bool result = dispatch(receiver, event);
        const double ms = double(timer.nsecsElapsed()) / 1e6;
        if (slowest.size() < 5 || ms > slowest.last().ms) {
            QString what = u"event %1 to %2"_s.arg(int(event->type())).arg(QString::fromLatin1(receiver->metaObject()->className()));
            if (event->type() == QEvent::Timer || event->type() == QEvent::MetaCall)
                what += u" \""_s + receiver->objectName() + u"\" parent "_s
                    + QString::fromLatin1(receiver->parent() ? receiver->parent()->metaObject()->className() : "none");
            slowest.append({ms, what});
            std::sort(slowest.begin(), slowest.end(), [](const Slow &a, const Slow &b) { return a.ms > b.ms; });
            if (slowest.size() > 5)
                slowest.removeLast();
        }
        return result;
    }

private:
    bool dispatch(QObject *receiver, QEvent *event)
    {
        ++m_depth;
        const bool result = QApplication::notify(receiver, event);
        --m_depth;
        return result;
    }
    int m_depth = 0;
};

constexpr int stateChangeEvery = 20;   // one task in twenty also changes state each second

void spin(int ms)
{
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}

std::unique_ptr<AppContext> openContext(const QString &storePath)
{
    auto context = std::make_unique<AppContext>();
    AppContext::Options options;
    options.storePath = storePath;
    options.useSystemKeychain = false;
    if (!context->open(options)) {
        note(u"cannot open the store: %1"_s.arg(context->errorMessage()));
        return {};
    }
    return context;
}

// Counts paints of a widget, to show the table really was painted (or not) in each phase.
class PaintCounter : public QObject
{
public:
    using QObject::QObject;
    int paints = 0;

protected:
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (event->type() == QEvent::Paint)
            ++paints;
        return QObject::eventFilter(watched, event);
    }
};

// Feeds each task one changed reply per second, spread evenly over the second: replies come
// back one by one in real use, not in one burst. The rate is kept against the wall clock, so a
// late timer catches up as piled-up replies would.
class ChangeFeed : public QObject
{
public:
    ChangeFeed(TaskEngine *engine, QObject *parent = nullptr) : QObject(parent), m_engine(engine)
    {
        m_timer.setTimerType(Qt::PreciseTimer);
        m_timer.setInterval(10);
        connect(&m_timer, &QTimer::timeout, this, [this] { feed(); });
    }
    void start()
    {
        m_clock.start();
        m_fed = 0;
        m_timer.start();
    }
    void stop() { m_timer.stop(); }
    qint64 fed() const { return m_fed; }

private:
    void feed()
    {
        const int count = m_engine->taskCount();
        const qint64 due = m_clock.elapsed() * count / 1000;
        TaskPoller *poller = m_engine->poller();
        for (; m_fed < due; ++m_fed) {
            const int row = int(m_fed % count);
            const TaskRecord &record = m_engine->taskAt(row);
            TaskSnapshot snapshot = record.snapshot;
            snapshot.progress = (snapshot.progress + 1) % 100;
            if ((row + m_fed / count) % stateChangeEvery == 0) {
                snapshot.state = snapshot.state == TaskState::Processing ? TaskState::Queued : TaskState::Processing;
                snapshot.providerStatus = snapshot.state == TaskState::Processing ? u"processing"_s : u"queued"_s;
            }
            emit poller->polled(record.key, PollResult::fromSnapshot(snapshot));
        }
    }

    TaskEngine *m_engine;
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_fed = 0;
};

// The gaps between firings of a 1 ms timer: a gap is the time the event loop was busy.
class StallProbe : public QObject
{
public:
    StallProbe()
    {
        m_timer.setTimerType(Qt::PreciseTimer);
        m_timer.setInterval(1);
        connect(&m_timer, &QTimer::timeout, this, [this] {
            const qint64 now = m_clock.nsecsElapsed();
            const qint64 cpu = threadCpuNs();
            gapsMs << double(now - m_last) / 1e6;
            cpuGapsMs << double(cpu - m_lastCpu) / 1e6;
            m_last = now;
            m_lastCpu = cpu;
        });
    }
    void start()
    {
        gapsMs.clear();
        cpuGapsMs.clear();
        m_clock.start();
        m_last = 0;
        m_lastCpu = threadCpuNs();
        m_timer.start();
    }
    void stop() { m_timer.stop(); }
    QList<double> gapsMs;
    // The same gaps in the GUI thread's own CPU time: what the window's work costs, without the
    // time other processes on a busy machine took the core away.
    QList<double> cpuGapsMs;

private:
    static qint64 threadCpuNs()
    {
        timespec now{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
        return qint64(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
    }

    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_last = 0;
    qint64 m_lastCpu = 0;
};

struct PhaseResult
{
    double maxMs = 0;
    double p99Ms = 0;
    double cpuMaxMs = 0;
    double cpuP99Ms = 0;
    int paints = 0;
    qint64 changes = 0;
};

PhaseResult runPhase(TaskEngine *engine, PaintCounter *paints, int seconds)
{
    ChangeFeed feed(engine);
    StallProbe probe;
    paints->paints = 0;
    feed.start();
    spin(500);   // the feed reaches its steady state before the probe listens
    probe.start();
    spin(seconds * 1000);
    probe.stop();
    feed.stop();
    PhaseResult result;
    result.maxMs = WindowBench::percentile(probe.gapsMs, 100);
    result.p99Ms = WindowBench::percentile(probe.gapsMs, 99);
    result.cpuMaxMs = WindowBench::percentile(probe.cpuGapsMs, 100);
    result.cpuP99Ms = WindowBench::percentile(probe.cpuGapsMs, 99);
    result.paints = paints->paints;
    result.changes = feed.fed();
    return result;
}

// Child process: open the store (with or without the window), let it settle, print the heap.
int heapChild(const QString &storePath, bool withWindow)
{
    const std::size_t before = WindowBench::heapInUse();
    std::unique_ptr<AppContext> context = openContext(storePath);
    if (!context)
        return 1;
    std::unique_ptr<MainWindow> window;
    if (withWindow) {
        window = std::make_unique<MainWindow>(context.get());
        window->show();
        window->resize(1280, 800);
    }
    spin(700);
    std::printf("HEAP %zu %zu %zu %d\n", WindowBench::heapInUse(), before, WindowBench::residentBytes(),
                context->engine()->taskCount());
    std::fflush(stdout);
    std::_Exit(0);   // teardown is not measured and 10,000 rows take a while to free
}

struct HeapFigure
{
    qint64 heap = -1;
    qint64 rss = -1;
};

HeapFigure runHeapChild(const QString &storePath, const QString &settingsDir, bool withWindow)
{
    QProcess child;
    child.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    child.start(QCoreApplication::applicationFilePath(),
                {u"--heap-child"_s, storePath, settingsDir, withWindow ? u"window"_s : u"core"_s});
    if (!child.waitForFinished(120'000) || child.exitCode() != 0) {
        note(u"heap child failed: %1"_s.arg(child.errorString()));
        return {};
    }
    for (const QByteArray &line : child.readAllStandardOutput().split('\n')) {
        const QList<QByteArray> fields = line.split(' ');
        if (fields.size() >= 4 && fields[0] == "HEAP")
            return {fields[1].toLongLong(), fields[3].toLongLong()};
    }
    return {};
}
} // namespace

int main(int argc, char *argv[])
{
    TimingApplication app(argc, argv);
    const QStringList args = QCoreApplication::arguments();

    if (args.size() >= 5 && args[1] == "--heap-child"_L1) {
        WindowBench::sandbox(u"Reelkeep-bench_window_updates"_s, args[3]);
        return heapChild(args[2], args[4] == "window"_L1);
    }

    const bool smoke = args.contains(u"--smoke"_s);
    // For profiling by hand: --tasks N, --seconds S, --no-memory (no child processes).
    const auto option = [&args](const QString &name, int fallback) {
        const qsizetype at = args.indexOf(name);
        return at > 0 && at + 1 < args.size() ? args[at + 1].toInt() : fallback;
    };
    const int taskCount = option(u"--tasks"_s, smoke ? 500 : 10'000);
    const int seconds = option(u"--seconds"_s, smoke ? 2 : 20);
    const bool measureMemory = !args.contains(u"--no-memory"_s);

    QTemporaryDir dir;
    if (!dir.isValid())
        return 1;
    const QString settingsDir = dir.filePath(u"settings"_s);
    WindowBench::sandbox(u"Reelkeep-bench_window_updates"_s, settingsDir);
    const QString fullStore = dir.filePath(u"full.sqlite"_s);
    const QString emptyStore = dir.filePath(u"empty.sqlite"_s);
    if (!WindowBench::prefillStore(fullStore, taskCount) || !WindowBench::prefillStore(emptyStore, 0))
        return 1;

    // ---- memory per task, each figure from a fresh process -----------------------------------
    HeapFigure windowFull, windowEmpty, coreFull, coreEmpty;
    if (measureMemory) {
        windowFull = runHeapChild(fullStore, settingsDir, true);
        windowEmpty = runHeapChild(emptyStore, settingsDir, true);
        coreFull = runHeapChild(fullStore, settingsDir, false);
        coreEmpty = runHeapChild(emptyStore, settingsDir, false);
    }
    const bool heapOk = windowFull.heap > 0 && windowEmpty.heap > 0 && coreFull.heap > 0 && coreEmpty.heap > 0;
    const double perTaskWindow = heapOk ? double(windowFull.heap - windowEmpty.heap) / taskCount : -1;
    const double perTaskCore = heapOk ? double(coreFull.heap - coreEmpty.heap) / taskCount : -1;
    const double rssPerTask = heapOk ? double(windowFull.rss - windowEmpty.rss) / taskCount : -1;
    if (measureMemory)
        note(u"memory: heap with window %1 vs %2 bytes (empty store); core only %3 vs %4; RSS delta per task %5 B"_s
             .arg(windowFull.heap).arg(windowEmpty.heap).arg(coreFull.heap).arg(coreEmpty.heap)
             .arg(rssPerTask, 0, 'f', 0));

    // ---- event-loop stalls: table visible, then hidden ---------------------------------------
    std::unique_ptr<AppContext> context = openContext(fullStore);
    if (!context)
        return 1;
    auto window = std::make_unique<MainWindow>(context.get());
    window->show();
    window->resize(1280, 800);
    PaintCounter paints;
    window->taskView()->viewport()->installEventFilter(&paints);
    spin(1000);
    if (window->proxyModel()->rowCount() != taskCount) {
        note(u"the table shows %1 rows, expected %2"_s.arg(window->proxyModel()->rowCount()).arg(taskCount));
        return 1;
    }

    const auto reportSlowest = [&app](const QString &phase) {
        const double longest = app.slowest.isEmpty() ? 0 : app.slowest.first().ms;
        for (const TimingApplication::Slow &slow : std::as_const(app.slowest))
            note(u"%1: longest dispatch %2 ms: %3"_s.arg(phase).arg(slow.ms, 0, 'f', 1).arg(slow.what));
        app.slowest.clear();
        return longest;
    };
    app.recording = true;
    const PhaseResult visible = runPhase(context->engine(), &paints, seconds);
    const double visibleDispatchMs = reportSlowest(u"table visible"_s);
    window->taskView()->hide();
    spin(500);
    app.slowest.clear();
    const PhaseResult hidden = runPhase(context->engine(), &paints, seconds);
    const double hiddenDispatchMs = reportSlowest(u"table hidden"_s);
    app.recording = false;
    note(u"visible: %1 changes, %2 table paints; hidden: %3 changes, %4 table paints; %5 s each"_s
             .arg(visible.changes).arg(visible.paints).arg(hidden.changes).arg(hidden.paints).arg(seconds));

    const QString subject = u"%1 rows, each changing every second (fed via TaskPoller::polled)"_s.arg(taskCount);
    const auto ms = [](double value) { return u"%1 ms"_s.arg(value, 0, 'f', 1); };
    const auto met = [](bool ok) { return ok ? u"yes"_s : u"no"_s; };
    WindowBench::printResult(u"window_updates"_s, u"longest event-loop stall, "_s + subject, ms(visible.maxMs),
                             ms(hidden.maxMs), WindowBench::ratioText(visible.maxMs, hidden.maxMs), u"< 16 ms"_s,
                             met(visible.maxMs < 16));
    WindowBench::printResult(u"window_updates"_s, u"99th percentile event-loop gap, "_s + subject, ms(visible.p99Ms),
                             ms(hidden.p99Ms), WindowBench::ratioText(visible.p99Ms, hidden.p99Ms), u"< 8 ms"_s,
                             met(visible.p99Ms < 8));
    WindowBench::printResult(u"window_updates"_s, u"longest single event dispatch (wall), "_s + subject,
                             ms(visibleDispatchMs), ms(hiddenDispatchMs),
                             WindowBench::ratioText(visibleDispatchMs, hiddenDispatchMs), u"< 16 ms"_s,
                             met(visibleDispatchMs < 16));
    WindowBench::printResult(u"window_updates"_s, u"longest event-loop busy span in GUI-thread CPU time, "_s + subject,
                             ms(visible.cpuMaxMs), ms(hidden.cpuMaxMs),
                             WindowBench::ratioText(visible.cpuMaxMs, hidden.cpuMaxMs), u"< 16 ms"_s,
                             met(visible.cpuMaxMs < 16));
    WindowBench::printResult(u"window_updates"_s, u"99th percentile busy span in GUI-thread CPU time, "_s + subject,
                             ms(visible.cpuP99Ms), ms(hidden.cpuP99Ms),
                             WindowBench::ratioText(visible.cpuP99Ms, hidden.cpuP99Ms), u"< 8 ms"_s,
                             met(visible.cpuP99Ms < 8));
    if (heapOk) {
        WindowBench::printResult(
            u"window_updates"_s,
            u"heap per task (mallinfo2, %1 tasks vs empty store, fresh processes); baseline: engine without window"_s.arg(taskCount),
            u"%1 B"_s.arg(perTaskWindow, 0, 'f', 0), u"%1 B"_s.arg(perTaskCore, 0, 'f', 0),
            WindowBench::ratioText(perTaskWindow, perTaskCore), u"< 2048 B"_s, met(perTaskWindow < 2048));
    } else if (measureMemory) {
        WindowBench::printResult(u"window_updates"_s, u"heap per task"_s, u"failed"_s, u"failed"_s, u"n/a"_s,
                                 u"< 2048 B"_s, u"n/a"_s);
    }
    window.reset();
    context.reset();
    return 0;
}
