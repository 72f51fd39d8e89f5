#pragma once

#include "taskkey.h"

#include <QList>
#include <QObject>
#include <QString>

class QMenu;
class QSystemTrayIcon;
class QTimer;
struct TaskRecord;

// The tray icon and its messages when videos are saved or fail. Events that come close together
// become one message ("5 videos saved"), so a batch of 300 finishing tasks does not flood the
// desktop. Clicking the message reports the last task so the window can show it. The icon's
// menu shows the window or quits. Where there is no system tray the icon stays hidden, but
// messageShown() still reports each message (the window may put it in its status bar).
class TrayNotifier : public QObject
{
    Q_OBJECT

public:
    // A parent that is a window is what "Show Reelkeep" and a click on a message bring up.
    explicit TrayNotifier(QObject *parent = nullptr);
    ~TrayNotifier() override;

    // The QSettings key of "Notify when videos are saved or fail" (bool, default true). Read
    // once at construction; the settings dialog writes it and the window calls setEnabled().
    static QString settingsKey();
    static bool isTrayAvailable();

    void setEnabled(bool enabled);
    bool isEnabled() const { return m_enabled; }

    void notifySaved(const TaskRecord &record);
    void notifyFailed(const TaskRecord &record);

    // How long to wait for more events before showing one message (default 2000 ms). A steady
    // stream still gets a message at least every 3× this.
    void setBatchInterval(int ms);

    QSystemTrayIcon *trayIcon() const { return m_trayIcon; }

signals:
    // The user clicked a message: the last task it was about.
    void activated(const TaskKey &key);
    // "Show Reelkeep" or a click on the icon.
    void showWindowRequested();
    // Each message as it is shown (also without a tray).
    void messageShown(const QString &title, const QString &text);

private:
    struct Event
    {
        TaskKey key;
        QString name;   // file name, or task ID when there is no file
        QString error;  // failures only
        bool failed = false;
    };

    void add(Event event);
    void flush();
    void showWindow();
    void updateVisibility();

    QSystemTrayIcon *m_trayIcon;
    QMenu *m_menu;
    QTimer *m_batchTimer;
    QList<Event> m_pending;
    qint64 m_firstPendingMs = 0;
    int m_batchIntervalMs = 2000;
    TaskKey m_lastShownKey;
    bool m_enabled = true;
};
