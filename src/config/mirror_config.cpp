#include "kmirror/config/mirror_config.h"

namespace kmirror::config {

std::string ConfigProblem::ToString() const {
  std::string s;
  if (!file.empty()) {
    s += file;
    if (line > 0) s += ":" + std::to_string(line);
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
