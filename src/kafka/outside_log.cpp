#include "kmirror/kafka/outside_log.h"

namespace kmirror::kafka {

OutsideLog DecideOutsideLog(SourceOffset position, SourceOffset log_start, SourceOffset log_end) {
  const int64_t pos = position.value();
  if (pos < 0) return {OutsideLog::Kind::kNoPosition, log_start};
  if (pos < log_start.value()) return {OutsideLog::Kind::kDeleted, log_start};
  if (pos > log_end.value()) return {OutsideLog::Kind::kTruncated, log_end};
  return {OutsideLog::Kind::kInLog, position};
}

}  // namespace kmirror::kafka
