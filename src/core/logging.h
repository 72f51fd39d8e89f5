#pragma once

#include <QLoggingCategory>

// Developer diagnostics (QT_LOGGING_RULES="reelkeep.*=true"). Never log an API key: requests are
// logged by host and path only. The user-facing event history lives in the task store.
Q_DECLARE_LOGGING_CATEGORY(lcPoll)
Q_DECLARE_LOGGING_CATEGORY(lcNet)
Q_DECLARE_LOGGING_CATEGORY(lcDownload)
Q_DECLARE_LOGGING_CATEGORY(lcStore)
Q_DECLARE_LOGGING_CATEGORY(lcEngine)
