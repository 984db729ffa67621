// The translation checker: a consumer group has read a source topic up to its committed
// offsets; it fails over to the copy and starts at the offsets kmirror translated. Judged
// by stamps, per partition, with what such a consumer would read from there:
//   skipped   records the group had not read (source offset >= committed) whose copies all
//             lie before the translated offset: the consumer never sees them (must be 0);
//   re-read   records of the copy at or after the translated offset that the group had
//             already read on the source (counted; at-least-once allows some);
//   exact     the target offset of the first copy of the first unread record: where a
//             perfect translation points (informative; nullopt when nothing is unread or
//             the record was not copied);
//   unmirrored  unread records with no copy at all yet (not translation errors: wait for
//             the mirror, support/stamp_checker.h, before checking).
// Pure functions of their input (unit-testable); the test reads the topics
// (ReadStampedTopic), the committed offsets and the translated positions (kmirror's API).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "support/stamp.h"

namespace kmirror::test {

struct TranslationReport {
  int32_t partition = 0;
  int64_t committed = 0;   // the group's source offset
  int64_t translated = 0;  // the target offset kmirror gave
  std::optional<int64_t> exact{};
  int64_t skipped = 0;
  int64_t reread = 0;
  int64_t unmirrored = 0;
  std::vector<std::string> examples{};
};

struct TranslationResult {
  std::string group{};
  std::vector<TranslationReport> partitions{};
  int64_t skipped = 0;
  int64_t reread = 0;
  int64_t unmirrored = 0;
  std::vector<std::string> errors{};  // partitions committed but not translated, and so on

  std::string Summary() const;
};

// `committed` and `translated`: partition -> offset. Partitions the group has no committed
// offset for are not judged; a committed partition without a translation is an error.
TranslationResult CheckTranslation(const std::string& group, const TopicContents& source, const TopicContents& copy,
                                   const std::map<int32_t, int64_t>& committed,
                                   const std::map<int32_t, int64_t>& translated);

::testing::AssertionResult NothingSkipped(const TranslationResult& r);
::testing::AssertionResult RereadAtMost(const TranslationResult& r, int64_t bound);

}  // namespace kmirror::test
