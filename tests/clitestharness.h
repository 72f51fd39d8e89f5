#pragma once

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QProcess>
#include <QProcessEnvironment>
#include <QStringList>

// Runs the real reelkeep-cli binary as a child process while the test's event loop keeps
// serving the in-process fake provider server. Output is captured as it arrives so a test can
// react mid-run (e.g. kill -9 once a download has started).
class CliTestHarness
{
public:
    struct Result
    {
        int exitCode = -1;
        QProcess::ExitStatus exitStatus = QProcess::NormalExit;
        QByteArray out;
        QByteArray err;
        QList<QJsonObject> events;   // parsed JSON lines of stdout (when --json)
        QList<QJsonObject> eventsOf(const QString &type) const;
        QList<QJsonObject> eventsFor(const QString &taskId, const QString &type = {}) const;
        QJsonObject summary() const;
        bool allLinesAreJson = true;
    };

    // One row of the store's tasks table, read directly (not through TaskStore) so a test sees
    // exactly what a crash left on disk.
    struct StoredTask
    {
        QString state;
        QString lastError;
        QString filePath;
        QString sha256;
        QString partialPath;
    };
    // task ID -> row; *integrity gets PRAGMA integrity_check's answer ("ok" when sound).
    static QHash<QString, StoredTask> readStore(const QString &storePath, QString *integrity = nullptr);

    CliTestHarness();
    ~CliTestHarness();

    void setApiKey(const QByteArray &key) { m_apiKey = key; }
    void unsetApiKey() { m_apiKey.clear(); m_unsetKey = true; }
    // Runs the next start()s with RLIMIT_FSIZE at this many bytes (-1: inherited), like
    // `ulimit -f`: the CLI's files cannot grow past it, as on a full disk.
    void setFileSizeLimit(qint64 bytes) { m_fileSizeLimit = bytes; }
    // Starts the CLI; returns at once.
    void start(const QStringList &arguments, const QByteArray &stdinData = {});
    // Spins the event loop until the CLI exits (or timeoutMs passes: then kills it and fails).
    Result waitForFinished(int timeoutMs = 60'000);
    // Spins the event loop until stdout contains `needle` (true) or the process ends (false).
    bool waitForOutput(const QByteArray &needle, int timeoutMs = 30'000);
    void killHard();   // SIGKILL, like a crash or the OOM killer
    QByteArray currentOut() const { return m_out; }
    qint64 processId() const { return m_process ? m_process->processId() : 0; }
    bool isRunning() const { return m_process && m_process->state() != QProcess::NotRunning; }

private:
    QProcess *m_process = nullptr;
    QByteArray m_apiKey = "test-key";
    bool m_unsetKey = false;
    qint64 m_fileSizeLimit = -1;
    QByteArray m_out;
    QByteArray m_err;
};
