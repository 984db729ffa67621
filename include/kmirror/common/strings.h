// Small text helpers shared by every module: trimming, ASCII case conversion and strict
// integer parsing. Configuration values and property names are ASCII keywords, so case
// conversion ignores the locale on purpose (a Turkish locale must not turn "SSL" into
// "ssl" with a dotless i). Pure functions; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kmirror {

// The blanks of a properties file value: what MM2's and Java's parsers strip.
inline constexpr std::string_view kBlanks = " \t";

// `s` without leading and trailing characters from `chars`.
std::string Trim(std::string_view s, std::string_view chars = kBlanks);

// `s` with ASCII letters converted; other bytes (UTF-8 included) unchanged.
std::string ToLower(std::string_view s);
std::string ToUpper(std::string_view s);

// A decimal integer with an optional sign, surrounded by blanks at most ("+3", " -1 ");
// nullopt for anything else ("4.2", "-", "", "1e3") or a value outside int64_t.
std::optional<int64_t> ParseInteger(std::string_view text);

}  // namespace kmirror
