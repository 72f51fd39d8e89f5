// AccountsDialog and AccountManager, driven offscreen: pre-filled values that follow the
// provider, inline validation, saving (engine + store WITHOUT the key + secret store), the
// no-keychain choice, "Test connection" against the fake provider, editing and removing, and
// loading accounts with their keys at start-up.

#include "accountmanager.h"
#include "accountsdialog.h"
#include "clock.h"
#include "fakeproviderserver.h"
#include "filenamer.h"
#include "keychainaccess.h"
#include "providerregistry.h"
#include "secretstore.h"
#include "taskengine.h"
#include "taskstore.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QNetworkAccessManager>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QToolButton>

#include <sys/stat.h>

using namespace Qt::StringLiterals;

namespace
{
const QString rightKey = u"sk-right-key-9c1f7e3a2b"_s;
const QString wrongKey = u"sk-wrong-key-000000"_s;

// A keychain that works, in memory.
class MemoryKeychain final : public KeychainAccess
{
public:
    explicit MemoryKeychain(QHash<QString, QString> *entries)
        : m_entries(entries)
    {
    }
    void read(const QString &service, const QString &entry, Callback done) override
    {
        const auto it = m_entries->constFind(service + u'|' + entry);
        done(it == m_entries->cend() ? Result{Status::NotFound, {}, {}} : Result{Status::Ok, *it, {}});
    }
    void write(const QString &service, const QString &entry, const QString &secret, Callback done) override
    {
        m_entries->insert(service + u'|' + entry, secret);
        done({Status::Ok, {}, {}});
    }
    void remove(const QString &service, const QString &entry, Callback done) override
    {
        m_entries->remove(service + u'|' + entry);
        done({Status::Ok, {}, {}});
    }

private:
    QHash<QString, QString> *m_entries;
};

template<typename T>
T *child(QWidget *parent, const char *name)
{
    T *widget = parent->findChild<T *>(QLatin1StringView(name));
    if (!widget)
        qWarning() << "no child" << name;
    return widget;
}

// Replaces a line edit's text the way a user does: select all, then type.
void typeInto(QLineEdit *edit, const QString &text)
{
    edit->setFocus();
    edit->selectAll();
    if (text.isEmpty())
        QTest::keyClick(edit, Qt::Key_Backspace);
    else
        QTest::keyClicks(edit, text);
}

void chooseProvider(QComboBox *combo, const QString &name)
{
    const int index = combo->findData(name);
    QVERIFY2(index >= 0, qPrintable(name));
    combo->setFocus();
    combo->setCurrentIndex(index);
}

// Runs `answer` on the next message box that opens (modal, so exec() is running by then).
void answerNextMessageBox(std::function<void(QMessageBox *)> answer)
{
    auto *poll = new QTimer(qApp);
    poll->setInterval(10);
    QObject::connect(poll, &QTimer::timeout, poll, [poll, answer] {
        auto *box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget());
        if (!box)
            return;
        poll->stop();
        poll->deleteLater();
        answer(box);
    });
    poll->start();
}

void clickButton(QMessageBox *box, const char *objectName)
{
    auto *button = box->findChild<QPushButton *>(QLatin1StringView(objectName));
    QVERIFY2(button, objectName);
    QTest::mouseClick(button, Qt::LeftButton);
}

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}
} // namespace

class TestAccountsDialog : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();

    void providerChangePrefillsAddressAndInterval();
    void validationShowsInlineMessages();
    void templateFieldsAreListedWithALiveExample();
    void saveStoresTheAccountWithoutItsKey();
    void noKeychainAsksWhereToKeepTheKey_data();
    void noKeychainAsksWhereToKeepTheKey();
    void cancellingTheKeychainQuestionSavesNothing();
    void keyFieldShowsAndHidesWhatWasTyped();
    void editingKeepsTheStoredKey();
    void testConnection_data();
    void testConnection();
    void testConnectionReportsNetworkErrors();
    void removeAccountForgetsItEverywhere();
    void unsavedChangesAreNotLostSilently();
    void managerLoadsKeysAfterTheAccounts();
    void lastUsedAccountIsRemembered();
    void screenshot();

private:
    void makeSecrets(bool withKeychain);
    std::unique_ptr<AccountsDialog> openDialog();
    void fillNewAccount(AccountsDialog *dialog, const QString &provider, const QString &name, const QString &key);
    QString storePath() const { return m_dir->filePath(u"reelkeep.sqlite"_s); }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<FakeProviderServer> m_server;
    std::unique_ptr<QNetworkAccessManager> m_network;
    std::unique_ptr<SystemClock> m_clock;
    std::unique_ptr<TaskStore> m_store;
    std::unique_ptr<TaskEngine> m_engine;
    std::unique_ptr<SecretStore> m_secrets;
    std::unique_ptr<AccountManager> m_accounts;
    QHash<QString, QString> m_keychain;
};

void TestAccountsDialog::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(u"Reelkeep"_s);
    QCoreApplication::setApplicationName(u"Reelkeep-tst_accountsdialog"_s);
}

void TestAccountsDialog::init()
{
    QSettings().clear();
    QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)).removeRecursively();
    m_keychain.clear();
    m_dir = std::make_unique<QTemporaryDir>();
    m_server = std::make_unique<FakeProviderServer>();
    QVERIFY(m_server->listen());
    m_network = std::make_unique<QNetworkAccessManager>();
    m_clock = std::make_unique<SystemClock>();
    QString error;
    m_store = TaskStore::open(storePath(), &error);
    QVERIFY2(m_store, qPrintable(error));
    m_engine = std::make_unique<TaskEngine>(m_network.get(), m_clock.get(), m_store.get());
    makeSecrets(true);
}

void TestAccountsDialog::cleanup()
{
    m_accounts.reset();
    m_secrets.reset();
    m_engine.reset();
    m_store.reset();
    m_network.reset();
    m_server.reset();
    m_dir.reset();
}

void TestAccountsDialog::makeSecrets(bool withKeychain)
{
    m_accounts.reset();
    std::unique_ptr<KeychainAccess> keychain;
    if (withKeychain)
        keychain = std::make_unique<MemoryKeychain>(&m_keychain);
    m_secrets = std::make_unique<SecretStore>(std::move(keychain), SecretStore::Options{});
    m_accounts = std::make_unique<AccountManager>(m_engine.get(), m_store.get(), m_secrets.get());
}

std::unique_ptr<AccountsDialog> TestAccountsDialog::openDialog()
{
    auto dialog = std::make_unique<AccountsDialog>(m_accounts.get(), m_network.get());
    dialog->show();
    if (!QTest::qWaitForWindowExposed(dialog.get()))
        qWarning() << "dialog not exposed";
    return dialog;
}

void TestAccountsDialog::fillNewAccount(AccountsDialog *dialog, const QString &provider, const QString &name,
                                        const QString &key)
{
    chooseProvider(child<QComboBox>(dialog, "providerCombo"), provider);
    typeInto(child<QLineEdit>(dialog, "nameEdit"), name);
    typeInto(child<QLineEdit>(dialog, "baseUrlEdit"), m_server->apiBaseUrl().toString());
    typeInto(child<QLineEdit>(dialog, "keyEdit"), key);
    typeInto(child<QLineEdit>(dialog, "folderEdit"), m_dir->filePath(u"videos"_s));
}

// ---- the form -----------------------------------------------------------------------------------

void TestAccountsDialog::providerChangePrefillsAddressAndInterval()
{
    auto dialog = openDialog();
    auto *provider = child<QComboBox>(dialog.get(), "providerCombo");
    auto *baseUrl = child<QLineEdit>(dialog.get(), "baseUrlEdit");
    auto *interval = child<QSpinBox>(dialog.get(), "intervalSpin");
    auto *name = child<QLineEdit>(dialog.get(), "nameEdit");

    // Every provider the core knows, by display name, with its machine name as data.
    const auto &registry = ProviderRegistry::instance();
    QCOMPARE(provider->count(), int(registry.adapters().size()));
    for (int i = 0; i < provider->count(); ++i)
        QCOMPARE(provider->itemText(i), registry.find(provider->itemData(i).toString())->displayName());

    // No account yet: the dialog starts a new one, pre-filled from the first provider.
    const ProviderAdapter *first = registry.find(provider->currentData().toString());
    QCOMPARE(baseUrl->text(), first->defaultBaseUrl().toString());
    QCOMPARE(interval->value(), first->defaultIntervalSeconds());
    QCOMPARE(name->text(), first->displayName());
    QCOMPARE(child<QLineEdit>(dialog.get(), "folderEdit")->text(),
             QDir::toNativeSeparators(QStandardPaths::writableLocation(QStandardPaths::MoviesLocation)
                                      + u"/Reelkeep"_s));
    QVERIFY(child<QCheckBox>(dialog.get(), "autoDownloadCheck")->isChecked());

    chooseProvider(provider, u"openai"_s);
    QCOMPARE(baseUrl->text(), u"https://api.openai.com"_s);
    QCOMPARE(interval->value(), registry.find(u"openai"_s)->defaultIntervalSeconds());
    QCOMPARE(name->text(), registry.find(u"openai"_s)->displayName());

    // A gateway has no public address: the field empties and says what belongs there.
    chooseProvider(provider, u"task-gateway"_s);
    QCOMPARE(baseUrl->text(), QString());
    QVERIFY(baseUrl->placeholderText().contains(u"gateway"_s));

    // What the user typed stays when the provider changes.
    typeInto(baseUrl, u"https://gw.example.com"_s);
    interval->setFocus();
    interval->selectAll();
    QTest::keyClicks(interval, u"42"_s);
    QCOMPARE(interval->value(), 42);
    typeInto(name, u"My gateway"_s);
    chooseProvider(provider, u"minimax"_s);
    QCOMPARE(baseUrl->text(), u"https://gw.example.com"_s);
    QCOMPARE(interval->value(), 42);
    QCOMPARE(name->text(), u"My gateway"_s);
    QCOMPARE(child<QLabel>(dialog.get(), "intervalHint")->text(),
             u"per task (recommended: %1 seconds)"_s.arg(registry.find(u"minimax"_s)->defaultIntervalSeconds()));
}

void TestAccountsDialog::validationShowsInlineMessages()
{
    auto dialog = openDialog();
    auto *nameError = child<QLabel>(dialog.get(), "nameError");
    auto *baseUrlError = child<QLabel>(dialog.get(), "baseUrlError");
    auto *keyError = child<QLabel>(dialog.get(), "keyError");
    auto *folderError = child<QLabel>(dialog.get(), "folderError");
    auto *templateError = child<QLabel>(dialog.get(), "templateError");
    auto *save = child<QDialogButtonBox>(dialog.get(), "buttonBox")->button(QDialogButtonBox::Save);

    chooseProvider(child<QComboBox>(dialog.get(), "providerCombo"), u"task-gateway"_s);
    typeInto(child<QLineEdit>(dialog.get(), "nameEdit"), {});
    // "Required" messages wait for a save attempt...
    QVERIFY(nameError->isHidden());
    QVERIFY(keyError->isHidden());
    QTest::mouseClick(save, Qt::LeftButton);
    QVERIFY(!m_accounts->hasAccounts());
    QVERIFY(nameError->isVisible());
    QVERIFY(baseUrlError->isVisible());
    QVERIFY(baseUrlError->text().contains(u"gateway"_s));
    QVERIFY(keyError->isVisible());
    QVERIFY(folderError->isHidden());
    QVERIFY(child<QLineEdit>(dialog.get(), "nameEdit")->hasFocus());

    // ...format mistakes show while typing.
    typeInto(child<QLineEdit>(dialog.get(), "baseUrlEdit"), u"ftp://files.example.com"_s);
    QVERIFY(baseUrlError->isVisible());
    QVERIFY(baseUrlError->text().contains(u"https://"_s));
    typeInto(child<QLineEdit>(dialog.get(), "keyEdit"), u"sk-abc def"_s);
    QVERIFY(keyError->text().contains(u"spaces"_s));
    typeInto(child<QLineEdit>(dialog.get(), "folderEdit"), u"videos"_s);
    QVERIFY(folderError->isVisible());
    QVERIFY(folderError->text().contains(u"full path"_s));
    typeInto(child<QLineEdit>(dialog.get(), "templateEdit"), u"{date}_{colour}"_s);
    QVERIFY(templateError->isVisible());
    QVERIFY(templateError->text().contains(u"{colour}"_s));
    typeInto(child<QLineEdit>(dialog.get(), "nameEdit"), u"Gateway"_s);
    QVERIFY(nameError->isHidden());

    QTest::mouseClick(save, Qt::LeftButton);
    QVERIFY(!m_accounts->hasAccounts());

    // Fixed, it saves.
    typeInto(child<QLineEdit>(dialog.get(), "baseUrlEdit"), m_server->apiBaseUrl().toString());
    typeInto(child<QLineEdit>(dialog.get(), "keyEdit"), rightKey);
    typeInto(child<QLineEdit>(dialog.get(), "folderEdit"), m_dir->filePath(u"videos"_s));
    typeInto(child<QLineEdit>(dialog.get(), "templateEdit"), u"{date}_{id}"_s);
    for (QLabel *label : {nameError, baseUrlError, keyError, folderError, templateError})
        QVERIFY2(label->isHidden(), qPrintable(label->text()));
    QTest::mouseClick(save, Qt::LeftButton);
    QCOMPARE(m_accounts->accounts().size(), 1);
    QCOMPARE(m_accounts->accounts().first().fileNameTemplate, u"{date}_{id}"_s);

    // A second account may not take the same name.
    QTest::mouseClick(child<QPushButton>(dialog.get(), "addButton"), Qt::LeftButton);
    typeInto(child<QLineEdit>(dialog.get(), "nameEdit"), u"gateway"_s);
    QVERIFY(nameError->isVisible());
    QVERIFY(nameError->text().contains(u"Gateway"_s));
}

void TestAccountsDialog::templateFieldsAreListedWithALiveExample()
{
    auto dialog = openDialog();
    auto *fields = child<QLabel>(dialog.get(), "fieldsLabel");
    auto *example = child<QLabel>(dialog.get(), "exampleLabel");
    auto *templ = child<QLineEdit>(dialog.get(), "templateEdit");
    QCOMPARE(templ->text(), FileNamer::defaultTemplate());
    for (const QString &field : FileNamer::fields()) {
        QVERIFY2(fields->text().contains(u'{' + field + u'}'), qPrintable(field));
        QVERIFY2(fields->text().contains(FileNamer::fieldDescription(field).toHtmlEscaped()), qPrintable(field));
    }

    chooseProvider(child<QComboBox>(dialog.get(), "providerCombo"), u"minimax"_s);
    typeInto(templ, u"{provider}-{id}"_s);
    QCOMPARE(example->text(), u"Example: minimax-video_68d2f7a1c9e04b3e.mp4"_s);
    // Clicking a field inserts it where the cursor is.
    templ->setCursorPosition(0);
    QMetaObject::invokeMethod(fields, "linkActivated", Q_ARG(QString, u"field:resolution"_s));
    QCOMPARE(templ->text(), u"{resolution}{provider}-{id}"_s);
    QCOMPARE(example->text(), u"Example: 1280x720minimax-video_68d2f7a1c9e04b3e.mp4"_s);
}

// ---- saving -------------------------------------------------------------------------------------

void TestAccountsDialog::saveStoresTheAccountWithoutItsKey()
{
    auto dialog = openDialog();
    QTRY_COMPARE(m_secrets->keychainStatus(), SecretStore::KeychainStatus::Available);
    QVERIFY(child<QLabel>(dialog.get(), "keyStorageLabel")->text().contains(u"system keychain"_s));
    fillNewAccount(dialog.get(), u"mingyan"_s, u"Studio"_s, rightKey);
    QSignalSpy saved(dialog.get(), &AccountsDialog::accountSaved);
    QTest::mouseClick(child<QDialogButtonBox>(dialog.get(), "buttonBox")->button(QDialogButtonBox::Save),
                      Qt::LeftButton);
    QCOMPARE(saved.size(), 1);
    const QString id = saved.first().first().toString();
    QVERIFY(!QUuid::fromString(id).isNull());

    // The manager and the engine have it, with the key.
    const Account *account = m_accounts->account(id);
    QVERIFY(account);
    QCOMPARE(account->displayName, u"Studio"_s);
    QCOMPARE(account->providerName, u"mingyan"_s);
    QCOMPARE(account->baseUrl, m_server->apiBaseUrl());
    QCOMPARE(account->apiKey, rightKey);
    QCOMPARE(account->downloadDir, m_dir->filePath(u"videos"_s));
    QVERIFY(account->autoDownload);
    QVERIFY(m_engine->account(id));
    QCOMPARE(m_engine->account(id)->apiKey, rightKey);
    QCOMPARE(m_accounts->keyStatus(id), AccountManager::KeyStatus::Present);
    // The list shows it, the key field is empty again (a stored key is never shown).
    auto *list = child<QListWidget>(dialog.get(), "accountList");
    QCOMPARE(list->count(), 1);
    QCOMPARE(list->item(0)->text(), u"Studio"_s);
    QVERIFY(list->item(0)->toolTip().contains(ProviderRegistry::instance().find(u"mingyan"_s)->displayName()));
    QCOMPARE(child<QLineEdit>(dialog.get(), "keyEdit")->text(), QString());
    QVERIFY(!dialog->hasUnsavedChanges());

    // The secret store has the key...
    QTRY_COMPARE(m_keychain.value(u"Reelkeep|api-key/"_s + id), rightKey);
    // ...and the task store has the account without it: not in the database, not in its journal.
    QVERIFY(m_store->flush());
    const QList<Account> stored = m_store->loadAccounts();
    QCOMPARE(stored.size(), 1);
    QCOMPARE(stored.first().id, id);
    QCOMPARE(stored.first().displayName, u"Studio"_s);
    QCOMPARE(stored.first().apiKey, QString());
    QByteArray onDisk;
    for (const QString &suffix : {u""_s, u"-wal"_s, u"-shm"_s, u"-journal"_s})
        onDisk += readAll(storePath() + suffix);
    QVERIFY(onDisk.contains("Studio"));   // the grep does see what the store wrote
    QVERIFY(!onDisk.contains(rightKey.toUtf8()));
}

void TestAccountsDialog::noKeychainAsksWhereToKeepTheKey_data()
{
    QTest::addColumn<QByteArray>("button");
    QTest::addColumn<SecretStore::Backend>("backend");
    QTest::newRow("session only") << QByteArray("sessionOnlyButton") << SecretStore::Backend::SessionOnly;
    QTest::newRow("plain-text file") << QByteArray("plainFileButton") << SecretStore::Backend::PlainFile;
}

void TestAccountsDialog::noKeychainAsksWhereToKeepTheKey()
{
    QFETCH(QByteArray, button);
    QFETCH(SecretStore::Backend, backend);
    makeSecrets(false);
    QSignalSpy warnings(m_accounts.get(), &AccountManager::secretStorageWarning);
    auto dialog = openDialog();
    auto *storage = child<QLabel>(dialog.get(), "keyStorageLabel");
    QVERIFY(storage->text().contains(u"No system keychain"_s));
    QVERIFY(storage->text().contains(u"session only"_s));
    QVERIFY(storage->text().contains(u"plain-text file"_s));
    QVERIFY(!storage->text().contains(u"href"_s));   // nothing to change before the first choice

    fillNewAccount(dialog.get(), u"mingyan"_s, u"Offline box"_s, rightKey);
    QString question;
    answerNextMessageBox([&](QMessageBox *box) {
        question = box->text() + box->informativeText();
        clickButton(box, button.constData());
    });
    QTest::mouseClick(child<QDialogButtonBox>(dialog.get(), "buttonBox")->button(QDialogButtonBox::Save),
                      Qt::LeftButton);
    // The question says both consequences, including where the file would be.
    QVERIFY(question.contains(u"forgotten when Reelkeep quits"_s));
    QVERIFY(question.contains(u"api-keys.json"_s));
    QCOMPARE(m_accounts->accounts().size(), 1);
    const QString id = m_accounts->accounts().first().id;
    QCOMPARE(m_secrets->fallbackBackend(), backend);
    QVERIFY(m_secrets->hasFallbackChoice());
    QTRY_VERIFY(!warnings.isEmpty());

    const QString path = m_secrets->plainFilePath();
    if (backend == SecretStore::Backend::PlainFile) {
        QVERIFY(storage->text().contains(u"plain text"_s));
        QVERIFY(storage->text().contains(u"/api-keys.json"_s));
        QTRY_VERIFY(readAll(path).contains(rightKey.toUtf8()));
        struct stat info {};
        QCOMPARE(::stat(QFile::encodeName(path).constData(), &info), 0);
        QCOMPARE(info.st_mode & 0777, mode_t(0600));
        QVERIFY(warnings.last().first().toString().contains(u"plain text"_s));
    } else {
        QVERIFY(storage->text().contains(u"this session only"_s));
        QVERIFY(!QFile::exists(path));
        QVERIFY(warnings.last().first().toString().contains(u"this session only"_s));
    }
    QVERIFY(storage->text().contains(u"href=\"change\""_s));
    QVERIFY(!warnings.last().first().toString().contains(rightKey));

    // The key reads back from wherever it went.
    bool read = false;
    m_secrets->readKey(id, [&](const QString &key, const QString &) {
        read = true;
        QCOMPARE(key, rightKey);
    });
    QTRY_VERIFY(read);

    // "Change…" switches to the other fallback and takes the key along.
    const bool toFile = backend == SecretStore::Backend::SessionOnly;
    answerNextMessageBox([&](QMessageBox *box) { clickButton(box, toFile ? "plainFileButton" : "sessionOnlyButton"); });
    QMetaObject::invokeMethod(storage, "linkActivated", Q_ARG(QString, u"change"_s));
    QCOMPARE(m_secrets->fallbackBackend(),
             toFile ? SecretStore::Backend::PlainFile : SecretStore::Backend::SessionOnly);
    if (toFile) {
        QTRY_VERIFY(readAll(path).contains(rightKey.toUtf8()));
        QVERIFY(storage->text().contains(u"plain text"_s));
    } else {
        QTRY_VERIFY(!QFile::exists(path));
        QVERIFY(storage->text().contains(u"this session only"_s));
    }
    read = false;
    m_secrets->readKey(id, [&](const QString &key, const QString &) {
        read = true;
        QCOMPARE(key, rightKey);
    });
    QTRY_VERIFY(read);
}

void TestAccountsDialog::cancellingTheKeychainQuestionSavesNothing()
{
    makeSecrets(false);
    auto dialog = openDialog();
    fillNewAccount(dialog.get(), u"mingyan"_s, u"Offline box"_s, rightKey);
    answerNextMessageBox([](QMessageBox *box) { QTest::mouseClick(box->button(QMessageBox::Cancel), Qt::LeftButton); });
    QTest::mouseClick(child<QDialogButtonBox>(dialog.get(), "buttonBox")->button(QDialogButtonBox::Save),
                      Qt::LeftButton);
    QVERIFY(!m_accounts->hasAccounts());
    QVERIFY(!m_secrets->hasFallbackChoice());
    QVERIFY(dialog->hasUnsavedChanges());
    // The form is as the user left it.
    QCOMPARE(child<QLineEdit>(dialog.get(), "keyEdit")->text(), rightKey);
}

void TestAccountsDialog::keyFieldShowsAndHidesWhatWasTyped()
{
    auto dialog = openDialog();
    auto *key = child<QLineEdit>(dialog.get(), "keyEdit");
    auto *show = child<QToolButton>(dialog.get(), "showKeyButton");
    QCOMPARE(key->echoMode(), QLineEdit::Password);
    typeInto(key, rightKey);
    QTest::mouseClick(show, Qt::LeftButton);
    QCOMPARE(key->echoMode(), QLineEdit::Normal);
    QCOMPARE(show->text(), u"Hide"_s);
    QTest::mouseClick(show, Qt::LeftButton);
    QCOMPARE(key->echoMode(), QLineEdit::Password);
    QCOMPARE(show->text(), u"Show"_s);
}

void TestAccountsDialog::editingKeepsTheStoredKey()
{
    auto dialog = openDialog();
    fillNewAccount(dialog.get(), u"openai"_s, u"Sora"_s, rightKey);
    auto *save = child<QDialogButtonBox>(dialog.get(), "buttonBox")->button(QDialogButtonBox::Save);
    QTest::mouseClick(save, Qt::LeftButton);
    const QString id = m_accounts->accounts().first().id;
    QTRY_COMPARE(m_keychain.value(u"Reelkeep|api-key/"_s + id), rightKey);
    QVERIFY(!save->isEnabled());

    auto *key = child<QLineEdit>(dialog.get(), "keyEdit");
    QCOMPARE(key->text(), QString());
    QVERIFY(key->placeholderText().contains(u"Stored"_s));
    typeInto(child<QLineEdit>(dialog.get(), "nameEdit"), u"Sora renamed"_s);
    QVERIFY(save->isEnabled());
    QVERIFY(dialog->isWindowModified());
    QTest::mouseClick(save, Qt::LeftButton);
    QCOMPARE(m_accounts->accounts().size(), 1);
    QCOMPARE(m_accounts->account(id)->displayName, u"Sora renamed"_s);
    QCOMPARE(m_accounts->account(id)->apiKey, rightKey);
    QCOMPARE(m_engine->account(id)->apiKey, rightKey);

    // A new key replaces the stored one.
    typeInto(key, u"sk-replaced-key-123"_s);
    QTest::mouseClick(save, Qt::LeftButton);
    QCOMPARE(m_engine->account(id)->apiKey, u"sk-replaced-key-123"_s);
    QTRY_COMPARE(m_keychain.value(u"Reelkeep|api-key/"_s + id), u"sk-replaced-key-123"_s);
}

// ---- test connection ----------------------------------------------------------------------------

void TestAccountsDialog::testConnection_data()
{
    QTest::addColumn<QString>("provider");
    for (const QString &provider : {u"mingyan"_s, u"mixroute"_s, u"task-gateway"_s, u"minimax"_s, u"openai"_s})
        QTest::newRow(qPrintable(provider)) << provider;
}

void TestAccountsDialog::testConnection()
{
    QFETCH(QString, provider);
    m_server->setApiKey(rightKey);
    auto dialog = openDialog();
    fillNewAccount(dialog.get(), provider, u"Tested"_s, rightKey);
    auto *test = child<QPushButton>(dialog.get(), "testButton");
    auto *result = child<QLabel>(dialog.get(), "testResultLabel");
    auto *busy = child<QProgressBar>(dialog.get(), "testProgress");
    QVERIFY(busy->isHidden());

    QTest::mouseClick(test, Qt::LeftButton);
    // Asynchronous, with a busy indicator.
    QVERIFY(busy->isVisible());
    QVERIFY(!test->isEnabled());
    QTRY_COMPARE(result->text(), u"Connected: the key works."_s);
    QVERIFY(busy->isHidden());
    QVERIFY(test->isEnabled());
    // The query went to the API origin with the key, for the made-up test ID.
    bool sawTestQuery = false;
    for (const auto &request : m_server->requests()) {
        if (request.rawTarget.contains("reelkeep-connection-test")) {
            sawTestQuery = true;
            QCOMPARE(request.headers.value("authorization"), "Bearer " + rightKey.toUtf8());
        }
    }
    QVERIFY(sawTestQuery);

    // Typing another key clears the old verdict; testing it says it was rejected.
    typeInto(child<QLineEdit>(dialog.get(), "keyEdit"), wrongKey);
    QCOMPARE(result->text(), QString());
    QTest::mouseClick(test, Qt::LeftButton);
    QTRY_COMPARE(result->text(), u"The API key was rejected."_s);
    // Testing saves nothing.
    QVERIFY(!m_accounts->hasAccounts());
}

void TestAccountsDialog::testConnectionReportsNetworkErrors()
{
    // A port nobody listens on.
    QTcpServer closed;
    QVERIFY(closed.listen(QHostAddress::LocalHost));
    const quint16 port = closed.serverPort();
    closed.close();

    auto dialog = openDialog();
    fillNewAccount(dialog.get(), u"openai"_s, u"Nowhere"_s, rightKey);
    typeInto(child<QLineEdit>(dialog.get(), "baseUrlEdit"), u"http://127.0.0.1:%1"_s.arg(port));
    QTest::mouseClick(child<QPushButton>(dialog.get(), "testButton"), Qt::LeftButton);
    auto *result = child<QLabel>(dialog.get(), "testResultLabel");
    QTRY_VERIFY(result->text().startsWith(u"Could not connect: "_s));
    QVERIFY(result->text().contains(u"refused"_s, Qt::CaseInsensitive));
}

// ---- removing, unsaved changes, loading --------------------------------------------------------

void TestAccountsDialog::removeAccountForgetsItEverywhere()
{
    auto dialog = openDialog();
    fillNewAccount(dialog.get(), u"mingyan"_s, u"Doomed"_s, rightKey);
    QTest::mouseClick(child<QDialogButtonBox>(dialog.get(), "buttonBox")->button(QDialogButtonBox::Save),
                      Qt::LeftButton);
    const QString id = m_accounts->accounts().first().id;
    m_engine->addTasks(id, {u"video_0123456789abcdef"_s});
    QTRY_VERIFY(m_keychain.contains(u"Reelkeep|api-key/"_s + id));

    QString informative;
    answerNextMessageBox([&](QMessageBox *box) {
        informative = box->informativeText();
        clickButton(box, "confirmRemoveButton");
    });
    QTest::mouseClick(child<QPushButton>(dialog.get(), "removeButton"), Qt::LeftButton);
    QVERIFY(informative.contains(u"1 task"_s));
    QVERIFY(!m_accounts->hasAccounts());
    QVERIFY(!m_engine->account(id));
    QTRY_VERIFY(!m_keychain.contains(u"Reelkeep|api-key/"_s + id));
    QVERIFY(m_store->flush());
    QVERIFY(m_store->loadAccounts().isEmpty());
    // The task stays; only its account is gone.
    QCOMPARE(m_engine->taskCount(), 1);
    // Nothing left: the dialog offers a new account.
    QCOMPARE(child<QListWidget>(dialog.get(), "accountList")->count(), 1);
    QCOMPARE(child<QListWidget>(dialog.get(), "accountList")->item(0)->text(), u"New account"_s);
}

void TestAccountsDialog::unsavedChangesAreNotLostSilently()
{
    auto dialog = openDialog();
    fillNewAccount(dialog.get(), u"mingyan"_s, u"Half done"_s, rightKey);
    // Cancel keeps the dialog open with the edits.
    answerNextMessageBox([](QMessageBox *box) { QTest::mouseClick(box->button(QMessageBox::Cancel), Qt::LeftButton); });
    QTest::mouseClick(child<QDialogButtonBox>(dialog.get(), "buttonBox")->button(QDialogButtonBox::Close),
                      Qt::LeftButton);
    QVERIFY(dialog->isVisible());
    QCOMPARE(child<QLineEdit>(dialog.get(), "nameEdit")->text(), u"Half done"_s);
    // Save from the question saves, then closes.
    answerNextMessageBox([](QMessageBox *box) { QTest::mouseClick(box->button(QMessageBox::Save), Qt::LeftButton); });
    QTest::mouseClick(child<QDialogButtonBox>(dialog.get(), "buttonBox")->button(QDialogButtonBox::Close),
                      Qt::LeftButton);
    QVERIFY(!dialog->isVisible());
    QCOMPARE(m_accounts->accounts().size(), 1);
    QCOMPARE(m_accounts->accounts().first().displayName, u"Half done"_s);
}

void TestAccountsDialog::managerLoadsKeysAfterTheAccounts()
{
    Account withKey;
    withKey.id = u"acc-with-key"_s;
    withKey.displayName = u"Has key"_s;
    withKey.providerName = u"mingyan"_s;
    withKey.baseUrl = m_server->apiBaseUrl();
    withKey.downloadDir = m_dir->filePath(u"v"_s);
    Account withoutKey = withKey;
    withoutKey.id = u"acc-without-key"_s;
    withoutKey.displayName = u"Lost key"_s;
    m_store->saveAccount(withKey);
    m_store->saveAccount(withoutKey);
    QVERIFY(m_store->flush());
    m_keychain.insert(u"Reelkeep|api-key/acc-with-key"_s, rightKey);

    // A fresh engine and manager, as at start-up.
    m_accounts.reset();
    m_engine = std::make_unique<TaskEngine>(m_network.get(), m_clock.get(), m_store.get());
    m_accounts = std::make_unique<AccountManager>(m_engine.get(), m_store.get(), m_secrets.get());
    QSignalSpy warnings(m_accounts.get(), &AccountManager::secretStorageWarning);
    m_accounts->load();

    // At once: both accounts, in the engine too (restored tasks need them), keys still coming.
    QCOMPARE(m_accounts->accounts().size(), 2);
    QVERIFY(m_engine->account(u"acc-with-key"_s));
    QVERIFY(m_engine->account(u"acc-without-key"_s));
    QCOMPARE(m_accounts->keyStatus(u"acc-with-key"_s), AccountManager::KeyStatus::Loading);

    QTRY_COMPARE(m_accounts->keyStatus(u"acc-with-key"_s), AccountManager::KeyStatus::Present);
    QCOMPARE(m_engine->account(u"acc-with-key"_s)->apiKey, rightKey);
    QTRY_COMPARE(m_accounts->keyStatus(u"acc-without-key"_s), AccountManager::KeyStatus::Missing);
    QVERIFY(m_engine->account(u"acc-without-key"_s)->apiKey.isEmpty());
    QTRY_COMPARE(warnings.size(), 1);
    QVERIFY(warnings.first().first().toString().contains(u"1 account"_s));

    // The dialog says which one lacks a key, and asks for it.
    auto dialog = openDialog();
    auto *list = child<QListWidget>(dialog.get(), "accountList");
    QCOMPARE(list->count(), 2);
    QCOMPARE(list->item(0)->text(), u"Has key"_s);
    QVERIFY(!list->item(0)->toolTip().contains(u"no API key"_s));
    QCOMPARE(list->item(1)->text(), u"Lost key"_s);
    QVERIFY(list->item(1)->toolTip().contains(u"no API key"_s));
    list->setCurrentRow(1);
    QCOMPARE(child<QLineEdit>(dialog.get(), "nameEdit")->text(), u"Lost key"_s);
    QVERIFY(child<QLabel>(dialog.get(), "keyError")->isVisible());
    QVERIFY(child<QLineEdit>(dialog.get(), "keyEdit")->placeholderText().contains(u"No key stored"_s));
}

void TestAccountsDialog::lastUsedAccountIsRemembered()
{
    QCOMPARE(m_accounts->lastUsedAccountId(), QString());
    m_accounts->setLastUsedAccountId(u"acc-7"_s);
    AccountManager other(m_engine.get(), m_store.get(), m_secrets.get());
    QCOMPARE(other.lastUsedAccountId(), u"acc-7"_s);
}

void TestAccountsDialog::screenshot()
{
    const QString dir = qEnvironmentVariable("REELKEEP_SCREENSHOT_DIR");
    if (dir.isEmpty())
        QSKIP("set REELKEEP_SCREENSHOT_DIR to write screenshots");
    Account existing;
    existing.displayName = u"Work · MiniMax"_s;
    existing.providerName = u"minimax"_s;
    existing.apiKey = rightKey;
    existing.downloadDir = QDir::homePath() + u"/Videos/Reelkeep"_s;
    m_accounts->saveAccount(existing);
    auto dialog = openDialog();
    QTest::mouseClick(child<QPushButton>(dialog.get(), "addButton"), Qt::LeftButton);
    m_server->setApiKey(rightKey);
    fillNewAccount(dialog.get(), u"openai"_s, u"Sora at home"_s, rightKey);
    typeInto(child<QLineEdit>(dialog.get(), "folderEdit"), QDir::homePath() + u"/Videos/Reelkeep"_s);
    QTest::mouseClick(child<QPushButton>(dialog.get(), "testButton"), Qt::LeftButton);
    QTRY_COMPARE(child<QLabel>(dialog.get(), "testResultLabel")->text(), u"Connected: the key works."_s);
    child<QLineEdit>(dialog.get(), "nameEdit")->setFocus();
    child<QLineEdit>(dialog.get(), "folderEdit")->deselect();
    QDir().mkpath(dir);
    QVERIFY(dialog->grab().save(dir + u"/accounts-dialog.png"_s));

    // No keychain, and a form with mistakes.
    dialog.reset();
    makeSecrets(false);
    m_secrets->setFallbackBackend(SecretStore::Backend::PlainFile);
    dialog = openDialog();
    chooseProvider(child<QComboBox>(dialog.get(), "providerCombo"), u"task-gateway"_s);
    typeInto(child<QLineEdit>(dialog.get(), "nameEdit"), u"Company gateway"_s);
    typeInto(child<QLineEdit>(dialog.get(), "templateEdit"), u"{date}_{title}"_s);
    QTest::mouseClick(child<QDialogButtonBox>(dialog.get(), "buttonBox")->button(QDialogButtonBox::Save),
                      Qt::LeftButton);
    QVERIFY(child<QLabel>(dialog.get(), "baseUrlError")->isVisible());
    QVERIFY(dialog->grab().save(dir + u"/accounts-dialog-no-keychain.png"_s));
}

QTEST_MAIN(TestAccountsDialog)
#include "tst_accountsdialog.moc"
