#include "taskstate.h"

#include <array>

using namespace Qt::StringLiterals;

namespace
{
struct StateName
{
    TaskState state;
    QLatin1StringView name;
};

constexpr std::array stateNames{
    StateName{TaskState::Unknown, "unknown"_L1},
    StateName{TaskState::Queued, "queued"_L1},
    StateName{TaskState::Processing, "processing"_L1},
    StateName{TaskState::Completed, "completed"_L1},
    StateName{TaskState::Failed, "failed"_L1},
    StateName{TaskState::Downloading, "downloading"_L1},
    StateName{TaskState::Saved, "saved"_L1},
    StateName{TaskState::Expired, "expired"_L1},
};
} // namespace

QString taskStateName(TaskState state)
{
    for (const auto &entry : stateNames) {
        if (entry.state == state)
            return entry.name;
    }
    return u"unknown"_s;
}

TaskState taskStateFromName(QStringView name, bool *ok)
{
    for (const auto &entry : stateNames) {
        if (name.compare(entry.name, Qt::CaseInsensitive) == 0) {
            if (ok)
                *ok = true;
            return entry.state;
        }
    }
    if (ok)
        *ok = false;
    return TaskState::Unknown;
}

bool isFinalState(TaskState state)
{
    return state == TaskState::Failed || state == TaskState::Saved || state == TaskState::Expired;
}

bool isPollingState(TaskState state)
{
    return state == TaskState::Unknown || state == TaskState::Queued || state == TaskState::Processing;
}
