#pragma once

#include "taskrecord.h"

#include <QByteArray>
#include <QCoreApplication>
#include <QList>
#include <QString>

#include <functional>

// Export and import of the task list as JSON or CSV (id, account, status, file, URL, error), so
// a list can move between machines, into a spreadsheet, or back into Reelkeep. Shared by the
// window and reelkeep-cli; no widgets.
class TaskListExchange
{
    Q_DECLARE_TR_FUNCTIONS(TaskListExchange)

public:
    using AccountNameLookup = std::function<QString(const QString &accountId)>;

    // One task found in an imported file. accountId/accountName are empty when the file has none.
    struct ImportedTask
    {
        QString accountId;
        QString accountName;
        QString taskId;

        bool operator==(const ImportedTask &other) const = default;
    };

    // A JSON array of objects: id, account, account_id, status, file, url, error, added.
    static QByteArray toJson(const QList<TaskRecord> &records, const AccountNameLookup &accountName);
    // The same columns as CSV (RFC 4180, UTF-8, header row, CRLF line ends).
    static QByteArray toCsv(const QList<TaskRecord> &records, const AccountNameLookup &accountName);
    // Picks the format by the file's extension: .csv is CSV, anything else JSON.
    static QByteArray exportFor(const QString &path, const QList<TaskRecord> &records,
                                const AccountNameLookup &accountName);

    // Reads our own exports and any CSV with an "id" or "task_id" column. On a problem *error
    // says what (with the line for CSV) and everything readable is still returned.
    static QList<ImportedTask> parse(const QByteArray &data, QString *error);

    // Replaces the file atomically: a failed write leaves the old one intact.
    static bool writeFile(const QString &path, const QByteArray &data, QString *error);

    static QStringList columnNames();
};
