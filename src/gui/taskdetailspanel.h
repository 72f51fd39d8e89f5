#pragma once

#include "taskkey.h"
#include "taskrecord.h"

#include <QHash>
#include <QList>
#include <QWidget>

class Clock;
class QFormLayout;
class QLabel;
class QStackedWidget;
class QTimer;
class QTreeWidget;
class TaskEngine;

// The side panel's account of one task: its status as we and the provider see it, what is
// known about the video (model, duration, resolution, size, link expiry, saved file), the last
// error in full, and the task's history with a time for each change. Follows the engine live;
// with no task (or several) selected it says so instead.
class TaskDetailsPanel : public QWidget
{
    Q_OBJECT

public:
    enum class Field
    {
        Status,
        ProviderStatus,
        Account,
        Model,
        Duration,
        Resolution,
        Size,
        UrlExpiry,
        File,
        Error
    };

    TaskDetailsPanel(TaskEngine *engine, Clock *clock, QWidget *parent = nullptr);

    void showTask(const TaskKey &key);
    // Nothing to show in detail: no selection (0) or several tasks (n > 1).
    void showSelectionCount(int count);
    TaskKey currentKey() const { return m_key; }

    QString fieldText(Field field) const;
    QTreeWidget *historyView() const { return m_history; }

signals:
    // The selected task's history was read from the store and shown.
    void historyLoaded(const TaskKey &key);
    // The user clicked the saved file's link.
    void openFileRequested(const QString &filePath);

protected:
    void changeEvent(QEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    void refresh();
    void reloadHistory();
    void appendHistory(const TaskEvent &event);
    void addHistoryItem(const TaskEvent &event);
    void onTaskChanged(int row);
    void onTaskEvent(const TaskEvent &event);
    void updateBadge(TaskState state);
    void updateTitle();
    QString formatTime(const QDateTime &utc) const;
    QLabel *valueLabel(Field field) const { return m_values.value(field); }

    TaskEngine *m_engine;
    Clock *m_clock;
    TaskKey m_key;
    QStackedWidget *m_stack;
    QLabel *m_placeholder;
    QLabel *m_title;
    QLabel *m_badge;
    QFormLayout *m_form;
    QHash<Field, QLabel *> m_values;
    QTreeWidget *m_history;
    QTimer *m_refreshTimer;
    QTimer *m_countdownTimer;
    // Events seen since start-up: the store commits in batches, so a history read right after a
    // change may not hold it yet. Bounded; older events are in the store by then.
    QList<TaskEvent> m_recentEvents;
    quint64 m_historyRequest = 0;
};
