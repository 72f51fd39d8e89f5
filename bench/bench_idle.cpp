// bench_idle: 1,000 tasks that stay "processing", polled every 30 s against the fake provider
// (own process). CPU of this process (engine, poller, store writer) over 60 s, as a share of
// one core, next to an idle `sleep` over the same time.

#include "benchsupport.h"

#include "clock.h"
#include "taskengine.h"
#include "taskpoller.h"
#include "taskstore.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QNetworkAccessManager>
#include <QTemporaryDir>
#include <QTimer>

using namespace Qt::StringLiterals;
using namespace Bench;

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const bool smoke = app.arguments().contains(u"--smoke"_s);
    const int taskCount = smoke ? 100 : 1'000;
    const int windowMs = smoke ? 3'000 : 60'000;

    FakeServer server({u"--tasks"_s, QString::number(taskCount), u"--processing-polls"_s, u"1000000"_s});
    if (!server.isRunning()) {
        note(u"bench_idle: reelkeep-fakeserver did not start"_s);
        return 0;
    }
    const QStringList ids = fakeServerTaskIds(taskCount);

    QTemporaryDir dir;
    QString error;
    auto store = TaskStore::open(dir.filePath(u"store.sqlite"_s), &error);
    if (!store) {
        note(u"bench_idle: "_s + error);
        return 0;
    }
    QNetworkAccessManager manager;
    SystemClock clock;
    TaskEngine engine(&manager, &clock, store.get());
    Account account = benchAccount(server.api(), dir.filePath(u"videos"_s), 30);
    engine.setAccount(account);
    qint64 polls = 0;
    QObject::connect(engine.poller(), &TaskPoller::pollStarted, &app, [&] { ++polls; });

    // The window starts once the tasks are in (adding 1,000 IDs is the paste benchmark's job),
    // so it holds the first round of polls and the steady state after it.
    engine.addTasks(account.id, ids);
    const double cpuBefore = selfCpuSeconds();
    QElapsedTimer wall;
    wall.start();
    QTimer::singleShot(windowMs, &app, &QCoreApplication::quit);
    app.exec();
    const double cpu = selfCpuSeconds() - cpuBefore;
    const double seconds = double(wall.elapsed()) / 1000;
    const double percent = cpu / seconds * 100;
    note(u"bench_idle: %1 polls in %2 s, %3 CPU s"_s.arg(polls).arg(fixed(seconds, 1), fixed(cpu, 3)));

    const ChildRun sleep = run({u"sleep"_s, QString::number(windowMs / 1000)});
    const double sleepPercent = sleep.wallSeconds > 0 ? sleep.cpuSeconds() / sleep.wallSeconds * 100 : 0;
    result(u"idle"_s, u"CPU % of one core, %1 tasks every 30 s, over %2 s"_s.arg(taskCount).arg(windowMs / 1000),
           fixed(percent, 3), fixed(sleepPercent, 3), u"n/a"_s, u"< 1 %"_s, yesNo(percent < 1.0));
    return 0;
}
