// The real MainWindow, offscreen, against the fake provider server over loopback: pasting
// messy text adds rows through the Add Tasks dialog, statuses advance, completed videos are
// saved with the right bytes (automatically, or with the row's Download button), the filter bar
// and sorting change what is shown, the context menu's actions work, the window's state survives
// destroying and recreating it, and the empty state's demo button starts the demo.
// With REELKEEP_SCREENSHOTS_DIR set, screenshots() also writes the window's pictures there.
#include "accountmanager.h"
#include "addtasksdialog.h"
#include "appcontext.h"
#include "demobackend.h"
#include "emptystatepage.h"
#include "fakeproviderserver.h"
#include "faketaskspec.h"
#include "filterbar.h"
#include "mainwindow.h"
#include "noticearea.h"
#include "orphanpartialsdialog.h"
#include "previewpane.h"
#include "traynotifier.h"
#include "statuspalette.h"
#include "taskactions.h"
#include "taskdetailspanel.h"
#include "taskengine.h"
#include "taskitemdelegate.h"
#include "tasklistmodel.h"
#include "tasksortfiltermodel.h"
#include "taskstore.h"
#include "tasktableview.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QContextMenuEvent>
#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHeaderView>
#include <QLineEdit>
#include <QMenu>
#include <QMimeData>
#include <QFileDialog>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSplitter>
#include <QStandardPaths>
#include <QStatusBar>
#include <QStyleFactory>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QTreeWidget>

#include <functional>
#include <memory>

using namespace Qt::StringLiterals;
using Shape = FakeTaskSpec::Shape;
using Category = TaskFilter::Category;

namespace
{
const QString AccountId = u"acc-main"_s;
const QString ApiKey = u"sk-test-7f3a9c"_s;

// Runs `action` on the next modal dialog once it is up (a QMessageBox::exec() blocks the test).
void whenModal(const std::function<void(QWidget *)> &action)
{
    auto *timer = new QTimer(qApp);
    timer->setInterval(20);
    QObject::connect(timer, &QTimer::timeout, qApp, [timer, action] {
        QWidget *modal = QApplication::activeModalWidget();
        if (!modal || !modal->isVisible())
            return;
        timer->stop();
        timer->deleteLater();
        action(modal);
    });
    timer->start();
}

QAbstractButton *buttonWithText(QWidget *parent, const QString &text)
{
    const auto buttons = parent->findChildren<QAbstractButton *>();
    for (QAbstractButton *button : buttons) {
        if (button->text().remove(u'&') == text)
            return button;
    }
    return nullptr;
}

void clickButton(QWidget *dialog, const QString &text)
{
    QAbstractButton *button = buttonWithText(dialog, text);
    QVERIFY2(button, qPrintable(u"no button \"%1\""_s.arg(text)));
    QTest::mouseClick(button, Qt::LeftButton);
}
} // namespace

class TestMainWindow : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();

    void taskActionsDecide();
    void emptyStateAndDemo();
    void pasteAddsRowsAndVideosAreSaved();
    void downloadButtonSavesCompletedRow();
    void filterButtonsAndSearch();
    void sortByColumns();
    void contextMenuCopyAndRemove();
    void removeCanDeleteSavedFile();
    void detailsPanelFollowsSelection();
    void statePersistsAcrossWindows();
    void headerMenuKeepsOneColumn();
    void badgesArePainted();
    void argumentsOpenAddDialog();
    void dropTextAndFiles();
    void clipboardWatcherOffersNewIds();
    void pauseResumeRetryAndPreview();
    void damagedStoreIsReported();
    void exportThenImportTaskList();
    void orphanPartialsAreOffered();
    void screenshots();

private:
    void createWindow();
    void addAccount(bool autoDownload = true, const QString &id = AccountId, const QString &name = u"Studio"_s);
    void addServerTask(const QString &id, int processingPolls = 1, const QString &failReason = {},
                       const QString &model = u"fake-video-1"_s, qint64 bytes = 96 * 1024);
    QModelIndex viewIndex(const QString &taskId, int column = TaskListModel::TaskIdColumn) const;
    TaskState stateOf(const QString &taskId, const QString &accountId = AccountId) const;
    QStringList visibleIds() const;
    void clickRow(const QString &taskId, Qt::KeyboardModifiers modifiers = {});
    QMenu *openContextMenu(const QString &taskId);
    void triggerMenuAction(QMenu *menu, const QString &objectName);
    bool waitForState(const QString &taskId, TaskState state, int timeoutMs = 30'000);

    QTemporaryDir m_settingsDir;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<FakeProviderServer> m_server;
    std::unique_ptr<AppContext> m_context;
    std::unique_ptr<MainWindow> m_window;
};

void TestMainWindow::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(u"Reelkeep"_s);
    QCoreApplication::setApplicationName(u"Reelkeep-tst_mainwindow"_s);
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_settingsDir.path());
    // Fusion everywhere, so pictures and pixel checks do not depend on the host's theme.
    QApplication::setStyle(QStyleFactory::create(u"Fusion"_s));
}

void TestMainWindow::init()
{
    QSettings().clear();
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_server = std::make_unique<FakeProviderServer>();
    QVERIFY(m_server->listen());
    m_context = std::make_unique<AppContext>();
    AppContext::Options options;
    options.storePath = m_dir->filePath(u"tasks.sqlite"_s);
    options.useSystemKeychain = false;
    QVERIFY2(m_context->open(options), qPrintable(m_context->errorMessage()));
    m_context->demo()->setDownloadDir(m_dir->filePath(u"demo"_s));
    m_context->model()->setUpdateInterval(50);
    createWindow();
    // The offscreen screen is small; give the table room for its columns.
    m_window->resize(1280, 800);
}

void TestMainWindow::cleanup()
{
    if (QWidget *modal = QApplication::activeModalWidget())
        modal->close();
    m_window.reset();
    m_context.reset();
    m_server.reset();
    m_dir.reset();
}

void TestMainWindow::createWindow()
{
    m_window = std::make_unique<MainWindow>(m_context.get());
    m_window->show();
    m_window->activateWindow();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
}

void TestMainWindow::addAccount(bool autoDownload, const QString &id, const QString &name)
{
    Account account;
    account.id = id;
    account.displayName = name;
    account.providerName = u"mingyan"_s;
    account.baseUrl = m_server->apiBaseUrl();
    account.apiKey = ApiKey;
    account.intervalSeconds = 1;
    account.downloadDir = m_dir->filePath(u"videos-"_s + id);
    account.autoDownload = autoDownload;
    QDir().mkpath(account.downloadDir);
    m_context->accountManager()->saveAccount(account);
}

void TestMainWindow::addServerTask(const QString &id, int processingPolls, const QString &failReason,
                                   const QString &model, qint64 bytes)
{
    FakeTaskSpec spec;
    spec.id = id;
    spec.shape = Shape::Mingyan;
    spec.queuedPolls = 0;
    spec.processingPolls = processingPolls;
    spec.failReason = failReason;
    spec.model = model;
    spec.videoBytes = bytes;
    m_server->addTask(spec);
}

QModelIndex TestMainWindow::viewIndex(const QString &taskId, int column) const
{
    const TaskSortFilterModel *proxy = m_window->proxyModel();
    for (int row = 0; row < proxy->rowCount(); ++row) {
        const QModelIndex index = proxy->index(row, TaskListModel::TaskIdColumn);
        if (index.data().toString() == taskId)
            return index.siblingAtColumn(column);
    }
    return {};
}

TaskState TestMainWindow::stateOf(const QString &taskId, const QString &accountId) const
{
    const TaskRecord *record = m_context->engine()->task({accountId, taskId});
    return record ? record->state : TaskState::Unknown;
}

bool TestMainWindow::waitForState(const QString &taskId, TaskState state, int timeoutMs)
{
    return QTest::qWaitFor([&] { return stateOf(taskId) == state; }, timeoutMs);
}

QStringList TestMainWindow::visibleIds() const
{
    QStringList ids;
    const TaskSortFilterModel *proxy = m_window->proxyModel();
    for (int row = 0; row < proxy->rowCount(); ++row)
        ids << proxy->index(row, TaskListModel::TaskIdColumn).data().toString();
    return ids;
}

void TestMainWindow::clickRow(const QString &taskId, Qt::KeyboardModifiers modifiers)
{
    // The offscreen platform has no window manager to give the window back its activation
    // after a dialog closes; window shortcuts need it.
    if (QApplication::activeWindow() != m_window.get()) {
        m_window->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
    }
    TaskTableView *view = m_window->taskView();
    const QModelIndex index = viewIndex(taskId);
    QVERIFY2(index.isValid(), qPrintable(taskId));
    view->scrollTo(index);
    QTest::mouseClick(view->viewport(), Qt::LeftButton, modifiers, view->visualRect(index).center());
}

QMenu *TestMainWindow::openContextMenu(const QString &taskId)
{
    TaskTableView *view = m_window->taskView();
    const QPoint pos = view->visualRect(viewIndex(taskId)).center();
    QContextMenuEvent event(QContextMenuEvent::Mouse, pos, view->viewport()->mapToGlobal(pos));
    QApplication::sendEvent(view->viewport(), &event);
    QMenu *menu = nullptr;
    (void)QTest::qWaitFor([&] {
        menu = qobject_cast<QMenu *>(QApplication::activePopupWidget());
        return menu && menu->isVisible();
    });
    return menu;
}

void TestMainWindow::triggerMenuAction(QMenu *menu, const QString &objectName)
{
    QVERIFY(menu);
    QAction *action = nullptr;
    for (QAction *candidate : menu->actions()) {
        if (candidate->objectName() == objectName)
            action = candidate;
    }
    QVERIFY2(action, qPrintable(objectName));
    QVERIFY2(action->isEnabled(), qPrintable(objectName + u" is disabled"_s));
    QTest::mouseClick(menu, Qt::LeftButton, {}, menu->actionGeometry(action).center());
}

// ---- tests ----------------------------------------------------------------------------------

void TestMainWindow::taskActionsDecide()
{
    auto record = [](const QString &id, TaskState state) {
        TaskRecord r;
        r.key = {AccountId, id};
        r.state = state;
        return r;
    };
    TaskRecord queued = record(u"q"_s, TaskState::Queued);
    TaskRecord completed = record(u"c"_s, TaskState::Completed);
    completed.snapshot.source.kind = VideoSource::Kind::Url;
    completed.snapshot.source.url = "https://cdn.example/v.mp4?sig=1";
    TaskRecord saved = record(u"s"_s, TaskState::Saved);
    saved.filePath = u"/tmp/s.mp4"_s;
    TaskRecord failed = record(u"f"_s, TaskState::Failed);
    TaskRecord paused = record(u"p"_s, TaskState::Processing);
    paused.pollingPaused = true;

    using A = TaskActions::Action;
    const TaskActions none;
    QVERIFY(!none.isEnabled(A::CopyTaskId));
    QVERIFY(!none.isEnabled(A::Remove));

    const TaskActions mixed({queued, completed, saved, failed, paused});
    QCOMPARE(mixed.targets(A::Download), QList<TaskKey>{completed.key});
    QVERIFY(!mixed.isEnabled(A::Preview)); // one at a time
    QCOMPARE(mixed.targets(A::OpenFile), QList<TaskKey>{saved.key});
    QCOMPARE(mixed.targets(A::Retry), QList<TaskKey>{failed.key});
    QCOMPARE(mixed.targets(A::PausePolling), QList<TaskKey>{queued.key});
    QCOMPARE(mixed.targets(A::ResumePolling), QList<TaskKey>{paused.key});
    QCOMPARE(mixed.targets(A::CopyVideoUrl), QList<TaskKey>{completed.key});
    QCOMPARE(mixed.targets(A::Remove).size(), 5);
    QCOMPARE(mixed.targets(A::CopyTaskId).size(), 5);
    QVERIFY(!mixed.targets(A::PollNow).contains(saved.key));
    QVERIFY(!mixed.targets(A::PollNow).contains(paused.key));
    QVERIFY(mixed.targets(A::PollNow).contains(queued.key));

    QVERIFY(TaskActions({completed}).isEnabled(A::Preview)); // streams the temporary link
    QVERIFY(TaskActions({saved}).isEnabled(A::Preview));
    QVERIFY(!TaskActions({queued}).isEnabled(A::Preview));
    QVERIFY(!TaskActions({queued}).isEnabled(A::Download));
    QVERIFY(!TaskActions({saved}).isEnabled(A::Retry));
    QCOMPARE(TaskActions::videoUrlOf(completed), u"https://cdn.example/v.mp4?sig=1"_s);
}

void TestMainWindow::emptyStateAndDemo()
{
    QVERIFY(m_window->isShowingEmptyState());
    EmptyStatePage *page = m_window->emptyStatePage();
    QVERIFY(page->isVisible());
    QVERIFY(page->demoButton()->isVisible());
    QVERIFY(page->addAccountButton()->isVisible()); // no account yet

    QTest::mouseClick(page->demoButton(), Qt::LeftButton);
    const int demoTasks = int(m_context->demo()->taskIds().size());
    QVERIFY(demoTasks >= 5);
    QTRY_COMPARE(m_window->proxyModel()->rowCount(), demoTasks);
    QVERIFY(!m_window->isShowingEmptyState());
    QVERIFY(m_window->taskView()->isVisible());

    // The demo moves by itself: something is processing (or further) within seconds.
    QVERIFY(QTest::qWaitFor(
        [&] {
            const TaskEngine *engine = m_context->engine();
            for (int row = 0; row < engine->taskCount(); ++row) {
                const TaskState state = engine->taskAt(row).state;
                if (state != TaskState::Queued && state != TaskState::Unknown)
                    return true;
            }
            return false;
        },
        20'000));
    QVERIFY(m_window->statusCountsText().contains(QString::number(demoTasks)));

    // Demo accounts exist while the demo does and disappear with it.
    QVERIFY(m_context->engine()->account(DemoBackend::demoAccountId(u"mingyan"_s)));
    m_context->demo()->stop();
    QTRY_VERIFY(m_window->isShowingEmptyState());
    QVERIFY(!m_context->engine()->account(DemoBackend::demoAccountId(u"mingyan"_s)));
}

void TestMainWindow::pasteAddsRowsAndVideosAreSaved()
{
    addAccount();
    const QString first = u"video_aaa111bbb222ccc3"_s;
    const QString second = u"video_ddd444eee555fff6"_s;
    addServerTask(first, 2);
    addServerTask(second, 1, {}, u"sora-2"_s, 160 * 1024);

    QSignalSpy events(m_context->engine(), &TaskEngine::taskEvent);
    auto *tray = m_window->findChild<TrayNotifier *>();
    QVERIFY(tray);
    tray->setBatchInterval(100);
    QSignalSpy notified(tray, &TrayNotifier::messageShown);
    const QString noise = uR"(2026-11-23 10:00:01 INFO submitted %1 (model sd2)
curl -H "Authorization: Bearer sk-live-0123456789abcdefABCDEF" https://api.example.com/v1/result
{"task_id": "%2", "status": "queued"}
nothing to see here
)"_s.arg(first, second);
    QGuiApplication::clipboard()->setText(noise);

    QVERIFY(m_window->isShowingEmptyState());
    QWidget *focus = QApplication::focusWidget() ? QApplication::focusWidget() : m_window.get();
    QTest::keyClick(focus, Qt::Key_V, Qt::ControlModifier);

    AddTasksDialog *dialog = nullptr;
    QTRY_VERIFY((dialog = qobject_cast<AddTasksDialog *>(QApplication::activeModalWidget())));
    QTRY_VERIFY(!dialog->isScanning());
    QCOMPARE(dialog->newIds(), (QStringList{first, second}));
    QPushButton *ok = dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok);
    QVERIFY(ok);
    QTRY_VERIFY(ok->isEnabled());
    QTest::mouseClick(ok, Qt::LeftButton);

    QTRY_COMPARE(m_window->proxyModel()->rowCount(), 2);
    QVERIFY(!m_window->isShowingEmptyState());
    QCOMPARE(visibleIds(), (QStringList{first, second}));
    QCOMPARE(viewIndex(first, TaskListModel::StatusColumn).data().toString(),
             TaskListModel::stateDisplayName(TaskState::Queued));

    // Statuses advance and both videos are saved, byte for byte, without anyone clicking.
    QVERIFY2(waitForState(first, TaskState::Saved), qPrintable(TaskListModel::stateDisplayName(stateOf(first))));
    QVERIFY(waitForState(second, TaskState::Saved));
    QSet<TaskState> seen;
    for (const QList<QVariant> &args : std::as_const(events)) {
        const auto event = args.first().value<TaskEvent>();
        if (event.key.taskId == first)
            seen.insert(event.state);
    }
    QVERIFY(seen.contains(TaskState::Processing));
    QVERIFY(seen.contains(TaskState::Downloading));
    QVERIFY(seen.contains(TaskState::Saved));

    for (const QString &id : {first, second}) {
        const TaskRecord *record = m_context->engine()->task({AccountId, id});
        QVERIFY(record);
        QFile file(record->filePath);
        QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(record->filePath));
        QCOMPARE(file.readAll(), m_server->videoBytes(id));
        QTRY_COMPARE(viewIndex(id, TaskListModel::StatusColumn).data().toString(),
                     TaskListModel::stateDisplayName(TaskState::Saved));
        QCOMPARE(viewIndex(id, TaskListModel::FileColumn).data().toString(), QFileInfo(record->filePath).fileName());
    }
    // A notification said so (one message for the batch, not one per video).
    QTRY_VERIFY(!notified.isEmpty());
    QVERIFY(notified.size() <= 2);
    // The key in the pasted text went nowhere near the list.
    QVERIFY(!visibleIds().join(u' ').contains(u"sk-live"_s));
}

void TestMainWindow::downloadButtonSavesCompletedRow()
{
    addAccount(/*autoDownload=*/false);
    const QString id = u"video_manual777888999"_s;
    addServerTask(id, 1);
    m_context->engine()->addTasks(AccountId, {id});
    QVERIFY(waitForState(id, TaskState::Completed));
    QTest::qWait(300);
    QCOMPARE(stateOf(id), TaskState::Completed); // nothing saves it on its own

    TaskTableView *view = m_window->taskView();
    const QModelIndex progress = viewIndex(id, TaskListModel::ProgressColumn);
    QTRY_VERIFY(TaskItemDelegate::hasDownloadButton(progress));
    view->scrollTo(progress);
    QStyleOptionViewItem option;
    option.initFrom(view);
    option.rect = view->visualRect(progress);
    option.font = view->font();
    const QRect button = m_window->itemDelegate()->downloadButtonRect(option, progress);
    QVERIFY(button.isValid());
    QVERIFY(option.rect.contains(button));

    QSignalSpy saved(m_context->engine(), &TaskEngine::taskSaved);
    QSignalSpy requested(m_window->itemDelegate(), &TaskItemDelegate::downloadRequested);
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, button.center());
    QCOMPARE(requested.size(), 1);
    QCOMPARE(requested.first().first().value<TaskKey>().taskId, id);
    QVERIFY(waitForState(id, TaskState::Saved));
    QCOMPARE(saved.size(), 1);
    QFile file(m_context->engine()->task({AccountId, id})->filePath);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll(), m_server->videoBytes(id));

    // Enter on a selected completed row does the same.
    const QString second = u"video_manual_enter_01"_s;
    addServerTask(second, 1);
    m_context->engine()->addTasks(AccountId, {second});
    QVERIFY(waitForState(second, TaskState::Completed));
    clickRow(second);
    QTRY_VERIFY(m_window->action(TaskActions::Action::Download)->isEnabled());
    QTest::keyClick(view, Qt::Key_Return);
    QVERIFY(waitForState(second, TaskState::Saved));
}

void TestMainWindow::filterButtonsAndSearch()
{
    addAccount();
    addServerTask(u"clip-saved-01"_s, 1, {}, u"veo-3"_s);
    addServerTask(u"clip-failed-02"_s, 1, u"Prompt violates the content policy"_s, u"kling-2"_s);
    addServerTask(u"clip-running-03"_s, 100'000, {}, u"sora-2"_s);
    m_context->engine()->addTasks(AccountId, {u"clip-saved-01"_s, u"clip-failed-02"_s, u"clip-running-03"_s});
    QVERIFY(waitForState(u"clip-saved-01"_s, TaskState::Saved));
    QVERIFY(waitForState(u"clip-failed-02"_s, TaskState::Failed));
    QVERIFY(waitForState(u"clip-running-03"_s, TaskState::Processing));

    FilterBar *bar = m_window->filterBar();
    // Counts are live on the buttons.
    QTRY_VERIFY(bar->categoryButton(Category::Failed)->text().contains(u'1'));
    QVERIFY(bar->categoryButton(Category::All)->text().contains(u'3'));

    QTest::mouseClick(bar->categoryButton(Category::Failed), Qt::LeftButton);
    QCOMPARE(visibleIds(), QStringList{u"clip-failed-02"_s});
    QTest::mouseClick(bar->categoryButton(Category::Saved), Qt::LeftButton);
    QCOMPARE(visibleIds(), QStringList{u"clip-saved-01"_s});
    QTest::mouseClick(bar->categoryButton(Category::Active), Qt::LeftButton);
    QCOMPARE(visibleIds(), QStringList{u"clip-running-03"_s});
    QTest::mouseClick(bar->categoryButton(Category::Expired), Qt::LeftButton);
    QCOMPARE(m_window->proxyModel()->rowCount(), 0);
    QTest::mouseClick(bar->categoryButton(Category::All), Qt::LeftButton);
    QCOMPARE(m_window->proxyModel()->rowCount(), 3);

    // Ctrl+F goes to the search field; the text filter looks at ID, model and error.
    m_window->taskView()->setFocus();
    QTest::keyClick(m_window->taskView(), Qt::Key_F, Qt::ControlModifier);
    QLineEdit *search = bar->searchField();
    QTRY_VERIFY(search->hasFocus());
    QTest::keyClicks(search, u"running"_s);
    QTRY_COMPARE(visibleIds(), QStringList{u"clip-running-03"_s});
    search->clear();
    QTRY_COMPARE(m_window->proxyModel()->rowCount(), 3);
    QTest::keyClicks(search, u"KLING"_s);
    QTRY_COMPARE(visibleIds(), QStringList{u"clip-failed-02"_s});
    search->clear();
    QTest::keyClicks(search, u"content policy"_s);
    QTRY_COMPARE(visibleIds(), QStringList{u"clip-failed-02"_s});
    // Category and text combine.
    QTest::mouseClick(bar->categoryButton(Category::Saved), Qt::LeftButton);
    QCOMPARE(m_window->proxyModel()->rowCount(), 0);
    // Escape clears the search and returns to the table.
    QTest::keyClick(search, Qt::Key_Escape);
    QTRY_VERIFY(search->text().isEmpty());
    QCOMPARE(visibleIds(), QStringList{u"clip-saved-01"_s});
}

void TestMainWindow::sortByColumns()
{
    addAccount();
    // Natural order: clip2 before clip10.
    const QStringList ids{u"clip10"_s, u"clip2"_s, u"clip1"_s, u"clip-saved"_s};
    for (const QString &id : ids)
        addServerTask(id, id == "clip-saved"_L1 ? 1 : 100'000);
    m_context->engine()->addTasks(AccountId, ids);
    QVERIFY(waitForState(u"clip-saved"_s, TaskState::Saved));
    QTRY_COMPARE(m_window->proxyModel()->rowCount(), 4);

    TaskTableView *view = m_window->taskView();
    QHeaderView *header = view->header();
    auto clickHeader = [header](int column) {
        const QPoint pos(header->sectionViewportPosition(column) + header->sectionSize(column) / 2, header->height() / 2);
        QTest::mouseClick(header->viewport(), Qt::LeftButton, {}, pos);
    };
    clickHeader(TaskListModel::TaskIdColumn);
    QCOMPARE(header->sortIndicatorSection(), int(TaskListModel::TaskIdColumn));
    const Qt::SortOrder firstOrder = header->sortIndicatorOrder();
    const QStringList ascending{u"clip-saved"_s, u"clip1"_s, u"clip2"_s, u"clip10"_s};
    QStringList descending = ascending;
    std::reverse(descending.begin(), descending.end());
    QCOMPARE(visibleIds(), firstOrder == Qt::AscendingOrder ? ascending : descending);
    clickHeader(TaskListModel::TaskIdColumn);
    QVERIFY(header->sortIndicatorOrder() != firstOrder);
    QCOMPARE(visibleIds(), firstOrder == Qt::AscendingOrder ? descending : ascending);

    // Only the saved task has a size; tasks without one stay last whichever way.
    view->sortByColumn(TaskListModel::SizeColumn, Qt::AscendingOrder);
    QCOMPARE(visibleIds().first(), u"clip-saved"_s);
    view->sortByColumn(TaskListModel::SizeColumn, Qt::DescendingOrder);
    QCOMPARE(visibleIds().first(), u"clip-saved"_s);

    // Status sorts by life cycle: processing before saved.
    view->sortByColumn(TaskListModel::StatusColumn, Qt::AscendingOrder);
    QCOMPARE(visibleIds().last(), u"clip-saved"_s);
}

void TestMainWindow::contextMenuCopyAndRemove()
{
    addAccount();
    const QStringList ids{u"ctx-one-111"_s, u"ctx-two-222"_s, u"ctx-three-333"_s};
    for (const QString &id : ids)
        addServerTask(id, 100'000);
    m_context->engine()->addTasks(AccountId, ids);
    QTRY_COMPARE(m_window->proxyModel()->rowCount(), 3);

    clickRow(ids[0]);
    clickRow(ids[2], Qt::ControlModifier);
    QMenu *menu = openContextMenu(ids[2]);
    QVERIFY(menu);
    QCOMPARE(menu->objectName(), u"taskContextMenu"_s);
    // Enabled per selection: nothing is saved, so there is nothing to open.
    for (QAction *action : menu->actions()) {
        if (action->objectName() == "actionOpenFile"_L1)
            QVERIFY(!action->isEnabled());
    }
    triggerMenuAction(menu, u"actionCopyTaskId"_s);
    QTRY_COMPARE(QGuiApplication::clipboard()->text(), ids[0] + u'\n' + ids[2]);

    // Ctrl+C does the same from the table.
    QGuiApplication::clipboard()->clear();
    clickRow(ids[1]);
    QTest::keyClick(m_window->taskView(), Qt::Key_C, Qt::ControlModifier);
    QTRY_COMPARE(QGuiApplication::clipboard()->text(), ids[1]);

    // Remove asks first; Cancel keeps the task.
    whenModal([](QWidget *box) { clickButton(box, QCoreApplication::translate("QPlatformTheme", "Cancel")); });
    triggerMenuAction(openContextMenu(ids[1]), u"actionRemove"_s);
    QTest::qWait(100);
    QCOMPARE(m_window->proxyModel()->rowCount(), 3);

    whenModal([](QWidget *box) { clickButton(box, u"Remove"_s); });
    triggerMenuAction(openContextMenu(ids[1]), u"actionRemove"_s);
    QTRY_COMPARE(m_window->proxyModel()->rowCount(), 2);
    QCOMPARE(visibleIds(), (QStringList{ids[0], ids[2]}));
    QVERIFY(!m_context->engine()->task({AccountId, ids[1]}));

    // Delete on the table removes too (after the same question).
    clickRow(ids[0]);
    whenModal([](QWidget *box) { clickButton(box, u"Remove"_s); });
    QTest::keyClick(m_window->taskView(), Qt::Key_Delete);
    QTRY_COMPARE(visibleIds(), QStringList{ids[2]});
}

void TestMainWindow::removeCanDeleteSavedFile()
{
    addAccount();
    const QString kept = u"keep-file-01"_s;
    const QString gone = u"drop-file-02"_s;
    addServerTask(kept, 1);
    addServerTask(gone, 1);
    m_context->engine()->addTasks(AccountId, {kept, gone});
    QVERIFY(waitForState(kept, TaskState::Saved));
    QVERIFY(waitForState(gone, TaskState::Saved));
    const QString keptPath = m_context->engine()->task({AccountId, kept})->filePath;
    const QString gonePath = m_context->engine()->task({AccountId, gone})->filePath;
    QVERIFY(QFileInfo::exists(keptPath));
    QVERIFY(QFileInfo::exists(gonePath));

    // Plain removal keeps the file.
    clickRow(kept);
    whenModal([](QWidget *box) { clickButton(box, u"Remove"_s); });
    QTest::keyClick(m_window->taskView(), Qt::Key_Delete);
    QTRY_VERIFY(!m_context->engine()->task({AccountId, kept}));
    QVERIFY(QFileInfo::exists(keptPath));

    // "Also delete" asks a second time, then deletes.
    clickRow(gone);
    whenModal([](QWidget *box) {
        auto *check = box->findChild<QCheckBox *>(u"deleteFilesCheckBox"_s);
        QVERIFY(check);
        check->setChecked(true);
        whenModal([](QWidget *second) {
            QCOMPARE(second->objectName(), u"confirmDeleteFiles"_s);
            clickButton(second, u"Delete Files"_s);
        });
        clickButton(box, u"Remove"_s);
    });
    QTest::keyClick(m_window->taskView(), Qt::Key_Delete);
    QTRY_VERIFY(!m_context->engine()->task({AccountId, gone}));
    QTRY_VERIFY(!QFileInfo::exists(gonePath));
    QVERIFY(QFileInfo::exists(keptPath));
}

void TestMainWindow::detailsPanelFollowsSelection()
{
    addAccount();
    const QString id = u"detail-task-42"_s;
    addServerTask(id, 2, {}, u"hailuo-02"_s);
    addServerTask(u"other-task-43"_s, 100'000);
    m_context->engine()->addTasks(AccountId, {id, u"other-task-43"_s});
    QVERIFY(waitForState(id, TaskState::Saved));

    TaskDetailsPanel *panel = m_window->detailsPanel();
    clickRow(id);
    QTRY_COMPARE(panel->currentKey().taskId, id);
    QCOMPARE(panel->fieldText(TaskDetailsPanel::Field::Model), u"hailuo-02"_s);
    QVERIFY(panel->fieldText(TaskDetailsPanel::Field::Status).startsWith(TaskListModel::stateDisplayName(TaskState::Saved)));
    const QString file = QFileInfo(m_context->engine()->task({AccountId, id})->filePath).fileName();
    QCOMPARE(panel->fieldText(TaskDetailsPanel::Field::File), file);
    QCOMPARE(panel->fieldText(TaskDetailsPanel::Field::Account), u"Studio"_s);

    // The history lists each change with its time, oldest first, ending with "Saved".
    QTreeWidget *history = panel->historyView();
    QTRY_VERIFY(history->topLevelItemCount() >= 4);
    QCOMPARE(history->topLevelItem(0)->text(1), TaskListModel::stateDisplayName(TaskState::Queued));
    QCOMPARE(history->topLevelItem(history->topLevelItemCount() - 1)->text(1),
             TaskListModel::stateDisplayName(TaskState::Saved));
    QVERIFY(!history->topLevelItem(0)->text(0).isEmpty());

    // Two selected: the panel says so instead of showing one of them.
    clickRow(u"other-task-43"_s, Qt::ControlModifier);
    QTRY_VERIFY(!panel->currentKey().isValid());
    // The other one, alone, follows live.
    clickRow(u"other-task-43"_s);
    QTRY_COMPARE(panel->currentKey().taskId, u"other-task-43"_s);
    QTRY_VERIFY(panel->fieldText(TaskDetailsPanel::Field::Status).startsWith(
        TaskListModel::stateDisplayName(TaskState::Processing)));
}

void TestMainWindow::statePersistsAcrossWindows()
{
    addAccount();
    m_context->engine()->addTasks(AccountId, {u"persist-1"_s, u"persist-2"_s});
    QTRY_VERIFY(!m_window->isShowingEmptyState());

    TaskTableView *view = m_window->taskView();
    QHeaderView *header = view->header();
    // Defaults: Added and Resolution hidden, Account hidden with a single account.
    QVERIFY(header->isSectionHidden(TaskListModel::AddedColumn));
    QVERIFY(header->isSectionHidden(TaskListModel::ResolutionColumn));
    QVERIFY(header->isSectionHidden(TaskListModel::AccountColumn));

    // The default order is the order tasks were added in, and it survives a restart as is.
    QCOMPARE(header->sortIndicatorSection(), int(TaskListModel::AddedColumn));
    QCOMPARE(header->sortIndicatorOrder(), Qt::AscendingOrder);
    m_window.reset();
    createWindow();
    view = m_window->taskView();
    header = view->header();
    QCOMPARE(header->sortIndicatorSection(), int(TaskListModel::AddedColumn));
    QCOMPARE(header->sortIndicatorOrder(), Qt::AscendingOrder);
    QCOMPARE(visibleIds(), (QStringList{u"persist-1"_s, u"persist-2"_s}));

    // Change everything the window remembers, the way a user would.
    std::unique_ptr<QMenu> headerMenu(view->createHeaderMenu(nullptr));
    for (QAction *action : headerMenu->actions()) {
        if (action->objectName() == u"column_%1"_s.arg(TaskListModel::ModelColumn))
            action->trigger(); // hide Model
        if (action->objectName() == u"column_%1"_s.arg(TaskListModel::AddedColumn))
            action->trigger(); // show Added
    }
    QVERIFY(header->isSectionHidden(TaskListModel::ModelColumn));
    QVERIFY(!header->isSectionHidden(TaskListModel::AddedColumn));
    header->moveSection(header->visualIndex(TaskListModel::SizeColumn), 0);
    header->resizeSection(TaskListModel::TaskIdColumn, 333);
    view->sortByColumn(TaskListModel::StatusColumn, Qt::DescendingOrder);
    QTest::mouseClick(m_window->filterBar()->categoryButton(Category::Failed), Qt::LeftButton);
    m_window->resize(1111, 666);
    QSplitter *splitter = m_window->findChild<QSplitter *>(u"mainSplitter"_s);
    QVERIFY(splitter);
    splitter->setSizes({700, 411});
    const QList<int> splitterSizes = splitter->sizes();
    QTRY_COMPARE(m_window->size(), QSize(1111, 666));

    m_window.reset();
    createWindow();

    view = m_window->taskView();
    header = view->header();
    QVERIFY(header->isSectionHidden(TaskListModel::ModelColumn));
    QVERIFY(!header->isSectionHidden(TaskListModel::AddedColumn));
    QCOMPARE(header->visualIndex(TaskListModel::SizeColumn), 0);
    QCOMPARE(header->sectionSize(TaskListModel::TaskIdColumn), 333);
    QCOMPARE(header->sortIndicatorSection(), int(TaskListModel::StatusColumn));
    QCOMPARE(header->sortIndicatorOrder(), Qt::DescendingOrder);
    QCOMPARE(m_window->proxyModel()->sortColumn(), int(TaskListModel::StatusColumn));
    QCOMPARE(m_window->filterBar()->category(), Category::Failed);
    QCOMPARE(m_window->proxyModel()->category(), Category::Failed);
    QCOMPARE(m_window->size(), QSize(1111, 666));
    QCOMPARE(m_window->findChild<QSplitter *>(u"mainSplitter"_s)->sizes(), splitterSizes);

    // New tasks switch a filter that would hide them back to All.
    m_context->engine()->addTasks(AccountId, {u"persist-3"_s});
    QCOMPARE(m_window->filterBar()->category(), Category::All);
    QTRY_COMPARE(m_window->proxyModel()->rowCount(), 3);
}

void TestMainWindow::headerMenuKeepsOneColumn()
{
    addAccount();
    m_context->engine()->addTasks(AccountId, {u"cols-1"_s});
    TaskTableView *view = m_window->taskView();
    QHeaderView *header = view->header();
    // Hide every column but one through the menu.
    for (int column = 0; column < TaskListModel::ColumnCount; ++column) {
        if (column == TaskListModel::StatusColumn || header->isSectionHidden(column))
            continue;
        std::unique_ptr<QMenu> menu(view->createHeaderMenu(nullptr));
        for (QAction *action : menu->actions()) {
            if (action->objectName() == u"column_%1"_s.arg(column))
                action->trigger();
        }
        QVERIFY(header->isSectionHidden(column));
    }
    std::unique_ptr<QMenu> menu(view->createHeaderMenu(nullptr));
    QAction *last = nullptr;
    QAction *resize = nullptr;
    for (QAction *action : menu->actions()) {
        if (action->objectName() == u"column_%1"_s.arg(TaskListModel::StatusColumn))
            last = action;
        if (action->objectName() == "resizeColumns"_L1)
            resize = action;
    }
    QVERIFY(last && resize);
    QVERIFY(last->isChecked());
    QVERIFY(!last->isEnabled()); // the last visible column cannot be hidden
    QVERIFY(!header->isSectionHidden(TaskListModel::StatusColumn));

    // Showing one again from the View menu's copy works too.
    menu.reset(view->createHeaderMenu(nullptr));
    for (QAction *action : menu->actions()) {
        if (action->objectName() == u"column_%1"_s.arg(TaskListModel::TaskIdColumn))
            action->trigger();
    }
    QVERIFY(!header->isSectionHidden(TaskListModel::TaskIdColumn));
    QVERIFY(header->sectionSize(TaskListModel::TaskIdColumn) >= 24);
}

void TestMainWindow::badgesArePainted()
{
    addAccount();
    addServerTask(u"badge-failed"_s, 1, u"No credit left"_s);
    m_context->engine()->addTasks(AccountId, {u"badge-failed"_s});
    QVERIFY(waitForState(u"badge-failed"_s, TaskState::Failed));

    TaskTableView *view = m_window->taskView();
    const QModelIndex status = viewIndex(u"badge-failed"_s, TaskListModel::StatusColumn);
    QTRY_COMPARE(status.data().toString(), TaskListModel::stateDisplayName(TaskState::Failed));
    view->selectionModel()->clearSelection();
    view->setCurrentIndex({});
    const QRect cell = view->visualRect(status);
    QVERIFY(cell.isValid());
    const QImage image = view->viewport()->grab().toImage();
    const StatusPalette::Colors colors = StatusPalette::colorsFor(TaskState::Failed, view->palette());
    // Inside the pill, left of the text: the badge's fill colour.
    const qreal dpr = image.devicePixelRatio();
    const QPoint inside(int((cell.left() + 4 + 4) * dpr), int(cell.center().y() * dpr));
    QCOMPARE(image.pixelColor(inside).name(), colors.background.name());
    // And its text is drawn in the badge's text colour somewhere in the cell.
    bool textFound = false;
    for (int x = cell.left() + 8; x < cell.left() + 80 && !textFound; ++x) {
        for (int y = cell.top(); y <= cell.bottom() && !textFound; ++y) {
            const QColor c = image.pixelColor(int(x * dpr), int(y * dpr));
            textFound = std::abs(c.red() - colors.foreground.red()) < 40 && std::abs(c.green() - colors.foreground.green()) < 40
                && std::abs(c.blue() - colors.foreground.blue()) < 40;
        }
    }
    QVERIFY(textFound);
}

void TestMainWindow::argumentsOpenAddDialog()
{
    addAccount();
    m_window->handleArguments({u"video_cli000111222"_s});
    AddTasksDialog *dialog = nullptr;
    QTRY_VERIFY((dialog = qobject_cast<AddTasksDialog *>(QApplication::activeModalWidget())));
    QTRY_VERIFY(!dialog->isScanning());
    QCOMPARE(dialog->newIds(), QStringList{u"video_cli000111222"_s});
    dialog->reject();
    QTRY_VERIFY(!QApplication::activeModalWidget());
    QCOMPARE(m_context->engine()->taskCount(), 0);
}

void TestMainWindow::dropTextAndFiles()
{
    addAccount();
    auto drop = [this](QMimeData *mime) {
        const QPoint pos = m_window->rect().center();
        QDragEnterEvent enter(pos, Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(m_window.get(), &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent dropped(QPointF(pos), Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(m_window.get(), &dropped);
    };
    auto dialogIds = [](QStringList *ids) {
        AddTasksDialog *dialog = nullptr;
        QTRY_VERIFY((dialog = qobject_cast<AddTasksDialog *>(QApplication::activeModalWidget())));
        QTRY_VERIFY(!dialog->isScanning());
        *ids = dialog->newIds();
        dialog->reject();
        QTRY_VERIFY(!QApplication::activeModalWidget());
    };

    // Dropped text.
    QMimeData text;
    text.setText(u"finished: video_drop111aaa222\nqueued: video_drop333bbb444"_s);
    drop(&text);
    QStringList ids;
    dialogIds(&ids);
    QCOMPARE(ids, (QStringList{u"video_drop111aaa222"_s, u"video_drop333bbb444"_s}));

    // A dropped text file is read off the GUI thread, then offered the same way.
    const QString path = m_dir->filePath(u"ids.csv"_s);
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("task_id,status\nvideo_file555ccc666,done\nvideo_file777ddd888,done\n");
    file.close();
    QMimeData files;
    files.setUrls({QUrl::fromLocalFile(path)});
    drop(&files);
    dialogIds(&ids);
    QCOMPARE(ids, (QStringList{u"video_file555ccc666"_s, u"video_file777ddd888"_s}));
}

void TestMainWindow::clipboardWatcherOffersNewIds()
{
    addAccount();
    m_context->engine()->addTasks(AccountId, {u"video_known000111222"_s});
    QAction *watch = m_window->findChild<QAction *>(u"actionWatchClipboard"_s);
    QVERIFY(watch);
    QVERIFY(!watch->isChecked()); // off by default
    watch->trigger();
    QVERIFY(QSettings().value(u"Clipboard/WatchForTaskIds"_s).toBool());

    QGuiApplication::clipboard()->setText(u"video_known000111222 and video_fresh333444555"_s);
    NoticeArea *notices = m_window->noticeArea();
    QTRY_VERIFY_WITH_TIMEOUT(notices->hasNotice(u"clipboard"_s), 5000);
    QVERIFY(notices->noticeText(u"clipboard"_s).contains(u'1'));
    auto *add = notices->findChild<QPushButton *>(u"addClipboardIds"_s);
    QVERIFY(add);
    QTest::mouseClick(add, Qt::LeftButton);
    AddTasksDialog *dialog = nullptr;
    QTRY_VERIFY((dialog = qobject_cast<AddTasksDialog *>(QApplication::activeModalWidget())));
    QTRY_VERIFY(!dialog->isScanning());
    QCOMPARE(dialog->newIds(), QStringList{u"video_fresh333444555"_s});
    dialog->reject();
    QTRY_VERIFY(!notices->hasNotice(u"clipboard"_s));

    // Our own "Copy Task ID" is not offered back.
    clickRow(u"video_known000111222"_s);
    QTest::keyClick(m_window->taskView(), Qt::Key_C, Qt::ControlModifier);
    QTRY_COMPARE(QGuiApplication::clipboard()->text(), u"video_known000111222"_s);
    QTest::qWait(600);
    QVERIFY(!notices->hasNotice(u"clipboard"_s));
}

void TestMainWindow::pauseResumeRetryAndPreview()
{
    addAccount();
    const QString running = u"video_pause111222333"_s;
    const QString failing = u"video_retry444555666"_s;
    const QString saved = u"video_preview777888"_s;
    addServerTask(running, 100'000);
    addServerTask(failing, 1, u"Out of credit"_s);
    addServerTask(saved, 1);
    m_context->engine()->addTasks(AccountId, {running, failing, saved});
    QVERIFY(waitForState(failing, TaskState::Failed));
    QVERIFY(waitForState(saved, TaskState::Saved));

    // Pause and resume from the context menu: only the one that applies is offered.
    clickRow(running);
    QMenu *menu = openContextMenu(running);
    triggerMenuAction(menu, u"actionPausePolling"_s);
    QTRY_VERIFY(m_context->engine()->task({AccountId, running})->pollingPaused);
    QTRY_COMPARE(viewIndex(running, TaskListModel::ProgressColumn).data(TaskListModel::ProgressTextRole).toString(),
                 u"Paused"_s);
    menu = openContextMenu(running);
    bool offersPause = false;
    for (QAction *action : menu->actions())
        offersPause |= action->objectName() == "actionPausePolling"_L1;
    QVERIFY(!offersPause);
    triggerMenuAction(menu, u"actionResumePolling"_s);
    QTRY_VERIFY(!m_context->engine()->task({AccountId, running})->pollingPaused);

    // Retry asks again about a failed task (the server fails it again, but it was asked).
    const int queries = m_server->statusQueryCount(failing);
    clickRow(failing);
    QVERIFY(m_window->action(TaskActions::Action::Retry)->isEnabled());
    QTest::keyClick(m_window->taskView(), Qt::Key_R, Qt::ControlModifier);
    QTRY_VERIFY_WITH_TIMEOUT(m_server->statusQueryCount(failing) > queries, 10'000);

    // F5 polls the selected task now.
    const int runningQueries = m_server->statusQueryCount(running);
    clickRow(running);
    QTest::keyClick(m_window->taskView(), Qt::Key_F5);
    QTRY_VERIFY_WITH_TIMEOUT(m_server->statusQueryCount(running) > runningQueries, 5000);

    // Selecting a saved task puts its file in the preview; Space plays it.
    auto *preview = m_window->findChild<PreviewPane *>();
    QVERIFY(preview);
    clickRow(saved);
    QTRY_COMPARE(preview->currentTask().taskId, saved);
    QCOMPARE(preview->currentSource(),
             QUrl::fromLocalFile(m_context->engine()->task({AccountId, saved})->filePath));
    QTest::keyClick(m_window->taskView(), Qt::Key_Space);
    QVERIFY(m_window->findChild<QSplitter *>(u"sideSplitter"_s)->isVisible());
    clickRow(running, Qt::ControlModifier);
    QTRY_VERIFY(!preview->currentTask().isValid());
}

void TestMainWindow::damagedStoreIsReported()
{
    // A task list that is not a database is moved aside, and the window says where.
    m_window.reset();
    m_context.reset();
    const QString path = m_dir->filePath(u"damaged.sqlite"_s);
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(QByteArray(4096, 'x'));
    file.close();
    m_context = std::make_unique<AppContext>();
    AppContext::Options options;
    options.storePath = path;
    options.useSystemKeychain = false;
    QVERIFY(m_context->open(options));
    QVERIFY(!m_context->storeNotice().isEmpty());
    createWindow();
    QVERIFY(m_window->noticeArea()->hasNotice(u"store"_s));
    QCOMPARE(m_window->noticeArea()->noticeText(u"store"_s), m_context->storeNotice());
    QVERIFY(m_window->noticeArea()->isVisible());
}

void TestMainWindow::exportThenImportTaskList()
{
    addAccount(false);
    const QStringList ids{u"exported_task_01"_s, u"exported_task_02"_s};
    for (const QString &id : ids)
        addServerTask(id, 1000); // stays processing: the rows must not change under the test
    m_context->engine()->addTasks(AccountId, ids);
    const QString path = m_dir->filePath(u"tasks.csv"_s);

    // Export through the menu action and the real file dialog.
    auto chooseInFileDialog = [this](const QString &name, const QString &file) {
        QFileDialog *dialog = nullptr;
        QTRY_VERIFY((dialog = m_window->findChild<QFileDialog *>(name)) && dialog->isVisible());
        dialog->selectFile(file);
        static_cast<QDialog *>(dialog)->accept(); // public in QDialog, virtual
    };
    m_window->findChild<QAction *>(u"actionExportTaskList"_s)->trigger();
    chooseInFileDialog(u"exportTaskListDialog"_s, path);
    QTRY_VERIFY(QFile::exists(path));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray csv = file.readAll();
    for (const QString &id : ids)
        QVERIFY2(csv.contains(id.toUtf8()), csv.constData());

    // Remove one task, import the file: it comes back to its account, the other is counted.
    m_context->engine()->removeTask({AccountId, ids.first()});
    QCOMPARE(m_context->engine()->taskCount(), 1);
    m_window->findChild<QAction *>(u"actionImportTaskList"_s)->trigger();
    chooseInFileDialog(u"importTaskListDialog"_s, path);
    // The file is read off the GUI thread; the summary arrives as a notice, not a modal box.
    QTRY_VERIFY(m_window->noticeArea()->hasNotice(u"import"_s));
    const QString summary = m_window->noticeArea()->noticeText(u"import"_s);
    QVERIFY2(summary.contains(u"1 added, 1 already in the list, 0 skipped."_s), qPrintable(summary));
    QVERIFY(m_context->engine()->task({AccountId, ids.first()}));
    QCOMPARE(m_context->engine()->taskCount(), 2);
}

void TestMainWindow::orphanPartialsAreOffered()
{
    addAccount(false);
    const QString folder = m_dir->filePath(u"videos-"_s + AccountId);
    auto writePart = [&folder](const QString &name) {
        QFile file(folder + u'/' + name);
        file.open(QIODevice::WriteOnly);
        file.write(QByteArray(3 * 1024 * 1024, 'p'));
        return file.fileName();
    };
    const QString unwanted = writePart(u"removed-task.mp4.part"_s);
    const QString wanted = writePart(u"kept-task.mp4.part"_s);
    QVERIFY(m_context->store()->flush());

    // Next start: the window says so, without a modal box and without touching the files.
    m_window.reset();
    createWindow();
    QTRY_VERIFY(m_window->noticeArea()->hasNotice(u"orphans"_s));
    const QString notice = m_window->noticeArea()->noticeText(u"orphans"_s);
    QVERIFY2(notice.startsWith(u"2 unfinished downloads (6.0 MB)"_s), qPrintable(notice));
    QVERIFY(QFile::exists(unwanted) && QFile::exists(wanted));

    auto *review = m_window->findChild<QPushButton *>(u"reviewOrphanPartials"_s);
    QVERIFY(review);
    review->click();
    OrphanPartialsDialog *dialog = nullptr;
    QTRY_VERIFY((dialog = m_window->findChild<OrphanPartialsDialog *>()) && dialog->isVisible());
    QStringList listed = dialog->listedPaths();
    listed.sort();
    QStringList expected{unwanted, wanted};
    expected.sort();
    QCOMPARE(listed, expected);

    // Deleting needs a tick and a confirmation; only the ticked file goes.
    dialog->setChecked(unwanted, true);
    auto *confirmWatcher = new QTimer(dialog);
    confirmWatcher->setInterval(20);
    connect(confirmWatcher, &QTimer::timeout, this, [confirmWatcher] {
        if (auto *box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget()); box && box->isVisible()) {
            confirmWatcher->stop();
            clickButton(box, u"Delete"_s);
        }
    });
    confirmWatcher->start();
    buttonWithText(dialog, u"Delete 1 Ticked…"_s)->click();
    QTRY_VERIFY(!QFile::exists(unwanted));
    QVERIFY(QFile::exists(wanted));
    QTRY_COMPARE(dialog->listedPaths(), QStringList{wanted});

    // Keeping is remembered: the next start asks only about a new file.
    QSignalSpy resolved(dialog, &OrphanPartialsDialog::resolved);
    buttonWithText(dialog, u"Keep the Rest"_s)->click();
    QTRY_COMPARE(resolved.size(), 1);
    QVERIFY(QFile::exists(wanted));
    const QString later = writePart(u"later-task.mp4.part"_s);
    m_window.reset();
    createWindow();
    QTRY_VERIFY(m_window->noticeArea()->hasNotice(u"orphans"_s));
    QVERIFY2(m_window->noticeArea()->noticeText(u"orphans"_s).startsWith(u"1 unfinished download (3.0 MB)"_s),
             qPrintable(m_window->noticeArea()->noticeText(u"orphans"_s)));
    QVERIFY(QFile::exists(later) && QFile::exists(wanted));
}

void TestMainWindow::screenshots()
{
    const QString outDir = qEnvironmentVariable("REELKEEP_SCREENSHOTS_DIR");
    if (outDir.isEmpty())
        QSKIP("Set REELKEEP_SCREENSHOTS_DIR to write the window's screenshots.");
    QDir().mkpath(outDir);
    m_window->resize(1280, 780);
    auto roomySidePanel = [this] {
        // The offscreen screen is only 800 px wide, which the first-run layout plans for.
        m_window->findChild<QSplitter *>(u"mainSplitter"_s)->setSizes({890, 390});
    };
    roomySidePanel();
    QTest::qWait(200);
    QVERIFY(m_window->grab().save(QDir(outDir).filePath(u"empty-state.png"_s)));

    // The demo, plus a few tasks that hold still in the states the demo only passes through.
    QTest::mouseClick(m_window->emptyStatePage()->demoButton(), Qt::LeftButton);
    FakeProviderServer *demoServer = m_context->demo()->server();
    QVERIFY(demoServer);
    auto extra = [demoServer](const QString &id, int queuedPolls, int processingPolls, const QString &model) {
        FakeTaskSpec spec;
        spec.id = id;
        spec.shape = Shape::Mingyan;
        spec.queuedPolls = queuedPolls;
        spec.processingPolls = processingPolls;
        spec.model = model;
        demoServer->addTask(spec);
    };
    extra(u"video_hold10_5e2a91c07d3b"_s, 100'000, 0, u"sd2_manxue_1080p"_s);
    extra(u"video_hold11_8b4f06d2e9a1"_s, 0, 100'000, u"kling-v2"_s);
    extra(u"video_hold12_c71d3a5f0e84"_s, 0, 1, u"veo-3"_s);
    Account manual;
    manual.id = u"demo-manual"_s;
    manual.displayName = u"Studio (manual saving)"_s;
    manual.providerName = u"mingyan"_s;
    manual.baseUrl = demoServer->apiBaseUrl();
    manual.apiKey = u"demo"_s;
    manual.intervalSeconds = 2;
    manual.downloadDir = m_dir->filePath(u"manual"_s);
    manual.autoDownload = false;
    m_context->engine()->setAccount(manual);
    m_context->engine()->addTasks(manual.id, {u"video_hold10_5e2a91c07d3b"_s, u"video_hold11_8b4f06d2e9a1"_s,
                                              u"video_hold12_c71d3a5f0e84"_s});
    // A big, slow download, so one row is caught downloading.
    FakeTaskSpec slow;
    slow.id = u"video_slow13_93ac7e1b5f20"_s;
    slow.shape = Shape::Mingyan;
    slow.queuedPolls = 0;
    slow.processingPolls = 1;
    slow.model = u"sora-2-pro"_s;
    slow.videoBytes = 64 * 1024 * 1024;
    slow.bytesPerSecond = 1024 * 1024;
    demoServer->addTask(slow);
    m_context->engine()->addTasks(DemoBackend::demoAccountId(u"mingyan"_s), {slow.id});

    // Wait for the most varied moment: every state on screen at once, if the demo allows.
    auto distinctStates = [this] {
        QSet<TaskState> states;
        for (int row = 0; row < m_context->engine()->taskCount(); ++row)
            states.insert(m_context->engine()->taskAt(row).state);
        return states;
    };
    (void)QTest::qWaitFor([&] { return distinctStates().size() >= 7; }, 45'000);
    m_window->taskView()->selectionModel()->clearSelection();
    QTest::qWait(400);
    QVERIFY(m_window->grab().save(QDir(outDir).filePath(u"task-list.png"_s)));

    // Details of a saved video, with its history.
    (void)QTest::qWaitFor([&] { return stateOf(u"video_demo01_a3f9c2e17b4d"_s, DemoBackend::demoAccountId(u"mingyan"_s))
                                 == TaskState::Saved; },
                    30'000);
    clickRow(u"video_demo01_a3f9c2e17b4d"_s);
    QTest::qWait(1500);
    QVERIFY(m_window->grab().save(QDir(outDir).filePath(u"details-panel.png"_s)));

    // The same list in a dark palette: badges must stay readable.
    QPalette dark;
    dark.setColor(QPalette::Window, QColor(0x2b, 0x2d, 0x31));
    dark.setColor(QPalette::WindowText, QColor(0xe6, 0xe6, 0xe6));
    dark.setColor(QPalette::Base, QColor(0x1f, 0x20, 0x23));
    dark.setColor(QPalette::AlternateBase, QColor(0x26, 0x28, 0x2b));
    dark.setColor(QPalette::Text, QColor(0xe6, 0xe6, 0xe6));
    dark.setColor(QPalette::Button, QColor(0x33, 0x35, 0x3a));
    dark.setColor(QPalette::ButtonText, QColor(0xe6, 0xe6, 0xe6));
    dark.setColor(QPalette::Highlight, QColor(0x2f, 0x6f, 0xcf));
    dark.setColor(QPalette::HighlightedText, Qt::white);
    dark.setColor(QPalette::PlaceholderText, QColor(0x9a, 0x9c, 0xa0));
    dark.setColor(QPalette::Link, QColor(0x6c, 0xb0, 0xff));
    dark.setColor(QPalette::Mid, QColor(0x55, 0x57, 0x5c));
    dark.setColor(QPalette::Light, QColor(0x44, 0x46, 0x4a));
    dark.setColor(QPalette::Dark, QColor(0x1a, 0x1b, 0x1e));
    dark.setColor(QPalette::ToolTipBase, QColor(0x33, 0x35, 0x3a));
    dark.setColor(QPalette::ToolTipText, QColor(0xe6, 0xe6, 0xe6));
    dark.setColor(QPalette::Disabled, QPalette::Text, QColor(0x80, 0x80, 0x80));
    dark.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0x80, 0x80, 0x80));
    dark.setColor(QPalette::Disabled, QPalette::WindowText, QColor(0x80, 0x80, 0x80));
    // As a dark desktop would have it: the palette is there before the window is.
    const QPalette light = QApplication::palette();
    m_window.reset();
    QApplication::setPalette(dark);
    createWindow();
    m_window->resize(1280, 780);
    roomySidePanel();
    clickRow(u"video_demo01_a3f9c2e17b4d"_s);
    QTest::qWait(1500);
    QVERIFY(m_window->grab().save(QDir(outDir).filePath(u"task-list-dark.png"_s)));
    QApplication::setPalette(light);
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
