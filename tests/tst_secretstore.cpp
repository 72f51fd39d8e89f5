// SecretStore: the keychain path (with a stand-in keychain that works, refuses or hangs), the
// session-only and plain-text-file fallbacks, the persisted choice, file permissions, and that
// keys reach neither the disk (session only) nor the log.

#include "keychainaccess.h"
#include "qtkeychainaccess.h"
#include "secretstore.h"

#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QLoggingCategory>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>

#include <sys/stat.h>

using namespace Qt::StringLiterals;

namespace
{
const QString secretKey = u"sk-test-NEVER-ON-DISK-4f8a2c91e7"_s;
const QString otherKey = u"sk-test-second-key-77b1d0"_s;

// A keychain the test controls.
class FakeKeychain final : public KeychainAccess
{
public:
    enum class Mode
    {
        Works,
        Unavailable,
        Hangs
    };

    explicit FakeKeychain(Mode mode, QHash<QString, QString> *entries)
        : m_mode(mode)
        , m_entries(entries)
    {
    }

    int calls = 0;

    void read(const QString &service, const QString &entry, Callback done) override
    {
        ++calls;
        if (!answer(done))
            return;
        const auto it = m_entries->constFind(service + u'|' + entry);
        if (it == m_entries->cend())
            done({Status::NotFound, {}, u"not found"_s});
        else
            done({Status::Ok, *it, {}});
    }
    void write(const QString &service, const QString &entry, const QString &secret, Callback done) override
    {
        ++calls;
        if (!answer(done))
            return;
        m_entries->insert(service + u'|' + entry, secret);
        done({Status::Ok, {}, {}});
    }
    void remove(const QString &service, const QString &entry, Callback done) override
    {
        ++calls;
        if (!answer(done))
            return;
        m_entries->remove(service + u'|' + entry);
        done({Status::Ok, {}, {}});
    }

private:
    // False when the call gets no (or no useful) answer.
    bool answer(const Callback &done)
    {
        switch (m_mode) {
        case Mode::Works:
            return true;
        case Mode::Unavailable:
            done({Status::Unavailable, {}, u"No D-Bus session"_s});
            return false;
        case Mode::Hangs:
            return false;
        }
        return false;
    }

    Mode m_mode;
    QHash<QString, QString> *m_entries;
};

struct ReadAnswer
{
    bool done = false;
    QString key;
    QString error;
};

struct WriteAnswer
{
    bool done = false;
    SecretStore::Backend storedIn = SecretStore::Backend::Keychain;
    QString error;
};

QString appDataDir()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
}

// Every file under the app's data and config folders that holds `needle`.
QStringList filesContaining(const QString &needle)
{
    QStringList hits;
    const QStringList roots{appDataDir(), QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation)};
    for (const QString &root : roots) {
        QDirIterator it(root, QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            QFile file(it.next());
            if (file.open(QIODevice::ReadOnly) && file.readAll().contains(needle.toUtf8()))
                hits << file.fileName();
        }
    }
    return hits;
}

QStringList s_messages;
QtMessageHandler s_previousHandler = nullptr;
void recordMessage(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    s_messages << message;
    if (s_previousHandler)
        s_previousHandler(type, context, message);
}
} // namespace

class TestSecretStore : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void keychainKeepsTheKey();
    void unavailableKeychainFallsBackToSessionOnly();
    void sessionOnlyKeysNeverTouchDisk();
    void plainFileIsOwnerOnlyAndSurvivesRestart();
    void widenedPermissionsAreNarrowedAgain();
    void switchingToSessionOnlyRemovesTheFile();
    void keychainWriteRemovesThePlainTextCopy();
    void hangingKeychainTimesOutToTheFallback();
    void deleteRemovesTheKeyEverywhere();
    void callbacksNeverRunInsideTheCall();
    void keysAreNeverLogged();
    void realKeychainProbeIsBounded();

private:
    std::unique_ptr<SecretStore> makeStore(FakeKeychain::Mode mode, int timeoutMs = 2000);
    ReadAnswer read(SecretStore &store, const QString &accountId);
    WriteAnswer write(SecretStore &store, const QString &accountId, const QString &key);

    QHash<QString, QString> m_keychainEntries;   // what the fake keychain holds, across stores
    FakeKeychain *m_lastKeychain = nullptr;
};

void TestSecretStore::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(u"Reelkeep"_s);
    QCoreApplication::setApplicationName(u"Reelkeep-tst_secretstore"_s);
}

void TestSecretStore::init()
{
    QDir(appDataDir()).removeRecursively();
    QSettings().clear();
    m_keychainEntries.clear();
}

std::unique_ptr<SecretStore> TestSecretStore::makeStore(FakeKeychain::Mode mode, int timeoutMs)
{
    auto keychain = std::make_unique<FakeKeychain>(mode, &m_keychainEntries);
    m_lastKeychain = keychain.get();
    SecretStore::Options options;
    options.keychainTimeoutMs = timeoutMs;
    return std::make_unique<SecretStore>(std::move(keychain), options);
}

ReadAnswer TestSecretStore::read(SecretStore &store, const QString &accountId)
{
    auto answer = std::make_shared<ReadAnswer>();
    store.readKey(accountId, [answer](const QString &key, const QString &error) {
        answer->done = true;
        answer->key = key;
        answer->error = error;
    });
    [&] { QTRY_VERIFY_WITH_TIMEOUT(answer->done, 10000); }();
    return *answer;
}

WriteAnswer TestSecretStore::write(SecretStore &store, const QString &accountId, const QString &key)
{
    auto answer = std::make_shared<WriteAnswer>();
    store.writeKey(accountId, key, [answer](SecretStore::Backend storedIn, const QString &error) {
        answer->done = true;
        answer->storedIn = storedIn;
        answer->error = error;
    });
    [&] { QTRY_VERIFY_WITH_TIMEOUT(answer->done, 10000); }();
    return *answer;
}

void TestSecretStore::keychainKeepsTheKey()
{
    auto store = makeStore(FakeKeychain::Mode::Works);
    const WriteAnswer written = write(*store, u"acc-1"_s, secretKey);
    QVERIFY(written.done);
    QCOMPARE(written.storedIn, SecretStore::Backend::Keychain);
    QVERIFY(written.error.isEmpty());
    QCOMPARE(store->keychainStatus(), SecretStore::KeychainStatus::Available);
    QCOMPARE(store->backend(), SecretStore::Backend::Keychain);
    QCOMPARE(m_keychainEntries.value(u"Reelkeep|api-key/acc-1"_s), secretKey);

    // A fresh store (the next start of the app) reads it from the keychain.
    store = makeStore(FakeKeychain::Mode::Works);
    const ReadAnswer answer = read(*store, u"acc-1"_s);
    QCOMPARE(answer.key, secretKey);
    QVERIFY(answer.error.isEmpty());
    QCOMPARE(read(*store, u"no-such-account"_s).key, QString());
    QVERIFY(filesContaining(secretKey).isEmpty());
}

void TestSecretStore::unavailableKeychainFallsBackToSessionOnly()
{
    auto store = makeStore(FakeKeychain::Mode::Unavailable);
    QSignalSpy statusChanged(store.get(), &SecretStore::keychainStatusChanged);
    QVERIFY(!store->hasFallbackChoice());

    const WriteAnswer written = write(*store, u"acc-1"_s, secretKey);
    // Without a choice, nothing goes to disk.
    QCOMPARE(written.storedIn, SecretStore::Backend::SessionOnly);
    QVERIFY(written.error.isEmpty());
    QCOMPARE(store->keychainStatus(), SecretStore::KeychainStatus::Unavailable);
    QVERIFY(!statusChanged.isEmpty());
    QCOMPARE(store->backend(), SecretStore::Backend::SessionOnly);
    QCOMPARE(store->keychainProblem(), u"No D-Bus session"_s);

    const int callsBefore = m_lastKeychain->calls;
    QCOMPARE(read(*store, u"acc-1"_s).key, secretKey);
    // Once known to be unavailable, the keychain is not asked again.
    QCOMPARE(m_lastKeychain->calls, callsBefore);

    // The next start has forgotten it: that is what "this session only" means.
    store = makeStore(FakeKeychain::Mode::Unavailable);
    const ReadAnswer afterRestart = read(*store, u"acc-1"_s);
    QCOMPARE(afterRestart.key, QString());
    QVERIFY(afterRestart.error.isEmpty());
}

void TestSecretStore::sessionOnlyKeysNeverTouchDisk()
{
    auto store = makeStore(FakeKeychain::Mode::Unavailable);
    store->setFallbackBackend(SecretStore::Backend::SessionOnly);
    QCOMPARE(write(*store, u"acc-1"_s, secretKey).storedIn, SecretStore::Backend::SessionOnly);
    QCOMPARE(write(*store, u"acc-2"_s, otherKey).storedIn, SecretStore::Backend::SessionOnly);
    QCOMPARE(read(*store, u"acc-2"_s).key, otherKey);

    // The choice is persisted, the keys are not: no file under the app's folders holds them.
    QVERIFY(QFileInfo::exists(QSettings().fileName()));
    QCOMPARE(filesContaining(secretKey), QStringList());
    QCOMPARE(filesContaining(otherKey), QStringList());
    QVERIFY(!QFile::exists(store->plainFilePath()));
}

void TestSecretStore::plainFileIsOwnerOnlyAndSurvivesRestart()
{
    auto store = makeStore(FakeKeychain::Mode::Unavailable);
    store->setFallbackBackend(SecretStore::Backend::PlainFile);
    const WriteAnswer written = write(*store, u"acc-1"_s, secretKey);
    QCOMPARE(written.storedIn, SecretStore::Backend::PlainFile);
    QVERIFY(written.error.isEmpty());

    const QString path = store->plainFilePath();
    QVERIFY(path.startsWith(appDataDir()));
    QVERIFY(QFile::exists(path));
    struct stat info {};
    QCOMPARE(::stat(QFile::encodeName(path).constData(), &info), 0);
    QCOMPARE(info.st_mode & 0777, mode_t(0600));
    QCOMPARE(filesContaining(secretKey), QStringList{path});

    // A restart remembers the choice and reads the key back.
    store = makeStore(FakeKeychain::Mode::Unavailable);
    QVERIFY(store->hasFallbackChoice());
    QCOMPARE(store->fallbackBackend(), SecretStore::Backend::PlainFile);
    QCOMPARE(read(*store, u"acc-1"_s).key, secretKey);

    // Rewriting keeps the permissions (QSaveFile writes a new file each time).
    QCOMPARE(write(*store, u"acc-2"_s, otherKey).storedIn, SecretStore::Backend::PlainFile);
    QCOMPARE(::stat(QFile::encodeName(path).constData(), &info), 0);
    QCOMPARE(info.st_mode & 0777, mode_t(0600));
    QCOMPARE(read(*store, u"acc-1"_s).key, secretKey);
    QCOMPARE(read(*store, u"acc-2"_s).key, otherKey);
}

void TestSecretStore::widenedPermissionsAreNarrowedAgain()
{
    auto store = makeStore(FakeKeychain::Mode::Unavailable);
    store->setFallbackBackend(SecretStore::Backend::PlainFile);
    write(*store, u"acc-1"_s, secretKey);
    const QByteArray path = QFile::encodeName(store->plainFilePath());
    QCOMPARE(::chmod(path.constData(), 0644), 0);

    QCOMPARE(read(*store, u"acc-1"_s).key, secretKey);
    struct stat info {};
    QCOMPARE(::stat(path.constData(), &info), 0);
    QCOMPARE(info.st_mode & 0777, mode_t(0600));
}

void TestSecretStore::switchingToSessionOnlyRemovesTheFile()
{
    auto store = makeStore(FakeKeychain::Mode::Unavailable);
    store->setFallbackBackend(SecretStore::Backend::PlainFile);
    write(*store, u"acc-1"_s, secretKey);
    QVERIFY(QFile::exists(store->plainFilePath()));

    QSignalSpy backendChanged(store.get(), &SecretStore::backendChanged);
    store->setFallbackBackend(SecretStore::Backend::SessionOnly);
    QCOMPARE(backendChanged.size(), 1);
    QCOMPARE(backendChanged.first().first().value<SecretStore::Backend>(), SecretStore::Backend::SessionOnly);
    // Still usable in this session, gone from the disk.
    QCOMPARE(read(*store, u"acc-1"_s).key, secretKey);
    QTRY_VERIFY(!QFile::exists(store->plainFilePath()));
    QCOMPARE(filesContaining(secretKey), QStringList());

    // And back: the session's keys move into the file.
    store->setFallbackBackend(SecretStore::Backend::PlainFile);
    QTRY_COMPARE(filesContaining(secretKey), QStringList{store->plainFilePath()});
}

void TestSecretStore::keychainWriteRemovesThePlainTextCopy()
{
    {
        auto store = makeStore(FakeKeychain::Mode::Unavailable);
        store->setFallbackBackend(SecretStore::Backend::PlainFile);
        write(*store, u"acc-1"_s, secretKey);
        QCOMPARE(filesContaining(secretKey).size(), 1);
    }
    // Later the keychain is back: a key saved there leaves no weaker copy behind.
    auto store = makeStore(FakeKeychain::Mode::Works);
    QCOMPARE(write(*store, u"acc-1"_s, otherKey).storedIn, SecretStore::Backend::Keychain);
    QCOMPARE(filesContaining(secretKey), QStringList());
    QCOMPARE(filesContaining(otherKey), QStringList());
    QCOMPARE(read(*store, u"acc-1"_s).key, otherKey);
}

void TestSecretStore::hangingKeychainTimesOutToTheFallback()
{
    auto store = makeStore(FakeKeychain::Mode::Hangs, 300);
    store->setFallbackBackend(SecretStore::Backend::SessionOnly);
    QElapsedTimer clock;
    clock.start();
    const WriteAnswer written = write(*store, u"acc-1"_s, secretKey);
    QCOMPARE(written.storedIn, SecretStore::Backend::SessionOnly);
    QVERIFY2(clock.elapsed() < 5000, "the time-out bounds the wait");
    QCOMPARE(store->keychainStatus(), SecretStore::KeychainStatus::Unavailable);
    QVERIFY(store->keychainProblem().contains(u"did not answer"_s));

    // Reads no longer wait for the hung keychain.
    const int calls = m_lastKeychain->calls;
    clock.restart();
    QCOMPARE(read(*store, u"acc-1"_s).key, secretKey);
    QCOMPARE(m_lastKeychain->calls, calls);
    QVERIFY(clock.elapsed() < 300);

    // A probe against a hanging keychain ends too.
    store = makeStore(FakeKeychain::Mode::Hangs, 300);
    QSignalSpy statusChanged(store.get(), &SecretStore::keychainStatusChanged);
    store->probeKeychain();
    QCOMPARE(store->keychainStatus(), SecretStore::KeychainStatus::Probing);
    QTRY_COMPARE(store->keychainStatus(), SecretStore::KeychainStatus::Unavailable);
}

void TestSecretStore::deleteRemovesTheKeyEverywhere()
{
    auto store = makeStore(FakeKeychain::Mode::Works);
    write(*store, u"acc-1"_s, secretKey);
    bool deleted = false;
    QString error;
    store->deleteKey(u"acc-1"_s, [&](const QString &e) {
        deleted = true;
        error = e;
    });
    QTRY_VERIFY(deleted);
    QVERIFY(error.isEmpty());
    QVERIFY(m_keychainEntries.isEmpty());
    QCOMPARE(read(*store, u"acc-1"_s).key, QString());

    auto fallback = makeStore(FakeKeychain::Mode::Unavailable);
    fallback->setFallbackBackend(SecretStore::Backend::PlainFile);
    write(*fallback, u"acc-1"_s, secretKey);
    write(*fallback, u"acc-2"_s, otherKey);
    deleted = false;
    fallback->deleteKey(u"acc-1"_s, [&](const QString &) { deleted = true; });
    QTRY_VERIFY(deleted);
    QCOMPARE(filesContaining(secretKey), QStringList());
    QCOMPARE(read(*fallback, u"acc-2"_s).key, otherKey);
    // The last key gone: the file goes too.
    deleted = false;
    fallback->deleteKey(u"acc-2"_s, [&](const QString &) { deleted = true; });
    QTRY_VERIFY(deleted);
    QVERIFY(!QFile::exists(fallback->plainFilePath()));
}

void TestSecretStore::callbacksNeverRunInsideTheCall()
{
    // The fake keychain answers synchronously; callers still get their answer later.
    auto store = makeStore(FakeKeychain::Mode::Works);
    bool answered = false;
    store->writeKey(u"acc-1"_s, secretKey, [&](SecretStore::Backend, const QString &) { answered = true; });
    QVERIFY(!answered);
    QTRY_VERIFY(answered);
    answered = false;
    store->readKey(u"acc-1"_s, [&](const QString &, const QString &) { answered = true; });
    QVERIFY(!answered);
    QTRY_VERIFY(answered);
}

void TestSecretStore::keysAreNeverLogged()
{
    QLoggingCategory::setFilterRules(u"reelkeep.*=true"_s);
    s_messages.clear();
    s_previousHandler = qInstallMessageHandler(recordMessage);
    {
        auto store = makeStore(FakeKeychain::Mode::Unavailable, 300);
        store->setFallbackBackend(SecretStore::Backend::PlainFile);
        write(*store, u"acc-1"_s, secretKey);
        read(*store, u"acc-1"_s);
        auto hanging = makeStore(FakeKeychain::Mode::Hangs, 100);
        write(*hanging, u"acc-2"_s, otherKey);
    }
    qInstallMessageHandler(s_previousHandler);
    QLoggingCategory::setFilterRules(QString());
    QVERIFY2(!s_messages.isEmpty(), "the secrets category did log something");
    for (const QString &message : std::as_const(s_messages)) {
        QVERIFY2(!message.contains(secretKey), qPrintable(message));
        QVERIFY2(!message.contains(otherKey), qPrintable(message));
    }
}

void TestSecretStore::realKeychainProbeIsBounded()
{
    // Whatever this machine has (often nothing: no D-Bus secret service in CI), the probe ends
    // with an answer within its time-out and the store stays usable.
    SecretStore::Options options;
    options.keychainTimeoutMs = 3000;
    options.service = u"Reelkeep-tst_secretstore"_s;   // never the real app's entries
    SecretStore store(std::make_unique<QtKeychainAccess>(), options);
    QElapsedTimer clock;
    clock.start();
    store.probeKeychain();
    QTRY_VERIFY_WITH_TIMEOUT(store.keychainStatus() == SecretStore::KeychainStatus::Available
                                 || store.keychainStatus() == SecretStore::KeychainStatus::Unavailable,
                             6000);
    QVERIFY(clock.elapsed() < 6000);
    qInfo() << "system keychain:" << store.keychainStatus() << store.keychainProblem();
    if (store.keychainStatus() == SecretStore::KeychainStatus::Unavailable) {
        QCOMPARE(store.backend(), store.fallbackBackend());
        QCOMPARE(write(store, u"probe-account"_s, secretKey).storedIn, SecretStore::Backend::SessionOnly);
        QCOMPARE(read(store, u"probe-account"_s).key, secretKey);
    }
}

QTEST_GUILESS_MAIN(TestSecretStore)
#include "tst_secretstore.moc"
