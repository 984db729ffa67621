// Helpers shared by the config tests: scratch files, capture of the "config" logger, and
// running a loader that is expected to fail.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include "kmirror/common/logging.h"
#include "kmirror/config/mirror_config.h"

namespace kmirror::config::testing {

// A directory removed with everything in it when the test ends.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "kmirror-config-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Writes `content` (bytes as given) to `name` and returns the full path.
  std::string Write(const std::string& name, const std::string& content) const {
    std::string p = (path_ / name).string();
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }
  std::string Path(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Everything the "config" logger writes while this object lives.
class LogCapture {
 public:
  LogCapture() : sink_(std::make_shared<spdlog::sinks::ostream_sink_mt>(out_)) {
    sink_->set_pattern("%l %v");
    logging::Get("config")->sinks().push_back(sink_);
  }
  ~LogCapture() {
    auto& sinks = logging::Get("config")->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
  }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  std::string text() const { return out_.str(); }
  // The logged lines containing `needle`.
  std::vector<std::string> Lines(const std::string& needle) const { return Lines("", needle); }
  // The lines logged at `level` ("info", "warning") containing `needle`.
  std::vector<std::string> Lines(const std::string& level, const std::string& needle) const {
    std::vector<std::string> found;
    std::istringstream in(out_.str());
    for (std::string line; std::getline(in, line);) {
      if (line.rfind(level, 0) == 0 && line.find(needle) != std::string::npos) found.push_back(line);
    }
    return found;
  }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink_;
};

// Runs `load`, which must throw ConfigError, and returns the error's problems (empty, with a
// test failure, when it does not throw).
inline std::vector<ConfigProblem> ProblemsOf(const std::function<void()>& load) {
  try {
    load();
  } catch (const ConfigError& e) {
    return e.problems();
  }
  ADD_FAILURE() << "expected a ConfigError";
  return {};
}

// The problem whose ToString() contains `needle`, or nullptr.
inline const ConfigProblem* FindProblem(const std::vector<ConfigProblem>& problems, const std::string& needle) {
  for (const auto& p : problems) {
    if (p.ToString().find(needle) != std::string::npos) return &p;
  }
  return nullptr;
}

inline std::string AllText(const std::vector<ConfigProblem>& problems) {
  std::string s;
  for (const auto& p : problems) s += p.ToString() + "\n";
  return s;
}

inline std::string SourcePath(const std::string& relative) { return std::string(KMIRROR_SOURCE_DIR) + "/" + relative; }

}  // namespace kmirror::config::testing
