#include "apicredentials.h"

#include <QNetworkRequest>

using namespace Qt::StringLiterals;

ApiCredentials::ApiCredentials(const QUrl &baseUrl, const QString &apiKey)
    : m_origin(originOf(baseUrl)), m_apiKey(apiKey.trimmed().toUtf8())
{
}

QString ApiCredentials::originOf(const QUrl &url)
{
    const QString scheme = url.scheme().toLower();
    if (scheme != "http"_L1 && scheme != "https"_L1)
        return {};
    const int port = url.port(scheme == "https"_L1 ? 443 : 80);
    return scheme + "://"_L1 + url.host().toLower() + u':' + QString::number(port);
}

bool ApiCredentials::appliesTo(const QUrl &url) const
{
    return !m_apiKey.isEmpty() && !m_origin.isEmpty() && originOf(url) == m_origin;
}

void ApiCredentials::applyTo(QNetworkRequest &request) const
{
    if (appliesTo(request.url()))
        request.setRawHeader("Authorization", "Bearer " + m_apiKey);
    else
        request.setRawHeader("Authorization", QByteArray()); // an empty value removes the header
}
