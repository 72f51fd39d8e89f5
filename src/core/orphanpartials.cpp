#include "orphanpartials.h"

#include "logging.h"
#include "storeschema.h"

#include <QAtomicInt>
#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace
{
QString translate(const char *text)
{
    return QCoreApplication::translate("OrphanPartials", text);
}

// One short-lived connection per call: Qt SQL connections belong to the thread that made them,
// and these calls run on whatever pool thread picked them up.
class Connection
{
public:
    explicit Connection(const QString &path)
    {
        static QAtomicInt counter;
        m_name = u"reelkeep-orphans-%1"_s.arg(counter.fetchAndAddRelaxed(1));
        m_db = QSqlDatabase::addDatabase(u"QSQLITE"_s, m_name);
        m_db.setDatabaseName(path);
        m_db.setConnectOptions(StoreSchema::connectOptions());
        if (!QFileInfo::exists(path)) {
            m_error = translate("The task list %1 does not exist.").arg(QDir::toNativeSeparators(path));
            return;
        }
        if (!m_db.open()) {
            m_error = m_db.lastError().text();
            return;
        }
        QString versionError;
        if (StoreSchema::readVersion(m_db, &versionError) < 2)
            m_error = versionError.isEmpty() ? translate("The task list is not ready yet.") : versionError;
    }
    ~Connection()
    {
        m_db.close();
        m_db = QSqlDatabase();
        QSqlDatabase::removeDatabase(m_name);
    }

    bool isOpen() const { return m_error.isEmpty(); }
    QString error() const { return m_error; }
    QSqlDatabase &db() { return m_db; }

    QStringList column(const QString &sql)
    {
        QSqlQuery query(m_db);
        query.setForwardOnly(true);
        QStringList values;
        if (!query.exec(sql)) {
            m_error = query.lastError().text();
            return values;
        }
        while (query.next())
            values << query.value(0).toString();
        return values;
    }

private:
    QString m_name;
    QSqlDatabase m_db;
    QString m_error;
};

// Kept files that are gone or deleted need not be remembered.
void forgetKept(QSqlDatabase &db, const QStringList &paths)
{
    if (paths.isEmpty())
        return;
    QSqlQuery forget(db);
    forget.prepare(u"DELETE FROM kept_partials WHERE path = ?"_s);
    forget.addBindValue(QVariantList(paths.cbegin(), paths.cend()));
    if (!forget.execBatch())
        qCWarning(lcStore) << "cannot forget kept partial files:" << forget.lastError().text();
}

// Both the path as recorded and its canonical form: a folder reached through a symlink must
// still match.
void insertWithCanonical(QSet<QString> *set, const QString &path)
{
    if (path.isEmpty())
        return;
    set->insert(QDir::cleanPath(path));
    const QString canonical = QFileInfo(path).canonicalFilePath();
    if (!canonical.isEmpty())
        set->insert(canonical);
}
} // namespace

OrphanPartials::ScanResult OrphanPartials::scan(const QString &storePath, const QStringList &extraFolders,
                                                const QSet<QString> &referencedInMemory)
{
    ScanResult result;
    Connection connection(storePath);
    if (!connection.isOpen()) {
        result.error = connection.error();
        return result;
    }
    QSet<QString> referenced;
    for (const QString &path : referencedInMemory)
        insertWithCanonical(&referenced, path);
    const QStringList recorded =
        connection.column(u"SELECT partial_path FROM tasks WHERE partial_path IS NOT NULL AND partial_path <> ''"_s);
    const QStringList kept = connection.column(u"SELECT path FROM kept_partials"_s);
    QStringList folders =
        connection.column(u"SELECT DISTINCT download_dir FROM accounts WHERE download_dir IS NOT NULL "
                          "AND download_dir <> ''"_s);
    if (!connection.isOpen()) {
        result.error = connection.error();
        return result;
    }
    for (const QString &path : recorded)
        insertWithCanonical(&referenced, path);
    QSet<QString> keptSet;
    for (const QString &path : kept)
        insertWithCanonical(&keptSet, path);

    folders += extraFolders;
    QSet<QString> seenFolders;
    for (const QString &folder : std::as_const(folders)) {
        const QString canonical = QFileInfo(folder).canonicalFilePath();
        if (canonical.isEmpty() || seenFolders.contains(canonical))
            continue;
        seenFolders.insert(canonical);
        const QFileInfoList entries = QDir(canonical).entryInfoList({u"*.part"_s}, QDir::Files | QDir::Hidden);
        for (const QFileInfo &entry : entries) {
            // A symlink named .part was not made by us; never offer to delete what it points to.
            if (entry.isSymLink())
                continue;
            const QString path = entry.absoluteFilePath();
            if (referenced.contains(path) || keptSet.contains(path))
                continue;
            result.files.append({path, entry.size(), entry.lastModified()});
        }
    }
    std::sort(result.files.begin(), result.files.end(),
              [](const File &a, const File &b) { return a.modified > b.modified; });

    QStringList vanished;
    for (const QString &path : kept) {
        if (!QFileInfo::exists(path))
            vanished << path;
    }
    forgetKept(connection.db(), vanished);
    qCDebug(lcStore) << "orphan scan:" << result.files.size() << "file(s) in" << seenFolders.size() << "folder(s)";
    return result;
}

bool OrphanPartials::keep(const QString &storePath, const QStringList &paths, QString *error)
{
    Connection connection(storePath);
    if (!connection.isOpen()) {
        *error = connection.error();
        return false;
    }
    QSqlQuery query(connection.db());
    const QVariantList at(paths.size(), QDateTime::currentMSecsSinceEpoch());
    QVariantList values;
    for (const QString &path : paths)
        values << path;
    if (!query.exec(u"BEGIN IMMEDIATE"_s)
        || !query.prepare(u"INSERT INTO kept_partials (path, kept_at) VALUES (?, ?) "
                          "ON CONFLICT(path) DO UPDATE SET kept_at = excluded.kept_at"_s)) {
        *error = query.lastError().text();
        return false;
    }
    query.addBindValue(values);
    query.addBindValue(at);
    if (!query.execBatch() || !query.exec(u"COMMIT"_s)) {
        *error = query.lastError().text();
        QSqlQuery(connection.db()).exec(u"ROLLBACK"_s);
        return false;
    }
    return true;
}

OrphanPartials::DiscardResult OrphanPartials::discard(const QString &storePath, const QStringList &paths)
{
    DiscardResult result;
    QStringList &failures = result.problems;
    QStringList &removed = result.removed;
    for (const QString &path : paths) {
        const QFileInfo info(path);
        // Only what scan() could have listed: a plain .part file, never a folder or a link.
        if (!info.fileName().endsWith(".part"_L1) || info.isSymLink() || info.isDir()) {
            failures << u"%1: %2"_s.arg(QDir::toNativeSeparators(path), translate("not a partial download"));
            continue;
        }
        if (!info.exists()) {
            removed << path;
            continue;
        }
        QFile file(path);
        if (file.moveToTrash() || file.remove())
            removed << path;
        else
            failures << u"%1: %2"_s.arg(QDir::toNativeSeparators(path), file.errorString());
    }
    if (!removed.isEmpty()) {
        Connection connection(storePath);
        if (connection.isOpen())
            forgetKept(connection.db(), removed);
    }
    return result;
}

qint64 OrphanPartials::totalSize(const QList<File> &files)
{
    qint64 total = 0;
    for (const File &file : files)
        total += file.size;
    return total;
}
