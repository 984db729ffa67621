#include "config/java_regex.h"

#include <cctype>
#include <optional>

#include <re2/re2.h>

namespace kmirror::config {
namespace {

struct Unsupported {
  std::string construct;  // what was found, as written
  std::string feature;
  std::string hint;
  bool java_rejects = false;  // not valid Java either (rather than Java-only)
};

bool IsQuantifier(char c) { return c == '*' || c == '+' || c == '?'; }

// Length of a counted quantifier "{n}", "{n,}" or "{n,m}" starting at p[at] == '{', or 0 when
// the brace is a literal (Java and RE2 both read "a{x" as text).
size_t CountedQuantifierLength(const std::string& p, size_t at) {
  size_t j = at + 1;
  size_t digits = 0;
  while (j < p.size() && std::isdigit(static_cast<unsigned char>(p[j]))) ++j, ++digits;
  if (digits == 0) return 0;
  if (j < p.size() && p[j] == ',') {
    ++j;
    while (j < p.size() && std::isdigit(static_cast<unsigned char>(p[j]))) ++j;
  }
  return j < p.size() && p[j] == '}' ? j - at + 1 : 0;
}

// Scans for Java constructs RE2 lacks or reads differently. It follows Java's lexical rules
// only as far as needed to know whether a character is escaped, quoted (\Q..\E) or inside a
// character class; RE2 itself does the full parse afterwards.
std::optional<Unsupported> FindJavaOnly(const std::string& p) {
  int class_depth = 0;
  bool after_quantifier = false;  // previous token was a quantifier, so '+' makes it possessive
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    bool was_quantifier = after_quantifier;
    after_quantifier = false;
    if (c == '\\') {
      if (i + 1 >= p.size()) return std::nullopt;  // RE2 reports the trailing backslash
      char e = p[++i];
      if (e == 'Q') {  // literal text up to \E, same in RE2
        size_t end = p.find("\\E", i + 1);
        if (end == std::string::npos) return std::nullopt;
        i = end + 1;
        continue;
      }
      if (class_depth == 0 && e >= '1' && e <= '9') {
        return Unsupported{p.substr(i - 1, 2), "a backreference",
                           "RE2 matches without backtracking and cannot refer back to a group"};
      }
      if (e == 'k' && i + 1 < p.size() && p[i + 1] == '<') {
        return Unsupported{"\\k<", "a named backreference",
                           "RE2 matches without backtracking and cannot refer back to a group"};
      }
      switch (e) {
        case 'G':
          return Unsupported{"\\G", "the \\G anchor", "topic names are matched whole; remove it"};
        case 'Z':
          return Unsupported{"\\Z", "the \\Z anchor", "use \\z or $ (topic names have no line breaks)"};
        case 'R':
          return Unsupported{"\\R", "the \\R linebreak matcher", "topic names have no line breaks"};
        case 'h':
        case 'H':
          return Unsupported{p.substr(i - 1, 2), "Java's horizontal-whitespace class", "use [ \\t]"};
        case 'X':
          return Unsupported{"\\X", "the grapheme-cluster matcher", "use ."};
        case 'u':
          return Unsupported{"\\u", "a \\uXXXX escape", "write \\x{XXXX} instead"};
        case 'c':
          return Unsupported{"\\c", "a \\cX control-character escape", "write \\x{..} instead"};
        default:
          break;
      }
      if ((e == 'p' || e == 'P') && p.compare(i + 1, 5, "{java") == 0) {
        return Unsupported{p.substr(i - 1, 7), "a java.lang.Character property class",
                           "use a Unicode class such as \\p{Lu} or an explicit range"};
      }
      if ((e == 'p' || e == 'P' || e == 'x') && i + 1 < p.size() && p[i + 1] == '{') {
        size_t close = p.find('}', i + 1);  // \p{Greek}, \x{263a}: the braces are part of the escape
        if (close != std::string::npos) i = close;
      }
      continue;
    }
    if (class_depth > 0) {
      if (c == ']') {
        --class_depth;
      } else if (c == '&' && i + 1 < p.size() && p[i + 1] == '&') {
        return Unsupported{"&&", "character-class intersection",
                           "RE2 would read '&&' literally; list the allowed characters explicitly"};
      } else if (c == '[') {
        return Unsupported{"[", "a nested (union) character class",
                           "RE2 would read the inner '[' literally; merge the classes into one"};
      }
      continue;
    }
    if (c == '[') {
      class_depth = 1;
      // A ']' right after '[' or '[^' is a literal in both dialects.
      if (i + 1 < p.size() && p[i + 1] == '^') ++i;
      if (i + 1 < p.size() && p[i + 1] == ']') ++i;
      continue;
    }
    if (c == '(' && i + 1 < p.size() && p[i + 1] == '?') {
      std::string rest = p.substr(i + 2, 3);
      if (rest.rfind("=", 0) == 0 || rest.rfind("!", 0) == 0) {
        return Unsupported{"(?" + rest.substr(0, 1), "a lookahead",
                           "RE2 has no lookaround; express the exclusion with topics.exclude instead"};
      }
      if (rest.rfind("<=", 0) == 0 || rest.rfind("<!", 0) == 0) {
        return Unsupported{"(?" + rest.substr(0, 2), "a lookbehind",
                           "RE2 has no lookaround; express the exclusion with topics.exclude instead"};
      }
      if (rest.rfind(">", 0) == 0) {
        return Unsupported{"(?>", "an atomic group", "use a plain group (?:...)"};
      }
      if (rest.size() >= 2 && rest[0] == '<' && std::isalpha(static_cast<unsigned char>(rest[1]))) {
        return Unsupported{"(?<", "a Java-style named group", "write (?P<name>...) or a plain group (?:...)"};
      }
      // Inline flags: RE2 knows i, m, s and U; Java also has d, u, x and c.
      for (size_t j = i + 2; j < p.size() && (std::isalpha(static_cast<unsigned char>(p[j])) || p[j] == '-'); ++j) {
        char f = p[j];
        if (f == 'd' || f == 'u' || f == 'x' || f == 'c') {
          return Unsupported{std::string("(?") + f, "the Java-only inline flag '" + std::string(1, f) + "'",
                             "RE2 supports the flags i, m, s and U only"};
        }
      }
      continue;
    }
    if (c == '+' && was_quantifier) {
      return Unsupported{p.substr(i - 1, 2), "a possessive quantifier", "drop the trailing '+' (RE2 never backtracks)"};
    }
    if (c == '{') {
      size_t n = CountedQuantifierLength(p, i);
      if (n == 0) {
        // RE2 (like Perl) would read the brace literally; Java refuses the whole pattern.
        return Unsupported{"{", "a '{' that does not start a {n}, {n,} or {n,m} repetition",
                           "write \\{ for a literal brace", true};
      }
      i += n - 1;
      after_quantifier = true;
    } else if (IsQuantifier(c)) {
      // "x+?" is a lazy quantifier (fine in RE2), so '?' after a quantifier ends it.
      after_quantifier = !(c == '?' && was_quantifier);
    }
  }
  return std::nullopt;
}

}  // namespace

Status CheckJavaRegex(const std::string& pattern) {
  if (auto bad = FindJavaOnly(pattern)) {
    if (bad->java_rejects) {
      return InvalidArgument("'" + pattern + "' is not a valid Java regular expression: it has " + bad->feature + " (" +
                             bad->construct + "); " + bad->hint);
    }
    return InvalidArgument("'" + pattern + "' uses " + bad->feature + " (" + bad->construct +
                           "), which Java supports but RE2, kmirror's regex engine, does not: " + bad->hint);
  }
  RE2::Options options;
  options.set_log_errors(false);
  RE2 re(pattern, options);
  if (!re.ok()) {
    std::string msg = "'" + pattern + "' is not a valid regular expression: " + re.error();
    if (pattern.find("\\p{") != std::string::npos || pattern.find("\\P{") != std::string::npos) {
      msg +=
          " (RE2 knows Unicode classes such as \\p{L} and \\p{Greek}, not Java's POSIX-named ones such as "
          "\\p{Alpha}; use an explicit range such as [a-zA-Z])";
    }
    return InvalidArgument(std::move(msg));
  }
  return Status::Ok();
}

}  // namespace kmirror::config
