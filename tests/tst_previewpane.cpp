// PreviewPane playing real video: the demo H.264 MP4 from a saved file and streamed from the
// fake CDN (frames arrive at the video widget's sink and convert to images of the right size),
// no Authorization header on the CDN, links that need the key or have expired not streamed,
// a file without a picture and a broken file explained, the missing-decoder message in a
// child process that hides GStreamer's H.264 decoder, and the controls driving the player.
//
// REELKEEP_SCREENSHOT_DIR=<dir> saves preview-pane.png there: the pane with the decoded frame
// painted where the video widget is (a plain widget grab shows only its black background).

#include "fakeproviderserver.h"
#include "previewpane.h"
#include "taskrecord.h"

#include <QApplication>
#include <QAudioOutput>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMediaFormat>
#include <QMediaPlayer>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPainter>
#include <QProcess>
#include <QSettings>
#include <QSignalSpy>
#include <QSlider>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>
#include <QVideoFrame>
#include <QVideoSink>
#include <QVideoWidget>
#include <QtEndian>
#include <QtMath>

#include <memory>

using namespace Qt::StringLiterals;

namespace {

constexpr int PlaybackTimeoutMs = 20'000;
const QSize DemoSize(320, 180);
constexpr char ChildModeVariable[] = "REELKEEP_TEST_HIDE_H264";

bool canDecodeH264()
{
    return QMediaFormat().supportedVideoCodecs(QMediaFormat::Decode).contains(QMediaFormat::VideoCodec::H264);
}

// One second of a 440 Hz tone as 16-bit mono PCM WAV: a playable file with no picture.
QByteArray makeWav()
{
    constexpr int Rate = 8000;
    QByteArray samples(Rate * 2, Qt::Uninitialized);
    for (int i = 0; i < Rate; ++i)
        qToLittleEndian<qint16>(qint16(8000 * qSin(2 * M_PI * 440 * i / Rate)), samples.data() + 2 * i);
    QByteArray wav;
    auto u32 = [&wav](quint32 v) { char b[4]; qToLittleEndian(v, b); wav.append(b, 4); };
    auto u16 = [&wav](quint16 v) { char b[2]; qToLittleEndian(v, b); wav.append(b, 2); };
    wav += "RIFF";
    u32(quint32(36 + samples.size()));
    wav += "WAVEfmt ";
    u32(16);
    u16(1);        // PCM
    u16(1);        // mono
    u32(Rate);
    u32(Rate * 2); // byte rate
    u16(2);        // block align
    u16(16);       // bits per sample
    wav += "data";
    u32(quint32(samples.size()));
    return wav + samples;
}

bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

TaskRecord savedRecord(const QString &id, const QString &path)
{
    TaskRecord record;
    record.key = {u"acc"_s, id};
    record.state = TaskState::Saved;
    record.filePath = path;
    return record;
}

// Collects the frames that reach a sink.
struct FrameCollector
{
    explicit FrameCollector(QVideoSink *sink)
    {
        QObject::connect(sink, &QVideoSink::videoFrameChanged, &context, [this](const QVideoFrame &frame) {
            if (frame.isValid()) {
                ++count;
                last = frame;
            }
        });
    }
    QObject context;
    int count = 0;
    QVideoFrame last;
};

// Saves a widget screenshot when REELKEEP_SCREENSHOT_DIR is set (for docs; messages only,
// since a grab of the video widget shows its background).
void saveScreenshot(QWidget *widget, const QString &name)
{
    const QString dir = qEnvironmentVariable("REELKEEP_SCREENSHOT_DIR");
    if (dir.isEmpty())
        return;
    QDir().mkpath(dir);
    widget->grab().save(QDir(dir).filePath(name));
}

} // namespace

class tst_PreviewPane : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void placeholderWhenNothingIsSelected();
    void playsSavedFileThroughVideoSink();
    void controlsDriveThePlayer();
    void volumeAndMuteAreRemembered();
    void streamsFromCdnWithoutAuthorization();
    void linkThatNeedsTheKeyIsNotStreamed();
    void expiredLinkIsNotStreamed();
    void reasonsWithoutVideo();
    void fileWithoutPictureSaysWhatIsMissing();
    void brokenFileExplainsTheError();
    void missingH264DecoderNamesThePackage();

private:
    void requireH264();
    std::unique_ptr<PreviewPane> makePane();

    QTemporaryDir m_dir;
    QString m_demoPath;
    QByteArray m_demoBytes;
};

void tst_PreviewPane::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QSettings().clear();
    QVERIFY(m_dir.isValid());
    // The demo clip is compiled into the fake server library; the pane plays it from disk like a saved video.
    m_demoBytes = readFile(FakeProviderServer::demoVideoPath());
    QVERIFY2(m_demoBytes.size() > 10'000, "the demo MP4 resource is missing");
    QCOMPARE(m_demoBytes.mid(4, 4), QByteArray("ftyp"));
    m_demoPath = m_dir.filePath(u"video_demo01.mp4"_s);
    QVERIFY(writeFile(m_demoPath, m_demoBytes));
}

void tst_PreviewPane::init()
{
    QSettings().clear();
}

void tst_PreviewPane::requireH264()
{
    if (!canDecodeH264()) {
        QSKIP("GStreamer cannot decode H.264 on this machine. Install gstreamer1.0-plugins-base, "
              "gstreamer1.0-plugins-good and gstreamer1.0-libav to run the playback tests.");
    }
}

std::unique_ptr<PreviewPane> tst_PreviewPane::makePane()
{
    auto pane = std::make_unique<PreviewPane>();
    pane->resize(480, 360);
    pane->show();
    return pane;
}

void tst_PreviewPane::placeholderWhenNothingIsSelected()
{
    auto pane = makePane();
    QVERIFY(QTest::qWaitForWindowExposed(pane.get()));
    QCOMPARE(pane->message(), u"Select a task to preview its video."_s);
    QVERIFY(pane->player()->source().isEmpty());
    QVERIFY(!pane->findChild<QToolButton *>(u"playPauseButton"_s)->isEnabled());
    QVERIFY(!pane->findChild<QSlider *>(u"positionSlider"_s)->isEnabled());
    QVERIFY(!pane->findChild<QVideoWidget *>(u"previewVideo"_s)->isVisible());
    saveScreenshot(pane.get(), u"preview-placeholder.png"_s);

    // clear() after showing something returns to the placeholder and stops.
    pane->showTask(savedRecord(u"video_1"_s, m_demoPath));
    QVERIFY(!pane->player()->source().isEmpty());
    pane->clear();
    QVERIFY(pane->player()->source().isEmpty());
    QCOMPARE(pane->player()->playbackState(), QMediaPlayer::StoppedState);
    QCOMPARE(pane->message(), u"Select a task to preview its video."_s);
    QVERIFY(!pane->currentTask().isValid());
}

void tst_PreviewPane::playsSavedFileThroughVideoSink()
{
    requireH264();
    auto pane = makePane();
    QVERIFY(pane->videoSink());
    FrameCollector frames(pane->videoSink());

    const TaskRecord record = savedRecord(u"video_demo01_a3f9c2e17b4d"_s, m_demoPath);
    pane->showTask(record);
    QCOMPARE(pane->player()->source(), QUrl::fromLocalFile(m_demoPath));
    QCOMPARE(pane->currentTask(), record.key);

    QTRY_VERIFY_WITH_TIMEOUT(frames.count >= 5, PlaybackTimeoutMs);
    QVERIFY(pane->player()->hasVideo());
    QCOMPARE(pane->player()->playbackState(), QMediaPlayer::PlayingState);
    const QImage image = frames.last.toImage();
    QVERIFY(!image.isNull());
    QCOMPARE(image.size(), DemoSize);
    // The clip is a blue-violet gradient with white text: a decoder that produced black (or
    // garbage) would not give a blue-dominant pixel at the left edge.
    const QColor left = image.pixelColor(8, 90);
    QVERIFY2(left.blue() > 100 && left.blue() > left.red(), qPrintable(left.name()));

    QTRY_COMPARE(pane->message(), QString()); // the picture is on screen, no message over it
    QVERIFY(pane->findChild<QVideoWidget *>(u"previewVideo"_s)->isVisible());
    QCOMPARE(pane->findChild<QLabel *>(u"previewTitle"_s)->toolTip(), record.key.taskId);
    QVERIFY(pane->findChild<QLabel *>(u"previewDetail"_s)->text().contains(u"video_demo01.mp4"_s));
    QTRY_VERIFY(pane->player()->duration() > 4500);
    QVERIFY(pane->findChild<QLabel *>(u"timeLabel"_s)->text().endsWith(u" / 0:05"_s));

    const QString shots = qEnvironmentVariable("REELKEEP_SCREENSHOT_DIR");
    if (!shots.isEmpty()) {
        QTRY_VERIFY_WITH_TIMEOUT(pane->player()->position() >= 1800, PlaybackTimeoutMs);
        pane->player()->pause();
        QTRY_COMPARE(pane->player()->playbackState(), QMediaPlayer::PausedState);
        QImage shot = pane->grab().toImage();
        auto *video = pane->findChild<QVideoWidget *>(u"previewVideo"_s);
        const QRect area(video->mapTo(pane.get(), QPoint(0, 0)), video->size());
        const QImage frame = frames.last.toImage().scaled(area.size(), Qt::KeepAspectRatio, Qt::SmoothTransformation);
        QPainter painter(&shot);
        painter.fillRect(area, Qt::black);
        painter.drawImage(area.topLeft() + QPoint((area.width() - frame.width()) / 2, (area.height() - frame.height()) / 2), frame);
        painter.end();
        QDir().mkpath(shots);
        QVERIFY(shot.save(QDir(shots).filePath(u"preview-pane.png"_s)));
    }

    // Showing the same task again (the window does on every row update) keeps it playing.
    pane->player()->play();
    QTRY_VERIFY(pane->player()->position() > 0);
    const qint64 before = pane->player()->position();
    pane->showTask(record);
    QCOMPARE(pane->player()->playbackState(), QMediaPlayer::PlayingState);
    QVERIFY(pane->player()->position() >= before);
}

void tst_PreviewPane::controlsDriveThePlayer()
{
    requireH264();
    auto pane = makePane();
    QVERIFY(QTest::qWaitForWindowExposed(pane.get()));
    pane->setAutoPlay(false);
    pane->showTask(savedRecord(u"video_2"_s, m_demoPath));
    QCOMPARE(pane->player()->playbackState(), QMediaPlayer::StoppedState); // no autoplay
    auto *play = pane->findChild<QToolButton *>(u"playPauseButton"_s);
    auto *slider = pane->findChild<QSlider *>(u"positionSlider"_s);
    QTRY_VERIFY_WITH_TIMEOUT(play->isEnabled(), PlaybackTimeoutMs);
    QCOMPARE(play->toolTip(), u"Play"_s);

    QTest::mouseClick(play, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(pane->player()->playbackState(), QMediaPlayer::PlayingState, PlaybackTimeoutMs);
    QCOMPARE(play->toolTip(), u"Pause"_s);
    QTRY_VERIFY_WITH_TIMEOUT(slider->value() > 300, PlaybackTimeoutMs); // the handle follows playback

    QTest::mouseClick(play, Qt::LeftButton);
    QTRY_COMPARE(pane->player()->playbackState(), QMediaPlayer::PausedState);
    QCOMPARE(play->toolTip(), u"Play"_s);

    // Seeking with the slider's keys: Home to the start, then two one-second steps.
    QTRY_VERIFY(slider->isEnabled());
    slider->setFocus();
    QTest::keyClick(slider, Qt::Key_Home);
    QTRY_VERIFY(pane->player()->position() < 200);
    QTest::keyClick(slider, Qt::Key_Right);
    QTest::keyClick(slider, Qt::Key_Right);
    QTRY_VERIFY2(qAbs(pane->player()->position() - 2000) < 200, qPrintable(QString::number(pane->player()->position())));
    QTRY_VERIFY(pane->findChild<QLabel *>(u"timeLabel"_s)->text().startsWith(u"0:02 / "_s));

    pane->togglePlayback();
    QTRY_COMPARE(pane->player()->playbackState(), QMediaPlayer::PlayingState);
    pane->togglePlayback();
    QTRY_COMPARE(pane->player()->playbackState(), QMediaPlayer::PausedState);
}

void tst_PreviewPane::volumeAndMuteAreRemembered()
{
    {
        auto pane = makePane();
        auto *volume = pane->findChild<QSlider *>(u"volumeSlider"_s);
        auto *mute = pane->findChild<QToolButton *>(u"muteButton"_s);
        QAudioOutput *output = pane->player()->audioOutput();
        QVERIFY(output);
        QVERIFY(!output->isMuted());
        volume->setFocus();
        QTest::keyClick(volume, Qt::Key_Home);
        QCOMPARE(volume->value(), 0);
        QCOMPARE(output->volume(), 0.0f);
        QTest::keyClick(volume, Qt::Key_PageUp); // +20
        QTest::keyClick(volume, Qt::Key_PageUp); // 40
        QCOMPARE(volume->value(), 40);
        QVERIFY(output->volume() > 0.0f && output->volume() < 0.4f); // perceptual slider, linear output
        QTest::mouseClick(mute, Qt::LeftButton);
        QVERIFY(output->isMuted());
        QCOMPARE(mute->toolTip(), u"Unmute"_s);
    }
    auto pane = makePane();
    QCOMPARE(pane->findChild<QSlider *>(u"volumeSlider"_s)->value(), 40);
    QVERIFY(pane->player()->audioOutput()->isMuted());
    QTest::mouseClick(pane->findChild<QToolButton *>(u"muteButton"_s), Qt::LeftButton);
    QVERIFY(!pane->player()->audioOutput()->isMuted());
}

void tst_PreviewPane::streamsFromCdnWithoutAuthorization()
{
    requireH264();
    const QString key = u"sk-preview-secret"_s;
    FakeProviderServer server;
    QVERIFY(server.listen());
    server.setApiKey(key);
    FakeTaskSpec spec;
    spec.id = u"video_stream01"_s;
    spec.shape = FakeTaskSpec::Shape::Mixroute;
    spec.videoFile = FakeProviderServer::demoVideoPath();
    spec.queuedPolls = 0;
    spec.processingPolls = 0;
    server.addTask(spec);
    QCOMPARE(server.videoBytes(spec.id), m_demoBytes); // the real clip, not generated bytes

    // Ask the API (with the key) for the finished task's signed URL, as the engine would.
    QNetworkAccessManager manager;
    QUrl statusUrl = server.apiBaseUrl();
    statusUrl.setPath(u"/v1/video/generations/"_s + spec.id);
    QNetworkRequest request(statusUrl);
    request.setRawHeader("Authorization", "Bearer " + key.toUtf8());
    std::unique_ptr<QNetworkReply> reply(manager.get(request));
    QTRY_VERIFY(reply->isFinished());
    const QJsonObject status = QJsonDocument::fromJson(reply->readAll()).object();
    const QByteArray videoUrl = status.value(u"url"_s).toString().toUtf8();
    QVERIFY2(videoUrl.startsWith(server.cdnBaseUrl().toEncoded()), videoUrl.constData());
    QVERIFY(videoUrl.contains("Signature="));

    TaskRecord record;
    record.key = {u"acc"_s, spec.id};
    record.state = TaskState::Completed;
    record.videoUrl = videoUrl;
    record.urlExpiresAt = QDateTime::currentDateTimeUtc().addSecs(3600);

    server.clearRequests();
    auto pane = makePane();
    pane->setApiBaseUrlLookup([&server](const QString &accountId) {
        return accountId == u"acc"_s ? server.apiBaseUrl() : QUrl();
    });
    FrameCollector frames(pane->videoSink());
    pane->showTask(record);
    QCOMPARE(pane->player()->source().toEncoded(), videoUrl); // not re-encoded: the signature still matches
    QVERIFY(pane->findChild<QLabel *>(u"previewDetail"_s)->text().contains(u"Streaming"_s));

    QTRY_VERIFY_WITH_TIMEOUT(frames.count >= 5, PlaybackTimeoutMs);
    const QImage image = frames.last.toImage();
    QVERIFY(!image.isNull());
    QCOMPARE(image.size(), DemoSize);
    QCOMPARE(pane->message(), QString());

    const QList<FakeProviderServer::RecordedRequest> requests = server.requests();
    int cdnRequests = 0;
    for (const FakeProviderServer::RecordedRequest &r : requests) {
        QCOMPARE(r.origin, u"cdn"_s); // the player never touched the API
        QVERIFY2(!r.headers.contains("authorization"), r.headers.value("authorization").constData());
        for (const QByteArray &value : r.headers)
            QVERIFY(!value.contains(key.toUtf8()));
        ++cdnRequests;
    }
    QVERIFY(cdnRequests >= 1);

    // Once saved, the same task switches to the file.
    pane->showTask(savedRecord(spec.id, m_demoPath));
    QCOMPARE(pane->player()->source(), QUrl::fromLocalFile(m_demoPath));
}

void tst_PreviewPane::linkThatNeedsTheKeyIsNotStreamed()
{
    FakeProviderServer server;
    QVERIFY(server.listen());
    auto pane = makePane();
    pane->setApiBaseUrlLookup([&server](const QString &) { return server.apiBaseUrl(); });

    TaskRecord record;
    record.key = {u"acc"_s, u"video_gateway"_s};
    record.state = TaskState::Completed;
    // new-api Sora: the gateway's own content endpoint, which wants the key.
    record.videoUrl = server.apiBaseUrl().toEncoded() + "/v1/videos/video_gateway/content";
    pane->showTask(record);
    QVERIFY(pane->player()->source().isEmpty()); // nothing was handed to the player
    QVERIFY2(pane->message().startsWith(u"Save the video to preview it."_s), qPrintable(pane->message()));
    QVERIFY(!pane->findChild<QToolButton *>(u"playPauseButton"_s)->isEnabled());

    // The same URL on another origin (a CDN) would be streamed.
    record.videoUrl = server.cdnBaseUrl().toEncoded() + "/v/x.mp4?Expires=1&Signature=x";
    pane->showTask(record);
    QCOMPARE(pane->player()->source().toEncoded(), record.videoUrl);
    pane->clear();
}

void tst_PreviewPane::expiredLinkIsNotStreamed()
{
    auto pane = makePane();
    TaskRecord record;
    record.key = {u"acc"_s, u"video_old"_s};
    record.state = TaskState::Completed;
    record.videoUrl = "http://127.0.0.1:9/v/x.mp4?Expires=1&Signature=abc%3D";
    record.urlExpiresAt = QDateTime::currentDateTimeUtc().addSecs(-60);
    pane->showTask(record);
    QVERIFY(pane->player()->source().isEmpty());
    QVERIFY2(pane->message().contains(u"expired"_s), qPrintable(pane->message()));
}

void tst_PreviewPane::reasonsWithoutVideo()
{
    auto pane = makePane();
    TaskRecord record;
    record.key = {u"acc"_s, u"video_wait"_s};
    record.state = TaskState::Processing;
    pane->showTask(record);
    QVERIFY(pane->player()->source().isEmpty());
    QVERIFY2(pane->message().contains(u"isn't ready yet"_s), qPrintable(pane->message()));
    QCOMPARE(pane->findChild<QLabel *>(u"previewTitle"_s)->toolTip(), u"video_wait"_s);

    record.state = TaskState::Failed;
    record.lastError = u"Prompt contains inappropriate content"_s;
    pane->showTask(record);
    QVERIFY2(pane->message().contains(u"failed"_s), qPrintable(pane->message()));

    record.state = TaskState::Expired;
    pane->showTask(record);
    QVERIFY2(pane->message().contains(u"expired"_s), qPrintable(pane->message()));
}

void tst_PreviewPane::fileWithoutPictureSaysWhatIsMissing()
{
    const QString path = m_dir.filePath(u"sound_only.wav"_s);
    QVERIFY(writeFile(path, makeWav()));
    auto pane = makePane();
    pane->showTask(savedRecord(u"video_sound"_s, path));
    // Loaded fine, but no video stream: a message, not a black rectangle.
    QTRY_VERIFY_WITH_TIMEOUT(pane->message().contains(u"gstreamer1.0-libav"_s), PlaybackTimeoutMs);
    QVERIFY(!pane->player()->hasVideo());
    QVERIFY(!pane->findChild<QVideoWidget *>(u"previewVideo"_s)->isVisible());
    if (canDecodeH264())
        QVERIFY2(pane->message().startsWith(u"This video has no picture"_s), qPrintable(pane->message()));
    else
        QVERIFY2(pane->message().startsWith(u"Install gstreamer1.0-libav to play H.264 videos."_s), qPrintable(pane->message()));
}

void tst_PreviewPane::brokenFileExplainsTheError()
{
    const QString path = m_dir.filePath(u"broken.mp4"_s);
    QVERIFY(writeFile(path, QByteArray("this is not a video, just some text\n").repeated(50)));
    auto pane = makePane();
    pane->showTask(savedRecord(u"video_broken"_s, path));
    QTRY_VERIFY_WITH_TIMEOUT(!pane->message().isEmpty() && !pane->message().startsWith(u"Loading"_s), PlaybackTimeoutMs);
    QVERIFY2(pane->message().contains(u"can't be played"_s) || pane->message().contains(u"plugin"_s),
             qPrintable(pane->message()));
    QVERIFY(pane->message().contains(u"gstreamer1.0-plugins-good"_s));
    QVERIFY(!pane->findChild<QToolButton *>(u"playPauseButton"_s)->isEnabled());

    // A missing saved file is explained too.
    pane->showTask(savedRecord(u"video_gone"_s, m_dir.filePath(u"gone.mp4"_s)));
    QTRY_VERIFY_WITH_TIMEOUT(pane->message().contains(u"can't be played"_s), PlaybackTimeoutMs);
}

void tst_PreviewPane::missingH264DecoderNamesThePackage()
{
    if (qEnvironmentVariableIsEmpty(ChildModeVariable)) {
        // GStreamer reads feature ranks when it starts, so the decoder is hidden in a child
        // process: this same binary, running only this test.
        requireH264();
        QProcess child;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QString::fromLatin1(ChildModeVariable), u"1"_s);
        env.insert(u"GST_PLUGIN_FEATURE_RANK"_s, u"avdec_h264:NONE"_s);
        env.insert(u"QT_QPA_PLATFORM"_s, u"offscreen"_s);
        child.setProcessEnvironment(env);
        child.setProcessChannelMode(QProcess::MergedChannels);
        child.start(QCoreApplication::applicationFilePath(), {u"missingH264DecoderNamesThePackage"_s});
        QVERIFY(child.waitForFinished(60'000));
        const QByteArray output = child.readAll();
        if (output.contains("SKIP   : tst_PreviewPane::missingH264DecoderNamesThePackage"))
            QSKIP("another H.264 decoder than avdec_h264 is installed; it cannot be hidden by rank");
        QVERIFY2(child.exitStatus() == QProcess::NormalExit && child.exitCode() == 0, output.constData());
        QVERIFY2(output.contains("PASS   : tst_PreviewPane::missingH264DecoderNamesThePackage"), output.constData());
        return;
    }

    if (canDecodeH264())
        QSKIP("an H.264 decoder other than avdec_h264 is still available");
    auto pane = makePane();
    FrameCollector frames(pane->videoSink());
    pane->showTask(savedRecord(u"video_h264"_s, m_demoPath));
    QTRY_VERIFY_WITH_TIMEOUT(pane->message().startsWith(u"Install gstreamer1.0-libav to play H.264 videos."_s),
                             PlaybackTimeoutMs);
    QVERIFY(pane->message().contains(u"sudo apt install gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-libav"_s));
    QVERIFY(!pane->player()->hasVideo());
    QCOMPARE(frames.count, 0);
    QVERIFY(!pane->findChild<QVideoWidget *>(u"previewVideo"_s)->isVisible());
    saveScreenshot(pane.get(), u"preview-missing-decoder.png"_s);
}

QTEST_MAIN(tst_PreviewPane)
#include "tst_previewpane.moc"
