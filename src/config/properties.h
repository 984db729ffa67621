// A reader for Java .properties files that remembers where each key was defined, so every
// configuration message can point at "file:line".
//
// Syntax follows java.util.Properties.load: '#' and '!' comment lines, key/value separated by
// '=', ':' or whitespace, a backslash at the end of a line continues it (the next line's
// leading whitespace is dropped), escapes \t \n \r \f \uXXXX and "\c" -> c. Two deliberate
// differences, both because MM2 files are edited by hand:
//   - values are also trimmed of trailing whitespace (Java keeps it; "a = b  " silently
//     carrying two spaces into a bootstrap server list helps nobody). An escaped trailing
//     space ("\ ") is kept;
//   - the file is read as UTF-8 (Java's Properties.load(InputStream) reads ISO-8859-1 and
//     would mangle non-ASCII passwords).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "kmirror/common/status.h"

namespace kmirror::config {

struct PropertyEntry {
  std::string key;
  std::string value;
  int line = 0;  // 1-based line on which the (last) definition of the key starts
  // Where the value came from when not from the file (a per-node override: "--set" or the
  // environment variable); messages name it instead of the file. Empty: the file.
  std::string origin{};
};

// A key defined more than once. The last definition wins, as in Java; callers warn about it.
struct DuplicateKey {
  std::string key;
  int first_line = 0;  // the definition that lost
  int line = 0;        // the definition that won
};

class Properties {
 public:
  Properties() = default;
  explicit Properties(std::string file) : file_(std::move(file)) {}

  // The file name given to the parser; used in messages only.
  const std::string& file() const { return file_; }
  // One entry per distinct key, in order of first appearance, carrying the winning value.
  const std::vector<PropertyEntry>& entries() const { return entries_; }
  const std::vector<DuplicateKey>& duplicates() const { return duplicates_; }
  // nullptr when the key is absent.
  const PropertyEntry* Find(std::string_view key) const;

  // Adds or replaces a key (replacing records a DuplicateKey).
  void Set(std::string key, std::string value, int line);
  // A per-node override (command line or environment): replaces the file's value without
  // counting as a duplicate definition; messages about it name `origin`.
  void Override(std::string key, std::string value, std::string origin);
  // Changes the value of an existing key, keeping its line (config providers substitute
  // placeholders this way); does nothing when the key is absent.
  void Replace(std::string_view key, std::string value);

 private:
  std::string file_;
  std::vector<PropertyEntry> entries_;
  std::map<std::string, size_t, std::less<>> index_;
  std::vector<DuplicateKey> duplicates_;
};

// Parses .properties text. `file` only labels messages. Fails (InvalidArgument, message
// "file:line: ...") on a malformed \uXXXX escape, the one syntax error Java also rejects.
Result<Properties> ParseProperties(std::string_view text, const std::string& file);

// Reads and parses a file: NotFound when it does not exist, InvalidArgument when it cannot
// be read or parsed.
Result<Properties> ReadPropertiesFile(const std::string& path);

}  // namespace kmirror::config
