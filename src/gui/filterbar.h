#pragma once

#include "taskfilter.h"

#include <QWidget>

#include <array>

class QAbstractButton;
class QButtonGroup;
class QLineEdit;
class QTimer;
class QToolButton;

// The strip above the task table: one toggle per filter category (All, Active, Completed,
// Saved, Failed, Expired), each with its live count, and a search field over ID, model and
// error. Typing is debounced so a 10,000-row list is not re-filtered on every keystroke.
class FilterBar : public QWidget
{
    Q_OBJECT

public:
    explicit FilterBar(QWidget *parent = nullptr);

    TaskFilter::Category category() const;
    void setCategory(TaskFilter::Category category);
    QString text() const;
    void setText(const QString &text);
    void setCounts(const std::array<int, TaskFilter::categoryCount> &counts);

    QLineEdit *searchField() const { return m_search; }
    QAbstractButton *categoryButton(TaskFilter::Category category) const;
    // Selects the search text and gives it focus (Ctrl+F).
    void focusSearch();

    static QString categoryName(TaskFilter::Category category);
    // Stable machine names for settings.
    static QString categoryKey(TaskFilter::Category category);
    static TaskFilter::Category categoryFromKey(const QString &key);

signals:
    void categoryChanged(TaskFilter::Category category);
    // After the user stopped typing for a moment (or at once on Enter or clear).
    void textChanged(const QString &text);

protected:
    void changeEvent(QEvent *event) override;

private:
    void updateButtonTexts();

    QButtonGroup *m_group;
    std::array<QToolButton *, TaskFilter::categoryCount> m_buttons{};
    std::array<int, TaskFilter::categoryCount> m_counts{};
    QLineEdit *m_search;
    QTimer *m_debounce;
    QString m_emittedText;
    bool m_repolishing = false;
};
