#pragma once

#include <QCoreApplication>
#include <QHash>
#include <QSet>
#include <QString>
#include <QStringList>

// Turns a task into a file name: fills the user's template, makes the result safe on every file
// system we may write to (task IDs and model names come from servers and may be hostile), and
// picks a free name so an existing video is never overwritten. Pure functions except
// uniquePath(), which looks at the directory.
class FileNamer
{
    Q_DECLARE_TR_FUNCTIONS(FileNamer)

public:
    // Bytes (UTF-8) a base name may take before the extension and a " (n)" suffix: well under
    // the 255-byte limit of common file systems, with room for ".mp4.part".
    static constexpr int MaxBaseNameBytes = 120;

    static QString defaultTemplate();
    // Names of the template fields, without braces, in the order the settings dialog lists them.
    static QStringList fields();
    // One line for the settings dialog, e.g. "The task ID given by the provider".
    static QString fieldDescription(const QString &field);

    // Replaces each "{field}" by its value (a known field without a value becomes empty; an
    // unknown "{name}" stays as typed so the user sees the mistake). Values are not re-scanned.
    // The result is not yet safe as a file name: pass it through sanitize().
    static QString render(const QString &templ, const QHash<QString, QString> &fields);

    // A single path component that is safe everywhere: no separators, no characters Windows
    // rejects, no control or bidi-override characters, no leading dots, no trailing dots or
    // spaces, no reserved device names, at most MaxBaseNameBytes; never empty. Idempotent.
    static QString sanitize(const QString &name);
    // "mp4" from ".MP4" etc.: letters and digits only, lower case, at most 10; may be empty.
    static QString sanitizeExtension(const QString &ext);

    // Absolute path "<dir>/<baseName>.<ext>" or "<dir>/<baseName> (n).<ext>" whose final name and
    // ".part" companion are both free, so neither someone else's file nor someone else's partial
    // download is touched. ownPartialPath (optional) is our own partial file: it does not count
    // as taken. reservedPaths (canonical, optional) count as taken though no file exists yet:
    // partial files promised to downloads that have not created them. baseName is sanitized
    // again here. Empty if dir does not exist or no name is free.
    // The result is always directly inside dir (checked on canonical paths).
    static QString uniquePath(const QString &dir, const QString &baseName, const QString &ext,
                              const QString &ownPartialPath = QString(), const QSet<QString> &reservedPaths = {});
};
