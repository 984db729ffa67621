// What a task reports when a source partition's position no longer exists on the source.
//
// The consumer never resets such a position silently (kafka/consumer.h): it surfaces as a
// kDataLoss event with the position and, when known, the partition's log range. A position
// below the log start means the records in between were deleted before they were mirrored
// (retention, delete-records): they are lost and counted. Any other position outside the
// log (above its end, or a negative one) means the partition was truncated or the topic
// recreated: nothing is known to be lost, and the records from the log start may already be
// on the target. docs/architecture.md ("Data loss is loud") shows the lines.
//
// A pure function; safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "kmirror/common/types.h"
#include "kmirror/kafka/consumer.h"

namespace kmirror::replication {

struct DataLossReport {
  enum class Kind {
    kDeleted,       // records [first_lost, last_lost] deleted before they were mirrored
    kOutsideLog,    // truncated or recreated: continues from the log start
    kRangeUnknown,  // the log range could not be found out: the task retries
  };
  Kind kind = Kind::kRangeUnknown;
  SourceOffset first_lost{-1};
  SourceOffset last_lost{-1};
  uint64_t lost = 0;     // records lost (kDeleted), for FlowStats::lost
  std::string log_line;  // the error line to log, prefixed with the task's name
};

// `position` is the partition's position that no longer exists; `log_range` its log's
// range, nullopt when unknown. `source` and `target` are the flow's cluster aliases.
DataLossReport DescribeDataLoss(std::string_view task, const TopicPartition& partition, SourceOffset position,
                                const std::optional<kafka::Watermarks>& log_range, std::string_view source,
                                std::string_view target);

}  // namespace kmirror::replication
