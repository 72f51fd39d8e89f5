// SingleInstance: one primary per name, arguments forwarded from a second object in this process
// and from a real second process (this binary started again in a helper mode), a stale socket
// left by a killed instance replaced, a live one never stolen, malformed clients ignored.

#include "singleinstance.h"

#include <QCoreApplication>
#include <QDataStream>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QLocalServer>
#include <QLocalSocket>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>
#include <QThread>
#include <QtEndian>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <memory>

using namespace Qt::StringLiterals;

namespace {

// Exit codes of the helper modes.
constexpr int SentOk = 0;
constexpr int SendFailed = 3;
constexpr int NotPrimary = 4;

// Helper mode: "--send-to-primary NAME ARGS..." delivers ARGS and exits.
int runSender(const QString &name, const QStringList &arguments)
{
    SingleInstance instance(name);
    if (instance.sendToPrimary(arguments, 5000))
        return SentOk;
    std::fprintf(stderr, "send failed: %s\n", qPrintable(instance.errorString()));
    return SendFailed;
}

// Helper mode: "--hold-primary NAME" becomes the primary, reports each message on stdout, and
// runs until it is killed (the way a crashed instance leaves its socket behind).
int runHolder(QCoreApplication &app, const QString &name)
{
    SingleInstance instance(name);
    if (!instance.tryBecomePrimary()) {
        std::printf("secondary\n");
        return NotPrimary;
    }
    QObject::connect(&instance, &SingleInstance::messageReceived, &app, [](const QStringList &arguments) {
        std::printf("received\t%s\n", arguments.join(u'\t').toUtf8().constData());
        std::fflush(stdout);
    });
    std::printf("primary\n");
    std::fflush(stdout);
    return app.exec();
}

QString uniqueName()
{
    static int counter = 0;
    return u"reelkeep-tst-%1-%2"_s.arg(QCoreApplication::applicationPid()).arg(++counter);
}

// Sends from a thread of its own: the primary in this thread must keep its event loop running
// to answer, exactly as the real primary does while a second process waits.
class SenderThread
{
public:
    SenderThread(const QString &name, const QStringList &arguments)
    {
        m_thread.reset(QThread::create([this, name, arguments] {
            SingleInstance sender(name);
            m_ok = sender.sendToPrimary(arguments, 5000);
        }));
        m_thread->start();
    }
    ~SenderThread() { m_thread->wait(); }
    bool isFinished() const { return m_thread->isFinished(); }
    bool ok() const { return m_ok; }

private:
    std::unique_ptr<QThread> m_thread;
    std::atomic<bool> m_ok = false;
};

QByteArray frameHeader(quint32 length)
{
    QByteArray header(4, Qt::Uninitialized);
    qToBigEndian<quint32>(length, header.data());
    return header;
}

} // namespace

class tst_SingleInstance : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void defaultNameHoldsTheUser();
    void onePrimaryPerName();
    void secondObjectForwardsArguments();
    void secondProcessForwardsArguments();
    void sendingWithoutPrimaryFailsFast();
    void liveProcessKeepsItsName();
    void staleSocketOfKilledInstanceIsReplaced();
    void malformedClientsAreIgnored();

private:
    QString helperPath() const { return QCoreApplication::applicationFilePath(); }
    void startHolder(QProcess &process, const QString &name);
};

void tst_SingleInstance::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
}

void tst_SingleInstance::defaultNameHoldsTheUser()
{
    const QString name = SingleInstance::defaultServerName();
    QVERIFY2(name.startsWith(u"reelkeep-test-"_s), qPrintable(name)); // test mode keeps off the real window
    QString user = qEnvironmentVariable("USER");
    if (user.isEmpty())
        user = qEnvironmentVariable("USERNAME");
    if (!user.isEmpty())
        QCOMPARE(name.mid(14), user);
    for (const QChar c : name)
        QVERIFY2(c.isLetterOrNumber() || c == u'-' || c == u'_' || c == u'.', qPrintable(name));
}

void tst_SingleInstance::onePrimaryPerName()
{
    const QString name = uniqueName();
    SingleInstance first(name);
    SingleInstance second(name);
    SingleInstance other(uniqueName());

    QVERIFY(first.tryBecomePrimary());
    QVERIFY(first.isPrimary());
    QVERIFY(first.tryBecomePrimary()); // asking again changes nothing

    QVERIFY(!second.tryBecomePrimary());
    QVERIFY(!second.isPrimary());
    QVERIFY(!second.errorString().isEmpty());
    QVERIFY(first.isPrimary()); // the probe did not take the name away

    QVERIFY(other.tryBecomePrimary()); // names are independent
}

void tst_SingleInstance::secondObjectForwardsArguments()
{
    const QString name = uniqueName();
    SingleInstance primary(name);
    QVERIFY(primary.tryBecomePrimary());
    QSignalSpy received(&primary, &SingleInstance::messageReceived);

    const QStringList arguments{u"video_abc123"_s, u"a line with spaces\tand a tab"_s, u"ünïcödé 视频"_s, QString()};
    SenderThread sender(name, arguments);
    QTRY_COMPARE(received.count(), 1);
    QCOMPARE(received.at(0).at(0).toStringList(), arguments);
    QTRY_VERIFY(sender.isFinished());
    QVERIFY(sender.ok());

    // The primary keeps serving: a second message arrives too.
    SenderThread again(name, {u"second"_s});
    QTRY_COMPARE(received.count(), 2);
    QCOMPARE(received.at(1).at(0).toStringList(), QStringList{u"second"_s});
    QTRY_VERIFY(again.isFinished());
    QVERIFY(again.ok());
}

void tst_SingleInstance::secondProcessForwardsArguments()
{
    const QString name = uniqueName();
    SingleInstance primary(name);
    QVERIFY(primary.tryBecomePrimary());
    QSignalSpy received(&primary, &SingleInstance::messageReceived);

    // Many IDs at once, as a paste from a chat log would give.
    QStringList ids;
    for (int i = 0; i < 500; ++i)
        ids << u"video_%1"_s.arg(i, 6, 10, QLatin1Char('0'));
    QProcess process;
    process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    process.start(helperPath(), QStringList{u"--send-to-primary"_s, name} + ids);
    QVERIFY(process.waitForStarted());
    // The event loop must run while the other process waits for our acknowledgement.
    QTRY_COMPARE(received.count(), 1);
    QCOMPARE(received.at(0).at(0).toStringList(), ids);
    QTRY_COMPARE(process.state(), QProcess::NotRunning);
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), SentOk);
}

void tst_SingleInstance::sendingWithoutPrimaryFailsFast()
{
    SingleInstance lonely(uniqueName());
    QElapsedTimer timer;
    timer.start();
    QVERIFY(!lonely.sendToPrimary({u"x"_s}, 5000));
    QVERIFY(!lonely.errorString().isEmpty());
    // Nobody listening is a refusal, not a timeout: start-up must not stall for it.
    QVERIFY2(timer.elapsed() < 2000, qPrintable(QString::number(timer.elapsed())));

    QProcess process;
    process.start(helperPath(), {u"--send-to-primary"_s, uniqueName(), u"x"_s});
    QVERIFY(process.waitForFinished(10'000));
    QCOMPARE(process.exitCode(), SendFailed);
}

void tst_SingleInstance::startHolder(QProcess &process, const QString &name)
{
    process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    process.start(helperPath(), {u"--hold-primary"_s, name});
    QVERIFY(process.waitForStarted());
    QTRY_VERIFY(process.canReadLine());
    QCOMPARE(process.readLine(), QByteArray("primary\n"));
}

void tst_SingleInstance::liveProcessKeepsItsName()
{
    const QString name = uniqueName();
    QProcess holder;
    startHolder(holder, name);
    if (QTest::currentTestFailed())
        return;

    SingleInstance here(name);
    QVERIFY(!here.tryBecomePrimary()); // someone answered: the socket is not stale
    // And the live primary still gets messages: its socket was not removed.
    QVERIFY2(here.sendToPrimary({u"id_one"_s, u"id two"_s}), qPrintable(here.errorString()));
    QTRY_VERIFY(holder.canReadLine());
    QCOMPARE(holder.readLine(), QByteArray("received\tid_one\tid two\n"));

    holder.kill();
    QVERIFY(holder.waitForFinished());
    QLocalServer::removeServer(name); // the killed holder's socket file
}

void tst_SingleInstance::staleSocketOfKilledInstanceIsReplaced()
{
    const QString name = uniqueName();
    QProcess holder;
    startHolder(holder, name);
    if (QTest::currentTestFailed())
        return;
    holder.kill(); // SIGKILL: no destructor runs, the socket file stays behind
    QVERIFY(holder.waitForFinished());

#ifdef Q_OS_UNIX
    const QString socketPath = QDir(QDir::tempPath()).filePath(name);
    QVERIFY2(QFileInfo::exists(socketPath), "a killed instance should leave its socket file");
    // Without the recovery, listening on the name fails.
    {
        QLocalServer plain;
        QVERIFY(!plain.listen(name));
        QCOMPARE(plain.serverError(), QAbstractSocket::AddressInUseError);
    }
#endif

    SingleInstance next(name);
    QVERIFY2(next.tryBecomePrimary(), qPrintable(next.errorString()));
    QSignalSpy received(&next, &SingleInstance::messageReceived);
    QProcess sender;
    sender.start(helperPath(), {u"--send-to-primary"_s, name, u"after_crash"_s});
    QTRY_COMPARE(received.count(), 1);
    QCOMPARE(received.at(0).at(0).toStringList(), QStringList{u"after_crash"_s});
    QTRY_COMPARE(sender.state(), QProcess::NotRunning);
    QCOMPARE(sender.exitCode(), SentOk);
}

void tst_SingleInstance::malformedClientsAreIgnored()
{
    const QString name = uniqueName();
    SingleInstance primary(name);
    QVERIFY(primary.tryBecomePrimary());
    QSignalSpy received(&primary, &SingleInstance::messageReceived);

    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(u"refusing an oversized message"_s));
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(u"ignoring a malformed message"_s));

    // An oversized length prefix is refused without reading (or allocating) the body.
    QLocalSocket huge;
    huge.connectToServer(name);
    QVERIFY(huge.waitForConnected(2000));
    huge.write(frameHeader(quint32(SingleInstance::MaxMessageBytes + 1)));
    huge.write(QByteArray(1024, 'x'));
    QTRY_COMPARE(huge.state(), QLocalSocket::UnconnectedState);

    // Right length, wrong content (someone else's protocol).
    QLocalSocket stranger;
    stranger.connectToServer(name);
    QVERIFY(stranger.waitForConnected(2000));
    const QByteArray body("GET / HTTP/1.1\r\n\r\n");
    stranger.write(frameHeader(quint32(body.size())) + body);
    QTRY_COMPARE(stranger.state(), QLocalSocket::UnconnectedState);
    QVERIFY(!stranger.bytesAvailable()); // no acknowledgement for it

    QCOMPARE(received.count(), 0);

    // A frame that arrives in pieces is read once it is whole. The wire format: a big-endian
    // length, then a Qt 6.0 QDataStream of the magic "RKP1" and the QStringList.
    QByteArray payload;
    {
        QDataStream out(&payload, QIODevice::WriteOnly);
        out.setVersion(QDataStream::Qt_6_0);
        out << quint32(0x524B5031) << QStringList{u"after_noise"_s, u"in pieces"_s};
    }
    const QByteArray frame = frameHeader(quint32(payload.size())) + payload;
    QLocalSocket slow;
    slow.connectToServer(name);
    QVERIFY(slow.waitForConnected(2000));
    slow.write(frame.left(2)); // not even the whole length yet
    QVERIFY(slow.waitForBytesWritten(2000));
    QCoreApplication::processEvents();
    slow.write(frame.mid(2, 9));
    QVERIFY(slow.waitForBytesWritten(2000));
    QCoreApplication::processEvents();
    QCOMPARE(received.count(), 0);
    slow.write(frame.mid(11));
    QTRY_COMPARE(received.count(), 1);
    QCOMPARE(received.at(0).at(0).toStringList(), (QStringList{u"after_noise"_s, u"in pieces"_s}));
    QTRY_VERIFY(slow.bytesAvailable() > 0);
    QCOMPARE(slow.readAll(), QByteArray("\x06"));
}

int main(int argc, char *argv[])
{
    if (argc >= 3 && std::strcmp(argv[1], "--send-to-primary") == 0) {
        QCoreApplication app(argc, argv);
        const QStringList arguments = app.arguments();
        return runSender(arguments.at(2), arguments.mid(3));
    }
    if (argc == 3 && std::strcmp(argv[1], "--hold-primary") == 0) {
        QCoreApplication app(argc, argv);
        return runHolder(app, app.arguments().at(2));
    }
    QCoreApplication app(argc, argv);
    tst_SingleInstance test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}

#include "tst_singleinstance.moc"
