#pragma once

#include "downloadrequest.h"
#include "taskrecord.h"

#include <QString>
#include <QStringList>

// How reelkeep-cli tells the user what happens: JSON lines for scripts, or a live view for people.
class CliReporter
{
public:
    struct Summary
    {
        int total = 0;
        int saved = 0;
        int failed = 0;
        int expired = 0;
        int unfinished = 0;   // still queued/processing/downloading when the run ended
        bool timedOut = false;
        int exitCode = 0;
    };

    virtual ~CliReporter() = default;
    // A task's state or progress changed. `message` explains failures and notable moments.
    virtual void taskStatus(const TaskRecord &record, int progress, const QString &message) = 0;
    virtual void taskSaved(const TaskRecord &record, const DownloadResult &result) = 0;
    // Something the user should know that is not one task's status (goes to stderr).
    virtual void notice(const QString &text) = 0;
    virtual void summary(const Summary &summary) = 0;
    // Called a few times a second; a live view redraws here.
    virtual void refresh() {}
    // The IDs this run watches, before any status arrives (lets a view align its columns).
    virtual void setTaskIds(const QStringList &ids) { Q_UNUSED(ids) }
};
