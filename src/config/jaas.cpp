#include "config/jaas.h"

#include <cctype>
#include <vector>

#include "kmirror/common/strings.h"

namespace kmirror::config {
namespace {

// A tokenizer following java.io.StreamTokenizer as Kafka's JaasConfig configures it.
class JaasTokenizer {
 public:
  enum class Type { kWord, kQuoted, kChar, kEnd };
  struct Token {
    Type type = Type::kEnd;
    std::string text;
  };

  explicit JaasTokenizer(std::string_view s) : s_(s) {}

  Result<Token> Next() {
    SkipBlanksAndComments();
    if (pos_ >= s_.size()) return Token{Type::kEnd, ""};
    char c = s_[pos_];
    if (IsWordChar(c)) {
      size_t start = pos_;
      while (pos_ < s_.size() && IsWordChar(s_[pos_])) ++pos_;
      return Token{Type::kWord, std::string(s_.substr(start, pos_ - start))};
    }
    if (c == '"' || c == '\'') return Quoted(c);
    ++pos_;
    return Token{Type::kChar, std::string(1, c)};
  }

 private:
  static bool IsWordChar(char c) {
    unsigned char u = static_cast<unsigned char>(c);
    return std::isalnum(u) || c == '.' || c == '-' || c == '_' || c == '$' || u >= 0x80;
  }

  void SkipBlanksAndComments() {
    while (pos_ < s_.size()) {
      if (std::isspace(static_cast<unsigned char>(s_[pos_]))) {
        ++pos_;
      } else if (s_.compare(pos_, 2, "//") == 0) {
        while (pos_ < s_.size() && s_[pos_] != '\n' && s_[pos_] != '\r') ++pos_;
      } else if (s_.compare(pos_, 2, "/*") == 0) {
        size_t end = s_.find("*/", pos_ + 2);
        pos_ = end == std::string_view::npos ? s_.size() : end + 2;
      } else {
        return;
      }
    }
  }

  Result<Token> Quoted(char quote) {
    std::string text;
    ++pos_;
    while (pos_ < s_.size()) {
      char c = s_[pos_++];
      if (c == quote) return Token{Type::kQuoted, std::move(text)};
      if (c == '\n' || c == '\r') break;
      if (c != '\\' || pos_ >= s_.size()) {
        text += c;
        continue;
      }
      char e = s_[pos_++];
      switch (e) {
        case 'a':
          text += '\a';
          break;
        case 'b':
          text += '\b';
          break;
        case 'f':
          text += '\f';
          break;
        case 'n':
          text += '\n';
          break;
        case 'r':
          text += '\r';
          break;
        case 't':
          text += '\t';
          break;
        case 'v':
          text += '\v';
          break;
        default:
          if (e >= '0' && e <= '7') {  // up to three octal digits, as StreamTokenizer
            int v = e - '0';
            int max_digits = e <= '3' ? 3 : 2;
            for (int d = 1; d < max_digits && pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '7'; ++d) {
              v = v * 8 + (s_[pos_++] - '0');
            }
            text += static_cast<char>(v);
          } else {
            text += e;
          }
      }
    }
    return InvalidArgument("sasl.jaas.config has an unterminated quoted value");
  }

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

Result<JaasLogin> ParseJaasConfig(std::string_view text) {
  JaasTokenizer tok(text);
  std::vector<JaasLogin> entries;
  while (true) {
    auto t = tok.Next();
    if (!t.ok()) return t.status();
    if (t->type == JaasTokenizer::Type::kEnd) break;
    if (t->type != JaasTokenizer::Type::kWord) {
      return InvalidArgument("sasl.jaas.config must start with a login module class name");
    }
    JaasLogin login;
    login.login_module = t->text;
    auto flag = tok.Next();
    if (!flag.ok()) return flag.status();
    std::string f = ToLower(flag->text);
    if (flag->type != JaasTokenizer::Type::kWord ||
        (f != "required" && f != "requisite" && f != "sufficient" && f != "optional")) {
      return InvalidArgument(
          "sasl.jaas.config: the login module must be followed by a control flag (required, "
          "requisite, sufficient or optional)");
    }
    login.control_flag = f;
    while (true) {
      auto key = tok.Next();
      if (!key.ok()) return key.status();
      if (key->type == JaasTokenizer::Type::kEnd) break;  // Java insists on ';', kmirror does not
      if (key->type == JaasTokenizer::Type::kChar && key->text == ";") break;
      if (key->type != JaasTokenizer::Type::kWord) {
        return InvalidArgument("sasl.jaas.config: expected an option name or ';'");
      }
      auto eq = tok.Next();
      if (!eq.ok()) return eq.status();
      if (eq->type != JaasTokenizer::Type::kChar || eq->text != "=") {
        return InvalidArgument("sasl.jaas.config: option '" + key->text + "' has no '=' and value");
      }
      auto value = tok.Next();
      if (!value.ok()) return value.status();
      if (value->type != JaasTokenizer::Type::kWord && value->type != JaasTokenizer::Type::kQuoted) {
        return InvalidArgument("sasl.jaas.config: option '" + key->text + "' has no value");
      }
      login.options[key->text] = value->text;
    }
    entries.push_back(std::move(login));
  }
  if (entries.size() != 1) {
    return InvalidArgument("sasl.jaas.config must contain exactly one login module, found " +
                           std::to_string(entries.size()));
  }
  return std::move(entries.front());
}

}  // namespace kmirror::config
