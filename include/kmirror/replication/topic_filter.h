// Which source topics a flow mirrors: MM2's rule of `topics` minus `topics.exclude`, where
// each pattern must match the whole topic name (Java's Matcher.matches()). Internal topics
// and name cycles are the NamingPolicy's business, not this filter's.
// Immutable after construction; safe to share between threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kmirror/common/status.h"

namespace re2 {
class RE2;
}

namespace kmirror::replication {

class TopicFilter {
 public:
  // InvalidArgument naming the pattern when one does not compile.
  static Result<std::shared_ptr<const TopicFilter>> Create(const std::vector<std::string>& include,
                                                           const std::vector<std::string>& exclude);
  ~TopicFilter();
  bool Matches(std::string_view topic) const;

 private:
  TopicFilter() = default;
  std::vector<std::unique_ptr<re2::RE2>> include_;
  std::vector<std::unique_ptr<re2::RE2>> exclude_;
};

}  // namespace kmirror::replication
