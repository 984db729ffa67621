// The registry of every setting kmirror understands in an MM2 properties file, each described
// once: name, type, default, bounds, where it may be written, whether kmirror acts on it, and
// help text. Validation of values and the Markdown reference (docs/configuration.md, via
// `kmirror config-docs`) are both driven by these descriptions, so the documentation cannot
// drift from what the loader does.
//
// Names and defaults follow Apache Kafka 3.8.1's MirrorMaker 2 (MirrorMakerConfig,
// MirrorSourceConfig, MirrorCheckpointConfig, MirrorHeartbeatConfig, DefaultTopicFilter,
// DefaultConfigPropertyFilter). Settings kmirror adds are marked as kmirror extensions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kmirror/common/status.h"

namespace kmirror::config {

enum class SettingType {
  kBool,     // "true" / "false", case-insensitive (Java's ConfigDef rule)
  kInt,      // decimal integer within [min, max]
  kSeconds,  // a duration in whole seconds within [min, max]
  kString,
  kList,              // comma-separated; entries trimmed, empty entries dropped
  kRegexList,         // a kList of Java regexes, each checked with CheckJavaRegex
  kEnum,              // one of `allowed` (case-sensitive, as MM2's validators)
  kClass,             // a Java class name; only the names in `allowed` can be honoured
  kClientProperties,  // Java client properties, translated for librdkafka (client_props.h)
};

enum class SettingStatus {
  kSupported,  // kmirror acts on it
  kNotNeeded,  // only meaningful to MM2 / Kafka Connect internals: accepted, logged at info
  kPlanned,    // a feature kmirror does not have yet: accepted, logged as a warning
};

// Where a key may be written; a bit set. A per-flow setting may also be written at top level,
// where it is the default for every flow: "<source>-><target>.key" wins over "key", which
// wins over the default (MM2's rule).
enum Scope : unsigned {
  kTopLevel = 1u << 0,    // key
  kPerFlow = 1u << 1,     // <source>-><target>.key
  kPerCluster = 1u << 2,  // <alias>.key
};

struct SettingSpec {
  std::string name{};   // the key; for a family, the prefix shared by its keys (ends in '.')
  bool family = false;  // every key starting with `name` is this setting
  SettingType type = SettingType::kString;
  unsigned scopes = kTopLevel;
  SettingStatus status = SettingStatus::kSupported;
  std::string default_value{};   // as written in a properties file; empty: none
  std::string default_doc{};     // shown instead of default_value when the default is computed
  std::optional<int64_t> min{};  // kInt / kSeconds bounds
  std::optional<int64_t> max{};
  std::vector<std::string> allowed{};  // kEnum / kClass
  std::string alias_of{};              // deprecated spelling of another setting
  // kPlanned only: the value that asks for what kmirror already does (e.g. "false" for
  // emit.heartbeats.enabled); setting it is logged at info, not as a warning.
  std::string kmirror_value{};
  bool kmirror_extension = false;  // not an MM2 setting
  std::string help{};              // one paragraph; for kNotNeeded / kPlanned it also says why
  // A rule beyond type, bounds and allowed values; returns "" or what is wrong.
  std::string (*extra_check)(const std::string& value) = nullptr;
  // kSupported only: the GoogleTest tests ("Suite.Name", unit or broker) that show what the
  // setting does, so every accepted key is either shown to work or says why it is not needed
  // (issue 14). SettingsAuditTest checks that each named test exists in tests/ and that its
  // file mentions the key, so renaming or deleting the test fails the audit.
  std::vector<std::string> evidence{};
  // Why the evidence's files need not spell the key (e.g. a family whose tests write its
  // members, or a test that drives the resolved value); empty: each file must contain the key.
  std::string evidence_note{};
};

// Every registered setting, in documentation order.
const std::vector<SettingSpec>& AllSettings();

// The spec governing `key` written at `scope`: an exact name first, then the longest family
// prefix. nullptr when nothing registered applies there.
const SettingSpec* FindSetting(std::string_view key, Scope scope);

// The spec registered under exactly `name`; aborts when there is none (a programming error:
// loaders only ask for names they know).
const SettingSpec& GetSetting(std::string_view name);

// OK when `value` is acceptable for `spec` (type, bounds, allowed values, every regex of a
// regex list, extra rule); otherwise InvalidArgument saying what is wrong.
Status ValidateSetting(const SettingSpec& spec, const std::string& value);

// Registered names close to `key` (small edit distance), best first, for "did you mean" hints.
std::vector<std::string> SuggestSettings(std::string_view key, Scope scope);

// The Markdown configuration reference: every setting, the client property precedence and
// the Java-to-librdkafka translation table. `kmirror config-docs > docs/configuration.md`.
std::string RenderConfigurationDocs();

}  // namespace kmirror::config
