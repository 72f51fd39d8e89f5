#pragma once

#include <QString>

#include <functional>

// The system keychain as SecretStore sees it: three asynchronous operations, each answering at
// most once. An interface so tests can stand in a keychain that answers, refuses or never
// answers (SecretStore bounds every operation with its own time-out).
class KeychainAccess
{
public:
    enum class Status
    {
        Ok,
        NotFound,     // the keychain works but holds no such entry
        Unavailable,  // no keychain service to talk to (no D-Bus, no secret service)
        Failed        // the keychain answered with an error (access denied, locked...)
    };

    struct Result
    {
        Status status = Status::Failed;
        QString secret;   // read: the stored text
        QString error;    // for the user; never contains the secret
    };

    using Callback = std::function<void(const Result &result)>;

    virtual ~KeychainAccess() = default;

    virtual void read(const QString &service, const QString &entry, Callback done) = 0;
    virtual void write(const QString &service, const QString &entry, const QString &secret, Callback done) = 0;
    virtual void remove(const QString &service, const QString &entry, Callback done) = 0;
};
