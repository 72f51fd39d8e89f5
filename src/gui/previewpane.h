#pragma once

#include "taskkey.h"

#include <QUrl>
#include <QWidget>

#include <functional>

class QAudioOutput;
class QLabel;
class QMediaPlayer;
class QSlider;
class QStackedWidget;
class QToolButton;
class QVideoSink;
class QVideoWidget;
struct TaskRecord;

// Plays a task's video beside the list: the saved file when there is one, otherwise the
// temporary signed URL streamed straight from the CDN (QMediaPlayer sends no Authorization
// header, so no API key ever reaches it; a URL that needs the key is not streamed at all).
// When the video loads without a picture it says which package is missing instead of showing
// black, because on Debian H.264 needs GStreamer's libav plugin, which is easy to lack.
class PreviewPane : public QWidget
{
    Q_OBJECT

public:
    explicit PreviewPane(QWidget *parent = nullptr);
    ~PreviewPane() override;

    // Shows this task: plays its saved file, streams its link, or says why neither is possible.
    // Calling it again for the same task and the same source keeps playback going, so the window
    // may call it on every change of the selected row.
    void showTask(const TaskRecord &record);
    // Back to the placeholder: stops playback and forgets the task.
    void clear();
    void togglePlayback();

    // Where an account's API lives. A video URL on that origin needs the key, which the player
    // must never get, so such a video is only shown once saved. Without a lookup every URL is
    // tried as is (it can only fail: the player sends no key).
    void setApiBaseUrlLookup(std::function<QUrl(const QString &accountId)> lookup);
    // Start playing as soon as a task is shown (default on).
    void setAutoPlay(bool autoPlay);
    bool autoPlay() const { return m_autoPlay; }

    TaskKey currentTask() const { return m_key; }
    QUrl currentSource() const { return m_source; }
    // What the pane says instead of a picture (placeholder, reason, missing package); empty
    // while the video is on screen.
    QString message() const;

    QMediaPlayer *player() const { return m_player; }
    // The video widget's sink: where decoded frames arrive.
    QVideoSink *videoSink() const;

signals:
    // The source changed (a new task, or the same task now saved): for the window's title bits.
    void sourceChanged(const QUrl &source);

protected:
    void changeEvent(QEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    enum class Origin
    {
        None,
        File,
        Stream
    };

    // What the pane says instead of a picture: a headline, an explanation, and a command to
    // copy (the apt line) when one helps.
    struct Message
    {
        QString headline;
        QString body;
        QString command;
        bool warning = false;
    };

    void buildUi();
    void updateIcons();
    void setTitle(const QString &title, const QString &detail);
    void updateTitle();
    void setSource(const QUrl &source, Origin origin);
    void showMessage(const Message &message);
    void showVideo();
    void updateControls();
    void updateTimeLabel();
    void onMediaStatusChanged();
    void onErrorOccurred(int error, const QString &errorString);
    void checkForPicture();
    void applyVolume();
    Message noPictureMessage() const;
    Message unplayableMessage(const QString &errorString) const;
    Message reasonWithoutSource(const TaskRecord &record) const;

    QLabel *m_titleLabel;
    QLabel *m_detailLabel;
    QStackedWidget *m_stack;
    QLabel *m_messageIcon;
    QLabel *m_messageHeadline;
    QLabel *m_messageBody;
    QLabel *m_messageCommand;
    QVideoWidget *m_videoWidget;
    QToolButton *m_playButton;
    QSlider *m_positionSlider;
    QLabel *m_timeLabel;
    QToolButton *m_muteButton;
    QSlider *m_volumeSlider;

    QMediaPlayer *m_player;
    QAudioOutput *m_audioOutput;

    std::function<QUrl(const QString &)> m_apiBaseUrlLookup;
    QString m_titleText;
    Message m_message;
    TaskKey m_key;
    QUrl m_source;
    Origin m_origin = Origin::None;
    bool m_autoPlay = true;
    bool m_failed = false; // an error message replaced the picture for the current source
    bool m_pausedForNoPicture = false;
};
