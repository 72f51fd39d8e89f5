#pragma once

#include <QHash>
#include <QList>
#include <QWidget>

class QAction;
class QVBoxLayout;

// Inline messages at the top of the window for things the user must see but that need no
// modal dialog: a task list moved aside as corrupt, a key that cannot be kept in a secret
// store, an account whose key was rejected, IDs found on the clipboard. Each notice has a key so
// a repeated warning replaces the old one instead of piling up; each can be dismissed.
class NoticeArea : public QWidget
{
    Q_OBJECT

public:
    enum class Level
    {
        Info,
        Warning,
        Error
    };

    explicit NoticeArea(QWidget *parent = nullptr);

    // Actions become buttons on the notice; triggering one also dismisses the notice.
    void showNotice(const QString &key, Level level, const QString &text, const QList<QAction *> &actions = {});
    void removeNotice(const QString &key);
    bool hasNotice(const QString &key) const { return m_notices.contains(key); }
    QString noticeText(const QString &key) const;
    QStringList keys() const { return m_notices.keys(); }

private:
    QVBoxLayout *m_layout;
    QHash<QString, QWidget *> m_notices;
};
