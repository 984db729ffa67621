#include "config/value_parsers.h"

#include <cctype>

#include "kmirror/common/strings.h"

namespace kmirror::config {

bool IsTopicNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-'; }

std::optional<bool> ParseBool(std::string_view text) {
  std::string t = ToLower(text);
  std::erase_if(t, [](char c) { return kBlanks.find(c) != std::string_view::npos; });
  if (t == "true") return true;
  if (t == "false") return false;
  return std::nullopt;
}

std::vector<std::string> SplitList(std::string_view text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    std::string item = Trim(text.substr(start, comma - start));
    if (!item.empty()) out.push_back(std::move(item));
    start = comma + 1;
  }
  return out;
}

}  // namespace kmirror::config
