#include "clioptions.h"

#include "idextractor.h"
#include "providerregistry.h"
#include "taskengine.h"
#include "tasklistexchange.h"
#include "taskstore.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTextStream>

#include <cstdio>

using namespace Qt::StringLiterals;

CliOptions::ParseStatus CliOptions::parse(const QStringList &arguments, const QByteArray &apiKeyFromEnv,
                                          QTextStream &stdinStream, CliOptions *options, QString *message)
{
    auto usageError = [message](const QString &text) {
        *message = text;
        return ParseStatus::UsageError;
    };

    const ProviderRegistry &registry = ProviderRegistry::instance();
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QCoreApplication::translate("CliOptions",
                                    "Polls AI video-generation tasks by ID and saves every finished video before "
                                    "its link expires. The API key is read from the REELKEEP_API_KEY environment "
                                    "variable."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption providerOption(
        u"provider"_s,
        QCoreApplication::translate("CliOptions", "Provider API to speak: %1.").arg(registry.names().join(u", "_s)),
        u"name"_s);
    const QCommandLineOption baseUrlOption(
        u"base-url"_s, QCoreApplication::translate("CliOptions", "API base URL (default: the provider's own)."),
        u"url"_s);
    const QCommandLineOption dirOption(
        u"download-dir"_s,
        QCoreApplication::translate("CliOptions", "Folder to save videos in (default: the current folder)."),
        u"dir"_s);
    const QCommandLineOption intervalOption(
        u"interval"_s,
        QCoreApplication::translate("CliOptions", "Seconds between polls of one task (default: the provider's "
                                                  "recommendation)."),
        u"seconds"_s);
    const QCommandLineOption timeoutOption(
        u"timeout"_s,
        QCoreApplication::translate("CliOptions", "Give up after this many seconds (default: never)."),
        u"seconds"_s);
    const QCommandLineOption jsonOption(
        u"json"_s, QCoreApplication::translate("CliOptions", "Print one JSON object per line on stdout."));
    const QCommandLineOption storeOption(
        u"store"_s,
        QCoreApplication::translate("CliOptions", "Task store to record tasks in (default: the app's, %1).")
            .arg(QDir::toNativeSeparators(TaskStore::defaultPath())),
        u"file"_s);
    const QCommandLineOption nameOption(
        u"name-template"_s,
        QCoreApplication::translate("CliOptions", "File name template, e.g. \"{date}-{model}-{id}\" (default: {id})."),
        u"template"_s);
    const QCommandLineOption exportOption(
        u"export"_s,
        QCoreApplication::translate("CliOptions", "Write the store's task list (all accounts) to the file, as JSON or "
                                                  "CSV by its extension (.json or .csv), and exit."),
        u"file"_s);
    const QCommandLineOption importOption(
        u"import"_s,
        QCoreApplication::translate("CliOptions", "Also run the task IDs of an exported task list (JSON or CSV, e.g. "
                                                  "from --export or the window's File menu)."),
        u"file"_s);
    parser.addOptions({providerOption, baseUrlOption, dirOption, intervalOption, timeoutOption, jsonOption, storeOption,
                       nameOption, exportOption, importOption});
    parser.addPositionalArgument(
        u"ids"_s,
        QCoreApplication::translate("CliOptions",
                                    "Task IDs, or - to read them from any text on standard input (JSON replies, "
                                    "logs, curl output)."),
        u"ID... | -"_s);

    if (!parser.parse(arguments))
        return usageError(parser.errorText());
    if (parser.isSet(u"help"_s)) {
        std::fputs(qPrintable(parser.helpText()), stdout);
        return ParseStatus::ExitSuccess;
    }
    if (parser.isSet(u"version"_s)) {
        std::printf("%s %s\n", qPrintable(QCoreApplication::applicationName()),
                    qPrintable(QCoreApplication::applicationVersion()));
        return ParseStatus::ExitSuccess;
    }

    options->storePath = parser.isSet(storeOption) ? QDir(parser.value(storeOption)).absolutePath()
                                                   : TaskStore::defaultPath();
    // Exporting only reads the store: no provider, key or task IDs are needed.
    if (parser.isSet(exportOption)) {
        const QString path = parser.value(exportOption);
        if (!path.endsWith(".json"_L1, Qt::CaseInsensitive) && !path.endsWith(".csv"_L1, Qt::CaseInsensitive)) {
            return usageError(QCoreApplication::translate("CliOptions", "--export needs a file name ending in .json "
                                                                        "or .csv, not \"%1\".")
                                  .arg(path));
        }
        options->exportPath = QDir(path).absolutePath();
        return ParseStatus::Ok;
    }

    // Configuration problems are reported before anything touches the network.
    if (!parser.isSet(providerOption))
        return usageError(QCoreApplication::translate("CliOptions", "No provider given: use --provider NAME (one of %1).")
                              .arg(registry.names().join(u", "_s)));
    const ProviderAdapter *adapter = registry.find(parser.value(providerOption));
    if (!adapter) {
        return usageError(QCoreApplication::translate("CliOptions", "Unknown provider \"%1\". Known providers: %2.")
                              .arg(parser.value(providerOption), registry.names().join(u", "_s)));
    }
    options->providerName = adapter->name();

    if (parser.isSet(baseUrlOption)) {
        options->baseUrl = QUrl::fromUserInput(parser.value(baseUrlOption));
        const QString scheme = options->baseUrl.scheme();
        if (!options->baseUrl.isValid() || (scheme != "http"_L1 && scheme != "https"_L1)
            || options->baseUrl.host().isEmpty()) {
            return usageError(QCoreApplication::translate("CliOptions", "The base URL \"%1\" is not an http(s) URL.")
                                  .arg(parser.value(baseUrlOption)));
        }
    } else {
        options->baseUrl = adapter->defaultBaseUrl();
        if (options->baseUrl.isEmpty()) {
            return usageError(QCoreApplication::translate("CliOptions",
                                                          "The %1 provider has no public address: give its base URL "
                                                          "with --base-url.")
                                  .arg(adapter->name()));
        }
    }

    options->apiKey = QString::fromUtf8(apiKeyFromEnv).trimmed();
    if (options->apiKey.isEmpty()) {
        return usageError(QCoreApplication::translate("CliOptions",
                                                      "No API key: set the REELKEEP_API_KEY environment variable "
                                                      "(it is not taken as an argument, where other users could "
                                                      "see it)."));
    }

    auto positiveSeconds = [&](const QCommandLineOption &option, int *out) {
        if (!parser.isSet(option))
            return true;
        bool ok = false;
        const double value = parser.value(option).toDouble(&ok);
        if (!ok || value <= 0 || value > 365 * 24 * 3600)
            return false;
        *out = std::max(1, int(value + 0.5));
        return true;
    };
    if (!positiveSeconds(intervalOption, &options->intervalSeconds)) {
        return usageError(QCoreApplication::translate("CliOptions", "--interval needs a positive number of seconds, "
                                                                    "not \"%1\".")
                              .arg(parser.value(intervalOption)));
    }
    if (!positiveSeconds(timeoutOption, &options->timeoutSeconds)) {
        return usageError(QCoreApplication::translate("CliOptions", "--timeout needs a positive number of seconds, "
                                                                    "not \"%1\".")
                              .arg(parser.value(timeoutOption)));
    }

    options->json = parser.isSet(jsonOption);
    options->downloadDir = QDir(parser.isSet(dirOption) ? parser.value(dirOption) : QDir::currentPath()).absolutePath();
    options->fileNameTemplate = parser.value(nameOption);

    QStringList candidates;
    for (const QString &argument : parser.positionalArguments()) {
        if (argument == "-"_L1)
            candidates << IdExtractor::extract(stdinStream.readAll());
        else
            candidates << argument.trimmed(); // verbatim: the user typed exactly this ID
    }
    if (parser.isSet(importOption)) {
        const QString path = parser.value(importOption);
        QFile file(path);
        // A task list is text; a file this large is not one, and reading it would only stall.
        constexpr qint64 maxImportBytes = 64 * 1024 * 1024;
        if (!file.open(QIODevice::ReadOnly)) {
            return usageError(QCoreApplication::translate("CliOptions", "Cannot read the task list %1: %2")
                                  .arg(QDir::toNativeSeparators(path), file.errorString()));
        }
        if (file.size() > maxImportBytes) {
            return usageError(QCoreApplication::translate("CliOptions", "%1 is larger than 64 MB: not a task list.")
                                  .arg(QDir::toNativeSeparators(path)));
        }
        QString error;
        const QList<TaskListExchange::ImportedTask> imported = TaskListExchange::parse(file.readAll(), &error);
        if (imported.isEmpty()) {
            return usageError(QCoreApplication::translate("CliOptions", "No task in %1: %2")
                                  .arg(QDir::toNativeSeparators(path),
                                       error.isEmpty() ? QCoreApplication::translate("CliOptions", "the list is empty.")
                                                       : error));
        }
        // Rows that could be read still run; the damaged ones are reported like rejected IDs.
        if (!error.isEmpty())
            options->rejectedIds << u"%1: %2"_s.arg(QFileInfo(path).fileName(), error);
        for (const TaskListExchange::ImportedTask &task : imported)
            candidates << task.taskId;
    }
    for (const QString &id : std::as_const(candidates)) {
        QString reason;
        if (options->taskIds.contains(id))
            continue;
        if (TaskEngine::isAcceptableId(id, &reason))
            options->taskIds << id;
        else
            options->rejectedIds << u"%1: %2"_s.arg(id.left(64), reason);
    }
    if (options->taskIds.isEmpty()) {
        return usageError(options->rejectedIds.isEmpty()
                              ? QCoreApplication::translate("CliOptions", "No task IDs given (pass IDs, - to read "
                                                                          "them from standard input, or --import "
                                                                          "FILE).")
                              : QCoreApplication::translate("CliOptions", "No usable task ID: %1")
                                    .arg(options->rejectedIds.join(u"; "_s)));
    }
    return ParseStatus::Ok;
}
