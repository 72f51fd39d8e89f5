#pragma once

#include "taskengine.h"

#include <QDialog>
#include <QStringList>
#include <QTimer>

#include <memory>

class AccountManager;
class QNetworkAccessManager;

namespace Ui
{
class AddTasksDialog;
}

// "Add tasks": the user pastes any text (a list, JSON replies, curl output, logs, a CSV column),
// sees what was found (new IDs, IDs already in the list, lines ignored) and which account they
// go to, and adds them in one go. The text is scanned off the GUI thread, a moment after the
// last keystroke, so a 20 MB paste never freezes the window.
class AddTasksDialog : public QDialog
{
    Q_OBJECT

public:
    AddTasksDialog(TaskEngine *engine, AccountManager *accounts, QWidget *parent = nullptr);
    ~AddTasksDialog() override;

    // Replaces the text (e.g. from a paste or a drop) and scans it at once. A very large text
    // is scanned whole but only its beginning is shown, read-only, until the user asks to edit
    // all of it: laying out megabytes in the editor would freeze the window for seconds.
    void setText(const QString &text);
    QString text() const;
    bool isShowingPartOfText() const { return !m_largeText.isNull(); }
    // Used by "Add account…" when there is no account yet; without one the dialog makes its own.
    void setNetworkAccessManager(QNetworkAccessManager *network) { m_network = network; }

    QString selectedAccountId() const;
    // What the scan found, split for the selected account; valid once scanFinished() was emitted.
    QStringList newIds() const { return m_newIds; }
    QStringList existingIds() const { return m_existingIds; }
    int ignoredCount() const { return m_ignoredLines + int(m_unusableIds.size()); }
    bool isScanning() const { return !m_scanCurrent; }
    bool isAdding() const { return m_adding; }
    // What engine->addTasks() answered when the dialog was accepted.
    TaskEngine::AddResult addResult() const { return m_addResult; }

public slots:
    // Adds the new IDs; many are added in slices between events, with progress shown.
    void accept() override;
    void reject() override;
    void openAccountsDialog();
    void editAllText();

signals:
    // The current text has been scanned and the summary shows it.
    void scanFinished();

private:
    struct ScanResult
    {
        QStringList ids;
        int ignoredLines = 0;
    };
    static ScanResult scan(const QString &text);

    void scheduleScan();
    void startScan();
    void runScan();
    void onScanned(quint64 generation, const ScanResult &result);
    void classify();
    void refreshAccounts();
    void updateAccountWarning();
    void updateSummary();
    void updatePreview();
    void addNextSlice();
    void finishAdding();

    std::unique_ptr<Ui::AddTasksDialog> m_ui;
    TaskEngine *m_engine;
    AccountManager *m_accounts;
    QNetworkAccessManager *m_network = nullptr;
    QTimer m_debounce;

    quint64 m_generation = 0;      // bumped by every text change
    bool m_scanRunning = false;
    bool m_scanPending = false;    // the text changed while a scan was running
    bool m_scanCurrent = true;     // the results below describe the current text

    QStringList m_found;           // every ID in the text, in order
    int m_ignoredLines = 0;
    QStringList m_newIds;
    QStringList m_existingIds;
    QStringList m_unusableIds;     // found, but the engine would refuse them
    QString m_largeText;           // the whole text while only its beginning is shown

    bool m_adding = false;
    bool m_stopAdding = false;
    QString m_addingTo;
    qsizetype m_addedUpTo = 0;     // m_newIds before this index have been handed to the engine
    TaskEngine::AddResult m_addResult;
};
