#pragma once

#include "downloadrequest.h"

#include <QObject>

#include <memory>

class QNetworkAccessManager;

// Saves videos to disk. Streams each body to "<final>.part" beside the final name with a
// bounded buffer (memory stays flat at any size), resumes dropped connections with Range +
// If-Range, decodes base64 bodies on the fly, checks size and that the bytes are a video, and
// only then renames into place. Follows redirects itself so a key never leaves its origin.
class VideoDownloader : public QObject
{
    Q_OBJECT

public:
    explicit VideoDownloader(QNetworkAccessManager *manager, QObject *parent = nullptr);
    ~VideoDownloader() override;

    void setMaxConcurrent(int count);  // further requests wait in order of arrival
    int maxConcurrent() const;         // default 3
    // A key already running is ignored; a key still waiting gets the newer request in its place.
    void start(const DownloadRequest &request);
    // Running: aborted, partial kept. Waiting: removed. Either way finished(Cancelled) follows.
    void cancel(const TaskKey &key);
    bool isActive(const TaskKey &key) const;  // running or waiting
    int activeCount() const;                  // running
    int queuedCount() const;                  // waiting for a free slot

signals:
    void started(const TaskKey &key, const QString &partialPath);
    // total -1 when unknown. Emitted at most a few times a second per download.
    void progressed(const TaskKey &key, qint64 bytesReceived, qint64 bytesTotal);
    // The partial file's validator became known (store it for a resume after a crash).
    void resumeInfoChanged(const TaskKey &key, const QString &partialPath, const QByteArray &etag);
    void finished(const TaskKey &key, const DownloadResult &result);

private:
    void startQueued();

    struct Private;
    std::unique_ptr<Private> d;
};
