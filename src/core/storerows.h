#pragma once

#include "account.h"
#include "taskrecord.h"

#include <QString>

class QSqlQuery;

// How accounts, tasks and events map onto rows of the current schema: the SQL text and the
// bind/read functions, kept side by side because they rely on the same column order. Reads use
// column indexes, not names: loadTasks() reads 100,000 rows at start-up.
namespace StoreRows
{
QString accountUpsertSql();         // binds bindAccount()
QString accountDeleteSql();         // binds the id
QString accountSelectSql();         // rows for readAccount(), oldest first
void bindAccount(QSqlQuery &query, const Account &account);  // apiKey is never bound
Account readAccount(const QSqlQuery &query);

QString taskUpsertSql();            // binds bindTask()
QString taskDeleteSql();            // binds account id, task id
QString taskCountSql();
QString taskSelectSql();            // rows for readTask(), oldest first
// Rows for readTask() followed by their rowid (column taskRowIdColumn()), oldest first, after
// the rowid bound first and at most as many as bound second (-1: all).
QString taskSelectPageSql();
int taskRowIdColumn();
void bindTask(QSqlQuery &query, const TaskRecord &record);
TaskRecord readTask(const QSqlQuery &query);

QString eventInsertSql();           // binds bindEvent()
QString eventDeleteForTaskSql();    // binds account id, task id
QString eventSelectForTaskSql();    // binds account id, task id; rows for readEvent() in order
void bindEvent(QSqlQuery &query, const TaskEvent &event);
TaskEvent readEvent(const QSqlQuery &query, const TaskKey &key);
} // namespace StoreRows
