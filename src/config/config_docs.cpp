// RenderConfigurationDocs: docs/configuration.md, generated from the settings registry and the
// client property rules so that the reference always says what the loaders do.
#include <cctype>
#include <sstream>

#include "config/client_rules.h"
#include "kmirror/config/settings.h"

namespace kmirror::config {
namespace {

std::string Cell(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '|')
      out += "\\|";
    else if (c == '\n')
      out += ' ';
    else
      out += c;
  }
  return out;
}

std::string Code(const std::string& s) { return s.empty() ? "" : "`" + s + "`"; }

// Help texts of not-needed and planned settings are written to follow "not needed by
// kmirror: " in log lines; as table cells they start a sentence. "kmirror" stays lower case.
std::string Sentence(std::string s) {
  if (!s.empty() && s.rfind("kmirror", 0) != 0)
    s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

std::string DisplayName(const SettingSpec& s) {
  if (!s.family) return Code(s.name);
  if (s.name.back() == '.') return Code(s.name + "*");
  return Code(s.name) + ", " + Code(s.name + ".*");
}

std::string TypeText(const SettingSpec& s) {
  auto range = [&s] {
    if (!s.min && !s.max) return std::string();
    std::string lo = s.min ? std::to_string(*s.min) : "";
    std::string hi = s.max && *s.max != INT64_MAX ? std::to_string(*s.max) : "";
    return " " + lo + ".." + hi;
  };
  switch (s.type) {
    case SettingType::kBool:
      return "boolean";
    case SettingType::kInt:
      return "integer" + range();
    case SettingType::kSeconds:
      return "seconds" + range();
    case SettingType::kString:
      return "string";
    case SettingType::kList:
      return "list";
    case SettingType::kRegexList:
      return "regex list";
    case SettingType::kEnum: {
      std::string v;
      for (const auto& a : s.allowed) v += (v.empty() ? "" : ", ") + Code(a);
      return "one of " + v;
    }
    case SettingType::kClass:
      return "Java class name";
    case SettingType::kClientProperties:
      return "client properties";
  }
  return "";
}

std::string WhereText(const SettingSpec& s) {
  std::string w;
  auto add = [&w](const char* part) { w += (w.empty() ? "" : ", ") + std::string(part); };
  if (s.scopes & kTopLevel) add("top level");
  if (s.scopes & kPerFlow) add("per flow");
  if (s.scopes & kPerCluster) add("per cluster");
  return w;
}

std::string DefaultText(const SettingSpec& s) {
  if (!s.default_doc.empty()) return Code(s.default_doc);
  if (!s.default_value.empty()) return Code(s.default_value);
  return "";
}

void SettingsTable(std::ostringstream& md, SettingStatus status, bool with_type) {
  if (with_type) {
    md << "| Setting | Type | Default | Where | Description |\n|---|---|---|---|---|\n";
  } else {
    md << "| Setting | Where | Why |\n|---|---|---|\n";
  }
  for (const auto& s : AllSettings()) {
    if (s.status != status) continue;
    std::string help = Sentence(s.help);
    if (s.kmirror_extension) help = "*kmirror extension.* " + help;
    if (with_type) {
      if (status == SettingStatus::kPlanned && !s.kmirror_value.empty()) {
        help += " Setting " + Code(s.kmirror_value) + " asks for what kmirror does today and is logged at info.";
      }
      if (s.type == SettingType::kClass && !s.allowed.empty()) {
        std::string v;
        for (const auto& a : s.allowed) v += (v.empty() ? "" : ", ") + Code(a);
        help += " Accepted: " + v + ".";
      }
      md << "| " << DisplayName(s) << " | " << Cell(TypeText(s)) << " | " << Cell(DefaultText(s)) << " | "
         << WhereText(s) << " | " << Cell(help) << " |\n";
    } else {
      md << "| " << DisplayName(s) << " | " << WhereText(s) << " | " << Cell(help) << " |\n";
    }
  }
  md << "\n";
}

}  // namespace

std::string RenderConfigurationDocs() {
  std::ostringstream md;
  md << R"(# kmirror configuration reference

<!-- Generated from src/config/settings.cpp and src/config/client_props.cpp.
     Do not edit by hand: run `kmirror config-docs > docs/configuration.md`. -->

kmirror reads the configuration of the tools it replaces:

- **MirrorMaker 2**: `kmirror run -c connect-mirror-maker.properties` (`kmirror check -c ...`
  only validates), the file format and semantics of Apache Kafka 3.8.1's MM2 (dedicated mode).
  Existing files work unchanged; what kmirror does not need is logged once at info level, what it
  does not do yet is logged as a warning.
- **MirrorMaker 1**: `kmirror legacy --consumer.config ... --producer.config ... --num.streams N
  --whitelist REGEX` (see the last section).

Everything is checked before any cluster is contacted. All problems are reported together, each
as `file:line: key: message`; unknown keys are warnings naming the key and line.

## File syntax

Java `.properties`: `key = value`, `key: value` or `key value`; `#` and `!` start comment lines;
a backslash at the end of a line continues it; escapes `\t`, `\n`, `\uXXXX`, `\=`, `\:`.
Unlike Java, values are trimmed at both ends and the file is read as UTF-8. When a key appears
twice the last one wins, with a warning.

## Where a setting is written

| Form | Meaning |
|---|---|
| `clusters = A, B` | the cluster aliases |
| `A.bootstrap.servers`, `A.<client property>` | cluster `A` |
| `A->B.<setting>` | the flow from `A` to `B` |
| `<setting>` | top level: the default for every flow |

A flow setting resolves `A->B.<setting>`, then `<setting>`, then the default. Flows are off
until `A->B.enabled = true`; a flow's clusters must be listed in `clusters` and have
`bootstrap.servers`.

Aliases are made of ASCII letters, digits, `.`, `_` and `-`, and become part of topic names. The
aliases of a flow must not contain its `replication.policy.separator` (`.` by default), whichever
naming policy it uses: kmirror and MM2 take the text before the first separator of a remote topic
name (`<alias><separator><topic>`, and `<alias><separator>heartbeats` under both policies) as the
cluster it came from. With `clusters = a, a.b`, `a.b.orders` would read as topic `b.orders` of
cluster `a`, cluster `a`'s topic `b.orders` would be written to the same remote topic, checkpoints
would be filed under the wrong topic and the loop check would not recognise `a.b`'s own topics.
kmirror refuses such a file with an error at the `clusters` line naming the alias, the separator
and the flows; aliases that merely share a prefix (`a`, `ab`) are fine. Internal topics need no
such rule: `<alias>.checkpoints.internal` (`<alias><separator>checkpoints<separator>internal` with a
custom separator, see `replication.policy.internal.topic.separator.enabled`) and
`kmirror-offset-syncs.<alias>.internal` put fixed text around the whole alias, so distinct aliases
never share one, and they are never mirrored.

## Settings

)";
  SettingsTable(md, SettingStatus::kSupported, true);
  md << R"(## Client properties

Client properties use Java client names, as in MM2 files; kmirror translates them for librdkafka
(table below) and asks librdkafka to check every result, so a misspelt property or an invalid
value is an error at its line. Properties that are not Java client names are taken as librdkafka
properties, so librdkafka settings such as `ssl.ca.location` can be written directly.

Cluster-level properties (`bootstrap.servers`, `security.protocol`, `ssl.*`, `sasl.*`) may be
written at top level (all clusters) or as `<alias>.<property>`. Any property may be given to one
kind of client. For the flow `A->B`, from highest to lowest precedence (MM2 3.8.1's rules):

| Client | Precedence |
|---|---|
| consumer on `A` | `A->B.source.consumer.x`, `A.consumer.x`, `A.x`, `x`, `A->B.consumer.x` |
| producer on `B` | `A->B.producer.override.x`, `B.producer.x`, `B.x`, `x`, `A->B.producer.x` |
| admin on `A` | `A->B.source.admin.x`, `A.admin.x`, `A.x`, `x`, `A->B.admin.x` |
| admin on `B` | `A->B.target.admin.x`, `B.admin.x`, `B.x`, `x`, `A->B.admin.x` |

`A.x` and `x` count only for cluster-level properties. Because MM2 gives `A->B.consumer.x` the
lowest precedence, kmirror warns when another form overrides it.

The replication engine owns some settings: a flow's consumer group is `flow.group.id`; where the
group has no committed offset, a partition starts at its first record, unless `auto.offset.reset`
is `latest` (default `earliest` for MM2 flows) and the partition is one of the flow's very first
start (the group had no committed offset at all, and the partition existed when kmirror started):
partitions created later are mirrored from their first record (docs/architecture.md, "Durability");
it reads committed records only, produces idempotently with `acks=all` and writes each record to the
partition number it had on the source. Secrets (passwords, JAAS strings, keys) are never logged.

### Java to librdkafka translation

| Java property | librdkafka | Notes |
|---|---|---|
)";
  for (const auto& row : ClientPropertyTable()) {
    md << "| " << Code(row.java_name) << " | " << Cell(row.outcome) << " | " << Cell(row.note) << " |\n";
  }
  md << R"(
## Accepted, not needed by kmirror

These MM2 and Kafka Connect settings are accepted and logged once at info level.

)";
  SettingsTable(md, SettingStatus::kNotNeeded, false);
  md << R"(## Planned

Accepted and validated, but kmirror does not implement them yet: setting one logs a warning.

)";
  SettingsTable(md, SettingStatus::kPlanned, true);
  md << R"(## MirrorMaker 1 command line

`kmirror legacy --consumer.config consumer.properties --producer.config producer.properties
--num.streams N --whitelist REGEX` runs one flow `source->target`:

- the consumer file gives the source cluster and consumer properties; its `group.id` is the
  flow's consumer group (default `kmirror-source-target`, with a warning) and its
  `auto.offset.reset` where the flow starts (default `latest`, as Java's consumer; `latest`
  applies only to the partitions of the flow's first start, every partition created later is
  mirrored from its first record);
- the producer file gives the target cluster and producer properties;
- `--num.streams` (at least 1) is the number of consumer/producer pairs;
- `--whitelist` (or `--include`) is a Java regex, normalised as MirrorMaker 1 did: commas become
  `|`, blanks and surrounding quotes are removed. Internal topics (`__consumer_offsets`,
  `__transaction_state`) are never mirrored;
- topics keep their names; missing topics are created with the source's partition count and the
  target broker's default replication factor; topic configurations are not copied; new topics
  are picked up every 5 minutes, or every `metadata.max.age.ms` of the consumer file.
)";
  return md.str();
}

}  // namespace kmirror::config
