#include "tasktableview.h"

#include "taskitemdelegate.h"
#include "tasklistmodel.h"

#include <QAction>
#include <QHeaderView>
#include <QKeyEvent>
#include <QMenu>
#include <QPainter>
#include <QSettings>
#include <QTimer>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace
{
constexpr int saveDelayMs = 500;
constexpr int minimumUsableWidth = 24;
const auto accountColumnChosenKey = "GUI/TaskTable/AccountColumnChosen"_L1;
} // namespace

TaskTableView::TaskTableView(QWidget *parent) : QTreeView(parent), m_saveTimer(new QTimer(this))
{
    setObjectName(u"taskView"_s);
    setUniformRowHeights(true);
    setRootIsDecorated(false);
    setItemsExpandable(false);
    setSelectionMode(ExtendedSelection);
    setSelectionBehavior(SelectRows);
    setAllColumnsShowFocus(true);
    setAlternatingRowColors(true);
    setSortingEnabled(true);
    setEditTriggers(NoEditTriggers);
    setDragEnabled(true);
    setDragDropMode(DragOnly);
    setContextMenuPolicy(Qt::CustomContextMenu);
    setTextElideMode(Qt::ElideMiddle);   // task IDs differ at both ends
    setMouseTracking(true);

    QHeaderView *head = header();
    head->setSectionsMovable(true);
    head->setStretchLastSection(true);
    head->setFirstSectionMovable(true);
    head->setContextMenuPolicy(Qt::CustomContextMenu);
    head->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    head->setSortIndicatorShown(true);
    connect(head, &QHeaderView::customContextMenuRequested, this, [this](const QPoint &pos) {
        QMenu *menu = createHeaderMenu(this);
        menu->setAttribute(Qt::WA_DeleteOnClose);
        menu->popup(header()->viewport()->mapToGlobal(pos));
    });

    m_saveTimer->setSingleShot(true);
    m_saveTimer->setInterval(saveDelayMs);
    connect(m_saveTimer, &QTimer::timeout, this, &TaskTableView::saveHeaderState);
    connect(head, &QHeaderView::sectionMoved, this, &TaskTableView::scheduleSave);
    connect(head, &QHeaderView::sectionResized, this, &TaskTableView::scheduleSave);
    connect(head, &QHeaderView::sortIndicatorChanged, this, &TaskTableView::scheduleSave);
}

TaskTableView::~TaskTableView()
{
    if (m_saveTimer->isActive())
        saveHeaderState();
}

QString TaskTableView::headerStateKey()
{
    return u"GUI/TaskTable/HeaderState/v1"_s;
}

void TaskTableView::scheduleSave()
{
    if (!m_restoring)
        m_saveTimer->start();
}

int TaskTableView::defaultWidth(int column) const
{
    // In average character widths, so the defaults follow the user's font; never narrower than
    // the column's title with its sort arrow.
    const int ch = fontMetrics().averageCharWidth();
    int width = 0;
    switch (column) {
    case TaskListModel::TaskIdColumn:
        width = 26 * ch;
        break;
    case TaskListModel::AccountColumn:
        width = 18 * ch;
        break;
    case TaskListModel::ModelColumn:
        width = 16 * ch;
        break;
    case TaskListModel::StatusColumn:
        // Wide enough for the longest badge.
        for (int state = 0; state <= int(TaskState::Expired); ++state) {
            width = std::max(width, TaskItemDelegate::badgeWidth(font(), TaskListModel::stateDisplayName(TaskState(state))));
        }
        width += 4;
        break;
    case TaskListModel::ProgressColumn:
        width = 26 * ch;
        break;
    case TaskListModel::DurationColumn:
        width = 9 * ch;
        break;
    case TaskListModel::SizeColumn:
        width = 11 * ch;
        break;
    case TaskListModel::ResolutionColumn:
        width = 11 * ch;
        break;
    case TaskListModel::AddedColumn:
        width = 17 * ch;
        break;
    case TaskListModel::UpdatedColumn:
        width = 10 * ch;
        break;
    case TaskListModel::ExpiresColumn:
        width = 12 * ch;
        break;
    case TaskListModel::FileColumn:
        width = 20 * ch;
        break;
    default:
        width = 30 * ch;
        break;
    }
    if (model()) {
        const QString title = model()->headerData(column, Qt::Horizontal).toString();
        width = std::max(width, header()->fontMetrics().horizontalAdvance(title) + 28);
    }
    return width;
}

void TaskTableView::applyDefaultColumns(int accountCount)
{
    QHeaderView *head = header();
    m_restoring = true;
    for (int logical = 0; logical < head->count(); ++logical) {
        if (head->visualIndex(logical) != logical)
            head->moveSection(head->visualIndex(logical), logical);
        head->resizeSection(logical, defaultWidth(logical));
        head->setSectionHidden(logical, false);
    }
    head->setSectionHidden(TaskListModel::AddedColumn, true);
    head->setSectionHidden(TaskListModel::ResolutionColumn, true);
    head->setSectionHidden(TaskListModel::AccountColumn, accountCount <= 1);
    m_accountColumnChosen = false;
    sortByColumn(TaskListModel::AddedColumn, Qt::AscendingOrder);
    m_restoring = false;
}

bool TaskTableView::restoreHeaderState(int accountCount)
{
    const QSettings settings;
    const QByteArray state = settings.value(headerStateKey()).toByteArray();
    m_restoring = true;
    const bool restored = !state.isEmpty() && header()->restoreState(state)
        && header()->count() == TaskListModel::ColumnCount;
    m_restoring = false;
    if (!restored) {
        applyDefaultColumns(accountCount);
        return false;
    }
    m_accountColumnChosen = settings.value(accountColumnChosenKey, false).toBool();
    fixUnusableSections();
    // The header's restored sort indicator is only a picture until the proxy sorts by it.
    sortByColumn(header()->sortIndicatorSection(), header()->sortIndicatorOrder());
    return true;
}

void TaskTableView::fixUnusableSections()
{
    QHeaderView *head = header();
    m_restoring = true;
    bool anyVisible = false;
    for (int logical = 0; logical < head->count(); ++logical) {
        if (head->isSectionHidden(logical))
            continue;
        anyVisible = true;
        if (head->sectionSize(logical) < minimumUsableWidth)
            head->resizeSection(logical, defaultWidth(logical));
    }
    if (!anyVisible)
        head->setSectionHidden(TaskListModel::TaskIdColumn, false);
    m_restoring = false;
}

void TaskTableView::saveHeaderState() const
{
    m_saveTimer->stop();
    if (!model())
        return;
    QSettings settings;
    settings.setValue(headerStateKey(), header()->saveState());
    settings.setValue(accountColumnChosenKey, m_accountColumnChosen);
}

void TaskTableView::setAccountCount(int accountCount)
{
    if (m_accountColumnChosen)
        return;
    m_restoring = true;
    header()->setSectionHidden(TaskListModel::AccountColumn, accountCount <= 1);
    m_restoring = false;
}

QMenu *TaskTableView::createHeaderMenu(QWidget *parent)
{
    auto *menu = new QMenu(parent);
    menu->setObjectName(u"headerMenu"_s);
    menu->setTitle(tr("Columns"));
    menu->setToolTipsVisible(true);
    QHeaderView *head = header();
    int visibleCount = 0;
    for (int logical = 0; logical < head->count(); ++logical)
        visibleCount += head->isSectionHidden(logical) ? 0 : 1;

    // In the order the user sees them.
    for (int visual = 0; visual < head->count(); ++visual) {
        const int logical = head->logicalIndex(visual);
        const QString title = model() ? model()->headerData(logical, Qt::Horizontal).toString() : QString();
        QAction *action = menu->addAction(title);
        action->setObjectName(u"column_%1"_s.arg(logical));
        action->setCheckable(true);
        const bool visible = !head->isSectionHidden(logical);
        action->setChecked(visible);
        // The last visible column cannot go: a table with no columns cannot show its menu.
        if (visible && visibleCount == 1) {
            action->setEnabled(false);
            action->setToolTip(tr("At least one column stays visible."));
        }
        connect(action, &QAction::toggled, this, [this, logical](bool show) {
            header()->setSectionHidden(logical, !show);
            if (show && header()->sectionSize(logical) < minimumUsableWidth)
                header()->resizeSection(logical, defaultWidth(logical));
            if (logical == TaskListModel::AccountColumn)
                m_accountColumnChosen = true;
            saveHeaderState();
        });
    }
    menu->addSeparator();
    QAction *resize = menu->addAction(tr("Resize Columns to Contents"));
    resize->setObjectName(u"resizeColumns"_s);
    connect(resize, &QAction::triggered, this, &TaskTableView::resizeVisibleColumns);
    QAction *reset = menu->addAction(tr("Reset Columns"));
    reset->setObjectName(u"resetColumns"_s);
    connect(reset, &QAction::triggered, this, [this] {
        const bool accountShown = !header()->isSectionHidden(TaskListModel::AccountColumn);
        applyDefaultColumns(accountShown ? 2 : 1);
        saveHeaderState();
    });
    return menu;
}

void TaskTableView::resizeVisibleColumns()
{
    QHeaderView *head = header();
    for (int logical = 0; logical < head->count(); ++logical) {
        if (head->isSectionHidden(logical))
            continue;
        // The graphic columns size from their delegate's hint, which does not know the bar's
        // comfortable width; keep at least the default there.
        resizeColumnToContents(logical);
        if (logical == TaskListModel::ProgressColumn || logical == TaskListModel::StatusColumn)
            head->resizeSection(logical, std::max(head->sectionSize(logical), defaultWidth(logical)));
    }
    saveHeaderState();
}

QModelIndexList TaskTableView::selectedRowIndexes() const
{
    if (!selectionModel())
        return {};
    QModelIndexList rows = selectionModel()->selectedRows(0);
    std::sort(rows.begin(), rows.end(), [](const QModelIndex &a, const QModelIndex &b) { return a.row() < b.row(); });
    return rows;
}

void TaskTableView::keyPressEvent(QKeyEvent *event)
{
    // Enter and Space are the window's Download and Preview shortcuts; the tree view would
    // otherwise swallow them (activation, selection toggling).
    if (event->key() == Qt::Key_Return || event->key() == Qt::Key_Enter || event->key() == Qt::Key_Space) {
        event->ignore();
        return;
    }
    QTreeView::keyPressEvent(event);
}

void TaskTableView::setPlaceholderText(const QString &text)
{
    m_placeholderText = text;
    viewport()->update();
}

void TaskTableView::paintEvent(QPaintEvent *event)
{
    QTreeView::paintEvent(event);
    if (m_placeholderText.isEmpty() || !model() || model()->rowCount() > 0)
        return;
    QPainter painter(viewport());
    painter.setPen(palette().color(QPalette::PlaceholderText));
    painter.drawText(viewport()->rect().adjusted(16, 32, -16, -16), Qt::AlignHCenter | Qt::AlignTop | Qt::TextWordWrap,
                     m_placeholderText);
}
