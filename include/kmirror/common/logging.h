// One spdlog logger per module ("config", "kafka", "replication", "app", ...), all writing
// to the same sink so lines interleave in order. Loggers are created on first use.
#pragma once

#include <memory>
#include <string>

#include <spdlog/spdlog.h>

namespace kmirror::logging {

// The logger for `module`; creates it with the process-wide sink and level on first call.
std::shared_ptr<spdlog::logger> Get(const std::string& module);

// Sets the level of every existing and future module logger ("info", "debug", ...).
// Returns false for an unknown level name.
bool SetLevel(const std::string& level);

}  // namespace kmirror::logging
