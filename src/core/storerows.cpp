#include "storerows.h"

#include "logging.h"

#include <QSqlQuery>
#include <QStringList>
#include <QVariant>

#include <array>

using namespace Qt::StringLiterals;

namespace
{
// Column order is the bind and read order below.
constexpr std::array accountColumns{
    "id"_L1, "display_name"_L1, "provider"_L1, "base_url"_L1, "interval_s"_L1, "download_dir"_L1,
    "file_name_template"_L1, "auto_download"_L1,
};
constexpr int accountKeyColumns = 1;

constexpr std::array taskColumns{
    "account_id"_L1, "task_id"_L1, "state"_L1,
    // TaskSnapshot
    "snapshot_state"_L1, "provider_status"_L1, "progress"_L1, "model"_L1, "duration_s"_L1, "width"_L1,
    "height"_L1, "error"_L1, "source_kind"_L1, "source_url"_L1, "source_file_id"_L1, "expires_at"_L1,
    "created_at"_L1,
    // Our own bookkeeping
    "added_at"_L1, "updated_at"_L1, "last_polled_at"_L1, "last_error"_L1, "retry_count"_L1,
    "polling_paused"_L1,
    // Download
    "file_path"_L1, "sha256"_L1, "partial_path"_L1, "etag"_L1, "bytes_received"_L1, "bytes_total"_L1,
    "video_url"_L1, "url_expires_at"_L1,
};
constexpr int taskKeyColumns = 2;

struct SourceKindName
{
    VideoSource::Kind kind;
    QLatin1StringView name;
};

constexpr std::array sourceKindNames{
    SourceKindName{VideoSource::Kind::None, "none"_L1},
    SourceKindName{VideoSource::Kind::Url, "url"_L1},
    SourceKindName{VideoSource::Kind::FileId, "file_id"_L1},
    SourceKindName{VideoSource::Kind::Base64Endpoint, "base64_endpoint"_L1},
    SourceKindName{VideoSource::Kind::InlineBase64, "inline_base64"_L1},
};

QString sourceKindName(VideoSource::Kind kind)
{
    for (const auto &entry : sourceKindNames) {
        if (entry.kind == kind)
            return entry.name;
    }
    return u"none"_s;
}

VideoSource::Kind sourceKindFromName(const QString &name)
{
    for (const auto &entry : sourceKindNames) {
        if (name == entry.name)
            return entry.kind;
    }
    if (!name.isEmpty())
        qCWarning(lcStore) << "unknown video source kind in the store:" << name;
    return VideoSource::Kind::None;
}

TaskState stateFromName(const QString &name)
{
    bool ok = false;
    const TaskState state = taskStateFromName(name, &ok);
    if (!ok && !name.isEmpty())
        qCWarning(lcStore) << "unknown task state in the store:" << name;
    return state;
}

QVariant timeValue(const QDateTime &time)
{
    return time.isValid() ? QVariant(time.toMSecsSinceEpoch()) : QVariant();
}

QDateTime timeFromValue(const QVariant &value)
{
    return value.isNull() ? QDateTime() : QDateTime::fromMSecsSinceEpoch(value.toLongLong(), Qt::UTC);
}

template<size_t N>
QString columnList(const std::array<QLatin1StringView, N> &columns)
{
    QStringList names;
    for (const auto &column : columns)
        names.append(column);
    return names.join(u", "_s);
}

// INSERT ... ON CONFLICT(key) DO UPDATE: replaces a row in place, so its rowid (our insertion
// order) survives, unlike INSERT OR REPLACE.
template<size_t N>
QString upsertSql(QLatin1StringView table, const std::array<QLatin1StringView, N> &columns, int keyColumns)
{
    QStringList keys;
    QStringList updates;
    for (size_t i = 0; i < N; ++i) {
        if (int(i) < keyColumns)
            keys.append(columns[i]);
        else
            updates.append(u"%1 = excluded.%1"_s.arg(columns[i]));
    }
    QStringList placeholders;
    for (size_t i = 0; i < N; ++i)
        placeholders.append(u"?"_s);
    return u"INSERT INTO %1 (%2) VALUES (%3) ON CONFLICT(%4) DO UPDATE SET %5"_s.arg(
        table, columnList(columns), placeholders.join(u", "_s), keys.join(u", "_s), updates.join(u", "_s));
}
} // namespace

namespace StoreRows
{
QString accountUpsertSql()
{
    return upsertSql("accounts"_L1, accountColumns, accountKeyColumns);
}

QString accountDeleteSql()
{
    return u"DELETE FROM accounts WHERE id = ?"_s;
}

QString accountSelectSql()
{
    return u"SELECT %1 FROM accounts ORDER BY rowid"_s.arg(columnList(accountColumns));
}

void bindAccount(QSqlQuery &query, const Account &account)
{
    int i = 0;
    query.bindValue(i++, account.id);
    query.bindValue(i++, account.displayName);
    query.bindValue(i++, account.providerName);
    query.bindValue(i++, account.baseUrl.isEmpty() ? QVariant() : QVariant(QString::fromUtf8(account.baseUrl.toEncoded())));
    query.bindValue(i++, account.intervalSeconds);
    query.bindValue(i++, account.downloadDir);
    query.bindValue(i++, account.fileNameTemplate);
    query.bindValue(i++, int(account.autoDownload));
    Q_ASSERT(i == int(accountColumns.size()));
}

Account readAccount(const QSqlQuery &query)
{
    Account account;
    int i = 0;
    account.id = query.value(i++).toString();
    account.displayName = query.value(i++).toString();
    account.providerName = query.value(i++).toString();
    account.baseUrl = QUrl::fromEncoded(query.value(i++).toString().toUtf8());
    account.intervalSeconds = query.value(i++).toInt();
    account.downloadDir = query.value(i++).toString();
    account.fileNameTemplate = query.value(i++).toString();
    account.autoDownload = query.value(i++).toInt() != 0;
    Q_ASSERT(i == int(accountColumns.size()));
    return account;
}

QString taskUpsertSql()
{
    return upsertSql("tasks"_L1, taskColumns, taskKeyColumns);
}

QString taskDeleteSql()
{
    return u"DELETE FROM tasks WHERE account_id = ? AND task_id = ?"_s;
}

QString taskCountSql()
{
    return u"SELECT count(*) FROM tasks"_s;
}

QString taskSelectSql()
{
    return u"SELECT %1 FROM tasks ORDER BY rowid"_s.arg(columnList(taskColumns));
}

QString taskSelectPageSql()
{
    return u"SELECT %1, rowid FROM tasks WHERE rowid > ? ORDER BY rowid LIMIT ?"_s.arg(columnList(taskColumns));
}

int taskRowIdColumn()
{
    return int(taskColumns.size());
}

void bindTask(QSqlQuery &query, const TaskRecord &record)
{
    const TaskSnapshot &snapshot = record.snapshot;
    int i = 0;
    query.bindValue(i++, record.key.accountId);
    query.bindValue(i++, record.key.taskId);
    query.bindValue(i++, taskStateName(record.state));

    query.bindValue(i++, taskStateName(snapshot.state));
    query.bindValue(i++, snapshot.providerStatus);
    query.bindValue(i++, snapshot.progress);
    query.bindValue(i++, snapshot.model);
    query.bindValue(i++, snapshot.durationSeconds);
    query.bindValue(i++, snapshot.resolution.width());
    query.bindValue(i++, snapshot.resolution.height());
    query.bindValue(i++, snapshot.errorMessage);
    query.bindValue(i++, sourceKindName(snapshot.source.kind));
    query.bindValue(i++, snapshot.source.url);
    query.bindValue(i++, snapshot.source.fileId);
    query.bindValue(i++, timeValue(snapshot.expiresAt));
    query.bindValue(i++, timeValue(snapshot.createdAt));

    query.bindValue(i++, timeValue(record.addedAt));
    query.bindValue(i++, timeValue(record.updatedAt));
    query.bindValue(i++, timeValue(record.lastPolledAt));
    query.bindValue(i++, record.lastError);
    query.bindValue(i++, record.retryCount);
    query.bindValue(i++, int(record.pollingPaused));

    query.bindValue(i++, record.filePath);
    query.bindValue(i++, QString::fromLatin1(record.sha256Hex));
    query.bindValue(i++, record.partialPath);
    query.bindValue(i++, record.etag);
    query.bindValue(i++, record.bytesReceived);
    query.bindValue(i++, record.bytesTotal);
    query.bindValue(i++, record.videoUrl);
    query.bindValue(i++, timeValue(record.urlExpiresAt));
    Q_ASSERT(i == int(taskColumns.size()));
}

TaskRecord readTask(const QSqlQuery &query)
{
    TaskRecord record;
    TaskSnapshot &snapshot = record.snapshot;
    int i = 0;
    record.key.accountId = query.value(i++).toString();
    record.key.taskId = query.value(i++).toString();
    record.state = stateFromName(query.value(i++).toString());

    snapshot.state = stateFromName(query.value(i++).toString());
    snapshot.providerStatus = query.value(i++).toString();
    snapshot.progress = query.value(i++).toInt();
    snapshot.model = query.value(i++).toString();
    snapshot.durationSeconds = query.value(i++).toDouble();
    const int width = query.value(i++).toInt();
    const int height = query.value(i++).toInt();
    snapshot.resolution = QSize(width, height);
    snapshot.errorMessage = query.value(i++).toString();
    snapshot.source.kind = sourceKindFromName(query.value(i++).toString());
    snapshot.source.url = query.value(i++).toByteArray();
    snapshot.source.fileId = query.value(i++).toString();
    snapshot.expiresAt = timeFromValue(query.value(i++));
    snapshot.createdAt = timeFromValue(query.value(i++));

    record.addedAt = timeFromValue(query.value(i++));
    record.updatedAt = timeFromValue(query.value(i++));
    record.lastPolledAt = timeFromValue(query.value(i++));
    record.lastError = query.value(i++).toString();
    record.retryCount = query.value(i++).toInt();
    record.pollingPaused = query.value(i++).toInt() != 0;

    record.filePath = query.value(i++).toString();
    record.sha256Hex = query.value(i++).toString().toLatin1();
    record.partialPath = query.value(i++).toString();
    record.etag = query.value(i++).toByteArray();
    record.bytesReceived = query.value(i++).toLongLong();
    record.bytesTotal = query.value(i++).toLongLong();
    record.videoUrl = query.value(i++).toByteArray();
    record.urlExpiresAt = timeFromValue(query.value(i++));
    Q_ASSERT(i == int(taskColumns.size()));
    return record;
}

QString eventInsertSql()
{
    return u"INSERT INTO events (account_id, task_id, at, state, message) VALUES (?, ?, ?, ?, ?)"_s;
}

QString eventDeleteForTaskSql()
{
    return u"DELETE FROM events WHERE account_id = ? AND task_id = ?"_s;
}

QString eventSelectForTaskSql()
{
    return u"SELECT at, state, message FROM events WHERE account_id = ? AND task_id = ? ORDER BY id"_s;
}

void bindEvent(QSqlQuery &query, const TaskEvent &event)
{
    query.bindValue(0, event.key.accountId);
    query.bindValue(1, event.key.taskId);
    query.bindValue(2, timeValue(event.at));
    query.bindValue(3, taskStateName(event.state));
    query.bindValue(4, event.message);
}

TaskEvent readEvent(const QSqlQuery &query, const TaskKey &key)
{
    TaskEvent event;
    event.key = key;
    event.at = timeFromValue(query.value(0));
    event.state = stateFromName(query.value(1).toString());
    event.message = query.value(2).toString();
    return event;
}
} // namespace StoreRows
