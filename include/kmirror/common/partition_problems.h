// PartitionProblems: the board of a flow's partitions that stopped on a record the target
// cannot take, and how many records went to the flow's dead-letter topic instead.
//
// Writers are the flow's task threads (a partition stops, is given up, a record is
// dead-lettered); readers are API handler threads (GetReplicationStatus). Both sides are
// rare events, so one mutex guards it. It lives in common because replication writes it
// and api reads it, and neither may include the other; the app hands the flow's board to
// the API (api::FlowRuntime).
//
// Lifecycle: owned by its replication::Flow, which outlives the API server reading it
// (the app stops the server first).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "kmirror/common/types.h"

namespace kmirror {

// A source partition stopped at `offset`: that record is not on the target, nothing after
// it is committed, and the partition is not read further until the cause is fixed and the
// partition is assigned again (a restart).
struct StoppedPartition {
  TopicPartition source;
  std::string target_topic;
  int64_t offset = -1;
  std::string reason;
  int64_t since_ms = 0;  // when it stopped (ms since the epoch)
  bool operator==(const StoppedPartition&) const = default;
};

class PartitionProblems {
 public:
  // Replaces whatever was known about the partition.
  void Stopped(StoppedPartition stopped);
  // The partition goes on (dead-lettered past the record) or is no longer this process's.
  void Cleared(const TopicPartition& tp);
  void DeadLettered() { dead_lettered_.fetch_add(1, std::memory_order_relaxed); }

  std::vector<StoppedPartition> stopped() const;
  uint64_t dead_lettered() const { return dead_lettered_.load(std::memory_order_relaxed); }

 private:
  mutable std::mutex mu_;
  std::map<TopicPartition, StoppedPartition> stopped_;
  std::atomic<uint64_t> dead_lettered_{0};
};

}  // namespace kmirror
