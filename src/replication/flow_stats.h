// FlowStats: a flow's counters, summed over its tasks.
//
// Written by the task threads (once per poll loop, relaxed atomics), read by the flow's
// controller thread for its progress line and by the metrics scrape (Flow::Sample).
// PartitionMeters are per task and partition, each with one writer (its task), so the
// per-record updates are plain loads and stores; a task registers a partition's meter
// once, on the partition's first record (the only time it takes the lock).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kmirror/common/types.h"
#include "kmirror/metrics/latency_meter.h"

namespace kmirror::replication {

// One task's counters of one source partition. Written only by that task's thread.
struct PartitionMeter {
  explicit PartitionMeter(TopicPartition p) : tp(std::move(p)) {}

  // A record the target acknowledged, with its source timestamp (-1: none).
  void Acked(uint64_t record_bytes, int64_t timestamp_ms) {
    Bump(records, 1);
    Bump(bytes, record_bytes);
    if (timestamp_ms >= 0) latency.Observe(metrics::CoarseWallClockMs() - timestamp_ms);
  }
  // A record read from the source and handed on towards the target.
  void Read(int64_t timestamp_ms) {
    if (timestamp_ms >= 0) age.Observe(metrics::CoarseWallClockMs() - timestamp_ms);
  }

  const TopicPartition tp;
  std::atomic<uint64_t> records{0};
  std::atomic<uint64_t> bytes{0};
  metrics::LatencyMeter latency;  // source timestamp -> target acknowledgement
  metrics::LatencyMeter age;      // source timestamp -> read by the task

 private:
  static void Bump(std::atomic<uint64_t>& a, uint64_t n) {
    a.store(a.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
};

// Every PartitionMeter of a flow's tasks; meters are never removed (their counters only
// grow, and a task keeps a pointer to each).
class PartitionMeters {
 public:
  PartitionMeter* Register(const TopicPartition& tp) {
    std::lock_guard lock(mu_);
    meters_.push_back(std::make_unique<PartitionMeter>(tp));
    return meters_.back().get();
  }
  template <typename F>
  void ForEach(F&& f) const {
    std::lock_guard lock(mu_);
    for (const auto& m : meters_) f(*m);
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<PartitionMeter>> meters_;
};

// Failed deliveries by librdkafka error name. Failures are rare next to records (and each
// leads to a rewind), so a lock is fine.
class ErrorCounts {
 public:
  void Add(std::string_view name) {
    std::lock_guard lock(mu_);
    ++counts_[std::string(name.empty() ? "unknown" : name)];
  }
  std::map<std::string, uint64_t> Snapshot() const {
    std::lock_guard lock(mu_);
    return counts_;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, uint64_t> counts_;
};

struct FlowStats {
  std::atomic<uint64_t> records{0};  // acknowledged by the target
  std::atomic<uint64_t> bytes{0};    // key + value bytes acknowledged
  std::atomic<uint64_t> failed{0};   // delivery failures (each leads to a rewind)
  std::atomic<uint64_t> rewinds{0};
  std::atomic<uint64_t> lost{0};           // records deleted on the source before mirroring
  std::atomic<uint64_t> loss_events{0};    // data-loss events (each names a lost range)
  std::atomic<uint64_t> loops{0};          // records not copied: the target is in their provenance
  std::atomic<uint64_t> hops{0};           // records not copied: provenance longer than max.hops
  std::atomic<uint64_t> derived{0};        // copied: provenance headers copied by another processor (new here)
  std::atomic<uint64_t> untrusted{0};      // copied: malformed or impossible provenance headers
  std::atomic<uint64_t> truncated{0};      // mirrored records no longer on the source (truncated)
  std::atomic<uint64_t> fetch_wakeups{0};  // fetcher restarted after a prefetch threshold
  std::atomic<uint64_t> held_total{0};     // records that waited for their partition's batch in flight
  std::atomic<uint64_t> rebalances{0};     // assignments received
  std::atomic<uint64_t> recoveries{0};     // consumers re-created after a fatal error
  std::atomic<int64_t> assigned{0};        // partitions assigned to the tasks now
  std::atomic<int64_t> paused{0};          // partitions paused for a rewind now
  std::atomic<uint64_t> offset_syncs{0};   // offset-sync log records produced
  std::atomic<uint64_t> heartbeats{0};     // heartbeats produced (controller thread)
  std::atomic<uint64_t> acl_rounds{0};     // topic ACL sync rounds run (controller thread)
  std::atomic<uint64_t> acl_created{0};    // ACL bindings created on the target
  std::atomic<uint64_t> acl_refusals{0};   // rounds a cluster refused (no authorizer, not allowed)
  ErrorCounts delivery_errors;
  PartitionMeters meters;
};

}  // namespace kmirror::replication
