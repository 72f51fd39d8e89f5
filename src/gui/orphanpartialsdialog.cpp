#include "orphanpartialsdialog.h"
#include "ui_orphanpartialsdialog.h"

#include "tasklistmodel.h"

#include <QDesktopServices>
#include <QDir>
#include <QFileInfo>
#include <QHeaderView>
#include <QLocale>
#include <QMessageBox>
#include <QPointer>
#include <QPushButton>
#include <QThreadPool>
#include <QUrl>

using namespace Qt::StringLiterals;

namespace
{
constexpr int PathRole = Qt::UserRole;
constexpr int SortRole = Qt::UserRole + 1;

// Sizes and times sort by value, not by their formatted text.
class FileItem : public QTreeWidgetItem
{
public:
    using QTreeWidgetItem::QTreeWidgetItem;
    bool operator<(const QTreeWidgetItem &other) const override
    {
        const int column = treeWidget() ? treeWidget()->sortColumn() : 0;
        const QVariant a = data(column, SortRole);
        const QVariant b = other.data(column, SortRole);
        if (a.isValid() && b.isValid())
            return a.toLongLong() < b.toLongLong();
        return QTreeWidgetItem::operator<(other);
    }
};
} // namespace

OrphanPartialsDialog::OrphanPartialsDialog(const QString &storePath, const QList<OrphanPartials::File> &files,
                                           QWidget *parent)
    : QDialog(parent)
    , ui(std::make_unique<Ui::OrphanPartialsDialog>())
    , m_storePath(storePath)
{
    ui->setupUi(this);
    for (const OrphanPartials::File &file : files) {
        const QFileInfo info(file.path);
        auto *item = new FileItem(ui->fileList);
        item->setText(0, info.fileName());
        item->setData(0, PathRole, file.path);
        item->setToolTip(0, QDir::toNativeSeparators(file.path));
        item->setCheckState(0, Qt::Unchecked);  // deleting is opt-in, file by file
        item->setText(1, TaskListModel::formatBytes(file.size));
        item->setData(1, SortRole, file.size);
        item->setTextAlignment(1, Qt::AlignRight | Qt::AlignVCenter);
        item->setText(2, QLocale().toString(file.modified.toLocalTime(), QLocale::ShortFormat));
        item->setData(2, SortRole, file.modified.toMSecsSinceEpoch());
        item->setText(3, QDir::toNativeSeparators(info.absolutePath()));
    }
    ui->fileList->sortByColumn(2, Qt::DescendingOrder);
    ui->fileList->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    ui->fileList->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    ui->fileList->header()->setSectionResizeMode(2, QHeaderView::ResizeToContents);
    ui->fileList->header()->setStretchLastSection(false);
    if (ui->fileList->topLevelItemCount() > 0)
        ui->fileList->setCurrentItem(ui->fileList->topLevelItem(0));

    connect(ui->fileList, &QTreeWidget::itemChanged, this, &OrphanPartialsDialog::updateButtons);
    connect(ui->fileList, &QTreeWidget::currentItemChanged, this, &OrphanPartialsDialog::updateButtons);
    connect(ui->showInFolderButton, &QPushButton::clicked, this, [this] {
        if (const QTreeWidgetItem *item = ui->fileList->currentItem())
            QDesktopServices::openUrl(QUrl::fromLocalFile(QFileInfo(item->data(0, PathRole).toString()).absolutePath()));
    });
    connect(ui->deleteButton, &QPushButton::clicked, this, &OrphanPartialsDialog::deleteChecked);
    connect(ui->keepButton, &QPushButton::clicked, this, &OrphanPartialsDialog::keepRest);
    connect(ui->laterButton, &QPushButton::clicked, this, &QDialog::reject);
    updateButtons();
}

OrphanPartialsDialog::~OrphanPartialsDialog() = default;

QStringList OrphanPartialsDialog::listedPaths() const
{
    QStringList paths;
    for (int i = 0; i < ui->fileList->topLevelItemCount(); ++i)
        paths << ui->fileList->topLevelItem(i)->data(0, PathRole).toString();
    return paths;
}

void OrphanPartialsDialog::setChecked(const QString &path, bool checked)
{
    for (int i = 0; i < ui->fileList->topLevelItemCount(); ++i) {
        QTreeWidgetItem *item = ui->fileList->topLevelItem(i);
        if (item->data(0, PathRole).toString() == path)
            item->setCheckState(0, checked ? Qt::Checked : Qt::Unchecked);
    }
}

QStringList OrphanPartialsDialog::checkedPaths() const
{
    QStringList paths;
    for (int i = 0; i < ui->fileList->topLevelItemCount(); ++i) {
        const QTreeWidgetItem *item = ui->fileList->topLevelItem(i);
        if (item->checkState(0) == Qt::Checked)
            paths << item->data(0, PathRole).toString();
    }
    return paths;
}

void OrphanPartialsDialog::deleteChecked()
{
    const QStringList paths = checkedPaths();
    if (paths.isEmpty())
        return;
    qint64 bytes = 0;
    for (int i = 0; i < ui->fileList->topLevelItemCount(); ++i) {
        const QTreeWidgetItem *item = ui->fileList->topLevelItem(i);
        if (item->checkState(0) == Qt::Checked)
            bytes += item->data(1, SortRole).toLongLong();
    }
    QMessageBox box(QMessageBox::Warning, tr("Delete Partial Downloads"),
                    (paths.size() == 1 ? tr("Delete 1 partial download (%1)?")
                                       : tr("Delete %n partial downloads (%1)?", nullptr, int(paths.size())))
                        .arg(TaskListModel::formatBytes(bytes)),
                    QMessageBox::Cancel, this);
    box.setInformativeText(tr("They go to the trash where the system has one; otherwise they are deleted for good."));
    QPushButton *deleteButton = box.addButton(tr("Delete"), QMessageBox::DestructiveRole);
    box.setDefaultButton(QMessageBox::Cancel);
    box.exec();
    if (box.clickedButton() != deleteButton)
        return;

    setBusy(true);
    QPointer<OrphanPartialsDialog> self(this);
    const QString storePath = m_storePath;
    QThreadPool::globalInstance()->start([self, storePath, paths] {
        const OrphanPartials::DiscardResult result = OrphanPartials::discard(storePath, paths);
        QMetaObject::invokeMethod(qApp, [self, result] {
            if (!self)
                return;
            self->setBusy(false);
            const QStringList &removed = result.removed;
            const QStringList &problems = result.problems;
            self->removeItems(removed);
            if (!problems.isEmpty()) {
                self->ui->statusLabel->setText(tr("Could not delete:") + u"\n"_s + problems.join(u'\n'));
                emit self->discardFailed(problems);
            } else {
                self->ui->statusLabel->setText(removed.size() == 1 ? tr("Deleted 1 file.")
                                                                   : tr("Deleted %n files.", nullptr, int(removed.size())));
            }
            if (self->ui->fileList->topLevelItemCount() == 0) {
                emit self->resolved();
                self->accept();
            }
        });
    });
}

void OrphanPartialsDialog::keepRest()
{
    const QStringList paths = listedPaths();
    setBusy(true);
    QPointer<OrphanPartialsDialog> self(this);
    const QString storePath = m_storePath;
    QThreadPool::globalInstance()->start([self, storePath, paths] {
        QString error;
        const bool ok = paths.isEmpty() || OrphanPartials::keep(storePath, paths, &error);
        QMetaObject::invokeMethod(qApp, [self, ok, error] {
            if (!self)
                return;
            self->setBusy(false);
            if (!ok) {
                self->ui->statusLabel->setText(tr("Could not remember the choice: %1").arg(error));
                return;
            }
            emit self->resolved();
            self->accept();
        });
    });
}

void OrphanPartialsDialog::removeItems(const QStringList &paths)
{
    for (int i = ui->fileList->topLevelItemCount() - 1; i >= 0; --i) {
        if (paths.contains(ui->fileList->topLevelItem(i)->data(0, PathRole).toString()))
            delete ui->fileList->takeTopLevelItem(i);
    }
    updateButtons();
}

void OrphanPartialsDialog::updateButtons()
{
    const int checked = int(checkedPaths().size());
    ui->deleteButton->setEnabled(checked > 0);
    ui->deleteButton->setText(checked > 0 ? tr("&Delete %n Ticked…", nullptr, checked) : tr("&Delete Ticked…"));
    ui->keepButton->setEnabled(ui->fileList->topLevelItemCount() > 0);
    ui->showInFolderButton->setEnabled(ui->fileList->currentItem() != nullptr);
}

void OrphanPartialsDialog::setBusy(bool busy)
{
    ui->fileList->setEnabled(!busy);
    ui->deleteButton->setEnabled(!busy);
    ui->keepButton->setEnabled(!busy);
    if (!busy)
        updateButtons();
}
