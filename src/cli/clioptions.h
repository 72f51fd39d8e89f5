#pragma once

#include <QString>
#include <QStringList>
#include <QUrl>

class QTextStream;

// What the user asked reelkeep-cli to do, validated before any request is made.
struct CliOptions
{
    QString providerName;
    QUrl baseUrl;
    QString apiKey;           // from REELKEEP_API_KEY only: arguments are visible in the process list
    QString downloadDir;
    QString storePath;
    QString fileNameTemplate;
    int intervalSeconds = 0;  // 0: the provider's recommendation
    int timeoutSeconds = 0;   // 0: no time limit
    bool json = false;
    QStringList taskIds;
    QStringList rejectedIds;  // "<id>: reason"
    QString exportPath;       // set: write the store's task list there and exit, no polling

    enum class ParseStatus
    {
        Ok,
        ExitSuccess,   // --help / --version was shown
        UsageError     // exit code 2
    };

    // Parses arguments and environment; reads stdin when "-" is given. On UsageError,
    // *message says what is wrong in one sentence.
    static ParseStatus parse(const QStringList &arguments, const QByteArray &apiKeyFromEnv, QTextStream &stdinStream,
                             CliOptions *options, QString *message);
};
