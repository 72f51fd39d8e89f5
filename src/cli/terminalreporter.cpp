#include "terminalreporter.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QLocale>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace
{
QString tr(const char *text)
{
    return QCoreApplication::translate("TerminalReporter", text);
}

QString humanBytes(qint64 bytes)
{
    return QLocale::c().formattedDataSize(bytes, 1, QLocale::DataSizeTraditionalFormat);
}
} // namespace

TerminalReporter::TerminalReporter(bool interactive, std::FILE *out, std::FILE *err)
    : m_interactive(interactive), m_out(out), m_err(err)
{
}

void TerminalReporter::setTaskIds(const QStringList &ids)
{
    int widest = 8;
    for (const QString &id : ids)
        widest = std::max(widest, int(id.size()));
    m_idWidth = std::min(widest, 48); // longer IDs push their own line, not everyone's
}

QString TerminalReporter::paddedId(const QString &id) const
{
    return id.leftJustified(m_idWidth);
}

QString TerminalReporter::statusLine(const TaskRecord &record, int progress) const
{
    QString line = u"%1  %2"_s.arg(paddedId(record.key.taskId), taskStateName(record.state).leftJustified(12));
    if (record.state == TaskState::Downloading) {
        line += record.bytesTotal > 0 ? u"%1 / %2"_s.arg(humanBytes(record.bytesReceived), humanBytes(record.bytesTotal))
                                      : humanBytes(record.bytesReceived);
        if (progress >= 0)
            line += u" (%1%)"_s.arg(progress);
    } else if (progress >= 0) {
        line += u"%1%"_s.arg(progress);
    }
    if (!record.lastError.isEmpty() && !isFinalState(record.state))
        line += u"  ["_s + record.lastError + u']';
    return line;
}

void TerminalReporter::taskStatus(const TaskRecord &record, int progress, const QString &message)
{
    const QString id = record.key.taskId;
    if (!m_interactive) {
        QString line = u"%1  %2"_s.arg(QTime::currentTime().toString(u"HH:mm:ss"_s), statusLine(record, progress));
        if (!message.isEmpty() && !line.contains(message))
            line += u"  "_s + message;
        printAbove(line);
        return;
    }
    if (isFinalState(record.state)) {
        m_live.remove(id);
        if (record.state != TaskState::Saved)
            printAbove(u"%1  %2%3"_s.arg(paddedId(id), taskStateName(record.state).leftJustified(12), message));
    } else {
        m_live.insert(id, statusLine(record, progress));
    }
    m_dirty = true;
}

void TerminalReporter::taskSaved(const TaskRecord &record, const DownloadResult &result)
{
    m_live.remove(record.key.taskId);
    printAbove(u"%1  %2%3"_s.arg(paddedId(record.key.taskId), taskStateName(TaskState::Saved).leftJustified(12),
                                 tr("%1 (%2)").arg(result.filePath, humanBytes(result.bytes))));
}

void TerminalReporter::notice(const QString &text)
{
    clearLive();
    std::fprintf(m_err, "reelkeep-cli: %s\n", qPrintable(text));
    std::fflush(m_err);
    m_dirty = true;
}

void TerminalReporter::summary(const Summary &summary)
{
    refresh();
    clearLive();
    QString text = tr("%1 task(s): %2 saved, %3 failed, %4 expired").arg(summary.total).arg(summary.saved)
                       .arg(summary.failed).arg(summary.expired);
    if (summary.unfinished > 0)
        text += tr(", %1 unfinished").arg(summary.unfinished);
    if (summary.timedOut)
        text += tr(" (timed out)");
    std::fprintf(m_out, "%s\n", qPrintable(text));
    std::fflush(m_out);
}

void TerminalReporter::refresh()
{
    if (!m_interactive || !m_dirty)
        return;
    clearLive();
    drawLive();
    m_dirty = false;
}

void TerminalReporter::printAbove(const QString &text)
{
    clearLive();
    std::fprintf(m_out, "%s\n", qPrintable(text));
    std::fflush(m_out);
    m_dirty = true;
}

void TerminalReporter::clearLive()
{
    if (!m_interactive || m_drawnLines == 0)
        return;
    // Move up over the live block and clear to the end of the screen.
    std::fprintf(m_out, "\x1b[%dF\x1b[J", m_drawnLines);
    m_drawnLines = 0;
}

void TerminalReporter::drawLive()
{
    for (const QString &line : std::as_const(m_live))
        std::fprintf(m_out, "%s\n", qPrintable(line));
    m_drawnLines = int(m_live.size());
    std::fflush(m_out);
}
