#pragma once

#include "account.h"

#include <QDialog>
#include <QPointer>

#include <memory>

class AccountManager;
class HttpFetcher;
class ProviderAdapter;
class QLabel;
class QListWidgetItem;
class QNetworkAccessManager;
struct HttpResponse;

namespace Ui
{
class AccountsDialog;
}

// The accounts settings dialog: the list of provider accounts on the left, the selected one's
// form on the right (provider, name, API address, key and where it is kept, poll interval,
// download folder, file-name template, auto-download), inline validation, and a "Test
// connection" that asks the provider whether it accepts the key. A stored key is never shown:
// the key field only ever holds what the user types.
class AccountsDialog : public QDialog
{
    Q_OBJECT

public:
    AccountsDialog(AccountManager *accounts, QNetworkAccessManager *network, QWidget *parent = nullptr);
    ~AccountsDialog() override;

    // Selects an account (or starts a new one for an empty id); false if the user kept editing.
    bool selectAccount(const QString &id);
    QString currentAccountId() const { return m_currentId; }
    bool hasUnsavedChanges() const { return m_dirty; }

public slots:
    // Validates and saves the form; false (with the problems shown inline) when it cannot.
    bool save();
    void addAccount();
    void removeCurrentAccount();
    void testConnection();
    void done(int result) override;

signals:
    // The account with this id was saved from the dialog (new or edited).
    void accountSaved(const QString &id);

private:
    struct Problems
    {
        QString name;
        QString baseUrl;
        QString key;
        QString folder;
        QString templ;
        bool any() const
        {
            return !name.isEmpty() || !baseUrl.isEmpty() || !key.isEmpty() || !folder.isEmpty() || !templ.isEmpty();
        }
    };

    void reloadList(const QString &selectId);
    void onCurrentItemChanged(QListWidgetItem *current, QListWidgetItem *previous);
    bool confirmLeavingForm();
    void loadForm(const Account &account, bool isNew);
    Account formAccount() const;
    const ProviderAdapter *currentAdapter() const;
    QUrl effectiveBaseUrl() const;
    QString uniqueName(const QString &base) const;

    void onProviderChanged();
    void onFormEdited();
    void updateValidation();
    Problems problems() const;
    void showProblem(QLabel *label, const QString &message, bool show);
    void updateKeyStorage();
    void updateTemplateHelp();
    void updateExample();
    void insertTemplateField(const QString &link);
    void chooseFolder();
    bool chooseFallbackStorage();
    void setTestBusy(bool busy);
    enum class TestOutcome
    {
        None,
        Busy,
        Success,
        Failure
    };
    void showTestResult(const QString &message, TestOutcome outcome);
    void onTestFinished(const ProviderAdapter *adapter, const HttpResponse &response);
    void cancelTest();
    void setDirty(bool dirty);

    std::unique_ptr<Ui::AccountsDialog> m_ui;
    AccountManager *m_accounts;
    QNetworkAccessManager *m_network;
    QPointer<HttpFetcher> m_testFetcher;

    QString m_currentId;       // empty while editing a new, unsaved account
    bool m_editingNew = false;
    bool m_dirty = false;
    bool m_loading = false;    // filling the form: edits are not the user's
    bool m_showAllProblems = false;
    // Fields the user has typed into: pre-filled values follow the provider only until then.
    bool m_nameTouched = false;
    bool m_baseUrlTouched = false;
    bool m_intervalTouched = false;
    QString m_previousProvider;
};
