// Collects what the configuration loaders find: problems (fatal, thrown together as one
// ConfigError) and notes (info and warnings, logged). Loading resolves the same key for many
// flows and clients, so identical messages are kept once: a key is reported once however
// often it is used.
#pragma once

#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "kmirror/common/status.h"
#include "kmirror/config/mirror_config.h"

namespace kmirror::config {

struct ConfigNote {
  enum class Level { kInfo, kWarning };
  Level level = Level::kInfo;
  std::string file;
  int line = 0;
  std::string key;
  std::string message;
  std::string ToString() const;  // same layout as ConfigProblem::ToString
};

// Where a value came from: the key as written in the file (e.g. "clusterA.consumer.linger.ms")
// and its location. A default has an empty file and line 0.
struct Origin {
  std::string file;
  int line = 0;
  std::string key;
};

class Diagnostics {
 public:
  void Problem(const Origin& at, std::string message);
  void Info(const Origin& at, std::string message);
  void Warning(const Origin& at, std::string message);
  // A failure of ReadPropertiesFile for `path` (named on the command line by `flag`, if any),
  // located at the file and, for parse errors, the line.
  void FileProblem(const std::string& path, const std::string& flag, const Status& status);
  // `value` (what a config provider placeholder resolved to for `key`) is a secret: every
  // later message shows `shown` (the placeholder) instead of it. Messages located at `key`
  // are redacted whatever the value's length; other messages for values of at least
  // kMinRedacted characters (shorter ones would garble unrelated numbers and words).
  void AddSecret(const std::string& key, const std::string& value, const std::string& shown);
  static constexpr size_t kMinRedacted = 4;

  bool has_problems() const { return !problems_.empty(); }
  const std::vector<ConfigProblem>& problems() const { return problems_; }
  const std::vector<ConfigNote>& notes() const { return notes_; }

  // Logs every note through the "config" logger, then throws ConfigError if any problem was
  // recorded. Notes are logged even when the load fails: they often explain the problems.
  void LogAndThrowIfProblems() const;

 private:
  using Key = std::tuple<int, std::string, int, std::string, std::string>;
  bool FirstTime(int kind, const Origin& at, const std::string& message);
  std::string Redacted(const Origin& at, std::string message) const;

  struct Secret {
    std::string key;
    std::string value;
    std::string shown;
  };
  std::vector<Secret> secrets_;

  std::set<Key> seen_;
  std::vector<ConfigProblem> problems_;
  std::vector<ConfigNote> notes_;
};

}  // namespace kmirror::config
