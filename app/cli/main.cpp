// reelkeep-cli: poll AI video tasks by ID and save every finished video, from a terminal.
#include "clioptions.h"
#include "clirunner.h"
#include "jsonlinereporter.h"
#include "terminalreporter.h"

#include <QCoreApplication>
#include <QTextStream>

#include <csignal>
#include <cstdio>
#include <unistd.h>

int main(int argc, char *argv[])
{
#ifdef SIGXFSZ
    // Past a file-size limit (ulimit -f, RLIMIT_FSIZE) the kernel would kill us mid-download;
    // ignored, the write fails with EFBIG and the download reports the disk full, keeping its part.
    std::signal(SIGXFSZ, SIG_IGN);
#endif
    QCoreApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("Reelkeep"));
    QCoreApplication::setApplicationName(QStringLiteral("Reelkeep"));
    QCoreApplication::setApplicationVersion(QStringLiteral(REELKEEP_VERSION_STRING));

    QTextStream in(stdin);
    CliOptions options;
    QString message;
    switch (CliOptions::parse(app.arguments(), qgetenv("REELKEEP_API_KEY"), in, &options, &message)) {
    case CliOptions::ParseStatus::ExitSuccess:
        return 0;
    case CliOptions::ParseStatus::UsageError:
        std::fprintf(stderr, "reelkeep-cli: %s\nTry 'reelkeep-cli --help' for more information.\n", qPrintable(message));
        return 2;
    case CliOptions::ParseStatus::Ok:
        break;
    }

    if (!options.exportPath.isEmpty()) {
        const int exitCode = CliRunner::exportTaskList(options, &message);
        std::fprintf(stderr, exitCode == 0 ? "%s\n" : "reelkeep-cli: %s\n", qPrintable(message));
        return exitCode;
    }

    std::unique_ptr<CliReporter> reporter;
    if (options.json)
        reporter = std::make_unique<JsonLineReporter>();
    else
        reporter = std::make_unique<TerminalReporter>(isatty(fileno(stdout)) != 0);

    CliRunner runner(options, std::move(reporter));
    if (!runner.start())
        return runner.exitCode();
    QObject::connect(&runner, &CliRunner::finished, &app, &QCoreApplication::exit);
    return app.exec();
}
