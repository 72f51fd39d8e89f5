#pragma once

#include "clireporter.h"

#include <QElapsedTimer>
#include <QList>
#include <QMap>

#include <cstdio>

// The human view. On a terminal: a live block with one progress line per active task,
// redrawn in place, with finished tasks printed above it once. Piped: plain lines, one per event.
class TerminalReporter final : public CliReporter
{
public:
    TerminalReporter(bool interactive, std::FILE *out = stdout, std::FILE *err = stderr);
    void taskStatus(const TaskRecord &record, int progress, const QString &message) override;
    void taskSaved(const TaskRecord &record, const DownloadResult &result) override;
    void notice(const QString &text) override;
    void summary(const Summary &summary) override;
    void refresh() override;
    void setTaskIds(const QStringList &ids) override;

private:
    void printAbove(const QString &text);
    void clearLive();
    void drawLive();
    QString statusLine(const TaskRecord &record, int progress) const;
    QString paddedId(const QString &id) const;

    bool m_interactive;
    std::FILE *m_out;
    std::FILE *m_err;
    QMap<QString, QString> m_live;   // task ID -> its progress line (active tasks only)
    int m_drawnLines = 0;
    int m_idWidth = 24;
    bool m_dirty = false;
};
