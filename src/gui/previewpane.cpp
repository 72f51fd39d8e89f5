#include "previewpane.h"

#include "apicredentials.h"
#include "taskrecord.h"

#include <QAudio>
#include <QAudioOutput>
#include <QDateTime>
#include <QEvent>
#include <QFileInfo>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QMediaFormat>
#include <QMediaPlayer>
#include <QSettings>
#include <QSlider>
#include <QStackedWidget>
#include <QStyle>
#include <QToolButton>
#include <QVBoxLayout>
#include <QVideoSink>
#include <QVideoWidget>

#include <algorithm>
#include <limits>
#include <utility>

using namespace Qt::StringLiterals;

namespace {

const QString VolumeKey = u"Preview/volume"_s;
const QString MutedKey = u"Preview/muted"_s;
constexpr int DefaultVolume = 80;
constexpr int SeekStepMs = 5000;

// The Debian packages GStreamer needs for what providers send (MP4 with H.264 and AAC).
const QString InstallCommand = u"sudo apt install gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-libav"_s;

QString formatTime(qint64 ms, bool withHours)
{
    const qint64 seconds = std::max<qint64>(0, ms) / 1000;
    if (withHours)
        return u"%1:%2:%3"_s.arg(seconds / 3600).arg(seconds / 60 % 60, 2, 10, QLatin1Char('0')).arg(seconds % 60, 2, 10, QLatin1Char('0'));
    return u"%1:%2"_s.arg(seconds / 60).arg(seconds % 60, 2, 10, QLatin1Char('0'));
}

bool canDecodeH264()
{
    const QList<QMediaFormat::VideoCodec> codecs = QMediaFormat().supportedVideoCodecs(QMediaFormat::Decode);
    return codecs.contains(QMediaFormat::VideoCodec::H264);
}

// GStreamer's own wording when a plugin is missing ("Your GStreamer installation is missing a
// plug-in.", "No decoder available for type ..."). Translated GStreamer messages fall through to
// the generic text, which names the packages too.
bool mentionsMissingPlugin(const QString &errorString)
{
    return errorString.contains(u"plug-in"_s, Qt::CaseInsensitive)
           || errorString.contains(u"plugin"_s, Qt::CaseInsensitive)
           || errorString.contains(u"decoder"_s, Qt::CaseInsensitive);
}

} // namespace

PreviewPane::PreviewPane(QWidget *parent)
    : QWidget(parent)
    , m_player(new QMediaPlayer(this))
    , m_audioOutput(new QAudioOutput(this))
{
    buildUi();
    m_player->setAudioOutput(m_audioOutput);
    m_player->setVideoOutput(m_videoWidget);

    connect(m_player, &QMediaPlayer::playbackStateChanged, this, &PreviewPane::updateControls);
    connect(m_player, &QMediaPlayer::seekableChanged, this, &PreviewPane::updateControls);
    connect(m_player, &QMediaPlayer::durationChanged, this, [this](qint64 duration) {
        m_positionSlider->setRange(0, int(std::min<qint64>(duration, std::numeric_limits<int>::max())));
        updateTimeLabel();
        updateControls();
    });
    connect(m_player, &QMediaPlayer::positionChanged, this, [this](qint64 position) {
        // While the user drags, the handle is theirs.
        if (!m_positionSlider->isSliderDown())
            m_positionSlider->setValue(int(std::min<qint64>(position, m_positionSlider->maximum())));
        updateTimeLabel();
    });
    // Queued: GStreamer reports "loaded" before it publishes the streams it found (hasVideo),
    // in the same call; deciding right away would call a streamed video picture-less.
    connect(m_player, &QMediaPlayer::mediaStatusChanged, this, &PreviewPane::onMediaStatusChanged, Qt::QueuedConnection);
    connect(m_player, &QMediaPlayer::hasVideoChanged, this, [this](bool hasVideo) {
        if (!hasVideo || m_failed || m_source.isEmpty())
            return;
        showVideo();
        // A picture turned up after all: undo the pause of checkForPicture().
        if (std::exchange(m_pausedForNoPicture, false) && m_autoPlay)
            m_player->play();
    });
    connect(m_player, &QMediaPlayer::errorOccurred, this,
            [this](QMediaPlayer::Error error, const QString &errorString) { onErrorOccurred(int(error), errorString); });

    connect(m_playButton, &QToolButton::clicked, this, &PreviewPane::togglePlayback);
    connect(m_positionSlider, &QSlider::sliderMoved, m_player, [this](int position) { m_player->setPosition(position); });
    connect(m_positionSlider, &QSlider::actionTriggered, this, [this](int action) {
        // Clicks on the groove and keys; drags are handled by sliderMoved.
        if (action != QAbstractSlider::SliderMove && action != QAbstractSlider::SliderNoAction)
            m_player->setPosition(m_positionSlider->sliderPosition());
    });
    connect(m_volumeSlider, &QSlider::valueChanged, this, [this] {
        applyVolume();
        QSettings().setValue(VolumeKey, m_volumeSlider->value());
    });
    connect(m_muteButton, &QToolButton::toggled, this, [this](bool muted) {
        applyVolume();
        updateIcons();
        QSettings().setValue(MutedKey, muted);
    });

    const QSettings settings;
    m_volumeSlider->setValue(std::clamp(settings.value(VolumeKey, DefaultVolume).toInt(), 0, 100));
    m_muteButton->setChecked(settings.value(MutedKey, false).toBool());
    applyVolume();
    clear();
}

PreviewPane::~PreviewPane()
{
    // Stop the pipeline before the widgets it renders into go away.
    m_player->stop();
}

void PreviewPane::buildUi()
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->setSpacing(6);

    m_titleLabel = new QLabel(this);
    m_titleLabel->setObjectName(u"previewTitle"_s);
    m_titleLabel->setTextFormat(Qt::PlainText);
    m_titleLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont titleFont = m_titleLabel->font();
    titleFont.setBold(true);
    m_titleLabel->setFont(titleFont);
    // Long task IDs must not widen the pane; the full ID is in the tooltip.
    m_titleLabel->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_detailLabel = new QLabel(this);
    m_detailLabel->setObjectName(u"previewDetail"_s);
    m_detailLabel->setTextFormat(Qt::PlainText);
    m_detailLabel->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_detailLabel->setForegroundRole(QPalette::PlaceholderText);
    layout->addWidget(m_titleLabel);
    layout->addWidget(m_detailLabel);

    m_stack = new QStackedWidget(this);
    m_stack->setMinimumSize(240, 135);
    m_stack->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);

    auto *messagePage = new QWidget(m_stack);
    messagePage->setObjectName(u"previewMessagePage"_s);
    messagePage->setBackgroundRole(QPalette::Base);
    messagePage->setAutoFillBackground(true);
    auto *messageLayout = new QVBoxLayout(messagePage);
    messageLayout->setContentsMargins(18, 18, 18, 18);
    messageLayout->setSpacing(10);
    messageLayout->addStretch();
    m_messageIcon = new QLabel(messagePage);
    m_messageIcon->setAlignment(Qt::AlignCenter);
    messageLayout->addWidget(m_messageIcon);
    auto makeLabel = [messagePage, messageLayout](const QString &name) {
        auto *label = new QLabel(messagePage);
        label->setObjectName(name);
        label->setTextFormat(Qt::PlainText);
        label->setAlignment(Qt::AlignCenter);
        label->setWordWrap(true);
        // So package names and the apt command can be copied.
        label->setTextInteractionFlags(Qt::TextSelectableByMouse);
        messageLayout->addWidget(label);
        return label;
    };
    m_messageHeadline = makeLabel(u"previewMessage"_s);
    m_messageBody = makeLabel(u"previewMessageBody"_s);
    m_messageCommand = makeLabel(u"previewMessageCommand"_s);
    m_messageCommand->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    messageLayout->addStretch();

    m_videoWidget = new QVideoWidget(m_stack);
    m_videoWidget->setObjectName(u"previewVideo"_s);
    m_videoWidget->setAspectRatioMode(Qt::KeepAspectRatio);
    m_stack->addWidget(messagePage);
    m_stack->addWidget(m_videoWidget);
    layout->addWidget(m_stack, 1);

    auto *controls = new QHBoxLayout;
    controls->setSpacing(6);
    m_playButton = new QToolButton(this);
    m_playButton->setObjectName(u"playPauseButton"_s);
    m_playButton->setAutoRaise(true);
    m_positionSlider = new QSlider(Qt::Horizontal, this);
    m_positionSlider->setObjectName(u"positionSlider"_s);
    m_positionSlider->setSingleStep(1000);
    m_positionSlider->setPageStep(SeekStepMs);
    m_positionSlider->setToolTip(tr("Seek"));
    m_positionSlider->setAccessibleName(tr("Position"));
    m_timeLabel = new QLabel(this);
    m_timeLabel->setObjectName(u"timeLabel"_s);
    m_timeLabel->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    m_timeLabel->setMinimumWidth(m_timeLabel->fontMetrics().horizontalAdvance(u"00:00 / 00:00"_s));
    m_muteButton = new QToolButton(this);
    m_muteButton->setObjectName(u"muteButton"_s);
    m_muteButton->setCheckable(true);
    m_muteButton->setAutoRaise(true);
    m_volumeSlider = new QSlider(Qt::Horizontal, this);
    m_volumeSlider->setObjectName(u"volumeSlider"_s);
    m_volumeSlider->setRange(0, 100);
    m_volumeSlider->setSingleStep(5);
    m_volumeSlider->setPageStep(20);
    m_volumeSlider->setFixedWidth(80);
    m_volumeSlider->setToolTip(tr("Volume"));
    m_volumeSlider->setAccessibleName(tr("Volume"));
    controls->addWidget(m_playButton);
    controls->addWidget(m_positionSlider, 1);
    controls->addWidget(m_timeLabel);
    controls->addSpacing(6);
    controls->addWidget(m_muteButton);
    controls->addWidget(m_volumeSlider);
    layout->addLayout(controls);

    updateIcons();
}

void PreviewPane::updateIcons()
{
    const bool playing = m_player && m_player->playbackState() == QMediaPlayer::PlayingState;
    m_playButton->setIcon(style()->standardIcon(playing ? QStyle::SP_MediaPause : QStyle::SP_MediaPlay));
    m_playButton->setToolTip(playing ? tr("Pause") : tr("Play"));
    m_playButton->setAccessibleName(m_playButton->toolTip());
    const bool muted = m_muteButton->isChecked();
    m_muteButton->setIcon(style()->standardIcon(muted ? QStyle::SP_MediaVolumeMuted : QStyle::SP_MediaVolume));
    m_muteButton->setToolTip(muted ? tr("Unmute") : tr("Mute"));
    m_muteButton->setAccessibleName(m_muteButton->toolTip());
}

void PreviewPane::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::StyleChange || event->type() == QEvent::PaletteChange)
        updateIcons();
    QWidget::changeEvent(event);
}

void PreviewPane::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    updateTitle();
}

void PreviewPane::setTitle(const QString &title, const QString &detail)
{
    m_titleText = title;
    m_titleLabel->setToolTip(title);
    m_detailLabel->setText(detail);
    m_detailLabel->setToolTip(detail);
    m_titleLabel->setVisible(!title.isEmpty());
    m_detailLabel->setVisible(!detail.isEmpty());
    updateTitle();
}

void PreviewPane::updateTitle()
{
    const int width = std::max(0, m_titleLabel->width());
    m_titleLabel->setText(m_titleLabel->fontMetrics().elidedText(m_titleText, Qt::ElideMiddle, width));
}

void PreviewPane::setApiBaseUrlLookup(std::function<QUrl(const QString &accountId)> lookup)
{
    m_apiBaseUrlLookup = std::move(lookup);
}

void PreviewPane::setAutoPlay(bool autoPlay)
{
    m_autoPlay = autoPlay;
}

QString PreviewPane::message() const
{
    if (m_stack->currentWidget() == m_videoWidget)
        return {};
    QStringList parts;
    for (const QString &part : {m_message.headline, m_message.body, m_message.command}) {
        if (!part.isEmpty())
            parts << part;
    }
    return parts.join(u"\n\n"_s);
}

QVideoSink *PreviewPane::videoSink() const
{
    return m_videoWidget->videoSink();
}

void PreviewPane::showTask(const TaskRecord &record)
{
    QUrl source;
    Origin origin = Origin::None;
    QString detail;
    Message reason;

    if (!record.filePath.isEmpty()) {
        source = QUrl::fromLocalFile(record.filePath);
        origin = Origin::File;
        detail = tr("Saved file: %1").arg(QFileInfo(record.filePath).fileName());
    } else if (!record.videoUrl.isEmpty()) {
        // Exactly the bytes the provider sent: a re-encoded signed URL no longer matches its signature.
        const QUrl url = QUrl::fromEncoded(record.videoUrl);
        const QString scheme = url.scheme().toLower();
        const QUrl apiBase = m_apiBaseUrlLookup ? m_apiBaseUrlLookup(record.key.accountId) : QUrl();
        if (!url.isValid() || (scheme != u"http"_s && scheme != u"https"_s)) {
            reason = {tr("Save the video to preview it."), tr("Its link can't be streamed."), {}, false};
        } else if (apiBase.isValid() && ApiCredentials::originOf(apiBase) == ApiCredentials::originOf(url)) {
            reason = {tr("Save the video to preview it."),
                      tr("Its link is on the provider's API and needs your API key, which Reelkeep never hands "
                         "to the video player."),
                      {},
                      false};
        } else if (record.urlExpiresAt.isValid() && record.urlExpiresAt <= QDateTime::currentDateTimeUtc()) {
            reason = {tr("The video's temporary link has expired."),
                      tr("Save the video to preview it: Reelkeep asks the provider for a fresh link when it "
                         "downloads."),
                      {},
                      false};
        } else {
            source = url;
            origin = Origin::Stream;
            detail = tr("Streaming the temporary link (not saved yet)");
        }
    } else {
        reason = reasonWithoutSource(record);
    }
    if (origin == Origin::None && record.state != TaskState::Failed && record.state != TaskState::Expired)
        detail = tr("Not saved yet");

    const bool sameTask = record.key == m_key;
    m_key = record.key;
    setTitle(record.key.taskId, detail);
    if (sameTask && source == m_source && origin == m_origin
        && (origin != Origin::None || reason.headline == m_message.headline))
        return; // the same video is already here: keep it playing

    if (origin == Origin::None) {
        setSource(QUrl(), Origin::None);
        showMessage(reason);
        return;
    }
    setSource(source, origin);
    if (m_autoPlay)
        m_player->play();
}

void PreviewPane::clear()
{
    m_key = {};
    setSource(QUrl(), Origin::None);
    setTitle(QString(), QString());
    showMessage({tr("Select a task to preview its video."), {}, {}, false});
}

void PreviewPane::togglePlayback()
{
    if (m_source.isEmpty())
        return;
    if (m_player->playbackState() == QMediaPlayer::PlayingState)
        m_player->pause();
    else
        m_player->play();
}

void PreviewPane::setSource(const QUrl &source, Origin origin)
{
    const bool changed = source != m_source;
    m_source = source;
    m_origin = origin;
    m_failed = false;
    m_pausedForNoPicture = false;
    m_player->stop();
    m_player->setSource(source);
    m_positionSlider->setValue(0);
    if (!source.isEmpty())
        showMessage({tr("Loading the video…"), {}, {}, false});
    updateTimeLabel();
    updateControls();
    if (changed)
        emit sourceChanged(source);
}

void PreviewPane::showMessage(const Message &message)
{
    m_message = message;
    m_messageHeadline->setText(message.headline);
    m_messageBody->setText(message.body);
    m_messageBody->setVisible(!message.body.isEmpty());
    m_messageCommand->setText(message.command);
    m_messageCommand->setVisible(!message.command.isEmpty());
    QFont headlineFont = font();
    headlineFont.setBold(message.warning);
    m_messageHeadline->setFont(headlineFont);
    if (message.warning) {
        const int size = style()->pixelMetric(QStyle::PM_MessageBoxIconSize, nullptr, this);
        m_messageIcon->setPixmap(style()->standardIcon(QStyle::SP_MessageBoxWarning).pixmap(size, size));
        m_messageHeadline->setForegroundRole(QPalette::WindowText);
    } else {
        m_messageIcon->clear();
        // A hint, not news: the muted colour placeholders use.
        m_messageHeadline->setForegroundRole(QPalette::PlaceholderText);
    }
    m_messageIcon->setVisible(message.warning);
    m_stack->setCurrentIndex(0);
}

void PreviewPane::showVideo()
{
    m_stack->setCurrentWidget(m_videoWidget);
}

void PreviewPane::updateControls()
{
    const bool loaded = !m_source.isEmpty() && !m_failed;
    m_playButton->setEnabled(loaded);
    m_positionSlider->setEnabled(loaded && m_player->isSeekable());
    m_timeLabel->setEnabled(loaded);
    updateIcons();
}

void PreviewPane::updateTimeLabel()
{
    const qint64 duration = m_source.isEmpty() ? 0 : m_player->duration();
    const qint64 position = m_source.isEmpty() ? 0 : m_player->position();
    const bool hours = duration >= 3600 * 1000;
    m_timeLabel->setText(tr("%1 / %2", "position / duration").arg(formatTime(position, hours), formatTime(duration, hours)));
}

void PreviewPane::onMediaStatusChanged()
{
    switch (m_player->mediaStatus()) {
    case QMediaPlayer::LoadedMedia:
    case QMediaPlayer::BufferingMedia:
    case QMediaPlayer::BufferedMedia:
    case QMediaPlayer::EndOfMedia:
        checkForPicture();
        break;
    case QMediaPlayer::NoMedia:
    case QMediaPlayer::LoadingMedia:
    case QMediaPlayer::StalledMedia:
    case QMediaPlayer::InvalidMedia: // errorOccurred says why
        break;
    }
    updateControls();
}

void PreviewPane::checkForPicture()
{
    if (m_failed || m_source.isEmpty())
        return;
    // By the time the media is loaded every stream is known: no video now means no picture will come.
    if (m_player->hasVideo()) {
        showVideo();
    } else {
        // Sound under a warning would be confusing; the play button still plays it if wanted.
        if (m_player->playbackState() == QMediaPlayer::PlayingState) {
            m_player->pause();
            m_pausedForNoPicture = true;
        }
        showMessage(noPictureMessage());
    }
}

void PreviewPane::onErrorOccurred(int error, const QString &errorString)
{
    if (error == QMediaPlayer::NoError || m_source.isEmpty())
        return;
    // GStreamer often follows the real cause with "Internal data stream error": keep the first.
    if (m_failed)
        return;
    m_failed = true;
    showMessage(unplayableMessage(errorString));
    updateControls();
}

void PreviewPane::applyVolume()
{
    // The slider is perceptual (logarithmic); the output wants a linear factor.
    const float linear = float(QAudio::convertVolume(m_volumeSlider->value() / 100.0, QAudio::LogarithmicVolumeScale,
                                                     QAudio::LinearVolumeScale));
    m_audioOutput->setVolume(linear);
    m_audioOutput->setMuted(m_muteButton->isChecked());
}

PreviewPane::Message PreviewPane::noPictureMessage() const
{
    if (!canDecodeH264()) {
        return {tr("Install gstreamer1.0-libav to play H.264 videos."),
                tr("The video loaded, but this system has no decoder for its picture. On Debian, H.264 playback "
                   "needs these packages:"),
                InstallCommand,
                true};
    }
    return {tr("This video has no picture Reelkeep can show."),
            tr("It holds only sound, or its picture uses a format that no installed GStreamer plugin decodes. "
               "On Debian, video playback needs these packages:"),
            InstallCommand,
            true};
}

PreviewPane::Message PreviewPane::unplayableMessage(const QString &errorString) const
{
    if (mentionsMissingPlugin(errorString)) {
        return {tr("A GStreamer plugin this video needs is missing."),
                tr("GStreamer said: %1\nOn Debian, video playback needs these packages:").arg(errorString),
                InstallCommand,
                true};
    }
    if (m_origin == Origin::Stream) {
        return {tr("The temporary link can't be played."),
                tr("The player said: %1\nSave the video to preview it.").arg(errorString),
                {},
                true};
    }
    return {tr("The saved file can't be played."),
            tr("The player said: %1\nThe file may have been moved or deleted, or this system can't decode it. "
               "On Debian, video playback needs these packages:")
                .arg(errorString),
            InstallCommand,
            true};
}

PreviewPane::Message PreviewPane::reasonWithoutSource(const TaskRecord &record) const
{
    switch (record.state) {
    case TaskState::Failed:
        return {tr("This task failed, so there is no video to preview."), record.lastError, {}, false};
    case TaskState::Expired:
        return {tr("The video's link expired before it was saved."), tr("There is nothing to preview."), {}, false};
    case TaskState::Completed:
    case TaskState::Downloading:
    case TaskState::Saved:
        return {tr("The video is being saved."), tr("It will play here when the download finishes."), {}, false};
    case TaskState::Unknown:
    case TaskState::Queued:
    case TaskState::Processing:
        break;
    }
    return {tr("The video isn't ready yet."), tr("It will play here once the task completes."), {}, false};
}
