#pragma once

#include "taskstate.h"

#include <QColor>
#include <QPalette>

// Badge colours for each task state, chosen for the current palette so badges stay readable in
// light and dark themes. Colour is never the only signal: badges always carry their text too.
class StatusPalette
{
public:
    struct Colors
    {
        QColor background;
        QColor foreground;
        QColor border;
    };

    static Colors colorsFor(TaskState state, const QPalette &palette);
    static bool isDark(const QPalette &palette);
};
