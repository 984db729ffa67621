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
    report.log_line =
        fmt::format("{}: DATA LOSS: {} position {} is no longer on {}, and its log range is unknown; retrying", task,
                    partition.ToString(), pos, source);
    return report;
  }
  const int64_t low = log_range->low.value(), high = log_range->high.value();
  if (pos >= 0 && pos < low) {
    report.kind = DataLossReport::Kind::kDeleted;
    report.first_lost = position;
    report.last_lost = SourceOffset(low - 1);
    report.lost = static_cast<uint64_t>(low - pos);
    report.log_line = fmt::format(
        "{}: DATA LOSS: {} offsets {}..{} ({} records) were deleted on {} (retention or delete-records) before "
        "they were mirrored to {}; continuing from offset {}",
        task, partition.ToString(), pos, low - 1, low - pos, source, target, low);
    return report;
  }
  report.kind = DataLossReport::Kind::kOutsideLog;
  report.log_line = fmt::format(
      "{}: DATA LOSS: {} position {} is outside the source log [{}, {}): the partition was truncated or the "
      "topic recreated on {}; continuing from offset {} (records from there may already be on {})",
      task, partition.ToString(), pos, low, high, source, low, target);
  return report;
}

}  // namespace kmirror::replication
