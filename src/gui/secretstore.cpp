#include "secretstore.h"

#include "qtkeychainaccess.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QPointer>
#include <QSaveFile>
#include <QSettings>
#include <QStandardPaths>
#include <QTimer>

#include <utility>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcSecrets, "reelkeep.secrets")

namespace
{
const auto fallbackSettingsKey = "Secrets/FallbackBackend"_L1;
const auto probeEntry = "keychain-probe"_L1;
constexpr QFileDevice::Permissions ownerOnly = QFileDevice::ReadOwner | QFileDevice::WriteOwner;

QString entryFor(const QString &accountId)
{
    return u"api-key/"_s + accountId;
}
} // namespace

SecretStore::SecretStore(QObject *parent)
    : SecretStore(std::make_unique<QtKeychainAccess>(), Options{}, parent)
{
}

SecretStore::SecretStore(std::unique_ptr<KeychainAccess> keychain, const Options &options, QObject *parent)
    : QObject(parent)
    , m_keychain(std::move(keychain))
    , m_options(options)
{
    if (m_options.plainFilePath.isEmpty())
        m_options.plainFilePath = defaultPlainFilePath();
    if (!m_keychain)
        m_keychainStatus = KeychainStatus::Unavailable;
    m_fileThread.setMaxThreadCount(1);

    const QString choice = QSettings().value(fallbackSettingsKey).toString();
    if (choice == "file"_L1) {
        m_fallback = Backend::PlainFile;
        m_hasFallbackChoice = true;
    } else if (choice == "session"_L1) {
        m_fallback = Backend::SessionOnly;
        m_hasFallbackChoice = true;
    }
}

SecretStore::~SecretStore()
{
    // File jobs post their answers to this object: they must be over before it goes.
    m_fileThread.clear();
    m_fileThread.waitForDone();
}

QString SecretStore::defaultPlainFilePath()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/api-keys.json"_L1;
}

SecretStore::Backend SecretStore::backend() const
{
    return m_keychainStatus == KeychainStatus::Unavailable ? m_fallback : Backend::Keychain;
}

void SecretStore::setKeychainStatus(KeychainStatus status, const QString &problem)
{
    if (status == m_keychainStatus)
        return;
    const Backend before = backend();
    m_keychainStatus = status;
    if (status == KeychainStatus::Unavailable) {
        m_keychainProblem = problem;
        qCInfo(lcSecrets) << "system keychain unavailable:" << problem;
    }
    emit keychainStatusChanged(status);
    if (backend() != before)
        emit backendChanged(backend());
}

void SecretStore::probeKeychain()
{
    if (m_keychainStatus != KeychainStatus::Unknown)
        return;
    setKeychainStatus(KeychainStatus::Probing);
    const QString service = m_options.service;
    withKeychain([this, service](KeychainAccess::Callback done) { m_keychain->read(service, probeEntry, std::move(done)); },
                 {});
}

void SecretStore::withKeychain(const std::function<void(KeychainAccess::Callback)> &start, KeychainAccess::Callback done)
{
    // Whichever comes first, the answer or the time-out, wins; the other is ignored.
    auto answered = std::make_shared<bool>(false);
    auto *timer = new QTimer(this);
    timer->setSingleShot(true);
    const int timeoutMs = m_options.keychainTimeoutMs;
    connect(timer, &QTimer::timeout, this, [this, answered, timer, done, timeoutMs] {
        timer->deleteLater();
        if (*answered)
            return;
        *answered = true;
        const QString problem = tr("The system keychain did not answer within %n second(s).", nullptr,
                                   std::max(1, timeoutMs / 1000));
        setKeychainStatus(KeychainStatus::Unavailable, problem);
        if (done)
            done({KeychainAccess::Status::Unavailable, {}, problem});
    });
    timer->start(timeoutMs);

    QPointer<SecretStore> self(this);
    QPointer<QTimer> guard(timer);
    start([self, answered, guard, done](const KeychainAccess::Result &result) {
        // A fake keychain may answer inside start(); a real one may answer after we are gone.
        if (!self || *answered)
            return;
        *answered = true;
        if (guard) {
            guard->stop();
            guard->deleteLater();
        }
        const KeychainAccess::Result copy = result;
        self->later([self, copy, done] {
            if (!self)
                return;
            if (copy.status == KeychainAccess::Status::Ok || copy.status == KeychainAccess::Status::NotFound)
                self->setKeychainStatus(KeychainStatus::Available);
            else
                self->setKeychainStatus(KeychainStatus::Unavailable, copy.error);
            if (done)
                done(copy);
        });
    });
}

void SecretStore::later(std::function<void()> call)
{
    QMetaObject::invokeMethod(this, std::move(call), Qt::QueuedConnection);
}

// ---- reading, writing, deleting ------------------------------------------------------------

void SecretStore::readKey(const QString &accountId, ReadCallback done)
{
    if (!done)
        return;
    if (const auto it = m_sessionKeys.constFind(accountId); it != m_sessionKeys.cend()) {
        const QString key = *it;
        later([done, key] { done(key, {}); });
        return;
    }

    auto fromFile = [this, accountId, done](const QString &keychainError) {
        readFile([this, accountId, done, keychainError](const FileResult &file) {
            QString key = file.keys.value(accountId);
            // A switch to "session only" may have moved the key while the read was queued.
            if (key.isEmpty())
                key = m_sessionKeys.value(accountId);
            if (!key.isEmpty())
                done(key, {});
            else
                done({}, !file.error.isEmpty() ? file.error : keychainError);
        });
    };

    if (m_keychainStatus == KeychainStatus::Unavailable) {
        fromFile({});
        return;
    }
    const QString service = m_options.service;
    withKeychain(
        [this, service, accountId](KeychainAccess::Callback cb) { m_keychain->read(service, entryFor(accountId), cb); },
        [done, fromFile](const KeychainAccess::Result &result) {
            if (result.status == KeychainAccess::Status::Ok && !result.secret.isEmpty()) {
                done(result.secret, {});
                return;
            }
            // Not there, or no keychain: a key saved while there was none is in the fallbacks.
            const bool failed = result.status == KeychainAccess::Status::Failed;
            fromFile(failed ? tr("Could not read the API key from the system keychain: %1").arg(result.error)
                            : QString());
        });
}

void SecretStore::writeKey(const QString &accountId, const QString &key, WriteCallback done)
{
    if (m_keychainStatus == KeychainStatus::Unavailable) {
        writeFallback(accountId, key, std::move(done));
        return;
    }
    const QString service = m_options.service;
    withKeychain(
        [this, service, accountId, key](KeychainAccess::Callback cb) {
            m_keychain->write(service, entryFor(accountId), key, cb);
        },
        [this, accountId, key, done](const KeychainAccess::Result &result) {
            if (result.status != KeychainAccess::Status::Ok) {
                writeFallback(accountId, key, done);
                return;
            }
            // The keychain has it now: no weaker copy may linger.
            m_sessionKeys.remove(accountId);
            editFile([accountId](QHash<QString, QString> &keys) { keys.remove(accountId); },
                     [done](const FileResult &) {
                         if (done)
                             done(Backend::Keychain, {});
                     });
        });
}

void SecretStore::writeFallback(const QString &accountId, const QString &key, WriteCallback done)
{
    if (m_fallback == Backend::PlainFile) {
        m_sessionKeys.remove(accountId);
        editFile([accountId, key](QHash<QString, QString> &keys) { keys.insert(accountId, key); },
                 [this, accountId, key, done](const FileResult &file) {
                     if (file.error.isEmpty()) {
                         if (done)
                             done(Backend::PlainFile, {});
                         return;
                     }
                     m_sessionKeys.insert(accountId, key);
                     if (done)
                         done(Backend::SessionOnly,
                              tr("%1 The key is kept for this session only.").arg(file.error));
                 });
        return;
    }
    m_sessionKeys.insert(accountId, key);
    // An older plain-text copy of this key must not outlive the user's choice.
    editFile([accountId](QHash<QString, QString> &keys) { keys.remove(accountId); },
             [done](const FileResult &) {
                 if (done)
                     done(Backend::SessionOnly, {});
             });
}

void SecretStore::deleteKey(const QString &accountId, DeleteCallback done)
{
    m_sessionKeys.remove(accountId);
    auto errors = std::make_shared<QStringList>();
    auto removeFromFile = [this, accountId, errors, done] {
        editFile([accountId](QHash<QString, QString> &keys) { keys.remove(accountId); },
                 [errors, done](const FileResult &file) {
                     if (!file.error.isEmpty())
                         errors->append(file.error);
                     if (done)
                         done(errors->join(u' '));
                 });
    };
    if (m_keychainStatus == KeychainStatus::Unavailable) {
        removeFromFile();
        return;
    }
    const QString service = m_options.service;
    withKeychain(
        [this, service, accountId](KeychainAccess::Callback cb) { m_keychain->remove(service, entryFor(accountId), cb); },
        [errors, removeFromFile](const KeychainAccess::Result &result) {
            if (result.status == KeychainAccess::Status::Failed)
                errors->append(tr("Could not remove the API key from the system keychain: %1").arg(result.error));
            removeFromFile();
        });
}

void SecretStore::setFallbackBackend(Backend backend)
{
    if (backend == Backend::Keychain)
        return;
    const Backend before = this->backend();
    const bool changed = !m_hasFallbackChoice || m_fallback != backend;
    m_fallback = backend;
    m_hasFallbackChoice = true;
    QSettings().setValue(fallbackSettingsKey, backend == Backend::PlainFile ? u"file"_s : u"session"_s);
    if (!changed)
        return;

    if (backend == Backend::PlainFile && !m_sessionKeys.isEmpty()) {
        const QHash<QString, QString> moving = m_sessionKeys;
        editFile([moving](QHash<QString, QString> &keys) { keys.insert(moving); },
                 [this, moving](const FileResult &file) {
                     if (!file.error.isEmpty())
                         return;   // they stay in memory; the next write reports the problem
                     for (auto it = moving.cbegin(); it != moving.cend(); ++it) {
                         if (m_sessionKeys.value(it.key()) == it.value())
                             m_sessionKeys.remove(it.key());
                     }
                 });
    } else if (backend == Backend::SessionOnly) {
        // Take every key out of the file and remove the file: nothing stays on disk.
        auto taken = std::make_shared<QHash<QString, QString>>();
        editFile([taken](QHash<QString, QString> &keys) { *taken = std::exchange(keys, {}); },
                 [this, taken](const FileResult &) {
                     for (auto it = taken->cbegin(); it != taken->cend(); ++it) {
                         if (!m_sessionKeys.contains(it.key()))
                             m_sessionKeys.insert(it.key(), it.value());
                     }
                 });
    }
    if (this->backend() != before)
        emit backendChanged(this->backend());
}

// ---- the plain-text file, off the GUI thread -------------------------------------------------

void SecretStore::readFile(std::function<void(const FileResult &)> done)
{
    const QString path = m_options.plainFilePath;
    m_fileThread.start([this, path, done] {
        FileResult result = loadFile(path);
        QMetaObject::invokeMethod(this, [done, result] { done(result); }, Qt::QueuedConnection);
    });
}

void SecretStore::editFile(FileEdit edit, std::function<void(const FileResult &)> done)
{
    const QString path = m_options.plainFilePath;
    m_fileThread.start([this, path, edit, done] {
        FileResult result = loadFile(path);
        if (result.error.isEmpty()) {
            const QHash<QString, QString> before = result.keys;
            edit(result.keys);
            if (result.keys != before)
                result = saveFile(path, result.keys);
        }
        QMetaObject::invokeMethod(this, [done, result] { done(result); }, Qt::QueuedConnection);
    });
}

SecretStore::FileResult SecretStore::loadFile(const QString &path)
{
    FileResult result;
    QFile file(path);
    if (!file.exists())
        return result;
    // Someone widened the permissions (a copy, a restore from backup): narrow them again.
    if ((file.permissions() & ~(ownerOnly | QFileDevice::ReadUser | QFileDevice::WriteUser)).toInt() != 0)
        file.setPermissions(ownerOnly);
    if (!file.open(QIODevice::ReadOnly)) {
        result.error = tr("Could not read %1: %2").arg(QDir::toNativeSeparators(path), file.errorString());
        return result;
    }
    const QJsonObject keys = QJsonDocument::fromJson(file.read(1024 * 1024)).object().value("keys"_L1).toObject();
    for (auto it = keys.constBegin(); it != keys.constEnd(); ++it) {
        const QString key = it.value().toString();
        if (!key.isEmpty())
            result.keys.insert(it.key(), key);
    }
    return result;
}

SecretStore::FileResult SecretStore::saveFile(const QString &path, const QHash<QString, QString> &keys)
{
    FileResult result;
    result.keys = keys;
    if (keys.isEmpty()) {
        if (QFile::exists(path) && !QFile::remove(path))
            result.error = tr("Could not remove %1.").arg(QDir::toNativeSeparators(path));
        return result;
    }
    if (!QDir().mkpath(QFileInfo(path).absolutePath())) {
        result.error = tr("Could not create the folder for %1.").arg(QDir::toNativeSeparators(path));
        return result;
    }
    QJsonObject object;
    for (auto it = keys.cbegin(); it != keys.cend(); ++it)
        object.insert(it.key(), it.value());
    const QJsonObject document{
        {u"comment"_s, u"Reelkeep API keys in plain text, readable only by this user. "
                       "Delete this file to forget them."_s},
        {u"version"_s, 1},
        {u"keys"_s, object},
    };

    QSaveFile file(path);
    // Owner-only before the first byte is written: the temporary file starts with the umask's
    // permissions, and the rename keeps whatever it has.
    if (!file.open(QIODevice::WriteOnly) || !file.setPermissions(ownerOnly)) {
        result.error = tr("Could not write %1: %2").arg(QDir::toNativeSeparators(path), file.errorString());
        file.cancelWriting();
        return result;
    }
    file.write(QJsonDocument(document).toJson(QJsonDocument::Indented));
    if (!file.commit())
        result.error = tr("Could not write %1: %2").arg(QDir::toNativeSeparators(path), file.errorString());
    return result;
}
