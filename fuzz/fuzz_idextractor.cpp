// libFuzzer target: IdExtractor on arbitrary bytes (read as UTF-8, as a paste or an imported
// file is). Besides crashes, UB and hangs it checks what IdExtractor promises: IDs come out of
// the text itself (or of a URL in it, percent-decoded), once each, made of ID characters, and
// never an API key.

#include "idextractor.h"

#include <QByteArray>
#include <QSet>
#include <QString>
#include <QUrl>

#include <array>
#include <cstdio>
#include <cstdlib>

using namespace Qt::StringLiterals;

namespace
{
[[noreturn]] void violated(const char *what, const QString &detail)
{
    std::fprintf(stderr, "fuzz_idextractor: invariant violated: %s: \"%s\"\n", what, qUtf8Printable(detail));
    std::abort();
}

bool isIdChar(QChar c)
{
    const char16_t u = c.unicode();
    return (u >= u'0' && u <= u'9') || (u >= u'a' && u <= u'z') || (u >= u'A' && u <= u'Z') || u == u'_'
        || u == u'-' || u == u'.';
}

// What IdExtractor reads inside a URL: JSON's "\/", Go's \u0026 / \u003d, then percent-escapes.
QString urlDecoded(const QString &text)
{
    QString unescaped = text;
    unescaped.replace("\\/"_L1, "/"_L1);
    unescaped.replace("\\u0026"_L1, "&"_L1);
    unescaped.replace("\\u003d"_L1, "="_L1, Qt::CaseInsensitive);
    return QUrl::fromPercentEncoding(unescaped.toUtf8());
}

// The key shapes keysAreNeverIds in tests/tst_idextractor.cpp covers.
bool looksLikeSecret(const QString &id)
{
    static constexpr std::array anyCase{"sk-"_L1, "sk_"_L1, "pk-"_L1, "pk_"_L1, "rk-"_L1, "rk_"_L1, "ghp_"_L1, "github_pat_"_L1};
    static constexpr std::array exactCase{"eyJ"_L1, "AKIA"_L1, "LTAI"_L1, "AIza"_L1};
    for (const auto prefix : anyCase) {
        if (id.startsWith(prefix, Qt::CaseInsensitive))
            return true;
    }
    for (const auto prefix : exactCase) {
        if (id.startsWith(prefix))
            return true;
    }
    return false;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QString text = QString::fromUtf8(QByteArrayView(data, qsizetype(size)));
    const QStringList ids = IdExtractor::extract(text);

    QString decoded; // only built when an ID is not found verbatim
    QSet<QString> seen;
    for (const QString &id : ids) {
        if (id.size() < 4 || id.size() > 128)
            violated("ID length outside 4..128", id);
        for (const QChar c : id) {
            if (!isIdChar(c))
                violated("character outside [A-Za-z0-9_.-] in an ID", id);
        }
        if (seen.contains(id))
            violated("duplicate ID", id);
        seen.insert(id);
        if (looksLikeSecret(id))
            violated("an API key returned as an ID", id);
        if (!text.contains(id)) {
            if (decoded.isNull())
                decoded = urlDecoded(text);
            if (!decoded.contains(id))
                violated("ID is not in the text, nor in its URLs decoded", id);
        }
    }

    // normalise() trims to a fixed point, and looksLikeId() agrees with it.
    const QString normalised = IdExtractor::normalise(text);
    if (IdExtractor::normalise(normalised) != normalised)
        violated("normalise() is not idempotent", text.left(200));
    if (IdExtractor::looksLikeId(text) != IdExtractor::looksLikeId(normalised))
        violated("looksLikeId() depends on surrounding quotes or blanks", text.left(200));
    return 0;
}
