#pragma once

#include <QWidget>

class QLabel;
class QPushButton;

// What the window shows while the task list is empty: the three steps to a saved video (add an
// account, paste task IDs, videos are saved automatically) and a way to see it all happen at
// once with the built-in demo. Once an account exists the first step is ticked and the page
// offers to add tasks instead.
class EmptyStatePage : public QWidget
{
    Q_OBJECT

public:
    explicit EmptyStatePage(QWidget *parent = nullptr);

    void setHasAccounts(bool hasAccounts);
    bool hasAccounts() const { return m_hasAccounts; }
    // While the demo starts, its button is disabled.
    void setDemoRunning(bool running);

    QPushButton *demoButton() const { return m_demoButton; }
    QPushButton *addAccountButton() const { return m_addAccountButton; }
    QPushButton *addTasksButton() const { return m_addTasksButton; }

signals:
    void demoRequested();
    void addAccountRequested();
    void addTasksRequested();

protected:
    void changeEvent(QEvent *event) override;

private:
    void retranslate();

    bool m_hasAccounts = false;
    QLabel *m_icon;
    QLabel *m_title;
    QLabel *m_subtitle;
    QLabel *m_stepNumbers[3];
    QLabel *m_stepTitles[3];
    QLabel *m_stepTexts[3];
    QLabel *m_demoHint;
    QPushButton *m_demoButton;
    QPushButton *m_addAccountButton;
    QPushButton *m_addTasksButton;
};
