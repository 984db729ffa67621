#include "config/diagnostics.h"

#include <algorithm>
#include <cctype>
#include <climits>

#include "kmirror/common/logging.h"
#include "kmirror/common/strings.h"

namespace kmirror::config {

std::string ConfigNote::ToString() const { return ConfigProblem{file, line, key, message}.ToString(); }

bool Diagnostics::FirstTime(int kind, const Origin& at, const std::string& message) {
  return seen_.emplace(kind, at.file, at.line, at.key, message).second;
}

void Diagnostics::AddSecret(const std::string& key, const std::string& value, const std::string& shown) {
  if (value.empty()) return;
  secrets_.push_back({key, value, shown});
}

std::string Diagnostics::Redacted(const Origin& at, std::string message) const {
  for (const auto& s : secrets_) {
    // Origins carry the key as written in the file, the same key the secret was read from.
    if (s.key != at.key && s.value.size() < kMinRedacted) continue;
    for (size_t p = message.find(s.value); p != std::string::npos; p = message.find(s.value, p + s.shown.size())) {
      message.replace(p, s.value.size(), s.shown);
    }
  }
  return message;
}

void Diagnostics::Problem(const Origin& at, std::string message) {
  message = Redacted(at, std::move(message));
  if (!FirstTime(0, at, message)) return;
  problems_.push_back({at.file, at.line, at.key, std::move(message)});
}

void Diagnostics::Info(const Origin& at, std::string message) {
  message = Redacted(at, std::move(message));
  if (!FirstTime(1, at, message)) return;
  notes_.push_back({ConfigNote::Level::kInfo, at.file, at.line, at.key, std::move(message)});
}

void Diagnostics::Warning(const Origin& at, std::string message) {
  message = Redacted(at, std::move(message));
  if (!FirstTime(2, at, message)) return;
  notes_.push_back({ConfigNote::Level::kWarning, at.file, at.line, at.key, std::move(message)});
}

void Diagnostics::FileProblem(const std::string& path, const std::string& flag, const Status& status) {
  // ReadPropertiesFile messages start with "<path>: " or "<path>:<line>: "; the location
  // moves into the problem's fields so it is not printed twice.
  std::string message = status.message();
  int line = 0;
  if (message.rfind(path + ":", 0) == 0) {
    message.erase(0, path.size() + 1);
    size_t digits = 0;
    while (digits < message.size() && std::isdigit(static_cast<unsigned char>(message[digits]))) ++digits;
    if (digits > 0 && message.compare(digits, 1, ":") == 0) {
      line = static_cast<int>(ParseInteger(message.substr(0, digits)).value_or(0));
      message.erase(0, digits + 1);
    }
    if (!message.empty() && message[0] == ' ') message.erase(0, 1);
  }
  Problem(Origin{path, line, flag}, std::move(message));
}

void Diagnostics::LogAndThrowIfProblems() const {
  // Findings are collected per kind of key, not in file order; reading them in file order is
  // easier. Messages without a line (missing keys) follow those of their file.
  auto by_location = [](const auto& a, const auto& b) {
    auto rank = [](int line) { return line > 0 ? line : INT_MAX; };
    return std::make_pair(a.file, rank(a.line)) < std::make_pair(b.file, rank(b.line));
  };
  std::vector<ConfigNote> notes = notes_;
  std::stable_sort(notes.begin(), notes.end(), by_location);
  auto log = logging::Get("config");
  for (const auto& n : notes) {
    if (n.level == ConfigNote::Level::kWarning)
      log->warn("{}", n.ToString());
    else
      log->info("{}", n.ToString());
  }
  if (problems_.empty()) return;
  std::vector<ConfigProblem> problems = problems_;
  std::stable_sort(problems.begin(), problems.end(), by_location);
  throw ConfigError(std::move(problems));
}

}  // namespace kmirror::config
