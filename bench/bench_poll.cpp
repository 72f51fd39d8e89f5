// bench_poll: the engine polls 10,000 tasks on the fake provider (own process) at a 1 s
// interval until every one completes. CPU seconds of this process (engine, poller, store
// writer thread) per 10,000 polls against a shell loop of `curl` per task per poll, and how
// late each poll started against its due time.

#include "benchsupport.h"

#include "clock.h"
#include "taskengine.h"
#include "taskpoller.h"
#include "taskstore.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QHash>
#include <QNetworkAccessManager>
#include <QTemporaryDir>
#include <QTimer>

using namespace Qt::StringLiterals;
using namespace Bench;

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const bool smoke = app.arguments().contains(u"--smoke"_s);
    const int taskCount = smoke ? 200 : 10'000;
    const int processingPolls = smoke ? 2 : 4;     // then one completed reply: polls per task = this + 1
    const int baselineTasks = smoke ? 20 : 1'000;

    FakeServer server({u"--tasks"_s, QString::number(taskCount), u"--processing-polls"_s,
                       QString::number(processingPolls)});
    if (!server.isRunning()) {
        note(u"bench_poll: reelkeep-fakeserver did not start"_s);
        return 0;
    }
    const QStringList ids = fakeServerTaskIds(taskCount);

    QTemporaryDir dir;
    QString error;
    auto store = TaskStore::open(dir.filePath(u"store.sqlite"_s), &error);
    if (!store) {
        note(u"bench_poll: "_s + error);
        return 0;
    }
    QNetworkAccessManager manager;
    SystemClock clock;
    TaskEngine engine(&manager, &clock, store.get());
    Account account = benchAccount(server.api(), dir.filePath(u"videos"_s), 1);
    account.autoDownload = false;
    engine.setAccount(account);

    // Lateness: each poll's start against the due time the poller had set for it. The due time
    // is read after every handler of the previous reply has run (ours connects last).
    TaskPoller *poller = engine.poller();
    QHash<QString, qint64> due;
    QList<double> lateMs;
    lateMs.reserve(taskCount * (processingPolls + 2));
    qint64 polls = 0;
    int completed = 0;
    QObject::connect(poller, &TaskPoller::pollStarted, &app, [&](const TaskKey &key) {
        const auto it = due.constFind(key.taskId);
        if (it != due.cend() && *it >= 0)
            lateMs << double(clock.nowMs() - *it);
        ++polls;
    });
    QObject::connect(poller, &TaskPoller::polled, &app, [&](const TaskKey &key, const PollResult &) {
        due[key.taskId] = poller->dueMs(key);
    });
    QObject::connect(&engine, &TaskEngine::taskChanged, &app, [&](int row, TaskEngine::Changes changes) {
        if ((changes & TaskEngine::Change::State) && engine.taskAt(row).state == TaskState::Completed)
            ++completed;
    });

    const double cpuBefore = selfCpuSeconds();
    QElapsedTimer wall;
    wall.start();
    engine.addTasks(account.id, ids);
    for (const QString &id : ids)
        due[id] = poller->dueMs(TaskKey{account.id, id});

    QTimer check;
    QObject::connect(&check, &QTimer::timeout, &app, [&] {
        if (completed >= taskCount || wall.elapsed() > (smoke ? 30'000 : 600'000))
            app.quit();
    });
    check.start(50);
    app.exec();
    const double cpu = selfCpuSeconds() - cpuBefore;
    const double seconds = double(wall.elapsed()) / 1000;
    if (completed < taskCount)
        note(u"bench_poll: only %1 of %2 tasks completed in %3 s"_s.arg(completed).arg(taskCount).arg(seconds));
    note(u"bench_poll: %1 polls of %2 tasks in %3 s wall, %4 CPU s (%5 polls/s)"_s.arg(polls)
             .arg(taskCount)
             .arg(fixed(seconds, 1), fixed(cpu, 2), fixed(double(polls) / seconds, 0)));
    const double oursPer10k = polls > 0 ? cpu / double(polls) * 10'000 : 0;

    // What people do today: one curl process per task per poll, here one round over some tasks.
    const QString curl = findProgram(u"curl"_s);
    QString baseline = u"n/a"_s, ratio = u"n/a"_s, met = u"n/a"_s;
    if (!curl.isEmpty()) {
        // One curl per task per poll, as a shell loop does it (seq's format names the IDs).
        const QString script = u"for i in $(seq -f 'bench_%06g' 0 "_s + QString::number(baselineTasks - 1)
                               + u"); do curl -s -o /dev/null \""_s + server.api().toString()
                               + u"/v1/result/$i\"; done"_s;
        const ChildRun loop = run({u"bash"_s, u"-c"_s, script});
        const double theirsPer10k = loop.cpuSeconds() / baselineTasks * 10'000;
        note(u"bench_poll: curl loop, %1 polls: %2 CPU s, %3 s wall"_s.arg(baselineTasks).arg(fixed(loop.cpuSeconds()),
                                                                                         fixed(loop.wallSeconds)));
        baseline = fixed(theirsPer10k, 1);
        const double r = theirsPer10k > 0 ? oursPer10k / theirsPer10k : 0;
        ratio = u"1/%1"_s.arg(r > 0 ? fixed(1 / r, 0) : u"∞"_s);
        met = yesNo(r > 0 && r <= 1.0 / 50);
    } else {
        note(u"bench_poll: curl is not installed; no baseline"_s);
    }
    result(u"poll"_s, u"CPU s per 10,000 polls (%1 tasks, 1 s interval)"_s.arg(taskCount), fixed(oursPer10k, 2),
           baseline, ratio, u"≤ 1/50"_s, met);

    const double maxLate = lateMs.isEmpty() ? 0 : *std::max_element(lateMs.cbegin(), lateMs.cend());
    result(u"poll"_s, u"poll lateness vs due time, ms: max (p99 %1, median %2)"_s
                         .arg(fixed(percentile(lateMs, 0.99), 0), fixed(median(lateMs), 0)),
           fixed(maxLate, 0), u"n/a"_s, u"n/a"_s, u"≤ 1000 (one interval)"_s, yesNo(maxLate <= 1000));
    return 0;
}
