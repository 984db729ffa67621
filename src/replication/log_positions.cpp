#include "replication/log_positions.h"

#include <thread>
#include <utility>

namespace kmirror::replication {

IndexLogPositions::IndexLogPositions(const offsets::OffsetIndex* index, offsets::FlowKey flow, EndOffsetFn end_offset,
                                     std::chrono::milliseconds wait)
    : index_(index), flow_(std::move(flow)), end_offset_(std::move(end_offset)), wait_(wait) {}

bool IndexLogPositions::WaitCurrent(std::string* why) {
  const auto until = std::chrono::steady_clock::now() + wait_;
  Result<int64_t> end = end_offset_();
  while (!end.ok() && std::chrono::steady_clock::now() < until) {
    if (end.status().code() == StatusCode::kNotFound) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    end = end_offset_();
  }
  if (!end.ok()) {
    // No log topic yet: nothing was ever logged, so there is nothing to be behind.
    if (end.status().code() == StatusCode::kNotFound) return true;
    *why = end.status().ToString();
    return false;
  }
  for (;;) {
    const auto positions = index_->LogPositions(flow_);
    const auto it = positions.find(0);
    const int64_t applied = it == positions.end() ? 0 : it->second;
    if (applied >= *end) return true;
    if (std::chrono::steady_clock::now() >= until) {
      *why = "the index has applied the log up to offset " + std::to_string(applied) + " of " + std::to_string(*end);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

kafka::LogPositions::Answer IndexLogPositions::Lookup(const std::vector<TopicPartition>& partitions) {
  Answer answer;
  answer.current = WaitCurrent(&answer.why_not_current);
  answer.next.reserve(partitions.size());
  for (const TopicPartition& tp : partitions) {
    Result<offsets::PartitionSummary> s = index_->Summary(flow_, tp);
    if (s.ok() && s->mirrored_source_end.value() >= 0) {
      answer.next.emplace_back(s->mirrored_source_end);
      continue;
    }
    answer.next.emplace_back(std::nullopt);
    if (!s.ok() && s.status().code() != StatusCode::kNotFound && answer.current) {
      answer.current = false;  // an unreadable index is not a log that knows nothing
      answer.why_not_current = s.status().ToString();
    }
  }
  return answer;
}

}  // namespace kmirror::replication
