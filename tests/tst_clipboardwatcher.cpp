// ClipboardWatcher on the real application clipboard (offscreen): copies with task IDs are
// offered once, after the clipboard settles; IDs already in the list or offered before are left
// out; nothing is read while it is off; Reelkeep's own copies and oversized text are ignored.

#include "clipboardwatcher.h"

#include <QApplication>
#include <QClipboard>
#include <QMimeData>
#include <QSet>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;

namespace {

const QString IdA = u"video_68f1c2d3e4b5a69788190a1b2c3d4e5f"_s;
const QString IdB = u"task_3f2a9c1e7b5d4f60a8e1c2b3d4e5f607"_s;
const QString IdC = u"video_00998877665544332211ffeeddccbbaa"_s;
const QString IdKnown = u"task_11112222333344445555666677778888"_s;

// What people copy: a reply with noise around the IDs.
QString chatLog(const QStringList &ids)
{
    QString text = u"[02:14] bot: generation started, poll https://api.example.com/v1/videos for status\n"_s;
    for (const QString &id : ids)
        text += u"[02:15] bot: {\"task_id\":\"%1\",\"status\":\"queued\",\"created_at\":1763456700}\n"_s.arg(id);
    return text + u"[02:16] me: thanks!\n"_s;
}

} // namespace

class tst_ClipboardWatcher : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void offByDefault();
    void copyWithIdsIsOfferedOnce();
    void knownIdsAreLeftOut();
    void rapidChangesAreReadOnce();
    void ownCopiesAreIgnored();
    void oversizedTextIsIgnored();
    void disablingStopsAPendingScan();

private:
    std::unique_ptr<ClipboardWatcher> makeWatcher(int debounceMs = 0);

    QClipboard *m_clipboard = nullptr;
    QSet<QString> m_known;
};

void tst_ClipboardWatcher::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    m_clipboard = QGuiApplication::clipboard();
    QVERIFY(m_clipboard);
    // The offscreen clipboard must report changes, or every test below would pass vacuously.
    QSignalSpy changed(m_clipboard, &QClipboard::dataChanged);
    m_clipboard->setText(u"probe"_s);
    QTRY_VERIFY(changed.count() >= 1);
    QCOMPARE(m_clipboard->text(), u"probe"_s);
}

void tst_ClipboardWatcher::init()
{
    m_known = {IdKnown};
    m_clipboard->clear();
}

std::unique_ptr<ClipboardWatcher> tst_ClipboardWatcher::makeWatcher(int debounceMs)
{
    auto watcher = std::make_unique<ClipboardWatcher>(m_clipboard, [this](const QString &id) { return m_known.contains(id); });
    watcher->setDebounceInterval(debounceMs);
    return watcher;
}

void tst_ClipboardWatcher::offByDefault()
{
    auto watcher = makeWatcher();
    QVERIFY(!watcher->isEnabled());
    QSignalSpy found(watcher.get(), &ClipboardWatcher::idsFound);
    m_clipboard->setText(chatLog({IdA}));
    QVERIFY(!watcher->isScanPending()); // the change was not even queued for reading
    QCoreApplication::processEvents();
    QCOMPARE(found.count(), 0);

    // Turning it on does not read what was copied before.
    watcher->setEnabled(true);
    QVERIFY(!watcher->isScanPending());
    QCOMPARE(found.count(), 0);
    // The next copy is read.
    m_clipboard->setText(chatLog({IdB}));
    QTRY_COMPARE(found.count(), 1);
    QCOMPARE(found.at(0).at(0).toStringList(), QStringList{IdB});
}

void tst_ClipboardWatcher::copyWithIdsIsOfferedOnce()
{
    auto watcher = makeWatcher(50);
    watcher->setEnabled(true);
    QSignalSpy found(watcher.get(), &ClipboardWatcher::idsFound);

    m_clipboard->setText(chatLog({IdA, IdB}));
    QVERIFY(watcher->isScanPending());
    QCOMPARE(found.count(), 0); // debounced: not read at once
    QTRY_COMPARE(found.count(), 1);
    QCOMPARE(found.at(0).at(0).toStringList(), (QStringList{IdA, IdB}));

    // The same text copied again asks nothing.
    m_clipboard->setText(chatLog({IdA, IdB}) + u" "_s);
    QVERIFY(watcher->isScanPending());
    QTRY_VERIFY(!watcher->isScanPending());
    QCOMPARE(found.count(), 1);

    // Text without IDs asks nothing either.
    m_clipboard->setText(u"see you tomorrow at 10:30, the file is at https://example.com/a/b.mp4"_s);
    QTRY_VERIFY(!watcher->isScanPending());
    QCOMPARE(found.count(), 1);

    // A copy with one offered and one new ID offers only the new one.
    m_clipboard->setText(chatLog({IdB, IdC}));
    QTRY_COMPARE(found.count(), 2);
    QCOMPARE(found.at(1).at(0).toStringList(), QStringList{IdC});
}

void tst_ClipboardWatcher::knownIdsAreLeftOut()
{
    auto watcher = makeWatcher();
    watcher->setEnabled(true);
    QSignalSpy found(watcher.get(), &ClipboardWatcher::idsFound);

    m_clipboard->setText(chatLog({IdKnown, IdA}));
    QTRY_COMPARE(found.count(), 1);
    QCOMPARE(found.at(0).at(0).toStringList(), QStringList{IdA});

    // Only known IDs: nothing to offer.
    m_clipboard->setText(chatLog({IdKnown}));
    QTRY_VERIFY(!watcher->isScanPending());
    QCOMPARE(found.count(), 1);

    // The lookup is asked at the time of the copy: an ID added to the list meanwhile is known.
    m_known.insert(IdC);
    m_clipboard->setText(chatLog({IdC, IdB}));
    QTRY_COMPARE(found.count(), 2);
    QCOMPARE(found.at(1).at(0).toStringList(), QStringList{IdB});
}

void tst_ClipboardWatcher::rapidChangesAreReadOnce()
{
    auto watcher = makeWatcher(100);
    watcher->setEnabled(true);
    QSignalSpy found(watcher.get(), &ClipboardWatcher::idsFound);

    // Several sets in a row (as some applications do per copy): only the settled text counts.
    m_clipboard->setText(chatLog({IdA}));
    m_clipboard->setText(u"intermediate"_s);
    m_clipboard->setText(chatLog({IdB}));
    QTRY_COMPARE(found.count(), 1);
    QCOMPARE(found.at(0).at(0).toStringList(), QStringList{IdB});
    QTRY_VERIFY(!watcher->isScanPending());
    QCOMPARE(found.count(), 1);
}

void tst_ClipboardWatcher::ownCopiesAreIgnored()
{
    auto watcher = makeWatcher();
    watcher->setEnabled(true);
    QSignalSpy found(watcher.get(), &ClipboardWatcher::idsFound);

    // "Copy task ID" in the window puts the marker on its copy.
    QMimeData *own = ClipboardWatcher::createOwnMimeData(IdA + u'\n' + IdB);
    QCOMPARE(own->text(), IdA + u'\n' + IdB);
    QVERIFY(own->hasFormat(ClipboardWatcher::ownMimeType()));
    m_clipboard->setMimeData(own);
    QVERIFY(watcher->isScanPending());
    QTRY_VERIFY(!watcher->isScanPending());
    QCOMPARE(found.count(), 0);

    // The same IDs copied from elsewhere are offered: the marker, not the IDs, was the reason.
    m_clipboard->setText(IdA + u'\n' + IdB);
    QTRY_COMPARE(found.count(), 1);
    QCOMPARE(found.at(0).at(0).toStringList(), (QStringList{IdA, IdB}));
}

void tst_ClipboardWatcher::oversizedTextIsIgnored()
{
    auto watcher = makeWatcher();
    watcher->setEnabled(true);
    QSignalSpy found(watcher.get(), &ClipboardWatcher::idsFound);

    QString big = chatLog({IdA});
    big += QString(ClipboardWatcher::MaxTextLength - big.size() + 1, u'x');
    QCOMPARE(big.size(), ClipboardWatcher::MaxTextLength + 1);
    m_clipboard->setText(big);
    QTRY_VERIFY(!watcher->isScanPending());
    QCOMPARE(found.count(), 0);

    // At the limit it is still read.
    big.chop(1);
    big[big.size() - 1] = u'\n';
    m_clipboard->setText(big);
    QTRY_COMPARE(found.count(), 1);
    QCOMPARE(found.at(0).at(0).toStringList(), QStringList{IdA});
}

void tst_ClipboardWatcher::disablingStopsAPendingScan()
{
    auto watcher = makeWatcher(200);
    watcher->setEnabled(true);
    QSignalSpy found(watcher.get(), &ClipboardWatcher::idsFound);
    m_clipboard->setText(chatLog({IdA}));
    QVERIFY(watcher->isScanPending());
    watcher->setEnabled(false);
    QVERIFY(!watcher->isScanPending());

    // A watcher that stayed on sees the next copy; the disabled one still says nothing.
    auto reference = makeWatcher(0);
    reference->setEnabled(true);
    QSignalSpy referenceFound(reference.get(), &ClipboardWatcher::idsFound);
    m_clipboard->setText(chatLog({IdB}));
    QTRY_COMPARE(referenceFound.count(), 1);
    QVERIFY(!watcher->isScanPending());
    QCOMPARE(found.count(), 0);
}

QTEST_MAIN(tst_ClipboardWatcher)
#include "tst_clipboardwatcher.moc"
