#include "replication/log_positions.h"

#include <thread>
#include <utility>

namespace kmirror::replication {
namespace {

// How long one assignment may spend asking the target for remote partitions' ends.
constexpr std::chrono::milliseconds kTargetCheckBudget{5000};

}  // namespace

IndexLogPositions::IndexLogPositions(const offsets::OffsetIndex* index, offsets::FlowKey flow, EndOffsetFn end_offset,
                                     std::chrono::milliseconds wait, TargetEndFn target_end, bool reseed)
    : index_(index),
      flow_(std::move(flow)),
      end_offset_(std::move(end_offset)),
      wait_(wait),
      target_end_(std::move(target_end)),
      reseed_(reseed) {}

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
  changes_.clear();
  answer.current = WaitCurrent(&answer.why_not_current);
  answer.next.reserve(partitions.size());
  answer.reseed.assign(partitions.size(), std::string());
  answer.reseed_needs_commit.assign(partitions.size(), false);
  const std::string replaced = index_->TargetReplaced(flow_);
  // A changed history: re-seed (no log position; the consumer starts at the source's first
  // record) or leave the log's position and let the task stop the partition.
  auto changed = [&](size_t i, std::string why, bool needs_commit) {
    answer.reseed_needs_commit[i] = needs_commit;
    if (reseed_) {
      answer.next.back() = std::nullopt;
      answer.reseed[i] = why;
    }
    changes_.push_back({partitions[i], std::move(why), reseed_, needs_commit});
  };
  // The remote partitions' ends, one request each: bounded as a whole, so that a slow target
  // cannot hold the rebalance callback for long (what is not checked is checked at the next
  // assignment).
  const auto check_until = std::chrono::steady_clock::now() + kTargetCheckBudget;
  for (size_t i = 0; i < partitions.size(); ++i) {
    const TopicPartition& tp = partitions[i];
    Result<offsets::PartitionSummary> s = index_->Summary(flow_, tp);
    if (s.ok() && s->mirrored_source_end.value() >= 0) {
      answer.next.emplace_back(s->mirrored_source_end);
      // Only an index confirmed current describes the copy the target should hold now (one
      // still replaying its log may hold runs a later target_restart run voids).
      if (!target_end_ || !answer.current || s->target_topic.empty() ||
          std::chrono::steady_clock::now() >= check_until) {
        continue;
      }
      Result<int64_t> end = target_end_(s->target_topic, tp.partition);
      if (!end.ok() && end.status().code() == StatusCode::kNotFound) {
        // Once more before believing it: metadata can lag a moment (a broker just restarted).
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        end = target_end_(s->target_topic, tp.partition);
      }
      if (end.ok() && *end < s->mirrored_target_end.value()) {
        changed(i,
                "the remote partition " + s->target_topic + "-" + std::to_string(tp.partition.value()) +
                    " ends at offset " + std::to_string(*end) + ", below the end of the copy the offset-sync log " +
                    "knows (" + std::to_string(s->mirrored_target_end.value()) +
                    "): it was deleted and created again, or the target lost records",
                false);
      } else if (!end.ok() && end.status().code() == StatusCode::kNotFound) {
        changed(i,
                "the remote partition " + s->target_topic + "-" + std::to_string(tp.partition.value()) +
                    " no longer exists on the target, although the offset-sync log says it holds a copy",
                false);
      }
      continue;  // other errors: cannot tell; the log's position (the next assignment checks again)
    }
    answer.next.emplace_back(std::nullopt);
    // A replaced target holds nothing of a partition the new log knows nothing of. Decided
    // even when the index is not confirmed current: re-sending records the new target may
    // have is a duplicate, resuming from the source-side commit would skip what it lacks.
    // Only partitions the group has a commit for (the consumer checks): a topic created
    // since starts by the start rule.
    if (!replaced.empty() && (s.ok() || s.status().code() == StatusCode::kNotFound)) {
      changed(i, "the target was replaced by another cluster (" + replaced + ") and holds no copy of it yet", true);
      continue;
    }
    if (!s.ok() && s.status().code() != StatusCode::kNotFound && answer.current) {
      answer.current = false;  // an unreadable index is not a log that knows nothing
      answer.why_not_current = s.status().ToString();
    }
  }
  return answer;
}

}  // namespace kmirror::replication
