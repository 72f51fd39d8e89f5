#include "noticearea.h"

#include "statuspalette.h"

#include <QAction>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QStyle>
#include <QToolButton>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

NoticeArea::NoticeArea(QWidget *parent) : QWidget(parent), m_layout(new QVBoxLayout(this))
{
    setObjectName(u"noticeArea"_s);
    m_layout->setContentsMargins(8, 0, 8, 0);
    m_layout->setSpacing(4);
    setVisible(false);
}

QString NoticeArea::noticeText(const QString &key) const
{
    QWidget *notice = m_notices.value(key);
    auto *label = notice ? notice->findChild<QLabel *>(u"noticeText"_s) : nullptr;
    return label ? label->text() : QString();
}

void NoticeArea::removeNotice(const QString &key)
{
    if (QWidget *notice = m_notices.take(key)) {
        notice->hide();
        notice->deleteLater();
    }
    setVisible(!m_notices.isEmpty());
    if (m_notices.isEmpty())
        m_layout->setContentsMargins(8, 0, 8, 0);
}

void NoticeArea::showNotice(const QString &key, Level level, const QString &text, const QList<QAction *> &actions)
{
    removeNotice(key);

    // Colours borrowed from the status badges: the same hues mean the same things.
    const TaskState tone = level == Level::Error ? TaskState::Failed
        : level == Level::Warning                ? TaskState::Expired
                                                 : TaskState::Processing;
    const StatusPalette::Colors colors = StatusPalette::colorsFor(tone, palette());

    auto *frame = new QFrame(this);
    frame->setObjectName(u"notice"_s);
    frame->setProperty("noticeKey", key);
    frame->setStyleSheet(u"QFrame#notice { background-color: %1; border: 1px solid %2; border-radius: 6px; }"
                         " QFrame#notice QLabel { color: %3; }"_s.arg(colors.background.name(), colors.border.name(),
                                                                      colors.foreground.name()));
    auto *row = new QHBoxLayout(frame);
    row->setContentsMargins(10, 6, 6, 6);
    row->setSpacing(8);

    auto *icon = new QLabel(frame);
    const QStyle::StandardPixmap pixmap = level == Level::Error ? QStyle::SP_MessageBoxCritical
        : level == Level::Warning                               ? QStyle::SP_MessageBoxWarning
                                                                : QStyle::SP_MessageBoxInformation;
    const int iconSize = style()->pixelMetric(QStyle::PM_SmallIconSize);
    icon->setPixmap(style()->standardIcon(pixmap, nullptr, this).pixmap(iconSize, iconSize));
    row->addWidget(icon, 0, Qt::AlignTop);

    auto *label = new QLabel(text, frame);
    label->setObjectName(u"noticeText"_s);
    label->setWordWrap(true);
    label->setTextFormat(Qt::PlainText);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    row->addWidget(label, 1);

    for (QAction *action : actions) {
        auto *button = new QPushButton(action->text(), frame);
        button->setObjectName(action->objectName());
        button->setToolTip(action->toolTip());
        connect(button, &QPushButton::clicked, this, [this, key, action] {
            action->trigger();
            removeNotice(key);
        });
        // The action may belong to the notice alone; it lives as long as the notice.
        if (!action->parent())
            action->setParent(frame);
        row->addWidget(button, 0, Qt::AlignVCenter);
    }

    auto *close = new QToolButton(frame);
    close->setObjectName(u"noticeClose"_s);
    close->setAutoRaise(true);
    close->setIcon(style()->standardIcon(QStyle::SP_TitleBarCloseButton, nullptr, this));
    close->setToolTip(tr("Dismiss"));
    connect(close, &QToolButton::clicked, this, [this, key] { removeNotice(key); });
    row->addWidget(close, 0, Qt::AlignTop);

    m_layout->addWidget(frame);
    m_notices.insert(key, frame);
    m_layout->setContentsMargins(8, 6, 8, 2);
    setVisible(true);
}
