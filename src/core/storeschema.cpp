#include "storeschema.h"

#include "logging.h"

#include <QCoreApplication>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QStringList>

#include <array>

using namespace Qt::StringLiterals;

namespace
{
const QString versionKey = u"schema_version"_s;

// Version 1 exactly as shipped. Never edit it: files in the field were built from it. Changes
// go into a migration step below.
const std::array schemaV1{
    u"CREATE TABLE meta ("
    "  key TEXT PRIMARY KEY NOT NULL,"
    "  value)"_s,
    // No api key column on purpose: keys live in memory (and the system keychain) only.
    u"CREATE TABLE accounts ("
    "  id TEXT PRIMARY KEY NOT NULL,"
    "  display_name TEXT,"
    "  provider TEXT,"
    "  base_url TEXT,"
    "  interval_s INTEGER NOT NULL DEFAULT 0,"
    "  download_dir TEXT,"
    "  file_name_template TEXT,"
    "  auto_download INTEGER NOT NULL DEFAULT 1)"_s,
    // Times are ms since the epoch, UTC; NULL when unknown. URLs and ETags are BLOBs so the
    // exact bytes survive (signed URLs break if re-encoded). Inline base64 videos are not kept:
    // only their kind is, and re-polling the task fetches the bytes again.
    u"CREATE TABLE tasks ("
    "  account_id TEXT NOT NULL,"
    "  task_id TEXT NOT NULL,"
    "  state TEXT NOT NULL,"
    "  snapshot_state TEXT,"
    "  provider_status TEXT,"
    "  progress INTEGER,"
    "  model TEXT,"
    "  duration_s REAL,"
    "  width INTEGER,"
    "  height INTEGER,"
    "  error TEXT,"
    "  source_kind TEXT,"
    "  source_url BLOB,"
    "  source_file_id TEXT,"
    "  expires_at INTEGER,"
    "  created_at INTEGER,"
    "  added_at INTEGER,"
    "  updated_at INTEGER,"
    "  last_polled_at INTEGER,"
    "  last_error TEXT,"
    "  retry_count INTEGER NOT NULL DEFAULT 0,"
    "  polling_paused INTEGER NOT NULL DEFAULT 0,"
    "  file_path TEXT,"
    "  sha256 TEXT,"
    "  partial_path TEXT,"
    "  etag BLOB,"
    "  bytes_received INTEGER NOT NULL DEFAULT 0,"
    "  bytes_total INTEGER NOT NULL DEFAULT -1,"
    "  video_url BLOB,"
    "  url_expires_at INTEGER,"
    "  PRIMARY KEY (account_id, task_id))"_s,
    u"CREATE TABLE events ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  account_id TEXT NOT NULL,"
    "  task_id TEXT NOT NULL,"
    "  at INTEGER,"
    "  state TEXT NOT NULL,"
    "  message TEXT)"_s,
    u"CREATE INDEX events_by_task ON events (account_id, task_id, id)"_s,
};

// Entry i turns version i + 1 into version i + 2, inside the caller's transaction. A new
// version is one function appended here and a bump of currentVersion; tst_taskstore keeps a
// hand-built file of every earlier version and fails until the new one's is added.
using MigrationStep = bool (*)(QSqlQuery &query);

// Version 2: partial files that belong to no task and that the user chose to keep, so they
// are not offered for deletion again on every start.
bool addKeptPartials(QSqlQuery &query)
{
    return query.exec(u"CREATE TABLE kept_partials ("
                      "  path TEXT PRIMARY KEY NOT NULL,"
                      "  kept_at INTEGER)"_s);
}

constexpr std::array<MigrationStep, StoreSchema::currentVersion - 1> migrationSteps{&addKeptPartials};

QString errorText(const QSqlError &error)
{
    return error.databaseText().isEmpty() ? error.text() : error.databaseText();
}

QString translate(const char *text)
{
    return QCoreApplication::translate("TaskStore", text);
}

bool exec(QSqlQuery &query, const QString &sql, QString *errorMessage)
{
    if (query.exec(sql))
        return true;
    *errorMessage = errorText(query.lastError());
    return false;
}

bool applySteps(QSqlQuery &query, int fromVersion, QString *errorMessage)
{
    for (int version = fromVersion; version < StoreSchema::currentVersion; ++version) {
        if (!migrationSteps[size_t(version - 1)](query)) {
            *errorMessage = errorText(query.lastError());
            return false;
        }
        qCDebug(lcStore) << "schema upgraded from version" << version << "to" << version + 1;
    }
    return true;
}

bool writeVersion(QSqlQuery &query, QString *errorMessage)
{
    if (!query.prepare(u"INSERT INTO meta (key, value) VALUES (?, ?) "
                       "ON CONFLICT(key) DO UPDATE SET value = excluded.value"_s)) {
        *errorMessage = errorText(query.lastError());
        return false;
    }
    query.bindValue(0, versionKey);
    query.bindValue(1, StoreSchema::currentVersion);
    if (!query.exec()) {
        *errorMessage = errorText(query.lastError());
        return false;
    }
    return true;
}

// Runs `body` in one IMMEDIATE transaction (the write lock is taken up front, so a second
// process doing the same waits on the busy timeout instead of failing half-way). Rolls back
// unless the body returned Done and the commit worked.
template<typename Body>
auto inTransaction(QSqlDatabase &db, QString *errorMessage, Body body)
{
    using Outcome = decltype(body(std::declval<QSqlQuery &>()));
    QSqlQuery query(db);
    if (!exec(query, u"BEGIN IMMEDIATE"_s, errorMessage))
        return Outcome::Failed;
    const Outcome outcome = body(query);
    if (outcome == Outcome::Done && exec(query, u"COMMIT"_s, errorMessage))
        return Outcome::Done;
    QString ignored;
    exec(query, u"ROLLBACK"_s, &ignored);
    return outcome == Outcome::Done ? Outcome::Failed : outcome;
}
} // namespace

QString StoreSchema::connectOptions()
{
    return u"QSQLITE_BUSY_TIMEOUT=%1"_s.arg(busyTimeoutMs);
}

QSqlError StoreSchema::configure(QSqlDatabase &db)
{
    QSqlQuery query(db);
    if (!query.exec(u"PRAGMA busy_timeout = %1"_s.arg(busyTimeoutMs)))
        return query.lastError();
    if (!query.exec(u"PRAGMA journal_mode = WAL"_s))
        return query.lastError();
    const QString mode = query.next() ? query.value(0).toString() : QString();
    if (mode.compare("wal"_L1, Qt::CaseInsensitive) != 0) {
        qCWarning(lcStore) << "WAL is unavailable for" << db.databaseName() << "(journal mode" << mode
                           << "); a second process will wait longer for the store";
    }
    if (!query.exec(u"PRAGMA synchronous = NORMAL"_s))
        return query.lastError();
    return {};
}

QSqlError StoreSchema::quickCheck(QSqlDatabase &db, QString *problems)
{
    problems->clear();
    QSqlQuery query(db);
    query.setForwardOnly(true);
    if (!query.exec(u"PRAGMA quick_check"_s))
        return query.lastError();
    QStringList found;
    while (query.next()) {
        const QString line = query.value(0).toString();
        if (line != "ok"_L1 && found.size() < 3)
            found.append(line);
    }
    if (query.lastError().isValid())
        return query.lastError();
    *problems = found.join(u"; "_s);
    return {};
}

int StoreSchema::readVersion(QSqlDatabase &db, QString *errorMessage)
{
    QSqlQuery query(db);
    query.setForwardOnly(true);
    if (!exec(query, u"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'"_s, errorMessage)
        || !query.next()) {
        return -1;
    }
    if (query.value(0).toInt() == 0) {
        // Never build our tables into someone else's database.
        if (!exec(query, u"SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"_s, errorMessage)
            || !query.next()) {
            return -1;
        }
        if (query.value(0).toInt() != 0) {
            *errorMessage = translate("It is a SQLite database, but not a Reelkeep task list.");
            return -1;
        }
        return 0;
    }

    if (!query.prepare(u"SELECT value FROM meta WHERE key = ?"_s)) {
        *errorMessage = errorText(query.lastError());
        return -1;
    }
    query.bindValue(0, versionKey);
    if (!query.exec()) {
        *errorMessage = errorText(query.lastError());
        return -1;
    }
    bool ok = false;
    const int version = query.next() ? query.value(0).toInt(&ok) : 0;
    if (!ok || version < 1) {
        *errorMessage = translate("The task list records no valid schema version.");
        return -1;
    }
    return version;
}

bool StoreSchema::prepare(QSqlDatabase &db, QString *errorMessage)
{
    // Two rounds: if another process created or migrated the file between our read and our
    // transaction, the second read sees its result.
    for (int round = 0; round < 2; ++round) {
        const int version = readVersion(db, errorMessage);
        if (version < 0)
            return false;
        if (version == currentVersion)
            return true;
        if (version > currentVersion) {
            *errorMessage = translate("The task list was written by a newer Reelkeep (schema version %1; this "
                                      "version understands up to %2). Update Reelkeep to open it.")
                                .arg(version)
                                .arg(currentVersion);
            return false;
        }
        const Outcome outcome = version == 0 ? createSchema(db, errorMessage) : migrate(db, version, errorMessage);
        if (outcome == Outcome::Done)
            return true;
        if (outcome == Outcome::Failed)
            return false;
    }
    *errorMessage = translate("Another program keeps changing the task list's schema.");
    return false;
}

StoreSchema::Outcome StoreSchema::createSchema(QSqlDatabase &db, QString *errorMessage)
{
    const Outcome outcome = inTransaction(db, errorMessage, [&](QSqlQuery &query) {
        QString ignored;
        if (readVersion(db, &ignored) != 0)
            return Outcome::Raced;
        for (const QString &statement : schemaV1) {
            if (!exec(query, statement, errorMessage))
                return Outcome::Failed;
        }
        if (!applySteps(query, 1, errorMessage) || !writeVersion(query, errorMessage))
            return Outcome::Failed;
        return Outcome::Done;
    });
    if (outcome == Outcome::Done)
        qCDebug(lcStore) << "created schema version" << currentVersion << "in" << db.databaseName();
    return outcome;
}

StoreSchema::Outcome StoreSchema::migrate(QSqlDatabase &db, int fromVersion, QString *errorMessage)
{
    Q_ASSERT(fromVersion >= 1 && fromVersion < currentVersion);
    return inTransaction(db, errorMessage, [&](QSqlQuery &query) {
        QString ignored;
        if (readVersion(db, &ignored) != fromVersion)
            return Outcome::Raced;
        if (!applySteps(query, fromVersion, errorMessage) || !writeVersion(query, errorMessage))
            return Outcome::Failed;
        return Outcome::Done;
    });
}
