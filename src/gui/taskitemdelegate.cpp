#include "taskitemdelegate.h"

#include "statuspalette.h"
#include "tasklistmodel.h"

#include <QAbstractItemView>
#include <QApplication>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QStyleOptionButton>
#include <QStyleOptionProgressBar>

#include <algorithm>

namespace
{
constexpr int badgeHorizontalPadding = 9;
constexpr int cellMargin = 4;

QStyle *styleFor(const QStyleOptionViewItem &option)
{
    return option.widget ? option.widget->style() : QApplication::style();
}
} // namespace

QFont TaskItemDelegate::badgeFont(const QFont &font)
{
    QFont bold = font;
    bold.setWeight(QFont::DemiBold);
    return bold;
}

int TaskItemDelegate::badgeWidth(const QFont &font, const QString &text)
{
    return QFontMetrics(badgeFont(font)).horizontalAdvance(text) + 2 * badgeHorizontalPadding + 2 * cellMargin;
}

TaskItemDelegate::TaskItemDelegate(QObject *parent) : QStyledItemDelegate(parent)
{
}

QString TaskItemDelegate::downloadButtonText() const
{
    return tr("Download", "button on a completed row");
}

bool TaskItemDelegate::hasDownloadButton(const QModelIndex &index)
{
    return index.column() == TaskListModel::ProgressColumn
        && TaskState(index.data(TaskListModel::StateRole).toInt()) == TaskState::Completed
        && index.data(TaskListModel::HasVideoRole).toBool();
}

QRect TaskItemDelegate::downloadButtonRect(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    if (!hasDownloadButton(index))
        return {};
    const QFontMetrics metrics(option.font);
    const int width = std::min(option.rect.width() - 2 * cellMargin,
                               metrics.horizontalAdvance(downloadButtonText()) + 2 * badgeHorizontalPadding + 4);
    const int height = std::min(option.rect.height() - 4, metrics.height() + 6);
    QRect rect(0, 0, width, height);
    rect.moveCenter(option.rect.center());
    rect.moveRight(option.rect.right() - cellMargin);
    return rect;
}

QSize TaskItemDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QSize size = QStyledItemDelegate::sizeHint(option, index);
    const QString fontKey = option.font.key();
    if (fontKey != m_cachedFontKey) {
        // Room for the badge pill and the progress bar with its text, plus breathing space.
        m_cachedFontKey = fontKey;
        m_cachedRowHeight = QFontMetrics(option.font).height() + 12;
    }
    size.setHeight(std::max(size.height(), m_cachedRowHeight));
    if (index.column() == TaskListModel::StatusColumn) {
        const QFontMetrics metrics(badgeFont(option.font));
        size.setWidth(metrics.horizontalAdvance(index.data().toString()) + 2 * badgeHorizontalPadding + 2 * cellMargin);
    }
    return size;
}

void TaskItemDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    switch (index.column()) {
    case TaskListModel::StatusColumn:
        paintBadge(painter, option, index);
        break;
    case TaskListModel::ProgressColumn:
        paintProgress(painter, option, index);
        break;
    default: {
        // Task IDs differ at both ends, so they lose their middle; everything else its end.
        QStyleOptionViewItem opt = option;
        opt.textElideMode = index.column() == TaskListModel::TaskIdColumn ? Qt::ElideMiddle : Qt::ElideRight;
        QStyledItemDelegate::paint(painter, opt, index);
        break;
    }
    }
}

void TaskItemDelegate::paintBadge(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    const QString text = opt.text;
    opt.text.clear();
    QStyle *style = styleFor(option);
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, opt.widget);
    if (text.isEmpty())
        return;

    const TaskState state = TaskState(index.data(TaskListModel::StateRole).toInt());
    const StatusPalette::Colors colors = StatusPalette::colorsFor(state, option.palette);
    const QFont font = badgeFont(opt.font);
    const QFontMetrics metrics(font);
    const QRect area = option.rect.adjusted(cellMargin, 0, -cellMargin, 0);
    const int height = std::min(area.height() - 4, metrics.height() + 4);
    const QString shown = metrics.elidedText(text, Qt::ElideRight, area.width() - 2 * badgeHorizontalPadding);
    const int width = std::min(area.width(), metrics.horizontalAdvance(shown) + 2 * badgeHorizontalPadding);
    QRectF badge(area.left(), area.top() + (area.height() - height) / 2.0, width, height);
    badge.adjust(0.5, 0.5, -0.5, -0.5);

    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    painter->setPen(QPen(colors.border, 1));
    painter->setBrush(colors.background);
    const qreal radius = badge.height() / 2.0;
    painter->drawRoundedRect(badge, radius, radius);
    painter->setPen(colors.foreground);
    painter->setFont(font);
    painter->drawText(badge, Qt::AlignCenter, shown);
    painter->restore();
}

void TaskItemDelegate::paintProgress(QPainter *painter, const QStyleOptionViewItem &option,
                                     const QModelIndex &index) const
{
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    opt.text.clear();
    QStyle *style = styleFor(option);
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, opt.widget);

    const TaskState state = TaskState(index.data(TaskListModel::StateRole).toInt());
    const int progress = index.data(TaskListModel::ProgressRole).toInt();
    const bool paused = index.data(TaskListModel::PollingPausedRole).toBool();
    const QString text = index.data(TaskListModel::ProgressTextRole).toString();

    const QRect buttonRect = downloadButtonRect(option, index);
    if (buttonRect.isValid()) {
        // Waiting for the user: the button is the news; the words go beside it when they fit.
        QStyleOptionButton button;
        button.rect = buttonRect;
        button.text = downloadButtonText();
        button.fontMetrics = option.fontMetrics;
        button.palette = option.palette;
        button.state = QStyle::State_Enabled | QStyle::State_Raised;
        if (option.state & QStyle::State_MouseOver)
            button.state |= QStyle::State_MouseOver;
        style->drawControl(QStyle::CE_PushButton, &button, painter, option.widget);
        const QRect textRect(option.rect.left() + cellMargin + 2, option.rect.top(),
                             buttonRect.left() - option.rect.left() - 2 * cellMargin - 2, option.rect.height());
        if (option.fontMetrics.horizontalAdvance(text) <= textRect.width()) {
            painter->save();
            painter->setPen(option.palette.color(option.state & QStyle::State_Selected ? QPalette::HighlightedText
                                                                                       : QPalette::Text));
            painter->drawText(textRect, Qt::AlignLeft | Qt::AlignVCenter, text);
            painter->restore();
        }
        return;
    }

    if (state == TaskState::Failed || state == TaskState::Expired) {
        // Nothing is in progress any more: words, not an empty bar.
        painter->save();
        const bool selected = option.state & QStyle::State_Selected;
        painter->setPen(selected ? option.palette.color(QPalette::HighlightedText)
                                 : option.palette.color(QPalette::Disabled, QPalette::Text));
        painter->drawText(option.rect.adjusted(cellMargin, 0, -cellMargin, 0), Qt::AlignCenter,
                          option.fontMetrics.elidedText(text, Qt::ElideRight, option.rect.width() - 2 * cellMargin));
        painter->restore();
        return;
    }

    QStyleOptionProgressBar bar;
    bar.initFrom(option.widget);
    bar.rect = option.rect.adjusted(cellMargin, 3, -cellMargin, -3);
    bar.palette = option.palette;
    bar.fontMetrics = option.fontMetrics;
    bar.direction = option.direction;
    bar.minimum = 0;
    bar.maximum = 100;
    bar.textVisible = true;
    bar.textAlignment = Qt::AlignCenter;
    bar.text = text;
    bar.state = QStyle::State_Horizontal;
    // The bar takes the badge's hue, so a glance down the column reads like the Status column.
    const StatusPalette::Colors colors = StatusPalette::colorsFor(state, option.palette);
    const bool dark = StatusPalette::isDark(option.palette);
    bar.palette.setColor(QPalette::Highlight, dark ? colors.border.darker(125) : colors.border.darker(112));
    bar.palette.setColor(QPalette::HighlightedText, dark ? colors.foreground.lighter(130) : QColor(Qt::white));
    // Paused tasks are not moving: the disabled look says so without colour.
    if (!paused)
        bar.state |= QStyle::State_Enabled;
    else
        bar.palette.setCurrentColorGroup(QPalette::Disabled);
    const bool moving = isPollingState(state) || state == TaskState::Downloading;
    if (progress < 0 && moving && !paused) {
        // Busy look: the provider gives no percentage (or the size is not known yet).
        bar.maximum = 0;
        bar.progress = 0;
    } else {
        bar.progress = std::clamp(progress, 0, 100);
    }
    style->drawControl(QStyle::CE_ProgressBar, &bar, painter, option.widget);
}

bool TaskItemDelegate::editorEvent(QEvent *event, QAbstractItemModel *model, const QStyleOptionViewItem &option,
                                   const QModelIndex &index)
{
    // Item views hand the delegate the release (a click), not the press; the press has
    // already selected the row, which is what a click on a row's button should do anyway.
    if (event->type() == QEvent::MouseButtonRelease) {
        auto *mouse = static_cast<QMouseEvent *>(event);
        if (mouse->button() == Qt::LeftButton && downloadButtonRect(option, index).contains(mouse->position().toPoint())) {
            emit downloadRequested(index.data(TaskListModel::TaskKeyRole).value<TaskKey>());
            return true;
        }
    }
    return QStyledItemDelegate::editorEvent(event, model, option, index);
}
