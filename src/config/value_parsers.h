// The value syntax of MM2 and MirrorMaker 1 properties files, shared by the settings
// registry and the loaders: booleans as Java's ConfigDef reads them, MM2's comma lists, and
// the characters a Kafka topic name may hold. Integers: ParseInteger (common/strings.h).
// Pure functions; any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kmirror::config {

// "true" / "false", case-insensitive, blanks ignored; nullopt for anything else.
std::optional<bool> ParseBool(std::string_view text);

// MM2's list syntax: split at commas, entries trimmed, empty entries dropped.
std::vector<std::string> SplitList(std::string_view text);

// Characters Kafka allows in topic names. Cluster aliases and the replication separator
// become part of remote topic names under the prefix policy, so they are held to it too.
bool IsTopicNameChar(char c);

}  // namespace kmirror::config
