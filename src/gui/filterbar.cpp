#include "filterbar.h"

#include "themeicons.h"

#include <QAction>
#include <QButtonGroup>
#include <QEvent>
#include <QHBoxLayout>
#include <QIcon>
#include <QLineEdit>
#include <QLocale>
#include <QTimer>
#include <QToolButton>

using namespace Qt::StringLiterals;

namespace
{
constexpr int debounceMs = 150;
} // namespace

FilterBar::FilterBar(QWidget *parent)
    : QWidget(parent), m_group(new QButtonGroup(this)), m_search(new QLineEdit(this)), m_debounce(new QTimer(this))
{
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed);
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(8, 6, 8, 6);
    layout->setSpacing(4);
    // Pills: the chosen category in the accent colour, the others quiet until hovered.
    setStyleSheet(u"QToolButton[filterButton=\"true\"] { padding: 3px 10px; border: 1px solid transparent;"
                  " border-radius: 11px; }"
                  " QToolButton[filterButton=\"true\"]:hover { border-color: palette(mid); }"
                  " QToolButton[filterButton=\"true\"]:checked { background-color: palette(highlight);"
                  " color: palette(highlighted-text); border-color: palette(highlight); }"_s);

    m_group->setExclusive(true);
    for (int c = 0; c < TaskFilter::categoryCount; ++c) {
        auto *button = new QToolButton(this);
        button->setCheckable(true);
        button->setAutoRaise(true);
        button->setToolButtonStyle(Qt::ToolButtonTextOnly);
        button->setObjectName(u"filter_"_s + categoryKey(TaskFilter::Category(c)));
        button->setFocusPolicy(Qt::TabFocus);
        button->setProperty("filterButton", true);
        m_group->addButton(button, c);
        m_buttons[size_t(c)] = button;
        layout->addWidget(button);
    }
    m_buttons[0]->setChecked(true);
    updateButtonTexts();
    connect(m_group, &QButtonGroup::idToggled, this, [this](int id, bool checked) {
        if (checked)
            emit categoryChanged(TaskFilter::Category(id));
    });

    layout->addStretch(1);

    m_search->setObjectName(u"searchField"_s);
    m_search->setClearButtonEnabled(true);
    m_search->setPlaceholderText(tr("Filter by ID, model or error (Ctrl+F)"));
    m_search->setMinimumWidth(fontMetrics().horizontalAdvance(m_search->placeholderText()) + 48);
    m_search->addAction(ThemeIcons::icon(u"search"_s, palette().color(QPalette::PlaceholderText)), QLineEdit::LeadingPosition);
    layout->addWidget(m_search);

    m_debounce->setSingleShot(true);
    m_debounce->setInterval(debounceMs);
    auto emitText = [this] {
        m_debounce->stop();
        if (m_search->text() != m_emittedText) {
            m_emittedText = m_search->text();
            emit textChanged(m_emittedText);
        }
    };
    connect(m_debounce, &QTimer::timeout, this, emitText);
    connect(m_search, &QLineEdit::textChanged, this, [this, emitText](const QString &text) {
        // Clearing is instant: the user wants the whole list back now.
        if (text.isEmpty())
            emitText();
        else
            m_debounce->start();
    });
    connect(m_search, &QLineEdit::returnPressed, this, emitText);
}

QString FilterBar::categoryName(TaskFilter::Category category)
{
    switch (category) {
    case TaskFilter::Category::All:
        return tr("All", "filter");
    case TaskFilter::Category::Active:
        return tr("Active", "filter");
    case TaskFilter::Category::Completed:
        return tr("Completed", "filter");
    case TaskFilter::Category::Saved:
        return tr("Saved", "filter");
    case TaskFilter::Category::Failed:
        return tr("Failed", "filter");
    case TaskFilter::Category::Expired:
        return tr("Expired", "filter");
    }
    return {};
}

QString FilterBar::categoryKey(TaskFilter::Category category)
{
    switch (category) {
    case TaskFilter::Category::All:
        return u"all"_s;
    case TaskFilter::Category::Active:
        return u"active"_s;
    case TaskFilter::Category::Completed:
        return u"completed"_s;
    case TaskFilter::Category::Saved:
        return u"saved"_s;
    case TaskFilter::Category::Failed:
        return u"failed"_s;
    case TaskFilter::Category::Expired:
        return u"expired"_s;
    }
    return u"all"_s;
}

TaskFilter::Category FilterBar::categoryFromKey(const QString &key)
{
    for (int c = 0; c < TaskFilter::categoryCount; ++c) {
        if (categoryKey(TaskFilter::Category(c)) == key)
            return TaskFilter::Category(c);
    }
    return TaskFilter::Category::All;
}

TaskFilter::Category FilterBar::category() const
{
    const int id = m_group->checkedId();
    return id < 0 ? TaskFilter::Category::All : TaskFilter::Category(id);
}

void FilterBar::setCategory(TaskFilter::Category category)
{
    m_buttons[size_t(category)]->setChecked(true);
}

QString FilterBar::text() const
{
    return m_search->text();
}

void FilterBar::setText(const QString &text)
{
    m_search->setText(text);
    m_debounce->stop();
    if (text != m_emittedText) {
        m_emittedText = text;
        emit textChanged(text);
    }
}

QAbstractButton *FilterBar::categoryButton(TaskFilter::Category category) const
{
    return m_buttons[size_t(category)];
}

void FilterBar::setCounts(const std::array<int, TaskFilter::categoryCount> &counts)
{
    if (counts == m_counts)
        return;
    m_counts = counts;
    updateButtonTexts();
}

void FilterBar::focusSearch()
{
    m_search->setFocus(Qt::ShortcutFocusReason);
    m_search->selectAll();
}

void FilterBar::updateButtonTexts()
{
    const QLocale locale;
    for (int c = 0; c < TaskFilter::categoryCount; ++c) {
        const auto category = TaskFilter::Category(c);
        // "Failed 3": the name, then the count, in the user's number format.
        m_buttons[size_t(c)]->setText(tr("%1  %2", "filter name, count").arg(categoryName(category),
                                                                             locale.toString(m_counts[size_t(c)])));
        m_buttons[size_t(c)]->setToolTip(tr("Show %1 tasks (%2)", "filter tooltip")
                                             .arg(categoryName(category).toLower(), locale.toString(m_counts[size_t(c)])));
    }
}

void FilterBar::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::LanguageChange)
        updateButtonTexts();
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange && !m_repolishing) {
        // A style sheet resolves palette() once; follow a theme switched at run time.
        m_repolishing = true;
        setStyleSheet(styleSheet());
        m_repolishing = false;
    }
}
