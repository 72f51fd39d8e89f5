#include "tasksortfiltermodel.h"

#include "tasklistmodel.h"

#include <limits>

namespace
{
bool isNumeric(const QVariant &value)
{
    switch (value.typeId()) {
    case QMetaType::Int:
    case QMetaType::UInt:
    case QMetaType::LongLong:
    case QMetaType::ULongLong:
    case QMetaType::Double:
    case QMetaType::Float:
    case QMetaType::Bool:
        return true;
    default:
        return false;
    }
}

// "task2" before "task10": runs of digits compare as numbers, the rest case-insensitively.
// Hand-written because QCollator ignores its numeric mode in the C locale (and without ICU).
int naturalCompare(QStringView a, QStringView b)
{
    qsizetype i = 0;
    qsizetype j = 0;
    while (i < a.size() && j < b.size()) {
        if (a[i].isDigit() && b[j].isDigit()) {
            qsizetype endA = i;
            qsizetype endB = j;
            while (endA < a.size() && a[endA].isDigit())
                ++endA;
            while (endB < b.size() && b[endB].isDigit())
                ++endB;
            // Compare the numbers without converting them (IDs hold runs longer than 64 bits).
            QStringView numberA = a.sliced(i, endA - i);
            QStringView numberB = b.sliced(j, endB - j);
            while (numberA.size() > 1 && numberA.front() == u'0')
                numberA = numberA.sliced(1);
            while (numberB.size() > 1 && numberB.front() == u'0')
                numberB = numberB.sliced(1);
            if (numberA.size() != numberB.size())
                return numberA.size() < numberB.size() ? -1 : 1;
            if (const int c = numberA.compare(numberB); c != 0)
                return c;
            i = endA;
            j = endB;
            continue;
        }
        const QChar ca = a[i].toCaseFolded();
        const QChar cb = b[j].toCaseFolded();
        if (ca != cb)
            return ca < cb ? -1 : 1;
        ++i;
        ++j;
    }
    if (i < a.size() || j < b.size())
        return i < a.size() ? 1 : -1;
    return a.compare(b, Qt::CaseSensitive);   // only case differs: keep a stable order
}

// Status sorts in life-cycle order rather than the enum's order.
int stateRank(int state)
{
    switch (TaskState(state)) {
    case TaskState::Queued:
        return 0;
    case TaskState::Processing:
        return 1;
    case TaskState::Unknown:
        return 2;
    case TaskState::Completed:
        return 3;
    case TaskState::Downloading:
        return 4;
    case TaskState::Saved:
        return 5;
    case TaskState::Failed:
        return 6;
    case TaskState::Expired:
        return 7;
    }
    return 8;
}
} // namespace

TaskSortFilterModel::TaskSortFilterModel(QObject *parent) : QSortFilterProxyModel(parent)
{
    setSortRole(TaskListModel::RawValueRole);
    setDynamicSortFilter(true);
}

void TaskSortFilterModel::setSourceModel(QAbstractItemModel *sourceModel)
{
    m_taskModel = qobject_cast<TaskListModel *>(sourceModel);
    Q_ASSERT_X(m_taskModel || !sourceModel, "TaskSortFilterModel", "the source must be a TaskListModel");
    QSortFilterProxyModel::setSourceModel(sourceModel);
}

void TaskSortFilterModel::setCategory(TaskFilter::Category category)
{
    if (m_filter.category() == category)
        return;
    m_filter.setCategory(category);
    invalidateFilter();
}

void TaskSortFilterModel::setFilterText(const QString &text)
{
    TaskFilter changed = m_filter;
    changed.setText(text);
    if (changed == m_filter)
        return;
    m_filter = changed;
    invalidateFilter();
}

bool TaskSortFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    if (!m_taskModel || sourceParent.isValid())
        return false;
    return m_filter.matches(m_taskModel->recordAt(sourceRow));
}

bool TaskSortFilterModel::isMissing(int column, const QVariant &value)
{
    if (!value.isValid() || value.isNull())
        return true;
    switch (column) {
    case TaskListModel::ProgressColumn:
    case TaskListModel::DurationColumn:
        return value.toDouble() < 0;
    case TaskListModel::ResolutionColumn:
        return value.toLongLong() <= 1;   // an unknown QSize multiplies to 1
    case TaskListModel::SizeColumn:
        return value.toLongLong() <= 0;
    case TaskListModel::ExpiresColumn:
        return value.toLongLong() == std::numeric_limits<qint64>::max();
    case TaskListModel::UpdatedColumn:
    case TaskListModel::AddedColumn:
        return value.toLongLong() <= 0;
    default:
        return value.typeId() == QMetaType::QString && value.toString().isEmpty();
    }
}

bool TaskSortFilterModel::isMissing(int column, qint64 value)
{
    // isMissing(int, QVariant) for the values TaskListModel::rawInteger() gives.
    switch (column) {
    case TaskListModel::ProgressColumn:
        return value < 0;
    case TaskListModel::ResolutionColumn:
        return value <= 1;
    case TaskListModel::SizeColumn:
    case TaskListModel::UpdatedColumn:
    case TaskListModel::AddedColumn:
        return value <= 0;
    case TaskListModel::ExpiresColumn:
        return value == std::numeric_limits<qint64>::max();
    default:
        return false;
    }
}

bool TaskSortFilterModel::integerLessThan(int column, qint64 l, qint64 r, bool addedFirst) const
{
    const bool lMissing = isMissing(column, l);
    const bool rMissing = isMissing(column, r);
    if (lMissing || rMissing) {
        if (lMissing && rMissing)
            return addedFirst;
        return lMissing ? sortOrder() == Qt::DescendingOrder : sortOrder() == Qt::AscendingOrder;
    }
    const qint64 order = column == TaskListModel::StatusColumn ? stateRank(int(l)) - stateRank(int(r))
                                                              : (l < r ? -1 : (r < l ? 1 : 0));
    return order != 0 ? order < 0 : addedFirst;
}

bool TaskSortFilterModel::lessThan(const QModelIndex &left, const QModelIndex &right) const
{
    const int column = left.column();
    // Equal values keep the order the tasks were added in, whichever way the column is sorted.
    // (The proxy re-sorts from its previous order, so without this, ties would come out in
    // whatever order the last sort left them.) Descending sorts call lessThan(right, left).
    const bool addedFirst = sortOrder() == Qt::AscendingOrder ? left.row() < right.row() : left.row() > right.row();

    // Most columns sort by an integer: compared without building QVariants, which made a sort
    // of 100,000 rows take most of a second.
    qint64 li = 0;
    qint64 ri = 0;
    if (m_taskModel && sortRole() == TaskListModel::RawValueRole && left.model() == m_taskModel
        && m_taskModel->rawInteger(left.row(), column, &li) && m_taskModel->rawInteger(right.row(), column, &ri)) {
        return integerLessThan(column, li, ri, addedFirst);
    }

    const QVariant l = left.data(sortRole());
    const QVariant r = right.data(sortRole());

    // Missing values go last whichever way the column is sorted.
    const bool lMissing = isMissing(column, l);
    const bool rMissing = isMissing(column, r);
    if (lMissing || rMissing) {
        if (lMissing && rMissing)
            return addedFirst;
        return lMissing ? sortOrder() == Qt::DescendingOrder : sortOrder() == Qt::AscendingOrder;
    }

    int order = 0;
    if (column == TaskListModel::StatusColumn) {
        order = stateRank(l.toInt()) - stateRank(r.toInt());
    } else if (isNumeric(l) && isNumeric(r)) {
        const bool floating = l.typeId() == QMetaType::Double || r.typeId() == QMetaType::Double
            || l.typeId() == QMetaType::Float || r.typeId() == QMetaType::Float;
        if (floating)
            order = l.toDouble() < r.toDouble() ? -1 : (r.toDouble() < l.toDouble() ? 1 : 0);
        else
            order = l.toLongLong() < r.toLongLong() ? -1 : (r.toLongLong() < l.toLongLong() ? 1 : 0);
    } else {
        order = naturalCompare(l.toString(), r.toString());
    }
    return order != 0 ? order < 0 : addedFirst;
}
