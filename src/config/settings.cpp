#include "kmirror/config/settings.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "config/java_regex.h"
#include "config/value_parsers.h"
#include "kmirror/common/strings.h"

namespace kmirror::config {
namespace {

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

const SettingSpec* FindSetting(std::string_view key, Scope scope) {
  const SettingSpec* best = nullptr;
  for (const auto& s : AllSettings()) {
    if ((s.scopes & scope) == 0) continue;
    if (!s.family) {
      if (s.name == key) return &s;
      continue;
    }
    // "ssl." covers "ssl.<anything>"; "key.converter" covers itself and "key.converter.<anything>".
    bool matches = s.name.back() == '.'
                       ? key.size() > s.name.size() && key.substr(0, s.name.size()) == s.name
                       : key == s.name || (key.size() > s.name.size() && key.substr(0, s.name.size()) == s.name &&
                                           key[s.name.size()] == '.');
    if (matches && (best == nullptr || s.name.size() > best->name.size())) best = &s;
  }
  return best;
}

const SettingSpec& GetSetting(std::string_view name) {
  for (const auto& s : AllSettings()) {
    if (s.name == name) return s;
  }
  std::fprintf(stderr, "kmirror: setting '%.*s' is not registered\n", static_cast<int>(name.size()), name.data());
  std::abort();
}

Status ValidateSetting(const SettingSpec& spec, const std::string& value) {
  auto range_text = [&spec] {
    return std::to_string(spec.min.value_or(INT64_MIN)) + ".." + std::to_string(spec.max.value_or(INT64_MAX));
  };
  switch (spec.type) {
    case SettingType::kBool:
      if (!ParseBool(value)) return InvalidArgument("'" + value + "' is not a boolean: use true or false");
      break;
    case SettingType::kInt:
    case SettingType::kSeconds: {
      auto n = ParseInteger(value);
      const char* what = spec.type == SettingType::kSeconds ? "a whole number of seconds" : "an integer";
      if (!n) return InvalidArgument("'" + value + "' is not " + std::string(what));
      if ((spec.min && *n < *spec.min) || (spec.max && *n > *spec.max)) {
        return InvalidArgument(value + " is outside the allowed range " + range_text());
      }
      break;
    }
    case SettingType::kRegexList:
      for (const auto& item : SplitList(value)) {
        Status s = CheckJavaRegex(item);
        if (!s.ok()) {
          std::string hint = value.find(',') != std::string::npos && value.find('{') != std::string::npos
                                 ? " (the list is split at commas, so a regex cannot contain ',')"
                                 : "";
          return InvalidArgument(s.message() + hint);
        }
      }
      break;
    case SettingType::kEnum:
    case SettingType::kClass:
      if (std::find(spec.allowed.begin(), spec.allowed.end(), value) == spec.allowed.end()) {
        std::string list;
        for (const auto& a : spec.allowed) list += (list.empty() ? "" : ", ") + a;
        if (spec.type == SettingType::kClass) {
          return InvalidArgument("'" + value + "' cannot be used: kmirror cannot load Java classes and supports " +
                                 (spec.allowed.size() == 1 ? "only " : "only these: ") + list);
        }
        return InvalidArgument("'" + value + "' is not one of: " + list);
      }
      break;
    case SettingType::kString:
    case SettingType::kList:
    case SettingType::kClientProperties:
      break;
  }
  if (spec.extra_check != nullptr) {
    std::string problem = spec.extra_check(value);
    if (!problem.empty()) return InvalidArgument("'" + value + "' " + problem);
  }
  return Status::Ok();
}

std::vector<std::string> SuggestSettings(std::string_view key, Scope scope) {
  std::vector<std::pair<size_t, std::string>> scored;
  for (const auto& s : AllSettings()) {
    if ((s.scopes & scope) == 0 || s.family) continue;
    size_t d = EditDistance(key, s.name);
    // Allow roughly one typo per five characters, at least two.
    if (d <= std::max<size_t>(2, s.name.size() / 5)) scored.emplace_back(d, s.name);
  }
  std::sort(scored.begin(), scored.end());
  std::vector<std::string> out;
  for (size_t i = 0; i < scored.size() && i < 3; ++i) out.push_back(scored[i].second);
  return out;
}

}  // namespace kmirror::config
