// LatencyMeter: a histogram of durations (milliseconds) in fixed buckets, written by one
// thread and read by any.
//
// The flow tasks observe every acknowledged record's replication latency, so Observe() is
// on the hot path: no lock, no read-modify-write instruction. Each meter has exactly one
// writer (a task owns the meters of its partitions), which updates its relaxed atomics
// with a plain load and store; a reader (the metrics scrape) sees each count as it was at
// some recent moment, which is all a histogram needs. Counts never go down.
//
// Lifecycle: created by the writer, never destroyed while a reader may look (the owner
// keeps it until the process's metrics stop).
#pragma once

#include <time.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace kmirror::metrics {

// Upper bounds (inclusive, milliseconds) of the latency buckets; a last bucket holds the
// rest (+Inf). From a few milliseconds (a healthy flow near its target) to an hour (a
// backlog or old data being copied).
inline constexpr std::array<int64_t, 16> kLatencyBucketsMs = {5,    10,   25,    50,    100,   250,    500,    1000,
                                                              2500, 5000, 10000, 30000, 60000, 300000, 900000, 3600000};
inline constexpr size_t kLatencyBucketCount = kLatencyBucketsMs.size() + 1;

// A histogram's counts, not cumulative: counts[i] holds observations <= kLatencyBucketsMs[i]
// and above the previous bound; the last one those above every bound.
struct HistogramCounts {
  std::array<uint64_t, kLatencyBucketCount> counts{};
  uint64_t sum_ms = 0;

  uint64_t total() const {
    uint64_t n = 0;
    for (uint64_t c : counts) n += c;
    return n;
  }
  HistogramCounts& operator+=(const HistogramCounts& o) {
    for (size_t i = 0; i < counts.size(); ++i) counts[i] += o.counts[i];
    sum_ms += o.sum_ms;
    return *this;
  }
};

// The bucket a duration falls in.
inline size_t LatencyBucket(int64_t ms) {
  size_t i = 0;
  while (i < kLatencyBucketsMs.size() && ms > kLatencyBucketsMs[i]) ++i;
  return i;
}

// The wall clock in milliseconds, coarse (the kernel's tick, a few milliseconds) and cheap
// enough to read once per record: CLOCK_REALTIME_COARSE is served by the vDSO without
// touching the clock source.
inline int64_t CoarseWallClockMs() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

class LatencyMeter {
 public:
  // Writer thread only. A negative duration (clocks of source and target hosts apart)
  // counts as zero.
  void Observe(int64_t ms) {
    if (ms < 0) ms = 0;
    Bump(counts_[LatencyBucket(ms)], 1);
    Bump(sum_ms_, static_cast<uint64_t>(ms));
  }
  // Any thread: adds this meter's counts to `out`.
  void AddTo(HistogramCounts* out) const {
    for (size_t i = 0; i < counts_.size(); ++i) out->counts[i] += counts_[i].load(std::memory_order_relaxed);
    out->sum_ms += sum_ms_.load(std::memory_order_relaxed);
  }

 private:
  // Single writer: a load and a store, not an atomic add (no lock prefix on x86).
  static void Bump(std::atomic<uint64_t>& a, uint64_t n) {
    a.store(a.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  std::array<std::atomic<uint64_t>, kLatencyBucketCount> counts_{};
  std::atomic<uint64_t> sum_ms_{0};
};

}  // namespace kmirror::metrics
