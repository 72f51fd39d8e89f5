#include "taskactions.h"

#include <QUrl>

TaskActions::TaskActions(const QList<TaskRecord> &selection) : m_selection(selection)
{
}

QString TaskActions::videoUrlOf(const TaskRecord &record)
{
    // The URL the engine actually fetched wins; before that, what the provider told us.
    QByteArray url = record.videoUrl;
    if (url.isEmpty() && (record.snapshot.source.kind == VideoSource::Kind::Url
                          || record.snapshot.source.kind == VideoSource::Kind::Base64Endpoint)) {
        url = record.snapshot.source.url;
    }
    return url.isEmpty() ? QString() : QUrl::fromEncoded(url).toString(QUrl::FullyEncoded);
}

bool TaskActions::appliesTo(Action action, const TaskRecord &record)
{
    const TaskState state = record.state;
    switch (action) {
    case Action::Download:
        // The engine saves completed videos it knows the location of; failed downloads go
        // through Retry, which asks for a fresh link first.
        return state == TaskState::Completed && record.snapshot.source.isValid();
    case Action::Preview:
        return !record.filePath.isEmpty()
            || (state != TaskState::Expired && record.snapshot.source.kind == VideoSource::Kind::Url);
    case Action::OpenFile:
    case Action::ShowInFolder:
        return state == TaskState::Saved && !record.filePath.isEmpty();
    case Action::CopyTaskId:
    case Action::Remove:
        return true;
    case Action::CopyVideoUrl:
        return !videoUrlOf(record).isEmpty();
    case Action::PollNow:
        // Asking again makes sense while generation runs and for a finished task whose link may
        // have changed; a saved file or a running download has nothing to learn from it.
        return state != TaskState::Saved && state != TaskState::Downloading && !record.pollingPaused;
    case Action::Retry:
        return state == TaskState::Failed || state == TaskState::Expired;
    case Action::PausePolling:
        return isPollingState(state) && !record.pollingPaused;
    case Action::ResumePolling:
        return record.pollingPaused;
    }
    return false;
}

bool TaskActions::isEnabled(Action action) const
{
    if (action == Action::Preview)
        return m_selection.size() == 1 && appliesTo(action, m_selection.first());
    for (const TaskRecord &record : m_selection) {
        if (appliesTo(action, record))
            return true;
    }
    return false;
}

QList<TaskKey> TaskActions::targets(Action action) const
{
    QList<TaskKey> keys;
    if (action == Action::Preview && m_selection.size() != 1)
        return keys;
    for (const TaskRecord &record : m_selection) {
        if (appliesTo(action, record))
            keys << record.key;
    }
    return keys;
}

QList<TaskRecord> TaskActions::targetRecords(Action action) const
{
    QList<TaskRecord> records;
    if (action == Action::Preview && m_selection.size() != 1)
        return records;
    for (const TaskRecord &record : m_selection) {
        if (appliesTo(action, record))
            records << record;
    }
    return records;
}
