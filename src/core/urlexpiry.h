#pragma once

#include <QByteArray>
#include <QDateTime>

// Reads when a signed storage/CDN URL stops working from its own query string (S3, OSS, GCS,
// Azure SAS, CloudFront, TOS, BOS, COS), so the countdown shown and the "don't even try"
// check in the downloader need no request. The URL is only read, never re-encoded.
class UrlExpiry
{
public:
    // The instant (UTC) the signature lapses; invalid when the URL carries no known scheme.
    static QDateTime expiryOf(const QByteArray &encodedUrl);
};
