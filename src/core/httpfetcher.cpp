#include "httpfetcher.h"

#include "httpexchange.h"
#include "keepalivehttpclient.h"
#include "logging.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTimer>

using namespace Qt::StringLiterals;

QNetworkRequest makeRequest(const QUrl &url, const ApiCredentials &credentials, bool allowHttp2)
{
    QNetworkRequest request(url);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, allowHttp2);
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    request.setRawHeader("Accept-Encoding", "identity");
    request.setHeader(QNetworkRequest::UserAgentHeader, u"Reelkeep/" REELKEEP_VERSION_STRING ""_s);
    credentials.applyTo(request);
    return request;
}

QUrl redirectTarget(QNetworkReply *reply)
{
    HttpResponse response;
    response.statusCode = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    response.url = reply->url();
    response.headers.insert("location", reply->rawHeader("Location"));
    return redirectTarget(response);
}

QUrl redirectTarget(const HttpResponse &response)
{
    const int status = response.statusCode;
    if (status != 301 && status != 302 && status != 303 && status != 307 && status != 308)
        return {};
    const QByteArray location = response.header("location");
    if (location.isEmpty())
        return {};
    const QUrl target = response.url.resolved(QUrl::fromEncoded(location));
    const QString scheme = target.scheme().toLower();
    if (!target.isValid() || (scheme != "http"_L1 && scheme != "https"_L1))
        return {};
    return target;
}

HttpResponse responseHead(QNetworkReply *reply)
{
    HttpResponse response;
    response.statusCode = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    response.url = reply->url();
    for (const auto &[name, value] : reply->rawHeaderPairs())
        response.headers.insert(name.toLower(), value);
    return response;
}

HttpFetcher *HttpFetcher::get(QNetworkAccessManager *manager, const QUrl &url, const ApiCredentials &credentials,
                              const Options &options, QObject *parent)
{
    auto *fetcher = new HttpFetcher(manager, credentials, options, parent);
    // Start on the next turn of the event loop so callers can connect to finished() first.
    QMetaObject::invokeMethod(fetcher, [fetcher, url] { fetcher->startRequest(url); }, Qt::QueuedConnection);
    return fetcher;
}

HttpFetcher::HttpFetcher(QNetworkAccessManager *manager, const ApiCredentials &credentials, const Options &options,
                         QObject *parent)
    : QObject(parent), m_manager(manager), m_credentials(credentials), m_options(options),
      m_inactivityTimer(new QTimer(this))
{
    m_inactivityTimer->setSingleShot(true);
    m_inactivityTimer->setInterval(m_options.inactivityTimeoutMs);
    connect(m_inactivityTimer, &QTimer::timeout, this, [this] {
        m_timedOut = true;
        if (m_reply) {
            m_reply->abort();
        } else if (m_exchange) {
            m_exchange->abort();
            completed({});
        }
    });
}

void HttpFetcher::abort()
{
    if (m_done)
        return;
    if (m_reply) {
        m_reply->disconnect(this);
        m_reply->abort();
        m_reply->deleteLater();
    }
    if (m_exchange)
        m_exchange->abort();
    m_done = true;
    deleteLater();
}

void HttpFetcher::startRequest(const QUrl &url)
{
    if (m_done)
        return;
    m_body.clear();
    const QNetworkRequest request = makeRequest(url, m_credentials, true);
    if (auto *client = KeepAliveHttpClient::of(m_manager); client->canSend(url)) {
        m_exchange = client->get(request, m_options.maxBodyBytes);
        connect(m_exchange, &HttpExchange::bytesReceived, m_inactivityTimer, qOverload<>(&QTimer::start));
        connect(m_exchange, &HttpExchange::finished, this, &HttpFetcher::onExchangeFinished);
        m_inactivityTimer->start();
        return;
    }
    m_reply = m_manager->get(request);
    // Without a bound the network thread reads ahead of us, and a 50 MB page sent where a small
    // JSON was expected would sit in memory whole before onReadyRead() could refuse it.
    m_reply->setReadBufferSize(ReadBufferBytes);
    connect(m_reply, &QNetworkReply::readyRead, this, &HttpFetcher::onReadyRead);
    connect(m_reply, &QNetworkReply::downloadProgress, m_inactivityTimer, qOverload<>(&QTimer::start));
    connect(m_reply, &QNetworkReply::finished, this, &HttpFetcher::onFinished);
    m_inactivityTimer->start();
}

void HttpFetcher::onReadyRead()
{
    m_inactivityTimer->start();
    if (m_body.size() + m_reply->bytesAvailable() > m_options.maxBodyBytes) {
        m_tooLarge = true;
        m_reply->abort();
        return;
    }
    m_body += m_reply->readAll();
}

void HttpFetcher::onFinished()
{
    QNetworkReply *reply = m_reply;
    reply->deleteLater();

    if (!m_tooLarge && !m_timedOut && reply->bytesAvailable() > 0)
        onReadyRead();

    HttpResponse response = responseHead(reply);
    response.body = std::move(m_body);
    // HTTP errors carry a status code and a body the adapter reads; only failures below
    // HTTP (refused, reset, DNS, TLS) are reported as network errors.
    if (response.statusCode == 0 && reply->error() != QNetworkReply::NoError)
        response.networkError = reply->errorString();
    completed(std::move(response));
}

void HttpFetcher::onExchangeFinished()
{
    m_tooLarge = m_exchange->isTooLarge();
    HttpResponse response = m_exchange->response();
    m_exchange = nullptr;
    completed(std::move(response));
}

void HttpFetcher::completed(HttpResponse response)
{
    m_inactivityTimer->stop();
    if (m_done)
        return;
    if (m_tooLarge) {
        response.statusCode = 0;
        response.body.clear();
        response.networkError =
            tr("The reply was larger than %1 MB where a small status message was expected; refused.")
                .arg(m_options.maxBodyBytes / (1024 * 1024));
        finish(response);
        return;
    }
    if (m_timedOut) {
        response.statusCode = 0;
        response.body.clear();
        response.networkError = tr("No answer for %1 seconds; the request timed out.")
                                    .arg(m_options.inactivityTimeoutMs / 1000);
        finish(response);
        return;
    }

    const QUrl next = redirectTarget(response);
    if (next.isValid()) {
        if (++m_redirects > m_options.maxRedirects) {
            response.statusCode = 0;
            response.body.clear();
            response.networkError = tr("Too many redirects (more than %1).").arg(m_options.maxRedirects);
            finish(response);
            return;
        }
        qCDebug(lcNet) << "redirect" << response.url.host() << "->" << next.host();
        startRequest(next);
        return;
    }
    finish(response);
}

void HttpFetcher::finish(HttpResponse response)
{
    if (m_done)
        return;
    m_done = true;
    emit finished(response);
    deleteLater();
}
