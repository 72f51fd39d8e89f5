#pragma once

#include <QObject>
#include <QSet>
#include <QString>
#include <QStringList>

#include <functional>

class QClipboard;
class QMimeData;
class QTimer;

// Watches the clipboard for task IDs (off by default: reading what the user copies is only
// done when asked). Each copy is looked at once, after the clipboard settles; only IDs that are
// neither in the list nor offered before are reported, so the same chat log copied twice asks
// once. Reelkeep's own copies carry a marker and are ignored, or copying an ID from the list
// would offer it straight back.
class ClipboardWatcher : public QObject
{
    Q_OBJECT

public:
    ClipboardWatcher(QClipboard *clipboard, std::function<bool(const QString &)> isKnownId, QObject *parent = nullptr);

    // Off by default. Turning it on does not look at what is already on the clipboard: only
    // copies made from then on are offered.
    void setEnabled(bool enabled);
    bool isEnabled() const { return m_enabled; }

    // How long the clipboard must stay unchanged before it is read (default 300 ms): some
    // applications set it several times per copy.
    void setDebounceInterval(int ms);
    // A change was seen and the clipboard will be read when the debounce interval ends.
    bool isScanPending() const;

    // Text longer than this (a whole log file) is not scanned.
    static constexpr qsizetype MaxTextLength = 1024 * 1024;

    // The marker Reelkeep puts on its own copies, and clipboard data carrying it with this text.
    static QString ownMimeType();
    static QMimeData *createOwnMimeData(const QString &text);

signals:
    void idsFound(const QStringList &newIds);

private:
    void onClipboardChanged();
    void scan();

    QClipboard *m_clipboard;
    std::function<bool(const QString &)> m_isKnownId;
    QTimer *m_debounce;
    QSet<QString> m_offered;
    bool m_enabled = false;
};
