// What a task reports when a source partition's position no longer exists on the source.
//
// The consumer never resets such a position silently (kafka/consumer.h): it surfaces as a
// kDataLoss event with the position and, when known, the partition's log range. A position
// below the log start means the records in between were deleted before they were mirrored
// (retention, delete-records): they are lost and counted. A position above its end means
// the partition was truncated under kmirror (unclean leader election, topic recreated):
// records [end, position) were mirrored but are no longer on the source (the target keeps
// them), and mirroring continues at the log end, not from its start (kafka/outside_log.h
// decides where). docs/architecture.md ("Data loss is loud") shows the lines.
//
// A pure function; safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "kmirror/common/types.h"
#include "kmirror/kafka/consumer.h"
#include "kmirror/kafka/outside_log.h"

namespace kmirror::replication {

struct DataLossReport {
  enum class Kind {
    kDeleted,       // records [first_lost, last_lost] deleted before they were mirrored
    kTruncated,     // records [first_lost, last_lost] mirrored, then truncated away on the source
    kNoPosition,    // no position: continues from the log start
    kInLog,         // the position is in the log (again): continues there, nothing lost
    kRangeUnknown,  // the log range could not be found out: the task retries
  };
  Kind kind = Kind::kRangeUnknown;
  SourceOffset first_lost{-1};
  SourceOffset last_lost{-1};
  uint64_t lost = 0;           // records lost (kDeleted), for FlowStats::lost
  uint64_t truncated = 0;      // records mirrored but gone from the source (kTruncated), FlowStats::truncated
  SourceOffset resume_at{-1};  // where the partition continues (the position itself for kRangeUnknown)
  bool loss = false;           // an error line ("DATA LOSS"); otherwise a warning
  std::string log_line;        // the line to log, prefixed with the task's name
};

// `position` is the partition's position that no longer exists; `log_range` its log's
// range, nullopt when unknown. `source` and `target` are the flow's cluster aliases.
DataLossReport DescribeDataLoss(std::string_view task, const TopicPartition& partition, SourceOffset position,
                                const std::optional<kafka::Watermarks>& log_range, std::string_view source,
                                std::string_view target);

}  // namespace kmirror::replication
