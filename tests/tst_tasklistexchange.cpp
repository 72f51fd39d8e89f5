// TaskListExchange: JSON and CSV exports read back exactly, foreign CSVs, and clear errors for
// broken files without losing what could be read.

#include "tasklistexchange.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using Imported = TaskListExchange::ImportedTask;

class TestTaskListExchange : public QObject
{
    Q_OBJECT

private slots:
    void jsonRoundTrip();
    void csvRoundTrip();
    void csvQuotesAwkwardFields();
    void foreignCsvWithTaskIdColumn();
    void malformedJsonIsReported();
    void brokenQuotedCsvFieldIsReported();
    void csvWithoutIdColumnIsReported();
    void headerOnlyAndEmptyInput();
    void writeFileReplacesAtomically();

private:
    static QList<TaskRecord> sampleRecords();
    static QString accountName(const QString &id) { return id == "acc-1"_L1 ? u"Studio, \"Main\""_s : u"Zweit ✓"_s; }
    static QList<Imported> expectedImport();
};

static const QByteArray signedUrl =
    "https://cdn.example.com/v/clip.mp4?Expires=1700000000&Signature=ab%2Bcd%2Fef%3D%3D&Key-Pair-Id=K1";

QList<TaskRecord> TestTaskListExchange::sampleRecords()
{
    TaskRecord first;
    first.key = {u"acc-1"_s, u"task_0001"_s};
    first.state = TaskState::Saved;
    first.filePath = u"/home/ü/videos/a, \"b\"\nc.mp4"_s;
    first.videoUrl = signedUrl;
    first.addedAt = QDateTime(QDate(2026, 1, 2), QTime(3, 4, 5), Qt::UTC);
    TaskRecord second;
    second.key = {u"acc-2"_s, u"任务-0002"_s};
    second.state = TaskState::Failed;
    second.lastError = u"Line one\r\nline \"two\", with comma"_s;
    return {first, second};
}

QList<Imported> TestTaskListExchange::expectedImport()
{
    return {{u"acc-1"_s, u"Studio, \"Main\""_s, u"task_0001"_s}, {u"acc-2"_s, u"Zweit ✓"_s, u"任务-0002"_s}};
}

void TestTaskListExchange::jsonRoundTrip()
{
    const QByteArray json = TaskListExchange::toJson(sampleRecords(), &accountName);
    const QJsonArray array = QJsonDocument::fromJson(json).array();
    QCOMPARE(array.size(), 2);
    const QJsonObject first = array.at(0).toObject();
    QCOMPARE(first.value(u"id"_s).toString(), u"task_0001"_s);
    QCOMPARE(first.value(u"account"_s).toString(), u"Studio, \"Main\""_s);
    QCOMPARE(first.value(u"account_id"_s).toString(), u"acc-1"_s);
    QCOMPARE(first.value(u"status"_s).toString(), u"saved"_s);
    QCOMPARE(first.value(u"file"_s).toString(), sampleRecords().first().filePath);
    QCOMPARE(first.value(u"url"_s).toString().toUtf8(), signedUrl);
    QCOMPARE(first.value(u"added"_s).toString(), u"2026-01-02T03:04:05Z"_s);
    QCOMPARE(array.at(1).toObject().value(u"error"_s).toString(), sampleRecords().last().lastError);

    QString error;
    QCOMPARE(TaskListExchange::parse(json, &error), expectedImport());
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

void TestTaskListExchange::csvRoundTrip()
{
    const QByteArray csv = TaskListExchange::toCsv(sampleRecords(), &accountName);
    QVERIFY(csv.startsWith("id,account,account_id,status,file,url,error,added\r\n"));
    // The signed URL goes out byte for byte: %2B and %2F must not be decoded or re-encoded.
    QVERIFY(csv.contains("," + signedUrl + ","));
    QString error;
    QCOMPARE(TaskListExchange::parse(csv, &error), expectedImport());
    QVERIFY2(error.isEmpty(), qPrintable(error));
    // With a BOM and LF line ends, as spreadsheets save it.
    QByteArray edited = "\xEF\xBB\xBF" + csv;
    edited.replace("\r\n", "\n");
    QCOMPARE(TaskListExchange::parse(edited, &error).size(), 2);
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

void TestTaskListExchange::csvQuotesAwkwardFields()
{
    const QByteArray csv = TaskListExchange::toCsv(sampleRecords(), &accountName);
    QVERIFY(csv.contains("\"Studio, \"\"Main\"\"\""));
    QVERIFY(csv.contains(QStringLiteral("\"/home/ü/videos/a, \"\"b\"\"\nc.mp4\"").toUtf8()));
    QVERIFY(csv.contains("\"Line one\r\nline \"\"two\"\", with comma\""));
    QVERIFY(csv.contains(u"任务-0002"_s.toUtf8()));
}

void TestTaskListExchange::foreignCsvWithTaskIdColumn()
{
    const QByteArray csv = "Prompt,Task_ID,Cost\n"
                           "\"a cat, dancing\",abc123456,0.5\n"
                           "\n"
                           "plain,def789012,1\n";
    QString error;
    const QList<Imported> tasks = TaskListExchange::parse(csv, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(tasks, (QList<Imported>{{{}, {}, u"abc123456"_s}, {{}, {}, u"def789012"_s}}));
}

void TestTaskListExchange::malformedJsonIsReported()
{
    QString error;
    QVERIFY(TaskListExchange::parse("[{\"id\": \"abc\", }", &error).isEmpty());
    QVERIFY2(error.contains(u"not valid JSON"_s), qPrintable(error));

    // Entries without an ID are reported; the good ones are kept.
    const QList<Imported> tasks = TaskListExchange::parse(R"([{"id":"abc123456"},{"status":"saved"}])", &error);
    QCOMPARE(tasks.size(), 1);
    QVERIFY2(error.contains(u"Entry 2"_s), qPrintable(error));
}

void TestTaskListExchange::brokenQuotedCsvFieldIsReported()
{
    QString error;
    QList<Imported> tasks = TaskListExchange::parse("id,note\nabc123456,ok\ndef789012,\"never closed\nghi\n", &error);
    QCOMPARE(tasks, (QList<Imported>{{{}, {}, u"abc123456"_s}}));
    QVERIFY2(error.contains(u"Line 3"_s) && error.contains(u"never closed"_s), qPrintable(error));

    tasks = TaskListExchange::parse("id,note\nabc123456,\"x\"y\ndef789012,fine\n", &error);
    QCOMPARE(tasks, (QList<Imported>{{{}, {}, u"def789012"_s}}));
    QVERIFY2(error.contains(u"Line 2"_s), qPrintable(error));
}

void TestTaskListExchange::csvWithoutIdColumnIsReported()
{
    QString error;
    QVERIFY(TaskListExchange::parse("name,cost\nabc,1\n", &error).isEmpty());
    QVERIFY2(error.contains(u"\"id\""_s) && error.contains(u"Line 1"_s), qPrintable(error));
}

void TestTaskListExchange::headerOnlyAndEmptyInput()
{
    QString error = u"stale"_s;
    QVERIFY(TaskListExchange::parse(TaskListExchange::toCsv({}, {}), &error).isEmpty());
    QVERIFY(error.isEmpty());
    QVERIFY(TaskListExchange::parse(TaskListExchange::toJson({}, {}), &error).isEmpty());
    QVERIFY(error.isEmpty());
    QVERIFY(TaskListExchange::parse({}, &error).isEmpty());
    QVERIFY(error.isEmpty());
    QVERIFY(TaskListExchange::parse(" \n\n", &error).isEmpty());
    QVERIFY(error.isEmpty());
}

void TestTaskListExchange::writeFileReplacesAtomically()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(u"tasks.csv"_s);
    QString error;
    QVERIFY(TaskListExchange::writeFile(path, "one", &error));
    QVERIFY(TaskListExchange::writeFile(path, "two", &error));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll(), QByteArray("two"));
    QVERIFY(!TaskListExchange::writeFile(dir.filePath(u"missing/tasks.csv"_s), "x", &error));
    QVERIFY(error.contains(u"tasks.csv"_s));
}

QTEST_GUILESS_MAIN(TestTaskListExchange)
#include "tst_tasklistexchange.moc"
