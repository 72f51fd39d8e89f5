#include "clipboardwatcher.h"

#include "idextractor.h"

#include <QClipboard>
#include <QMimeData>
#include <QTimer>

using namespace Qt::StringLiterals;

ClipboardWatcher::ClipboardWatcher(QClipboard *clipboard, std::function<bool(const QString &)> isKnownId, QObject *parent)
    : QObject(parent)
    , m_clipboard(clipboard)
    , m_isKnownId(std::move(isKnownId))
    , m_debounce(new QTimer(this))
{
    m_debounce->setSingleShot(true);
    m_debounce->setInterval(300);
    connect(m_debounce, &QTimer::timeout, this, &ClipboardWatcher::scan);
    // Only the clipboard proper: the X11 selection changes with every highlight of text.
    if (m_clipboard)
        connect(m_clipboard, &QClipboard::dataChanged, this, &ClipboardWatcher::onClipboardChanged);
}

void ClipboardWatcher::setEnabled(bool enabled)
{
    m_enabled = enabled;
    if (!enabled)
        m_debounce->stop();
}

void ClipboardWatcher::setDebounceInterval(int ms)
{
    m_debounce->setInterval(std::max(0, ms));
}

bool ClipboardWatcher::isScanPending() const
{
    return m_debounce->isActive();
}

QString ClipboardWatcher::ownMimeType()
{
    return u"application/x-reelkeep-copy"_s;
}

QMimeData *ClipboardWatcher::createOwnMimeData(const QString &text)
{
    auto *data = new QMimeData;
    data->setText(text);
    data->setData(ownMimeType(), QByteArrayLiteral("1"));
    return data;
}

void ClipboardWatcher::onClipboardChanged()
{
    if (m_enabled)
        m_debounce->start();
}

void ClipboardWatcher::scan()
{
    if (!m_enabled || !m_clipboard)
        return;
    const QMimeData *data = m_clipboard->mimeData(QClipboard::Clipboard);
    if (!data || data->hasFormat(ownMimeType()) || !data->hasText())
        return;
    const QString text = data->text();
    if (text.size() > MaxTextLength)
        return;

    QStringList fresh;
    const QStringList ids = IdExtractor::extract(text);
    for (const QString &id : ids) {
        if (m_offered.contains(id) || (m_isKnownId && m_isKnownId(id)))
            continue;
        m_offered.insert(id);
        fresh << id;
    }
    if (!fresh.isEmpty())
        emit idsFound(fresh);
}
