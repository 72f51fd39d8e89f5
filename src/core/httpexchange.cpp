#include "httpexchange.h"

#include "httpconnection.h"
#include "keepalivehttpclient.h"

HttpExchange::HttpExchange(const QNetworkRequest &request, qint64 maxBodyBytes, KeepAliveHttpClient *client)
    : QObject(client), m_request(request), m_maxBodyBytes(maxBodyBytes), m_client(client)
{
    m_response.url = request.url();
}

void HttpExchange::abort()
{
    if (m_done)
        return;
    m_done = true;
    if (m_client)
        m_client->release(this);
    deleteLater();
}

void HttpExchange::complete(HttpResponse response, bool tooLarge)
{
    if (m_done)
        return;
    m_done = true;
    m_connection = nullptr;
    response.url = m_request.url();
    m_response = std::move(response);
    m_tooLarge = tooLarge;
    emit finished();
    deleteLater();
}
