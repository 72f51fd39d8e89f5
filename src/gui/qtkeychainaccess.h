#pragma once

#include "keychainaccess.h"

// KeychainAccess over QtKeychain: libsecret / KWallet on Linux, Keychain on macOS, Credential
// Manager on Windows. QtKeychain's insecure fallback stays off: on Linux it does not work without
// a secret service anyway, and SecretStore's own fallbacks say plainly what they do.
class QtKeychainAccess final : public KeychainAccess
{
public:
    void read(const QString &service, const QString &entry, Callback done) override;
    void write(const QString &service, const QString &entry, const QString &secret, Callback done) override;
    void remove(const QString &service, const QString &entry, Callback done) override;
};
