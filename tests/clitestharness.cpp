#include "clitestharness.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QJsonDocument>
#include <QTest>

#include <csignal>

using namespace Qt::StringLiterals;

QList<QJsonObject> CliTestHarness::Result::eventsOf(const QString &type) const
{
    QList<QJsonObject> found;
    for (const QJsonObject &event : events) {
        if (event.value(u"event"_s).toString() == type)
            found << event;
    }
    return found;
}

QList<QJsonObject> CliTestHarness::Result::eventsFor(const QString &taskId, const QString &type) const
{
    QList<QJsonObject> found;
    for (const QJsonObject &event : events) {
        if (event.value(u"task"_s).toString() == taskId && (type.isEmpty() || event.value(u"event"_s).toString() == type))
            found << event;
    }
    return found;
}

QJsonObject CliTestHarness::Result::summary() const
{
    const QList<QJsonObject> summaries = eventsOf(u"summary"_s);
    return summaries.size() == 1 ? summaries.first() : QJsonObject();
}

CliTestHarness::CliTestHarness() = default;

CliTestHarness::~CliTestHarness()
{
    if (m_process && m_process->state() != QProcess::NotRunning) {
        m_process->kill();
        m_process->waitForFinished(5000);
    }
    delete m_process;
}

void CliTestHarness::start(const QStringList &arguments, const QByteArray &stdinData)
{
    delete m_process;
    m_out.clear();
    m_err.clear();
    m_process = new QProcess;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(u"REELKEEP_API_KEY"_s);
    if (!m_unsetKey)
        env.insert(u"REELKEEP_API_KEY"_s, QString::fromUtf8(m_apiKey));
    m_process->setProcessEnvironment(env);
    QObject::connect(m_process, &QProcess::readyReadStandardOutput, [this] { m_out += m_process->readAllStandardOutput(); });
    QObject::connect(m_process, &QProcess::readyReadStandardError, [this] { m_err += m_process->readAllStandardError(); });
    m_process->start(QString::fromUtf8(REELKEEP_CLI_PATH), arguments);
    QVERIFY2(m_process->waitForStarted(10'000), qPrintable(m_process->errorString()));
    if (!stdinData.isEmpty())
        m_process->write(stdinData);
    m_process->closeWriteChannel();
}

bool CliTestHarness::waitForOutput(const QByteArray &needle, int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (!m_out.contains(needle)) {
        if (m_process->state() == QProcess::NotRunning || deadline.hasExpired())
            return m_out.contains(needle);
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        QTest::qWait(0);
    }
    return true;
}

void CliTestHarness::killHard()
{
    ::kill(pid_t(m_process->processId()), SIGKILL);
    QDeadlineTimer deadline(10'000);
    while (m_process->state() != QProcess::NotRunning && !deadline.hasExpired())
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
}

CliTestHarness::Result CliTestHarness::waitForFinished(int timeoutMs)
{
    Result result;
    QDeadlineTimer deadline(timeoutMs);
    while (m_process->state() != QProcess::NotRunning && !deadline.hasExpired())
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    if (m_process->state() != QProcess::NotRunning) {
        m_process->kill();
        m_process->waitForFinished(5000);
        qWarning("reelkeep-cli did not finish within %d ms; killed. stderr:\n%s", timeoutMs, m_err.constData());
    }
    m_out += m_process->readAllStandardOutput();
    m_err += m_process->readAllStandardError();
    result.exitCode = m_process->exitCode();
    result.exitStatus = m_process->exitStatus();
    result.out = m_out;
    result.err = m_err;
    for (const QByteArray &line : m_out.split('\n')) {
        if (line.trimmed().isEmpty())
            continue;
        QJsonParseError error;
        const QJsonDocument document = QJsonDocument::fromJson(line, &error);
        if (error.error != QJsonParseError::NoError || !document.isObject()) {
            result.allLinesAreJson = false;
            continue;
        }
        result.events << document.object();
    }
    return result;
}
