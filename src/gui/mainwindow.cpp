#include "mainwindow.h"

#include "ui_mainwindow.h"

#include "accountmanager.h"
#include "accountsdialog.h"
#include "addtasksdialog.h"
#include "appcontext.h"
#include "clipboardwatcher.h"
#include "clock.h"
#include "demobackend.h"
#include "emptystatepage.h"
#include "filterbar.h"
#include "logging.h"
#include "noticearea.h"
#include "orphanpartialsdialog.h"
#include "previewpane.h"
#include "taskdetailspanel.h"
#include "taskengine.h"
#include "taskitemdelegate.h"
#include "tasklistmodel.h"
#include "taskpoller.h"
#include "tasksortfiltermodel.h"
#include "tasktableview.h"
#include "themeicons.h"
#include "traynotifier.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QCloseEvent>
#include <QDesktopServices>
#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMenu>
#include <QMessageBox>
#include <QMimeData>
#include <QPushButton>
#include <QScreen>
#include <QSet>
#include <QSettings>
#include <QShortcut>
#include <QSplitter>
#include <QStatusBar>
#include <QThreadPool>
#include <QTimer>
#include <QUrl>

#include <algorithm>

using namespace Qt::StringLiterals;
using Action = TaskActions::Action;

namespace
{
const auto geometryKey = "GUI/MainWindow/Geometry"_L1;
const auto splitterKey = "GUI/MainWindow/SplitterState"_L1;
const auto sideSplitterKey = "GUI/MainWindow/SideSplitterState"_L1;
const auto filterKey = "GUI/MainWindow/Filter"_L1;
const auto sidePanelKey = "GUI/MainWindow/ShowSidePanel"_L1;
const auto watchClipboardKey = "Clipboard/WatchForTaskIds"_L1;

constexpr qint64 maxDroppedFileBytes = 64 * 1024 * 1024;
constexpr int statusRefreshMs = 1000;

// Reads dropped files off the GUI thread. Binary files (a video dropped by mistake) are
// skipped, not pasted as garbage.
struct DroppedText
{
    QString text;
    QStringList skipped;
};

DroppedText readTextFiles(const QStringList &paths)
{
    DroppedText result;
    for (const QString &path : paths) {
        QFile file(path);
        if (file.size() > maxDroppedFileBytes || !file.open(QIODevice::ReadOnly)) {
            result.skipped << QFileInfo(path).fileName();
            continue;
        }
        const QByteArray bytes = file.readAll();
        if (bytes.left(4096).contains('\0')) {
            result.skipped << QFileInfo(path).fileName();
            continue;
        }
        result.text += QString::fromUtf8(bytes);
        result.text += u'\n';
    }
    return result;
}
} // namespace

MainWindow::MainWindow(AppContext *context, QWidget *parent)
    : QMainWindow(parent), m_context(context), ui(std::make_unique<Ui::MainWindow>()),
      m_proxy(new TaskSortFilterModel(this)), m_delegate(new TaskItemDelegate(this)), m_statusTimer(new QTimer(this)),
      m_actionTimer(new QTimer(this))
{
    ui->setupUi(this);
    setWindowIcon(ThemeIcons::appIcon());
    // Many changes in one tick become one update of the actions' enabled state.
    m_actionTimer->setSingleShot(true);
    m_actionTimer->setInterval(0);
    connect(m_actionTimer, &QTimer::timeout, this, &MainWindow::updateActions);

    setupTable();
    setupSidePanel();
    setupActions();
    createShortcuts();
    updateIcons();
    setupStatusBar();
    setupMediaHelpers();
    connectContext();
    restoreSettings();

    updateCounts();
    updateEmptyState();
    updateActions();
    updateStatusTimes();
    onSelectionChanged();
    ui->taskView->setFocus();
}

MainWindow::~MainWindow()
{
    saveSettings();
}

// ---- construction ---------------------------------------------------------------------------

void MainWindow::setupTable()
{
    m_proxy->setSourceModel(m_context->model());
    TaskTableView *view = ui->taskView;
    view->setModel(m_proxy);
    // The table is only on screen when there are tasks: empty means the filter hides them all.
    view->setPlaceholderText(tr("No tasks match the filter."));
    view->setItemDelegate(m_delegate);
    connect(m_delegate, &TaskItemDelegate::downloadRequested, this,
            [this](const TaskKey &key) { m_context->engine()->download(key); });
    connect(view, &QWidget::customContextMenuRequested, this, &MainWindow::showContextMenu);
    connect(view->selectionModel(), &QItemSelectionModel::selectionChanged, this, &MainWindow::onSelectionChanged);
    connect(view, &QAbstractItemView::doubleClicked, this, [this](const QModelIndex &index) {
        // Double-click does the obvious thing: open what is saved, else preview what exists.
        if (!index.isValid() || TaskItemDelegate::hasDownloadButton(index))
            return;
        const TaskActions actions = currentActions();
        if (actions.isEnabled(Action::OpenFile))
            openSelectedFile();
        else if (actions.isEnabled(Action::Preview))
            previewSelected();
    });

    FilterBar *filters = ui->filterBar;
    connect(filters, &FilterBar::categoryChanged, m_proxy, &TaskSortFilterModel::setCategory);
    connect(filters, &FilterBar::textChanged, m_proxy, &TaskSortFilterModel::setFilterText);
    auto *escape = new QShortcut(QKeySequence(Qt::Key_Escape), filters->searchField(), nullptr, nullptr,
                                 Qt::WidgetShortcut);
    connect(escape, &QShortcut::activated, this, [this] {
        ui->filterBar->setText({});
        ui->taskView->setFocus(Qt::ShortcutFocusReason);
    });

    connect(ui->emptyPage, &EmptyStatePage::demoRequested, this, &MainWindow::startDemo);
    connect(ui->emptyPage, &EmptyStatePage::addAccountRequested, this, &MainWindow::openAccountsDialog);
    connect(ui->emptyPage, &EmptyStatePage::addTasksRequested, this, [this] { openAddTasksDialog(); });
}

void MainWindow::setupSidePanel()
{
    m_preview = new PreviewPane(ui->sideSplitter);
    m_preview->setObjectName(u"previewPane"_s);
    ui->sideSplitter->addWidget(m_preview);
    m_details = new TaskDetailsPanel(m_context->engine(), m_context->clock(), ui->sideSplitter);
    ui->sideSplitter->addWidget(m_details);
    ui->sideSplitter->setStretchFactor(0, 2);
    ui->sideSplitter->setStretchFactor(1, 3);
    ui->mainSplitter->setStretchFactor(0, 1);
    ui->mainSplitter->setStretchFactor(1, 0);
    ui->sideSplitter->setMinimumWidth(280);
    connect(m_details, &TaskDetailsPanel::openFileRequested, this,
            [](const QString &path) { QDesktopServices::openUrl(QUrl::fromLocalFile(path)); });
    connect(ui->actionShowSidePanel, &QAction::toggled, ui->sideSplitter, &QWidget::setVisible);
}

void MainWindow::setupActions()
{
    m_actions = {
        {Action::Download, ui->actionDownload},         {Action::Preview, ui->actionPreview},
        {Action::OpenFile, ui->actionOpenFile},         {Action::ShowInFolder, ui->actionShowInFolder},
        {Action::CopyTaskId, ui->actionCopyTaskId},     {Action::CopyVideoUrl, ui->actionCopyVideoUrl},
        {Action::PollNow, ui->actionPollNow},           {Action::Retry, ui->actionRetry},
        {Action::PausePolling, ui->actionPausePolling}, {Action::ResumePolling, ui->actionResumePolling},
        {Action::Remove, ui->actionRemove},
    };
    connect(ui->actionDownload, &QAction::triggered, this, &MainWindow::downloadSelected);
    connect(ui->actionPreview, &QAction::triggered, this, &MainWindow::previewSelected);
    connect(ui->actionOpenFile, &QAction::triggered, this, &MainWindow::openSelectedFile);
    connect(ui->actionShowInFolder, &QAction::triggered, this, &MainWindow::showSelectedInFolder);
    connect(ui->actionCopyTaskId, &QAction::triggered, this, &MainWindow::copyTaskIds);
    connect(ui->actionCopyVideoUrl, &QAction::triggered, this, &MainWindow::copyVideoUrls);
    connect(ui->actionPollNow, &QAction::triggered, this, &MainWindow::pollSelected);
    connect(ui->actionRetry, &QAction::triggered, this, &MainWindow::retrySelected);
    connect(ui->actionPausePolling, &QAction::triggered, this, [this] { setSelectedPollingPaused(true); });
    connect(ui->actionResumePolling, &QAction::triggered, this, [this] { setSelectedPollingPaused(false); });
    connect(ui->actionRemove, &QAction::triggered, this, &MainWindow::removeSelected);

    connect(ui->actionAddTasks, &QAction::triggered, this, [this] { openAddTasksDialog(); });
    connect(ui->actionPasteTasks, &QAction::triggered, this, &MainWindow::pasteFromClipboard);
    connect(ui->actionExportTaskList, &QAction::triggered, this, &MainWindow::exportTaskList);
    connect(ui->actionImportTaskList, &QAction::triggered, this, &MainWindow::importTaskList);
    connect(ui->actionQuit, &QAction::triggered, this, &QWidget::close);
    connect(ui->actionSelectAll, &QAction::triggered, ui->taskView, &QAbstractItemView::selectAll);
    connect(ui->actionFind, &QAction::triggered, ui->filterBar, &FilterBar::focusSearch);
    connect(ui->actionResizeColumns, &QAction::triggered, ui->taskView, &TaskTableView::resizeVisibleColumns);
    connect(ui->actionAccounts, &QAction::triggered, this, &MainWindow::openAccountsDialog);
    connect(ui->actionStartDemo, &QAction::triggered, this, &MainWindow::startDemo);
    connect(ui->actionAbout, &QAction::triggered, this, &MainWindow::showAbout);
    connect(ui->menuColumns, &QMenu::aboutToShow, this, &MainWindow::showColumnsMenu);

    // The toolbar says the short thing; menus keep the full text.
    ui->actionAddTasks->setIconText(tr("Add Tasks"));
    ui->actionAccounts->setIconText(tr("Accounts"));
    ui->actionRemove->setIconText(tr("Remove"));
    ui->actionStartDemo->setIconText(tr("Demo"));
    ui->actionPollNow->setIconText(tr("Poll Now"));
}

void MainWindow::createShortcuts()
{
    // Every keyboard shortcut of the window, in one place. Row actions act on the table's
    // selection, so keys that also mean something in a text field (Enter, Space, Delete) only
    // work while the table has focus; the rest work anywhere in the window.
    TaskTableView *view = ui->taskView;
    auto tableShortcut = [view](QAction *action, const QList<QKeySequence> &keys) {
        action->setShortcuts(keys);
        action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        view->addAction(action);
    };
    tableShortcut(ui->actionDownload, {QKeySequence(Qt::Key_Return), QKeySequence(Qt::Key_Enter)});
    tableShortcut(ui->actionPreview, {QKeySequence(Qt::Key_Space)});
    tableShortcut(ui->actionRemove, {QKeySequence::Delete});

    ui->actionAddTasks->setShortcut(QKeySequence::New);
    ui->actionPasteTasks->setShortcut(QKeySequence::Paste);
    ui->actionQuit->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Q));
    ui->actionCopyTaskId->setShortcut(QKeySequence::Copy);
    ui->actionCopyVideoUrl->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C));
    ui->actionSelectAll->setShortcut(QKeySequence::SelectAll);
    ui->actionFind->setShortcut(QKeySequence::Find);
    ui->actionOpenFile->setShortcut(QKeySequence::Open);
    ui->actionPollNow->setShortcut(QKeySequence(Qt::Key_F5));
    ui->actionRetry->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    ui->actionShowSidePanel->setShortcut(QKeySequence(Qt::Key_F9));
    ui->actionAccounts->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Comma));
}

void MainWindow::updateIcons()
{
    const QColor tint = palette().color(QPalette::WindowText);
    const std::pair<QAction *, const char *> icons[] = {
        {ui->actionAddTasks, "add"},        {ui->actionPasteTasks, "paste"},
        {ui->actionQuit, "quit"},           {ui->actionCopyTaskId, "copy"},
        {ui->actionFind, "search"},         {ui->actionShowSidePanel, "details"},
        {ui->actionDownload, "download"},   {ui->actionPreview, "preview"},
        {ui->actionOpenFile, "open"},       {ui->actionShowInFolder, "folder"},
        {ui->actionCopyVideoUrl, "link"},   {ui->actionPollNow, "poll"},
        {ui->actionRetry, "retry"},         {ui->actionPausePolling, "pause"},
        {ui->actionResumePolling, "resume"}, {ui->actionRemove, "remove"},
        {ui->actionAccounts, "accounts"},   {ui->actionStartDemo, "demo"},
        {ui->actionAbout, "info"},
    };
    for (const auto &[action, name] : icons)
        action->setIcon(ThemeIcons::icon(QString::fromLatin1(name), tint));
}

void MainWindow::setupStatusBar()
{
    m_countsLabel = new QLabel(this);
    m_countsLabel->setObjectName(u"statusCounts"_s);
    m_speedLabel = new QLabel(this);
    m_speedLabel->setObjectName(u"statusSpeed"_s);
    m_nextPollLabel = new QLabel(this);
    m_nextPollLabel->setObjectName(u"statusNextPoll"_s);
    for (QLabel *label : {m_countsLabel, m_speedLabel, m_nextPollLabel})
        label->setContentsMargins(6, 0, 6, 0);
    // Permanent widgets stay put while transient messages ("Copied 3 task IDs") show on the left.
    statusBar()->addPermanentWidget(m_countsLabel);
    statusBar()->addPermanentWidget(m_speedLabel);
    statusBar()->addPermanentWidget(m_nextPollLabel);
    m_speedLabel->hide();

    m_statusTimer->setInterval(statusRefreshMs);
    connect(m_statusTimer, &QTimer::timeout, this, &MainWindow::updateStatusTimes);
    m_statusTimer->start();
}

void MainWindow::setupMediaHelpers()
{
    // Selecting a row shows its video ready to play; Space plays it. Playing on every click
    // would be loud while going through a list.
    m_preview->setAutoPlay(false);
    m_preview->setApiBaseUrlLookup([this](const QString &accountId) {
        const Account *account = m_context->engine()->account(accountId);
        return account ? account->baseUrl : QUrl();
    });

    m_tray = new TrayNotifier(this);
    connect(m_tray, &TrayNotifier::activated, this, &MainWindow::revealTask);
    connect(m_tray, &TrayNotifier::showWindowRequested, this, [this] { revealTask({}); });
    connect(m_tray, &TrayNotifier::messageShown, this, [this](const QString &title, const QString &) {
        // Without a system tray the status bar is where the news goes.
        if (!TrayNotifier::isTrayAvailable())
            statusBar()->showMessage(title, 8000);
    });
    ui->actionNotify->setChecked(m_tray->isEnabled());
    connect(ui->actionNotify, &QAction::toggled, this, [this](bool on) {
        m_tray->setEnabled(on);
        QSettings().setValue(TrayNotifier::settingsKey(), on);
    });

    const TaskEngine *engine = m_context->engine();
    m_clipboard = new ClipboardWatcher(
        QGuiApplication::clipboard(),
        [engine](const QString &id) {
            for (int row = 0; row < engine->taskCount(); ++row) {
                if (engine->taskAt(row).key.taskId == id)
                    return true;
            }
            return false;
        },
        this);
    connect(m_clipboard, &ClipboardWatcher::idsFound, this, &MainWindow::offerClipboardIds);
    ui->actionWatchClipboard->setChecked(QSettings().value(watchClipboardKey, false).toBool());
    m_clipboard->setEnabled(ui->actionWatchClipboard->isChecked());
    connect(ui->actionWatchClipboard, &QAction::toggled, this, [this](bool on) {
        m_clipboard->setEnabled(on);
        QSettings().setValue(watchClipboardKey, on);
    });
}

void MainWindow::connectContext()
{
    TaskListModel *model = m_context->model();
    TaskEngine *engine = m_context->engine();
    connect(model, &TaskListModel::countsChanged, this, &MainWindow::updateCounts);
    connect(model, &TaskListModel::countsChanged, this, &MainWindow::scheduleActionUpdate);
    connect(model, &QAbstractItemModel::rowsInserted, this, &MainWindow::updateEmptyState);
    connect(model, &QAbstractItemModel::rowsRemoved, this, &MainWindow::updateEmptyState);
    connect(model, &QAbstractItemModel::modelReset, this, &MainWindow::updateEmptyState);
    connect(model, &QAbstractItemModel::dataChanged, this, [this](const QModelIndex &, const QModelIndex &,
                                                                  const QList<int> &roles) {
        // File and link changes enable actions without a state change; countdown ticks do not.
        if (!(roles.size() == 1 && roles.first() == Qt::DisplayRole))
            scheduleActionUpdate();
    });

    connect(engine, &TaskEngine::tasksAdded, this, [this] {
        // New tasks start out active: make sure the current filter does not hide them. Tasks
        // still arriving from the store at start-up are not new.
        if (m_context->engine()->isRestoring())
            return;
        const TaskFilter::Category category = ui->filterBar->category();
        if (category != TaskFilter::Category::All && category != TaskFilter::Category::Active)
            ui->filterBar->setCategory(TaskFilter::Category::All);
    });
    connect(engine, &TaskEngine::throughputChanged, this, [this](double bytesPerSecond) {
        const bool moving = bytesPerSecond >= 1;
        m_speedLabel->setVisible(moving);
        if (moving) {
            m_speedLabel->setText(tr("↓ %1/s").arg(TaskListModel::formatBytes(qint64(bytesPerSecond))));
            m_speedLabel->setToolTip(tr("Current download speed over all downloads"));
        }
    });
    connect(engine, &TaskEngine::accountHalted, this, [this](const QString &accountId, const QString &message) {
        // While its key is still on its way from the keychain an account waits; that is no news.
        if (m_context->accountManager()->keyStatus(accountId) == AccountManager::KeyStatus::Loading)
            return;
        const Account *account = m_context->engine()->account(accountId);
        const QString name = account ? account->displayName : accountId;
        auto *fix = new QAction(tr("Open Accounts…"));
        fix->setObjectName(u"openAccountsFromNotice"_s);
        connect(fix, &QAction::triggered, this, &MainWindow::openAccountsDialog);
        ui->noticeArea->showNotice(u"halted:"_s + accountId, NoticeArea::Level::Error,
                                   tr("Reelkeep stopped polling the tasks of “%1”: %2").arg(name, message), {fix});
    });
    connect(engine, &TaskEngine::taskSaved, this, [this](const TaskKey &key, const DownloadResult &) {
        if (const TaskRecord *record = m_context->engine()->task(key))
            m_tray->notifySaved(*record);
    });
    connect(engine, &TaskEngine::taskEvent, this, &MainWindow::onTaskEvent);
    connect(engine, &TaskEngine::taskChanged, this, [this](int row, TaskEngine::Changes changes) {
        // The previewed task got its link or its file: the pane switches source (it keeps
        // playing when nothing it shows changed).
        using C = TaskEngine::Change;
        if (!(changes & (C::State | C::File | C::Details)) || row < 0 || row >= m_context->engine()->taskCount())
            return;
        const TaskRecord &record = m_context->engine()->taskAt(row);
        if (record.key == m_preview->currentTask())
            m_preview->showTask(record);
    });
    connect(engine, &TaskEngine::taskRemoved, this, [this] {
        if (m_preview->currentTask().isValid() && !m_context->engine()->task(m_preview->currentTask()))
            m_preview->clear();
    });

    AccountManager *accounts = m_context->accountManager();
    auto onAccountsChanged = [this] {
        const QList<Account> list = m_context->accountManager()->accounts();
        ui->emptyPage->setHasAccounts(!list.isEmpty());
        // The engine's count includes the demo's accounts, which the list should tell apart too.
        ui->taskView->setAccountCount(int(m_context->engine()->accounts().size()));
        for (const Account &account : list) {
            // A saved account (a new key, most likely) may have fixed a halted one.
            if (!m_context->engine()->isAccountHalted(account.id))
                ui->noticeArea->removeNotice(u"halted:"_s + account.id);
        }
    };
    connect(accounts, &AccountManager::accountsChanged, this, onAccountsChanged);
    connect(accounts, &AccountManager::secretStorageWarning, this, [this](const QString &message) {
        ui->noticeArea->showNotice(u"secrets"_s, NoticeArea::Level::Warning, message);
    });
    onAccountsChanged();

    DemoBackend *demo = m_context->demo();
    connect(demo, &DemoBackend::stopped, this, onAccountsChanged);
    connect(demo, &DemoBackend::started, this, [this, onAccountsChanged](int count) {
        onAccountsChanged();
        ui->emptyPage->setDemoRunning(false);
        statusBar()->showMessage(tr("Demo started: %n pretend task(s) from a provider running on this computer.",
                                    nullptr, count),
                                 8000);
    });

    connect(m_context, &AppContext::storeWriteFailed, this, [this](const QString &message) {
        ui->noticeArea->showNotice(u"store-write"_s, NoticeArea::Level::Error,
                                   tr("Progress could not be written to the task list file (Reelkeep keeps trying): %1")
                                       .arg(message));
    });
    if (!m_context->storeNotice().isEmpty())
        ui->noticeArea->showNotice(u"store"_s, NoticeArea::Level::Warning, m_context->storeNotice());
    // After the first paint: the scan reads folders and the store on a pool thread.
    QTimer::singleShot(0, this, &MainWindow::scanForOrphanPartials);
}

// ---- settings -------------------------------------------------------------------------------

void MainWindow::restoreSettings()
{
    const QSettings settings;
    const int accountCount = int(m_context->engine()->accounts().size());
    ui->taskView->restoreHeaderState(accountCount);

    if (!restoreGeometry(settings.value(geometryKey).toByteArray())) {
        // First start: a comfortable size, centred, never larger than the screen.
        const QRect available = screen() ? screen()->availableGeometry() : QRect(0, 0, 1280, 800);
        const QSize size(std::min(1240, available.width() * 9 / 10), std::min(760, available.height() * 9 / 10));
        resize(size);
        move(available.center() - QPoint(size.width() / 2, size.height() / 2));
    }
    if (!ui->mainSplitter->restoreState(settings.value(splitterKey).toByteArray())) {
        const int total = std::max(width(), 900);
        const int side = std::clamp(total * 3 / 10, 300, 420);
        ui->mainSplitter->setSizes({total - side, side});
    }
    if (!ui->sideSplitter->restoreState(settings.value(sideSplitterKey).toByteArray())) {
        const int total = std::max(height() - 120, 400);
        ui->sideSplitter->setSizes({total * 2 / 5, total * 3 / 5});
    }
    ui->actionShowSidePanel->setChecked(settings.value(sidePanelKey, true).toBool());
    ui->sideSplitter->setVisible(ui->actionShowSidePanel->isChecked());
    ui->filterBar->setCategory(FilterBar::categoryFromKey(settings.value(filterKey).toString()));
}

void MainWindow::saveSettings()
{
    QSettings settings;
    settings.setValue(geometryKey, saveGeometry());
    settings.setValue(splitterKey, ui->mainSplitter->saveState());
    settings.setValue(sideSplitterKey, ui->sideSplitter->saveState());
    settings.setValue(sidePanelKey, ui->actionShowSidePanel->isChecked());
    settings.setValue(filterKey, FilterBar::categoryKey(ui->filterBar->category()));
    ui->taskView->saveHeaderState();
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    saveSettings();
    QMainWindow::closeEvent(event);
}

void MainWindow::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::StyleChange)
        updateIcons();
    QMainWindow::changeEvent(event);
}

// ---- state shown ----------------------------------------------------------------------------

TaskTableView *MainWindow::taskView() const
{
    return ui->taskView;
}

FilterBar *MainWindow::filterBar() const
{
    return ui->filterBar;
}

EmptyStatePage *MainWindow::emptyStatePage() const
{
    return ui->emptyPage;
}

NoticeArea *MainWindow::noticeArea() const
{
    return ui->noticeArea;
}

QAction *MainWindow::pasteAction() const
{
    return ui->actionPasteTasks;
}

bool MainWindow::isShowingEmptyState() const
{
    return ui->stack->currentWidget() == ui->emptyPage;
}

void MainWindow::updateEmptyState()
{
    const bool empty = m_context->model()->rowCount() == 0;
    QWidget *page = empty ? static_cast<QWidget *>(ui->emptyPage) : ui->tasksPage;
    if (ui->stack->currentWidget() == page)
        return;
    const bool hadFocus = ui->stack->currentWidget()->isAncestorOf(QApplication::focusWidget());
    ui->stack->setCurrentWidget(page);
    if (!empty && hadFocus)
        ui->taskView->setFocus();
}

void MainWindow::updateCounts()
{
    const TaskListModel *model = m_context->model();
    ui->filterBar->setCounts(model->categoryCounts());
    m_countsLabel->setText(statusCountsText());
}

QString MainWindow::statusCountsText() const
{
    const TaskEngine *engine = m_context->engine();
    if (engine->taskCount() == 0)
        return tr("No tasks");
    std::array<int, size_t(TaskState::Expired) + 1> perState{};
    for (int row = 0; row < engine->taskCount(); ++row)
        ++perState[size_t(engine->taskAt(row).state)];

    // "Tasks: 12 · Processing: 3 · Saved: 8": labels before numbers need no plural forms.
    // States with no tasks are left out; the order is the life cycle's.
    const TaskState order[] = {TaskState::Queued, TaskState::Processing, TaskState::Unknown, TaskState::Completed,
                               TaskState::Downloading, TaskState::Saved, TaskState::Failed, TaskState::Expired};
    const QLocale locale;
    QStringList parts{tr("Tasks: %1").arg(locale.toString(engine->taskCount()))};
    for (const TaskState state : order) {
        if (const int count = perState[size_t(state)])
            parts << tr("%1: %2", "state, count").arg(TaskListModel::stateDisplayName(state), locale.toString(count));
    }
    return parts.join(u"   ·   "_s);
}

void MainWindow::updateStatusTimes()
{
    const TaskPoller *poller = m_context->engine()->poller();
    const qint64 due = poller->nextDueMs();
    QString text;
    if (poller->inFlightCount() > 0) {
        text = tr("Checking…");
    } else if (due >= 0) {
        const qint64 seconds = std::max<qint64>(0, (due - m_context->clock()->nowMs() + 999) / 1000);
        text = seconds == 0 ? tr("Next check now") : tr("Next check in %1").arg(TaskListModel::formatRemaining(seconds));
    }
    m_nextPollLabel->setText(text);
    m_nextPollLabel->setVisible(!text.isEmpty());
}

// ---- selection and actions ------------------------------------------------------------------

QList<TaskRecord> MainWindow::selectedRecords() const
{
    QList<TaskRecord> records;
    const TaskListModel *model = m_context->model();
    const QModelIndexList rows = ui->taskView->selectedRowIndexes();
    records.reserve(rows.size());
    for (const QModelIndex &index : rows) {
        const QModelIndex source = m_proxy->mapToSource(index);
        if (source.isValid())
            records << model->recordAt(source.row());
    }
    return records;
}

TaskActions MainWindow::currentActions() const
{
    return TaskActions(selectedRecords());
}

void MainWindow::scheduleActionUpdate()
{
    if (!m_actionTimer->isActive())
        m_actionTimer->start();
}

void MainWindow::updateActions()
{
    m_actionTimer->stop();
    const TaskActions actions = currentActions();
    for (auto it = m_actions.cbegin(); it != m_actions.cend(); ++it)
        it.value()->setEnabled(actions.isEnabled(it.key()));
    ui->actionSelectAll->setEnabled(m_proxy->rowCount() > 0);
}

void MainWindow::onSelectionChanged()
{
    updateActions();
    const QModelIndexList rows = ui->taskView->selectedRowIndexes();
    if (rows.size() == 1) {
        const auto key = rows.first().data(TaskListModel::TaskKeyRole).value<TaskKey>();
        m_details->showTask(key);
        if (const TaskRecord *record = m_context->engine()->task(key))
            m_preview->showTask(*record);
    } else {
        m_details->showSelectionCount(int(rows.size()));
        m_preview->clear();
    }
}

QMenu *MainWindow::createTaskContextMenu()
{
    updateActions();
    const TaskActions actions = currentActions();
    auto *menu = new QMenu(this);
    menu->setObjectName(u"taskContextMenu"_s);
    if (actions.isEmpty()) {
        menu->addAction(ui->actionAddTasks);
        menu->addAction(ui->actionPasteTasks);
        return menu;
    }
    menu->addAction(ui->actionDownload);
    menu->addAction(ui->actionPreview);
    menu->addAction(ui->actionOpenFile);
    menu->addAction(ui->actionShowInFolder);
    menu->addSeparator();
    menu->addAction(ui->actionCopyTaskId);
    menu->addAction(ui->actionCopyVideoUrl);
    menu->addSeparator();
    menu->addAction(ui->actionPollNow);
    menu->addAction(ui->actionRetry);
    // Only the one that applies; both when the selection mixes paused and running tasks.
    const bool canPause = actions.isEnabled(Action::PausePolling);
    const bool canResume = actions.isEnabled(Action::ResumePolling);
    if (canPause || !canResume)
        menu->addAction(ui->actionPausePolling);
    if (canResume)
        menu->addAction(ui->actionResumePolling);
    menu->addSeparator();
    menu->addAction(ui->actionRemove);
    return menu;
}

void MainWindow::showContextMenu(const QPoint &pos)
{
    QMenu *menu = createTaskContextMenu();
    menu->setAttribute(Qt::WA_DeleteOnClose);
    menu->popup(ui->taskView->viewport()->mapToGlobal(pos));
}

void MainWindow::showColumnsMenu()
{
    // The same menu as the header's, rebuilt each time so it shows the current columns.
    ui->menuColumns->clear();
    delete m_columnsMenuContent;
    m_columnsMenuContent = ui->taskView->createHeaderMenu(ui->menuColumns);
    const QList<QAction *> actions = m_columnsMenuContent->actions();
    for (QAction *action : actions)
        ui->menuColumns->addAction(action);
}

void MainWindow::downloadSelected()
{
    for (const TaskKey &key : currentActions().targets(Action::Download))
        m_context->engine()->download(key);
}

void MainWindow::previewSelected()
{
    const QList<TaskRecord> records = currentActions().targetRecords(Action::Preview);
    if (records.isEmpty())
        return;
    if (!ui->actionShowSidePanel->isChecked())
        ui->actionShowSidePanel->setChecked(true);
    const TaskRecord &record = records.first();
    // Space on the task already in the preview pauses or resumes it.
    if (m_preview->currentTask() != record.key)
        m_preview->showTask(record);
    m_preview->togglePlayback();
}

void MainWindow::openSelectedFile()
{
    for (const TaskRecord &record : currentActions().targetRecords(Action::OpenFile)) {
        if (!QFileInfo::exists(record.filePath)) {
            QMessageBox::warning(this, tr("File Not Found"),
                                 tr("The saved video %1 is no longer there. It may have been moved or deleted.")
                                     .arg(QDir::toNativeSeparators(record.filePath)));
            continue;
        }
        QDesktopServices::openUrl(QUrl::fromLocalFile(record.filePath));
    }
}

void MainWindow::showSelectedInFolder()
{
    QStringList folders;
    for (const TaskRecord &record : currentActions().targetRecords(Action::ShowInFolder)) {
        const QString folder = QFileInfo(record.filePath).absolutePath();
        if (!folders.contains(folder))
            folders << folder;
    }
    for (const QString &folder : std::as_const(folders))
        QDesktopServices::openUrl(QUrl::fromLocalFile(folder));
}

void MainWindow::copyTaskIds()
{
    QStringList ids;
    for (const TaskRecord &record : currentActions().targetRecords(Action::CopyTaskId))
        ids << record.key.taskId;
    if (ids.isEmpty())
        return;
    // Marked as ours, so the clipboard watcher does not offer them straight back.
    QGuiApplication::clipboard()->setMimeData(ClipboardWatcher::createOwnMimeData(ids.join(u'\n')));
    statusBar()->showMessage(tr("Copied %n task ID(s).", nullptr, int(ids.size())), 3000);
}

void MainWindow::copyVideoUrls()
{
    QStringList urls;
    for (const TaskRecord &record : currentActions().targetRecords(Action::CopyVideoUrl))
        urls << TaskActions::videoUrlOf(record);
    if (urls.isEmpty())
        return;
    QGuiApplication::clipboard()->setMimeData(ClipboardWatcher::createOwnMimeData(urls.join(u'\n')));
    statusBar()->showMessage(tr("Copied %n video link(s). Links expire; Reelkeep saves the videos for you.", nullptr,
                                int(urls.size())),
                             4000);
}

void MainWindow::pollSelected()
{
    for (const TaskKey &key : currentActions().targets(Action::PollNow))
        m_context->engine()->pollNow(key);
    updateStatusTimes();
}

void MainWindow::retrySelected()
{
    for (const TaskKey &key : currentActions().targets(Action::Retry))
        m_context->engine()->retry(key);
}

void MainWindow::setSelectedPollingPaused(bool paused)
{
    for (const TaskKey &key : currentActions().targets(paused ? Action::PausePolling : Action::ResumePolling))
        m_context->engine()->setPollingPaused(key, paused);
    scheduleActionUpdate();
}

void MainWindow::removeSelected()
{
    const QList<TaskRecord> records = currentActions().targetRecords(Action::Remove);
    if (records.isEmpty())
        return;
    QStringList files;
    for (const TaskRecord &record : records) {
        if (!record.filePath.isEmpty())
            files << record.filePath;
    }

    QMessageBox confirm(QMessageBox::Question, tr("Remove Tasks"),
                        records.size() == 1 ? tr("Remove task %1 from the list?").arg(records.first().key.taskId)
                                            : tr("Remove %n task(s) from the list?", nullptr, int(records.size())),
                        QMessageBox::Cancel, this);
    confirm.setObjectName(u"confirmRemove"_s);
    QPushButton *remove = confirm.addButton(tr("Remove"), QMessageBox::AcceptRole);
    confirm.setDefaultButton(remove);
    confirm.setInformativeText(files.isEmpty()
                                   ? tr("Reelkeep stops watching them.")
                                   : tr("Reelkeep stops watching them. Saved videos stay on disk unless you choose "
                                        "otherwise below."));
    QCheckBox *deleteFiles = nullptr;
    if (!files.isEmpty()) {
        deleteFiles = new QCheckBox(tr("Also delete the %n saved video file(s)", nullptr, int(files.size())));
        deleteFiles->setObjectName(u"deleteFilesCheckBox"_s);
        confirm.setCheckBox(deleteFiles);
    }
    confirm.exec();
    if (confirm.clickedButton() != remove)
        return;

    const bool alsoDelete = deleteFiles && deleteFiles->isChecked();
    if (alsoDelete) {
        QMessageBox second(QMessageBox::Warning, tr("Delete Videos"),
                           tr("Delete %n video file(s) permanently?", nullptr, int(files.size())), QMessageBox::Cancel,
                           this);
        second.setObjectName(u"confirmDeleteFiles"_s);
        second.setInformativeText(tr("This cannot be undone. If the links have expired, the videos cannot be "
                                     "downloaded again."));
        QPushButton *del = second.addButton(tr("Delete Files"), QMessageBox::DestructiveRole);
        second.setDefaultButton(qobject_cast<QPushButton *>(second.button(QMessageBox::Cancel)));
        second.exec();
        if (second.clickedButton() != del)
            return;
    }

    for (const TaskRecord &record : records)
        m_context->engine()->removeTask(record.key);
    if (alsoDelete) {
        // Off the GUI thread: a network folder may take its time.
        QThreadPool::globalInstance()->start([files] {
            for (const QString &file : files)
                QFile::remove(file);
        });
    }
    statusBar()->showMessage(tr("Removed %n task(s).", nullptr, int(records.size())), 3000);
}

// ---- adding tasks ---------------------------------------------------------------------------

void MainWindow::pasteFromClipboard()
{
    openAddTasksDialog(QGuiApplication::clipboard()->text());
}

void MainWindow::openAddTasksDialog(const QString &text)
{
    // The dialog itself offers to add an account when there is none yet.
    auto *dialog = new AddTasksDialog(m_context->engine(), m_context->accountManager(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setNetworkAccessManager(m_context->network());
    if (!text.isEmpty())
        dialog->setText(text);
    dialog->open();
}

void MainWindow::openAccountsDialog()
{
    auto *dialog = new AccountsDialog(m_context->accountManager(), m_context->network(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
}

void MainWindow::startDemo()
{
    ui->emptyPage->setDemoRunning(true);
    QString error;
    if (!m_context->demo()->start(&error)) {
        ui->emptyPage->setDemoRunning(false);
        ui->noticeArea->showNotice(u"demo"_s, NoticeArea::Level::Error, tr("The demo could not start: %1").arg(error));
    }
}

void MainWindow::handleArguments(const QStringList &texts)
{
    // A second start hands its arguments here: come to the front, then offer to add them.
    if (isMinimized())
        showNormal();
    raise();
    activateWindow();
    const QString text = texts.join(u'\n').trimmed();
    if (!text.isEmpty())
        openAddTasksDialog(text);
}

void MainWindow::revealTask(const TaskKey &key)
{
    if (isMinimized())
        showNormal();
    show();
    raise();
    activateWindow();
    const int row = m_context->engine()->rowOf(key);
    if (row < 0)
        return;
    QModelIndex index = m_proxy->mapFromSource(m_context->model()->index(row, 0));
    if (!index.isValid()) {
        // Hidden by the filter: show everything rather than nothing.
        ui->filterBar->setText({});
        ui->filterBar->setCategory(TaskFilter::Category::All);
        index = m_proxy->mapFromSource(m_context->model()->index(row, 0));
    }
    ui->taskView->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect
                                                               | QItemSelectionModel::Rows);
    ui->taskView->scrollTo(index);
}

void MainWindow::offerClipboardIds(const QStringList &ids)
{
    // The watcher only reports IDs that are new to the list and not offered before.
    if (ids.isEmpty())
        return;
    auto *add = new QAction(tr("Add…"));
    add->setObjectName(u"addClipboardIds"_s);
    connect(add, &QAction::triggered, this, [this, ids] { openAddTasksDialog(ids.join(u'\n')); });
    ui->noticeArea->showNotice(u"clipboard"_s, NoticeArea::Level::Info,
                               tr("The clipboard holds %n new task ID(s).", nullptr, int(ids.size())), {add});
}

void MainWindow::scanForOrphanPartials()
{
    const TaskEngine *engine = m_context->engine();
    const QString storePath = m_context->storePath();
    const QStringList folders = engine->downloadFolders();
    const QSet<QString> inUse = engine->partialPathsInUse();
    QPointer<MainWindow> self(this);
    QThreadPool::globalInstance()->start([self, storePath, folders, inUse] {
        OrphanPartials::ScanResult result = OrphanPartials::scan(storePath, folders, inUse);
        QMetaObject::invokeMethod(qApp, [self, result] {
            if (self)
                self->offerOrphanPartials(result);
        });
    });
}

void MainWindow::offerOrphanPartials(OrphanPartials::ScanResult result)
{
    if (!result.error.isEmpty()) {
        qCWarning(lcStore) << "cannot look for partial files without a task:" << result.error;
        return;
    }
    // A download that started while the scan ran has a task after all.
    const QSet<QString> inUse = m_context->engine()->partialPathsInUse();
    result.files.removeIf([&inUse](const OrphanPartials::File &file) { return inUse.contains(file.path); });
    if (result.files.isEmpty()) {
        ui->noticeArea->removeNotice(u"orphans"_s);
        return;
    }
    auto *review = new QAction(tr("Review…"));
    review->setObjectName(u"reviewOrphanPartials"_s);
    const QList<OrphanPartials::File> files = result.files;
    connect(review, &QAction::triggered, this, [this, files] {
        auto *dialog = new OrphanPartialsDialog(m_context->storePath(), files, this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->open();
    });
    // English plurals spelled out: no translation is loaded for the source language.
    const QString size = TaskListModel::formatBytes(OrphanPartials::totalSize(files));
    const QString text = files.size() == 1
        ? tr("1 unfinished download (%1) in your download folders belongs to no task in the list.").arg(size)
        : tr("%n unfinished downloads (%1) in your download folders belong to no task in the list.", nullptr,
             int(files.size()))
              .arg(size);
    ui->noticeArea->showNotice(u"orphans"_s, NoticeArea::Level::Info, text, {review});
}

void MainWindow::onTaskEvent(const TaskEvent &event)
{
    if (event.state != TaskState::Failed && event.state != TaskState::Expired)
        return;
    if (const TaskRecord *record = m_context->engine()->task(event.key))
        m_tray->notifyFailed(*record);
}

// ---- drag and drop --------------------------------------------------------------------------

void MainWindow::dragEnterEvent(QDragEnterEvent *event)
{
    // Rows dragged out of our own table are not new tasks.
    const bool ours = event->source() == ui->taskView || event->source() == ui->taskView->viewport();
    const QMimeData *mime = event->mimeData();
    bool localFiles = false;
    if (mime->hasUrls()) {
        const QList<QUrl> urls = mime->urls();
        localFiles = std::any_of(urls.cbegin(), urls.cend(), [](const QUrl &url) { return url.isLocalFile(); });
    }
    if (!ours && (localFiles || mime->hasText()))
        event->acceptProposedAction();
}

void MainWindow::dragMoveEvent(QDragMoveEvent *event)
{
    event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent *event)
{
    const QMimeData *mime = event->mimeData();
    QStringList files;
    if (mime->hasUrls()) {
        const QList<QUrl> urls = mime->urls();
        for (const QUrl &url : urls) {
            if (url.isLocalFile())
                files << url.toLocalFile();
        }
    }
    event->acceptProposedAction();
    if (!files.isEmpty())
        readDroppedFiles(files);
    else if (mime->hasText())
        openAddTasksDialog(mime->text());
}

void MainWindow::readDroppedFiles(const QStringList &paths)
{
    statusBar()->showMessage(tr("Reading %n dropped file(s)…", nullptr, int(paths.size())));
    QPointer<MainWindow> self(this);
    QThreadPool::globalInstance()->start([self, paths] {
        const DroppedText dropped = readTextFiles(paths);
        QMetaObject::invokeMethod(qApp, [self, dropped] {
            if (!self)
                return;
            self->statusBar()->clearMessage();
            if (!dropped.skipped.isEmpty()) {
                self->ui->noticeArea->showNotice(
                    u"dropped"_s, NoticeArea::Level::Warning,
                    tr("Skipped %1: not a text file, or larger than 64 MB.").arg(dropped.skipped.join(u", "_s)));
            }
            if (!dropped.text.trimmed().isEmpty())
                self->openAddTasksDialog(dropped.text);
        });
    });
}

// ---- export and import ----------------------------------------------------------------------

void MainWindow::exportTaskList()
{
    // Window-modal and asynchronous: no nested event loop while the user picks a name.
    const QString jsonFilter = tr("JSON (*.json)");
    const QString csvFilter = tr("CSV (*.csv)");
    auto *dialog = new QFileDialog(this, tr("Export Task List"));
    dialog->setObjectName(u"exportTaskListDialog"_s);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setAcceptMode(QFileDialog::AcceptSave);
    dialog->setNameFilters({jsonFilter, csvFilter});
    dialog->selectFile(tr("tasks.json"));
    connect(dialog, &QFileDialog::fileSelected, this, [this, dialog, csvFilter](const QString &file) {
        QString path = file;
        // The chosen filter decides the format when the name has no extension of its own.
        if (!path.endsWith(".json"_L1, Qt::CaseInsensitive) && !path.endsWith(".csv"_L1, Qt::CaseInsensitive))
            path += dialog->selectedNameFilter() == csvFilter ? ".csv"_L1 : ".json"_L1;
        exportTaskListTo(path);
    });
    dialog->open();
}

void MainWindow::exportTaskListTo(const QString &path)
{
    QList<TaskRecord> records = selectedRecords();
    if (records.isEmpty()) {
        const TaskEngine *engine = m_context->engine();
        for (int row = 0; row < engine->taskCount(); ++row)
            records << engine->taskAt(row);
    }
    const TaskEngine *engine = m_context->engine();
    const QByteArray data = TaskListExchange::exportFor(path, records, [engine](const QString &accountId) {
        const Account *account = engine->account(accountId);
        return account ? account->displayName : QString();
    });

    QPointer<MainWindow> self(this);
    const int count = int(records.size());
    QThreadPool::globalInstance()->start([self, path, data, count] {
        QString error;
        const bool ok = TaskListExchange::writeFile(path, data, &error);
        QMetaObject::invokeMethod(qApp, [self, ok, error, path, count] {
            if (!self)
                return;
            if (ok)
                self->statusBar()->showMessage(tr("Exported %n task(s) to %1.", nullptr, count)
                                                   .arg(QDir::toNativeSeparators(path)), 5000);
            else
                self->ui->noticeArea->showNotice(u"export"_s, NoticeArea::Level::Error, error);
        });
    });
}

void MainWindow::importTaskList()
{
    auto *dialog = new QFileDialog(this, tr("Import Task List"));
    dialog->setObjectName(u"importTaskListDialog"_s);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setAcceptMode(QFileDialog::AcceptOpen);
    dialog->setFileMode(QFileDialog::ExistingFile);
    dialog->setNameFilters({tr("Task lists (*.json *.csv)"), tr("All files (*)")});
    connect(dialog, &QFileDialog::fileSelected, this, &MainWindow::importTaskListFrom);
    dialog->open();
}

void MainWindow::importTaskListFrom(const QString &path)
{
    QPointer<MainWindow> self(this);
    QThreadPool::globalInstance()->start([self, path] {
        QList<TaskListExchange::ImportedTask> tasks;
        QString error;
        QFile file(path);
        if (file.size() > maxDroppedFileBytes)
            error = tr("%1 is larger than 64 MB.").arg(QFileInfo(path).fileName());
        else if (!file.open(QIODevice::ReadOnly))
            error = tr("Cannot read %1: %2").arg(QDir::toNativeSeparators(path), file.errorString());
        else
            tasks = TaskListExchange::parse(file.readAll(), &error);
        QMetaObject::invokeMethod(qApp, [self, path, tasks, error] {
            if (self)
                self->addImportedTasks(path, tasks, error);
        });
    });
}

void MainWindow::addImportedTasks(const QString &path, const QList<TaskListExchange::ImportedTask> &tasks,
                                  const QString &error)
{
    // Tasks of a known account go straight back to it; the rest need the user to pick one.
    TaskEngine *engine = m_context->engine();
    QHash<QString, QStringList> byAccount;
    QStringList unassigned;
    for (const TaskListExchange::ImportedTask &task : tasks) {
        if (!task.accountId.isEmpty() && engine->account(task.accountId))
            byAccount[task.accountId] << task.taskId;
        else
            unassigned << task.taskId;
    }
    int added = 0;
    int present = 0;
    int skipped = 0;
    for (auto it = byAccount.cbegin(); it != byAccount.cend(); ++it) {
        const TaskEngine::AddResult result = engine->addTasks(it.key(), it.value());
        added += int(result.added.size());
        present += int(result.alreadyPresent.size());
        skipped += int(result.rejected.size());
    }

    QString summary = tr("%1 added, %2 already in the list, %3 skipped.")
                          .arg(QLocale().toString(added), QLocale().toString(present), QLocale().toString(skipped));
    if (!unassigned.isEmpty())
        summary += u" "_s + tr("%n task(s) without a known account are shown in Add Tasks to pick one.", nullptr,
                                 int(unassigned.size()));
    if (!error.isEmpty())
        summary += u" "_s + tr("Problems in the file: %1").arg(error);
    // A notice rather than a message box: the import finishes off the GUI thread, perhaps after
    // the user moved on, and a modal box popping up late would take the keyboard from them.
    ui->noticeArea->showNotice(u"import"_s, error.isEmpty() ? NoticeArea::Level::Info : NoticeArea::Level::Warning,
                               tr("Imported %1").arg(QFileInfo(path).fileName()) + u": "_s + summary);
    if (!unassigned.isEmpty())
        openAddTasksDialog(unassigned.join(u'\n'));
}

// ---- help -----------------------------------------------------------------------------------

void MainWindow::showAbout()
{
    QMessageBox::about(
        this, tr("About Reelkeep"),
        tr("<h3>Reelkeep %1</h3>"
           "<p>Keeps every AI-generated video: Reelkeep polls your video-generation tasks by ID and saves each "
           "finished video before its temporary link expires.</p>"
           "<p>It only reads task status; it never submits or pays for anything.</p>"
           "<p>Task list: %2</p>")
            .arg(QCoreApplication::applicationVersion().toHtmlEscaped(),
                 QDir::toNativeSeparators(m_context->storePath()).toHtmlEscaped()));
}
