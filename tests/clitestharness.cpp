#include "clitestharness.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QJsonDocument>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QUuid>
#include <QTest>

#include <csignal>
#ifdef Q_OS_UNIX
#include <sys/resource.h>
#endif

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

QHash<QString, CliTestHarness::StoredTask> CliTestHarness::readStore(const QString &storePath, QString *integrity)
{
    QHash<QString, StoredTask> rows;
    const QString connection = u"probe-"_s + QUuid::createUuid().toString(QUuid::WithoutBraces);
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, connection);
        db.setDatabaseName(storePath);
        if (db.open()) {
            QSqlQuery query(db);
            if (integrity) {
                integrity->clear();
                if (query.exec(u"PRAGMA integrity_check"_s)) {
                    QStringList lines;
                    while (query.next())
                        lines << query.value(0).toString();
                    *integrity = lines.join(u'\n');
                } else {
                    *integrity = query.lastError().text();
                }
            }
            if (query.exec(u"SELECT task_id, state, last_error, file_path, sha256, partial_path FROM tasks"_s)) {
                while (query.next()) {
                    rows.insert(query.value(0).toString(),
                                {query.value(1).toString(), query.value(2).toString(), query.value(3).toString(),
                                 query.value(4).toString(), query.value(5).toString()});
                }
            }
        } else if (integrity) {
            *integrity = db.lastError().text();
        }
    }
    QSqlDatabase::removeDatabase(connection);
    return rows;
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
#ifdef Q_OS_UNIX
    if (m_fileSizeLimit >= 0) {
        const rlim_t limit = rlim_t(m_fileSizeLimit);
        // Runs in the child between fork and exec: only async-signal-safe calls.
        m_process->setChildProcessModifier([limit] {
            rlimit lowered{};
            ::getrlimit(RLIMIT_FSIZE, &lowered);
            lowered.rlim_cur = limit;
            ::setrlimit(RLIMIT_FSIZE, &lowered);
        });
    }
#endif
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
    // processId() is 0 once the process has ended, and kill(0) would hit our own group.
    const pid_t pid = pid_t(m_process->processId());
    if (m_process->state() == QProcess::NotRunning || pid <= 0)
        return;
    ::kill(pid, SIGKILL);
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
