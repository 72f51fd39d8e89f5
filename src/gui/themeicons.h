#pragma once

#include <QColor>
#include <QIcon>
#include <QString>

// Reelkeep's own line icons (resources/icons/*.svg), tinted with the palette's text colour so
// they stay visible in dark themes and look alike on every desktop, whatever its icon theme.
class ThemeIcons
{
public:
    // name: the file's base name, e.g. "download". color: invalid for the application palette's
    // window text colour.
    static QIcon icon(const QString &name, const QColor &color = {});
    // The application icon (full colour).
    static QIcon appIcon();
};
