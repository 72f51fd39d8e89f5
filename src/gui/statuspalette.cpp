#include "statuspalette.h"

#include <algorithm>

namespace
{
// Hue per state; lightness is picked per theme below.
QColor baseColor(TaskState state)
{
    switch (state) {
    case TaskState::Queued:
        return QColor(0x75, 0x75, 0x75);      // neutral grey: waiting
    case TaskState::Processing:
        return QColor(0x1e, 0x6f, 0xd9);      // blue: working
    case TaskState::Completed:
        return QColor(0x00, 0x89, 0x7b);      // teal: ready, not yet saved
    case TaskState::Downloading:
        return QColor(0x6a, 0x4c, 0xc9);      // violet: transferring
    case TaskState::Saved:
        return QColor(0x2e, 0x7d, 0x32);      // green: done
    case TaskState::Failed:
        return QColor(0xc6, 0x28, 0x28);      // red
    case TaskState::Expired:
        return QColor(0xb2, 0x6a, 0x00);      // amber: lost to time
    case TaskState::Unknown:
        return QColor(0x8d, 0x6e, 0x63);      // brown: unusual
    }
    return QColor(Qt::gray);
}
} // namespace

bool StatusPalette::isDark(const QPalette &palette)
{
    return palette.color(QPalette::Window).lightnessF() < 0.5;
}

StatusPalette::Colors StatusPalette::colorsFor(TaskState state, const QPalette &palette)
{
    const QColor base = baseColor(state);
    Colors colors;
    if (isDark(palette)) {
        // Dark theme: a deep tinted fill with light text.
        colors.background = base.darker(170);
        colors.foreground = base.lighter(190);
        colors.border = base.lighter(120);
    } else {
        // Light theme: a pale tinted fill with dark text (contrast above 4.5:1 for every hue).
        colors.background = QColor::fromHslF(base.hslHueF(), std::min(1.0f, base.hslSaturationF()), 0.92f);
        colors.foreground = base.darker(160);
        colors.border = base.lighter(130);
    }
    return colors;
}
