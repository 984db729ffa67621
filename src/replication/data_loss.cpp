#include "replication/data_loss.h"

#include <spdlog/fmt/fmt.h>

namespace kmirror::replication {

DataLossReport DescribeDataLoss(std::string_view task, const TopicPartition& partition, SourceOffset position,
                                const std::optional<kafka::Watermarks>& log_range, std::string_view source,
                                std::string_view target) {
  DataLossReport report;
  const int64_t pos = position.value();
  if (!log_range) {
    report.kind = DataLossReport::Kind::kRangeUnknown;
    report.resume_at = position;
    report.loss = true;
    report.log_line =
        fmt::format("{}: DATA LOSS: {} position {} is no longer on {}, and its log range is unknown; retrying", task,
                    partition.ToString(), pos, source);
    return report;
  }
  const int64_t low = log_range->low.value(), high = log_range->high.value();
  const kafka::OutsideLog d = kafka::DecideOutsideLog(position, log_range->low, log_range->high);
  report.resume_at = d.resume_at;
  switch (d.kind) {
    case kafka::OutsideLog::Kind::kDeleted:
      report.kind = DataLossReport::Kind::kDeleted;
      report.loss = true;
      report.first_lost = position;
      report.last_lost = SourceOffset(low - 1);
      report.lost = static_cast<uint64_t>(low - pos);
      report.log_line = fmt::format(
          "{}: DATA LOSS: {} offsets {}..{} ({} records) were deleted on {} (retention or delete-records) before "
          "they were mirrored to {}; continuing from offset {}",
          task, partition.ToString(), pos, low - 1, low - pos, source, target, low);
      break;
    case kafka::OutsideLog::Kind::kTruncated:
      report.kind = DataLossReport::Kind::kTruncated;
      report.loss = true;
      report.first_lost = log_range->high;
      report.last_lost = SourceOffset(pos - 1);
      report.truncated = static_cast<uint64_t>(pos - high);
      report.log_line = fmt::format(
          "{}: DATA LOSS: {} offsets {}..{} ({} records) were mirrored to {} but are no longer on {}: the "
          "partition was truncated (unclean leader election, or the topic deleted and created again); {} keeps "
          "its copies; continuing from offset {}, the end of the source log [{}, {}) (a record written there "
          "after the truncation and before now, with an offset below {}, cannot be told from a mirrored one and "
          "is not mirrored)",
          task, partition.ToString(), high, pos - 1, pos - high, target, source, target, high, low, high, high);
      break;
    case kafka::OutsideLog::Kind::kNoPosition:
      report.kind = DataLossReport::Kind::kNoPosition;
      report.loss = true;
      report.log_line = fmt::format(
          "{}: DATA LOSS: {} has no valid position (reported {}) in the source log [{}, {}) on {}; continuing "
          "from offset {} (records from there may already be on {})",
          task, partition.ToString(), pos, low, high, source, low, target);
      break;
    case kafka::OutsideLog::Kind::kInLog:
      report.kind = DataLossReport::Kind::kInLog;
      report.log_line = fmt::format(
          "{}: {} position {} was reported outside the source log, which is now [{}, {}) on {}; continuing there "
          "(nothing lost)",
          task, partition.ToString(), pos, low, high, source);
      break;
  }
  return report;
}

}  // namespace kmirror::replication
