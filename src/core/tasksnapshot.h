#pragma once

#include "taskstate.h"
#include "videosource.h"

#include <QDateTime>
#include <QSize>
#include <QString>

// One provider reply, normalised. Adapters produce it; the engine diffs it against the
// previous one so only what changed reaches the store and the views.
struct TaskSnapshot
{
    TaskState state = TaskState::Unknown;
    QString providerStatus;     // the status word exactly as the provider wrote it
    int progress = -1;          // 0..100; -1 when the provider reports none
    QString model;
    double durationSeconds = -1; // video length; -1 unknown
    QSize resolution;            // invalid when unknown
    QString errorMessage;        // the provider's own words when it failed
    VideoSource source;          // set once the video exists
    QDateTime expiresAt;         // when the API says the asset/URL lapses (UTC); invalid if unknown
    QDateTime createdAt;         // when the provider created the task (UTC); invalid if unknown

    bool operator==(const TaskSnapshot &other) const = default;
};

Q_DECLARE_METATYPE(TaskSnapshot)
