#pragma once

#include <QMetaType>
#include <QString>
#include <QStringView>

// The normalised life cycle every provider's statuses are mapped onto. The machine names
// ("queued", "processing", ...) are stable: they appear in the CLI's JSON, the store and exports.
enum class TaskState
{
    Unknown,     // the provider answered with a status we do not know; polling goes on
    Queued,
    Processing,
    Completed,   // generation finished, the video is waiting to be saved
    Failed,
    Downloading,
    Saved,
    Expired      // finished, but the video can no longer be fetched
};

QString taskStateName(TaskState state);
TaskState taskStateFromName(QStringView name, bool *ok = nullptr);

// No more polling and no more downloading will happen on its own.
bool isFinalState(TaskState state);
// Generation is still going on at the provider: the poller keeps asking.
bool isPollingState(TaskState state);

Q_DECLARE_METATYPE(TaskState)
