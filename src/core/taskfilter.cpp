#include "taskfilter.h"

bool TaskFilter::inCategory(const TaskRecord &record, Category category)
{
    switch (category) {
    case Category::All:
        return true;
    case Category::Active:
        return isPollingState(record.state) || record.state == TaskState::Downloading
            || record.state == TaskState::Completed;
    case Category::Completed:
        return record.state == TaskState::Completed || record.state == TaskState::Downloading;
    case Category::Saved:
        return record.state == TaskState::Saved;
    case Category::Failed:
        return record.state == TaskState::Failed;
    case Category::Expired:
        return record.state == TaskState::Expired;
    }
    return true;
}

bool TaskFilter::matchesText(const TaskRecord &record) const
{
    if (m_text.isEmpty())
        return true;
    return record.key.taskId.contains(m_text, Qt::CaseInsensitive)
        || record.snapshot.model.contains(m_text, Qt::CaseInsensitive)
        || record.lastError.contains(m_text, Qt::CaseInsensitive)
        || record.snapshot.errorMessage.contains(m_text, Qt::CaseInsensitive);
}
