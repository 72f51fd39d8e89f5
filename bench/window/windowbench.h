#pragma once

#include <QString>
#include <QStringList>

#include <cstddef>

class QWidget;

// What the window benchmarks share: the result-row format the bench runner collects, a store
// filled through TaskStore's own write path, the heap in use, and the settings sandbox that keeps
// a benchmark away from the user's real window state and task list.
namespace WindowBench
{
// One RESULT line on stdout: benchmark, figure, reelkeep, baseline, ratio, goal, met.
void printResult(const QString &benchmark, const QString &figure, const QString &reelkeep, const QString &baseline,
                 const QString &ratio, const QString &goal, const QString &met);
QString ratioText(double reelkeep, double baseline);
// Details for the reader, on stderr (stdout carries only RESULT rows).
void note(const QString &text);

// QStandardPaths test mode, settings in `settingsDir`, Fusion style: the same every run.
void sandbox(const QString &appName, const QString &settingsDir);

// The account the prefilled tasks belong to. Its interval is an hour and every task was just
// polled, so the poller sends nothing while a benchmark runs; its base URL is a closed
// loopback port in case it ever does.
extern const QString AccountId;

// Writes `count` processing tasks through TaskStore::saveTask (the app's own path) and waits
// for the commit. Returns false with a message on stderr.
bool prefillStore(const QString &path, int count);

// Bytes the allocator has handed out and not had back (mallinfo2().uordblks + hblkhd).
std::size_t heapInUse();
// Resident set size from /proc/self/statm, bytes.
std::size_t residentBytes();

double percentile(QList<double> values, double p);
double median(QList<double> values);
} // namespace WindowBench
