#include "addtasksdialog.h"
#include "ui_addtasksdialog.h"

#include "accountmanager.h"
#include "accountsdialog.h"
#include "idextractor.h"
#include "providerregistry.h"
#include "statuspalette.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QLocale>
#include <QFontDatabase>
#include <QNetworkAccessManager>
#include <QPointer>
#include <QPushButton>
#include <QSet>
#include <QThreadPool>

using namespace Qt::StringLiterals;

namespace
{
constexpr int previewLimit = 200;
constexpr int debounceMs = 150;
// Above this many characters (about 4 MB) only the beginning goes into the editor.
constexpr qsizetype largeTextChars = 2 * 1024 * 1024;
constexpr qsizetype shownPartChars = 256 * 1024;
// Adding: IDs per engine call, and how long one turn of the event loop may spend adding.
constexpr int addSliceSize = 500;
constexpr int addBudgetMs = 40;

bool isTokenChar(QChar c)
{
    const char16_t u = c.unicode();
    return (u >= u'a' && u <= u'z') || (u >= u'A' && u <= u'Z') || (u >= u'0' && u <= u'9') || u == u'_' || u == u'-'
        || u == u'.';
}

QStringView trimDotsAndDashes(QStringView token)
{
    while (!token.isEmpty() && (token.front() == u'.' || token.front() == u'-'))
        token = token.sliced(1);
    while (!token.isEmpty() && (token.back() == u'.' || token.back() == u'-'))
        token.chop(1);
    return token;
}

// "1 new task ID" / "%n new task IDs": singular and plural as separate strings, so the English
// text reads well without a translation file and translators still get %n.
QString counted(int n, const char *one, const char *many)
{
    return n == 1 ? AddTasksDialog::tr(one) : AddTasksDialog::tr(many, nullptr, n);
}
} // namespace

AddTasksDialog::AddTasksDialog(TaskEngine *engine, AccountManager *accounts, QWidget *parent)
    : QDialog(parent)
    , m_ui(std::make_unique<Ui::AddTasksDialog>())
    , m_engine(engine)
    , m_accounts(accounts)
{
    m_ui->setupUi(this);

    // The "no account" banner stands out from the dialog without shouting.
    QPalette banner = m_ui->noAccountFrame->palette();
    banner.setColor(QPalette::Window, palette().color(QPalette::AlternateBase));
    m_ui->noAccountFrame->setPalette(banner);
    QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    m_ui->textEdit->setFont(mono);
    m_ui->previewList->setFont(mono);
    QPalette warning = m_ui->accountWarning->palette();
    warning.setColor(QPalette::WindowText, StatusPalette::isDark(palette()) ? QColor(0xff, 0x8a, 0x80)
                                                                            : QColor(0xb7, 0x1c, 0x1c));
    m_ui->accountWarning->setPalette(warning);
    m_ui->accountWarning->hide();
    m_ui->largeTextFrame->setPalette(banner);
    m_ui->largeTextFrame->hide();

    m_debounce.setSingleShot(true);
    m_debounce.setInterval(debounceMs);
    connect(&m_debounce, &QTimer::timeout, this, &AddTasksDialog::startScan);
    connect(m_ui->textEdit, &QPlainTextEdit::textChanged, this, &AddTasksDialog::scheduleScan);
    connect(m_ui->accountCombo, &QComboBox::currentIndexChanged, this, [this] {
        updateAccountWarning();
        if (m_scanCurrent)
            classify();
    });
    connect(m_ui->addAccountButton, &QPushButton::clicked, this, &AddTasksDialog::openAccountsDialog);
    connect(m_ui->editAllButton, &QPushButton::clicked, this, &AddTasksDialog::editAllText);
    connect(m_ui->buttonBox, &QDialogButtonBox::accepted, this, &AddTasksDialog::accept);
    connect(m_ui->buttonBox, &QDialogButtonBox::rejected, this, &AddTasksDialog::reject);
    connect(m_accounts, &AccountManager::accountsChanged, this, &AddTasksDialog::refreshAccounts);

    refreshAccounts();
    classify();
    m_ui->textEdit->setFocus();
}

AddTasksDialog::~AddTasksDialog() = default;

void AddTasksDialog::setText(const QString &text)
{
    if (text.size() > largeTextChars) {
        m_largeText = text;
        qsizetype cut = text.lastIndexOf(u'\n', shownPartChars);
        if (cut <= 0)
            cut = shownPartChars;
        m_ui->largeTextLabel->setText(
            tr("This text is %1 long: only its beginning is shown, but all of it is scanned for task IDs.")
                .arg(QLocale().formattedDataSize(text.size())));
        m_ui->largeTextFrame->show();
        m_ui->textEdit->setReadOnly(true);
        m_ui->textEdit->setPlainText(text.left(cut));
    } else {
        m_largeText = QString();
        m_ui->largeTextFrame->hide();
        m_ui->textEdit->setReadOnly(false);
        m_ui->textEdit->setPlainText(text);
    }
    startScan();
}

void AddTasksDialog::editAllText()
{
    if (m_largeText.isNull())
        return;
    const QString all = std::exchange(m_largeText, QString());
    m_ui->largeTextFrame->hide();
    m_ui->textEdit->setReadOnly(false);
    m_ui->textEdit->setPlainText(all);
    startScan();
}

QString AddTasksDialog::text() const
{
    return m_largeText.isNull() ? m_ui->textEdit->toPlainText() : m_largeText;
}

QString AddTasksDialog::selectedAccountId() const
{
    return m_ui->accountCombo->currentData().toString();
}

// ---- accounts ---------------------------------------------------------------------------------

void AddTasksDialog::refreshAccounts()
{
    if (m_adding)
        return;
    QComboBox *combo = m_ui->accountCombo;
    QString select = combo->currentData().toString();
    if (select.isEmpty())
        select = m_accounts->lastUsedAccountId();
    {
        const QSignalBlocker blocker(combo);
        combo->clear();
        const auto &registry = ProviderRegistry::instance();
        for (const Account &account : m_accounts->accounts()) {
            const ProviderAdapter *adapter = registry.find(account.providerName);
            combo->addItem(tr("%1 — %2").arg(account.displayName,
                                              adapter ? adapter->displayName() : account.providerName),
                           account.id);
        }
        const int index = combo->findData(select);
        combo->setCurrentIndex(index >= 0 ? index : 0);
    }
    const bool none = !m_accounts->hasAccounts();
    m_ui->noAccountFrame->setVisible(none);
    combo->setEnabled(!none);
    updateAccountWarning();
    if (m_scanCurrent)
        classify();
}

void AddTasksDialog::updateAccountWarning()
{
    const QString id = selectedAccountId();
    const bool missing = !id.isEmpty() && m_accounts->keyStatus(id) == AccountManager::KeyStatus::Missing;
    m_ui->accountWarning->setText(missing ? tr("This account has no API key: its tasks are added now and checked "
                                               "once you enter the key under Accounts.")
                                          : QString());
    m_ui->accountWarning->setVisible(missing);
}

void AddTasksDialog::openAccountsDialog()
{
    if (!m_network)
        m_network = new QNetworkAccessManager(this);
    AccountsDialog dialog(m_accounts, m_network, this);
    if (dialog.exec() != QDialog::Accepted && !m_accounts->hasAccounts())
        return;
    // A new account is most likely the one the user wants these tasks in.
    refreshAccounts();
    const QString saved = dialog.currentAccountId();
    const int index = m_ui->accountCombo->findData(saved);
    if (index >= 0)
        m_ui->accountCombo->setCurrentIndex(index);
}

// ---- scanning ---------------------------------------------------------------------------------

void AddTasksDialog::scheduleScan()
{
    ++m_generation;
    m_scanCurrent = false;
    updateSummary();
    m_debounce.start();
}

void AddTasksDialog::startScan()
{
    m_debounce.stop();
    ++m_generation;
    m_scanCurrent = false;
    updateSummary();
    if (m_scanRunning) {
        m_scanPending = true;   // rescanned with the newest text when this one ends
        return;
    }
    runScan();
}

void AddTasksDialog::runScan()
{
    m_scanRunning = true;
    m_scanPending = false;
    const QString text = this->text();
    const quint64 generation = m_generation;
    // The answer goes through the application object: the dialog may be gone by then, and a
    // QPointer is only ever read on the GUI thread.
    QPointer<AddTasksDialog> self(this);
    QThreadPool::globalInstance()->start([self, text, generation] {
        ScanResult result = scan(text);
        QMetaObject::invokeMethod(
            qApp,
            [self, result = std::move(result), generation] {
                if (self)
                    self->onScanned(generation, result);
            },
            Qt::QueuedConnection);
    });
}

void AddTasksDialog::onScanned(quint64 generation, const ScanResult &result)
{
    m_scanRunning = false;
    if (m_scanPending) {
        runScan();
        return;
    }
    if (generation != m_generation)
        return;   // a newer scan is waiting for its debounce
    m_found = result.ids;
    m_ignoredLines = result.ignoredLines;
    m_scanCurrent = true;
    classify();
    emit scanFinished();
}

// Runs on a worker thread: the IDs, and how many lines with words in them held none.
AddTasksDialog::ScanResult AddTasksDialog::scan(const QString &text)
{
    ScanResult result;
    result.ids = IdExtractor::extract(text);
    QSet<QStringView> ids;
    ids.reserve(result.ids.size());
    for (const QString &id : std::as_const(result.ids))
        ids.insert(id);

    const QStringView all(text);
    qsizetype lineStart = 0;
    while (lineStart <= all.size()) {
        qsizetype lineEnd = all.indexOf(u'\n', lineStart);
        if (lineEnd < 0)
            lineEnd = all.size();
        const QStringView line = all.sliced(lineStart, lineEnd - lineStart);
        bool hasWords = false;
        bool hasId = false;
        for (qsizetype i = 0; i < line.size() && !hasId;) {
            if (!isTokenChar(line.at(i))) {
                ++i;
                continue;
            }
            qsizetype end = i;
            while (end < line.size() && isTokenChar(line.at(end)))
                ++end;
            const QStringView token = line.sliced(i, end - i);
            hasWords = hasWords || std::any_of(token.begin(), token.end(), [](QChar c) { return c.isLetterOrNumber(); });
            hasId = ids.contains(token) || ids.contains(trimDotsAndDashes(token));
            i = end;
        }
        if (hasWords && !hasId)
            ++result.ignoredLines;
        lineStart = lineEnd + 1;
    }
    return result;
}

void AddTasksDialog::classify()
{
    m_newIds.clear();
    m_existingIds.clear();
    m_unusableIds.clear();
    const QString accountId = selectedAccountId();
    for (const QString &id : std::as_const(m_found)) {
        if (!TaskEngine::isAcceptableId(id))
            m_unusableIds << id;
        else if (!accountId.isEmpty() && m_engine->rowOf({accountId, id}) >= 0)
            m_existingIds << id;
        else
            m_newIds << id;
    }
    updateSummary();
    updatePreview();
}

// ---- presenting -------------------------------------------------------------------------------

void AddTasksDialog::updateSummary()
{
    if (m_adding)
        return;   // the progress of adding is shown instead
    QPushButton *ok = m_ui->buttonBox->button(QDialogButtonBox::Ok);
    const int count = int(m_newIds.size());
    const bool ready = m_scanCurrent && count > 0 && !selectedAccountId().isEmpty();
    ok->setEnabled(ready);
    ok->setText(ready ? counted(count, QT_TR_NOOP("Add 1 task"), QT_TR_NOOP("Add %n tasks")) : tr("Add tasks"));

    if (!m_scanCurrent) {
        // Keeps the last numbers while typing; a long scan says so.
        if (m_ui->summaryLabel->text().isEmpty())
            m_ui->summaryLabel->setText(tr("Looking for task IDs…"));
        return;
    }
    if (m_found.isEmpty() && m_ignoredLines == 0) {
        m_ui->summaryLabel->setText(tr("No task IDs yet."));
        return;
    }
    QStringList parts{counted(count, QT_TR_NOOP("1 new task ID"), QT_TR_NOOP("%n new task IDs")),
                      tr("%n already in the list", nullptr, int(m_existingIds.size())),
                      counted(ignoredCount(), QT_TR_NOOP("1 line ignored"), QT_TR_NOOP("%n lines ignored"))};
    m_ui->summaryLabel->setText(parts.join(", "_L1));
}

void AddTasksDialog::updatePreview()
{
    QListWidget *list = m_ui->previewList;
    list->setUpdatesEnabled(false);
    list->clear();
    const QSet<QString> existing(m_existingIds.cbegin(), m_existingIds.cend());
    const QColor dim = palette().color(QPalette::PlaceholderText);
    const int shown = int(std::min<qsizetype>(m_found.size(), previewLimit));
    for (int i = 0; i < shown; ++i) {
        const QString &id = m_found.at(i);
        // Said in words as well as in grey: colour alone is easy to miss.
        const bool known = existing.contains(id);
        auto *item = new QListWidgetItem(known ? tr("(in list) %1").arg(id) : id, list);
        item->setData(Qt::UserRole, id);
        if (known) {
            item->setForeground(dim);
            item->setToolTip(tr("Already in the list"));
        }
    }
    list->setUpdatesEnabled(true);
    if (m_found.size() > previewLimit)
        m_ui->previewLabel->setText(tr("Task IDs found (first %1 of %2)").arg(previewLimit).arg(m_found.size()));
    else if (!m_found.isEmpty())
        m_ui->previewLabel->setText(tr("Task IDs found (%1)").arg(m_found.size()));
    else
        m_ui->previewLabel->setText(tr("Task IDs found"));
}

void AddTasksDialog::accept()
{
    const QString accountId = selectedAccountId();
    if (m_adding || !m_scanCurrent || m_newIds.isEmpty() || accountId.isEmpty())
        return;
    m_adding = true;
    m_stopAdding = false;
    m_addingTo = accountId;
    m_addedUpTo = 0;
    m_addResult = {};
    m_accounts->setLastUsedAccountId(accountId);
    for (QWidget *widget : std::initializer_list<QWidget *>{m_ui->textEdit, m_ui->accountCombo, m_ui->editAllButton,
                                                             m_ui->addAccountButton})
        widget->setEnabled(false);
    m_ui->buttonBox->button(QDialogButtonBox::Ok)->setEnabled(false);
    addNextSlice();
}

// The engine records each task before returning; many thousands at once would hold the
// window for seconds, so they go in slices with the event loop turning in between.
void AddTasksDialog::addNextSlice()
{
    QElapsedTimer clock;
    clock.start();
    while (m_addedUpTo < m_newIds.size() && !m_stopAdding && clock.elapsed() < addBudgetMs) {
        const qsizetype count = std::min<qsizetype>(addSliceSize, m_newIds.size() - m_addedUpTo);
        const TaskEngine::AddResult slice = m_engine->addTasks(m_addingTo, m_newIds.mid(m_addedUpTo, count));
        m_addResult.added += slice.added;
        m_addResult.alreadyPresent += slice.alreadyPresent;
        m_addResult.rejected += slice.rejected;
        m_addedUpTo += count;
    }
    if (m_addedUpTo >= m_newIds.size() || m_stopAdding) {
        finishAdding();
        return;
    }
    m_ui->summaryLabel->setText(tr("Adding tasks… %1 of %2")
                                    .arg(QLocale().toString(m_addedUpTo), QLocale().toString(m_newIds.size())));
    QMetaObject::invokeMethod(this, &AddTasksDialog::addNextSlice, Qt::QueuedConnection);
}

void AddTasksDialog::finishAdding()
{
    const bool stopped = m_stopAdding;
    m_adding = false;
    m_stopAdding = false;
    if (stopped)
        QDialog::reject();
    else
        QDialog::accept();
}

void AddTasksDialog::reject()
{
    // Stops adding; what was added stays (it is recorded already) and addResult() says so.
    if (m_adding) {
        m_stopAdding = true;
        return;
    }
    QDialog::reject();
}
