// FileNamer: template fields, hostile IDs made safe, names that never leave the folder and
// never take an existing file's or partial download's name.

#include "filenamer.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

class TestFileNamer : public QObject
{
    Q_OBJECT

private slots:
    void fieldsHaveDescriptions();
    void renderFillsFields();
    void renderDoesNotRescanValues();
    void sanitize_data();
    void sanitize();
    void sanitizeIsIdempotent_data();
    void sanitizeIsIdempotent();
    void sanitizeCapsUtf8Bytes();
    void sanitizeKeepsGraphemesWhole();
    void sanitizeExtension();
    void uniquePathStaysInside_data();
    void uniquePathStaysInside();
    void uniquePathAddsSuffix();
    void uniquePathSkipsOthersPartial();
    void uniquePathSkipsReservedPartial();
    void uniquePathAcceptsOwnPartial();
    void uniquePathTreatsDanglingLinkAsTaken();
    void uniquePathMissingDir();
};

void TestFileNamer::fieldsHaveDescriptions()
{
    const QStringList fields = FileNamer::fields();
    for (const QString &name : {u"id"_s, u"account"_s, u"provider"_s, u"model"_s, u"date"_s, u"time"_s,
                                u"duration"_s, u"resolution"_s})
        QVERIFY2(fields.contains(name), qPrintable(name));
    for (const QString &field : fields)
        QVERIFY2(!FileNamer::fieldDescription(field).isEmpty(), qPrintable(field));
    QVERIFY(FileNamer::fieldDescription(u"nonsense"_s).isEmpty());
    QVERIFY(FileNamer::defaultTemplate().contains("{id}"_L1));
}

void TestFileNamer::renderFillsFields()
{
    const QHash<QString, QString> fields = {{u"id"_s, u"task42"_s}, {u"provider"_s, u"minimax"_s},
                                            {u"date"_s, u"2025-01-31"_s}, {u"resolution"_s, u"1280x720"_s}};
    QCOMPARE(FileNamer::render(u"{date}_{provider}_{id}"_s, fields), u"2025-01-31_minimax_task42"_s);
    QCOMPARE(FileNamer::render(u"{id} {resolution}"_s, fields), u"task42 1280x720"_s);
    // A known field without a value is empty; an unknown one stays visible.
    QCOMPARE(FileNamer::render(u"{model}-{id}"_s, fields), u"-task42"_s);
    QCOMPARE(FileNamer::render(u"{typo}-{id}"_s, fields), u"{typo}-task42"_s);
    QCOMPARE(FileNamer::render(u"{ID}"_s, fields), u"task42"_s);
    QCOMPARE(FileNamer::render(u"open { brace"_s, fields), u"open { brace"_s);
}

void TestFileNamer::renderDoesNotRescanValues()
{
    const QHash<QString, QString> fields = {{u"id"_s, u"{account}"_s}, {u"account"_s, u"secret"_s}};
    QCOMPARE(FileNamer::render(u"{id}"_s, fields), u"{account}"_s);
}

void TestFileNamer::sanitize_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("expected");
    QTest::newRow("plain") << u"video_123"_s << u"video_123"_s;
    QTest::newRow("separators") << u"a/../../b"_s << u"a_.._.._b"_s;
    QTest::newRow("dotdot") << u".."_s << u"video"_s;
    QTest::newRow("dot") << u"."_s << u"video"_s;
    QTest::newRow("windows chars") << u"a?b#c:d*e\"f<g>h|i\\j"_s << u"a_b#c_d_e_f_g_h_i_j"_s;
    QTest::newRow("absolute") << u"/etc/passwd"_s << u"_etc_passwd"_s;
    QTest::newRow("leading dots") << u"...hidden"_s << u"hidden"_s;
    QTest::newRow("trailing dots and spaces") << u"name. . "_s << u"name"_s;
    QTest::newRow("controls") << u"a\nb\tc\x01" u"d\x7f"_s << u"a_b_c_d_"_s;
    QTest::newRow("c1 control") << u"a\u0085b"_s << u"a_b"_s;
    QTest::newRow("bidi override") << u"clip\u202Egpj.exe"_s << u"clipgpj.exe"_s;
    QTest::newRow("reserved") << u"CON"_s << u"CON_"_s;
    QTest::newRow("reserved lower with ext") << u"nul.txt"_s << u"nul_.txt"_s;
    QTest::newRow("reserved com") << u"com7"_s << u"com7_"_s;
    QTest::newRow("not reserved") << u"CONSOLE"_s << u"CONSOLE"_s;
    QTest::newRow("empty") << QString() << u"video"_s;
    QTest::newRow("only junk") << u" . . "_s << u"video"_s;
    QTest::newRow("unicode kept") << u"視頻 ünïcødé 🎬"_s << u"視頻 ünïcødé 🎬"_s;
    QTest::newRow("lone surrogate") << QString(QChar(0xd800)) + u"x"_s << u"_x"_s;
}

void TestFileNamer::sanitize()
{
    QFETCH(QString, input);
    QFETCH(QString, expected);
    QCOMPARE(FileNamer::sanitize(input), expected);
}

void TestFileNamer::sanitizeIsIdempotent_data()
{
    sanitize_data();
}

void TestFileNamer::sanitizeIsIdempotent()
{
    QFETCH(QString, input);
    const QString once = FileNamer::sanitize(input);
    QCOMPARE(FileNamer::sanitize(once), once);
}

void TestFileNamer::sanitizeCapsUtf8Bytes()
{
    const QString longId(10'000, u'x');
    const QString name = FileNamer::sanitize(longId);
    QCOMPARE(name.toUtf8().size(), FileNamer::MaxBaseNameBytes);

    // Three bytes per character: the cap counts bytes, not characters.
    const QString cjk(100, QChar(0x8996));
    const QString capped = FileNamer::sanitize(cjk);
    QVERIFY(capped.toUtf8().size() <= FileNamer::MaxBaseNameBytes);
    QCOMPARE(capped.size(), FileNamer::MaxBaseNameBytes / 3);

    // A cut that lands before trailing dots leaves none at the end.
    const QString dots = QString(FileNamer::MaxBaseNameBytes - 1, u'a') + u". b"_s;
    QVERIFY(!FileNamer::sanitize(dots).endsWith(u'.'));
}

void TestFileNamer::sanitizeKeepsGraphemesWhole()
{
    // 119 ASCII bytes then an emoji (4 bytes): it must go entirely, never as half a surrogate pair.
    const QString text = QString(119, u'a') + u"🎬tail"_s;
    const QString capped = FileNamer::sanitize(text);
    QCOMPARE(capped, QString(119, u'a'));
    QVERIFY(!capped.back().isSurrogate());
}

void TestFileNamer::sanitizeExtension()
{
    QCOMPARE(FileNamer::sanitizeExtension(u".MP4"_s), u"mp4"_s);
    QCOMPARE(FileNamer::sanitizeExtension(u"we/bm"_s), u"webm"_s);
    QCOMPARE(FileNamer::sanitizeExtension(u"../../x"_s), u"x"_s);
    QCOMPARE(FileNamer::sanitizeExtension(QString(50, u'a')).size(), 10);
}

void TestFileNamer::uniquePathStaysInside_data()
{
    QTest::addColumn<QString>("id");
    QTest::newRow("traversal") << u"a/../../b"_s;
    QTest::newRow("dotdot") << u".."_s;
    QTest::newRow("query chars") << u"a?b#c"_s;
    QTest::newRow("absolute") << u"/etc/passwd"_s;
    QTest::newRow("long") << QString(10'000, u'z');
    QTest::newRow("controls") << u"\x01\x02\n\r"_s;
    QTest::newRow("backslashes") << u"..\\..\\windows"_s;
    QTest::newRow("reserved") << u"aux"_s;
}

void TestFileNamer::uniquePathStaysInside()
{
    QFETCH(QString, id);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = FileNamer::uniquePath(dir.path(), id, u"mp4"_s);
    QVERIFY(!path.isEmpty());
    const QFileInfo info(path);
    QCOMPARE(QFileInfo(info.absolutePath()).canonicalFilePath(), QFileInfo(dir.path()).canonicalFilePath());
    QVERIFY(info.fileName().endsWith(".mp4"_L1));
    QVERIFY(!info.fileName().startsWith(u'.'));
    // The name works: a file can be created under it and lands in the folder.
    QFile file(path);
    QVERIFY2(file.open(QIODevice::WriteOnly), qPrintable(file.errorString()));
    file.close();
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden), QStringList{info.fileName()});
}

void TestFileNamer::uniquePathAddsSuffix()
{
    QTemporaryDir dir;
    const QString first = FileNamer::uniquePath(dir.path(), u"clip"_s, u"mp4"_s);
    QCOMPARE(QFileInfo(first).fileName(), u"clip.mp4"_s);
    QFile(first).open(QIODevice::WriteOnly);
    const QString second = FileNamer::uniquePath(dir.path(), u"clip"_s, u".mp4"_s);
    QCOMPARE(QFileInfo(second).fileName(), u"clip (2).mp4"_s);
    QFile(second).open(QIODevice::WriteOnly);
    QCOMPARE(QFileInfo(FileNamer::uniquePath(dir.path(), u"clip"_s, u"mp4"_s)).fileName(), u"clip (3).mp4"_s);
    // Another extension is another name.
    QCOMPARE(QFileInfo(FileNamer::uniquePath(dir.path(), u"clip"_s, u"webm"_s)).fileName(), u"clip.webm"_s);
}

void TestFileNamer::uniquePathSkipsOthersPartial()
{
    QTemporaryDir dir;
    QFile(dir.filePath(u"clip.mp4.part"_s)).open(QIODevice::WriteOnly);
    QCOMPARE(QFileInfo(FileNamer::uniquePath(dir.path(), u"clip"_s, u"mp4"_s)).fileName(), u"clip (2).mp4"_s);
}

// A partial name promised to a download that has not created it yet is as taken as a file.
void TestFileNamer::uniquePathSkipsReservedPartial()
{
    QTemporaryDir dir;
    const QString canonical = QFileInfo(dir.path()).canonicalFilePath();
    const QSet<QString> reserved{canonical + u"/clip.mp4.part"_s, canonical + u"/clip (2).mp4"_s};
    QCOMPARE(QFileInfo(FileNamer::uniquePath(dir.path(), u"clip"_s, u"mp4"_s, {}, reserved)).fileName(),
             u"clip (3).mp4"_s);
    // Our own reserved partial does not stand in our way.
    QCOMPARE(QFileInfo(FileNamer::uniquePath(dir.path(), u"clip"_s, u"mp4"_s, canonical + u"/clip.mp4.part"_s,
                                             reserved))
                 .fileName(),
             u"clip.mp4"_s);
}

void TestFileNamer::uniquePathAcceptsOwnPartial()
{
    QTemporaryDir dir;
    const QString own = dir.filePath(u"clip.mp4.part"_s);
    QFile(own).open(QIODevice::WriteOnly);
    QCOMPARE(QFileInfo(FileNamer::uniquePath(dir.path(), u"clip"_s, u"mp4"_s, own)).fileName(), u"clip.mp4"_s);
    // Through a non-canonical spelling of the same path too.
    const QString roundabout = dir.path() + u"/./sub/../clip.mp4.part"_s;
    QDir(dir.path()).mkdir(u"sub"_s);
    QCOMPARE(QFileInfo(FileNamer::uniquePath(dir.path(), u"clip"_s, u"mp4"_s, roundabout)).fileName(), u"clip.mp4"_s);
}

void TestFileNamer::uniquePathTreatsDanglingLinkAsTaken()
{
#ifdef Q_OS_UNIX
    QTemporaryDir dir;
    QVERIFY(QFile::link(dir.filePath(u"nowhere"_s), dir.filePath(u"clip.mp4"_s)));
    QCOMPARE(QFileInfo(FileNamer::uniquePath(dir.path(), u"clip"_s, u"mp4"_s)).fileName(), u"clip (2).mp4"_s);
#else
    QSKIP("symbolic links need privileges here");
#endif
}

void TestFileNamer::uniquePathMissingDir()
{
    QTemporaryDir dir;
    QVERIFY(FileNamer::uniquePath(dir.filePath(u"missing"_s), u"clip"_s, u"mp4"_s).isEmpty());
}

QTEST_APPLESS_MAIN(TestFileNamer)
#include "tst_filenamer.moc"
