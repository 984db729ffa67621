// FlowStats: a flow's counters, summed over its tasks.
//
// Written by the task threads (once per poll loop, relaxed atomics), read by the flow's
// controller thread for its progress line.
#pragma once

#include <atomic>
#include <cstdint>

namespace kmirror::replication {

struct FlowStats {
  std::atomic<uint64_t> records{0};  // acknowledged by the target
  std::atomic<uint64_t> bytes{0};    // key + value bytes acknowledged
  std::atomic<uint64_t> failed{0};   // delivery failures (each leads to a rewind)
  std::atomic<uint64_t> rewinds{0};
  std::atomic<uint64_t> lost{0};           // records deleted on the source before mirroring
  std::atomic<uint64_t> loops{0};          // records not copied: the target is in their provenance
  std::atomic<uint64_t> hops{0};           // records not copied: provenance longer than max.hops
  std::atomic<uint64_t> derived{0};        // copied: provenance headers copied by another processor (new here)
  std::atomic<uint64_t> untrusted{0};      // copied: malformed or impossible provenance headers
  std::atomic<uint64_t> truncated{0};      // mirrored records no longer on the source (truncated)
  std::atomic<uint64_t> fetch_wakeups{0};  // fetcher restarted after a prefetch threshold
  std::atomic<uint64_t> held_total{0};     // records that waited for their partition's batch in flight
};

}  // namespace kmirror::replication
