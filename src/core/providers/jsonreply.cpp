#include "jsonreply.h"

#include "urlexpiry.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QRegularExpression>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

using namespace Qt::StringLiterals;

namespace
{
struct StateWord
{
    QLatin1StringView word;
    TaskState state;
};

// Every vocabulary seen in the provider docs, lower-cased with '-'/' ' as '_'. new-api's
// "UNKNOWN" deliberately is not here: it means we do not know either.
constexpr std::array stateWords{
    StateWord{"queued"_L1, TaskState::Queued},         StateWord{"queueing"_L1, TaskState::Queued},
    StateWord{"in_queue"_L1, TaskState::Queued},       StateWord{"pending"_L1, TaskState::Queued},
    StateWord{"submitted"_L1, TaskState::Queued},      StateWord{"not_start"_L1, TaskState::Queued},
    StateWord{"preparing"_L1, TaskState::Queued},      StateWord{"waiting"_L1, TaskState::Queued},
    StateWord{"starting"_L1, TaskState::Queued},       StateWord{"created"_L1, TaskState::Queued},
    StateWord{"processing"_L1, TaskState::Processing}, StateWord{"in_progress"_L1, TaskState::Processing},
    StateWord{"running"_L1, TaskState::Processing},    StateWord{"generating"_L1, TaskState::Processing},
    StateWord{"completed"_L1, TaskState::Completed},   StateWord{"complete"_L1, TaskState::Completed},
    StateWord{"succeeded"_L1, TaskState::Completed},   StateWord{"succeed"_L1, TaskState::Completed},
    StateWord{"success"_L1, TaskState::Completed},     StateWord{"successful"_L1, TaskState::Completed},
    StateWord{"finished"_L1, TaskState::Completed},    StateWord{"done"_L1, TaskState::Completed},
    StateWord{"failed"_L1, TaskState::Failed},         StateWord{"failure"_L1, TaskState::Failed},
    StateWord{"fail"_L1, TaskState::Failed},           StateWord{"error"_L1, TaskState::Failed},
    StateWord{"cancelled"_L1, TaskState::Failed},      StateWord{"canceled"_L1, TaskState::Failed},
    StateWord{"aborted"_L1, TaskState::Failed},        StateWord{"expired"_L1, TaskState::Failed},
    StateWord{"rejected"_L1, TaskState::Failed},       StateWord{"timeout"_L1, TaskState::Failed},
};

bool isSuccessWord(const QString &text)
{
    return text.compare("success"_L1, Qt::CaseInsensitive) == 0 || text.compare("ok"_L1, Qt::CaseInsensitive) == 0
        || text.compare("succeed"_L1, Qt::CaseInsensitive) == 0;
}

QString htmlTitle(const QByteArray &body)
{
    const qsizetype open = body.indexOf("<title");
    const qsizetype openUpper = open >= 0 ? open : body.indexOf("<TITLE");
    if (openUpper < 0)
        return {};
    const qsizetype start = body.indexOf('>', openUpper);
    if (start < 0)
        return {};
    qsizetype end = body.indexOf("</", start);
    if (end < 0)
        end = std::min<qsizetype>(body.size(), start + 200);
    return JsonReply::excerpt(body.sliced(start + 1, end - start - 1));
}
} // namespace

bool JsonReply::parseObject(const HttpResponse &response, QJsonObject *object, PollResult *failure)
{
    QByteArray body = response.body.trimmed();
    if (body.startsWith("\xEF\xBB\xBF"))
        body.remove(0, 3);

    if (body.isEmpty()) {
        *failure = unexpected(response, QCoreApplication::translate("JsonReply", "The provider sent an empty reply."));
        return false;
    }
    if (body.startsWith('<')) {
        const QString title = htmlTitle(body);
        *failure = unexpected(
            response,
            title.isEmpty()
                ? QCoreApplication::translate("JsonReply", "The provider sent a web page instead of JSON: %1")
                      .arg(excerpt(body))
                : QCoreApplication::translate("JsonReply", "The provider sent a web page instead of JSON: \"%1\"")
                      .arg(title));
        return false;
    }

    // Binary data (a video, a compressed body) has no excerpt worth showing: it would only put
    // mojibake and control characters on the user's screen.
    const QByteArrayView head = QByteArrayView(body).first(std::min<qsizetype>(body.size(), 512));
    const auto controls = std::count_if(head.begin(), head.end(), [](char c) {
        const uchar u = uchar(c);
        return (u < 0x20 && u != '\t' && u != '\n' && u != '\r') || u == 0x7f;
    });
    if (head.contains('\0') || controls * 20 > head.size()) {
        *failure = unexpected(response, QCoreApplication::translate("JsonReply",
                                                                    "The provider sent %1 bytes of binary data "
                                                                    "instead of JSON.")
                                            .arg(response.body.size()));
        return false;
    }

    // Qt refuses top-level scalars as a parse error; "not an object" is the truer message.
    if (!body.startsWith('{') && !body.startsWith('[')) {
        *failure = unexpected(
            response,
            QCoreApplication::translate("JsonReply", "The reply is not a JSON object: %1").arg(excerpt(body)));
        return false;
    }
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(body, &error);
    if (error.error != QJsonParseError::NoError) {
        *failure = unexpected(response,
                              QCoreApplication::translate("JsonReply", "The reply is not valid JSON (%1): %2")
                                  .arg(error.errorString(), excerpt(body)));
        return false;
    }
    if (!document.isObject()) {
        *failure = unexpected(
            response,
            QCoreApplication::translate("JsonReply", "The reply is not a JSON object: %1").arg(excerpt(body)));
        return false;
    }
    *object = document.object();
    return true;
}

PollResult JsonReply::unexpected(const HttpResponse &response, const QString &reason)
{
    if (!response.isHttpSuccess() && response.statusCode != 0) {
        return PollResult::failure(
            PollResult::Outcome::TransientError,
            QCoreApplication::translate("JsonReply", "Unexpected reply from the provider (HTTP %1). %2")
                .arg(response.statusCode)
                .arg(reason));
    }
    return PollResult::failure(PollResult::Outcome::TransientError, reason);
}

PollResult JsonReply::notATask(const HttpResponse &response, const QJsonObject &root)
{
    QString providerWords = errorText(root);
    if (providerWords.isEmpty())
        providerWords = excerpt(response.body);
    if (!response.isHttpSuccess())
        return unexpected(response, providerWords);
    return unexpected(response,
                      QCoreApplication::translate("JsonReply", "The reply has no task status: %1").arg(providerWords));
}

QString JsonReply::excerpt(const QByteArray &body, int maxChars)
{
    QString text = QString::fromUtf8(body.first(std::min<qsizetype>(body.size(), qsizetype(maxChars) * 4)));
    for (QChar &c : text) {
        if (c.category() == QChar::Other_Control || c == QChar::ReplacementCharacter)
            c = u' ';
    }
    text = maskSecrets(text.simplified());
    if (text.size() > maxChars) {
        text.truncate(maxChars);
        text += u'…';
    }
    return text;
}

QString JsonReply::maskSecrets(QString text)
{
    // A body may echo credentials ("Incorrect API key provided: sk-..."): never pass them on.
    static const QRegularExpression keys(uR"((\b(?:sk|pk|rk|ak)[-_][A-Za-z0-9_\-]{4})[A-Za-z0-9_\-]+)"_s);
    static const QRegularExpression bearer(uR"(\b(Bearer|Basic)\s+\S+)"_s, QRegularExpression::CaseInsensitiveOption);
    static const QRegularExpression jwt(uR"(\beyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-.]+)"_s);
    text.replace(keys, u"\\1…"_s);
    text.replace(bearer, u"\\1 …"_s);
    text.replace(jwt, u"…"_s);
    return text;
}

QJsonValue JsonReply::valueAt(const QJsonObject &object, QLatin1StringView path)
{
    QJsonValue current(object);
    for (const QLatin1StringView key : QLatin1StringView(path).tokenize(u'.')) {
        if (current.isObject()) {
            current = current.toObject().value(key);
        } else if (current.isArray()) {
            bool isIndex = false;
            const int index = QString(key).toInt(&isIndex);
            if (!isIndex)
                return QJsonValue(QJsonValue::Undefined);
            current = current.toArray().at(index);
        } else {
            return QJsonValue(QJsonValue::Undefined);
        }
    }
    return current;
}

QString JsonReply::text(const QJsonValue &value)
{
    if (value.isString())
        return value.toString().trimmed();
    if (value.isDouble()) {
        // toInteger() is exact for everything the parser kept as an integer (up to 2^63).
        constexpr qint64 none = std::numeric_limits<qint64>::min();
        const qint64 integer = value.toInteger(none);
        if (integer != none)
            return QString::number(integer);
        return QString::number(value.toDouble(), 'g', 17);
    }
    return {};
}

QString JsonReply::errorText(const QJsonObject &object)
{
    static constexpr std::array paths{"error.message"_L1, "error.msg"_L1,     "error"_L1,        "fail_reason"_L1,
                                      "failReason"_L1,    "error_message"_L1, "errorMessage"_L1, "message"_L1,
                                      "msg"_L1,           "detail"_L1};
    for (const QLatin1StringView path : paths) {
        const QString candidate = textAt(object, path);
        if (!candidate.isEmpty() && !isSuccessWord(candidate))
            return maskSecrets(candidate);
    }
    return {};
}

QString JsonReply::rawInteger(const QByteArray &body, QLatin1StringView key)
{
    const QByteArray quotedKey = '"' + QByteArray(key.data(), key.size()) + '"';
    qsizetype at = 0;
    while ((at = body.indexOf(quotedKey, at)) >= 0) {
        qsizetype i = at + quotedKey.size();
        at = i;
        while (i < body.size() && (body.at(i) == ' ' || body.at(i) == '\t' || body.at(i) == '\n' || body.at(i) == '\r'))
            ++i;
        if (i >= body.size() || body.at(i) != ':')
            continue; // the key's name appeared as a value, not as a key
        ++i;
        while (i < body.size() && (body.at(i) == ' ' || body.at(i) == '\t' || body.at(i) == '\n' || body.at(i) == '\r'))
            ++i;
        const qsizetype start = i;
        while (i < body.size() && body.at(i) >= '0' && body.at(i) <= '9')
            ++i;
        if (i == start || (i < body.size() && (body.at(i) == '.' || body.at(i) == 'e' || body.at(i) == 'E')))
            return {};
        return QString::fromLatin1(body.sliced(start, i - start));
    }
    return {};
}

int JsonReply::progress(const QJsonValue &value)
{
    double number = 0;
    if (value.isDouble()) {
        number = value.toDouble();
    } else if (value.isString()) {
        QString text = value.toString().trimmed();
        if (text.endsWith(u'%'))
            text.chop(1);
        bool ok = false;
        number = text.trimmed().toDouble(&ok);
        if (!ok)
            return -1;
    } else {
        return -1;
    }
    if (!std::isfinite(number))
        return -1;
    // Rounded down so that 99.6 % never shows as done before the provider says so.
    return int(std::clamp(std::floor(number), 0.0, 100.0));
}

QDateTime JsonReply::timestamp(const QJsonValue &value)
{
    double number = 0;
    if (value.isDouble()) {
        number = value.toDouble();
    } else if (value.isString()) {
        const QString text = value.toString().trimmed();
        bool ok = false;
        number = text.toDouble(&ok);
        if (!ok) {
            const QDateTime parsed = QDateTime::fromString(text, Qt::ISODateWithMs);
            if (!parsed.isValid())
                return {};
            return parsed.timeSpec() == Qt::LocalTime ? QDateTime(parsed.date(), parsed.time(), Qt::UTC)
                                                      : parsed.toUTC();
        }
    } else {
        return {};
    }
    if (!std::isfinite(number) || number <= 0 || number > 1e15)
        return {};
    // Seconds until the year 5138; anything larger is milliseconds (Kling and others use them).
    const qint64 ms = number > 1e11 ? qint64(number) : qint64(number * 1000.0);
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC);
}

double JsonReply::seconds(const QJsonValue &value)
{
    double number = -1;
    if (value.isDouble()) {
        number = value.toDouble();
    } else if (value.isString()) {
        QString text = value.toString().trimmed().toLower();
        if (text.endsWith(u's'))
            text.chop(1);
        bool ok = false;
        number = text.trimmed().toDouble(&ok);
        if (!ok)
            return -1;
    }
    return std::isfinite(number) && number > 0 ? number : -1;
}

QSize JsonReply::size(const QString &text)
{
    const QString trimmed = text.trimmed();
    qsizetype separator = -1;
    for (qsizetype i = 0; i < trimmed.size(); ++i) {
        const QChar c = trimmed.at(i);
        if (c == u'x' || c == u'X' || c == u'*' || c == QChar(0x00D7)) {
            separator = i;
            break;
        }
    }
    if (separator < 0)
        return {};
    bool okWidth = false, okHeight = false;
    const int width = trimmed.first(separator).trimmed().toInt(&okWidth);
    const int height = trimmed.sliced(separator + 1).trimmed().toInt(&okHeight);
    if (!okWidth || !okHeight || width <= 0 || height <= 0)
        return {};
    return QSize(width, height);
}

QSize JsonReply::size(const QJsonValue &width, const QJsonValue &height)
{
    const int w = text(width).toInt();
    const int h = text(height).toInt();
    if (w <= 0 || h <= 0)
        return {};
    return QSize(w, h);
}

QByteArray JsonReply::httpUrl(const QString &text)
{
    const QString trimmed = text.trimmed();
    if (trimmed.startsWith("https://"_L1, Qt::CaseInsensitive) || trimmed.startsWith("http://"_L1, Qt::CaseInsensitive))
        return trimmed.toUtf8();
    return {};
}

TaskState JsonReply::commonState(QStringView status, bool *known)
{
    QString word = status.trimmed().toString().toLower();
    word.replace(u'-', u'_').replace(u' ', u'_');
    for (const StateWord &entry : stateWords) {
        if (word == entry.word) {
            if (known)
                *known = true;
            return entry.state;
        }
    }
    if (known)
        *known = false;
    return TaskState::Unknown;
}

void JsonReply::setUrlSource(TaskSnapshot *snapshot, const QByteArray &url)
{
    snapshot->source = VideoSource{};
    snapshot->source.kind = VideoSource::Kind::Url;
    snapshot->source.url = url;
    const QDateTime signatureEnd = UrlExpiry::expiryOf(url);
    if (signatureEnd.isValid() && (!snapshot->expiresAt.isValid() || signatureEnd < snapshot->expiresAt))
        snapshot->expiresAt = signatureEnd;
}

void JsonReply::setNoSource(TaskSnapshot *snapshot)
{
    snapshot->source = VideoSource{};
    snapshot->errorMessage
        = QCoreApplication::translate("JsonReply", "The provider reports the video as finished but gave no video URL.");
}

QString JsonReply::defaultFailureMessage()
{
    return QCoreApplication::translate("JsonReply", "The provider reports the task as failed but gave no reason.");
}

bool JsonReply::splitQueryUrl(const QUrl &url, QLatin1StringView marker, QUrl *base, QString *id)
{
    if (!url.isValid() || url.host().isEmpty())
        return false;
    const QString path = url.path(QUrl::FullyEncoded);
    const qsizetype at = path.lastIndexOf(marker);
    if (at < 0)
        return false;
    QString segment = path.sliced(at + marker.size());
    if (const qsizetype slash = segment.indexOf(u'/'); slash >= 0)
        segment.truncate(slash);
    *id = QUrl::fromPercentEncoding(segment.toLatin1());
    *base = url;
    base->setQuery(QString());
    base->setFragment(QString());
    base->setPath(path.first(at), QUrl::TolerantMode);
    return !id->isEmpty();
}
