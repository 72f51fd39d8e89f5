#pragma once

#include "provideradapter.h"

class QJsonObject;

// mixroute and other new-api gateways: GET {base}/v1/video/generations/{id}. Answers either
// the documented flat {task_id, status, url, error} or new-api's {code, message, data:{...}}
// envelope (uppercase statuses, "30%" progress, URL in result_url / fail_reason / raw upstream
// data, or a Veo-style lowercase body). Sora 2 results carry no URL: their bytes come from
// {base}/v1/video/generations/download?id={id} as base64 in JSON.
class MixrouteAdapter final : public ProviderAdapter
{
public:
    QString name() const override;
    QString displayName() const override;
    QUrl defaultBaseUrl() const override;
    int defaultIntervalSeconds() const override;

    QUrl queryUrl(const QUrl &baseUrl, const QString &taskId) const override;
    PollResult parseQueryReply(const HttpResponse &response) const override;

private:
    PollResult parseTask(const HttpResponse &response, const QJsonObject &task) const;
    QByteArray base64EndpointUrl(const HttpResponse &response) const;
};
