#pragma once

#include <QByteArray>
#include <QString>

// Where a finished task's bytes are, as the provider told us. The downloader turns this into
// a file; an adapter turns a FileId into a Url through one more authenticated request.
struct VideoSource
{
    enum class Kind
    {
        None,
        Url,            // a plain GET; signed CDN URL, or an API URL that needs the key (same origin only)
        FileId,         // must be resolved with ProviderAdapter::resolveUrl() + parseResolveReply()
        Base64Endpoint, // a GET whose JSON reply carries the whole video as "base64" (mixroute Sora 2)
        InlineBase64    // the query reply itself carried the bytes, base64-encoded
    };

    Kind kind = Kind::None;
    // Url / Base64Endpoint: exactly the bytes the provider sent. Signed URLs break if re-encoded,
    // so this is only ever turned into a QUrl with QUrl::fromEncoded() right before the request.
    QByteArray url;
    QString fileId;
    QByteArray inlineBase64;

    bool isValid() const { return kind != Kind::None; }
    bool operator==(const VideoSource &other) const = default;
};
