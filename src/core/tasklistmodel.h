#pragma once

#include "taskengine.h"
#include "taskfilter.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QList>

#include <array>
#include <vector>

class Clock;
class QTimer;

// The task table as a Qt model, a thin adapter over TaskEngine. Formatting for display lives
// here (DisplayRole), raw values for sorting and painting in RawValueRole and the custom roles.
// Engine changes are coalesced: many updates within one tick become one dataChanged per
// contiguous row range and changed column, with only the roles that changed.
class TaskListModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column
    {
        TaskIdColumn,
        AccountColumn,
        ModelColumn,
        StatusColumn,
        ProgressColumn,
        DurationColumn,
        ResolutionColumn,
        SizeColumn,
        AddedColumn,
        UpdatedColumn,
        ExpiresColumn,
        FileColumn,
        ErrorColumn,
        ColumnCount
    };

    enum Role
    {
        RawValueRole = Qt::UserRole + 1,  // sortable value of the cell (numbers, times as ms)
        StateRole,                        // TaskState as int
        ProgressRole,                     // 0..100, -1 unknown
        ProgressTextRole,                 // text on the progress bar
        TaskKeyRole,                      // QVariant<TaskKey>
        PollingPausedRole,
        HasVideoRole                      // the provider said where the bytes are
    };

    TaskListModel(TaskEngine *engine, Clock *clock, QObject *parent = nullptr);
    ~TaskListModel() override;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QStringList mimeTypes() const override;
    QMimeData *mimeData(const QModelIndexList &indexes) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;

    TaskEngine *engine() const { return m_engine; }
    TaskKey keyAt(int row) const;
    const TaskRecord &recordAt(int row) const { return m_engine->taskAt(row); }

    // RawValueRole of the columns whose sort value is an integer (status, progress, resolution,
    // size, added, last update, expiry), without a QVariant: sorting 100,000 rows asks for it
    // millions of times. Returns false for the other columns.
    bool rawInteger(int row, int column, qint64 *value) const;

    // Number of tasks per filter category (for the filter bar and status bar).
    std::array<int, TaskFilter::categoryCount> categoryCounts() const;
    int countInState(TaskState state) const;

    static QString stateDisplayName(TaskState state);
    static QString formatBytes(qint64 bytes);
    static QString formatRemaining(qint64 seconds);

    // Coalescing interval; 0 delivers changes on the next event-loop turn.
    void setUpdateInterval(int ms);
    // Emits everything still pending now (tests, before a sort).
    void flushPendingChanges();

signals:
    // The per-category counts may have changed (emitted once per coalescing tick).
    void countsChanged();

private:
    void onTasksAdded(int firstRow, int count);
    void onTaskAboutToBeRemoved(int row);
    void onTaskRemoved(int row);
    void onTaskChanged(int row, TaskEngine::Changes changes);
    void refreshCountdowns();
    QVariant displayData(const TaskRecord &record, int column) const;
    QVariant rawData(const TaskRecord &record, int column) const;
    QString progressText(const TaskRecord &record) const;
    int progressValue(const TaskRecord &record) const;

    TaskEngine *m_engine;
    Clock *m_clock;
    int m_rowCount = 0;
    QTimer *m_flushTimer;
    QTimer *m_countdownTimer;
    std::vector<TaskEngine::Changes> m_pending;   // per row, what changed since the last tick
    QList<int> m_dirtyRows;
    std::array<QString, size_t(TaskState::Expired) + 1> m_stateNames;
};
