// TaskListModel over a real TaskEngine fed by the fake provider server over loopback, on a
// ManualClock (polls happen when the test moves time, never by sleeping). Every model is
// watched by QAbstractItemModelTester. The point of these tests is the model's contract with
// views: rows appear and go with insert/remove signals (never resets), and a storm of engine
// updates reaches views as a few narrow dataChanged signals.
#include "clock.h"
#include "fakeproviderserver.h"
#include "faketaskspec.h"
#include "taskengine.h"
#include "tasklistmodel.h"
#include "taskpoller.h"
#include "tasksortfiltermodel.h"
#include "taskstore.h"

#include <QAbstractItemModelTester>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QNetworkAccessManager>
#include <QSet>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;
using Shape = FakeTaskSpec::Shape;

namespace
{
const QString AccountId = u"acc-1"_s;

struct Rig
{
    Rig()
    {
        server.listen();
        engine = std::make_unique<TaskEngine>(&nam, &clock, nullptr);
        engine->poller()->setRandomSeed(7);
        Account account;
        account.id = AccountId;
        account.displayName = u"Test account"_s;
        account.providerName = u"mingyan"_s;
        account.baseUrl = server.apiBaseUrl();
        account.apiKey = u"sk-test"_s;
        account.intervalSeconds = 5;
        account.downloadDir = dir.path();
        account.autoDownload = true;
        engine->setAccount(account);
        model = std::make_unique<TaskListModel>(engine.get(), &clock);
        tester = std::make_unique<QAbstractItemModelTester>(model.get(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    }

    void addServerTask(const QString &id, int processingPolls = 1000, const QString &failReason = {},
                       const QString &model = u"fake-video-1"_s)
    {
        FakeTaskSpec spec;
        spec.id = id;
        spec.shape = Shape::Mingyan;
        spec.queuedPolls = 0;
        spec.processingPolls = processingPolls;
        spec.failReason = failReason;
        spec.model = model;
        spec.videoBytes = 32 * 1024;
        server.addTask(spec);
    }

    int countState(TaskState state) const
    {
        int count = 0;
        for (int row = 0; row < engine->taskCount(); ++row)
            count += engine->taskAt(row).state == state ? 1 : 0;
        return count;
    }

    QTemporaryDir dir;
    FakeProviderServer server;
    QNetworkAccessManager nam;
    ManualClock clock;
    std::unique_ptr<TaskEngine> engine;
    std::unique_ptr<TaskListModel> model;
    std::unique_ptr<QAbstractItemModelTester> tester;
};

QStringList makeIds(const QString &prefix, int count)
{
    QStringList ids;
    ids.reserve(count);
    for (int i = 0; i < count; ++i)
        ids << u"%1%2"_s.arg(prefix).arg(i, 5, 10, QChar(u'0'));
    return ids;
}

using DataChange = std::tuple<QModelIndex, QModelIndex, QList<int>>;

QList<DataChange> dataChanges(const QSignalSpy &spy)
{
    QList<DataChange> changes;
    for (const QList<QVariant> &args : spy)
        changes << DataChange{args.at(0).toModelIndex(), args.at(1).toModelIndex(), args.at(2).value<QList<int>>()};
    return changes;
}
} // namespace

class TestTaskListModel : public QObject
{
    Q_OBJECT

private slots:
    void rowsAppearOnAddTasks();
    void displayAndRoles();
    void stateStormCoalesces();
    void polledUpdatesCoalesceIntoNarrowRanges();
    void removal();
    void categoryCounts();
    void tenThousandRowsWithoutResets();
    void proxyFiltersAndSorts();
    void integerSortValuesMatchRawValues();
};

void TestTaskListModel::rowsAppearOnAddTasks()
{
    Rig rig;
    QSignalSpy inserted(rig.model.get(), &QAbstractItemModel::rowsInserted);
    QSignalSpy reset(rig.model.get(), &QAbstractItemModel::modelReset);
    QSignalSpy counts(rig.model.get(), &TaskListModel::countsChanged);

    const TaskEngine::AddResult result = rig.engine->addTasks(AccountId, {u"task-a"_s, u"task-b"_s, u"task-c"_s});
    QCOMPARE(result.added.size(), 3);
    QCOMPARE(rig.model->rowCount(), 3);
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(inserted.first().at(1).toInt(), 0);
    QCOMPARE(inserted.first().at(2).toInt(), 2);
    QCOMPARE(reset.size(), 0);
    QVERIFY(counts.size() >= 1);

    // A second batch appends; IDs already present add nothing.
    rig.engine->addTasks(AccountId, {u"task-b"_s, u"task-d"_s});
    QCOMPARE(rig.model->rowCount(), 4);
    QCOMPARE(inserted.size(), 2);
    QCOMPARE(inserted.last().at(1).toInt(), 3);
    QCOMPARE(rig.model->index(3, TaskListModel::TaskIdColumn).data().toString(), u"task-d"_s);
}

void TestTaskListModel::displayAndRoles()
{
    Rig rig;
    rig.addServerTask(u"video_abc123"_s, 1000, {}, u"sora-2"_s);
    rig.engine->addTasks(AccountId, {u"video_abc123"_s});
    const QModelIndex status = rig.model->index(0, TaskListModel::StatusColumn);
    QCOMPARE(status.data().toString(), TaskListModel::stateDisplayName(TaskState::Queued));
    QCOMPARE(TaskState(status.data(TaskListModel::StateRole).toInt()), TaskState::Queued);
    const auto key = status.data(TaskListModel::TaskKeyRole).value<TaskKey>();
    QCOMPARE(key.taskId, u"video_abc123"_s);
    QCOMPARE(key.accountId, AccountId);
    QCOMPARE(rig.model->index(0, TaskListModel::AccountColumn).data().toString(), u"Test account"_s);

    rig.clock.advance(30'000);
    QTRY_COMPARE(TaskState(status.data(TaskListModel::StateRole).toInt()), TaskState::Processing);
    QCOMPARE(rig.model->index(0, TaskListModel::ModelColumn).data().toString(), u"sora-2"_s);
    QCOMPARE(status.data().toString(), TaskListModel::stateDisplayName(TaskState::Processing));
}

void TestTaskListModel::stateStormCoalesces()
{
    // 1,000 tasks change state within one event-loop turn: views must hear about it as a few
    // range signals on the touched columns, not 1,000 row signals (or a reset).
    Rig rig;
    const QStringList ids = makeIds(u"storm-"_s, 1000);
    rig.engine->addTasks(AccountId, ids);
    rig.model->flushPendingChanges();

    QSignalSpy changed(rig.model.get(), &QAbstractItemModel::dataChanged);
    QSignalSpy reset(rig.model.get(), &QAbstractItemModel::modelReset);
    QSignalSpy engineChanged(rig.engine.get(), &TaskEngine::taskChanged);
    for (const QString &id : ids)
        rig.engine->setPollingPaused({AccountId, id}, true);
    QCOMPARE(engineChanged.size(), 1000);

    // Delivered by the model's own coalescing timer, not by a test-side flush.
    QTRY_VERIFY(!changed.isEmpty());
    QTest::qWait(50); // let a (wrong) second batch arrive if there were one
    const QList<DataChange> changes = dataChanges(changed);
    QCOMPARE(reset.size(), 0);
    QVERIFY2(changes.size() <= 3, qPrintable(u"%1 dataChanged signals"_s.arg(changes.size())));

    // Only the columns a state change shows, each over the whole contiguous range.
    const QSet<int> allowed{TaskListModel::StatusColumn, TaskListModel::ProgressColumn, TaskListModel::UpdatedColumn};
    QSet<int> seen;
    for (const auto &[topLeft, bottomRight, roles] : changes) {
        QCOMPARE(topLeft.column(), bottomRight.column());
        QVERIFY2(allowed.contains(topLeft.column()), qPrintable(u"unrelated column %1"_s.arg(topLeft.column())));
        QCOMPARE(topLeft.row(), 0);
        QCOMPARE(bottomRight.row(), 999);
        QVERIFY(!roles.isEmpty());
        QVERIFY(!roles.contains(TaskListModel::TaskKeyRole));
        seen.insert(topLeft.column());
    }
    QVERIFY(seen.contains(TaskListModel::ProgressColumn)); // "Paused" is shown on the bar
    QCOMPARE(rig.model->index(500, TaskListModel::ProgressColumn).data(TaskListModel::ProgressTextRole).toString(),
             u"Paused"_s);
}

void TestTaskListModel::polledUpdatesCoalesceIntoNarrowRanges()
{
    // The same through the real path: 1,000 polls answered by the fake server while the model's
    // tick is held open, then delivered in one tick.
    Rig rig;
    const QStringList ids = makeIds(u"poll-"_s, 1000);
    for (const QString &id : ids)
        rig.addServerTask(id);
    rig.model->setUpdateInterval(600'000);
    rig.engine->addTasks(AccountId, ids);
    rig.model->flushPendingChanges();

    QSignalSpy changed(rig.model.get(), &QAbstractItemModel::dataChanged);
    QSignalSpy engineChanged(rig.engine.get(), &TaskEngine::taskChanged);
    rig.clock.advance(60'000);
    QTRY_VERIFY_WITH_TIMEOUT(rig.countState(TaskState::Processing) == 1000, 60'000);
    QVERIFY(engineChanged.size() >= 1000);
    // Countdown ticks touch only the expiry column's display text; anything else is a leak.
    for (const DataChange &change : dataChanges(changed))
        QCOMPARE(std::get<0>(change).column(), int(TaskListModel::ExpiresColumn));
    changed.clear();

    rig.model->flushPendingChanges();
    const QList<DataChange> changes = dataChanges(changed);
    QVERIFY2(changes.size() <= TaskListModel::ColumnCount,
             qPrintable(u"%1 dataChanged signals for %2 engine changes"_s.arg(changes.size()).arg(engineChanged.size())));
    const QSet<int> unrelated{TaskListModel::TaskIdColumn, TaskListModel::AccountColumn, TaskListModel::AddedColumn,
                              TaskListModel::FileColumn};
    QSet<int> columns;
    for (const auto &[topLeft, bottomRight, roles] : changes) {
        QCOMPARE(topLeft.column(), bottomRight.column());
        QVERIFY2(!unrelated.contains(topLeft.column()), qPrintable(u"unrelated column %1"_s.arg(topLeft.column())));
        QVERIFY(!columns.contains(topLeft.column())); // one range per column: the rows are contiguous
        columns.insert(topLeft.column());
        QCOMPARE(topLeft.row(), 0);
        QCOMPARE(bottomRight.row(), 999);
    }
    QVERIFY(columns.contains(TaskListModel::StatusColumn));
    QVERIFY(columns.contains(TaskListModel::ProgressColumn));
}

void TestTaskListModel::removal()
{
    Rig rig;
    rig.engine->addTasks(AccountId, {u"r-1"_s, u"r-2"_s, u"r-3"_s});
    QSignalSpy removed(rig.model.get(), &QAbstractItemModel::rowsRemoved);
    QSignalSpy reset(rig.model.get(), &QAbstractItemModel::modelReset);

    rig.engine->removeTask({AccountId, u"r-2"_s});
    QCOMPARE(rig.model->rowCount(), 2);
    QCOMPARE(removed.size(), 1);
    QCOMPARE(removed.first().at(1).toInt(), 1);
    QCOMPARE(removed.first().at(2).toInt(), 1);
    QCOMPARE(rig.model->index(1, TaskListModel::TaskIdColumn).data().toString(), u"r-3"_s);
    QCOMPARE(rig.model->keyAt(1).taskId, u"r-3"_s);
    QCOMPARE(reset.size(), 0);
}

void TestTaskListModel::categoryCounts()
{
    Rig rig;
    rig.addServerTask(u"c-saved"_s, 1);
    rig.addServerTask(u"c-failed"_s, 1, u"Prompt rejected"_s);
    rig.addServerTask(u"c-running"_s, 1000);
    rig.engine->addTasks(AccountId, {u"c-saved"_s, u"c-failed"_s, u"c-running"_s});

    // Time moves 5 s (one poll interval) each time QTRY looks again.
    auto settled = [&rig] {
        rig.clock.advance(5'000);
        return rig.countState(TaskState::Saved) == 1 && rig.countState(TaskState::Failed) == 1;
    };
    QTRY_VERIFY_WITH_TIMEOUT(settled(), 30'000);

    rig.model->flushPendingChanges();
    const auto counts = rig.model->categoryCounts();
    using C = TaskFilter::Category;
    QCOMPARE(counts[size_t(C::All)], 3);
    QCOMPARE(counts[size_t(C::Active)], 1);
    QCOMPARE(counts[size_t(C::Completed)], 0);
    QCOMPARE(counts[size_t(C::Saved)], 1);
    QCOMPARE(counts[size_t(C::Failed)], 1);
    QCOMPARE(counts[size_t(C::Expired)], 0);
    QCOMPARE(rig.model->countInState(TaskState::Processing), 1);

    // The saved one's file is there and the model shows its name.
    const int row = rig.engine->rowOf({AccountId, u"c-saved"_s});
    const TaskRecord &saved = rig.engine->taskAt(row);
    QFile file(saved.filePath);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll(), rig.server.videoBytes(u"c-saved"_s));
    QCOMPARE(rig.model->index(row, TaskListModel::FileColumn).data().toString(), QFileInfo(saved.filePath).fileName());
}

void TestTaskListModel::tenThousandRowsWithoutResets()
{
    Rig rig;
    QSignalSpy inserted(rig.model.get(), &QAbstractItemModel::rowsInserted);
    QSignalSpy reset(rig.model.get(), &QAbstractItemModel::modelReset);
    QSignalSpy layout(rig.model.get(), &QAbstractItemModel::layoutChanged);

    const QStringList ids = makeIds(u"bulk-"_s, 10'000);
    QElapsedTimer timer;
    timer.start();
    rig.engine->addTasks(AccountId, ids);
    const qint64 elapsed = timer.elapsed();
    QCOMPARE(rig.model->rowCount(), 10'000);
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(inserted.first().at(1).toInt(), 0);
    QCOMPARE(inserted.first().at(2).toInt(), 9'999);
    QCOMPARE(reset.size(), 0);
    QCOMPARE(layout.size(), 0);
    qInfo("10,000 tasks added in %lld ms", elapsed);

    // A second paste of the same IDs plus one new one: one more row, still no reset.
    QStringList again = ids.mid(0, 5000);
    again << u"bulk-new"_s;
    rig.engine->addTasks(AccountId, again);
    QCOMPARE(rig.model->rowCount(), 10'001);
    QCOMPARE(inserted.size(), 2);
    QCOMPARE(reset.size(), 0);
    QCOMPARE(rig.model->categoryCounts()[size_t(TaskFilter::Category::All)], 10'001);
}

void TestTaskListModel::proxyFiltersAndSorts()
{
    // The window's sort/filter proxy (src/gui) over the same live model.
    Rig rig;
    TaskSortFilterModel proxy;
    proxy.setSourceModel(rig.model.get());
    QAbstractItemModelTester proxyTester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    rig.addServerTask(u"n10"_s, 1000, {}, u"veo-3"_s);
    rig.addServerTask(u"n2"_s, 1000, {}, u"sora-2"_s);
    rig.addServerTask(u"n1"_s, 1, u"Content policy violation"_s, u"sora-2"_s);
    rig.engine->addTasks(AccountId, {u"n10"_s, u"n2"_s, u"n1"_s});

    auto ids = [&proxy] {
        QStringList list;
        for (int row = 0; row < proxy.rowCount(); ++row)
            list << proxy.index(row, TaskListModel::TaskIdColumn).data().toString();
        return list;
    };
    proxy.sort(TaskListModel::TaskIdColumn, Qt::AscendingOrder);
    QCOMPARE(ids(), (QStringList{u"n1"_s, u"n2"_s, u"n10"_s}));   // natural, not "n1, n10, n2"
    proxy.sort(TaskListModel::TaskIdColumn, Qt::DescendingOrder);
    QCOMPARE(ids(), (QStringList{u"n10"_s, u"n2"_s, u"n1"_s}));

    // Setting the filter it already has does not make views redo anything.
    QSignalSpy layout(&proxy, &QAbstractItemModel::layoutAboutToBeChanged);
    QSignalSpy removed(&proxy, &QAbstractItemModel::rowsRemoved);
    QSignalSpy reset(&proxy, &QAbstractItemModel::modelReset);
    proxy.setCategory(TaskFilter::Category::All);
    proxy.setFilterText(u"  "_s);
    QCOMPARE(layout.size() + removed.size() + reset.size(), 0);

    // Active: all three are queued. When n1 fails (a live update), it leaves the view by itself.
    proxy.setCategory(TaskFilter::Category::Active);
    QCOMPARE(proxy.rowCount(), 3);
    auto failed = [&rig] {
        rig.clock.advance(5'000);
        return rig.countState(TaskState::Failed) == 1;
    };
    QTRY_VERIFY_WITH_TIMEOUT(failed(), 30'000);
    QTRY_COMPARE(ids(), (QStringList{u"n10"_s, u"n2"_s}));
    proxy.setCategory(TaskFilter::Category::Failed);
    QCOMPARE(ids(), QStringList{u"n1"_s});

    // Text matches ID, model and error, in any case.
    proxy.setCategory(TaskFilter::Category::All);
    proxy.setFilterText(u"SORA"_s);
    QCOMPARE(ids(), (QStringList{u"n2"_s, u"n1"_s}));
    proxy.setFilterText(u"policy"_s);
    QCOMPARE(ids(), QStringList{u"n1"_s});
    proxy.setFilterText(u"n10"_s);
    QCOMPARE(ids(), QStringList{u"n10"_s});
}

// The proxy sorts integer columns by TaskListModel::rawInteger() instead of RawValueRole
// (a QVariant per comparison made sorting 100,000 rows slow): the two must never disagree.
void TestTaskListModel::integerSortValuesMatchRawValues()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QString error;
    std::unique_ptr<TaskStore> store = TaskStore::open(dir.filePath(u"store.sqlite"_s), &error);
    QVERIFY2(store, qPrintable(error));
    const QDateTime base = QDateTime::fromMSecsSinceEpoch(1'800'000'000'000, Qt::UTC);
    for (int i = 0; i < 64; ++i) {
        TaskRecord record;
        record.key = {AccountId, u"t%1"_s.arg(i)};
        record.state = TaskState(i % (int(TaskState::Expired) + 1));
        record.snapshot.progress = i % 3 == 0 ? -1 : i;
        if (i % 4 != 0)
            record.snapshot.resolution = QSize(16 * i, 9 * i);
        if (i % 5 != 0)
            record.addedAt = base.addSecs(-i);
        if (i % 2 == 0)
            record.updatedAt = base.addSecs(i);
        if (i % 3 == 1)
            record.lastPolledAt = base.addSecs(2 * i);
        if (i % 6 != 0)
            record.urlExpiresAt = base.addSecs(100 * (i % 7));
        record.bytesTotal = i % 4 == 1 ? -1 : 1000 * i;
        record.bytesReceived = 10 * i;
        store->saveTask(record);
    }
    QVERIFY(store->flush());

    QNetworkAccessManager nam;
    ManualClock clock;
    TaskEngine engine(&nam, &clock, store.get());
    engine.restoreFromStore();
    TaskListModel model(&engine, &clock);
    QCOMPARE(model.rowCount(), 64);
    int checked = 0;
    for (int column = 0; column < TaskListModel::ColumnCount; ++column) {
        for (int row = 0; row < model.rowCount(); ++row) {
            qint64 value = 0;
            if (!model.rawInteger(row, column, &value))
                break;
            const QVariant raw = model.index(row, column).data(TaskListModel::RawValueRole);
            QVERIFY2(raw.toLongLong() == value, qPrintable(u"row %1 column %2"_s.arg(row).arg(column)));
            ++checked;
        }
    }
    QCOMPARE(checked, 7 * 64);   // status, progress, resolution, size, added, last update, expiry
}

QTEST_GUILESS_MAIN(TestTaskListModel)
#include "tst_tasklistmodel.moc"
