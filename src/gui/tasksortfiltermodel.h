#pragma once

#include "taskfilter.h"

#include <QSortFilterProxyModel>

class TaskListModel;

// The task table's sort and filter layer. Filtering asks TaskFilter (core) about each task's
// record, so the window and any other front-end agree on what "Active" or "Failed" means.
// Sorting compares TaskListModel::RawValueRole: numbers as numbers, text in natural order
// ("task2" before "task10"), and missing values (unknown size, no expiry) last in either order.
class TaskSortFilterModel : public QSortFilterProxyModel
{
    Q_OBJECT

public:
    explicit TaskSortFilterModel(QObject *parent = nullptr);

    void setSourceModel(QAbstractItemModel *sourceModel) override;
    TaskListModel *taskModel() const { return m_taskModel; }

    TaskFilter filter() const { return m_filter; }
    TaskFilter::Category category() const { return m_filter.category(); }
    // Setters re-filter only when the value really changed: a 10,000-row re-filter is not free.
    void setCategory(TaskFilter::Category category);
    void setFilterText(const QString &text);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;
    bool lessThan(const QModelIndex &left, const QModelIndex &right) const override;

private:
    static bool isMissing(int column, const QVariant &value);
    static bool isMissing(int column, qint64 value);
    // lessThan() for the integer columns, straight from the records (no QVariant).
    bool integerLessThan(int column, qint64 l, qint64 r, bool addedFirst) const;

    TaskListModel *m_taskModel = nullptr;
    TaskFilter m_filter;
};
