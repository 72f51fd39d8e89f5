#pragma once

#include "taskrecord.h"

#include <QString>

// Which tasks a view shows: a category (the filter bar's tabs) and free text over ID, model and
// error. Lives in the core so every front-end filters the same way.
class TaskFilter
{
public:
    enum class Category
    {
        All,
        Active,     // queued, processing, unknown, downloading, or completed but not yet saved
        Completed,  // finished generating, not saved yet
        Saved,
        Failed,
        Expired
    };
    static constexpr int categoryCount = 6;

    Category category() const { return m_category; }
    void setCategory(Category category) { m_category = category; }
    QString text() const { return m_text; }
    void setText(const QString &text) { m_text = text.trimmed(); }

    bool matches(const TaskRecord &record) const { return inCategory(record, m_category) && matchesText(record); }
    static bool inCategory(const TaskRecord &record, Category category);
    bool matchesText(const TaskRecord &record) const;

    bool operator==(const TaskFilter &other) const = default;

private:
    Category m_category = Category::All;
    QString m_text;
};
