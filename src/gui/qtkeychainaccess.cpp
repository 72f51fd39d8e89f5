#include "qtkeychainaccess.h"

#include <qt6keychain/keychain.h>

namespace
{
KeychainAccess::Result resultOf(QKeychain::Job *job)
{
    KeychainAccess::Result result;
    switch (job->error()) {
    case QKeychain::NoError:
        result.status = KeychainAccess::Status::Ok;
        break;
    case QKeychain::EntryNotFound:
        result.status = KeychainAccess::Status::NotFound;
        break;
    case QKeychain::NoBackendAvailable:
    case QKeychain::NotImplemented:
        result.status = KeychainAccess::Status::Unavailable;
        break;
    case QKeychain::OtherError:
    case QKeychain::AccessDenied:
    case QKeychain::AccessDeniedByUser:
    case QKeychain::CouldNotDeleteEntry:
        result.status = KeychainAccess::Status::Failed;
        break;
    }
    if (result.status != KeychainAccess::Status::Ok)
        result.error = job->errorString();
    return result;
}

// Jobs delete themselves once finished; one that never finishes is leaked on purpose, since
// deleting a job the keychain daemon may still answer is not safe.
void start(QKeychain::Job *job, KeychainAccess::Callback done)
{
    job->setAutoDelete(true);
    job->setInsecureFallback(false);
    QObject::connect(job, &QKeychain::Job::finished, job, [done = std::move(done)](QKeychain::Job *finished) {
        KeychainAccess::Result result = resultOf(finished);
        if (result.status == KeychainAccess::Status::Ok)
            if (auto *reader = qobject_cast<QKeychain::ReadPasswordJob *>(finished))
                result.secret = reader->textData();
        if (done)
            done(result);
    });
    job->start();
}
} // namespace

void QtKeychainAccess::read(const QString &service, const QString &entry, Callback done)
{
    auto *job = new QKeychain::ReadPasswordJob(service);
    job->setKey(entry);
    start(job, std::move(done));
}

void QtKeychainAccess::write(const QString &service, const QString &entry, const QString &secret, Callback done)
{
    auto *job = new QKeychain::WritePasswordJob(service);
    job->setKey(entry);
    job->setTextData(secret);
    start(job, std::move(done));
}

void QtKeychainAccess::remove(const QString &service, const QString &entry, Callback done)
{
    auto *job = new QKeychain::DeletePasswordJob(service);
    job->setKey(entry);
    start(job, std::move(done));
}
