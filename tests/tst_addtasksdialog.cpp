// AddTasksDialog, driven offscreen: messy pasted text is summarised (new, already in the list,
// ignored), an API key in it is never taken for an ID, OK adds the rows to the engine, the
// account is remembered, the no-account state leads to the accounts dialog, and a 20 MB paste
// with 100,000 IDs is scanned and added without freezing the window.

#include "accountmanager.h"
#include "accountsdialog.h"
#include "addtasksdialog.h"
#include "clock.h"
#include "secretstore.h"
#include "taskengine.h"
#include "taskstore.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QElapsedTimer>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QNetworkAccessManager>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QThreadPool>
#include <QTimer>

using namespace Qt::StringLiterals;

namespace
{
const QString apiKey = u"sk-proj-AbCdEf1234567890XyZ"_s;

// Log lines, a curl command with a key, a JSON reply, a CSV column, a repeat and plain words.
const QString messyText = uR"(2025-11-18 12:00:01 INFO submitted task video_68d2f7a1c9e04b3e8a1f2c3d (model sora-2)
curl -H "Authorization: Bearer sk-proj-AbCdEf1234567890XyZ" https://api.openai.com/v1/videos
{"task_id": "cgt-20250101123456-abcd1234", "status": "queued"}
task,status
106916112212032,processing
video_68d2f7a1c9e04b3e8a1f2c3d
just some words here
)"_s;

template<typename T>
T *child(QWidget *parent, const char *name)
{
    T *widget = parent->findChild<T *>(QLatin1StringView(name));
    if (!widget)
        qWarning() << "no child" << name;
    return widget;
}

QPushButton *okButton(QWidget *dialog)
{
    return child<QDialogButtonBox>(dialog, "buttonBox")->button(QDialogButtonBox::Ok);
}

QStringList previewIds(QWidget *dialog)
{
    QStringList ids;
    auto *list = child<QListWidget>(dialog, "previewList");
    for (int i = 0; i < list->count(); ++i)
        ids << list->item(i)->data(Qt::UserRole).toString();
    return ids;
}

void answerNextModal(std::function<void(QWidget *)> answer)
{
    auto *poll = new QTimer(qApp);
    poll->setInterval(10);
    QObject::connect(poll, &QTimer::timeout, poll, [poll, answer] {
        QWidget *modal = QApplication::activeModalWidget();
        if (!modal || !modal->isVisible())
            return;
        poll->stop();
        poll->deleteLater();
        answer(modal);
    });
    poll->start();
}
} // namespace

class TestAddTasksDialog : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();

    void pastedTextIsSummarised();
    void typingIsDebounced();
    void summaryFollowsTheAccount();
    void okAddsTheNewTasks();
    void nothingNewMeansNothingToAdd();
    void accountIsRememberedAcrossDialogs();
    void accountWithoutKeyIsPointedOut();
    void withoutAccountsTheDialogLeadsToOne();
    void hugePasteDoesNotFreeze();
    void largeTextCanBeEditedWhole();
    void cancelStopsAddingAndKeepsWhatWasAdded();
    void closingWhileScanningIsSafe();
    void screenshot();

private:
    QString addAccount(const QString &name, const QString &provider, const QString &key = apiKey);
    std::unique_ptr<AddTasksDialog> openDialog();

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<QNetworkAccessManager> m_network;
    std::unique_ptr<SystemClock> m_clock;
    std::unique_ptr<TaskStore> m_store;
    std::unique_ptr<TaskEngine> m_engine;
    std::unique_ptr<SecretStore> m_secrets;
    std::unique_ptr<AccountManager> m_accounts;
    QString m_alpha;
    QString m_beta;
};

void TestAddTasksDialog::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(u"Reelkeep"_s);
    QCoreApplication::setApplicationName(u"Reelkeep-tst_addtasksdialog"_s);
}

void TestAddTasksDialog::init()
{
    QSettings().clear();
    m_dir = std::make_unique<QTemporaryDir>();
    m_network = std::make_unique<QNetworkAccessManager>();
    m_clock = std::make_unique<SystemClock>();
    QString error;
    m_store = TaskStore::open(m_dir->filePath(u"reelkeep.sqlite"_s), &error);
    QVERIFY2(m_store, qPrintable(error));
    m_engine = std::make_unique<TaskEngine>(m_network.get(), m_clock.get(), m_store.get());
    // No keychain: keys stay in this session, nothing is asked.
    m_secrets = std::make_unique<SecretStore>(nullptr, SecretStore::Options{});
    m_secrets->setFallbackBackend(SecretStore::Backend::SessionOnly);
    m_accounts = std::make_unique<AccountManager>(m_engine.get(), m_store.get(), m_secrets.get());
    m_alpha = addAccount(u"Alpha"_s, u"mingyan"_s);
    m_beta = addAccount(u"Beta"_s, u"openai"_s);
}

void TestAddTasksDialog::cleanup()
{
    m_accounts.reset();
    m_secrets.reset();
    m_engine.reset();
    m_store.reset();
    m_network.reset();
    m_dir.reset();
}

QString TestAddTasksDialog::addAccount(const QString &name, const QString &provider, const QString &key)
{
    Account account;
    account.displayName = name;
    account.providerName = provider;
    // Nothing listens here; nothing in these tests waits for a poll.
    account.baseUrl = QUrl(u"http://127.0.0.1:9"_s);
    account.apiKey = key;
    account.downloadDir = m_dir->filePath(u"videos"_s);
    return m_accounts->saveAccount(account);
}

std::unique_ptr<AddTasksDialog> TestAddTasksDialog::openDialog()
{
    auto dialog = std::make_unique<AddTasksDialog>(m_engine.get(), m_accounts.get());
    dialog->show();
    if (!QTest::qWaitForWindowExposed(dialog.get()))
        qWarning() << "dialog not exposed";
    return dialog;
}

void TestAddTasksDialog::pastedTextIsSummarised()
{
    m_engine->addTasks(m_alpha, {u"cgt-20250101123456-abcd1234"_s});
    m_accounts->setLastUsedAccountId(m_alpha);
    auto dialog = openDialog();
    auto *text = child<QPlainTextEdit>(dialog.get(), "textEdit");
    QVERIFY(text->hasFocus());
    QVERIFY(!okButton(dialog.get())->isEnabled());

    QSignalSpy scanned(dialog.get(), &AddTasksDialog::scanFinished);
    QGuiApplication::clipboard()->setText(messyText);
    QTest::keySequence(text, QKeySequence::Paste);
    QCOMPARE(text->toPlainText(), messyText);
    QTRY_COMPARE(scanned.size(), 1);

    QCOMPARE(dialog->selectedAccountId(), m_alpha);
    QCOMPARE(dialog->newIds(), (QStringList{u"video_68d2f7a1c9e04b3e8a1f2c3d"_s, u"106916112212032"_s}));
    QCOMPARE(dialog->existingIds(), QStringList{u"cgt-20250101123456-abcd1234"_s});
    // The curl line (with the key), the CSV header and the words.
    QCOMPARE(dialog->ignoredCount(), 3);
    QCOMPARE(child<QLabel>(dialog.get(), "summaryLabel")->text(),
             u"2 new task IDs, 1 already in the list, 3 lines ignored"_s);
    QCOMPARE(okButton(dialog.get())->text(), u"Add 2 tasks"_s);
    QVERIFY(okButton(dialog.get())->isEnabled());

    // The preview lists what was found, once each, and never the key.
    const QStringList preview = previewIds(dialog.get());
    QCOMPARE(preview, (QStringList{u"video_68d2f7a1c9e04b3e8a1f2c3d"_s, u"cgt-20250101123456-abcd1234"_s,
                                   u"106916112212032"_s}));
    for (const QString &id : preview)
        QVERIFY(!apiKey.contains(id) && !id.contains(u"sk-"_s));
    QCOMPARE(child<QLabel>(dialog.get(), "previewLabel")->text(), u"Task IDs found (3)"_s);
    // The one already in the list is marked as such.
    auto *list = child<QListWidget>(dialog.get(), "previewList");
    QCOMPARE(list->item(1)->toolTip(), u"Already in the list"_s);
    QCOMPARE(list->item(1)->text(), u"(in list) cgt-20250101123456-abcd1234"_s);
    QVERIFY(list->item(0)->toolTip().isEmpty());
    QCOMPARE(list->item(0)->text(), u"video_68d2f7a1c9e04b3e8a1f2c3d"_s);

    // Editing the text updates the summary: the user deletes the last line's words and adds an ID.
    QTextCursor cursor = text->textCursor();
    cursor.movePosition(QTextCursor::End);
    text->setTextCursor(cursor);
    QTest::keyClicks(text, u"task_id=job-7f3e2a19c4d8b6e0"_s);
    QTest::keyClick(text, Qt::Key_Return);
    QTRY_COMPARE(scanned.size(), 2);
    QCOMPARE(child<QLabel>(dialog.get(), "summaryLabel")->text(),
             u"3 new task IDs, 1 already in the list, 3 lines ignored"_s);
}

void TestAddTasksDialog::typingIsDebounced()
{
    auto dialog = openDialog();
    QSignalSpy scanned(dialog.get(), &AddTasksDialog::scanFinished);
    auto *text = child<QPlainTextEdit>(dialog.get(), "textEdit");
    QTest::keyClicks(text, u"video_68d2f7a1c9e04b3e8a1f2c3d video_0a1b2c3d4e5f60718293a4b5c6d7e8f"_s);
    QElapsedTimer sinceLastKey;
    sinceLastKey.start();
    QTest::keyClick(text, Qt::Key_9);
    // While typing, the summary is not up to date and OK waits for it.
    QVERIFY(dialog->isScanning());
    QVERIFY(!okButton(dialog.get())->isEnabled());
    QTRY_COMPARE(scanned.size(), 1);
    // The scan of so little text takes a millisecond: it waited for the typing to pause.
    QVERIFY2(sinceLastKey.elapsed() >= 140, qPrintable(QString::number(sinceLastKey.elapsed())));
    QCOMPARE(dialog->newIds().size(), 2);
    QCOMPARE(dialog->newIds().last(), u"video_0a1b2c3d4e5f60718293a4b5c6d7e8f9"_s);
    QVERIFY(okButton(dialog.get())->isEnabled());
}

void TestAddTasksDialog::summaryFollowsTheAccount()
{
    m_engine->addTasks(m_alpha, {u"cgt-20250101123456-abcd1234"_s});
    auto dialog = openDialog();
    auto *combo = child<QComboBox>(dialog.get(), "accountCombo");
    QCOMPARE(combo->count(), 2);
    QCOMPARE(combo->itemData(0).toString(), m_alpha);
    QVERIFY(combo->itemText(0).startsWith(u"Alpha"_s));
    combo->setCurrentIndex(0);
    dialog->setText(messyText);
    QTRY_VERIFY(!dialog->isScanning());
    QCOMPARE(dialog->existingIds().size(), 1);

    // Under Beta, the same ID is a different task: new.
    combo->setCurrentIndex(1);
    QCOMPARE(dialog->existingIds().size(), 0);
    QCOMPARE(dialog->newIds().size(), 3);
    QCOMPARE(child<QLabel>(dialog.get(), "summaryLabel")->text(),
             u"3 new task IDs, 0 already in the list, 3 lines ignored"_s);
}

void TestAddTasksDialog::okAddsTheNewTasks()
{
    m_engine->addTasks(m_alpha, {u"cgt-20250101123456-abcd1234"_s});
    QSignalSpy added(m_engine.get(), &TaskEngine::tasksAdded);
    auto dialog = openDialog();
    child<QComboBox>(dialog.get(), "accountCombo")->setCurrentIndex(0);
    dialog->setText(messyText);
    QTRY_VERIFY(okButton(dialog.get())->isEnabled());
    QTest::mouseClick(okButton(dialog.get()), Qt::LeftButton);

    QCOMPARE(dialog->result(), int(QDialog::Accepted));
    QVERIFY(!dialog->isVisible());
    QCOMPARE(m_engine->taskCount(), 3);
    QCOMPARE(added.size(), 1);
    QVERIFY(m_engine->task({m_alpha, u"video_68d2f7a1c9e04b3e8a1f2c3d"_s}));
    QVERIFY(m_engine->task({m_alpha, u"106916112212032"_s}));
    QCOMPARE(dialog->addResult().added.size(), 2);
    QCOMPARE(m_accounts->lastUsedAccountId(), m_alpha);
    // Recorded durably, as the engine promises.
    QVERIFY(m_store->flush());
    QCOMPARE(m_store->loadTasks().size(), 3);
}

void TestAddTasksDialog::nothingNewMeansNothingToAdd()
{
    m_engine->addTasks(m_alpha, {u"video_68d2f7a1c9e04b3e8a1f2c3d"_s});
    m_accounts->setLastUsedAccountId(m_alpha);
    auto dialog = openDialog();
    dialog->setText(u"no ids here, just sk-proj-AbCdEf1234567890XyZ and words\nvideo_68d2f7a1c9e04b3e8a1f2c3d\n"_s);
    QTRY_VERIFY(!dialog->isScanning());
    QCOMPARE(dialog->newIds(), QStringList());
    QCOMPARE(child<QLabel>(dialog.get(), "summaryLabel")->text(),
             u"0 new task IDs, 1 already in the list, 1 line ignored"_s);
    QVERIFY(!okButton(dialog.get())->isEnabled());
    QCOMPARE(okButton(dialog.get())->text(), u"Add tasks"_s);
    // Enter does not add anything either.
    QTest::keyClick(child<QComboBox>(dialog.get(), "accountCombo"), Qt::Key_Return);
    QVERIFY(dialog->isVisible());
    QCOMPARE(m_engine->taskCount(), 1);

    dialog->setText({});
    QTRY_VERIFY(!dialog->isScanning());
    QCOMPARE(child<QLabel>(dialog.get(), "summaryLabel")->text(), u"No task IDs yet."_s);
}

void TestAddTasksDialog::accountIsRememberedAcrossDialogs()
{
    {
        auto dialog = openDialog();
        auto *combo = child<QComboBox>(dialog.get(), "accountCombo");
        combo->setCurrentIndex(combo->findData(m_beta));
        dialog->setText(u"video_68d2f7a1c9e04b3e8a1f2c3d"_s);
        QTRY_VERIFY(okButton(dialog.get())->isEnabled());
        QTest::mouseClick(okButton(dialog.get()), Qt::LeftButton);
        QVERIFY(m_engine->task({m_beta, u"video_68d2f7a1c9e04b3e8a1f2c3d"_s}));
    }
    auto again = openDialog();
    QCOMPARE(again->selectedAccountId(), m_beta);
    QCOMPARE(child<QComboBox>(again.get(), "accountCombo")->currentText().left(4), u"Beta"_s);

    // A cancelled dialog does not change the choice.
    child<QComboBox>(again.get(), "accountCombo")->setCurrentIndex(0);
    again->reject();
    QCOMPARE(m_accounts->lastUsedAccountId(), m_beta);
}

void TestAddTasksDialog::accountWithoutKeyIsPointedOut()
{
    // Saved without a key (and none in the secret store): tasks can be added, not yet checked.
    Account account;
    account.displayName = u"Keyless"_s;
    account.providerName = u"mingyan"_s;
    account.downloadDir = m_dir->filePath(u"videos"_s);
    const QString id = m_accounts->saveAccount(account);
    QCOMPARE(m_accounts->keyStatus(id), AccountManager::KeyStatus::Missing);

    auto dialog = openDialog();
    auto *warning = child<QLabel>(dialog.get(), "accountWarning");
    auto *combo = child<QComboBox>(dialog.get(), "accountCombo");
    combo->setCurrentIndex(combo->findData(m_alpha));
    QVERIFY(warning->isHidden());
    combo->setCurrentIndex(combo->findData(id));
    QVERIFY(warning->isVisible());
    QVERIFY(warning->text().contains(u"no API key"_s));
}

void TestAddTasksDialog::withoutAccountsTheDialogLeadsToOne()
{
    m_accounts->removeAccount(m_alpha);
    m_accounts->removeAccount(m_beta);
    QVERIFY(!m_accounts->hasAccounts());

    auto dialog = openDialog();
    dialog->setNetworkAccessManager(m_network.get());
    auto *banner = child<QFrame>(dialog.get(), "noAccountFrame");
    auto *combo = child<QComboBox>(dialog.get(), "accountCombo");
    QVERIFY(banner->isVisible());
    QVERIFY(child<QLabel>(dialog.get(), "noAccountLabel")->text().contains(u"no account"_s));
    QVERIFY(!combo->isEnabled());
    dialog->setText(messyText);
    QTRY_VERIFY(!dialog->isScanning());
    // IDs found, but nowhere to add them.
    QCOMPARE(dialog->newIds().size(), 3);
    QVERIFY(!okButton(dialog.get())->isEnabled());
    QCOMPARE(okButton(dialog.get())->text(), u"Add tasks"_s);

    // "Add account…" opens the accounts dialog; the account made there is selected here.
    bool sawAccountsDialog = false;
    answerNextModal([&](QWidget *modal) {
        auto *accounts = qobject_cast<AccountsDialog *>(modal);
        sawAccountsDialog = accounts;
        if (!accounts) {
            modal->close();
            return;
        }
        accounts->findChild<QLineEdit *>(u"nameEdit"_s)->setText(u"Fresh"_s);
        accounts->findChild<QLineEdit *>(u"keyEdit"_s)->setText(apiKey);
        accounts->findChild<QLineEdit *>(u"folderEdit"_s)->setText(m_dir->filePath(u"videos"_s));
        QVERIFY(accounts->save());
        accounts->accept();
    });
    QTest::mouseClick(child<QPushButton>(dialog.get(), "addAccountButton"), Qt::LeftButton);
    QVERIFY(sawAccountsDialog);
    QCOMPARE(m_accounts->accounts().size(), 1);
    QVERIFY(banner->isHidden());
    QVERIFY(combo->isEnabled());
    QCOMPARE(dialog->selectedAccountId(), m_accounts->accounts().first().id);
    QVERIFY(okButton(dialog.get())->isEnabled());
    QCOMPARE(okButton(dialog.get())->text(), u"Add 3 tasks"_s);
}

void TestAddTasksDialog::hugePasteDoesNotFreeze()
{
    // ~20 MB of log lines holding 100,000 distinct IDs.
    QString text;
    text.reserve(20 * 1024 * 1024);
    QStringList expected;
    expected.reserve(100'000);
    for (int i = 0; i < 100'000; ++i) {
        const QString id = u"video_%1"_s.arg(qulonglong(i) * 7919 + 1000003, 24, 16, QLatin1Char('0'));
        expected << id;
        text += u"2025-11-18 12:00:01 INFO task submitted id="_s + id
              + u" model=sora-2 status=queued progress=0 host=api.example.com note=lorem ipsum dolor sit amet\n"_s;
    }
    m_accounts->setLastUsedAccountId(m_alpha);
    auto dialog = openDialog();

    // The event loop keeps turning while the text is scanned: a 10 ms timer never waits long.
    QElapsedTimer sinceTick;
    qint64 longestGapMs = 0;
    QTimer ticker;
    ticker.setInterval(10);
    connect(&ticker, &QTimer::timeout, this, [&] {
        longestGapMs = std::max(longestGapMs, sinceTick.restart());
    });

    QElapsedTimer clock;
    clock.start();
    dialog->setText(text);
    const qint64 setTextMs = clock.elapsed();
    QVERIFY2(setTextMs < 250, "showing the text froze the window");
    sinceTick.start();
    ticker.start();
    QTRY_VERIFY_WITH_TIMEOUT(!dialog->isScanning(), 60'000);
    ticker.stop();
    qInfo() << "setText" << setTextMs << "ms; scan done after" << clock.elapsed() << "ms; longest event-loop gap"
            << longestGapMs << "ms";
    QCOMPARE(dialog->newIds().size(), 100'000);
    QCOMPARE(dialog->newIds().first(), expected.first());
    QCOMPARE(dialog->newIds().last(), expected.last());
    QCOMPARE(dialog->ignoredCount(), 0);
    QCOMPARE(child<QListWidget>(dialog.get(), "previewList")->count(), 200);
    QCOMPARE(child<QLabel>(dialog.get(), "previewLabel")->text(), u"Task IDs found (first 200 of 100000)"_s);
    QCOMPARE(okButton(dialog.get())->text(), u"Add 100000 tasks"_s);
    QVERIFY2(longestGapMs < 250, "the scan ran on the GUI thread");
    // Only the beginning of so much text is in the editor; all of it was scanned.
    QVERIFY(dialog->isShowingPartOfText());
    QVERIFY(child<QFrame>(dialog.get(), "largeTextFrame")->isVisible());
    QVERIFY(child<QPlainTextEdit>(dialog.get(), "textEdit")->isReadOnly());
    QVERIFY(child<QPlainTextEdit>(dialog.get(), "textEdit")->toPlainText().size() < 300 * 1024);
    QCOMPARE(dialog->text(), text);

    // Adding 100,000 tasks takes the engine seconds: it happens in slices, with progress shown.
    QSignalSpy added(m_engine.get(), &TaskEngine::tasksAdded);
    QSignalSpy finished(dialog.get(), &QDialog::finished);
    longestGapMs = 0;
    clock.restart();
    QTest::mouseClick(okButton(dialog.get()), Qt::LeftButton);
    QVERIFY(clock.elapsed() < 250);
    QVERIFY(dialog->isAdding());
    QVERIFY(child<QLabel>(dialog.get(), "summaryLabel")->text().startsWith(u"Adding tasks… "_s));
    QVERIFY(!okButton(dialog.get())->isEnabled());
    sinceTick.start();
    ticker.start();
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), 120'000);
    ticker.stop();
    qInfo() << "adding 100,000 tasks took" << clock.elapsed() << "ms in" << added.size()
            << "slices; longest event-loop gap" << longestGapMs << "ms";
    QCOMPARE(finished.first().first().toInt(), int(QDialog::Accepted));
    QCOMPARE(m_engine->taskCount(), 100'000);
    QCOMPARE(dialog->addResult().added.size(), 100'000);
    QVERIFY(added.size() > 1);
    // One engine call for all of them holds the window for seconds. In slices, the longest
    // pause is the engine growing its tables (at 32k and 65k tasks, a few hundred ms here).
    QVERIFY2(longestGapMs < 1000, "adding froze the window");
}

void TestAddTasksDialog::largeTextCanBeEditedWhole()
{
    QString text;
    for (int i = 0; i < 40'000; ++i)
        text += u"INFO %1 task video_%2 queued by a rather long log line of some service\n"_s.arg(i).arg(
            qulonglong(i) * 7919 + 1000003, 24, 16, QLatin1Char('0'));
    QVERIFY(text.size() > 2 * 1024 * 1024);
    auto dialog = openDialog();
    dialog->setText(text);
    QVERIFY(dialog->isShowingPartOfText());
    QTRY_VERIFY(!dialog->isScanning());
    QCOMPARE(dialog->newIds().size(), 40'000);
    QTest::mouseClick(child<QPushButton>(dialog.get(), "editAllButton"), Qt::LeftButton);
    QVERIFY(!dialog->isShowingPartOfText());
    QVERIFY(child<QFrame>(dialog.get(), "largeTextFrame")->isHidden());
    QVERIFY(!child<QPlainTextEdit>(dialog.get(), "textEdit")->isReadOnly());
    QCOMPARE(child<QPlainTextEdit>(dialog.get(), "textEdit")->toPlainText(), text);
    QTRY_VERIFY(!dialog->isScanning());
    QCOMPARE(dialog->newIds().size(), 40'000);
}

void TestAddTasksDialog::cancelStopsAddingAndKeepsWhatWasAdded()
{
    QStringList ids;
    for (int i = 0; i < 60'000; ++i)
        ids << u"video_%1"_s.arg(qulonglong(i) * 7919 + 1000003, 24, 16, QLatin1Char('0'));
    auto dialog = openDialog();
    dialog->setText(ids.join(u'\n'));
    QTRY_VERIFY_WITH_TIMEOUT(okButton(dialog.get())->isEnabled(), 30'000);
    QSignalSpy finished(dialog.get(), &QDialog::finished);
    QTest::mouseClick(okButton(dialog.get()), Qt::LeftButton);
    QVERIFY(dialog->isAdding());
    QTest::mouseClick(child<QDialogButtonBox>(dialog.get(), "buttonBox")->button(QDialogButtonBox::Cancel),
                      Qt::LeftButton);
    QTRY_COMPARE(finished.size(), 1);
    QCOMPARE(finished.first().first().toInt(), int(QDialog::Rejected));
    const int added = m_engine->taskCount();
    QVERIFY(added > 0);
    QVERIFY(added < 60'000);
    QCOMPARE(int(dialog->addResult().added.size()), added);
}

void TestAddTasksDialog::closingWhileScanningIsSafe()
{
    QString text;
    for (int i = 0; i < 20'000; ++i)
        text += u"id=video_%1 and some words\n"_s.arg(qulonglong(i) * 104729 + 1000003, 24, 16, QLatin1Char('0'));
    {
        auto dialog = openDialog();
        dialog->setText(text);
        QVERIFY(dialog->isScanning());
    }
    // The worker's answer arrives after the dialog is gone and is dropped.
    QThreadPool::globalInstance()->waitForDone();
    QCoreApplication::processEvents();
    QCoreApplication::sendPostedEvents();
}

void TestAddTasksDialog::screenshot()
{
    const QString dir = qEnvironmentVariable("REELKEEP_SCREENSHOT_DIR");
    if (dir.isEmpty())
        QSKIP("set REELKEEP_SCREENSHOT_DIR to write screenshots");
    m_engine->addTasks(m_alpha, {u"cgt-20250101123456-abcd1234"_s});
    m_accounts->setLastUsedAccountId(m_alpha);
    auto dialog = openDialog();
    dialog->setText(messyText);
    QTRY_VERIFY(!dialog->isScanning());
    QDir().mkpath(dir);
    QVERIFY(dialog->grab().save(dir + u"/add-tasks-dialog.png"_s));

    m_accounts->removeAccount(m_alpha);
    m_accounts->removeAccount(m_beta);
    auto empty = openDialog();
    empty->setText(messyText);
    QTRY_VERIFY(!empty->isScanning());
    QVERIFY(empty->grab().save(dir + u"/add-tasks-dialog-no-account.png"_s));
}

QTEST_MAIN(TestAddTasksDialog)
#include "tst_addtasksdialog.moc"
