#pragma once

#include <QDateTime>
#include <QList>
#include <QSet>
#include <QString>
#include <QStringList>

// Partial downloads ("<name>.part" in a download folder) that no task in the store refers to
// any more: left by a task removed mid-download, by a store that was moved aside as corrupt, or
// by a process killed before it recorded a new partial file. They may hold most of a video whose
// link has since expired, so they are only ever listed for the user to keep or delete, never
// deleted silently. Files the user chose to keep are remembered in the store and not offered
// again.
//
// Every function does file and database I/O and opens its own connection to the store: call
// them off the GUI thread.
class OrphanPartials
{
public:
    struct File
    {
        QString path;
        qint64 size = 0;
        QDateTime modified;

        bool operator==(const File &other) const = default;
    };

    struct ScanResult
    {
        QList<File> files;  // newest first
        QString error;      // the store could not be read: nothing is listed then
    };

    // Looks in the folders of the store's accounts and in extraFolders. referencedInMemory holds
    // partial paths the caller uses that may not be committed to the store yet.
    static ScanResult scan(const QString &storePath, const QStringList &extraFolders,
                           const QSet<QString> &referencedInMemory = {});

    // Remembers the files as kept: later scans leave them out.
    static bool keep(const QString &storePath, const QStringList &paths, QString *error);

    struct DiscardResult
    {
        QStringList removed;
        QStringList problems;  // "<file>: <reason>" per file that could not be removed
    };

    // Moves each file to the trash where the system has one, else deletes it, and forgets it as
    // kept.
    static DiscardResult discard(const QString &storePath, const QStringList &paths);

    static qint64 totalSize(const QList<File> &files);
};
