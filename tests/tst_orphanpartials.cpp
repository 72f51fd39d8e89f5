// OrphanPartials: partial downloads no task uses are listed, never deleted by a scan; kept ones
// are remembered; only an explicit discard removes a file, and only a plain .part file.

#include "orphanpartials.h"
#include "taskstore.h"

#include <QDir>
#include <QFile>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

class TestOrphanPartials : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();

    void listsOnlyUnreferencedPartials();
    void scanNeverDeletes();
    void keptFilesAreNotOfferedAgain();
    void inMemoryReferencesCount();
    void discardRemovesOnlyPartialFiles();
    void unreadableStoreListsNothing();

private:
    QString writeFile(const QString &dir, const QString &name, qint64 size);
    QStringList scannedPaths(const QSet<QString> &inMemory = {});

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<TaskStore> m_store;
    QString m_storePath;
    QString m_videos;   // an account's folder
    QString m_extra;    // a folder only the caller knows (e.g. the CLI's --download-dir)
};

void TestOrphanPartials::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
}

void TestOrphanPartials::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_videos = m_dir->filePath(u"videos"_s);
    m_extra = m_dir->filePath(u"cli-videos"_s);
    QVERIFY(QDir().mkpath(m_videos));
    QVERIFY(QDir().mkpath(m_extra));
    m_storePath = m_dir->filePath(u"reelkeep.sqlite"_s);
    QString error;
    m_store = TaskStore::open(m_storePath, &error);
    QVERIFY2(m_store, qPrintable(error));

    Account account;
    account.id = u"acc"_s;
    account.displayName = u"Account"_s;
    account.providerName = u"minimax"_s;
    account.downloadDir = m_videos;
    m_store->saveAccount(account);
    TaskRecord downloading;
    downloading.key = {u"acc"_s, u"running"_s};
    downloading.state = TaskState::Completed;
    downloading.partialPath = m_videos + u"/running.mp4.part"_s;
    m_store->saveTask(downloading);
    QVERIFY(m_store->flush());
}

void TestOrphanPartials::cleanup()
{
    m_store.reset();
    m_dir.reset();
}

QString TestOrphanPartials::writeFile(const QString &dir, const QString &name, qint64 size)
{
    const QString path = dir + u'/' + name;
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return {};
    file.write(QByteArray(size, 'v'));
    return path;
}

QStringList TestOrphanPartials::scannedPaths(const QSet<QString> &inMemory)
{
    const OrphanPartials::ScanResult result = OrphanPartials::scan(m_storePath, {m_extra}, inMemory);
    if (!result.error.isEmpty())
        qWarning() << "scan error:" << result.error;
    QStringList paths;
    for (const OrphanPartials::File &file : result.files)
        paths << file.path;
    paths.sort();
    return paths;
}

void TestOrphanPartials::listsOnlyUnreferencedPartials()
{
    writeFile(m_videos, u"running.mp4.part"_s, 100);            // its task still uses it
    const QString removed = writeFile(m_videos, u"removed.mp4.part"_s, 4096);
    writeFile(m_videos, u"saved.mp4"_s, 50);                     // a finished video: never listed
    writeFile(m_videos, u"notes.txt"_s, 10);
    const QString fromCli = writeFile(m_extra, u"cli task.mp4.part"_s, 7);
    QVERIFY(QFile::link(removed, m_videos + u"/link.mp4.part"_s));  // not ours to offer

    const OrphanPartials::ScanResult result = OrphanPartials::scan(m_storePath, {m_extra});
    QVERIFY2(result.error.isEmpty(), qPrintable(result.error));
    QStringList paths;
    for (const OrphanPartials::File &file : result.files)
        paths << file.path;
    paths.sort();
    QCOMPARE(paths, (QStringList{fromCli, removed}));
    QCOMPARE(OrphanPartials::totalSize(result.files), 4096 + 7);
}

void TestOrphanPartials::scanNeverDeletes()
{
    const QString removed = writeFile(m_videos, u"removed.mp4.part"_s, 4096);
    for (int i = 0; i < 3; ++i)
        QCOMPARE(scannedPaths(), QStringList{removed});
    QCOMPARE(QFileInfo(removed).size(), 4096);
}

void TestOrphanPartials::keptFilesAreNotOfferedAgain()
{
    const QString a = writeFile(m_videos, u"a.mp4.part"_s, 10);
    const QString b = writeFile(m_videos, u"b.mp4.part"_s, 10);
    QString error;
    QVERIFY2(OrphanPartials::keep(m_storePath, {a}, &error), qPrintable(error));
    QCOMPARE(scannedPaths(), QStringList{b});
    QVERIFY(QFile::exists(a));

    // The choice survives the store being reopened (a restart).
    m_store.reset();
    QString openError;
    m_store = TaskStore::open(m_storePath, &openError);
    QVERIFY(m_store);
    QCOMPARE(scannedPaths(), QStringList{b});

    // Once the kept file is gone, the store forgets it; a new file of that name is asked about.
    QVERIFY(QFile::remove(a));
    QCOMPARE(scannedPaths(), QStringList{b});
    {
        auto db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"peek"_s);
        db.setDatabaseName(m_storePath);
        QVERIFY(db.open());
        QSqlQuery query(db);
        QVERIFY(query.exec(u"SELECT count(*) FROM kept_partials"_s) && query.next());
        QCOMPARE(query.value(0).toInt(), 0);
    }
    QSqlDatabase::removeDatabase(u"peek"_s);
    writeFile(m_videos, u"a.mp4.part"_s, 10);
    QCOMPARE(scannedPaths(), (QStringList{a, b}));
}

void TestOrphanPartials::inMemoryReferencesCount()
{
    // A download that started a moment ago has not reached the store yet.
    const QString fresh = writeFile(m_videos, u"fresh.mp4.part"_s, 10);
    QCOMPARE(scannedPaths(), QStringList{fresh});
    QCOMPARE(scannedPaths({fresh}), QStringList());
}

void TestOrphanPartials::discardRemovesOnlyPartialFiles()
{
    const QString a = writeFile(m_videos, u"a.mp4.part"_s, 10);
    const QString video = writeFile(m_videos, u"video.mp4"_s, 10);
    QString error;
    QVERIFY(OrphanPartials::keep(m_storePath, {a}, &error));

    const OrphanPartials::DiscardResult result = OrphanPartials::discard(m_storePath, {a, video});
    QCOMPARE(result.removed, QStringList{a});
    QCOMPARE(result.problems.size(), 1);
    QVERIFY2(result.problems.first().contains(u"video.mp4"_s), qPrintable(result.problems.first()));
    QVERIFY(!QFile::exists(a));
    QVERIFY(QFile::exists(video));  // never a finished video, whatever the caller passes
    QCOMPARE(scannedPaths(), QStringList());
}

void TestOrphanPartials::unreadableStoreListsNothing()
{
    writeFile(m_videos, u"removed.mp4.part"_s, 10);
    const OrphanPartials::ScanResult result = OrphanPartials::scan(m_dir->filePath(u"missing.sqlite"_s), {m_videos});
    QVERIFY(result.files.isEmpty());  // without the store, every file could belong to a task
    QVERIFY(!result.error.isEmpty());
}

QTEST_GUILESS_MAIN(TestOrphanPartials)
#include "tst_orphanpartials.moc"
