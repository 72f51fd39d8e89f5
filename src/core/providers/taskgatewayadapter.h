#pragma once

#include "provideradapter.h"

// Generic task gateways answering GET {base}/task/{id}, either in an envelope
// {code, data:{status, video_url, binary_data_base64, resp_data...}, message, request_id} or in
// MiniMax's flat {status, file_id, task_id, base_resp, video_width, video_height}. There is no
// public host: the user gives the gateway's base URL. File ids resolve like MiniMax's.
class TaskGatewayAdapter final : public ProviderAdapter
{
public:
    QString name() const override;
    QString displayName() const override;
    QUrl defaultBaseUrl() const override;
    int defaultIntervalSeconds() const override;

    QUrl queryUrl(const QUrl &baseUrl, const QString &taskId) const override;
    PollResult parseQueryReply(const HttpResponse &response) const override;

    QUrl resolveUrl(const QUrl &baseUrl, const QString &taskId, const VideoSource &source) const override;
    VideoSource parseResolveReply(const HttpResponse &response, QString *errorMessage) const override;
};
