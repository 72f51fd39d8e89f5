#include "taskdetailspanel.h"

#include "clock.h"
#include "statuspalette.h"
#include "taskengine.h"
#include "tasklistmodel.h"

#include <QDir>
#include <QEvent>
#include <QFileInfo>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QHBoxLayout>
#include <QLocale>
#include <QRegularExpression>
#include <QStackedWidget>
#include <QStyledItemDelegate>
#include <QTimer>
#include <QTreeWidget>
#include <QUrl>
#include <QVBoxLayout>

#include <algorithm>
#include <cstdlib>

using namespace Qt::StringLiterals;

namespace
{
constexpr int maxRecentEvents = 4096;
constexpr int refreshDelayMs = 100;

QString dash()
{
    return u"\u2014"_s;
}

// History messages are often a sentence long: wrap them in their column. A tree view asks for
// row heights without telling the delegate the column's width, so the delegate looks it up.
class WrappingDelegate : public QStyledItemDelegate
{
public:
    explicit WrappingDelegate(QTreeView *view) : QStyledItemDelegate(view), m_view(view) {}

    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override
    {
        // Only the stretching last column wraps; the others size to their contents.
        const int lastColumn = m_view->header()->count() - 1;
        QStyleOptionViewItem opt = option;
        initStyleOption(&opt, index);
        const int width = m_view->header()->sectionSize(index.column());
        if (index.column() != lastColumn || opt.text.isEmpty() || width <= 0)
            return QStyledItemDelegate::sizeHint(option, index);
        const int margin = 2 * (m_view->style()->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, m_view) + 1);
        const QRect bounds = opt.fontMetrics.boundingRect(QRect(0, 0, std::max(20, width - margin), 100'000),
                                                          Qt::TextWordWrap | Qt::AlignLeft, opt.text);
        return {width, bounds.height() + 4};
    }

private:
    QTreeView *m_view;
};
} // namespace

TaskDetailsPanel::TaskDetailsPanel(TaskEngine *engine, Clock *clock, QWidget *parent)
    : QWidget(parent), m_engine(engine), m_clock(clock), m_stack(new QStackedWidget(this)),
      m_placeholder(new QLabel(this)), m_title(new QLabel(this)), m_badge(new QLabel(this)),
      m_form(new QFormLayout), m_history(new QTreeWidget(this)), m_refreshTimer(new QTimer(this)),
      m_countdownTimer(new QTimer(this))
{
    setObjectName(u"taskDetailsPanel"_s);
    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(m_stack);

    m_placeholder->setAlignment(Qt::AlignCenter);
    m_placeholder->setWordWrap(true);
    m_placeholder->setForegroundRole(QPalette::PlaceholderText);
    m_placeholder->setObjectName(u"detailsPlaceholder"_s);
    m_stack->addWidget(m_placeholder);

    auto *page = new QWidget(m_stack);
    auto *layout = new QVBoxLayout(page);
    layout->setContentsMargins(10, 8, 10, 8);
    layout->setSpacing(8);

    auto *header = new QHBoxLayout;
    header->setSpacing(8);
    m_title->setObjectName(u"detailsTitle"_s);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_title->setTextFormat(Qt::PlainText);
    QFont titleFont = font();
    titleFont.setWeight(QFont::DemiBold);
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.1);
    m_title->setFont(titleFont);
    m_title->setMinimumWidth(40);
    m_title->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_badge->setObjectName(u"detailsBadge"_s);
    m_badge->setAlignment(Qt::AlignCenter);
    header->addWidget(m_title, 1);
    header->addWidget(m_badge, 0);
    layout->addLayout(header);

    m_form->setContentsMargins(0, 0, 0, 0);
    m_form->setLabelAlignment(Qt::AlignRight | Qt::AlignTop);
    m_form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    m_form->setHorizontalSpacing(10);
    m_form->setVerticalSpacing(4);
    const Field fields[] = {Field::Status, Field::ProviderStatus, Field::Account, Field::Model, Field::Duration,
                            Field::Resolution, Field::Size, Field::UrlExpiry, Field::File, Field::Error};
    for (const Field field : fields) {
        auto *value = new QLabel(page);
        value->setObjectName(u"detailsValue%1"_s.arg(int(field)));
        value->setWordWrap(true);
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        value->setTextFormat(Qt::PlainText);
        value->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
        m_values.insert(field, value);
        auto *label = new QLabel(page);
        label->setForegroundRole(QPalette::PlaceholderText);
        m_form->addRow(label, value);
    }
    QLabel *file = valueLabel(Field::File);
    file->setTextFormat(Qt::RichText);
    file->setTextInteractionFlags(Qt::TextBrowserInteraction);
    connect(file, &QLabel::linkActivated, this, [this](const QString &link) {
        emit openFileRequested(QUrl(link).toLocalFile());
    });
    layout->addLayout(m_form);

    auto *historyTitle = new QLabel(page);
    historyTitle->setObjectName(u"historyTitle"_s);
    historyTitle->setFont(titleFont);
    layout->addSpacing(4);
    layout->addWidget(historyTitle);

    m_history->setObjectName(u"historyView"_s);
    m_history->setRootIsDecorated(false);
    m_history->setUniformRowHeights(false);
    m_history->setWordWrap(true);
    m_history->setColumnCount(3);
    m_history->setSelectionMode(QAbstractItemView::NoSelection);
    m_history->setFocusPolicy(Qt::NoFocus);
    m_history->header()->setStretchLastSection(true);
    m_history->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_history->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    m_history->setItemDelegate(new WrappingDelegate(m_history));
    m_history->setTextElideMode(Qt::ElideNone);
    m_history->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    // Row heights depend on the message column's width.
    connect(m_history->header(), &QHeaderView::sectionResized, m_history, &QTreeView::doItemsLayout);
    layout->addWidget(m_history, 1);
    m_stack->addWidget(page);

    m_refreshTimer->setSingleShot(true);
    m_refreshTimer->setInterval(refreshDelayMs);
    connect(m_refreshTimer, &QTimer::timeout, this, &TaskDetailsPanel::refresh);
    m_countdownTimer->setInterval(1000);
    connect(m_countdownTimer, &QTimer::timeout, this, &TaskDetailsPanel::refresh);

    connect(engine, &TaskEngine::taskChanged, this, [this](int row, TaskEngine::Changes) { onTaskChanged(row); });
    connect(engine, &TaskEngine::taskEvent, this, &TaskDetailsPanel::onTaskEvent);
    connect(engine, &TaskEngine::taskRemoved, this, [this] {
        if (m_key.isValid() && !m_engine->task(m_key))
            showSelectionCount(0);
    });

    changeEvent(nullptr);
    showSelectionCount(0);
}

void TaskDetailsPanel::changeEvent(QEvent *event)
{
    if (!event || event->type() == QEvent::LanguageChange) {
        const std::pair<Field, QString> labels[] = {
            {Field::Status, tr("Status:")},       {Field::ProviderStatus, tr("Provider says:")},
            {Field::Account, tr("Account:")},     {Field::Model, tr("Model:")},
            {Field::Duration, tr("Duration:")},   {Field::Resolution, tr("Resolution:")},
            {Field::Size, tr("Size:")},           {Field::UrlExpiry, tr("Link expires:")},
            {Field::File, tr("Saved file:")},     {Field::Error, tr("Last error:")},
        };
        for (const auto &[field, text] : labels) {
            if (auto *label = qobject_cast<QLabel *>(m_form->labelForField(valueLabel(field))))
                label->setText(text);
        }
        m_history->setHeaderLabels({tr("Time"), tr("Status"), tr("Message")});
        if (auto *title = findChild<QLabel *>(u"historyTitle"_s))
            title->setText(tr("History"));
        if (event && m_key.isValid())
            refresh();
    }
    if (event && event->type() == QEvent::PaletteChange && m_key.isValid()) {
        refresh();
        reloadHistory();   // its state colours are chosen for the palette
    }
    if (event)
        QWidget::changeEvent(event);
}

void TaskDetailsPanel::showSelectionCount(int count)
{
    m_key = {};
    m_countdownTimer->stop();
    m_refreshTimer->stop();
    m_history->clear();
    m_placeholder->setText(count > 1 ? tr("%n tasks selected.", nullptr, count)
                                     : tr("Select a task to see its details and history."));
    m_stack->setCurrentWidget(m_placeholder);
}

void TaskDetailsPanel::showTask(const TaskKey &key)
{
    if (!m_engine->task(key)) {
        showSelectionCount(0);
        return;
    }
    const bool same = key == m_key;
    m_key = key;
    m_stack->setCurrentIndex(1);
    refresh();
    if (!same)
        reloadHistory();
    m_countdownTimer->start();
}

void TaskDetailsPanel::onTaskChanged(int row)
{
    if (m_key.isValid() && row >= 0 && row < m_engine->taskCount() && m_engine->taskAt(row).key == m_key
        && !m_refreshTimer->isActive()) {
        m_refreshTimer->start();
    }
}

void TaskDetailsPanel::onTaskEvent(const TaskEvent &event)
{
    m_recentEvents << event;
    if (m_recentEvents.size() > maxRecentEvents)
        m_recentEvents.remove(0, m_recentEvents.size() - maxRecentEvents / 2);
    if (event.key == m_key)
        addHistoryItem(event);
}

QString TaskDetailsPanel::formatTime(const QDateTime &utc) const
{
    if (!utc.isValid())
        return {};
    const QDateTime local = utc.toLocalTime();
    const QLocale locale;
    if (local.date() == QDate::currentDate())
        return locale.toString(local.time(), u"HH:mm:ss"_s);
    return locale.toString(local, QLocale::ShortFormat);
}

void TaskDetailsPanel::reloadHistory()
{
    m_history->clear();
    const TaskKey key = m_key;
    ++m_historyRequest;
    const quint64 request = m_historyRequest;
    // Read off the GUI thread; a newer selection makes this answer stale.
    m_engine->loadHistory(key, this, [this, key, request](const QList<TaskEvent> &stored) {
        if (request != m_historyRequest || key != m_key)
            return;
        QList<TaskEvent> events = stored;
        // Add what the store may not have committed yet, without repeating what it has.
        for (const TaskEvent &recent : std::as_const(m_recentEvents)) {
            if (recent.key != key)
                continue;
            const bool known = std::any_of(events.cbegin(), events.cend(), [&](const TaskEvent &e) {
                return e.state == recent.state && e.message == recent.message
                    && std::abs(e.at.toMSecsSinceEpoch() - recent.at.toMSecsSinceEpoch()) < 1000;
            });
            if (!known)
                events << recent;
        }
        std::stable_sort(events.begin(), events.end(),
                         [](const TaskEvent &a, const TaskEvent &b) { return a.at < b.at; });
        m_history->clear();
        for (const TaskEvent &event : std::as_const(events))
            addHistoryItem(event);
        emit historyLoaded(key);
    });
}

void TaskDetailsPanel::addHistoryItem(const TaskEvent &event)
{
    auto *item = new QTreeWidgetItem(m_history);
    item->setText(0, formatTime(event.at));
    item->setToolTip(0, QLocale().toString(event.at.toLocalTime(), QLocale::LongFormat));
    item->setText(1, TaskListModel::stateDisplayName(event.state));
    item->setText(2, event.message);
    item->setToolTip(2, event.message);
    const StatusPalette::Colors colors = StatusPalette::colorsFor(event.state, palette());
    item->setForeground(1, colors.foreground);
    QFont font = m_history->font();
    font.setWeight(QFont::DemiBold);
    item->setFont(1, font);
    m_history->scrollToItem(item);
}

void TaskDetailsPanel::updateBadge(TaskState state)
{
    const StatusPalette::Colors colors = StatusPalette::colorsFor(state, palette());
    m_badge->setText(TaskListModel::stateDisplayName(state));
    m_badge->setStyleSheet(u"QLabel { background-color: %1; color: %2; border: 1px solid %3; border-radius: %4px;"
                           " padding: 1px 9px; font-weight: 600; }"_s
                               .arg(colors.background.name(), colors.foreground.name(), colors.border.name())
                               .arg((m_badge->fontMetrics().height() + 4) / 2));
}

void TaskDetailsPanel::updateTitle()
{
    // Long IDs lose their middle, like in the table; the whole ID is in the tooltip.
    const QString id = m_key.taskId;
    m_title->setText(m_title->fontMetrics().elidedText(id, Qt::ElideMiddle, std::max(40, m_title->width())));
    m_title->setToolTip(id);
}

void TaskDetailsPanel::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    if (m_key.isValid()) {
        updateTitle();
        refresh();   // the file name is elided to the width
    }
}

QString TaskDetailsPanel::fieldText(Field field) const
{
    QLabel *label = valueLabel(field);
    if (!label)
        return {};
    if (label->textFormat() == Qt::RichText) {
        QString text = label->text();
        text.remove(QRegularExpression(u"<[^>]*>"_s));
        return text;
    }
    return label->text();
}

void TaskDetailsPanel::refresh()
{
    const TaskRecord *record = m_engine->task(m_key);
    if (!record) {
        showSelectionCount(0);
        return;
    }
    const TaskSnapshot &snapshot = record->snapshot;
    const QLocale locale;
    updateTitle();
    updateBadge(record->state);

    auto set = [this](Field field, const QString &text) {
        QLabel *label = valueLabel(field);
        const QString shown = text.isEmpty() ? dash() : text;
        if (label->text() != shown)
            label->setText(shown);
    };

    QString status = TaskListModel::stateDisplayName(record->state);
    if (record->pollingPaused)
        status = tr("%1, polling paused").arg(status);
    else if (isPollingState(record->state) && snapshot.progress >= 0)
        status = tr("%1, %2%").arg(status).arg(snapshot.progress);
    else if (record->state == TaskState::Downloading && record->bytesTotal > 0)
        status = tr("%1, %2 of %3")
                     .arg(status, TaskListModel::formatBytes(record->bytesReceived),
                          TaskListModel::formatBytes(record->bytesTotal));
    set(Field::Status, status);
    set(Field::ProviderStatus, snapshot.providerStatus);
    const Account *account = m_engine->account(record->key.accountId);
    set(Field::Account, account ? account->displayName : record->key.accountId);
    set(Field::Model, snapshot.model);
    set(Field::Duration, snapshot.durationSeconds >= 0
                             ? tr("%1 s").arg(locale.toString(snapshot.durationSeconds, 'g', 4))
                             : QString());
    set(Field::Resolution, snapshot.resolution.isValid()
                               ? u"%1 × %2"_s.arg(snapshot.resolution.width()).arg(snapshot.resolution.height())
                               : QString());
    const qint64 bytes = record->state == TaskState::Saved ? record->bytesReceived
                                                          : std::max(record->bytesTotal, record->bytesReceived);
    set(Field::Size, bytes > 0 ? TaskListModel::formatBytes(bytes) : QString());

    QString expiry;
    if (record->urlExpiresAt.isValid()) {
        const qint64 seconds = (record->urlExpiresAt.toMSecsSinceEpoch() - m_clock->nowMs()) / 1000;
        const QString at = formatTime(record->urlExpiresAt);
        if (record->state == TaskState::Saved)
            expiry = tr("No longer needed: the video is saved");
        else
            expiry = seconds > 0 ? tr("in %1 (at %2)").arg(TaskListModel::formatRemaining(seconds), at)
                                 : tr("expired at %1").arg(at);
    }
    set(Field::UrlExpiry, expiry);

    QLabel *file = valueLabel(Field::File);
    QString fileHtml;
    if (!record->filePath.isEmpty()) {
        // Rich text cannot elide by itself: shorten the name to the label's width first.
        const QString name = file->fontMetrics().elidedText(QFileInfo(record->filePath).fileName(), Qt::ElideMiddle,
                                                            std::max(60, file->width() - 4));
        fileHtml = u"<a href=\"%1\">%2</a>"_s.arg(QUrl::fromLocalFile(record->filePath).toString(QUrl::FullyEncoded),
                                                    name.toHtmlEscaped());
        file->setToolTip(QDir::toNativeSeparators(record->filePath));
    } else if (!record->partialPath.isEmpty()) {
        fileHtml = tr("being written to %1").arg(QFileInfo(record->partialPath).fileName().toHtmlEscaped());
        file->setToolTip(QDir::toNativeSeparators(record->partialPath));
    } else {
        fileHtml = dash();
        file->setToolTip({});
    }
    if (file->text() != fileHtml)
        file->setText(fileHtml);

    const QString error = !record->lastError.isEmpty() ? record->lastError : snapshot.errorMessage;
    set(Field::Error, error);
    m_form->setRowVisible(valueLabel(Field::Error), !error.isEmpty());
    QPalette errorPalette = palette();
    errorPalette.setColor(QPalette::WindowText, StatusPalette::colorsFor(TaskState::Failed, palette()).foreground);
    valueLabel(Field::Error)->setPalette(errorPalette);

    // Countdowns only tick while there is something to count down.
    if (record->urlExpiresAt.isValid() && record->state != TaskState::Saved)
        m_countdownTimer->start();
    else
        m_countdownTimer->stop();
}
