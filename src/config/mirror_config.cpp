#include "kmirror/config/mirror_config.h"

#include "kmirror/common/logging.h"

namespace kmirror::config {

void ApplyLogSettings(const MirrorConfig& config) {
  logging::SetNode(config.node_id);
  if (auto format = logging::ParseFormat(config.log_format)) logging::SetFormat(*format);
}

std::string ConfigProblem::ToString() const {
  std::string s;
  if (!file.empty()) {
    s += file;
    // Appended piece by piece, not as `":" + std::to_string(line)`: at -O3 GCC 12 inlines
    // that operator+ into a memcpy it wrongly believes may overlap and fails the build with
    // -Werror=restrict (GCC bug 105329, a false positive).
    if (line > 0) {
      s += ':';
      s += std::to_string(line);
    }
    s += ": ";
  }
  if (!key.empty()) s += key + ": ";
  return s + message;
}

ConfigError::ConfigError(std::vector<ConfigProblem> problems)
    : std::runtime_error([&] {
        std::string s = std::to_string(problems.size()) +
                        (problems.size() == 1 ? " configuration problem:" : " configuration problems:");
        for (const auto& p : problems) s += "\n  " + p.ToString();
        return s;
      }()),
      problems_(std::move(problems)) {}

}  // namespace kmirror::config
