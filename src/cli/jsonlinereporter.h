#pragma once

#include "clireporter.h"

#include <cstdio>

// --json: exactly one JSON object per line on stdout and nothing else there, flushed per line
// so a consumer sees each event as it happens. Notices go to stderr.
class JsonLineReporter final : public CliReporter
{
public:
    explicit JsonLineReporter(std::FILE *out = stdout, std::FILE *err = stderr);
    void taskStatus(const TaskRecord &record, int progress, const QString &message) override;
    void taskSaved(const TaskRecord &record, const DownloadResult &result) override;
    void notice(const QString &text) override;
    void summary(const Summary &summary) override;

private:
    void writeLine(const class QJsonObject &object);
    std::FILE *m_out;
    std::FILE *m_err;
};
