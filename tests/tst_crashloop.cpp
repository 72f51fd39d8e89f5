// Crash loop: the real reelkeep-cli saves several slow multi-MB videos from the fake provider
// server and is killed with SIGKILL at 20 moments picked by a seeded generator (while polling,
// mid-download, right as a finished file is renamed into place, at random), then started again
// with the same command. After every kill: the store passes PRAGMA integrity_check, every file
// with a final name holds exactly its video's bytes (never a partial one), and no task recorded
// as saved points at a missing or wrong file. At the end one more run completes: every task is
// saved once, with the right SHA-256, and nothing is left behind.
//
// REELKEEP_CRASHLOOP_SEED=<n> replays a run; the seed in use is printed first.

#include "clitestharness.h"
#include "fakeproviderserver.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileSystemWatcher>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <map>

#ifdef Q_OS_LINUX
#include <atomic>
#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <mutex>
#include <poll.h>
#include <sys/inotify.h>
#include <thread>
#include <unistd.h>
#endif

using namespace Qt::StringLiterals;

#ifdef Q_OS_LINUX
// Kills a process the instant a file appears in a folder: by default one whose name does not
// end in ".part" renamed into place; with Kind::PartialCreated, a ".part" file created. A
// blocking inotify read on a thread of its own, so the kernel's latency decides, not an event loop.
class FileSniper
{
public:
    enum class Kind
    {
        FinalRenamed,
        PartialCreated
    };
    FileSniper(const QString &dir, pid_t pid, Kind kind = Kind::FinalRenamed) : m_pid(pid), m_kind(kind)
    {
        m_fd = ::inotify_init1(IN_CLOEXEC);
        if (m_fd >= 0)
            ::inotify_add_watch(m_fd, QFile::encodeName(dir).constData(),
                                kind == Kind::FinalRenamed ? IN_MOVED_TO : IN_CREATE);
        if (::pipe2(m_stop, O_CLOEXEC) != 0)
            m_stop[0] = m_stop[1] = -1;
        m_thread = std::thread([this] { run(); });
    }
    ~FileSniper()
    {
        if (m_stop[1] >= 0)
            (void)!::write(m_stop[1], "x", 1);
        m_thread.join();
        for (int fd : {m_fd, m_stop[0], m_stop[1]}) {
            if (fd >= 0)
                ::close(fd);
        }
    }
    bool fired() const { return m_fired.load(); }
    QString name() const
    {
        std::lock_guard lock(m_mutex);
        return m_name;
    }

private:
    void run()
    {
        alignas(inotify_event) char buffer[4096];
        while (m_fd >= 0) {
            pollfd fds[2] = {{m_fd, POLLIN, 0}, {m_stop[0], POLLIN, 0}};
            if (::poll(fds, 2, -1) < 0) {
                if (errno == EINTR)
                    continue;
                return;
            }
            if (fds[1].revents)
                return;
            const ssize_t n = ::read(m_fd, buffer, sizeof buffer);
            for (ssize_t offset = 0; n > 0 && offset < n;) {
                const auto *event = reinterpret_cast<const inotify_event *>(buffer + offset);
                const QByteArray name(event->len ? event->name : "");
                if (!name.isEmpty() && name.endsWith(".part") == (m_kind == Kind::PartialCreated)) {
                    ::kill(m_pid, SIGKILL);
                    {
                        std::lock_guard lock(m_mutex);
                        m_name = QFile::decodeName(name);
                    }
                    m_fired.store(true);
                    return;
                }
                offset += ssize_t(sizeof(inotify_event) + event->len);
            }
        }
    }

    pid_t m_pid;
    Kind m_kind;
    int m_fd = -1;
    int m_stop[2] = {-1, -1};
    std::thread m_thread;
    std::atomic<bool> m_fired{false};
    mutable std::mutex m_mutex;
    QString m_name;
};
#endif

class TestCrashLoop : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void killedTwentyTimesLosesNothing();
    void killedAsPartialFilesAppear();

private:
    enum class Target
    {
        Random,      // any moment
        Polling,     // soon after a status line
        Downloading, // while a .part file grows
        Rename       // the instant a final file appears, before the store records it
    };
    static QString targetName(Target target);

    QStringList arguments() const;
    QStringList finalFiles() const;
    QHash<QString, QString> lastStatusOf(const QByteArray &out) const;
    // Checks the invariants that must hold whenever no CLI is running; counts files checked.
    void verifyAtRest(const QString &when);
    bool spinUntil(const std::function<bool()> &condition, int timeoutMs);

    std::unique_ptr<FakeProviderServer> m_server;
    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_downloadDir;
    QString m_storePath;
    QStringList m_ids;
    QHash<QByteArray, QString> m_idBySha; // expected SHA-256 (hex) -> task ID
    QHash<QString, QByteArray> m_shaById;
    int m_filesVerified = 0;
};

QString TestCrashLoop::targetName(Target target)
{
    switch (target) {
    case Target::Random: return u"random moment"_s;
    case Target::Polling: return u"polling"_s;
    case Target::Downloading: return u"mid-download"_s;
    case Target::Rename: return u"at the rename"_s;
    }
    return {};
}

void TestCrashLoop::initTestCase()
{
    m_server = std::make_unique<FakeProviderServer>();
    QVERIFY(m_server->listen());
    m_server->setApiKey(u"test-key"_s);
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_downloadDir = m_dir->filePath(u"videos"_s);
    m_storePath = m_dir->filePath(u"store/reelkeep.sqlite"_s);
    QVERIFY(QDir().mkpath(m_downloadDir));

    // Tasks finish generating at different times, so kills find some polling while others
    // download; throttled transfers keep each download in flight for seconds.
    struct Plan
    {
        int processingPolls;
        qint64 bytes;
        qint64 bytesPerSecond;
    };
    const QList<Plan> plans{{1, 3 << 20, 512 << 10},  {4, 2 << 20, 512 << 10},  {8, 3 << 20, 512 << 10},
                            {13, 2 << 20, 384 << 10}, {18, 3 << 20, 512 << 10}, {24, 2 << 20, 384 << 10},
                            {31, 2 << 20, 512 << 10}, {45, 1 << 20, 0}};
    for (int i = 0; i < plans.size(); ++i) {
        FakeTaskSpec spec;
        spec.id = u"crash_task_%1_%2"_s.arg(i).arg(plans[i].processingPolls);
        spec.shape = FakeTaskSpec::Shape::Mingyan;
        spec.queuedPolls = 1;
        spec.processingPolls = plans[i].processingPolls;
        spec.videoBytes = plans[i].bytes;
        spec.bytesPerSecond = plans[i].bytesPerSecond;
        m_server->addTask(spec);
        m_ids << spec.id;
        const QByteArray sha = QCryptographicHash::hash(m_server->videoBytes(spec.id), QCryptographicHash::Sha256).toHex();
        m_idBySha.insert(sha, spec.id);
        m_shaById.insert(spec.id, sha);
    }
}

void TestCrashLoop::cleanupTestCase()
{
    m_server.reset();
    m_dir.reset();
}

QStringList TestCrashLoop::arguments() const
{
    return QStringList{u"--provider"_s, u"mingyan"_s, u"--base-url"_s, m_server->apiBaseUrl().toString(),
                       u"--download-dir"_s, m_downloadDir, u"--store"_s, m_storePath, u"--interval"_s, u"1"_s,
                       u"--timeout"_s, u"150"_s, u"--json"_s}
        + m_ids;
}

QStringList TestCrashLoop::finalFiles() const
{
    QStringList names = QDir(m_downloadDir).entryList(QDir::Files);
    names.removeIf([](const QString &name) { return name.endsWith(u".part"_s); });
    return names;
}

QHash<QString, QString> TestCrashLoop::lastStatusOf(const QByteArray &out) const
{
    QHash<QString, QString> last;
    for (const QByteArray &line : out.split('\n')) {
        const QJsonObject event = QJsonDocument::fromJson(line).object();
        const QString type = event.value(u"event"_s).toString();
        if (type == "status"_L1)
            last.insert(event.value(u"task"_s).toString(), event.value(u"status"_s).toString());
        else if (type == "downloaded"_L1)
            last.insert(event.value(u"task"_s).toString(), u"saved"_s);
    }
    return last;
}

bool TestCrashLoop::spinUntil(const std::function<bool()> &condition, int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (!condition()) {
        if (deadline.hasExpired())
            return false;
        QTest::qWait(5); // serves the fake server meanwhile
    }
    return true;
}

void TestCrashLoop::verifyAtRest(const QString &when)
{
    // No file with a final name is ever partial or wrong: each is exactly one task's video.
    for (const QString &name : finalFiles()) {
        QFile file(m_downloadDir + u'/' + name);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCryptographicHash hash(QCryptographicHash::Sha256);
        hash.addData(&file);
        const QByteArray sha = hash.result().toHex();
        QVERIFY2(m_idBySha.contains(sha), qPrintable(u"%1: %2 (%3 bytes) is not any task's video"_s
                                                         .arg(when, name).arg(file.size())));
        QVERIFY2(name.startsWith(m_idBySha.value(sha)), qPrintable(u"%1: %2 holds another task's video"_s.arg(when, name)));
        ++m_filesVerified;
    }
    // The store is sound, and what it calls saved is really there.
    QString integrity;
    const auto stored = CliTestHarness::readStore(m_storePath, &integrity);
    QVERIFY2(integrity == "ok"_L1 || !QFile::exists(m_storePath), qPrintable(when + u": "_s + integrity));
    for (auto it = stored.cbegin(); it != stored.cend(); ++it) {
        if (it->state != "saved"_L1)
            continue;
        QVERIFY2(QFileInfo::exists(it->filePath), qPrintable(when + u": saved file missing: "_s + it->filePath));
        QCOMPARE(it->sha256.toLatin1(), m_shaById.value(it.key()));
    }
}

void TestCrashLoop::killedTwentyTimesLosesNothing()
{
    bool seedOk = false;
    quint32 seed = qEnvironmentVariable("REELKEEP_CRASHLOOP_SEED").toUInt(&seedOk);
    if (!seedOk)
        seed = QRandomGenerator::global()->generate();
    qInfo("crash loop seed: %u (replay with REELKEEP_CRASHLOOP_SEED=%u)", seed, seed);
    QRandomGenerator random(seed);

#ifndef Q_OS_LINUX
    QFileSystemWatcher watcher({m_downloadDir});
#endif
    constexpr int kills = 20;
    std::map<QString, int> byTarget;   // what the kill aimed at
    std::map<QString, int> byPhase;    // what it found the CLI doing
    QSet<QString> everStored;          // tasks seen in the store: must never vanish
    QElapsedTimer clock;
    clock.start();
    QList<Target> firstFour;

    for (int iteration = 1; iteration <= kills; ++iteration) {
        const QStringList finalsBefore = finalFiles();
        CliTestHarness cli;
        cli.start(arguments());

        // Rename is only worth aiming at while some download is still to finish.
        const bool downloadsLeft = finalsBefore.size() < m_ids.size();
        // The first four kills aim at each kind once (in a seeded order), the rest at random.
        static const QList<Target> kinds{Target::Polling, Target::Downloading, Target::Rename, Target::Random};
        if (iteration == 1) {
            firstFour = kinds;
            std::shuffle(firstFour.begin(), firstFour.end(), random);
        }
        Target target = iteration <= 4 ? firstFour.at(iteration - 1) : Target(random.bounded(4));
        if (!downloadsLeft && (target == Target::Rename || target == Target::Downloading))
            target = Target::Random;
        const int extraMs = int(random.bounded(600));

        bool hit = true;
        bool killedByTarget = false;
        QString renamed;
        switch (target) {
        case Target::Random:
            QTest::qWait(100 + int(random.bounded(1500)));
            break;
        case Target::Polling:
            hit = cli.waitForOutput("\"status\":\"processing\"", 15'000)
                || cli.waitForOutput("\"status\":\"queued\"", 1);
            QTest::qWait(extraMs / 3);
            break;
        case Target::Downloading: {
            // A .part file that grows while we watch.
            QHash<QString, qint64> sizes;
            hit = spinUntil(
                [&] {
                    bool grew = false;
                    for (const QFileInfo &info : QDir(m_downloadDir).entryInfoList({u"*.part"_s}, QDir::Files)) {
                        const qint64 before = sizes.value(info.fileName(), -1);
                        grew |= before >= 0 && info.size() > before;
                        sizes.insert(info.fileName(), info.size());
                    }
                    return grew || !cli.isRunning();
                },
                20'000);
            QTest::qWait(extraMs / 2);
            break;
        }
        case Target::Rename: {
#ifdef Q_OS_LINUX
            // A thread blocked on inotify kills the CLI the instant a finished file is renamed
            // into place: the kernel's latency, not the event loop's, so the kill usually lands
            // before the store has recorded the file.
            FileSniper sniper(m_downloadDir, pid_t(cli.processId()));
            hit = spinUntil([&] { return sniper.fired() || !cli.isRunning(); }, 25'000) && sniper.fired();
            if (hit) {
                renamed = sniper.name();
                killedByTarget = true;
            }
#else
            bool appeared = false;
            auto connection = connect(&watcher, &QFileSystemWatcher::directoryChanged, this, [&] {
                for (const QString &name : finalFiles()) {
                    if (!appeared && !finalsBefore.contains(name)) {
                        appeared = true;
                        renamed = name;
                        cli.killHard();
                    }
                }
            });
            hit = spinUntil([&] { return appeared || !cli.isRunning(); }, 25'000) && appeared;
            disconnect(connection);
            killedByTarget = hit;
#endif
            break;
        }
        }
        const bool stillRunning = killedByTarget || cli.isRunning();
        const QByteArray out = cli.currentOut();
        if (stillRunning)
            cli.killHard();

        // What was it doing when it died? A kill can find several things going on at once.
        const QFileInfo wal(m_storePath + u"-wal"_s);
        const qint64 sinceStoreWriteMs = wal.exists() ? wal.lastModified().msecsTo(QDateTime::currentDateTime()) : -1;
        const QHash<QString, QString> last = lastStatusOf(out);
        const auto stored = CliTestHarness::readStore(m_storePath);
        bool unrecordedFile = false;
        for (const QString &name : finalFiles()) {
            if (finalsBefore.contains(name))
                continue;
            bool recorded = false;
            for (const auto &row : stored)
                recorded |= row.state == "saved"_L1 && QFileInfo(row.filePath).fileName() == name;
            unrecordedFile |= !recorded;
        }
        QStringList phases;
        if (!stillRunning && renamed.isEmpty()) {
            phases << u"exited before the kill"_s;
        } else {
            if (unrecordedFile)
                phases << u"renamed, not yet recorded"_s;
            else if (!renamed.isEmpty())
                phases << u"renamed and already recorded"_s;
            if (std::any_of(last.cbegin(), last.cend(), [](const QString &s) { return s == "downloading"_L1; }))
                phases << u"mid-download"_s;
            if (std::any_of(last.cbegin(), last.cend(),
                            [](const QString &s) { return s == "queued"_L1 || s == "processing"_L1; }))
                phases << u"polling"_s;
            if (last.isEmpty())
                phases << u"starting up"_s;
            if (sinceStoreWriteMs >= 0 && sinceStoreWriteMs <= 50)
                phases << u"within 50 ms of a store write"_s;
        }
        ++byTarget[targetName(target) + (hit ? QString() : u" (missed)"_s)];
        for (const QString &phase : std::as_const(phases))
            ++byPhase[phase];
        qInfo("kill %2d at %5.1f s: aimed %-14s found %s%s", iteration, clock.elapsed() / 1000.0,
              qPrintable(targetName(target)), qPrintable(phases.join(u", "_s)),
              renamed.isEmpty() ? "" : qPrintable(u" ("_s + renamed + u')'));

        const QString when = u"after kill %1"_s.arg(iteration);
        verifyAtRest(when);
        if (QTest::currentTestFailed())
            return;
        for (auto it = stored.cbegin(); it != stored.cend(); ++it)
            everStored.insert(it.key());
        for (const QString &id : std::as_const(everStored))
            QVERIFY2(stored.contains(id), qPrintable(when + u": task vanished from the store: "_s + id));
    }

    // Left alone, the same command finishes the job.
    m_server->clearRequests();
    CliTestHarness cli;
    cli.start(arguments());
    const auto result = cli.waitForFinished(170'000);
    QVERIFY2(result.exitCode == 0, result.err.constData());
    QCOMPARE(result.summary().value(u"saved"_s).toInt(), int(m_ids.size()));
    verifyAtRest(u"at the end"_s);

    // Every task saved exactly once under its own name; no partial file left.
    QString integrity;
    const auto stored = CliTestHarness::readStore(m_storePath, &integrity);
    QCOMPARE(integrity, u"ok"_s);
    QCOMPARE(stored.size(), m_ids.size());
    for (const QString &id : std::as_const(m_ids)) {
        QCOMPARE(stored.value(id).state, u"saved"_s);
        QCOMPARE(stored.value(id).sha256.toLatin1(), m_shaById.value(id));
        QCOMPARE(QFileInfo(stored.value(id).filePath).fileName(), id + u".mp4"_s);
    }
    const QStringList finals = finalFiles();
    QCOMPARE(finals.size(), m_ids.size());
    const QStringList parts = QDir(m_downloadDir).entryList({u"*.part"_s}, QDir::Files);
    QVERIFY2(parts.isEmpty(), qPrintable(parts.join(u',')));

    // Every kind of moment was hit at least once.
    QVERIFY2(byPhase[u"polling"_s] > 0, "no kill landed while polling");
    QVERIFY2(byPhase[u"mid-download"_s] > 0, "no kill landed mid-download");
#ifdef Q_OS_LINUX
    QVERIFY2(byPhase[u"renamed, not yet recorded"_s] + byPhase[u"renamed and already recorded"_s] > 0,
             "no kill landed at a rename");
#endif

    QStringList aimed;
    for (const auto &[name, count] : byTarget)
        aimed << u"%1 %2"_s.arg(count).arg(name);
    QStringList found;
    for (const auto &[name, count] : byPhase)
        found << u"%1 %2"_s.arg(count).arg(name);
    qInfo("crash loop: %d kills in %.1f s; aimed: %s; found: %s; %d final files verified by SHA-256; "
          "integrity_check: %s; %d tasks saved once each",
          kills, clock.elapsed() / 1000.0, qPrintable(aimed.join(u", "_s)), qPrintable(found.join(u", "_s)),
          m_filesVerified, qPrintable(integrity), int(m_ids.size()));
}

// A kill the instant a download creates its .part file, before the store can have recorded
// anything the download did after that. The next run must still know the file for its own:
// resume it, and end with the task saved once under its own name, no "(2)" copy and no stray
// partial file. (Found by the crash loop: a run killed right as a download began left an
// orphan partial, and the next run saved the video as "<id> (2).mp4" beside it.)
void TestCrashLoop::killedAsPartialFilesAppear()
{
#ifndef Q_OS_LINUX
    QSKIP("needs inotify to kill at the exact moment");
#else
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString downloadDir = dir.filePath(u"videos"_s);
    const QString storePath = dir.filePath(u"store/reelkeep.sqlite"_s);
    QVERIFY(QDir().mkpath(downloadDir));
    QStringList ids;
    for (int i = 0; i < 3; ++i) {
        FakeTaskSpec spec;
        spec.id = u"begin_task_%1"_s.arg(i);
        spec.shape = FakeTaskSpec::Shape::Mingyan;
        spec.queuedPolls = 0;
        spec.processingPolls = 0;
        spec.videoBytes = 1 << 20;
        spec.bytesPerSecond = 1 << 20;
        m_server->addTask(spec);
        ids << spec.id;
    }
    const QStringList arguments{u"--provider"_s, u"mingyan"_s, u"--base-url"_s, m_server->apiBaseUrl().toString(),
                                u"--download-dir"_s, downloadDir, u"--store"_s, storePath, u"--interval"_s, u"1"_s,
                                u"--timeout"_s, u"60"_s, u"--json"_s};
    auto partials = [&] { return QDir(downloadDir).entryList({u"*.part"_s}, QDir::Files); };

    // Each run dies as the next .part file is created, until every task's download began so.
    int kills = 0;
    for (int run = 0; run < 6 && partials().size() < ids.size(); ++run) {
        CliTestHarness cli;
        cli.start(arguments + ids);
        FileSniper sniper(downloadDir, pid_t(cli.processId()), FileSniper::Kind::PartialCreated);
        QVERIFY(spinUntil([&] { return sniper.fired() || !cli.isRunning(); }, 20'000));
        cli.killHard();
        if (sniper.fired())
            ++kills;
        // Every partial file on disk is one the store can give back to its task.
        const auto stored = CliTestHarness::readStore(storePath);
        for (const QString &name : partials()) {
            bool known = false;
            for (const auto &row : stored)
                known |= QFileInfo(row.partialPath).fileName() == name;
            QVERIFY2(known, qPrintable(u"kill %1 (as %2 appeared) left %3, which no task in the store names"_s
                                           .arg(kills)
                                           .arg(sniper.name(), name)));
        }
    }
    QVERIFY(kills > 0);

    CliTestHarness cli;
    cli.start(arguments + ids);
    const auto result = cli.waitForFinished(60'000);
    QVERIFY2(result.exitCode == 0, result.err.constData());
    const auto stored = CliTestHarness::readStore(storePath);
    for (const QString &id : std::as_const(ids)) {
        QCOMPARE(stored.value(id).state, u"saved"_s);
        QCOMPARE(QFileInfo(stored.value(id).filePath).fileName(), id + u".mp4"_s);
    }
    QVERIFY2(partials().isEmpty(), qPrintable(partials().join(u", "_s)));
    QCOMPARE(QDir(downloadDir).entryList(QDir::Files).size(), ids.size());
#endif
}

QTEST_GUILESS_MAIN(TestCrashLoop)
#include "tst_crashloop.moc"
