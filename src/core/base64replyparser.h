#pragma once

#include "base64streamdecoder.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QCoreApplication>
#include <QHash>
#include <QList>
#include <QString>

#include <functional>
#include <optional>

// Reads a JSON reply that carries a whole video as a base64 string (mixroute's Sora download:
// {"success":true,"size":N,"base64":"AAAA…","data_url":"data:video/mp4;base64,AAAA…"}) as it
// streams in: the top-level "base64" value is decoded straight into the sink, the equally large
// "data_url" is skipped (or used if it comes first / alone), and only small top-level fields
// (success, size, format, messages) are kept. Memory stays bounded whatever the reply size.
class Base64ReplyParser
{
    Q_DECLARE_TR_FUNCTIONS(Base64ReplyParser)

public:
    // Receives decoded video bytes; returns false to stop (a write error).
    using Sink = std::function<bool(QByteArrayView bytes)>;

    explicit Base64ReplyParser(Sink sink = {});

    // False on malformed JSON or base64 (errorString()) or when the sink refused bytes.
    bool feed(QByteArrayView chunk);
    // End of the reply: false if the JSON is incomplete or the base64 ends badly.
    bool finish();

    QString errorString() const { return m_error; }
    bool sinkFailed() const { return m_sinkFailed; }
    bool hasVideo() const { return m_videoDone; }
    qint64 decodedBytes() const { return m_decodedBytes; }
    qint64 declaredSize() const;              // top-level "size"; -1 when absent
    std::optional<bool> success() const;      // top-level "success"
    QString format() const;                   // top-level "format", e.g. "mp4"
    // The provider's own explanation: error.message, message, msg, error (string), fail_reason.
    QString providerMessage() const;

private:
    enum class Lex : char { Between, String, Escape, Unicode, Literal };
    enum class Role : char { Key, Capture, Video, DataUrlPrefix, Skip };
    struct Frame
    {
        bool isObject = true;
        enum Expect : char { KeyOrEnd, Colon, Value, CommaOrEnd } expect = KeyOrEnd;
        QByteArray key;
    };

    bool step(const char *&p, const char *end);
    bool beginValue(char c);
    bool endValue();
    bool endString();
    bool stringChar(char c);
    bool flushOutput(bool force);
    bool fail(const QString &message);
    QByteArray currentPath() const;

    Sink m_sink;
    QList<Frame> m_stack;
    Lex m_lex = Lex::Between;
    Role m_role = Role::Skip;
    bool m_rootDone = false;
    bool m_videoStarted = false;
    bool m_videoDone = false;
    bool m_sinkFailed = false;
    QByteArray m_text;      // current key, captured value or literal (bounded)
    QByteArray m_unicode;   // hex digits of a \uXXXX escape
    QHash<QByteArray, QByteArray> m_fields; // "success", "size", "error.message", ...
    Base64StreamDecoder m_decoder;
    QByteArray m_out;
    qint64 m_decodedBytes = 0;
    QString m_error;
};
