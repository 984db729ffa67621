#include "kmirror/common/logging.h"

#include <mutex>

#include <spdlog/sinks/stdout_color_sinks.h>

namespace kmirror::logging {
namespace {

struct Registry {
  std::mutex mu;
  spdlog::sink_ptr sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  spdlog::level::level_enum level = spdlog::level::info;
};

Registry& registry() {
  static Registry* r = new Registry();  // never destroyed: loggers are used until exit
  return *r;
}

}  // namespace

std::shared_ptr<spdlog::logger> Get(const std::string& module) {
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  if (auto existing = spdlog::get(module)) return existing;
  auto logger = std::make_shared<spdlog::logger>(module, r.sink);
  logger->set_level(r.level);
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ [%n] %v");
  spdlog::register_logger(logger);
  return logger;
}

bool SetLevel(const std::string& level) {
  auto lvl = spdlog::level::from_str(level);
  if (lvl == spdlog::level::off && level != "off") return false;
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  r.level = lvl;
  spdlog::apply_all([lvl](const std::shared_ptr<spdlog::logger>& l) { l->set_level(lvl); });
  return true;
}

}  // namespace kmirror::logging
