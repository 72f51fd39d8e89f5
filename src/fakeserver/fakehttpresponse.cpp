#include "fakehttpresponse.h"

#include <QJsonDocument>
#include <QJsonObject>

void FakeHttpResponse::setHeader(const QByteArray &name, const QByteArray &value)
{
    for (auto &header : headers) {
        if (header.first.compare(name, Qt::CaseInsensitive) == 0) {
            header.second = value;
            return;
        }
    }
    headers.append({name, value});
}

FakeHttpResponse FakeHttpResponse::withBody(int statusCode, const QByteArray &contentType, const QByteArray &body)
{
    FakeHttpResponse response;
    response.statusCode = statusCode;
    response.body = body;
    if (!contentType.isEmpty())
        response.setHeader("Content-Type", contentType);
    return response;
}

FakeHttpResponse FakeHttpResponse::json(int statusCode, const QJsonObject &object)
{
    return rawJson(statusCode, QJsonDocument(object).toJson(QJsonDocument::Compact));
}

FakeHttpResponse FakeHttpResponse::rawJson(int statusCode, const QByteArray &body)
{
    return withBody(statusCode, "application/json; charset=utf-8", body);
}

QByteArray FakeHttpResponse::reasonPhrase(int statusCode)
{
    switch (statusCode) {
    case 200: return "OK";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 416: return "Range Not Satisfiable";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Status";
    }
}
