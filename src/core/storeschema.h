#pragma once

#include <QSqlError>
#include <QString>

class QSqlDatabase;

// The task store's SQL schema and its versions: the settings every connection needs, creating a
// new file and upgrading an older one. The version lives in the `meta` table. Version 1 is the
// frozen base; a new version is one step function in storeschema.cpp plus a bump of
// currentVersion, and new files are built by the same steps so both paths stay identical.
class StoreSchema
{
public:
    static constexpr int currentVersion = 2;
    static constexpr int busyTimeoutMs = 5000;

    // For QSqlDatabase::setConnectOptions(), so the busy timeout holds from the first statement.
    static QString connectOptions();

    // Per-connection settings: busy timeout, WAL (checked; a file system without it only costs
    // concurrency, so that is a warning), synchronous=NORMAL. Returns the first SQL error.
    static QSqlError configure(QSqlDatabase &db);

    // PRAGMA quick_check. Returns the SQL error if it could not run; *problems lists what it
    // found (empty when the file is sound).
    static QSqlError quickCheck(QSqlDatabase &db, QString *problems);

    // Creates the schema in a new file or migrates an older one; refuses a newer one or a
    // SQLite file that holds something else. Safe against another process doing the same.
    static bool prepare(QSqlDatabase &db, QString *errorMessage);

    // The schema version recorded in the file; 0 when it has no schema yet, -1 on error.
    static int readVersion(QSqlDatabase &db, QString *errorMessage);

private:
    enum class Outcome
    {
        Done,
        Raced,  // another connection changed the version first: read it again
        Failed
    };

    static Outcome createSchema(QSqlDatabase &db, QString *errorMessage);
    static Outcome migrate(QSqlDatabase &db, int fromVersion, QString *errorMessage);
};
