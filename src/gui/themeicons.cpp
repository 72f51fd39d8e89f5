#include "themeicons.h"

#include <QApplication>
#include <QFile>
#include <QHash>
#include <QBuffer>
#include <QImage>
#include <QImageReader>
#include <QPalette>
#include <QPixmap>

using namespace Qt::StringLiterals;

// Resources live in the static reelkeep_gui library: make sure they are linked and registered
// whichever of its classes the program uses first. (Q_INIT_RESOURCE declares a function, so it
// must not be used inside a namespace.)
static void initReelkeepResources()
{
    Q_INIT_RESOURCE(reelkeep);
}

namespace
{
void ensureResources()
{
    static const bool once = [] {
        initReelkeepResources();
        return true;
    }();
    Q_UNUSED(once);
}
} // namespace

QIcon ThemeIcons::icon(const QString &name, const QColor &color)
{
    ensureResources();
    const QColor tint = color.isValid() ? color : QApplication::palette().color(QPalette::WindowText);
    static QHash<QString, QIcon> cache;
    const QString cacheKey = name + u'|' + tint.name(QColor::HexArgb);
    if (const auto it = cache.constFind(cacheKey); it != cache.cend())
        return *it;

    QFile file(u":/icons/%1.svg"_s.arg(name));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QByteArray svg = file.readAll();
    svg.replace("currentColor", tint.name(QColor::HexRgb).toLatin1());

    // Rendered per size (the SVG reader draws at the requested size), so 16 px icons keep
    // crisp strokes and 48 px ones are not blurred up-scales.
    QIcon result;
    for (const int size : {16, 20, 24, 32, 40, 48, 64}) {
        QBuffer buffer(&svg);
        QImageReader reader(&buffer, "svg");
        reader.setScaledSize(QSize(size, size));
        const QImage image = reader.read();
        if (!image.isNull())
            result.addPixmap(QPixmap::fromImage(image));
    }
    cache.insert(cacheKey, result);
    return result;
}

QIcon ThemeIcons::appIcon()
{
    ensureResources();
    return QIcon(u":/icons/reelkeep.svg"_s);
}
