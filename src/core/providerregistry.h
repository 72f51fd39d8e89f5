#pragma once

#include "provideradapter.h"

#include <QStringList>

#include <memory>
#include <vector>

// The list of providers Reelkeep speaks. The only place that names every adapter.
class ProviderRegistry
{
public:
    static const ProviderRegistry &instance();

    // nullptr for an unknown name (names are matched case-insensitively).
    const ProviderAdapter *find(const QString &name) const;
    QStringList names() const;
    const std::vector<std::unique_ptr<ProviderAdapter>> &adapters() const { return m_adapters; }

private:
    ProviderRegistry();
    std::vector<std::unique_ptr<ProviderAdapter>> m_adapters;
};
