#include "providerregistry.h"

#include "providers/minimaxadapter.h"
#include "providers/mingyanadapter.h"
#include "providers/mixrouteadapter.h"
#include "providers/openaivideosadapter.h"
#include "providers/taskgatewayadapter.h"

ProviderRegistry::ProviderRegistry()
{
    // The one list of providers. Order is the order shown to the user.
    m_adapters.push_back(std::make_unique<MingyanAdapter>());
    m_adapters.push_back(std::make_unique<MixrouteAdapter>());
    m_adapters.push_back(std::make_unique<TaskGatewayAdapter>());
    m_adapters.push_back(std::make_unique<MinimaxAdapter>());
    m_adapters.push_back(std::make_unique<OpenAiVideosAdapter>());
}

const ProviderRegistry &ProviderRegistry::instance()
{
    static const ProviderRegistry registry;
    return registry;
}

const ProviderAdapter *ProviderRegistry::find(const QString &name) const
{
    const QString wanted = name.trimmed();
    for (const auto &adapter : m_adapters) {
        if (adapter->name().compare(wanted, Qt::CaseInsensitive) == 0)
            return adapter.get();
    }
    return nullptr;
}

QStringList ProviderRegistry::names() const
{
    QStringList result;
    result.reserve(qsizetype(m_adapters.size()));
    for (const auto &adapter : m_adapters)
        result.append(adapter->name());
    return result;
}
