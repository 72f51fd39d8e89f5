#include "emptystatepage.h"

#include "themeicons.h"

#include <QEvent>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QIcon>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace
{
QLabel *makeLabel(QWidget *parent, const QString &objectName, Qt::Alignment alignment = Qt::AlignLeft | Qt::AlignVCenter)
{
    auto *label = new QLabel(parent);
    label->setObjectName(objectName);
    label->setAlignment(alignment);
    label->setWordWrap(true);
    label->setTextFormat(Qt::PlainText);
    return label;
}
} // namespace

EmptyStatePage::EmptyStatePage(QWidget *parent) : QWidget(parent)
{
    setObjectName(u"emptyStatePage"_s);
    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(32, 32, 32, 32);
    outer->addStretch(2);

    // A centred column of fixed reading width: the page stays calm in a wide window.
    auto *column = new QWidget(this);
    column->setMaximumWidth(560);
    auto *layout = new QVBoxLayout(column);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(6);

    m_icon = new QLabel(column);
    m_icon->setPixmap(ThemeIcons::appIcon().pixmap(72, 72));
    m_icon->setAlignment(Qt::AlignHCenter);
    layout->addWidget(m_icon);
    layout->addSpacing(8);

    m_title = makeLabel(column, u"emptyTitle"_s, Qt::AlignHCenter);
    QFont titleFont = font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.6);
    titleFont.setWeight(QFont::DemiBold);
    m_title->setFont(titleFont);
    layout->addWidget(m_title);

    m_subtitle = makeLabel(column, u"emptySubtitle"_s, Qt::AlignHCenter);
    m_subtitle->setForegroundRole(QPalette::PlaceholderText);
    layout->addWidget(m_subtitle);
    layout->addSpacing(20);

    auto *steps = new QGridLayout;
    steps->setHorizontalSpacing(14);
    steps->setVerticalSpacing(14);
    QFont numberFont = font();
    numberFont.setPointSizeF(numberFont.pointSizeF() * 1.25);
    numberFont.setWeight(QFont::Bold);
    QFont stepTitleFont = font();
    stepTitleFont.setWeight(QFont::DemiBold);
    for (int i = 0; i < 3; ++i) {
        m_stepNumbers[i] = makeLabel(column, u"stepNumber%1"_s.arg(i + 1), Qt::AlignCenter);
        m_stepNumbers[i]->setFont(numberFont);
        const int size = QFontMetrics(numberFont).height() + 12;
        m_stepNumbers[i]->setFixedSize(size, size);
        // A filled circle in the accent colour; palette() keeps it right in dark themes.
        m_stepNumbers[i]->setStyleSheet(u"QLabel { background-color: palette(highlight); color: palette(highlighted-text);"
                                        " border-radius: %1px; }"_s.arg(size / 2));
        m_stepTitles[i] = makeLabel(column, u"stepTitle%1"_s.arg(i + 1));
        m_stepTitles[i]->setFont(stepTitleFont);
        m_stepTexts[i] = makeLabel(column, u"stepText%1"_s.arg(i + 1));
        m_stepTexts[i]->setForegroundRole(QPalette::PlaceholderText);

        auto *text = new QVBoxLayout;
        text->setSpacing(1);
        text->addWidget(m_stepTitles[i]);
        text->addWidget(m_stepTexts[i]);
        steps->addWidget(m_stepNumbers[i], i, 0, Qt::AlignTop);
        steps->addLayout(text, i, 1);
    }
    steps->setColumnStretch(1, 1);
    layout->addLayout(steps);
    layout->addSpacing(24);

    auto *buttons = new QHBoxLayout;
    buttons->setSpacing(10);
    buttons->addStretch(1);
    m_demoButton = new QPushButton(ThemeIcons::icon(u"demo"_s, palette().color(QPalette::ButtonText)), QString(), column);
    m_demoButton->setObjectName(u"tryDemoButton"_s);
    m_addAccountButton = new QPushButton(ThemeIcons::icon(u"accounts"_s, palette().color(QPalette::ButtonText)), QString(), column);
    m_addAccountButton->setObjectName(u"addAccountButton"_s);
    m_addTasksButton = new QPushButton(ThemeIcons::icon(u"add"_s, palette().color(QPalette::ButtonText)), QString(), column);
    m_addTasksButton->setObjectName(u"addTasksButton"_s);
    for (QPushButton *button : {m_demoButton, m_addAccountButton, m_addTasksButton}) {
        button->setIconSize(QSize(18, 18));
        button->setMinimumHeight(button->sizeHint().height() + 10);
        buttons->addWidget(button);
    }
    buttons->addStretch(1);
    layout->addLayout(buttons);

    m_demoHint = makeLabel(column, u"demoHint"_s, Qt::AlignHCenter);
    m_demoHint->setForegroundRole(QPalette::PlaceholderText);
    QFont hintFont = font();
    hintFont.setPointSizeF(hintFont.pointSizeF() * 0.9);
    m_demoHint->setFont(hintFont);
    layout->addSpacing(4);
    layout->addWidget(m_demoHint);

    auto *centre = new QHBoxLayout;
    centre->addStretch(1);
    centre->addWidget(column, 4);
    centre->addStretch(1);
    outer->addLayout(centre);
    outer->addStretch(3);

    connect(m_demoButton, &QPushButton::clicked, this, &EmptyStatePage::demoRequested);
    connect(m_addAccountButton, &QPushButton::clicked, this, &EmptyStatePage::addAccountRequested);
    connect(m_addTasksButton, &QPushButton::clicked, this, &EmptyStatePage::addTasksRequested);

    retranslate();
    setHasAccounts(false);
}

void EmptyStatePage::setHasAccounts(bool hasAccounts)
{
    m_hasAccounts = hasAccounts;
    m_addAccountButton->setVisible(!hasAccounts);
    m_addTasksButton->setVisible(hasAccounts);
    // Without an account, seeing it work is the best first step; with one, adding tasks is.
    m_demoButton->setDefault(!hasAccounts);
    m_addTasksButton->setDefault(hasAccounts);
    retranslate();
}

void EmptyStatePage::setDemoRunning(bool running)
{
    m_demoButton->setEnabled(!running);
}

void EmptyStatePage::retranslate()
{
    m_title->setText(tr("Keep every video you generate"));
    m_subtitle->setText(tr("Reelkeep watches your video-generation tasks and saves each finished video "
                           "before its download link expires."));

    // A done step shows a tick instead of its number.
    m_stepNumbers[0]->setText(m_hasAccounts ? u"\u2713"_s : u"1"_s);
    m_stepNumbers[1]->setText(u"2"_s);
    m_stepNumbers[2]->setText(u"3"_s);
    m_stepTitles[0]->setText(tr("Add an account"));
    m_stepTexts[0]->setText(m_hasAccounts ? tr("Done. You can add more accounts under Settings.")
                                          : tr("Choose your provider and enter its API key. The key stays in your "
                                               "system's secret store."));
    m_stepTitles[1]->setText(tr("Paste task IDs"));
    m_stepTexts[1]->setText(tr("Press Ctrl+V anywhere in the window, or drop a file. Any text works: logs, JSON "
                               "replies, a CSV column. Reelkeep picks out the IDs."));
    m_stepTitles[2]->setText(tr("Videos are saved automatically"));
    m_stepTexts[2]->setText(tr("Each task is checked until its video is ready, then downloaded to your folder. "
                               "Nothing is sent to the provider except status queries."));

    m_demoButton->setText(tr("Try the demo"));
    m_addAccountButton->setText(tr("Add an account…"));
    m_addTasksButton->setText(tr("Add tasks…"));
    for (QPushButton *button : {m_demoButton, m_addAccountButton, m_addTasksButton})
        button->setMinimumWidth(button->sizeHint().width() + 28);
    m_demoHint->setText(tr("The demo runs a pretend provider on this computer: no account and no key needed."));
}

void EmptyStatePage::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::LanguageChange)
        retranslate();
    else if (event->type() == QEvent::PaletteChange)
        update();
    QWidget::changeEvent(event);
}
