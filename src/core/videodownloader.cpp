#include "videodownloader.h"

#include "downloadjob.h"
#include "logging.h"

#include <QHash>
#include <QList>

#include <algorithm>

struct VideoDownloader::Private
{
    QNetworkAccessManager *manager = nullptr;
    int maxConcurrent = 3;
    QList<DownloadRequest> queue;          // waiting, in order of arrival
    QHash<TaskKey, DownloadJob *> running;
};

VideoDownloader::VideoDownloader(QNetworkAccessManager *manager, QObject *parent)
    : QObject(parent), d(std::make_unique<Private>())
{
    d->manager = manager;
}

VideoDownloader::~VideoDownloader()
{
    // Jobs are children: they abort their replies quietly when deleted. Partials stay.
    for (DownloadJob *job : std::as_const(d->running))
        job->disconnect(this);
}

void VideoDownloader::setMaxConcurrent(int count)
{
    d->maxConcurrent = qMax(1, count);
    startQueued();
}

int VideoDownloader::maxConcurrent() const
{
    return d->maxConcurrent;
}

void VideoDownloader::start(const DownloadRequest &request)
{
    if (d->running.contains(request.key)) {
        qCWarning(lcDownload) << "a download for this task is already running; ignoring the new request";
        return;
    }
    for (DownloadRequest &queued : d->queue) {
        if (queued.key == request.key) {
            queued = request; // newer information (a fresh URL), same place in the line
            return;
        }
    }
    d->queue.append(request);
    startQueued();
}

void VideoDownloader::cancel(const TaskKey &key)
{
    if (DownloadJob *job = d->running.value(key)) {
        job->cancel(); // finished(Cancelled) arrives through onJobFinished
        return;
    }
    for (qsizetype i = 0; i < d->queue.size(); ++i) {
        if (d->queue.at(i).key == key) {
            const DownloadRequest request = d->queue.takeAt(i);
            DownloadResult result;
            result.status = DownloadResult::Status::Cancelled;
            result.partialPath = request.partialPath;
            result.etag = request.etag;
            result.message = tr("The download was cancelled before it started.");
            emit finished(key, result);
            return;
        }
    }
}

bool VideoDownloader::isActive(const TaskKey &key) const
{
    if (d->running.contains(key))
        return true;
    return std::any_of(d->queue.cbegin(), d->queue.cend(), [&key](const DownloadRequest &r) { return r.key == key; });
}

int VideoDownloader::activeCount() const
{
    return int(d->running.size());
}

int VideoDownloader::queuedCount() const
{
    return int(d->queue.size());
}

void VideoDownloader::startQueued()
{
    while (d->running.size() < d->maxConcurrent && !d->queue.isEmpty()) {
        const DownloadRequest request = d->queue.takeFirst();
        const TaskKey key = request.key;
        auto *job = new DownloadJob(d->manager, request, this);
        d->running.insert(key, job);
        connect(job, &DownloadJob::started, this, [this, key](const QString &partialPath) {
            emit started(key, partialPath);
        });
        connect(job, &DownloadJob::progressed, this, [this, key](qint64 received, qint64 total) {
            emit progressed(key, received, total);
        });
        connect(job, &DownloadJob::resumeInfoChanged, this,
                [this, key](const QString &partialPath, const QByteArray &etag) {
                    emit resumeInfoChanged(key, partialPath, etag);
                });
        connect(job, &DownloadJob::finished, this, [this, job, key](const DownloadResult &result) {
            // Free the slot before telling anyone: a listener may start this task again at once.
            d->running.remove(key);
            job->disconnect(this);
            job->deleteLater();
            emit finished(key, result);
            startQueued();
        });
        job->start();
    }
}
