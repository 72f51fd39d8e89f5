#pragma once

#include "taskrecord.h"

#include <QList>

// Decides which row actions apply to a selection of tasks, and to which of the selected tasks.
// Kept out of the view so the rules (e.g. "Retry" only for failed or expired tasks) are tested
// on plain records, and the context menu, the Tasks menu and the toolbar all agree.
class TaskActions
{
public:
    enum class Action
    {
        Download,
        Preview,
        OpenFile,
        ShowInFolder,
        CopyTaskId,
        CopyVideoUrl,
        PollNow,
        Retry,
        PausePolling,
        ResumePolling,
        Remove
    };

    TaskActions() = default;
    explicit TaskActions(const QList<TaskRecord> &selection);

    bool isEmpty() const { return m_selection.isEmpty(); }
    int selectionSize() const { return int(m_selection.size()); }
    const QList<TaskRecord> &selection() const { return m_selection; }

    // An action is enabled when it applies to at least one selected task (Preview: exactly one).
    bool isEnabled(Action action) const;
    // The selected tasks the action would act on, in selection order.
    QList<TaskKey> targets(Action action) const;
    QList<TaskRecord> targetRecords(Action action) const;

    static bool appliesTo(Action action, const TaskRecord &record);
    // The video's URL as text when the task has one (signed CDN link or API URL); empty if not.
    static QString videoUrlOf(const TaskRecord &record);

private:
    QList<TaskRecord> m_selection;
};
