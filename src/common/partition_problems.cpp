#include "kmirror/common/partition_problems.h"

#include <utility>

namespace kmirror {

void PartitionProblems::Stopped(StoppedPartition stopped) {
  std::lock_guard lock(mu_);
  TopicPartition tp = stopped.source;
  stopped_.insert_or_assign(std::move(tp), std::move(stopped));
}

void PartitionProblems::Cleared(const TopicPartition& tp) {
  std::lock_guard lock(mu_);
  stopped_.erase(tp);
}

std::vector<StoppedPartition> PartitionProblems::stopped() const {
  std::lock_guard lock(mu_);
  std::vector<StoppedPartition> out;
  out.reserve(stopped_.size());
  for (const auto& [tp, s] : stopped_) out.push_back(s);
  return out;
}

}  // namespace kmirror
