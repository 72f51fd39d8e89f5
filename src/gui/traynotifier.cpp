#include "traynotifier.h"

#include "taskrecord.h"

#include <QAction>
#include <QApplication>
#include <QDateTime>
#include <QFileInfo>
#include <QMenu>
#include <QSettings>
#include <QStyle>
#include <QSystemTrayIcon>
#include <QTimer>
#include <QWidget>

using namespace Qt::StringLiterals;

namespace {

// How many names a message lists before "and N more".
constexpr int NamesShown = 3;
// A desktop shows a message for about this long.
constexpr int MessageMs = 8000;

QString listNames(const QStringList &names)
{
    QStringList shown = names.mid(0, NamesShown);
    QString text = shown.join(u'\n');
    if (names.size() > NamesShown)
        text += u'\n' + TrayNotifier::tr("and %n more", nullptr, int(names.size() - NamesShown));
    return text;
}

// English plurals without a translation loaded: "1 video saved", "5 videos saved". The %n
// forms still let a translation supply its language's plural rules.
QString savedCount(int count)
{
    return count == 1 ? TrayNotifier::tr("1 video saved") : TrayNotifier::tr("%n videos saved", nullptr, count);
}

QString failedCount(int count)
{
    return count == 1 ? TrayNotifier::tr("1 task failed") : TrayNotifier::tr("%n tasks failed", nullptr, count);
}

} // namespace

TrayNotifier::TrayNotifier(QObject *parent)
    : QObject(parent)
    , m_trayIcon(new QSystemTrayIcon(this))
    , m_menu(new QMenu)
    , m_batchTimer(new QTimer(this))
{
    QIcon icon = QApplication::windowIcon();
    if (icon.isNull())
        icon = QApplication::style()->standardIcon(QStyle::SP_MediaPlay);
    m_trayIcon->setIcon(icon);
    m_trayIcon->setToolTip(tr("Reelkeep"));

    QAction *show = m_menu->addAction(tr("&Show Reelkeep"));
    connect(show, &QAction::triggered, this, &TrayNotifier::showWindow);
    m_menu->addSeparator();
    QAction *quit = m_menu->addAction(tr("&Quit"));
    connect(quit, &QAction::triggered, qApp, &QCoreApplication::quit, Qt::QueuedConnection);
    m_trayIcon->setContextMenu(m_menu);

    connect(m_trayIcon, &QSystemTrayIcon::activated, this, [this](QSystemTrayIcon::ActivationReason reason) {
        if (reason == QSystemTrayIcon::Trigger || reason == QSystemTrayIcon::DoubleClick)
            showWindow();
    });
    connect(m_trayIcon, &QSystemTrayIcon::messageClicked, this, [this] {
        showWindow();
        if (m_lastShownKey.isValid())
            emit activated(m_lastShownKey);
    });

    m_batchTimer->setSingleShot(true);
    connect(m_batchTimer, &QTimer::timeout, this, &TrayNotifier::flush);

    setEnabled(QSettings().value(settingsKey(), true).toBool());
}

TrayNotifier::~TrayNotifier()
{
    // The menu has no QWidget parent to delete it (this is a QObject).
    delete m_menu;
}

QString TrayNotifier::settingsKey()
{
    return u"Notifications/savedOrFailed"_s;
}

bool TrayNotifier::isTrayAvailable()
{
    return QSystemTrayIcon::isSystemTrayAvailable();
}

void TrayNotifier::setEnabled(bool enabled)
{
    m_enabled = enabled;
    if (!enabled) {
        m_batchTimer->stop();
        m_pending.clear();
    }
    updateVisibility();
}

void TrayNotifier::updateVisibility()
{
    m_trayIcon->setVisible(m_enabled && isTrayAvailable());
}

void TrayNotifier::setBatchInterval(int ms)
{
    m_batchIntervalMs = std::max(0, ms);
}

void TrayNotifier::notifySaved(const TaskRecord &record)
{
    const QString fileName = QFileInfo(record.filePath).fileName();
    add(Event{record.key, fileName.isEmpty() ? record.key.taskId : fileName, QString(), false});
}

void TrayNotifier::notifyFailed(const TaskRecord &record)
{
    add(Event{record.key, record.key.taskId, record.lastError, true});
}

void TrayNotifier::add(Event event)
{
    if (!m_enabled)
        return;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (m_pending.isEmpty())
        m_firstPendingMs = now;
    m_pending.append(std::move(event));
    // Wait for a quiet moment, but never hold the first event back for too long.
    const qint64 deadline = m_firstPendingMs + 3LL * m_batchIntervalMs;
    m_batchTimer->start(int(std::clamp<qint64>(std::min<qint64>(m_batchIntervalMs, deadline - now), 0, m_batchIntervalMs)));
}

void TrayNotifier::flush()
{
    if (m_pending.isEmpty())
        return;
    QStringList saved;
    QStringList failed;
    for (const Event &event : std::as_const(m_pending)) {
        if (event.failed)
            failed << (event.error.isEmpty() ? event.name : tr("%1: %2", "task ID: error").arg(event.name, event.error));
        else
            saved << event.name;
    }
    m_lastShownKey = m_pending.constLast().key;
    m_pending.clear();

    QString title;
    QString text;
    if (failed.isEmpty()) {
        title = saved.size() == 1 ? tr("Video saved") : savedCount(int(saved.size()));
        text = listNames(saved);
    } else if (saved.isEmpty()) {
        title = failed.size() == 1 ? tr("Task failed") : failedCount(int(failed.size()));
        text = listNames(failed);
    } else {
        title = tr("%1, %2", "videos saved, tasks failed").arg(savedCount(int(saved.size())), failedCount(int(failed.size())));
        // Failures first: they are what needs attention.
        text = listNames(failed) + u'\n' + listNames(saved);
    }

    if (m_trayIcon->isVisible()) {
        m_trayIcon->showMessage(title, text, failed.isEmpty() ? QSystemTrayIcon::Information : QSystemTrayIcon::Warning,
                                MessageMs);
    }
    emit messageShown(title, text);
}

void TrayNotifier::showWindow()
{
    if (auto *window = qobject_cast<QWidget *>(parent())) {
        QWidget *top = window->window();
        if (top->isMinimized())
            top->showNormal();
        else
            top->show();
        top->raise();
        top->activateWindow();
    }
    emit showWindowRequested();
}
