#pragma once

#include "taskkey.h"

#include <QStyledItemDelegate>

// Paints the task table's two graphic columns from the model's roles, never by asking the
// window: the Status column as a rounded badge (colour from StatusPalette, text always drawn)
// and the Progress column as a progress bar with its text, plus a small Download button on
// completed rows whose video is waiting to be saved. Other columns are painted as usual.
class TaskItemDelegate : public QStyledItemDelegate
{
    Q_OBJECT

public:
    explicit TaskItemDelegate(QObject *parent = nullptr);

    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    bool editorEvent(QEvent *event, QAbstractItemModel *model, const QStyleOptionViewItem &option,
                     const QModelIndex &index) override;

    // Where the Download button sits inside a progress cell (empty when the row has none).
    QRect downloadButtonRect(const QStyleOptionViewItem &option, const QModelIndex &index) const;
    static bool hasDownloadButton(const QModelIndex &index);
    // The badge's text font, and the cell width a badge with this text needs.
    static QFont badgeFont(const QFont &font);
    static int badgeWidth(const QFont &font, const QString &text);

signals:
    // The user clicked the row's Download button.
    void downloadRequested(const TaskKey &key);

private:
    void paintBadge(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const;
    void paintProgress(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const;
    QString downloadButtonText() const;

    // Row height depends only on the font; computed once per font, not per row.
    mutable QString m_cachedFontKey;
    mutable int m_cachedRowHeight = 0;
};
