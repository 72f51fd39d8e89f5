#pragma once

#include "taskkey.h"
#include "tasksnapshot.h"

#include <QByteArray>
#include <QDateTime>
#include <QString>

// Everything Reelkeep knows about one task: the provider's latest snapshot plus our own
// progress with the bytes. This is what the store persists and the task model presents.
struct TaskRecord
{
    TaskKey key;
    TaskState state = TaskState::Queued;   // our state (adds downloading/saved/expired to the provider's)
    TaskSnapshot snapshot;                 // latest normalised provider reply
    QDateTime addedAt;                     // UTC
    QDateTime updatedAt;                   // UTC: last time anything changed
    QDateTime lastPolledAt;                // UTC
    QString lastError;                     // the latest problem, in words; empty when fine
    int retryCount = 0;                    // transient errors in a row
    bool pollingPaused = false;

    // Download
    QString filePath;        // saved file (absolute)
    QByteArray sha256Hex;
    QString partialPath;     // partial file being written (absolute)
    QByteArray etag;
    qint64 bytesReceived = 0;
    qint64 bytesTotal = -1;
    QByteArray videoUrl;     // the signed URL as received
    QDateTime urlExpiresAt;  // from the URL's signature or the API (UTC)

    bool operator==(const TaskRecord &other) const = default;
};

// One entry of a task's history: each status change with its time and the provider's words.
struct TaskEvent
{
    TaskKey key;
    QDateTime at;       // UTC
    TaskState state;
    QString message;
};
