#pragma once

#include "clioptions.h"
#include "clireporter.h"
#include "taskengine.h"

#include <QHash>
#include <QObject>

#include <memory>

class QNetworkAccessManager;
class QTimer;
class SystemClock;
class TaskStore;

// Runs one reelkeep-cli invocation: records the IDs in the store, polls them, saves every
// video, reports through a CliReporter and finishes with the exit code (0 all saved, 1 any
// failed/expired/unfinished, 2 configuration error).
class CliRunner : public QObject
{
    Q_OBJECT

public:
    CliRunner(const CliOptions &options, std::unique_ptr<CliReporter> reporter, QObject *parent = nullptr);
    ~CliRunner() override;

    // Returns false (exit code 2 already decided) when the store cannot be opened.
    bool start();
    int exitCode() const { return m_exitCode; }
    // --export: writes the store's task list and returns the exit code (0, or 2 with *message).
    static int exportTaskList(const CliOptions &options, QString *message);

signals:
    void finished(int exitCode);

private:
    void onTaskChanged(int row, TaskEngine::Changes changes);
    void onTaskEvent(const TaskEvent &event);
    void scheduleDoneCheck();
    void checkDone();
    void reportOrphanPartials();
    void finish(bool timedOut);
    int progressOf(const TaskRecord &record) const;

    CliOptions m_options;
    std::unique_ptr<CliReporter> m_reporter;
    std::unique_ptr<TaskStore> m_store;
    QNetworkAccessManager *m_manager;
    SystemClock *m_clock;
    TaskEngine *m_engine = nullptr;
    QTimer *m_refreshTimer;
    QTimer *m_timeoutTimer;
    QString m_accountId;
    QHash<QString, std::pair<TaskState, int>> m_lastReported; // task ID -> (state, progress)
    QHash<QString, QString> m_pendingMessage;                 // task ID -> event message to report
    QHash<QString, QString> m_lastReportedError;              // task ID -> last error reported
    bool m_doneCheckQueued = false;
    bool m_finished = false;
    bool m_accountHalted = false;
    int m_exitCode = 0;
};
