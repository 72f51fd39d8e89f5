// TrayNotifier: saved and failed videos close together become one message ("5 videos saved"),
// a click on the message reports the last task and brings the window up, the setting turns it
// off, and its menu shows the window. Offscreen there is no system tray, so the icon stays
// hidden and messages are observed through messageShown().

#include "taskrecord.h"
#include "traynotifier.h"

#include <QAction>
#include <QApplication>
#include <QMenu>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QSystemTrayIcon>
#include <QTest>
#include <QWidget>

#include <memory>

using namespace Qt::StringLiterals;

namespace {

TaskRecord saved(const QString &id)
{
    TaskRecord record;
    record.key = {u"acc"_s, id};
    record.state = TaskState::Saved;
    record.filePath = u"/videos/"_s + id + u".mp4"_s;
    return record;
}

TaskRecord failed(const QString &id, const QString &error)
{
    TaskRecord record;
    record.key = {u"acc"_s, id};
    record.state = TaskState::Failed;
    record.lastError = error;
    return record;
}

} // namespace

class tst_TrayNotifier : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void oneSavedVideo();
    void severalSavedBecomeOneMessage();
    void failuresAreNamedWithTheirError();
    void mixedBatch();
    void clickOnMessageReportsLastTask();
    void settingTurnsItOff();
    void menuShowsTheWindow();

private:
    std::unique_ptr<TrayNotifier> makeNotifier(QObject *parent = nullptr);
};

void tst_TrayNotifier::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
}

void tst_TrayNotifier::init()
{
    QSettings().clear();
}

std::unique_ptr<TrayNotifier> tst_TrayNotifier::makeNotifier(QObject *parent)
{
    auto notifier = std::make_unique<TrayNotifier>(parent);
    notifier->setBatchInterval(50);
    return notifier;
}

void tst_TrayNotifier::oneSavedVideo()
{
    auto notifier = makeNotifier();
    QVERIFY(notifier->isEnabled()); // on by default
    QVERIFY(!notifier->trayIcon()->icon().isNull());
    // No system tray offscreen: the icon stays hidden, messages are still reported.
    QCOMPARE(notifier->trayIcon()->isVisible(), TrayNotifier::isTrayAvailable());
    QSignalSpy shown(notifier.get(), &TrayNotifier::messageShown);

    notifier->notifySaved(saved(u"video_one"_s));
    QCOMPARE(shown.count(), 0); // batched, not at once
    QTRY_COMPARE(shown.count(), 1);
    QCOMPARE(shown.at(0).at(0).toString(), u"Video saved"_s);
    QCOMPARE(shown.at(0).at(1).toString(), u"video_one.mp4"_s);
}

void tst_TrayNotifier::severalSavedBecomeOneMessage()
{
    auto notifier = makeNotifier();
    QSignalSpy shown(notifier.get(), &TrayNotifier::messageShown);
    for (int i = 1; i <= 5; ++i)
        notifier->notifySaved(saved(u"video_%1"_s.arg(i)));
    QTRY_COMPARE(shown.count(), 1);
    QCOMPARE(shown.at(0).at(0).toString(), u"5 videos saved"_s);
    QCOMPARE(shown.at(0).at(1).toString(), u"video_1.mp4\nvideo_2.mp4\nvideo_3.mp4\nand 2 more"_s);

    // The next one after the batch is a message of its own.
    notifier->notifySaved(saved(u"video_6"_s));
    QTRY_COMPARE(shown.count(), 2);
    QCOMPARE(shown.at(1).at(0).toString(), u"Video saved"_s);
}

void tst_TrayNotifier::failuresAreNamedWithTheirError()
{
    auto notifier = makeNotifier();
    QSignalSpy shown(notifier.get(), &TrayNotifier::messageShown);
    notifier->notifyFailed(failed(u"video_bad"_s, u"Prompt contains inappropriate content"_s));
    QTRY_COMPARE(shown.count(), 1);
    QCOMPARE(shown.at(0).at(0).toString(), u"Task failed"_s);
    QCOMPARE(shown.at(0).at(1).toString(), u"video_bad: Prompt contains inappropriate content"_s);

    notifier->notifyFailed(failed(u"video_x"_s, QString()));
    notifier->notifyFailed(failed(u"video_y"_s, u"quota"_s));
    QTRY_COMPARE(shown.count(), 2);
    QCOMPARE(shown.at(1).at(0).toString(), u"2 tasks failed"_s);
    QCOMPARE(shown.at(1).at(1).toString(), u"video_x\nvideo_y: quota"_s);
}

void tst_TrayNotifier::mixedBatch()
{
    auto notifier = makeNotifier();
    QSignalSpy shown(notifier.get(), &TrayNotifier::messageShown);
    notifier->notifySaved(saved(u"video_a"_s));
    notifier->notifyFailed(failed(u"video_b"_s, u"expired"_s));
    notifier->notifySaved(saved(u"video_c"_s));
    QTRY_COMPARE(shown.count(), 1);
    QCOMPARE(shown.at(0).at(0).toString(), u"2 videos saved, 1 task failed"_s);
    QCOMPARE(shown.at(0).at(1).toString(), u"video_b: expired\nvideo_a.mp4\nvideo_c.mp4"_s);
}

void tst_TrayNotifier::clickOnMessageReportsLastTask()
{
    QWidget window;
    auto notifier = makeNotifier(&window);
    QSignalSpy shown(notifier.get(), &TrayNotifier::messageShown);
    QSignalSpy activated(notifier.get(), &TrayNotifier::activated);
    notifier->notifySaved(saved(u"video_first"_s));
    notifier->notifySaved(saved(u"video_last"_s));
    QTRY_COMPARE(shown.count(), 1);
    QVERIFY(!window.isVisible());

    emit notifier->trayIcon()->messageClicked();
    QCOMPARE(activated.count(), 1);
    QCOMPARE(activated.at(0).at(0).value<TaskKey>(), (TaskKey{u"acc"_s, u"video_last"_s}));
    QVERIFY(window.isVisible()); // the window the notifier belongs to came up
    notifier.reset();            // before the window, its parent
}

void tst_TrayNotifier::settingTurnsItOff()
{
    QSettings().setValue(TrayNotifier::settingsKey(), false);
    auto off = makeNotifier();
    QVERIFY(!off->isEnabled());
    QVERIFY(!off->trayIcon()->isVisible());
    QSignalSpy shown(off.get(), &TrayNotifier::messageShown);
    off->notifySaved(saved(u"video_quiet"_s));

    // Turned on later: only what happens from then on is reported (the quiet one was dropped).
    off->setEnabled(true);
    off->notifySaved(saved(u"video_loud"_s));
    QTRY_COMPARE(shown.count(), 1);
    QCOMPARE(shown.at(0).at(1).toString(), u"video_loud.mp4"_s);

    // Turning it off drops a batch that was waiting.
    off->notifySaved(saved(u"video_pending"_s));
    off->setEnabled(false);
    off->setEnabled(true);
    off->notifySaved(saved(u"video_after"_s));
    QTRY_COMPARE(shown.count(), 2);
    QCOMPARE(shown.at(1).at(0).toString(), u"Video saved"_s);
    QCOMPARE(shown.at(1).at(1).toString(), u"video_after.mp4"_s);
}

void tst_TrayNotifier::menuShowsTheWindow()
{
    QWidget window;
    auto notifier = makeNotifier(&window);
    QSignalSpy showRequested(notifier.get(), &TrayNotifier::showWindowRequested);
    QMenu *menu = notifier->trayIcon()->contextMenu();
    QVERIFY(menu);
    const QList<QAction *> actions = menu->actions();
    QStringList texts;
    for (QAction *action : actions) {
        if (!action->isSeparator())
            texts << action->text();
    }
    QCOMPARE(texts, (QStringList{u"&Show Reelkeep"_s, u"&Quit"_s}));
    actions.first()->trigger();
    QCOMPARE(showRequested.count(), 1);
    QVERIFY(window.isVisible());

    // A click on the icon does the same.
    window.hide();
    emit notifier->trayIcon()->activated(QSystemTrayIcon::Trigger);
    QCOMPARE(showRequested.count(), 2);
    QVERIFY(window.isVisible());
    notifier.reset();
}

QTEST_MAIN(tst_TrayNotifier)
#include "tst_traynotifier.moc"
