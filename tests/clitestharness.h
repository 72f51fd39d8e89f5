#pragma once

#include <QByteArray>
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

    CliTestHarness();
    ~CliTestHarness();

    void setApiKey(const QByteArray &key) { m_apiKey = key; }
    void unsetApiKey() { m_apiKey.clear(); m_unsetKey = true; }
    // Starts the CLI; returns at once.
    void start(const QStringList &arguments, const QByteArray &stdinData = {});
    // Spins the event loop until the CLI exits (or timeoutMs passes: then kills it and fails).
    Result waitForFinished(int timeoutMs = 60'000);
    // Spins the event loop until stdout contains `needle` (true) or the process ends (false).
    bool waitForOutput(const QByteArray &needle, int timeoutMs = 30'000);
    void killHard();   // SIGKILL, like a crash or the OOM killer
    QByteArray currentOut() const { return m_out; }

private:
    QProcess *m_process = nullptr;
    QByteArray m_apiKey = "test-key";
    bool m_unsetKey = false;
    QByteArray m_out;
    QByteArray m_err;
};
