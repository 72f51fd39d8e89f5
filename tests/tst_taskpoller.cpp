// TaskPoller against the real fake provider server over loopback, on a ManualClock: every
// timing rule (interval, jitter, backoff, Retry-After, budget) is checked by moving the clock
// and watching which queries start, never by sleeping.
#include "clock.h"
#include "fakeproviderserver.h"
#include "faketaskspec.h"
#include "requestbudget.h"
#include "taskpoller.h"

#include <QElapsedTimer>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <algorithm>
#include <memory>

using namespace Qt::StringLiterals;
using Shape = FakeTaskSpec::Shape;
using Outcome = PollResult::Outcome;

namespace
{
const QString GoodKey = u"sk-test-good-key-7f3a"_s;

TaskPoller::Options quietOptions()
{
    TaskPoller::Options options;
    options.jitterFraction = 0.0; // exact due times unless a test is about jitter
    options.coalesceMaxMs = 0;    // nothing early unless a test is about coalescing
    options.queuedIntervalFactor = 3.0;
    options.backoffBaseMs = 1'000;
    options.backoffMaxMs = 5'000;
    options.maxInFlightPerHost = 4;
    options.maxAuthFailures = 2;
    return options;
}

FakeTaskSpec processingTask(const QString &id, Shape shape = Shape::Mingyan, int processingPolls = 1'000)
{
    FakeTaskSpec spec;
    spec.id = id;
    spec.shape = shape;
    spec.queuedPolls = 0;
    spec.processingPolls = processingPolls;
    return spec;
}

// One fake server, one manual clock, one poller: a fresh world per test.
struct Rig
{
    explicit Rig(const TaskPoller::Options &options = quietOptions())
        : poller(&nam, &clock, options), polled(&poller, &TaskPoller::polled),
          started(&poller, &TaskPoller::pollStarted), halted(&poller, &TaskPoller::accountHalted)
    {
        poller.setRandomSeed(1);
    }

    Account account(const QString &id, const QString &provider = u"mingyan"_s, int intervalSeconds = 10,
                    const QString &key = GoodKey) const
    {
        Account a;
        a.id = id;
        a.providerName = provider;
        a.baseUrl = server.apiBaseUrl();
        a.apiKey = key;
        a.intervalSeconds = intervalSeconds;
        return a;
    }

    int apiRequests() const
    {
        const auto requests = server.requests();
        return int(std::count_if(requests.cbegin(), requests.cend(),
                                 [](const FakeProviderServer::RecordedRequest &r) { return r.origin == "api"_L1; }));
    }

    qint64 now() const { return clock.nowMs(); }

    // Outcome of the i-th polled() emission.
    Outcome outcomeAt(int i) const { return polled.at(i).at(1).value<PollResult>().outcome; }
    PollResult resultAt(int i) const { return polled.at(i).at(1).value<PollResult>(); }
    TaskKey keyAt(int i) const { return polled.at(i).at(0).value<TaskKey>(); }

    FakeProviderServer server;
    ManualClock clock;
    QNetworkAccessManager nam;
    TaskPoller poller;
    QSignalSpy polled;
    QSignalSpy started;
    QSignalSpy halted;
};

// Answers every request as MiniMax does when the account goes too fast: HTTP 200 with
// base_resp 1002 and no Retry-After. The fake provider server signals rate limits with 429 only.
class BusyMiniMax : public QObject
{
public:
    bool listen()
    {
        connect(&m_server, &QTcpServer::newConnection, this, &BusyMiniMax::accept);
        return m_server.listen(QHostAddress::LocalHost);
    }
    QUrl baseUrl() const { return QUrl(u"http://127.0.0.1:%1"_s.arg(m_server.serverPort())); }
    int requests() const { return m_requests; }

private:
    void accept()
    {
        while (QTcpSocket *socket = m_server.nextPendingConnection()) {
            connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            connect(socket, &QTcpSocket::readyRead, this, [this, socket] {
                QByteArray &buffer = m_buffers[socket];
                buffer += socket->readAll();
                while (buffer.contains("\r\n\r\n")) {
                    buffer.remove(0, buffer.indexOf("\r\n\r\n") + 4);
                    ++m_requests;
                    const QByteArray body =
                        R"({"task_id":"","status":"","base_resp":{"status_code":1002,"status_msg":"rate limit exceeded"}})";
                    socket->write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                                  + QByteArray::number(body.size()) + "\r\n\r\n" + body);
                }
            });
        }
    }

    QTcpServer m_server;
    QHash<QTcpSocket *, QByteArray> m_buffers;
    int m_requests = 0;
};

// Messages caught while a test runs with debug logging on. A category filter, because
// ctest's QT_LOGGING_RULES would override QLoggingCategory::setFilterRules().
QStringList g_messages;
QLoggingCategory::CategoryFilter g_previousFilter = nullptr;
void captureMessage(QtMsgType, const QMessageLogContext &, const QString &message)
{
    g_messages.append(message);
}
void enableReelkeepDebug(QLoggingCategory *category)
{
    if (g_previousFilter)
        g_previousFilter(category);
    if (qstrncmp(category->categoryName(), "reelkeep.", 9) == 0)
        category->setEnabled(QtDebugMsg, true);
}
} // namespace

Q_DECLARE_METATYPE(PollResult)

class TestTaskPoller : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();

    void requestBudgetIsASlidingWindow();
    void firstPollIsSpread();
    void intervalRespected();
    void nearbyPollsShareAWakeUp();
    void jitterStaysWithinBounds();
    void queuedTasksUseTheFactor();
    void pollAfterHintOverridesInterval();
    void transientErrorsBackOffExponentially();
    void retryAfterPausesTheWholeHost_data();
    void retryAfterPausesTheWholeHost();
    void miniMax1002BacksOffTheHost();
    void rejectedKeyHaltsAccountWithoutHammering_data();
    void rejectedKeyHaltsAccountWithoutHammering();
    void tasksWaitForTheirAccount();
    void notFoundStopsWatching();
    void terminalStateStopsPolling_data();
    void terminalStateStopsPolling();
    void inFlightCapPerHost();
    void miniMaxBudgetIsNeverExceeded();
    void pollNowQueriesOnceWithoutWatching();
    void pollNowRespectsRetryAfter();
    void unwatchAbortsInFlightQuery();
    void removeAccountDropsItsTasks();
    void setAccountUpdatesAddressAndInterval();
    void apiKeyNeverLogged();
    void accountWithoutKeyWaitsForIt();
    void manyTasksScheduleCheaply();
};

void TestTaskPoller::initTestCase()
{
    qRegisterMetaType<TaskKey>();
    qRegisterMetaType<PollResult>();
}

void TestTaskPoller::requestBudgetIsASlidingWindow()
{
    RequestBudget budget(3);
    const qint64 t0 = 1'000'000;
    for (int i = 0; i < 3; ++i) {
        QVERIFY(budget.allows(t0 + i * 10'000));
        budget.record(t0 + i * 10'000);
    }
    QVERIFY(!budget.allows(t0 + 30'000));
    QCOMPARE(budget.availableAtMs(t0 + 30'000), t0 + 60'000);
    QVERIFY(budget.allows(t0 + 60'000));
    budget.record(t0 + 60'000);
    QCOMPARE(budget.availableAtMs(t0 + 60'000), t0 + 70'000);
    QCOMPARE(budget.used(t0 + 60'000), 3);

    RequestBudget unlimited;
    for (int i = 0; i < 1'000; ++i)
        unlimited.record(t0);
    QVERIFY(unlimited.allows(t0));
}

// Pasted IDs do not all fire at once: first polls land in [now, now + min(interval, 5 s)].
void TestTaskPoller::firstPollIsSpread()
{
    for (const int intervalSeconds : {2, 10}) {
        const qint64 window = qMin<qint64>(intervalSeconds * 1000, 5'000);
        qint64 lowest = std::numeric_limits<qint64>::max();
        qint64 highest = -1;
        QList<qint64> firstSeedDues;
        for (quint32 seed = 1; seed <= 50; ++seed) {
            Rig rig;
            rig.poller.setRandomSeed(seed);
            Account account = rig.account(u"a"_s, u"mingyan"_s, intervalSeconds);
            account.baseUrl = QUrl(u"http://127.0.0.1:9"_s); // never reached: the clock does not move
            rig.poller.setAccount(account);
            QList<qint64> dues;
            for (int i = 0; i < 20; ++i) {
                const TaskKey key{u"a"_s, u"t%1"_s.arg(i)};
                rig.poller.watch(key, TaskState::Processing);
                const qint64 offset = rig.poller.dueMs(key) - rig.now();
                QVERIFY2(offset >= 0 && offset <= window, qPrintable(u"offset %1"_s.arg(offset)));
                lowest = qMin(lowest, offset);
                highest = qMax(highest, offset);
                dues.append(offset);
            }
            if (seed == 1)
                firstSeedDues = dues;
        }
        // Really spread over the window, not bunched at one end.
        QVERIFY(lowest < window / 10);
        QVERIFY(highest > window * 9 / 10);

        // Seedable: the same seed gives the same spread.
        Rig again;
        again.poller.setRandomSeed(1);
        Account account = again.account(u"a"_s, u"mingyan"_s, intervalSeconds);
        account.baseUrl = QUrl(u"http://127.0.0.1:9"_s);
        again.poller.setAccount(account);
        for (int i = 0; i < 20; ++i) {
            const TaskKey key{u"a"_s, u"t%1"_s.arg(i)};
            again.poller.watch(key, TaskState::Processing);
            QCOMPARE(again.poller.dueMs(key) - again.now(), firstSeedDues.at(i));
        }
    }
}

void TestTaskPoller::intervalRespected()
{
    Rig rig;
    QVERIFY(rig.server.listen());
    rig.server.addTask(processingTask(u"int-1"_s));
    rig.poller.setAccount(rig.account(u"a"_s, u"mingyan"_s, 10));
    const TaskKey key{u"a"_s, u"int-1"_s};

    rig.poller.watch(key, TaskState::Processing, rig.now());
    QVERIFY(rig.poller.isWatching(key));
    QTRY_COMPARE(rig.polled.count(), 1);
    QCOMPARE(rig.outcomeAt(0), Outcome::Snapshot);
    QCOMPARE(rig.server.statusQueryCount(u"int-1"_s), 1);
    QCOMPARE(rig.poller.dueMs(key), rig.now() + 10'000);
    QCOMPARE(rig.poller.nextDueMs(), rig.now() + 10'000);

    // Just short of due: the clock jump is looked at synchronously and nothing starts.
    rig.clock.advance(9'999);
    QCOMPARE(rig.started.count(), 1);
    QCOMPARE(rig.poller.inFlightCount(), 0);
    QCOMPARE(rig.server.statusQueryCount(u"int-1"_s), 1);

    rig.clock.advance(1);
    QCOMPARE(rig.started.count(), 2);
    QTRY_COMPARE(rig.polled.count(), 2);
    QCOMPARE(rig.server.statusQueryCount(u"int-1"_s), 2);
    QCOMPARE(rig.apiRequests(), 2);
}

void TestTaskPoller::nearbyPollsShareAWakeUp()
{
    // The timer wakes for the front's due time, and takes along every poll whose earliest time
    // (due minus 5 % of its delay, at most coalesceMaxMs) has come; nothing goes before that.
    TaskPoller::Options options = quietOptions();
    options.coalesceMaxMs = 250;
    Rig rig(options);
    QVERIFY(rig.server.listen());
    for (const QString &id : {u"co-1"_s, u"co-2"_s, u"co-3"_s, u"co-4"_s})
        rig.server.addTask(processingTask(id));
    rig.poller.setAccount(rig.account(u"a"_s, u"mingyan"_s, 10));
    const qint64 start = rig.now();
    rig.poller.watch({u"a"_s, u"co-1"_s}, TaskState::Processing, start + 10'000); // from 9,750
    rig.poller.watch({u"a"_s, u"co-2"_s}, TaskState::Processing, start + 10'200); // from 9,950
    rig.poller.watch({u"a"_s, u"co-3"_s}, TaskState::Processing, start + 10'300); // from 10,050

    rig.clock.advance(9'749);
    QCOMPARE(rig.started.count(), 0);
    rig.clock.advance(1);
    QCOMPARE(rig.started.count(), 1);
    QTRY_COMPARE(rig.polled.count(), 1);
    rig.clock.advance(199);
    QCOMPARE(rig.started.count(), 1);
    rig.clock.advance(1);
    QCOMPARE(rig.started.count(), 2);
    QTRY_COMPARE(rig.polled.count(), 2);
    rig.clock.advance(99);
    QCOMPARE(rig.started.count(), 2);
    rig.clock.advance(1);
    QCOMPARE(rig.started.count(), 3);
    QTRY_COMPARE(rig.polled.count(), 3);

    // Asked 1 s ahead: 5 % of that is 50 ms.
    rig.poller.watch({u"a"_s, u"co-4"_s}, TaskState::Processing, rig.now() + 1'000);
    rig.clock.advance(949);
    QCOMPARE(rig.started.count(), 3);
    rig.clock.advance(1);
    QCOMPARE(rig.started.count(), 4);
    QTRY_COMPARE(rig.polled.count(), 4);
}

void TestTaskPoller::jitterStaysWithinBounds()
{
    TaskPoller::Options options = quietOptions();
    options.jitterFraction = 0.2;
    for (quint32 seed : {7u, 99u, 12345u}) {
        Rig rig(options);
        rig.poller.setRandomSeed(seed);
        QVERIFY(rig.server.listen());
        rig.poller.setAccount(rig.account(u"a"_s, u"mingyan"_s, 10));
        const int count = 30;
        for (int i = 0; i < count; ++i) {
            rig.server.addTask(processingTask(u"jit-%1"_s.arg(i)));
            rig.poller.watch(TaskKey{u"a"_s, u"jit-%1"_s.arg(i)}, TaskState::Processing, rig.now());
        }
        QTRY_COMPARE(rig.polled.count(), count);
        QSet<qint64> distinct;
        for (int i = 0; i < count; ++i) {
            const qint64 offset = rig.poller.dueMs(TaskKey{u"a"_s, u"jit-%1"_s.arg(i)}) - rig.now();
            QVERIFY2(offset >= 8'000 && offset <= 12'000, qPrintable(u"offset %1"_s.arg(offset)));
            distinct.insert(offset);
        }
        QVERIFY(distinct.size() > count / 2);
    }
}

void TestTaskPoller::queuedTasksUseTheFactor()
{
    Rig rig; // interval 10 s, factor 3
    QVERIFY(rig.server.listen());
    FakeTaskSpec spec = processingTask(u"q-1"_s);
    spec.queuedPolls = 1;
    rig.server.addTask(spec);
    rig.poller.setAccount(rig.account(u"a"_s, u"mingyan"_s, 10));
    const TaskKey key{u"a"_s, u"q-1"_s};

    rig.poller.watch(key, TaskState::Queued, rig.now());
    QTRY_COMPARE(rig.polled.count(), 1);
    QCOMPARE(rig.resultAt(0).snapshot.state, TaskState::Queued);
    QCOMPARE(rig.poller.dueMs(key), rig.now() + 30'000);

    rig.clock.advance(29'999);
    QCOMPARE(rig.started.count(), 1);
    rig.clock.advance(1);
    QCOMPARE(rig.started.count(), 2);
    QTRY_COMPARE(rig.polled.count(), 2);
    QCOMPARE(rig.resultAt(1).snapshot.state, TaskState::Processing);
    QCOMPARE(rig.poller.dueMs(key), rig.now() + 10'000); // processing: the plain interval
}

void TestTaskPoller::pollAfterHintOverridesInterval()
{
    Rig rig;
    QVERIFY(rig.server.listen());
    rig.server.addTask(processingTask(u"video_hint"_s, Shape::OpenAi));
    rig.poller.setAccount(rig.account(u"o"_s, u"openai"_s, 30));
    const TaskKey key{u"o"_s, u"video_hint"_s};

    rig.poller.watch(key, TaskState::Processing, rig.now());
    QTRY_COMPARE(rig.polled.count(), 1);
    const PollResult result = rig.resultAt(0);
    QCOMPARE(result.outcome, Outcome::Snapshot);
    QVERIFY(result.nextPollHintMs > 0);
    QCOMPARE(rig.poller.dueMs(key), rig.now() + qMax<qint64>(result.nextPollHintMs, 1'000));
    QVERIFY(rig.poller.dueMs(key) - rig.now() < 30'000);

    rig.clock.advance(qMax<qint64>(result.nextPollHintMs, 1'000));
    QCOMPARE(rig.started.count(), 2);
    QTRY_COMPARE(rig.polled.count(), 2);
}

void TestTaskPoller::transientErrorsBackOffExponentially()
{
    Rig rig; // backoff 1 s doubling, capped at 5 s, no jitter
    QVERIFY(rig.server.listen());
    FakeTaskSpec spec = processingTask(u"err-1"_s);
    spec.serverErrorQueries = 5;
    rig.server.addTask(spec);
    rig.poller.setAccount(rig.account(u"a"_s, u"mingyan"_s, 10));
    const TaskKey key{u"a"_s, u"err-1"_s};

    rig.poller.watch(key, TaskState::Processing, rig.now());
    const QList<qint64> expected{1'000, 2'000, 4'000, 5'000, 5'000};
    for (int i = 0; i < expected.size(); ++i) {
        QTRY_COMPARE(rig.polled.count(), i + 1);
        QCOMPARE(rig.outcomeAt(i), Outcome::TransientError);
        QVERIFY(!rig.resultAt(i).message.isEmpty()); // the engine shows the last error
        QVERIFY(rig.poller.isWatching(key));
        QCOMPARE(rig.poller.dueMs(key) - rig.now(), expected.at(i));
        rig.clock.advance(expected.at(i) - 1);
        QCOMPARE(rig.started.count(), i + 1);
        rig.clock.advance(1);
        QCOMPARE(rig.started.count(), i + 2);
    }
    QTRY_COMPARE(rig.polled.count(), expected.size() + 1);
    QCOMPARE(rig.outcomeAt(expected.size()), Outcome::Snapshot);
    QCOMPARE(rig.poller.dueMs(key) - rig.now(), 10'000); // recovered: back to the interval
    QCOMPARE(rig.server.statusQueryCount(u"err-1"_s), expected.size() + 1);
}

void TestTaskPoller::retryAfterPausesTheWholeHost_data()
{
    QTest::addColumn<bool>("asHttpDate");
    QTest::newRow("seconds") << false;
    QTest::newRow("http-date") << true;
}

void TestTaskPoller::retryAfterPausesTheWholeHost()
{
    QFETCH(bool, asHttpDate);
    Rig rig;
    QVERIFY(rig.server.listen());
    FakeTaskSpec limited = processingTask(u"ra-1"_s);
    limited.rateLimitQueries = 1;
    limited.retryAfterSeconds = 3;
    limited.retryAfterAsHttpDate = asHttpDate;
    rig.server.addTask(limited);
    rig.server.addTask(processingTask(u"ra-other"_s));
    // Two accounts on the same host: the pause is the host's, not the account's.
    rig.poller.setAccount(rig.account(u"a"_s));
    rig.poller.setAccount(rig.account(u"b"_s));
    const TaskKey limitedKey{u"a"_s, u"ra-1"_s};
    const TaskKey otherKey{u"b"_s, u"ra-other"_s};

    rig.poller.watch(limitedKey, TaskState::Processing, rig.now());
    QTRY_COMPARE(rig.polled.count(), 1);
    const PollResult result = rig.resultAt(0);
    QCOMPARE(result.outcome, Outcome::RateLimited);
    if (asHttpDate) {
        // Whole seconds, rounded up by the server: between 3 and 4 s from now.
        QVERIFY2(result.retryAfterMs > 2'000 && result.retryAfterMs <= 4'000,
                 qPrintable(QString::number(result.retryAfterMs)));
    } else {
        QCOMPARE(result.retryAfterMs, 3'000);
    }
    const qint64 resumeAt = rig.now() + qMax<qint64>(result.retryAfterMs, 1'000);
    QCOMPARE(rig.poller.dueMs(limitedKey), resumeAt);

    // Another account's task on the same host falls due during the pause: it waits.
    rig.poller.watch(otherKey, TaskState::Processing, rig.now() + 500);
    rig.clock.advance(500);
    QCOMPARE(rig.started.count(), 1);
    QCOMPARE(rig.poller.dueMs(otherKey), resumeAt);
    rig.clock.setNowMs(resumeAt - 1);
    QCOMPARE(rig.started.count(), 1);
    QCOMPARE(rig.server.statusQueryCount(u"ra-other"_s), 0);
    QCOMPARE(rig.apiRequests(), 1);

    rig.clock.setNowMs(resumeAt);
    QCOMPARE(rig.started.count(), 3);
    QTRY_COMPARE(rig.polled.count(), 3);
    QCOMPARE(rig.server.statusQueryCount(u"ra-other"_s), 1);
    QCOMPARE(rig.server.statusQueryCount(u"ra-1"_s), 2);
}

// MiniMax's 1002 arrives as RateLimited without a Retry-After: the host then rests for the
// exponential backoff, longer with each refusal in a row, and no task on it goes meanwhile.
void TestTaskPoller::miniMax1002BacksOffTheHost()
{
    Rig rig; // backoff 1 s doubling, capped at 5 s, no jitter
    BusyMiniMax busy;
    QVERIFY(busy.listen());
    Account account = rig.account(u"m"_s, u"minimax"_s, 10);
    account.baseUrl = busy.baseUrl();
    rig.poller.setAccount(account);
    const TaskKey first{u"m"_s, u"424010985738629"_s};
    const TaskKey second{u"m"_s, u"424010985738630"_s};

    rig.poller.watch(first, TaskState::Processing, rig.now());
    QTRY_COMPARE(rig.polled.count(), 1);
    QCOMPARE(rig.outcomeAt(0), Outcome::RateLimited);
    QCOMPARE(rig.resultAt(0).retryAfterMs, -1);
    const qint64 t1 = rig.now();
    QCOMPARE(rig.poller.dueMs(first), t1 + 1'000);

    rig.poller.watch(second, TaskState::Processing, t1 + 500);
    rig.clock.advance(500);
    QCOMPARE(rig.started.count(), 1);
    QCOMPARE(rig.poller.dueMs(second), t1 + 1'000);
    rig.clock.setNowMs(t1 + 999);
    QCOMPARE(rig.started.count(), 1);
    rig.clock.setNowMs(t1 + 1'000);
    QCOMPARE(rig.started.count(), 2); // the earlier due first; one at a time while the key is unproven
    QCOMPARE(rig.started.at(1).at(0).value<TaskKey>(), second);
    QTRY_COMPARE(rig.polled.count(), 2);
    QCOMPARE(rig.outcomeAt(1), Outcome::RateLimited);

    // Second refusal in a row: twice as long, for both tasks.
    const qint64 t2 = rig.now();
    QCOMPARE(rig.poller.dueMs(first), t2 + 2'000);
    QCOMPARE(rig.poller.dueMs(second), t2 + 2'000);
    rig.clock.setNowMs(t2 + 1'999);
    QCOMPARE(rig.started.count(), 2);
    rig.clock.setNowMs(t2 + 2'000);
    QCOMPARE(rig.started.count(), 3);
    QTRY_COMPARE(rig.polled.count(), 3);
    QCOMPARE(rig.poller.dueMs(first), rig.now() + 4'000);
    QCOMPARE(busy.requests(), 3);
}

void TestTaskPoller::rejectedKeyHaltsAccountWithoutHammering_data()
{
    QTest::addColumn<QString>("provider");
    QTest::addColumn<int>("shape");
    QTest::newRow("mingyan 401") << u"mingyan"_s << int(Shape::Mingyan);
    QTest::newRow("minimax 1004") << u"minimax"_s << int(Shape::MiniMax);
}

void TestTaskPoller::rejectedKeyHaltsAccountWithoutHammering()
{
    QFETCH(QString, provider);
    QFETCH(int, shape);
    Rig rig;
    QVERIFY(rig.server.listen());
    rig.server.setApiKey(GoodKey);
    const int count = 25;
    QList<TaskKey> keys;
    for (int i = 0; i < count; ++i) {
        const QString id = u"auth-%1"_s.arg(i);
        rig.server.addTask(processingTask(id, Shape(shape)));
        keys.append(TaskKey{u"a"_s, id});
    }
    Account account = rig.account(u"a"_s, provider, 10, u"sk-wrong"_s);
    rig.poller.setAccount(account);
    for (const TaskKey &key : std::as_const(keys))
        rig.poller.watch(key, TaskState::Processing, rig.now());

    // Everything is due at once; walk the clock well past every backoff.
    for (int step = 0; step < 60 && rig.halted.isEmpty(); ++step) {
        QTRY_COMPARE(rig.poller.inFlightCount(), 0);
        QTRY_VERIFY(rig.polled.count() >= 1);
        rig.clock.advance(1'000);
    }
    QCOMPARE(rig.halted.count(), 1);
    QCOMPARE(rig.halted.at(0).at(0).toString(), u"a"_s);
    QVERIFY(!rig.halted.at(0).at(1).toString().isEmpty());
    QVERIFY(rig.poller.isAccountHalted(u"a"_s));

    for (int minute = 0; minute < 30; ++minute)
        rig.clock.advance(60'000);
    QCOMPARE(rig.poller.inFlightCount(), 0);
    QVERIFY2(rig.apiRequests() <= 2, qPrintable(QString::number(rig.apiRequests())));
    QCOMPARE(rig.halted.count(), 1);
    for (int i = 0; i < rig.polled.count(); ++i)
        QCOMPARE(rig.outcomeAt(i), Outcome::AuthRejected);
    // Parked, not forgotten.
    QCOMPARE(rig.poller.watchedCount(), count);
    for (const TaskKey &key : std::as_const(keys)) {
        QVERIFY(rig.poller.isWatching(key));
        QCOMPARE(rig.poller.dueMs(key), -1);
    }
    QCOMPARE(rig.poller.nextDueMs(), -1);

    // "Poll now" on a halted account answers at once, without asking the provider.
    const int polledBefore = rig.polled.count();
    rig.poller.pollNow(keys.first());
    QTRY_COMPARE(rig.polled.count(), polledBefore + 1);
    QCOMPARE(rig.outcomeAt(polledBefore), Outcome::AuthRejected);
    QVERIFY2(rig.apiRequests() <= 2, qPrintable(QString::number(rig.apiRequests())));

    // The right key resumes every parked task promptly (within 5 s, spread; MiniMax's budget
    // then lets 20 a minute through).
    rig.polled.clear();
    account.apiKey = GoodKey;
    rig.poller.setAccount(account);
    QVERIFY(!rig.poller.isAccountHalted(u"a"_s));
    for (const TaskKey &key : std::as_const(keys)) {
        const qint64 due = rig.poller.dueMs(key);
        QVERIFY(due >= rig.now() && due <= rig.now() + 5'000);
    }
    rig.clock.advance(5'000);
    QSet<QString> answered;
    for (int step = 0; step < 10 && answered.size() < count; ++step) {
        QTRY_COMPARE(rig.poller.inFlightCount(), 0);
        for (int i = 0; i < rig.polled.count(); ++i) {
            QCOMPARE(rig.outcomeAt(i), Outcome::Snapshot);
            answered.insert(rig.keyAt(i).taskId);
        }
        if (answered.size() < count)
            rig.clock.advance(60'000);
    }
    QCOMPARE(answered.size(), count);
    QCOMPARE(rig.halted.count(), 1);
}

// Tasks restored before their account (or for a provider this build does not know) are kept,
// parked, and start once a usable account arrives.
void TestTaskPoller::tasksWaitForTheirAccount()
{
    Rig rig;
    QVERIFY(rig.server.listen());
    rig.server.addTask(processingTask(u"early-1"_s));
    const TaskKey key{u"a"_s, u"early-1"_s};
    rig.poller.watch(key, TaskState::Processing, rig.now());
    QVERIFY(rig.poller.isWatching(key));
    QCOMPARE(rig.poller.dueMs(key), -1);
    rig.clock.advance(60'000);
    QCOMPARE(rig.started.count(), 0);

    Account account = rig.account(u"a"_s, u"no-such-provider"_s);
    rig.poller.setAccount(account);
    QCOMPARE(rig.halted.count(), 1);
    QVERIFY(rig.poller.isAccountHalted(u"a"_s));
    QCOMPARE(rig.poller.dueMs(key), -1);

    account.providerName = u"mingyan"_s;
    rig.poller.setAccount(account);
    QVERIFY(!rig.poller.isAccountHalted(u"a"_s));
    const qint64 due = rig.poller.dueMs(key);
    QVERIFY(due >= rig.now() && due <= rig.now() + 5'000);
    rig.clock.setNowMs(due);
    QCOMPARE(rig.started.count(), 1);
    QTRY_COMPARE(rig.polled.count(), 1);
    QCOMPARE(rig.outcomeAt(0), Outcome::Snapshot);
    QCOMPARE(rig.halted.count(), 1);
}

void TestTaskPoller::accountWithoutKeyWaitsForIt()
{
    // The window hands accounts to the engine before their keys arrive from the keychain.
    Rig rig;
    QVERIFY(rig.server.listen());
    FakeTaskSpec spec;
    spec.id = u"waits-for-key"_s;
    rig.server.addTask(spec);
    rig.poller.setAccount(rig.account(u"a"_s, u"mingyan"_s, 10, QString()));
    const TaskKey key{u"a"_s, spec.id};
    rig.poller.watch(key, TaskState::Queued, rig.now());
    QCOMPARE(rig.halted.count(), 1);
    QVERIFY(rig.poller.isAccountHalted(u"a"_s));
    for (int minute = 0; minute < 10; ++minute)
        rig.clock.advance(60'000);
    QCOMPARE(rig.apiRequests(), 0);

    rig.poller.setAccount(rig.account(u"a"_s));
    rig.clock.advance(5'000); // resumed tasks are spread over the next few seconds
    QTRY_COMPARE(rig.polled.count(), 1);
    QCOMPARE(rig.outcomeAt(0), Outcome::Snapshot);
    QVERIFY(rig.server.requests().first().headers.value("authorization").endsWith(GoodKey.toUtf8()));
}

void TestTaskPoller::notFoundStopsWatching()
{
    Rig rig;
    QVERIFY(rig.server.listen());
    rig.poller.setAccount(rig.account(u"a"_s));
    const TaskKey key{u"a"_s, u"no-such-task"_s};
    rig.poller.watch(key, TaskState::Processing, rig.now());
    QTRY_COMPARE(rig.polled.count(), 1);
    QCOMPARE(rig.outcomeAt(0), Outcome::NotFound);
    QVERIFY(!rig.poller.isWatching(key));
    QCOMPARE(rig.poller.watchedCount(), 0);
    QCOMPARE(rig.poller.dueMs(key), -1);

    for (int minute = 0; minute < 60; ++minute)
        rig.clock.advance(60'000);
    QCOMPARE(rig.started.count(), 1);
    QCOMPARE(rig.apiRequests(), 1);
}

void TestTaskPoller::terminalStateStopsPolling_data()
{
    QTest::addColumn<int>("shape");
    QTest::addColumn<QString>("provider");
    QTest::addColumn<QString>("failReason");
    QTest::addColumn<TaskState>("endState");
    QTest::newRow("mingyan completed") << int(Shape::Mingyan) << u"mingyan"_s << QString() << TaskState::Completed;
    QTest::newRow("mingyan failed") << int(Shape::Mingyan) << u"mingyan"_s << u"content policy"_s
                                    << TaskState::Failed;
    QTest::newRow("minimax completed") << int(Shape::MiniMax) << u"minimax"_s << QString() << TaskState::Completed;
    QTest::newRow("openai failed") << int(Shape::OpenAi) << u"openai"_s << u"moderation"_s << TaskState::Failed;
}

void TestTaskPoller::terminalStateStopsPolling()
{
    QFETCH(int, shape);
    QFETCH(QString, provider);
    QFETCH(QString, failReason);
    QFETCH(TaskState, endState);
    Rig rig;
    QVERIFY(rig.server.listen());
    FakeTaskSpec spec = processingTask(u"end-1"_s, Shape(shape), 1);
    spec.failReason = failReason;
    rig.server.addTask(spec);
    rig.poller.setAccount(rig.account(u"a"_s, provider, 10));
    const TaskKey key{u"a"_s, u"end-1"_s};

    rig.poller.watch(key, TaskState::Processing, rig.now());
    for (int step = 0; step < 20 && rig.poller.isWatching(key); ++step) {
        QTRY_COMPARE(rig.polled.count(), step + 1);
        QCOMPARE(rig.outcomeAt(step), Outcome::Snapshot);
        if (rig.poller.isWatching(key))
            rig.clock.setNowMs(rig.poller.dueMs(key));
    }
    QVERIFY(!rig.poller.isWatching(key));
    QCOMPARE(rig.resultAt(rig.polled.count() - 1).snapshot.state, endState);
    const int queries = rig.server.statusQueryCount(u"end-1"_s);
    QCOMPARE(queries, rig.polled.count());

    for (int hour = 0; hour < 24; ++hour)
        rig.clock.advance(3'600'000);
    QCOMPARE(rig.started.count(), queries);
    QCOMPARE(rig.poller.nextDueMs(), -1);
    QCOMPARE(rig.server.statusQueryCount(u"end-1"_s), queries);
}

void TestTaskPoller::inFlightCapPerHost()
{
    TaskPoller::Options options = quietOptions();
    options.maxInFlightPerHost = 3;
    Rig rig(options);
    QVERIFY(rig.server.listen());
    rig.poller.setAccount(rig.account(u"a"_s));
    rig.poller.setAccount(rig.account(u"b"_s));

    int maxInFlight = 0;
    connect(&rig.poller, &TaskPoller::pollStarted, this,
            [&] { maxInFlight = qMax(maxInFlight, rig.poller.inFlightCount()); });

    // One query per account first, so both keys are known good.
    rig.server.addTask(processingTask(u"warm-a"_s));
    rig.server.addTask(processingTask(u"warm-b"_s));
    rig.poller.pollNow(TaskKey{u"a"_s, u"warm-a"_s});
    rig.poller.pollNow(TaskKey{u"b"_s, u"warm-b"_s});
    QTRY_COMPARE(rig.polled.count(), 2);

    QList<TaskKey> keys;
    for (int i = 0; i < 30; ++i) {
        const QString id = u"cap-%1"_s.arg(i);
        rig.server.addTask(processingTask(id));
        keys.append(TaskKey{i % 2 ? u"b"_s : u"a"_s, id});
        rig.poller.watch(keys.last(), TaskState::Processing, rig.now() + 1'000 + i);
    }
    rig.started.clear();
    rig.clock.advance(2'000);
    // Thirty due at once over two accounts on one host: three start, the rest wait their turn.
    QCOMPARE(rig.started.count(), 3);
    QCOMPARE(rig.poller.inFlightCount(), 3);
    // In due order.
    for (int i = 0; i < 3; ++i)
        QCOMPARE(rig.started.at(i).at(0).value<TaskKey>(), keys.at(i));

    QTRY_COMPARE(rig.polled.count(), 32);
    QCOMPARE(maxInFlight, 3);
    QCOMPARE(rig.poller.inFlightCount(), 0);
    for (int i = 0; i < 30; ++i) {
        QCOMPARE(rig.started.at(i).at(0).value<TaskKey>(), keys.at(i));
        QCOMPARE(rig.server.statusQueryCount(keys.at(i).taskId), 1);
    }
}

void TestTaskPoller::miniMaxBudgetIsNeverExceeded()
{
    Rig rig;
    QVERIFY(rig.server.listen());
    rig.poller.setAccount(rig.account(u"m"_s, u"minimax"_s, 10));
    QList<qint64> startTimes;
    connect(&rig.poller, &TaskPoller::pollStarted, this, [&] { startTimes.append(rig.now()); });

    const qint64 t0 = rig.now();
    const int count = 100;
    for (int i = 0; i < count; ++i) {
        const QString id = u"%1"_s.arg(400000000000000 + i);
        rig.server.addTask(processingTask(id, Shape::MiniMax));
        rig.poller.watch(TaskKey{u"m"_s, id}, TaskState::Processing, t0);
    }

    // 100 tasks at 20 a minute: batches start at 0, 60, 120, 180 and 240 s. Stop before 300 s,
    // when the first batch would be asked a second time.
    QList<int> serverCountAtMinute{0};
    for (int second = 0; second < 300; ++second) {
        QTRY_COMPARE(rig.poller.inFlightCount(), 0);
        if (second > 0 && second % 60 == 0)
            serverCountAtMinute.append(rig.apiRequests());
        rig.clock.setNowMs(t0 + second * 1'000LL);
    }
    QTRY_COMPARE(rig.poller.inFlightCount(), 0);

    // Any 60 s window, not only clock minutes.
    for (int i = 20; i < startTimes.size(); ++i)
        QVERIFY2(startTimes.at(i) - startTimes.at(i - 20) >= 60'000, qPrintable(u"start %1"_s.arg(i)));
    for (int minute = 1; minute < serverCountAtMinute.size(); ++minute)
        QVERIFY(serverCountAtMinute.at(minute) - serverCountAtMinute.at(minute - 1) <= 20);
    QCOMPARE(rig.apiRequests(), int(startTimes.size()));
    // Waiting, not dropped, and fair: in five minutes every task has been asked once.
    QCOMPARE(rig.poller.watchedCount(), count);
    for (int i = 0; i < count; ++i)
        QCOMPARE(rig.server.statusQueryCount(u"%1"_s.arg(400000000000000 + i)), 1);
    QCOMPARE(startTimes.size(), 100);
}

void TestTaskPoller::pollNowQueriesOnceWithoutWatching()
{
    Rig rig;
    QVERIFY(rig.server.listen());
    rig.server.addTask(processingTask(u"pn-1"_s));
    rig.poller.setAccount(rig.account(u"a"_s));
    const TaskKey key{u"a"_s, u"pn-1"_s};

    rig.poller.pollNow(key);
    QVERIFY(!rig.poller.isWatching(key));
    QTRY_COMPARE(rig.polled.count(), 1);
    QCOMPARE(rig.outcomeAt(0), Outcome::Snapshot);
    QCOMPARE(rig.poller.dueMs(key), -1);
    QCOMPARE(rig.poller.watchedCount(), 0);
    for (int minute = 0; minute < 10; ++minute)
        rig.clock.advance(60'000);
    QCOMPARE(rig.started.count(), 1);

    // On a watched task it asks now and keeps the cadence afterwards.
    rig.poller.watch(key, TaskState::Processing, rig.now() + 8'000);
    rig.poller.pollNow(key);
    QTRY_COMPARE(rig.polled.count(), 2);
    QVERIFY(rig.poller.isWatching(key));
    QCOMPARE(rig.poller.dueMs(key), rig.now() + 10'000);
    QCOMPARE(rig.server.statusQueryCount(u"pn-1"_s), 2);

    // Unknown account: an answer, no request.
    rig.poller.pollNow(TaskKey{u"nobody"_s, u"pn-1"_s});
    QTRY_COMPARE(rig.polled.count(), 3);
    QCOMPARE(rig.outcomeAt(2), Outcome::TransientError);
    QCOMPARE(rig.apiRequests(), 2);
}

void TestTaskPoller::pollNowRespectsRetryAfter()
{
    Rig rig;
    QVERIFY(rig.server.listen());
    FakeTaskSpec limited = processingTask(u"pr-1"_s);
    limited.rateLimitQueries = 1;
    limited.retryAfterSeconds = 4;
    rig.server.addTask(limited);
    rig.server.addTask(processingTask(u"pr-2"_s));
    rig.poller.setAccount(rig.account(u"a"_s));

    rig.poller.pollNow(TaskKey{u"a"_s, u"pr-1"_s});
    QTRY_COMPARE(rig.polled.count(), 1);
    QCOMPARE(rig.outcomeAt(0), Outcome::RateLimited);
    const qint64 resumeAt = rig.now() + 4'000;

    const TaskKey key{u"a"_s, u"pr-2"_s};
    rig.poller.pollNow(key);
    // Reaches the ready queue on the next turn of the event loop and stays there.
    QTRY_COMPARE(rig.poller.dueMs(key), resumeAt);
    QCOMPARE(rig.started.count(), 1);
    rig.clock.setNowMs(resumeAt - 1);
    QCOMPARE(rig.started.count(), 1);
    rig.clock.setNowMs(resumeAt);
    QCOMPARE(rig.started.count(), 2);
    QTRY_COMPARE(rig.polled.count(), 2);
    QCOMPARE(rig.keyAt(1), key);
    QCOMPARE(rig.outcomeAt(1), Outcome::Snapshot);
    QCOMPARE(rig.server.statusQueryCount(u"pr-2"_s), 1);
}

void TestTaskPoller::unwatchAbortsInFlightQuery()
{
    Rig rig;
    QVERIFY(rig.server.listen());
    rig.server.addTask(processingTask(u"uw-1"_s));
    rig.server.addTask(processingTask(u"uw-2"_s));
    rig.poller.setAccount(rig.account(u"a"_s));
    const TaskKey gone{u"a"_s, u"uw-1"_s};
    const TaskKey stays{u"a"_s, u"uw-2"_s};

    rig.poller.watch(gone, TaskState::Processing, rig.now() + 1'000);
    rig.clock.advance(1'000);
    QCOMPARE(rig.started.count(), 1);
    QCOMPARE(rig.poller.inFlightCount(), 1);
    rig.poller.unwatch(gone);
    QCOMPARE(rig.poller.inFlightCount(), 0);
    QVERIFY(!rig.poller.isWatching(gone));

    // A later query on the same host as a barrier: by its answer the aborted one is long done.
    rig.poller.watch(stays, TaskState::Processing, rig.now());
    QTRY_COMPARE(rig.polled.count(), 1);
    QCOMPARE(rig.keyAt(0), stays);
    for (int minute = 0; minute < 5; ++minute)
        rig.clock.advance(60'000);
    QTRY_COMPARE(rig.poller.inFlightCount(), 0);
    for (int i = 0; i < rig.polled.count(); ++i)
        QCOMPARE(rig.keyAt(i), stays);
    // HttpFetcher sends on the next turn of the event loop, so a query aborted at once never
    // reaches the server at all.
    QCOMPARE(rig.server.statusQueryCount(u"uw-1"_s), 0);
}

void TestTaskPoller::removeAccountDropsItsTasks()
{
    Rig rig;
    QVERIFY(rig.server.listen());
    rig.poller.setAccount(rig.account(u"a"_s));
    rig.poller.setAccount(rig.account(u"b"_s));
    for (int i = 0; i < 3; ++i) {
        rig.server.addTask(processingTask(u"ra-%1"_s.arg(i)));
        rig.poller.watch(TaskKey{u"a"_s, u"ra-%1"_s.arg(i)}, TaskState::Processing, rig.now() + 1'000 * i);
    }
    rig.server.addTask(processingTask(u"rb-0"_s));
    rig.poller.watch(TaskKey{u"b"_s, u"rb-0"_s}, TaskState::Processing, rig.now() + 10'000);
    rig.clock.advance(0);
    QCOMPARE(rig.poller.inFlightCount(), 1); // ra-0

    rig.poller.removeAccount(u"a"_s);
    QCOMPARE(rig.poller.inFlightCount(), 0);
    QCOMPARE(rig.poller.watchedCount(), 1);
    QVERIFY(!rig.poller.isWatching(TaskKey{u"a"_s, u"ra-1"_s}));

    rig.clock.advance(10'000);
    QTRY_COMPARE(rig.polled.count(), 1);
    QCOMPARE(rig.keyAt(0).accountId, u"b"_s);
    QCOMPARE(rig.server.statusQueryCount(u"ra-1"_s), 0);
    QCOMPARE(rig.server.statusQueryCount(u"ra-2"_s), 0);
    for (int minute = 0; minute < 5; ++minute)
        rig.clock.advance(60'000);
    QTRY_COMPARE(rig.poller.inFlightCount(), 0);
    for (int i = 0; i < rig.polled.count(); ++i)
        QCOMPARE(rig.keyAt(i).accountId, u"b"_s); // nothing from the removed account, not even ra-0
}

void TestTaskPoller::setAccountUpdatesAddressAndInterval()
{
    Rig rig;
    FakeProviderServer second;
    QVERIFY(rig.server.listen());
    QVERIFY(second.listen());
    rig.server.addTask(processingTask(u"mv-1"_s));
    second.addTask(processingTask(u"mv-1"_s));
    Account account = rig.account(u"a"_s, u"mingyan"_s, 10);
    rig.poller.setAccount(account);
    const TaskKey key{u"a"_s, u"mv-1"_s};

    rig.poller.watch(key, TaskState::Processing, rig.now());
    QTRY_COMPARE(rig.polled.count(), 1);
    QCOMPARE(rig.poller.dueMs(key), rig.now() + 10'000);

    account.baseUrl = second.apiBaseUrl();
    account.intervalSeconds = 20;
    rig.poller.setAccount(account);
    QVERIFY(rig.poller.isWatching(key));
    rig.clock.setNowMs(rig.poller.dueMs(key));
    QTRY_COMPARE(rig.polled.count(), 2);
    QCOMPARE(rig.server.statusQueryCount(u"mv-1"_s), 1);
    QCOMPARE(second.statusQueryCount(u"mv-1"_s), 1);
    QCOMPARE(rig.poller.dueMs(key), rig.now() + 20'000);
}

void TestTaskPoller::apiKeyNeverLogged()
{
    Rig rig;
    QVERIFY(rig.server.listen());
    FakeTaskSpec spec = processingTask(u"log-1"_s);
    spec.serverErrorQueries = 1;
    rig.server.addTask(spec);
    const QString secret = u"sk-very-secret-0123456789"_s;
    rig.poller.setAccount(rig.account(u"a"_s, u"mingyan"_s, 10, secret));

    g_messages.clear();
    g_previousFilter = QLoggingCategory::installFilter(enableReelkeepDebug);
    const QtMessageHandler previous = qInstallMessageHandler(captureMessage);
    rig.poller.watch(TaskKey{u"a"_s, u"log-1"_s}, TaskState::Processing, rig.now());
    QTRY_COMPARE(rig.polled.count(), 1);
    rig.clock.advance(1'000);
    QTRY_COMPARE(rig.polled.count(), 2);
    qInstallMessageHandler(previous);
    QLoggingCategory::installFilter(g_previousFilter);

    QVERIFY(!g_messages.isEmpty()); // the queries were logged ...
    for (const QString &message : std::as_const(g_messages))
        QVERIFY2(!message.contains(secret), qPrintable(message)); // ... without the key
    // The key did reach the server, so the check above is not vacuous.
    const auto requests = rig.server.requests();
    QVERIFY(std::any_of(requests.cbegin(), requests.cend(), [&](const FakeProviderServer::RecordedRequest &r) {
        return r.headers.value("authorization") == "Bearer " + secret.toLatin1();
    }));
}

// Informational: watching and unwatching many tasks stays cheap (no O(n^2) path).
void TestTaskPoller::manyTasksScheduleCheaply()
{
    for (const int count : {1'000, 10'000}) {
        Rig rig;
        Account account = rig.account(u"a"_s);
        account.baseUrl = QUrl(u"http://127.0.0.1:9"_s); // nothing is due while this runs
        rig.poller.setAccount(account);
        QElapsedTimer timer;
        timer.start();
        for (int i = 0; i < count; ++i)
            rig.poller.watch(TaskKey{u"a"_s, u"bulk-%1"_s.arg(i)}, TaskState::Processing);
        const qint64 watchMs = timer.restart();
        QCOMPARE(rig.poller.watchedCount(), count);
        QVERIFY(rig.poller.nextDueMs() >= rig.now());
        qint64 last = -1;
        for (int i = 0; i < count; ++i)
            last = qMax(last, rig.poller.dueMs(TaskKey{u"a"_s, u"bulk-%1"_s.arg(i)}));
        QVERIFY(last <= rig.now() + 5'000);
        for (int i = 0; i < count; ++i)
            rig.poller.unwatch(TaskKey{u"a"_s, u"bulk-%1"_s.arg(i)});
        const qint64 unwatchMs = timer.elapsed();
        QCOMPARE(rig.poller.watchedCount(), 0);
        QCOMPARE(rig.poller.nextDueMs(), -1);
        qInfo("%d tasks: watch %lld ms, unwatch %lld ms", count, watchMs, unwatchMs);
    }
}

QTEST_GUILESS_MAIN(TestTaskPoller)
#include "tst_taskpoller.moc"
