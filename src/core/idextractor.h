#pragma once

#include <QString>
#include <QStringList>
#include <QStringView>

// Finds task IDs in whatever the user pastes or imports: JSON replies, curl -v transcripts,
// logs, CSV columns, one-per-line lists. One linear pass over the text, no backtracking regex,
// so a 20 MB log is fine. Never returns API keys, header values, timestamps, hosts or URLs.
class IdExtractor
{
public:
    // IDs in order of first appearance, without duplicates. When the text is JSON (it starts
    // with '{' or '[') and holds task_id / id fields, only those fields' values are returned.
    static QStringList extract(QStringView text);
    // Whether one bare token (after normalise()) would be taken as an ID from free text.
    static bool looksLikeId(QStringView token);
    // Trims whitespace and quotes (ASCII and typographic) from both ends; the CLI uses this on
    // IDs given verbatim, where no heuristic may second-guess the user.
    static QString normalise(QStringView text);
};
