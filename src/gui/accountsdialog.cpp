#include "accountsdialog.h"
#include "ui_accountsdialog.h"

#include "accountmanager.h"
#include "apicredentials.h"
#include "filenamer.h"
#include "httpfetcher.h"
#include "providerregistry.h"
#include "secretstore.h"
#include "statuspalette.h"
#include "taskengine.h"

#include <QApplication>
#include <QDate>
#include <QDir>
#include <QFileDialog>
#include <QJsonDocument>
#include <QMessageBox>
#include <QPainter>
#include <QPushButton>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QStyledItemDelegate>

using namespace Qt::StringLiterals;

namespace
{
constexpr auto fieldLinkPrefix = "field:"_L1;
constexpr int idRole = Qt::UserRole;
constexpr int detailRole = Qt::UserRole + 1;    // second line: provider, key problems
constexpr int problemRole = Qt::UserRole + 2;   // true: the second line is a problem

QString defaultDownloadDir()
{
    QString movies = QStandardPaths::writableLocation(QStandardPaths::MoviesLocation);
    if (movies.isEmpty())
        movies = QDir::homePath();
    return QDir::toNativeSeparators(movies + "/Reelkeep"_L1);
}

QString expandHome(const QString &path)
{
    if (path == u'~')
        return QDir::homePath();
    if (path.startsWith("~/"_L1))
        return QDir::homePath() + path.mid(1);
    return path;
}

// ~/… on Unix: shorter, and the user's own way of writing it.
QString displayPath(const QString &path)
{
    const QString home = QDir::homePath();
    if (home.size() > 1 && path.startsWith(home + u'/'))
        return QDir::toNativeSeparators(u"~"_s + path.mid(home.size()));
    return QDir::toNativeSeparators(path);
}

QColor problemColor(const QPalette &palette)
{
    return StatusPalette::isDark(palette) ? QColor(0xff, 0x8a, 0x80) : QColor(0xb7, 0x1c, 0x1c);
}

QColor successColor(const QPalette &palette)
{
    return StatusPalette::isDark(palette) ? QColor(0x81, 0xc7, 0x84) : QColor(0x1b, 0x5e, 0x20);
}

// Two lines per account: its name, and below it, smaller, the provider (or what is wrong).
class AccountItemDelegate : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override
    {
        QStyleOptionViewItem opt = option;
        initStyleOption(&opt, index);
        const QString name = opt.text;
        opt.text.clear();
        const QWidget *widget = opt.widget;
        QStyle *style = widget ? widget->style() : QApplication::style();
        style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, widget);   // background, selection, focus

        const bool selected = opt.state & QStyle::State_Selected;
        const QPalette::ColorGroup group = opt.state & QStyle::State_Enabled ? QPalette::Normal : QPalette::Disabled;
        const QRect area = opt.rect.adjusted(margin, margin, -margin, -margin);
        const QFontMetrics nameMetrics(opt.font);
        const QFont small = detailFont(opt.font);
        const QFontMetrics smallMetrics(small);

        painter->save();
        painter->setFont(opt.font);
        painter->setPen(opt.palette.color(group, selected ? QPalette::HighlightedText : QPalette::Text));
        painter->drawText(QRect(area.left(), area.top(), area.width(), nameMetrics.height()), Qt::AlignLeft | Qt::AlignVCenter,
                          nameMetrics.elidedText(name, Qt::ElideRight, area.width()));
        QColor detailColor = opt.palette.color(group, QPalette::PlaceholderText);
        if (selected)
            detailColor = opt.palette.color(group, QPalette::HighlightedText);
        else if (index.data(problemRole).toBool())
            detailColor = problemColor(opt.palette);
        painter->setFont(small);
        painter->setPen(detailColor);
        painter->drawText(QRect(area.left(), area.top() + nameMetrics.height() + spacing, area.width(), smallMetrics.height()),
                          Qt::AlignLeft | Qt::AlignVCenter,
                          smallMetrics.elidedText(index.data(detailRole).toString(), Qt::ElideRight, area.width()));
        painter->restore();
    }

    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override
    {
        const int height = QFontMetrics(option.font).height() + spacing + QFontMetrics(detailFont(option.font)).height();
        return {QStyledItemDelegate::sizeHint(option, index).width(), height + 2 * margin};
    }

private:
    static constexpr int margin = 6;
    static constexpr int spacing = 1;
    static QFont detailFont(QFont font)
    {
        font.setPointSizeF(font.pointSizeF() * 0.9);
        return font;
    }
};

// Small secondary text under a field.
void makeHint(QLabel *label)
{
    QFont font = label->font();
    font.setPointSizeF(font.pointSizeF() * 0.92);
    label->setFont(font);
    QPalette palette = label->palette();
    palette.setColor(QPalette::WindowText, palette.color(QPalette::PlaceholderText));
    label->setPalette(palette);
}

void setTextColor(QLabel *label, const QColor &color)
{
    QPalette palette = label->palette();
    palette.setColor(QPalette::WindowText, color);
    label->setPalette(palette);
}
} // namespace

AccountsDialog::AccountsDialog(AccountManager *accounts, QNetworkAccessManager *network, QWidget *parent)
    : QDialog(parent)
    , m_ui(std::make_unique<Ui::AccountsDialog>())
    , m_accounts(accounts)
    , m_network(network)
{
    m_ui->setupUi(this);
    setWindowTitle(tr("Accounts[*]"));

    for (const auto &adapter : ProviderRegistry::instance().adapters())
        m_ui->providerCombo->addItem(adapter->displayName(), adapter->name());

    for (QLabel *label : {m_ui->nameError, m_ui->baseUrlError, m_ui->keyError, m_ui->folderError, m_ui->templateError}) {
        setTextColor(label, problemColor(palette()));
        label->hide();
    }
    for (QLabel *label : {m_ui->keyStorageLabel, m_ui->intervalHint, m_ui->exampleLabel, m_ui->fieldsLabel})
        makeHint(label);
    m_ui->testProgress->hide();
    m_ui->accountList->setItemDelegate(new AccountItemDelegate(m_ui->accountList));
    // The two groups' fields start at the same x, as if they were one form.
    const QList<QLabel *> formLabels{m_ui->providerLabel, m_ui->nameLabel, m_ui->baseUrlLabel, m_ui->keyLabel,
                                     m_ui->intervalLabel, m_ui->folderLabel, m_ui->templateLabel};
    int labelWidth = 0;
    for (const QLabel *label : formLabels)
        labelWidth = std::max(labelWidth, label->sizeHint().width());
    for (QLabel *label : formLabels) {
        label->setMinimumWidth(labelWidth);
        label->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    }
    m_ui->intervalSpin->setSuffix(tr(" seconds"));
    m_ui->folderEdit->setPlaceholderText(defaultDownloadDir());
    m_ui->templateEdit->setPlaceholderText(FileNamer::defaultTemplate());
    m_ui->buttonBox->button(QDialogButtonBox::Save)->setAutoDefault(false);
    m_ui->buttonBox->button(QDialogButtonBox::Close)->setAutoDefault(false);
    updateTemplateHelp();

    connect(m_ui->accountList, &QListWidget::currentItemChanged, this, &AccountsDialog::onCurrentItemChanged);
    connect(m_ui->addButton, &QPushButton::clicked, this, &AccountsDialog::addAccount);
    connect(m_ui->removeButton, &QPushButton::clicked, this, &AccountsDialog::removeCurrentAccount);
    connect(m_ui->buttonBox->button(QDialogButtonBox::Save), &QPushButton::clicked, this, &AccountsDialog::save);
    connect(m_ui->buttonBox, &QDialogButtonBox::rejected, this, &QDialog::reject);

    connect(m_ui->providerCombo, &QComboBox::currentIndexChanged, this, &AccountsDialog::onProviderChanged);
    connect(m_ui->nameEdit, &QLineEdit::textEdited, this, [this] { m_nameTouched = true; });
    connect(m_ui->baseUrlEdit, &QLineEdit::textEdited, this, [this] { m_baseUrlTouched = true; });
    connect(m_ui->intervalSpin, &QSpinBox::valueChanged, this, [this] {
        if (!m_loading)
            m_intervalTouched = true;
    });
    for (QLineEdit *edit : {m_ui->nameEdit, m_ui->baseUrlEdit, m_ui->keyEdit, m_ui->folderEdit, m_ui->templateEdit})
        connect(edit, &QLineEdit::textChanged, this, &AccountsDialog::onFormEdited);
    connect(m_ui->intervalSpin, &QSpinBox::valueChanged, this, &AccountsDialog::onFormEdited);
    connect(m_ui->autoDownloadCheck, &QCheckBox::toggled, this, &AccountsDialog::onFormEdited);
    // A test result describes the provider, address and key it was run with.
    for (QLineEdit *edit : {m_ui->baseUrlEdit, m_ui->keyEdit})
        connect(edit, &QLineEdit::textChanged, this, &AccountsDialog::cancelTest);

    connect(m_ui->showKeyButton, &QToolButton::toggled, this, [this](bool show) {
        m_ui->keyEdit->setEchoMode(show ? QLineEdit::Normal : QLineEdit::Password);
        m_ui->showKeyButton->setText(show ? tr("Hide") : tr("Show"));
    });
    connect(m_ui->keyStorageLabel, &QLabel::linkActivated, this, &AccountsDialog::chooseFallbackStorage);
    connect(m_ui->browseButton, &QPushButton::clicked, this, &AccountsDialog::chooseFolder);
    connect(m_ui->fieldsLabel, &QLabel::linkActivated, this, &AccountsDialog::insertTemplateField);
    connect(m_ui->testButton, &QPushButton::clicked, this, &AccountsDialog::testConnection);

    SecretStore *secrets = m_accounts->secretStore();
    connect(secrets, &SecretStore::keychainStatusChanged, this, &AccountsDialog::updateKeyStorage);
    connect(secrets, &SecretStore::backendChanged, this, &AccountsDialog::updateKeyStorage);
    connect(m_accounts, &AccountManager::accountsChanged, this, [this] {
        if (!m_editingNew && !m_currentId.isEmpty() && !m_accounts->account(m_currentId)) {
            // Removed elsewhere (the demo ending, another window): nothing left to edit here.
            setDirty(false);
            m_currentId.clear();
            const QList<Account> remaining = m_accounts->accounts();
            if (remaining.isEmpty())
                addAccount();
            else
                selectAccount(remaining.first().id);
            return;
        }
        reloadList(m_currentId);
        updateKeyStorage();   // a key that was still loading may have arrived
        updateValidation();
    });
    secrets->probeKeychain();

    const QList<Account> existing = m_accounts->accounts();
    if (existing.isEmpty()) {
        addAccount();
    } else {
        m_currentId = existing.first().id;
        loadForm(existing.first(), false);
        reloadList(m_currentId);
    }
}

AccountsDialog::~AccountsDialog()
{
    cancelTest();
}

// ---- the list ---------------------------------------------------------------------------------

void AccountsDialog::reloadList(const QString &selectId)
{
    QListWidget *list = m_ui->accountList;
    const QSignalBlocker blocker(list);
    list->clear();
    QListWidgetItem *selected = nullptr;
    const auto &registry = ProviderRegistry::instance();
    for (const Account &account : m_accounts->accounts()) {
        const ProviderAdapter *adapter = registry.find(account.providerName);
        QString detail = adapter ? adapter->displayName() : account.providerName;
        const bool missingKey = m_accounts->keyStatus(account.id) == AccountManager::KeyStatus::Missing;
        if (missingKey)
            detail = tr("%1 · no API key").arg(detail);
        auto *item = new QListWidgetItem(account.displayName, list);
        item->setData(idRole, account.id);
        item->setData(detailRole, detail);
        item->setData(problemRole, missingKey);
        item->setToolTip(account.displayName + u'\n' + detail);
        item->setData(Qt::AccessibleTextRole, account.displayName + ", "_L1 + detail);
        if (!m_editingNew && account.id == selectId)
            selected = item;
    }
    if (m_editingNew) {
        auto *item = new QListWidgetItem(tr("New account"), list);
        item->setData(detailRole, tr("not saved yet"));
        QFont font = item->font();
        font.setItalic(true);
        item->setFont(font);
        selected = item;
    }
    if (selected)
        list->setCurrentItem(selected);
    m_ui->removeButton->setEnabled(selected != nullptr);
}

void AccountsDialog::onCurrentItemChanged(QListWidgetItem *current, QListWidgetItem *previous)
{
    if (!current)
        return;
    const QString id = current->data(idRole).toString();
    if (id.isEmpty() || (!m_editingNew && id == m_currentId))
        return;
    if (!confirmLeavingForm()) {
        const QSignalBlocker blocker(m_ui->accountList);
        m_ui->accountList->setCurrentItem(previous);
        return;
    }
    selectAccount(id);
}

bool AccountsDialog::selectAccount(const QString &id)
{
    if (id.isEmpty()) {
        addAccount();
        return m_editingNew;
    }
    const Account *account = m_accounts->account(id);
    if (!account)
        return false;
    if ((m_dirty && (m_editingNew || id != m_currentId)) && !confirmLeavingForm())
        return false;
    m_editingNew = false;
    m_currentId = id;
    loadForm(*account, false);
    reloadList(id);
    return true;
}

// Asks what to do with unsaved edits; true when the form may be left.
bool AccountsDialog::confirmLeavingForm()
{
    if (!m_dirty)
        return true;
    QMessageBox box(QMessageBox::Question, tr("Unsaved Changes"),
                    tr("Save the changes to “%1”?").arg(m_ui->nameEdit->text().trimmed().isEmpty()
                                                            ? tr("New account")
                                                            : m_ui->nameEdit->text().trimmed()),
                    QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, this);
    box.setDefaultButton(QMessageBox::Save);
    switch (box.exec()) {
    case QMessageBox::Save:
        return save();
    case QMessageBox::Discard:
        setDirty(false);
        return true;
    default:
        return false;
    }
}

void AccountsDialog::addAccount()
{
    if (m_editingNew) {
        reloadList({});
        m_ui->nameEdit->setFocus();
        return;
    }
    if (!confirmLeavingForm())
        return;
    const auto &adapters = ProviderRegistry::instance().adapters();
    Account account;
    if (!adapters.empty()) {
        const ProviderAdapter &first = *adapters.front();
        account.providerName = first.name();
        account.baseUrl = first.defaultBaseUrl();
        account.intervalSeconds = first.defaultIntervalSeconds();
        account.displayName = uniqueName(first.displayName());
    }
    account.downloadDir = defaultDownloadDir();
    account.fileNameTemplate = FileNamer::defaultTemplate();
    account.autoDownload = true;

    m_editingNew = true;
    m_currentId.clear();
    loadForm(account, true);
    reloadList({});
    m_ui->providerCombo->setFocus();
}

void AccountsDialog::removeCurrentAccount()
{
    if (m_editingNew) {
        // An unsaved account is simply dropped.
        m_editingNew = false;
        setDirty(false);
        const QList<Account> remaining = m_accounts->accounts();
        if (remaining.isEmpty())
            addAccount();
        else
            selectAccount(remaining.first().id);
        return;
    }
    const Account *account = m_accounts->account(m_currentId);
    if (!account)
        return;

    int taskCount = 0;
    if (TaskEngine *engine = m_accounts->engine()) {
        for (int row = 0; row < engine->taskCount(); ++row) {
            if (engine->taskAt(row).key.accountId == m_currentId)
                ++taskCount;
        }
    }
    QMessageBox box(QMessageBox::Question, tr("Remove Account"),
                    tr("Remove the account “%1”?").arg(account->displayName), QMessageBox::NoButton, this);
    box.setInformativeText(
        tr("Its API key is forgotten. %n task(s) of this account stay in the list but are no longer checked; "
           "videos already saved stay on disk.",
           nullptr, taskCount));
    QPushButton *remove = box.addButton(tr("Remove account"), QMessageBox::DestructiveRole);
    remove->setObjectName(u"confirmRemoveButton"_s);
    box.addButton(QMessageBox::Cancel);
    box.setDefaultButton(QMessageBox::Cancel);
    box.exec();
    if (box.clickedButton() != remove)
        return;

    cancelTest();
    const QString id = m_currentId;
    setDirty(false);
    m_currentId.clear();
    m_accounts->removeAccount(id);
    const QList<Account> remaining = m_accounts->accounts();
    if (remaining.isEmpty())
        addAccount();
    else
        selectAccount(remaining.first().id);
}

// ---- the form ---------------------------------------------------------------------------------

void AccountsDialog::loadForm(const Account &account, bool isNew)
{
    cancelTest();
    m_loading = true;
    int providerIndex = m_ui->providerCombo->findData(account.providerName);
    if (providerIndex < 0) {
        const ProviderAdapter *adapter = ProviderRegistry::instance().find(account.providerName);
        providerIndex = adapter ? m_ui->providerCombo->findData(adapter->name()) : 0;
    }
    m_ui->providerCombo->setCurrentIndex(std::max(0, providerIndex));
    const ProviderAdapter *adapter = currentAdapter();

    m_ui->nameEdit->setText(account.displayName);
    m_ui->baseUrlEdit->setText(account.baseUrl.toString());
    m_ui->keyEdit->clear();
    m_ui->showKeyButton->setChecked(false);
    const int recommended = adapter ? adapter->defaultIntervalSeconds() : 10;
    m_ui->intervalSpin->setValue(account.intervalSeconds > 0 ? account.intervalSeconds : recommended);
    m_ui->folderEdit->setText(QDir::toNativeSeparators(account.downloadDir));
    m_ui->templateEdit->setText(account.fileNameTemplate.isEmpty() ? u"{id}"_s : account.fileNameTemplate);
    m_ui->autoDownloadCheck->setChecked(account.autoDownload);

    m_previousProvider = adapter ? adapter->name() : QString();
    m_nameTouched = !isNew;
    m_baseUrlTouched = !account.baseUrl.isEmpty() && (!adapter || account.baseUrl != adapter->defaultBaseUrl());
    m_intervalTouched = account.intervalSeconds > 0 && account.intervalSeconds != recommended;
    m_loading = false;

    m_showAllProblems = false;
    setDirty(false);
    showTestResult({}, TestOutcome::None);
    onProviderChanged();   // hints and placeholders for this provider; changes nothing the user set
    setDirty(false);
    updateKeyStorage();
    updateValidation();
    updateExample();
}

const ProviderAdapter *AccountsDialog::currentAdapter() const
{
    return ProviderRegistry::instance().find(m_ui->providerCombo->currentData().toString());
}

QUrl AccountsDialog::effectiveBaseUrl() const
{
    const QString text = m_ui->baseUrlEdit->text().trimmed();
    if (!text.isEmpty())
        return QUrl(text, QUrl::StrictMode);
    const ProviderAdapter *adapter = currentAdapter();
    return adapter ? adapter->defaultBaseUrl() : QUrl();
}

QString AccountsDialog::uniqueName(const QString &base) const
{
    auto taken = [this](const QString &name) {
        for (const Account &account : m_accounts->accounts()) {
            if (account.id != m_currentId && account.displayName.compare(name, Qt::CaseInsensitive) == 0)
                return true;
        }
        return false;
    };
    QString name = base;
    for (int n = 2; taken(name); ++n)
        name = u"%1 %2"_s.arg(base).arg(n);
    return name;
}

Account AccountsDialog::formAccount() const
{
    Account account;
    if (const Account *existing = m_editingNew ? nullptr : m_accounts->account(m_currentId))
        account = *existing;
    account.apiKey = m_ui->keyEdit->text().trimmed();   // empty: keep the stored key
    account.providerName = m_ui->providerCombo->currentData().toString();
    account.displayName = m_ui->nameEdit->text().trimmed();
    const QString baseUrl = m_ui->baseUrlEdit->text().trimmed();
    account.baseUrl = baseUrl.isEmpty() ? QUrl() : QUrl(baseUrl, QUrl::StrictMode);
    account.intervalSeconds = m_ui->intervalSpin->value();
    account.downloadDir = QDir::cleanPath(expandHome(m_ui->folderEdit->text().trimmed()));
    account.fileNameTemplate = m_ui->templateEdit->text().trimmed();
    account.autoDownload = m_ui->autoDownloadCheck->isChecked();
    return account;
}

void AccountsDialog::onProviderChanged()
{
    if (m_loading)
        return;   // loadForm() calls this itself once the form is filled
    const ProviderAdapter *adapter = currentAdapter();
    if (!adapter)
        return;
    const ProviderAdapter *previous = ProviderRegistry::instance().find(m_previousProvider);
    const bool wasLoading = m_loading;
    m_loading = true;

    // Pre-filled values follow the provider until the user makes them their own.
    const QString baseUrl = m_ui->baseUrlEdit->text().trimmed();
    if (!m_baseUrlTouched || baseUrl.isEmpty() || (previous && baseUrl == previous->defaultBaseUrl().toString())) {
        m_ui->baseUrlEdit->setText(adapter->defaultBaseUrl().toString());
        m_baseUrlTouched = false;
    }
    if (!m_intervalTouched || (previous && m_ui->intervalSpin->value() == previous->defaultIntervalSeconds())) {
        m_ui->intervalSpin->setValue(adapter->defaultIntervalSeconds());
        m_intervalTouched = false;
    }
    if (m_editingNew && !m_nameTouched)
        m_ui->nameEdit->setText(uniqueName(adapter->displayName()));
    m_loading = wasLoading;

    m_ui->baseUrlEdit->setPlaceholderText(adapter->defaultBaseUrl().isEmpty()
                                              ? tr("Your gateway's address, e.g. https://gateway.example.com")
                                              : adapter->defaultBaseUrl().toString());
    m_ui->intervalHint->setText(tr("per task (recommended: %1 seconds)").arg(adapter->defaultIntervalSeconds()));
    if (adapter->name() != m_previousProvider)
        cancelTest();
    m_previousProvider = adapter->name();
    onFormEdited();
}

void AccountsDialog::onFormEdited()
{
    if (m_loading)
        return;
    setDirty(true);
    updateValidation();
    updateExample();
}

void AccountsDialog::setDirty(bool dirty)
{
    m_dirty = dirty;
    setWindowModified(dirty);
    m_ui->buttonBox->button(QDialogButtonBox::Save)->setEnabled(dirty || m_editingNew);
}

// ---- validation -------------------------------------------------------------------------------

AccountsDialog::Problems AccountsDialog::problems() const
{
    Problems problems;
    const ProviderAdapter *adapter = currentAdapter();

    const QString name = m_ui->nameEdit->text().trimmed();
    if (name.isEmpty()) {
        problems.name = tr("Enter a name for this account.");
    } else {
        for (const Account &account : m_accounts->accounts()) {
            if ((m_editingNew || account.id != m_currentId) && account.displayName.compare(name, Qt::CaseInsensitive) == 0)
                problems.name = tr("Another account is already called “%1”.").arg(account.displayName);
        }
    }

    const QString baseUrl = m_ui->baseUrlEdit->text().trimmed();
    if (baseUrl.isEmpty()) {
        if (adapter && adapter->defaultBaseUrl().isEmpty())
            problems.baseUrl = tr("This provider has no public address: enter your gateway's API address, "
                                  "e.g. https://gateway.example.com.");
    } else {
        const QUrl url(baseUrl, QUrl::StrictMode);
        const QString scheme = url.scheme().toLower();
        if (!url.isValid() || url.host().isEmpty() || (scheme != "https"_L1 && scheme != "http"_L1))
            problems.baseUrl = tr("Enter a web address starting with https://, e.g. https://api.example.com.");
        else if (url.hasQuery() || url.hasFragment())
            problems.baseUrl = tr("Enter the address without “?” or “#” parts.");
    }

    const QString key = m_ui->keyEdit->text().trimmed();
    static const QRegularExpression whitespace(u"\\s"_s);
    if (key.contains(whitespace)) {
        problems.key = tr("The key contains spaces or line breaks: paste only the key.");
    } else if (key.isEmpty()) {
        if (m_editingNew)
            problems.key = tr("Enter the API key the provider gave you.");
    }

    const QString folder = expandHome(m_ui->folderEdit->text().trimmed());
    if (folder.isEmpty())
        problems.folder = tr("Choose the folder the videos are saved in.");
    else if (QDir::isRelativePath(folder))
        problems.folder = tr("Enter a full path, e.g. %1.").arg(defaultDownloadDir());

    const QString templ = m_ui->templateEdit->text().trimmed();
    if (templ.isEmpty()) {
        problems.templ = tr("Enter a file-name template, e.g. %1.").arg(FileNamer::defaultTemplate());
    } else if (templ.contains(u'/') || templ.contains(u'\\')) {
        problems.templ = tr("A file name cannot contain “/” or “\\”: videos are saved directly in the download folder.");
    } else {
        static const QRegularExpression field(u"\\{([^{}]*)\\}"_s);
        const QStringList known = FileNamer::fields();
        for (auto it = field.globalMatch(templ); it.hasNext();) {
            const QString name = it.next().captured(1);
            if (!known.contains(name)) {
                problems.templ = tr("Unknown field {%1}. Click one of the fields below to insert it.").arg(name);
                break;
            }
        }
    }
    return problems;
}

void AccountsDialog::showProblem(QLabel *label, const QString &message, bool show)
{
    label->setText(message);
    label->setVisible(show && !message.isEmpty());
}

void AccountsDialog::updateValidation()
{
    const Problems p = problems();
    const bool all = m_showAllProblems;
    // Format mistakes show while typing; "required" ones wait until the user tries to save.
    showProblem(m_ui->nameError, p.name, all || !m_ui->nameEdit->text().trimmed().isEmpty());
    showProblem(m_ui->baseUrlError, p.baseUrl, all || !m_ui->baseUrlEdit->text().trimmed().isEmpty());
    showProblem(m_ui->folderError, p.folder, all || !m_ui->folderEdit->text().trimmed().isEmpty());
    showProblem(m_ui->templateError, p.templ, all || !m_ui->templateEdit->text().trimmed().isEmpty());

    QString keyMessage = p.key;
    bool keyBlocking = !p.key.isEmpty();
    if (keyMessage.isEmpty() && !m_editingNew && m_ui->keyEdit->text().trimmed().isEmpty()
        && m_accounts->keyStatus(m_currentId) == AccountManager::KeyStatus::Missing) {
        keyMessage = tr("No key is stored for this account: enter it, or its tasks cannot be checked.");
    }
    showProblem(m_ui->keyError, keyMessage, all || !m_ui->keyEdit->text().trimmed().isEmpty() || !keyBlocking);
}

// ---- key storage ------------------------------------------------------------------------------

void AccountsDialog::updateKeyStorage()
{
    const SecretStore *secrets = m_accounts->secretStore();
    QString text;
    bool canChange = false;
    switch (secrets->keychainStatus()) {
    case SecretStore::KeychainStatus::Unknown:
    case SecretStore::KeychainStatus::Probing:
        text = tr("Looking for the system keychain…");
        break;
    case SecretStore::KeychainStatus::Available:
        text = tr("Kept in the system keychain.");
        break;
    case SecretStore::KeychainStatus::Unavailable:
        if (!secrets->hasFallbackChoice()) {
            text = tr("No system keychain is available: when you save, you choose between keeping the key for "
                      "this session only and saving it in a plain-text file.");
        } else if (secrets->fallbackBackend() == SecretStore::Backend::PlainFile) {
            text = tr("No system keychain: saved in plain text in %1, readable only by your user account.")
                       .arg(displayPath(secrets->plainFilePath()));
            canChange = true;
        } else {
            text = tr("No system keychain: kept for this session only, to be entered again after Reelkeep "
                      "restarts.");
            canChange = true;
        }
        break;
    }
    QString html = text.toHtmlEscaped();
    if (canChange)
        html += u" <a href=\"change\">%1</a>"_s.arg(tr("Change…").toHtmlEscaped());
    m_ui->keyStorageLabel->setText(html);
    m_ui->keyStorageLabel->setToolTip(secrets->keychainProblem());

    QString placeholder;
    if (m_editingNew) {
        placeholder = tr("Paste the key the provider gave you");
    } else {
        switch (m_accounts->keyStatus(m_currentId)) {
        case AccountManager::KeyStatus::Loading:
            placeholder = tr("Reading the stored key…");
            break;
        case AccountManager::KeyStatus::Present:
            placeholder = tr("Stored (hidden): type a new key to replace it");
            break;
        case AccountManager::KeyStatus::Missing:
            placeholder = tr("No key stored: paste the key here");
            break;
        }
    }
    m_ui->keyEdit->setPlaceholderText(placeholder);
}

// Lets the user choose where keys go while there is no keychain; false if they cancelled.
bool AccountsDialog::chooseFallbackStorage()
{
    SecretStore *secrets = m_accounts->secretStore();
    QMessageBox box(QMessageBox::Warning, tr("No System Keychain"),
                    tr("Reelkeep cannot reach a system keychain (such as GNOME Keyring or KWallet) to keep "
                       "API keys safe. How should it keep them?"),
                    QMessageBox::NoButton, this);
    box.setInformativeText(
        tr("<p><b>For this session only:</b> the key stays in memory and is forgotten when Reelkeep quits. "
           "You enter it again next time.</p>"
           "<p><b>In a plain-text file:</b> the key is saved unencrypted in %1, readable only by your user "
           "account. Anyone who can read your files or backups can read the key.</p>")
            .arg(QDir::toNativeSeparators(secrets->plainFilePath()).toHtmlEscaped()));
    QPushButton *session = box.addButton(tr("For this session only"), QMessageBox::AcceptRole);
    session->setObjectName(u"sessionOnlyButton"_s);
    QPushButton *file = box.addButton(tr("In a plain-text file"), QMessageBox::AcceptRole);
    file->setObjectName(u"plainFileButton"_s);
    box.addButton(QMessageBox::Cancel);
    box.setDefaultButton(session);
    box.exec();
    if (box.clickedButton() == session)
        secrets->setFallbackBackend(SecretStore::Backend::SessionOnly);
    else if (box.clickedButton() == file)
        secrets->setFallbackBackend(SecretStore::Backend::PlainFile);
    else
        return false;
    updateKeyStorage();
    return true;
}

// ---- file names -------------------------------------------------------------------------------

void AccountsDialog::updateTemplateHelp()
{
    QString html = u"<p style=\"margin:0\">%1</p><table cellspacing=\"0\" cellpadding=\"1\">"_s.arg(
        tr("Fields (click to insert):").toHtmlEscaped());
    for (const QString &field : FileNamer::fields()) {
        html += u"<tr><td><a href=\"%1%2\">{%2}</a>&nbsp;&nbsp;</td><td>%3</td></tr>"_s.arg(
            fieldLinkPrefix, field, FileNamer::fieldDescription(field).toHtmlEscaped());
    }
    html += "</table>"_L1;
    m_ui->fieldsLabel->setText(html);
}

void AccountsDialog::insertTemplateField(const QString &link)
{
    if (!link.startsWith(fieldLinkPrefix))
        return;
    m_ui->templateEdit->insert(u'{' + link.mid(fieldLinkPrefix.size()) + u'}');
    m_ui->templateEdit->setFocus();
}

void AccountsDialog::updateExample()
{
    const ProviderAdapter *adapter = currentAdapter();
    const QDateTime now = QDateTime::currentDateTime();
    const QString name = m_ui->nameEdit->text().trimmed();
    // Values as the engine fills them for a finished task (see TaskEngine::renderFileName()).
    const QHash<QString, QString> sample{
        {u"id"_s, u"video_68d2f7a1c9e04b3e"_s},
        {u"account"_s, name.isEmpty() ? tr("My account") : name},
        {u"provider"_s, adapter ? adapter->name() : QString()},
        {u"model"_s, u"hailuo-02"_s},
        {u"date"_s, now.toString(u"yyyy-MM-dd"_s)},
        {u"time"_s, now.toString(u"HHmmss"_s)},
        {u"duration"_s, u"6s"_s},
        {u"resolution"_s, u"1280x720"_s},
    };
    QString templ = m_ui->templateEdit->text().trimmed();
    if (templ.isEmpty())
        templ = FileNamer::defaultTemplate();
    const QString fileName = FileNamer::sanitize(FileNamer::render(templ, sample)) + ".mp4"_L1;
    m_ui->exampleLabel->setText(tr("Example: %1").arg(fileName));
}

void AccountsDialog::chooseFolder()
{
    const QString start = expandHome(m_ui->folderEdit->text().trimmed());
    const QString folder = QFileDialog::getExistingDirectory(this, tr("Download Folder"),
                                                             start.isEmpty() ? defaultDownloadDir() : start);
    if (!folder.isEmpty())
        m_ui->folderEdit->setText(QDir::toNativeSeparators(folder));
}

// ---- saving -----------------------------------------------------------------------------------

bool AccountsDialog::save()
{
    m_showAllProblems = true;
    updateValidation();
    const Problems p = problems();
    if (p.any()) {
        const std::pair<QString, QWidget *> fields[] = {{p.name, m_ui->nameEdit},
                                                        {p.baseUrl, m_ui->baseUrlEdit},
                                                        {p.key, m_ui->keyEdit},
                                                        {p.folder, m_ui->folderEdit},
                                                        {p.templ, m_ui->templateEdit}};
        for (const auto &[message, widget] : fields) {
            if (!message.isEmpty()) {
                widget->setFocus();
                break;
            }
        }
        return false;
    }

    Account account = formAccount();
    SecretStore *secrets = m_accounts->secretStore();
    if (!account.apiKey.isEmpty() && secrets->keychainStatus() == SecretStore::KeychainStatus::Unavailable
        && !secrets->hasFallbackChoice() && !chooseFallbackStorage()) {
        return false;
    }

    m_editingNew = false;
    m_currentId = m_accounts->saveAccount(account);   // accountsChanged() rebuilds the list
    m_loading = true;
    m_ui->keyEdit->clear();
    m_ui->showKeyButton->setChecked(false);
    m_loading = false;
    m_nameTouched = true;
    m_showAllProblems = false;
    setDirty(false);
    reloadList(m_currentId);
    updateKeyStorage();
    updateValidation();
    emit accountSaved(m_currentId);
    return true;
}

void AccountsDialog::done(int result)
{
    if (!confirmLeavingForm())
        return;
    cancelTest();
    QDialog::done(result);
}

// ---- test connection --------------------------------------------------------------------------

void AccountsDialog::testConnection()
{
    cancelTest();
    const ProviderAdapter *adapter = currentAdapter();
    const Problems p = problems();
    if (!adapter || !p.baseUrl.isEmpty()) {
        showProblem(m_ui->baseUrlError, p.baseUrl, true);
        showTestResult(tr("Enter a valid API address first."), TestOutcome::Failure);
        return;
    }
    QString key = m_ui->keyEdit->text().trimmed();
    if (key.isEmpty() && !m_editingNew) {
        if (const Account *stored = m_accounts->account(m_currentId))
            key = stored->apiKey;
    }
    if (key.isEmpty()) {
        showTestResult(tr("Enter the API key first."), TestOutcome::Failure);
        return;
    }

    const QUrl baseUrl = effectiveBaseUrl();
    HttpFetcher::Options options;
    options.inactivityTimeoutMs = 20'000;
    options.maxBodyBytes = 1024 * 1024;
    // An ID no provider has: "not found" proves the key was accepted without touching a real task.
    m_testFetcher = HttpFetcher::get(m_network, adapter->queryUrl(baseUrl, u"reelkeep-connection-test"_s),
                                     ApiCredentials(baseUrl, key), options, this);
    connect(m_testFetcher, &HttpFetcher::finished, this,
            [this, adapter](const HttpResponse &response) { onTestFinished(adapter, response); });
    setTestBusy(true);
}

void AccountsDialog::onTestFinished(const ProviderAdapter *adapter, const HttpResponse &response)
{
    m_testFetcher = nullptr;
    setTestBusy(false);
    const PollResult result = adapter->parseQueryReply(response);
    switch (result.outcome) {
    case PollResult::Outcome::Snapshot:
    case PollResult::Outcome::NotFound:
        showTestResult(tr("Connected: the key works."), TestOutcome::Success);
        return;
    case PollResult::Outcome::AuthRejected:
        showTestResult(tr("The API key was rejected."), TestOutcome::Failure);
        return;
    case PollResult::Outcome::AccountBlocked:
        showTestResult(tr("The key was accepted, but the provider refused the account: %1").arg(result.message), TestOutcome::Failure);
        return;
    case PollResult::Outcome::RateLimited:
        showTestResult(tr("The provider is limiting requests right now. Try again in a minute."), TestOutcome::Failure);
        return;
    case PollResult::Outcome::TransientError:
        break;
    }
    // Some APIs answer an unknown ID with 200 and an error code of their own (MiniMax: 2013);
    // a structured answer that is not about the key means the key got through.
    if (response.isHttpSuccess() && QJsonDocument::fromJson(response.body).isObject()) {
        showTestResult(tr("Connected: the key works."), TestOutcome::Success);
        return;
    }
    if (!response.networkError.isEmpty())
        showTestResult(tr("Could not connect: %1").arg(response.networkError), TestOutcome::Failure);
    else if (response.statusCode >= 500)
        showTestResult(tr("The provider has a problem (HTTP %1). Try again later.").arg(response.statusCode), TestOutcome::Failure);
    else
        showTestResult(tr("Unexpected answer (HTTP %1): is the API address right?").arg(response.statusCode), TestOutcome::Failure);
}

void AccountsDialog::cancelTest()
{
    if (m_testFetcher) {
        m_testFetcher->disconnect(this);
        m_testFetcher->abort();
        m_testFetcher = nullptr;
    }
    setTestBusy(false);
    if (!m_loading)
        showTestResult({}, TestOutcome::None);
}

void AccountsDialog::setTestBusy(bool busy)
{
    m_ui->testProgress->setVisible(busy);
    m_ui->testButton->setEnabled(!busy);
    if (busy)
        showTestResult(tr("Testing…"), TestOutcome::Busy);
}

void AccountsDialog::showTestResult(const QString &message, TestOutcome outcome)
{
    m_ui->testResultLabel->setText(message);
    QColor color = palette().color(QPalette::WindowText);
    if (outcome == TestOutcome::Success)
        color = successColor(palette());
    else if (outcome == TestOutcome::Failure)
        color = problemColor(palette());
    setTextColor(m_ui->testResultLabel, color);
}
