#include "jsonlinereporter.h"

#include <QJsonDocument>
#include <QJsonObject>

using namespace Qt::StringLiterals;

JsonLineReporter::JsonLineReporter(std::FILE *out, std::FILE *err) : m_out(out), m_err(err) {}

void JsonLineReporter::writeLine(const QJsonObject &object)
{
    const QByteArray line = QJsonDocument(object).toJson(QJsonDocument::Compact) + '\n';
    std::fwrite(line.constData(), 1, size_t(line.size()), m_out);
    std::fflush(m_out);
}

void JsonLineReporter::taskStatus(const TaskRecord &record, int progress, const QString &message)
{
    QJsonObject object{{u"event"_s, u"status"_s},
                       {u"task"_s, record.key.taskId},
                       {u"status"_s, taskStateName(record.state)}};
    object.insert(u"progress"_s, progress >= 0 ? QJsonValue(progress) : QJsonValue());
    if (!record.snapshot.providerStatus.isEmpty())
        object.insert(u"provider_status"_s, record.snapshot.providerStatus);
    if (!record.snapshot.model.isEmpty())
        object.insert(u"model"_s, record.snapshot.model);
    if (record.state == TaskState::Downloading) {
        object.insert(u"bytes"_s, record.bytesReceived);
        if (record.bytesTotal >= 0)
            object.insert(u"total_bytes"_s, record.bytesTotal);
    }
    if (!message.isEmpty())
        object.insert(u"message"_s, message);
    writeLine(object);
}

void JsonLineReporter::taskSaved(const TaskRecord &record, const DownloadResult &result)
{
    writeLine({{u"event"_s, u"downloaded"_s},
               {u"task"_s, record.key.taskId},
               {u"path"_s, result.filePath},
               {u"bytes"_s, result.bytes},
               {u"sha256"_s, QString::fromLatin1(result.sha256Hex)}});
}

void JsonLineReporter::notice(const QString &text)
{
    std::fprintf(m_err, "reelkeep-cli: %s\n", qPrintable(text));
    std::fflush(m_err);
}

void JsonLineReporter::summary(const Summary &summary)
{
    writeLine({{u"event"_s, u"summary"_s},
               {u"total"_s, summary.total},
               {u"saved"_s, summary.saved},
               {u"failed"_s, summary.failed},
               {u"expired"_s, summary.expired},
               {u"unfinished"_s, summary.unfinished},
               {u"timed_out"_s, summary.timedOut},
               {u"exit_code"_s, summary.exitCode}});
}
