#pragma once

#include <QString>
#include <QUrl>

// One provider account: where its API lives, its key, and what to do with its videos.
// The key lives in memory only; stores persist everything else.
struct Account
{
    QString id;                 // stable identifier, unique in the store
    QString displayName;
    QString providerName;       // ProviderRegistry name
    QUrl baseUrl;
    QString apiKey;             // never logged, never persisted by the task store
    int intervalSeconds = 0;    // 0: the provider's recommendation
    QString downloadDir;
    QString fileNameTemplate;   // empty: "{id}"
    bool autoDownload = true;

    bool operator==(const Account &other) const = default;
};
