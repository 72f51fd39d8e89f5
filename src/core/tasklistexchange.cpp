#include "tasklistexchange.h"

#include <QCoreApplication>
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QSaveFile>

using namespace Qt::StringLiterals;

namespace
{
QStringList rowOf(const TaskRecord &record, const TaskListExchange::AccountNameLookup &accountName)
{
    const QString name = accountName ? accountName(record.key.accountId) : QString();
    // The URL is kept exactly as received: re-encoding would break its signature.
    return {record.key.taskId,
            name,
            record.key.accountId,
            taskStateName(record.state),
            record.filePath,
            QString::fromUtf8(record.videoUrl),
            record.lastError,
            record.addedAt.isValid() ? record.addedAt.toUTC().toString(Qt::ISODate) : QString()};
}

QByteArray csvField(const QString &value)
{
    QByteArray bytes = value.toUtf8();
    if (bytes.contains(',') || bytes.contains('"') || bytes.contains('\n') || bytes.contains('\r')) {
        bytes.replace("\"", "\"\"");
        return '"' + bytes + '"';
    }
    return bytes;
}

QByteArray withoutBom(const QByteArray &data)
{
    return data.startsWith("\xEF\xBB\xBF") ? data.mid(3) : data;
}

// Several problems in one file are summarised by the first, which is the one to fix first.
QString summarise(const QStringList &problems)
{
    if (problems.isEmpty())
        return {};
    if (problems.size() == 1)
        return problems.first();
    return TaskListExchange::tr("%1 (and %n more problem(s))", nullptr,
                                       int(problems.size() - 1))
        .arg(problems.first());
}

QList<TaskListExchange::ImportedTask> parseJson(const QByteArray &data, QStringList *problems)
{
    QList<TaskListExchange::ImportedTask> tasks;
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(data, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        problems->append(TaskListExchange::tr("The file is not valid JSON: %1 at character %2.")
                                 .arg(parseError.errorString())
                                 .arg(parseError.offset));
        return tasks;
    }
    if (!document.isArray()) {
        problems->append(TaskListExchange::tr("The JSON file does not hold a list of tasks."));
        return tasks;
    }
    const QJsonArray array = document.array();
    for (qsizetype i = 0; i < array.size(); ++i) {
        const QJsonObject object = array.at(i).toObject();
        QString id = object.value(u"id"_s).toString().trimmed();
        if (id.isEmpty())
            id = object.value(u"task_id"_s).toString().trimmed();
        if (id.isEmpty()) {
            problems->append(TaskListExchange::tr("Entry %1 of the JSON list has no task ID.").arg(i + 1));
            continue;
        }
        tasks.append({object.value(u"account_id"_s).toString(), object.value(u"account"_s).toString(), id});
    }
    return tasks;
}

// RFC 4180 records with the line each starts on. A broken record is reported and skipped; the
// reader carries on at the next line so the rest of the file is not lost.
struct CsvRecord
{
    int line = 0;
    QStringList fields;
};

QList<CsvRecord> readCsv(const QByteArray &data, QStringList *problems)
{
    QList<CsvRecord> records;
    const qsizetype size = data.size();
    qsizetype pos = 0;
    int line = 1;
    while (pos < size) {
        CsvRecord record;
        record.line = line;
        QByteArray field;
        bool broken = false;
        bool endOfRecord = false;
        while (!endOfRecord) {
            if (pos < size && data.at(pos) == '"') {
                ++pos;
                bool closed = false;
                while (pos < size) {
                    const char c = data.at(pos);
                    if (c == '"') {
                        if (pos + 1 < size && data.at(pos + 1) == '"') {
                            field += '"';
                            pos += 2;
                            continue;
                        }
                        ++pos;
                        closed = true;
                        break;
                    }
                    if (c == '\n')
                        ++line;
                    field += c;
                    ++pos;
                }
                if (!closed) {
                    problems->append(TaskListExchange::tr("Line %1: a quoted field is never closed.").arg(record.line));
                    return records;
                }
                if (pos < size && data.at(pos) != ',' && data.at(pos) != '\n' && data.at(pos) != '\r') {
                    problems->append(TaskListExchange::tr("Line %1: unexpected text after a closing quote.").arg(line));
                    broken = true;
                }
            }
            // Unquoted text (or what follows a broken quoted field) runs to the next separator.
            while (pos < size && data.at(pos) != ',' && data.at(pos) != '\n' && data.at(pos) != '\r') {
                if (!broken)
                    field += data.at(pos);
                ++pos;
            }
            record.fields << QString::fromUtf8(field);
            field.clear();
            if (pos >= size) {
                endOfRecord = true;
            } else if (data.at(pos) == ',') {
                ++pos;
            } else {
                if (data.at(pos) == '\r')
                    ++pos;
                if (pos < size && data.at(pos) == '\n')
                    ++pos;
                ++line;
                endOfRecord = true;
            }
        }
        const bool blank = record.fields.size() == 1 && record.fields.first().trimmed().isEmpty();
        if (!broken && !blank)
            records.append(record);
    }
    return records;
}

QList<TaskListExchange::ImportedTask> parseCsv(const QByteArray &data, QStringList *problems)
{
    QList<TaskListExchange::ImportedTask> tasks;
    const QList<CsvRecord> records = readCsv(data, problems);
    if (records.isEmpty())
        return tasks;

    QStringList header;
    for (const QString &name : records.first().fields)
        header << name.trimmed().toLower();
    qsizetype idColumn = header.indexOf("id"_L1);
    if (idColumn < 0)
        idColumn = header.indexOf("task_id"_L1);
    if (idColumn < 0) {
        problems->prepend(TaskListExchange::tr("Line %1: the header has no \"id\" or \"task_id\" column.").arg(records.first().line));
        return tasks;
    }
    const qsizetype accountIdColumn = header.indexOf("account_id"_L1);
    const qsizetype accountColumn = header.indexOf("account"_L1);
    auto column = [](const CsvRecord &record, qsizetype index) {
        return index >= 0 && index < record.fields.size() ? record.fields.at(index) : QString();
    };
    for (qsizetype i = 1; i < records.size(); ++i) {
        const CsvRecord &record = records.at(i);
        const QString id = column(record, idColumn).trimmed();
        if (id.isEmpty()) {
            problems->append(TaskListExchange::tr("Line %1: no task ID.").arg(record.line));
            continue;
        }
        tasks.append({column(record, accountIdColumn).trimmed(), column(record, accountColumn), id});
    }
    return tasks;
}
} // namespace

QStringList TaskListExchange::columnNames()
{
    return {u"id"_s, u"account"_s, u"account_id"_s, u"status"_s, u"file"_s, u"url"_s, u"error"_s, u"added"_s};
}

QByteArray TaskListExchange::toJson(const QList<TaskRecord> &records, const AccountNameLookup &accountName)
{
    const QStringList names = columnNames();
    QJsonArray array;
    for (const TaskRecord &record : records) {
        const QStringList row = rowOf(record, accountName);
        QJsonObject object;
        for (qsizetype i = 0; i < names.size(); ++i)
            object.insert(names.at(i), row.at(i));
        array.append(object);
    }
    return QJsonDocument(array).toJson(QJsonDocument::Indented);
}

QByteArray TaskListExchange::toCsv(const QList<TaskRecord> &records, const AccountNameLookup &accountName)
{
    auto line = [](const QStringList &fields) {
        QByteArrayList encoded;
        for (const QString &field : fields)
            encoded << csvField(field);
        return encoded.join(',') + "\r\n";
    };
    QByteArray csv = line(columnNames());
    for (const TaskRecord &record : records)
        csv += line(rowOf(record, accountName));
    return csv;
}

QByteArray TaskListExchange::exportFor(const QString &path, const QList<TaskRecord> &records,
                                       const AccountNameLookup &accountName)
{
    return path.endsWith(".csv"_L1, Qt::CaseInsensitive) ? toCsv(records, accountName) : toJson(records, accountName);
}

QList<TaskListExchange::ImportedTask> TaskListExchange::parse(const QByteArray &data, QString *error)
{
    const QByteArray text = withoutBom(data);
    QStringList problems;
    QList<ImportedTask> tasks;
    const QByteArray start = text.trimmed().left(1);
    if (start == "[" || start == "{")
        tasks = parseJson(text, &problems);
    else if (!start.isEmpty())
        tasks = parseCsv(text, &problems);
    if (error)
        *error = summarise(problems);
    return tasks;
}

bool TaskListExchange::writeFile(const QString &path, const QByteArray &data, QString *error)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(data) != data.size() || !file.commit()) {
        if (error)
            *error = TaskListExchange::tr("Cannot write %1: %2").arg(QDir::toNativeSeparators(path), file.errorString());
        return false;
    }
    return true;
}
