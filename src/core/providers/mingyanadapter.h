#pragma once

#include "provideradapter.h"

// mingyan (zcbservice.aizfw.cn): the SD2 Manxue and "Videos" models share one query endpoint,
// GET {base}/v1/result/{id}, answering {id, object, created, model, status, video_url,
// actualDuration, error}.
class MingyanAdapter final : public ProviderAdapter
{
public:
    QString name() const override;
    QString displayName() const override;
    QUrl defaultBaseUrl() const override;
    int defaultIntervalSeconds() const override;

    QUrl queryUrl(const QUrl &baseUrl, const QString &taskId) const override;
    PollResult parseQueryReply(const HttpResponse &response) const override;
};
