#pragma once

#include "orphanpartials.h"

#include <QDialog>

#include <memory>

class QTreeWidgetItem;

namespace Ui
{
class OrphanPartialsDialog;
}

// Lists partial downloads that no task uses any more and lets the user delete the ones they
// no longer need (ticked, after a confirmation) or keep the rest, which is remembered in the
// store so they are not offered again. Closing without a choice asks again at the next start.
// Files are only removed on an explicit request; the file work runs off the GUI thread.
class OrphanPartialsDialog : public QDialog
{
    Q_OBJECT

public:
    OrphanPartialsDialog(const QString &storePath, const QList<OrphanPartials::File> &files, QWidget *parent = nullptr);
    ~OrphanPartialsDialog() override;

    QStringList listedPaths() const;
    void setChecked(const QString &path, bool checked);

public slots:
    // Asks for confirmation, then removes the ticked files.
    void deleteChecked();
    // Remembers every listed file as kept and closes.
    void keepRest();

signals:
    // The listed files were dealt with (deleted or kept); the notice about them can go.
    void resolved();
    // Some files could not be deleted; each line names one and says why.
    void discardFailed(const QStringList &problems);

private:
    QStringList checkedPaths() const;
    void removeItems(const QStringList &paths);
    void updateButtons();
    void setBusy(bool busy);

    std::unique_ptr<Ui::OrphanPartialsDialog> ui;
    QString m_storePath;
};
