#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QCoreApplication>
#include <QString>

// Decodes base64 that arrives in pieces of any size (a video of hundreds of MB inside a JSON
// reply), so the encoded text never has to be held whole. Between calls it keeps at most three
// undecoded characters. Skips whitespace (line-wrapped base64); accepts the standard and the
// URL-safe alphabet; padding is optional but nothing may follow it.
class Base64StreamDecoder
{
    Q_DECLARE_TR_FUNCTIONS(Base64StreamDecoder)

public:
    // Appends the bytes decoded so far to out. False on an invalid character (see errorString());
    // the decoder then stays failed until reset().
    bool decode(QByteArrayView chunk, QByteArray &out);
    // End of the encoded text: decodes a last incomplete group. False if it cannot be one.
    bool finish(QByteArray &out);
    void reset();

    int pendingChars() const { return m_pendingCount; }
    qint64 charsConsumed() const { return m_position; }
    bool hasFailed() const { return !m_error.isEmpty(); }
    QString errorString() const { return m_error; }

private:
    bool fail(const QString &message);

    uchar m_pending[3] = {};
    int m_pendingCount = 0;
    int m_padding = 0;
    qint64 m_position = 0;
    QString m_error;
};
