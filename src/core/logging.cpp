#include "logging.h"

Q_LOGGING_CATEGORY(lcPoll, "reelkeep.poll", QtWarningMsg)
Q_LOGGING_CATEGORY(lcNet, "reelkeep.net", QtWarningMsg)
Q_LOGGING_CATEGORY(lcDownload, "reelkeep.download", QtWarningMsg)
Q_LOGGING_CATEGORY(lcStore, "reelkeep.store", QtWarningMsg)
Q_LOGGING_CATEGORY(lcEngine, "reelkeep.engine", QtWarningMsg)
