#pragma once

#include <QHashFunctions>
#include <QMetaType>
#include <QString>

// A task is identified by the account it belongs to and the provider's task ID; the same ID
// under two accounts is two tasks.
struct TaskKey
{
    QString accountId;
    QString taskId;

    bool operator==(const TaskKey &other) const = default;
    bool isValid() const { return !accountId.isEmpty() && !taskId.isEmpty(); }
};

inline size_t qHash(const TaskKey &key, size_t seed = 0) noexcept
{
    return qHashMulti(seed, key.accountId, key.taskId);
}

Q_DECLARE_METATYPE(TaskKey)
