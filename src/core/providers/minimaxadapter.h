#pragma once

#include "provideradapter.h"

// MiniMax (Hailuo) v1 video: GET {base}/v1/query/video_generation?task_id={id}. A finished
// task only gives a file_id; GET {base}/v1/files/retrieve?file_id= turns it into a URL.
// Errors come as HTTP 200 with a non-zero base_resp.status_code.
class MinimaxAdapter final : public ProviderAdapter
{
public:
    QString name() const override;
    QString displayName() const override;
    QUrl defaultBaseUrl() const override;
    int defaultIntervalSeconds() const override;
    int requestsPerMinute() const override;

    QUrl queryUrl(const QUrl &baseUrl, const QString &taskId) const override;
    PollResult parseQueryReply(const HttpResponse &response) const override;

    QUrl resolveUrl(const QUrl &baseUrl, const QString &taskId, const VideoSource &source) const override;
    VideoSource parseResolveReply(const HttpResponse &response, QString *errorMessage) const override;
};
