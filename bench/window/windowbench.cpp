#include "windowbench.h"

#include "account.h"
#include "taskrecord.h"
#include "taskstore.h"

#include <QApplication>
#include <QCoreApplication>
#include <QDateTime>
#include <QFile>
#include <QSettings>
#include <QStandardPaths>
#include <QStyleFactory>
#include <QTextStream>

#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

using namespace Qt::StringLiterals;

namespace WindowBench
{
const QString AccountId = u"acc-bench"_s;

void printResult(const QString &benchmark, const QString &figure, const QString &reelkeep, const QString &baseline,
                 const QString &ratio, const QString &goal, const QString &met)
{
    const QString line = QStringList{u"RESULT"_s, benchmark, figure, reelkeep, baseline, ratio, goal, met}.join(u'\t');
    std::fprintf(stdout, "%s\n", line.toUtf8().constData());
    std::fflush(stdout);
}

QString ratioText(double reelkeep, double baseline)
{
    if (baseline <= 0)
        return u"n/a"_s;
    return QString::number(reelkeep / baseline, 'f', 2);
}

void note(const QString &text)
{
    std::fprintf(stderr, "%s\n", text.toUtf8().constData());
    std::fflush(stderr);
}

void sandbox(const QString &appName, const QString &settingsDir)
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(u"Reelkeep"_s);
    QCoreApplication::setApplicationName(appName);
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, settingsDir);
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, settingsDir);
    QApplication::setStyle(QStyleFactory::create(u"Fusion"_s));
}

bool prefillStore(const QString &path, int count)
{
    QString error;
    std::unique_ptr<TaskStore> store = TaskStore::open(path, &error);
    if (!store) {
        note(u"cannot create the store %1: %2"_s.arg(path, error));
        return false;
    }
    Account account;
    account.id = AccountId;
    account.displayName = u"Bench"_s;
    account.providerName = u"mingyan"_s;
    account.baseUrl = QUrl(u"http://127.0.0.1:9"_s);
    account.intervalSeconds = 3600;
    account.autoDownload = false;
    store->saveAccount(account);

    const QDateTime now = QDateTime::currentDateTimeUtc();
    for (int i = 0; i < count; ++i) {
        TaskRecord record;
        record.key = {AccountId, u"video_%1"_s.arg(i, 8, 10, QChar(u'0'))};
        record.state = TaskState::Processing;
        record.snapshot.state = TaskState::Processing;
        record.snapshot.providerStatus = u"processing"_s;
        record.snapshot.progress = i % 100;
        record.snapshot.model = u"fake-video-1"_s;
        record.addedAt = now.addMSecs(i - count);
        record.updatedAt = now;
        record.lastPolledAt = now;
        store->saveTask(record);
    }
    if (!store->flush()) {
        note(u"cannot write the store %1"_s.arg(path));
        return false;
    }
    return true;
}

std::size_t heapInUse()
{
    const struct mallinfo2 info = mallinfo2();
    return info.uordblks + info.hblkhd;
}

std::size_t residentBytes()
{
    QFile statm(u"/proc/self/statm"_s);
    if (!statm.open(QIODevice::ReadOnly))
        return 0;
    const QList<QByteArray> fields = statm.readAll().split(' ');
    return fields.size() > 1 ? std::size_t(fields[1].toLongLong()) * std::size_t(sysconf(_SC_PAGESIZE)) : 0;
}

double percentile(QList<double> values, double p)
{
    if (values.isEmpty())
        return 0;
    std::sort(values.begin(), values.end());
    const qsizetype index = std::clamp<qsizetype>(qsizetype(p / 100.0 * double(values.size() - 1) + 0.5), 0,
                                                  values.size() - 1);
    return values[index];
}

double median(QList<double> values)
{
    return percentile(std::move(values), 50);
}
} // namespace WindowBench
