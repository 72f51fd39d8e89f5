#pragma once

#include "taskactions.h"
#include "taskkey.h"
#include "orphanpartials.h"
#include "tasklistexchange.h"

#include <QHash>
#include <QMainWindow>
#include <QPointer>

#include <memory>

class AppContext;
class ClipboardWatcher;
class EmptyStatePage;
class FilterBar;
class NoticeArea;
class PreviewPane;
class QLabel;
class QMenu;
class QTimer;
class TaskDetailsPanel;
class TaskItemDelegate;
class TaskSortFilterModel;
class TaskTableView;
class TrayNotifier;
struct TaskRecord;

namespace Ui
{
class MainWindow;
}

// The desktop window: the task table with its filter bar, a side panel with the selected task's
// preview, details and history, and a status bar with totals, download speed and the next poll.
// It presents the AppContext's engine and acts on it; it never does I/O on the GUI thread
// (dropped files are read on a worker). Which row actions apply is TaskActions' decision.
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(AppContext *context, QWidget *parent = nullptr);
    ~MainWindow() override;

    // Texts from a command line or a second instance: task IDs or text holding them.
    void handleArguments(const QStringList &texts);
    // Opens the Add Tasks dialog with the text (IDs are picked out by the dialog).
    void openAddTasksDialog(const QString &text = {});
    void openAccountsDialog();
    void startDemo();
    // Selects and shows the task (a notification was clicked, for instance).
    void revealTask(const TaskKey &key);

    TaskTableView *taskView() const;
    FilterBar *filterBar() const;
    TaskSortFilterModel *proxyModel() const { return m_proxy; }
    TaskItemDelegate *itemDelegate() const { return m_delegate; }
    TaskDetailsPanel *detailsPanel() const { return m_details; }
    EmptyStatePage *emptyStatePage() const;
    NoticeArea *noticeArea() const;
    bool isShowingEmptyState() const;
    QAction *action(TaskActions::Action action) const { return m_actions.value(action); }
    QAction *pasteAction() const;
    // The row context menu for the current selection, built on demand; the caller owns it.
    QMenu *createTaskContextMenu();
    TaskActions currentActions() const;
    QString statusCountsText() const;

protected:
    void closeEvent(QCloseEvent *event) override;
    void changeEvent(QEvent *event) override;
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dragMoveEvent(QDragMoveEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    void setupTable();
    void setupSidePanel();
    void setupActions();
    void createShortcuts();
    void updateIcons();
    void setupStatusBar();
    void setupMediaHelpers();
    void connectContext();
    void restoreSettings();
    void saveSettings();

    QList<TaskRecord> selectedRecords() const;
    void scheduleActionUpdate();
    void updateActions();
    void updateEmptyState();
    void updateCounts();
    void updateStatusTimes();
    void onSelectionChanged();
    void showContextMenu(const QPoint &pos);
    void showColumnsMenu();

    void downloadSelected();
    void previewSelected();
    void openSelectedFile();
    void showSelectedInFolder();
    void copyTaskIds();
    void copyVideoUrls();
    void pollSelected();
    void retrySelected();
    void setSelectedPollingPaused(bool paused);
    void removeSelected();
    void pasteFromClipboard();
    void readDroppedFiles(const QStringList &paths);
    void exportTaskList();
    void exportTaskListTo(const QString &path);
    void importTaskList();
    void importTaskListFrom(const QString &path);
    void addImportedTasks(const QString &path, const QList<TaskListExchange::ImportedTask> &tasks,
                          const QString &error);
    void offerClipboardIds(const QStringList &ids);
    void scanForOrphanPartials();
    void offerOrphanPartials(OrphanPartials::ScanResult result);
    void showAbout();
    void onTaskEvent(const TaskEvent &event);

    AppContext *m_context;
    std::unique_ptr<Ui::MainWindow> ui;
    TaskSortFilterModel *m_proxy;
    TaskItemDelegate *m_delegate;
    TaskDetailsPanel *m_details = nullptr;
    PreviewPane *m_preview = nullptr;
    TrayNotifier *m_tray = nullptr;
    ClipboardWatcher *m_clipboard = nullptr;
    QHash<TaskActions::Action, QAction *> m_actions;
    QLabel *m_countsLabel = nullptr;
    QLabel *m_speedLabel = nullptr;
    QLabel *m_nextPollLabel = nullptr;
    QTimer *m_statusTimer;
    QTimer *m_actionTimer;
    QPointer<QMenu> m_columnsMenuContent;
};
