#include "tasklistmodel.h"

#include "clock.h"

#include <QDir>
#include <QFileInfo>
#include <QLocale>
#include <QMimeData>
#include <QTimer>
#include <QUrl>

#include <algorithm>
#include <limits>
#include <utility>

using namespace Qt::StringLiterals;

namespace
{
constexpr int defaultUpdateIntervalMs = 250;
constexpr int countdownIntervalMs = 1000;

// Which columns show what each kind of change touches.
QList<int> columnsFor(TaskEngine::Changes changes)
{
    QList<int> columns;
    using C = TaskEngine::Change;
    if (changes & C::State)
        columns << TaskListModel::StatusColumn << TaskListModel::ProgressColumn;
    if (changes & C::Progress)
        columns << TaskListModel::ProgressColumn << TaskListModel::SizeColumn;
    if (changes & C::Details) {
        columns << TaskListModel::ModelColumn << TaskListModel::DurationColumn << TaskListModel::ResolutionColumn
                << TaskListModel::ExpiresColumn << TaskListModel::StatusColumn;
    }
    if (changes & C::Error)
        columns << TaskListModel::ErrorColumn << TaskListModel::StatusColumn;
    if (changes & C::File)
        columns << TaskListModel::FileColumn << TaskListModel::SizeColumn;
    if (changes)
        columns << TaskListModel::UpdatedColumn;
    return columns;
}

QList<int> rolesFor(int column)
{
    QList<int> roles{Qt::DisplayRole, Qt::ToolTipRole, TaskListModel::RawValueRole};
    if (column == TaskListModel::StatusColumn || column == TaskListModel::ProgressColumn) {
        roles << TaskListModel::StateRole << TaskListModel::ProgressRole << TaskListModel::ProgressTextRole
              << TaskListModel::HasVideoRole << TaskListModel::PollingPausedRole;
    }
    return roles;
}
} // namespace

TaskListModel::TaskListModel(TaskEngine *engine, Clock *clock, QObject *parent)
    : QAbstractTableModel(parent), m_engine(engine), m_clock(clock), m_flushTimer(new QTimer(this)),
      m_countdownTimer(new QTimer(this))
{
    for (int s = 0; s <= int(TaskState::Expired); ++s)
        m_stateNames[size_t(s)] = stateDisplayName(TaskState(s));

    m_rowCount = engine->taskCount();
    m_pending.resize(size_t(m_rowCount));

    m_flushTimer->setSingleShot(true);
    m_flushTimer->setInterval(defaultUpdateIntervalMs);
    connect(m_flushTimer, &QTimer::timeout, this, &TaskListModel::flushPendingChanges);
    m_countdownTimer->setInterval(countdownIntervalMs);
    connect(m_countdownTimer, &QTimer::timeout, this, &TaskListModel::refreshCountdowns);
    m_countdownTimer->start();

    connect(engine, &TaskEngine::tasksAdded, this, &TaskListModel::onTasksAdded);
    connect(engine, &TaskEngine::taskAboutToBeRemoved, this, &TaskListModel::onTaskAboutToBeRemoved);
    connect(engine, &TaskEngine::taskRemoved, this, &TaskListModel::onTaskRemoved);
    connect(engine, &TaskEngine::taskChanged, this, &TaskListModel::onTaskChanged);
}

TaskListModel::~TaskListModel() = default;

void TaskListModel::setUpdateInterval(int ms)
{
    m_flushTimer->setInterval(std::max(0, ms));
}

int TaskListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : m_rowCount;
}

int TaskListModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

TaskKey TaskListModel::keyAt(int row) const
{
    return row >= 0 && row < m_rowCount ? m_engine->taskAt(row).key : TaskKey{};
}

QString TaskListModel::stateDisplayName(TaskState state)
{
    switch (state) {
    case TaskState::Unknown:
        return tr("Unknown", "task status");
    case TaskState::Queued:
        return tr("Queued", "task status");
    case TaskState::Processing:
        return tr("Processing", "task status");
    case TaskState::Completed:
        return tr("Completed", "task status");
    case TaskState::Failed:
        return tr("Failed", "task status");
    case TaskState::Downloading:
        return tr("Downloading", "task status");
    case TaskState::Saved:
        return tr("Saved", "task status");
    case TaskState::Expired:
        return tr("Expired", "task status");
    }
    return {};
}

QString TaskListModel::formatBytes(qint64 bytes)
{
    if (bytes < 0)
        return {};
    return QLocale().formattedDataSize(bytes, 1, QLocale::DataSizeTraditionalFormat);
}

QString TaskListModel::formatRemaining(qint64 seconds)
{
    if (seconds <= 0)
        return tr("expired");
    if (seconds < 120)
        return tr("%n s", nullptr, int(seconds));
    if (seconds < 2 * 3600)
        return tr("%n min", nullptr, int(seconds / 60));
    if (seconds < 48 * 3600)
        return tr("%1 h %2 min").arg(seconds / 3600).arg((seconds % 3600) / 60);
    return tr("%n days", nullptr, int(seconds / 86400));
}

int TaskListModel::progressValue(const TaskRecord &record) const
{
    switch (record.state) {
    case TaskState::Downloading:
        return record.bytesTotal > 0 ? int(record.bytesReceived * 100 / record.bytesTotal) : -1;
    case TaskState::Saved:
    case TaskState::Completed:
        return 100;
    default:
        return record.snapshot.progress;
    }
}

QString TaskListModel::progressText(const TaskRecord &record) const
{
    const int progress = progressValue(record);
    switch (record.state) {
    case TaskState::Downloading: {
        QString text = record.bytesTotal > 0 ? tr("%1% of %2").arg(progress).arg(formatBytes(record.bytesTotal))
                                             : formatBytes(record.bytesReceived);
        const double speed = m_engine->downloadSpeed(record.key);
        if (speed >= 1)
            text = tr("%1 · %2/s").arg(text, formatBytes(qint64(speed)));
        return text;
    }
    case TaskState::Saved:
        return tr("Saved");
    case TaskState::Completed:
        return record.snapshot.source.isValid() ? tr("Ready to save") : tr("No video");
    case TaskState::Failed:
        return tr("Failed");
    case TaskState::Expired:
        return tr("Link expired");
    default:
        if (record.pollingPaused)
            return tr("Paused");
        return progress >= 0 ? tr("%1%").arg(progress) : m_stateNames[size_t(record.state)];
    }
}

QVariant TaskListModel::displayData(const TaskRecord &record, int column) const
{
    const TaskSnapshot &snapshot = record.snapshot;
    switch (column) {
    case TaskIdColumn:
        return record.key.taskId;
    case AccountColumn: {
        const Account *account = m_engine->account(record.key.accountId);
        return account ? account->displayName : record.key.accountId;
    }
    case ModelColumn:
        return snapshot.model;
    case StatusColumn:
        if (record.state == TaskState::Unknown && !snapshot.providerStatus.isEmpty())
            return tr("Unknown (%1)").arg(snapshot.providerStatus);
        return m_stateNames[size_t(record.state)];
    case ProgressColumn:
        return progressText(record);
    case DurationColumn:
        return snapshot.durationSeconds >= 0 ? tr("%1 s").arg(snapshot.durationSeconds, 0, 'f',
                                                               snapshot.durationSeconds == int(snapshot.durationSeconds) ? 0 : 1)
                                             : QString();
    case ResolutionColumn:
        return snapshot.resolution.isValid()
            ? u"%1×%2"_s.arg(snapshot.resolution.width()).arg(snapshot.resolution.height())
            : QString();
    case SizeColumn:
        if (record.state == TaskState::Saved || record.bytesTotal > 0)
            return formatBytes(record.state == TaskState::Saved ? record.bytesReceived : record.bytesTotal);
        return record.bytesReceived > 0 ? formatBytes(record.bytesReceived) : QString();
    case AddedColumn:
        return QLocale().toString(record.addedAt.toLocalTime(), QLocale::ShortFormat);
    case UpdatedColumn: {
        const QDateTime last = std::max(record.updatedAt, record.lastPolledAt);
        return last.isValid() ? QLocale().toString(last.toLocalTime().time(), QLocale::ShortFormat) : QString();
    }
    case ExpiresColumn:
        if (record.state == TaskState::Saved || !record.urlExpiresAt.isValid())
            return QString();
        return formatRemaining((record.urlExpiresAt.toMSecsSinceEpoch() - m_clock->nowMs()) / 1000);
    case FileColumn:
        return record.filePath.isEmpty() ? QString() : QFileInfo(record.filePath).fileName();
    case ErrorColumn:
        return record.lastError;
    }
    return {};
}

QVariant TaskListModel::rawData(const TaskRecord &record, int column) const
{
    switch (column) {
    case StatusColumn:
        return int(record.state);
    case ProgressColumn:
        return progressValue(record);
    case DurationColumn:
        return record.snapshot.durationSeconds;
    case ResolutionColumn:
        return record.snapshot.resolution.width() * record.snapshot.resolution.height();
    case SizeColumn:
        return std::max(record.bytesTotal, record.bytesReceived);
    case AddedColumn:
        return record.addedAt.toMSecsSinceEpoch();
    case UpdatedColumn:
        return std::max(record.updatedAt, record.lastPolledAt).toMSecsSinceEpoch();
    case ExpiresColumn:
        return record.urlExpiresAt.isValid() && record.state != TaskState::Saved
            ? record.urlExpiresAt.toMSecsSinceEpoch()
            : std::numeric_limits<qint64>::max();
    default:
        return displayData(record, column);
    }
}

bool TaskListModel::rawInteger(int row, int column, qint64 *value) const
{
    if (row < 0 || row >= m_rowCount)
        return false;
    const TaskRecord &record = m_engine->taskAt(row);
    switch (column) {
    case StatusColumn:
    case ProgressColumn:
    case ResolutionColumn:
    case SizeColumn:
    case AddedColumn:
    case UpdatedColumn:
    case ExpiresColumn:
        // The same values as rawData(), which these must match.
        *value = column == StatusColumn ? qint64(record.state)
            : column == ProgressColumn ? qint64(progressValue(record))
            : column == ResolutionColumn ? qint64(record.snapshot.resolution.width() * record.snapshot.resolution.height())
            : column == SizeColumn ? std::max(record.bytesTotal, record.bytesReceived)
            : column == AddedColumn ? record.addedAt.toMSecsSinceEpoch()
            : column == UpdatedColumn ? std::max(record.updatedAt, record.lastPolledAt).toMSecsSinceEpoch()
            : (record.urlExpiresAt.isValid() && record.state != TaskState::Saved ? record.urlExpiresAt.toMSecsSinceEpoch()
                                                                                 : std::numeric_limits<qint64>::max());
        return true;
    default:
        return false;
    }
}

QVariant TaskListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const TaskRecord &record = m_engine->taskAt(index.row());
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole:
        return displayData(record, column);
    case RawValueRole:
        return rawData(record, column);
    case StateRole:
        return int(record.state);
    case ProgressRole:
        return progressValue(record);
    case ProgressTextRole:
        return progressText(record);
    case TaskKeyRole:
        return QVariant::fromValue(record.key);
    case PollingPausedRole:
        return record.pollingPaused;
    case HasVideoRole:
        return record.snapshot.source.isValid();
    case Qt::TextAlignmentRole:
        if (column == DurationColumn || column == SizeColumn || column == ExpiresColumn)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::ToolTipRole:
        switch (column) {
        case StatusColumn: {
            QString tip = m_stateNames[size_t(record.state)];
            if (!record.snapshot.providerStatus.isEmpty())
                tip += tr(" (provider: %1)").arg(record.snapshot.providerStatus);
            if (!record.lastError.isEmpty())
                tip += u"\n"_s + record.lastError;
            return tip;
        }
        case FileColumn:
            return QDir::toNativeSeparators(record.filePath);
        case ErrorColumn:
            return record.lastError;
        case ExpiresColumn:
            return record.urlExpiresAt.isValid() ? QLocale().toString(record.urlExpiresAt.toLocalTime(), QLocale::LongFormat)
                                                 : QVariant();
        case UpdatedColumn:
            return record.lastPolledAt.isValid()
                ? tr("Last asked the provider at %1").arg(QLocale().toString(record.lastPolledAt.toLocalTime(), QLocale::LongFormat))
                : QVariant();
        default:
            return {};
        }
    default:
        return {};
    }
}

QVariant TaskListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case TaskIdColumn:
        return tr("Task ID");
    case AccountColumn:
        return tr("Account");
    case ModelColumn:
        return tr("Model");
    case StatusColumn:
        return tr("Status");
    case ProgressColumn:
        return tr("Progress");
    case DurationColumn:
        return tr("Duration");
    case ResolutionColumn:
        return tr("Resolution");
    case SizeColumn:
        return tr("Size");
    case AddedColumn:
        return tr("Added");
    case UpdatedColumn:
        return tr("Last update");
    case ExpiresColumn:
        return tr("Link expires in");
    case FileColumn:
        return tr("Saved file");
    case ErrorColumn:
        return tr("Last error");
    }
    return {};
}

Qt::ItemFlags TaskListModel::flags(const QModelIndex &index) const
{
    // Rows can be dragged out (as IDs and file URLs); the root takes nothing.
    return index.isValid() ? QAbstractTableModel::flags(index) | Qt::ItemIsDragEnabled : QAbstractTableModel::flags(index);
}

QStringList TaskListModel::mimeTypes() const
{
    return {u"text/plain"_s, u"text/uri-list"_s};
}

QMimeData *TaskListModel::mimeData(const QModelIndexList &indexes) const
{
    // Dragging rows out gives their IDs as text, and saved files as file URLs.
    QStringList ids;
    QList<QUrl> files;
    QList<int> seen;
    for (const QModelIndex &index : indexes) {
        if (seen.contains(index.row()))
            continue;
        seen << index.row();
        const TaskRecord &record = m_engine->taskAt(index.row());
        ids << record.key.taskId;
        if (!record.filePath.isEmpty())
            files << QUrl::fromLocalFile(record.filePath);
    }
    auto *mime = new QMimeData;
    mime->setText(ids.join(u'\n'));
    if (!files.isEmpty())
        mime->setUrls(files);
    return mime;
}

std::array<int, TaskFilter::categoryCount> TaskListModel::categoryCounts() const
{
    std::array<int, TaskFilter::categoryCount> counts{};
    for (int row = 0; row < m_rowCount; ++row) {
        const TaskRecord &record = m_engine->taskAt(row);
        for (int c = 0; c < TaskFilter::categoryCount; ++c) {
            if (TaskFilter::inCategory(record, TaskFilter::Category(c)))
                ++counts[size_t(c)];
        }
    }
    return counts;
}

int TaskListModel::countInState(TaskState state) const
{
    int count = 0;
    for (int row = 0; row < m_rowCount; ++row)
        count += m_engine->taskAt(row).state == state ? 1 : 0;
    return count;
}

void TaskListModel::onTasksAdded(int firstRow, int count)
{
    flushPendingChanges();
    beginInsertRows({}, firstRow, firstRow + count - 1);
    m_rowCount += count;
    m_pending.insert(m_pending.begin() + firstRow, size_t(count), TaskEngine::Changes());
    endInsertRows();
    emit countsChanged();
}

void TaskListModel::onTaskAboutToBeRemoved(int row)
{
    flushPendingChanges();
    beginRemoveRows({}, row, row);
}

void TaskListModel::onTaskRemoved(int row)
{
    m_rowCount -= 1;
    m_pending.erase(m_pending.begin() + row);
    endRemoveRows();
    emit countsChanged();
}

void TaskListModel::onTaskChanged(int row, TaskEngine::Changes changes)
{
    if (row < 0 || row >= m_rowCount || !changes)
        return;
    TaskEngine::Changes &pending = m_pending[size_t(row)];
    if (!pending)
        m_dirtyRows << row;
    pending |= changes;
    if (!m_flushTimer->isActive())
        m_flushTimer->start();
}

void TaskListModel::flushPendingChanges()
{
    m_flushTimer->stop();
    if (m_dirtyRows.isEmpty())
        return;
    std::sort(m_dirtyRows.begin(), m_dirtyRows.end());

    // For every column: the dirty rows that touch it, merged into contiguous ranges.
    bool stateChanged = false;
    std::array<QList<int>, ColumnCount> rowsPerColumn;
    for (const int row : std::as_const(m_dirtyRows)) {
        const TaskEngine::Changes changes = std::exchange(m_pending[size_t(row)], TaskEngine::Changes());
        stateChanged |= changes.testFlag(TaskEngine::Change::State);
        QList<int> columns = columnsFor(changes);
        std::sort(columns.begin(), columns.end());
        columns.erase(std::unique(columns.begin(), columns.end()), columns.end());
        for (const int column : std::as_const(columns))
            rowsPerColumn[size_t(column)] << row;
    }
    m_dirtyRows.clear();

    for (int column = 0; column < ColumnCount; ++column) {
        const QList<int> &rows = rowsPerColumn[size_t(column)];
        if (rows.isEmpty())
            continue;
        const QList<int> roles = rolesFor(column);
        int start = rows.first();
        int previous = start;
        for (qsizetype i = 1; i <= rows.size(); ++i) {
            if (i < rows.size() && rows[i] == previous + 1) {
                previous = rows[i];
                continue;
            }
            emit dataChanged(index(start, column), index(previous, column), roles);
            if (i < rows.size())
                start = previous = rows[i];
        }
    }
    if (stateChanged)
        emit countsChanged();
}

void TaskListModel::refreshCountdowns()
{
    // Only the countdown text moves with time; its sort value (the expiry instant) does not,
    // so a sorted or filtered view has nothing to redo.
    if (m_rowCount > 0)
        emit dataChanged(index(0, ExpiresColumn), index(m_rowCount - 1, ExpiresColumn), {Qt::DisplayRole});
}
