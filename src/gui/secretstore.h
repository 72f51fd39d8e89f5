#pragma once

#include "keychainaccess.h"

#include <QHash>
#include <QObject>
#include <QString>
#include <QThreadPool>

#include <functional>
#include <memory>

// Where Reelkeep keeps API keys: the system keychain (QtKeychain) when there is one. Where there
// is none (no secret service, e.g. a container or a bare window manager) the user chooses
// between keeping keys in memory for this session only and a plain-text file that only they can
// read (0600). Every operation is asynchronous and every keychain call is time-bounded, so a
// keychain that hangs costs a time-out, never a frozen window. Keys are never logged.
class SecretStore : public QObject
{
    Q_OBJECT

public:
    enum class Backend
    {
        Keychain,
        SessionOnly,   // memory only: gone when Reelkeep quits
        PlainFile      // plainFilePath(), plain text, readable by the user alone
    };
    Q_ENUM(Backend)

    enum class KeychainStatus
    {
        Unknown,       // not asked yet
        Probing,
        Available,
        Unavailable    // none, refused, or it did not answer in time: fallbacks are used
    };
    Q_ENUM(KeychainStatus)

    struct Options
    {
        QString service = QStringLiteral("Reelkeep");
        int keychainTimeoutMs = 15'000;   // generous: the keychain may be asking for a password
        QString plainFilePath;            // empty: defaultPlainFilePath()
    };

    // key is empty when none is stored; error is set only when something failed.
    using ReadCallback = std::function<void(const QString &key, const QString &error)>;
    // storedIn: where the key is now; error: why that is weaker than intended (e.g. file not writable).
    using WriteCallback = std::function<void(SecretStore::Backend storedIn, const QString &error)>;
    using DeleteCallback = std::function<void(const QString &error)>;

    // Uses the system keychain through QtKeychain.
    explicit SecretStore(QObject *parent = nullptr);
    // keychain may be null: no keychain at all (the fallbacks only).
    SecretStore(std::unique_ptr<KeychainAccess> keychain, const Options &options, QObject *parent = nullptr);
    ~SecretStore() override;

    // Callbacks always run later on this object's thread, never inside the call.
    void readKey(const QString &accountId, ReadCallback done);
    void writeKey(const QString &accountId, const QString &key, WriteCallback done = {});
    void deleteKey(const QString &accountId, DeleteCallback done = {});

    // Where the next writeKey() goes: the keychain unless it is known to be unavailable.
    Backend backend() const;
    // The fallback in use when there is no keychain: SessionOnly until the user chooses.
    Backend fallbackBackend() const { return m_fallback; }
    bool hasFallbackChoice() const { return m_hasFallbackChoice; }
    // Persists the user's choice (SessionOnly or PlainFile) and moves keys the other fallback
    // holds, so switching to "session only" also removes the plain-text file.
    void setFallbackBackend(Backend backend);

    KeychainStatus keychainStatus() const { return m_keychainStatus; }
    bool keychainAvailable() const { return m_keychainStatus == KeychainStatus::Available; }
    // Why the keychain is unavailable, in the keychain's words (may be empty).
    QString keychainProblem() const { return m_keychainProblem; }
    // Asks the keychain once (a read of a probe entry); keychainStatusChanged() tells the answer.
    void probeKeychain();

    QString plainFilePath() const { return m_options.plainFilePath; }
    static QString defaultPlainFilePath();   // <AppDataLocation>/api-keys.json

signals:
    void keychainStatusChanged(SecretStore::KeychainStatus status);
    void backendChanged(SecretStore::Backend backend);

private:
    struct FileResult
    {
        QHash<QString, QString> keys;
        QString error;
    };
    using FileEdit = std::function<void(QHash<QString, QString> &keys)>;

    // Runs one keychain operation with the time-out; done gets Unavailable when it ran out.
    void withKeychain(const std::function<void(KeychainAccess::Callback)> &start, KeychainAccess::Callback done);
    void setKeychainStatus(KeychainStatus status, const QString &problem = {});
    void writeFallback(const QString &accountId, const QString &key, WriteCallback done);
    void readFile(std::function<void(const FileResult &)> done);
    void editFile(FileEdit edit, std::function<void(const FileResult &)> done);
    void later(std::function<void()> call);

    static FileResult loadFile(const QString &path);
    static FileResult saveFile(const QString &path, const QHash<QString, QString> &keys);

    std::unique_ptr<KeychainAccess> m_keychain;
    Options m_options;
    KeychainStatus m_keychainStatus = KeychainStatus::Unknown;
    QString m_keychainProblem;
    Backend m_fallback = Backend::SessionOnly;
    bool m_hasFallbackChoice = false;
    QHash<QString, QString> m_sessionKeys;
    // One thread: file reads and writes run in the order they were asked for.
    QThreadPool m_fileThread;
};
