// reelkeep: the desktop window. Builds the AppContext on the task store, shows the main window,
// and hands the command line (task IDs or text holding them) to an already running instance
// instead of opening a second window on the same data.
#include "appcontext.h"
#include "mainwindow.h"
#include "singleinstance.h"
#include "taskstore.h"
#include "themeicons.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QCryptographicHash>
#include <QDir>
#include <QFileInfo>
#include <QMessageBox>
#include <QTimer>

#include <csignal>

using namespace Qt::StringLiterals;

namespace
{
// One instance per user and task list: a second window on the same store would fight over it,
// while a second --store (or a test) may run beside the usual one.
QString instanceName(const QString &storePath)
{
    const QString name = SingleInstance::defaultServerName();
    if (QFileInfo(storePath) == QFileInfo(TaskStore::defaultPath()))
        return name;
    const QByteArray path = QFileInfo(storePath).absoluteFilePath().toUtf8();
    return name + u'-' + QString::fromLatin1(QCryptographicHash::hash(path, QCryptographicHash::Sha256).toHex().left(12));
}
} // namespace

int main(int argc, char *argv[])
{
#ifdef SIGXFSZ
    // Past a file-size limit (ulimit -f, RLIMIT_FSIZE) the kernel would kill us mid-download;
    // ignored, the write fails with EFBIG and the download reports the disk full, keeping its part.
    std::signal(SIGXFSZ, SIG_IGN);
#endif
    QApplication app(argc, argv);
    QApplication::setOrganizationName(u"Reelkeep"_s);
    QApplication::setApplicationName(u"Reelkeep"_s);
    QApplication::setApplicationDisplayName(u"Reelkeep"_s);
    QApplication::setApplicationVersion(QStringLiteral(REELKEEP_VERSION_STRING));
    QApplication::setDesktopFileName(u"reelkeep"_s);
    QApplication::setWindowIcon(ThemeIcons::appIcon());

    QCommandLineParser parser;
    parser.setApplicationDescription(QApplication::translate(
        "main", "Keeps every AI-generated video: polls task IDs and saves the results before their links expire."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption storeOption(
        u"store"_s, QApplication::translate("main", "Use this task list file instead of the usual one."),
        QApplication::translate("main", "FILE"));
    const QCommandLineOption demoOption(
        u"demo"_s, QApplication::translate("main", "Start the built-in demo (a pretend provider on this computer)."));
    parser.addOptions({storeOption, demoOption});
    parser.addPositionalArgument(u"ids"_s, QApplication::translate("main", "Task IDs, or text holding them, to add."),
                                 QApplication::translate("main", "[ids...]"));
    parser.process(app);

    const QString storePath = parser.isSet(storeOption) ? QFileInfo(parser.value(storeOption)).absoluteFilePath()
                                                        : TaskStore::defaultPath();
    const QStringList texts = parser.positionalArguments();

    SingleInstance instance(instanceName(storePath));
    if (!instance.tryBecomePrimary()) {
        // Another window already shows this task list: give it our IDs and get out of the way.
        // Generous: a first start may spend seconds (media plug-in scan) before it can answer.
        if (instance.sendToPrimary(texts, 8000))
            return 0;
        QMessageBox::critical(nullptr, QApplication::translate("main", "Reelkeep"),
                              QApplication::translate("main", "Reelkeep is already running but does not answer. "
                                                              "Close it and try again."));
        return 1;
    }

    AppContext context;
    AppContext::Options options;
    options.storePath = storePath;
    if (!context.open(options)) {
        QMessageBox::critical(nullptr, QApplication::translate("main", "Reelkeep"),
                              QApplication::translate("main", "The task list %1 cannot be opened: %2")
                                  .arg(QDir::toNativeSeparators(storePath), context.errorMessage()));
        return 2;
    }

    MainWindow window(&context);
    QObject::connect(&instance, &SingleInstance::messageReceived, &window, &MainWindow::handleArguments);
    window.show();

    if (parser.isSet(demoOption))
        QTimer::singleShot(0, &window, &MainWindow::startDemo);
    if (!texts.isEmpty())
        QTimer::singleShot(0, &window, [&window, texts] { window.handleArguments(texts); });

    return app.exec();
}
