#include "config/properties.h"

#include <sys/stat.h>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "kmirror/common/strings.h"

namespace kmirror::config {
namespace {

constexpr std::string_view kBlankChars = " \t\f";  // java.util.Properties' whitespace

bool IsBlank(char c) { return kBlankChars.find(c) != std::string_view::npos; }

// A logical line: natural lines joined at odd trailing backslashes, escapes still raw.
struct LogicalLine {
  std::string text;
  int line = 0;
};

// Splits text into logical lines the way java.util.Properties' LineReader does: comment and
// blank lines are only recognised at the start of a logical line, so a continuation line that
// starts with '#' is data.
std::vector<LogicalLine> SplitLogicalLines(std::string_view text) {
  std::vector<LogicalLine> out;
  size_t pos = 0;
  int line_no = 0;
  bool continuing = false;
  LogicalLine current;
  while (pos < text.size()) {
    size_t end = pos;
    while (end < text.size() && text[end] != '\n' && text[end] != '\r') ++end;
    std::string_view natural = text.substr(pos, end - pos);
    ++line_no;
    pos = end;
    if (pos < text.size()) {
      // "\r\n" is one terminator; lone '\r' or '\n' are one each.
      pos += (text[pos] == '\r' && pos + 1 < text.size() && text[pos + 1] == '\n') ? 2 : 1;
    }

    size_t first = 0;
    while (first < natural.size() && IsBlank(natural[first])) ++first;
    natural.remove_prefix(first);
    if (!continuing) {
      if (natural.empty() || natural[0] == '#' || natural[0] == '!') continue;
      current = LogicalLine{std::string(), line_no};
    }
    size_t backslashes = 0;
    while (backslashes < natural.size() && natural[natural.size() - 1 - backslashes] == '\\') {
      ++backslashes;
    }
    if (backslashes % 2 == 1) {
      current.text.append(natural.substr(0, natural.size() - 1));
      continuing = true;
      continue;
    }
    current.text.append(natural);
    continuing = false;
    out.push_back(std::move(current));
    current = LogicalLine{};
  }
  if (continuing) out.push_back(std::move(current));  // a file ending in a backslash
  return out;
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool ReadHex4(std::string_view s, size_t at, uint32_t* value) {
  if (at + 4 > s.size()) return false;
  uint32_t v = 0;
  for (size_t i = at; i < at + 4; ++i) {
    char c = s[i];
    v <<= 4;
    if (c >= '0' && c <= '9')
      v |= static_cast<uint32_t>(c - '0');
    else if (c >= 'a' && c <= 'f')
      v |= static_cast<uint32_t>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      v |= static_cast<uint32_t>(c - 'A' + 10);
    else
      return false;
  }
  *value = v;
  return true;
}

// Java's loadConvert: resolves escapes. \uXXXX pairs that form a UTF-16 surrogate pair become
// one code point, since the result is UTF-8.
Result<std::string> Unescape(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i == raw.size()) break;  // a lone trailing backslash is dropped, as in Java
    c = raw[i];
    switch (c) {
      case 't':
        out += '\t';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 'f':
        out += '\f';
        break;
      case 'u': {
        uint32_t cp = 0;
        if (!ReadHex4(raw, i + 1, &cp)) return InvalidArgument("malformed \\uXXXX escape");
        i += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          uint32_t low = 0;
          if (i + 2 < raw.size() && raw[i + 1] == '\\' && raw[i + 2] == 'u' && ReadHex4(raw, i + 3, &low) &&
              low >= 0xDC00 && low <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            i += 6;
          } else {
            return InvalidArgument("\\u escape is an unpaired UTF-16 high surrogate");
          }
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          return InvalidArgument("\\u escape is an unpaired UTF-16 low surrogate");
        }
        AppendUtf8(out, cp);
        break;
      }
      default:
        out += c;
    }
  }
  return out;
}

// Drops unescaped trailing blanks: "a\ " keeps its escaped space.
std::string_view TrimTrailingBlanks(std::string_view raw) {
  while (!raw.empty() && IsBlank(raw.back())) {
    size_t backslashes = 0;
    while (backslashes + 1 < raw.size() && raw[raw.size() - 2 - backslashes] == '\\') ++backslashes;
    if (backslashes % 2 == 1) break;
    raw.remove_suffix(1);
  }
  return raw;
}

}  // namespace

const PropertyEntry* Properties::Find(std::string_view key) const {
  auto it = index_.find(key);
  return it == index_.end() ? nullptr : &entries_[it->second];
}

void Properties::Set(std::string key, std::string value, int line) {
  auto it = index_.find(key);
  if (it != index_.end()) {
    PropertyEntry& e = entries_[it->second];
    duplicates_.push_back({e.key, e.line, line});
    e.value = std::move(value);
    e.line = line;
    return;
  }
  index_.emplace(key, entries_.size());
  entries_.push_back({std::move(key), std::move(value), line});
}

void Properties::Override(std::string key, std::string value, std::string origin) {
  auto it = index_.find(key);
  if (it != index_.end()) {
    PropertyEntry& e = entries_[it->second];
    e.value = std::move(value);
    e.line = 0;
    e.origin = std::move(origin);
    return;
  }
  index_.emplace(key, entries_.size());
  entries_.push_back({std::move(key), std::move(value), 0, std::move(origin)});
}

void Properties::Replace(std::string_view key, std::string value) {
  auto it = index_.find(key);
  if (it != index_.end()) entries_[it->second].value = std::move(value);
}

Result<Properties> ParseProperties(std::string_view text, const std::string& file) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // UTF-8 byte order mark
  Properties props(file);
  for (const LogicalLine& ll : SplitLogicalLines(text)) {
    std::string_view s = ll.text;
    size_t key_end = 0;
    bool has_separator = false;
    bool escaped = false;
    for (; key_end < s.size(); ++key_end) {
      char c = s[key_end];
      if (escaped) {
        escaped = false;
        continue;
      }
      if (c == '\\') {
        escaped = true;
      } else if (c == '=' || c == ':') {
        has_separator = true;
        break;
      } else if (IsBlank(c)) {
        break;
      }
    }
    size_t value_start = key_end + (has_separator ? 1 : 0);
    while (value_start < s.size()) {
      char c = s[value_start];
      if (!IsBlank(c)) {
        if (has_separator || (c != '=' && c != ':')) break;
        has_separator = true;
      }
      ++value_start;
    }
    auto key = Unescape(s.substr(0, key_end));
    auto value = Unescape(TrimTrailingBlanks(s.substr(value_start)));
    for (const Status* st : {&key.status(), &value.status()}) {
      if (!st->ok()) return InvalidArgument(file + ":" + std::to_string(ll.line) + ": " + st->message());
    }
    // Keys cannot carry unescaped blanks, but an escaped one at either end is almost always a
    // typo rather than intent, so keys are trimmed as well.
    props.Set(Trim(*key, kBlankChars), std::move(value).value(), ll.line);
  }
  return props;
}

Result<Properties> ReadPropertiesFile(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    int err = errno;
    if (err == ENOENT) return NotFound(path + ": no such file");
    return InvalidArgument(path + ": " + std::strerror(err));
  }
  if (S_ISDIR(st.st_mode)) return InvalidArgument(path + ": is a directory, not a properties file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidArgument(path + ": cannot be opened for reading: " + std::strerror(errno));
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return InvalidArgument(path + ": read error");
  return ParseProperties(buf.str(), path);
}

}  // namespace kmirror::config
