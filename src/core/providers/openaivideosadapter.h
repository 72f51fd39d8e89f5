#pragma once

#include "provideradapter.h"

// OpenAI Videos API (Sora 2) and resellers mirroring it: GET {base}/v1/videos/{id}. The object
// never holds a URL: the bytes are at {base}/v1/videos/{id}/content with the same key. Also
// reads new-api's converted object (status "unknown", URL in metadata.url).
class OpenAiVideosAdapter final : public ProviderAdapter
{
public:
    QString name() const override;
    QString displayName() const override;
    QUrl defaultBaseUrl() const override;
    int defaultIntervalSeconds() const override;

    QUrl queryUrl(const QUrl &baseUrl, const QString &taskId) const override;
    PollResult parseQueryReply(const HttpResponse &response) const override;

private:
    QByteArray contentUrl(const HttpResponse &response) const;
};
