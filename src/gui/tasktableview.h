#pragma once

#include <QTreeView>

class QMenu;
class QTimer;

// The task table: a QTreeView used as a flat table (uniform row heights, which matter at
// 10,000 rows; no root decoration; extended selection). Owns what belongs to the header:
// sensible default widths and hidden columns, the header's context menu (show/hide columns,
// the last visible one cannot be hidden, "Resize columns"), and remembering the header's state
// (order, widths, hidden columns, sort) in QSettings under a versioned key.
class TaskTableView : public QTreeView
{
    Q_OBJECT

public:
    explicit TaskTableView(QWidget *parent = nullptr);
    ~TaskTableView() override;

    static QString headerStateKey();

    // Restores the saved header, or applies the defaults when nothing (usable) is saved.
    // Returns whether a saved state was used. Call once the model is set.
    bool restoreHeaderState(int accountCount);
    void saveHeaderState() const;
    void applyDefaultColumns(int accountCount);
    // The Account column is hidden while there is one account; shown when a second appears,
    // unless the user chose otherwise.
    void setAccountCount(int accountCount);

    // Built on demand (header context menu); the caller owns it.
    QMenu *createHeaderMenu(QWidget *parent);
    void resizeVisibleColumns();

    // Selected rows as view indexes of column 0, in view order.
    QModelIndexList selectedRowIndexes() const;

    // Shown in the empty viewport (e.g. "No tasks match the filter").
    void setPlaceholderText(const QString &text);
    QString placeholderText() const { return m_placeholderText; }

protected:
    void keyPressEvent(QKeyEvent *event) override;
    void paintEvent(QPaintEvent *event) override;

private:
    int defaultWidth(int column) const;
    void fixUnusableSections();
    void scheduleSave();

    QTimer *m_saveTimer;
    QString m_placeholderText;
    bool m_accountColumnChosen = false;   // the user showed or hid it themselves
    bool m_restoring = false;
};
