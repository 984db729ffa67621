// FetcherWakeup: restarts librdkafka 2.0's fetcher after it stopped at a prefetch threshold.
//
// WORKAROUND FOR librdkafka < 2.2: delete this part (and FlowStats::fetch_wakeups) once the
// build requires librdkafka >= 2.2, which added fetch.queue.backoff.ms for exactly this.
//
// librdkafka 2.0 stops fetching a partition when its consumer queue reaches
// queued.min.messages or queued.max.messages.kbytes, and only looks again when something
// wakes its broker thread: up to a second later. So a consumer at a threshold starves once
// it has drained its queue (docs/performance.md, the 2026-12-02 run). The task reports the
// queue after every poll round; once the queue came near a threshold (3/4 of either) and has
// been drained since (a poll returned less than a full batch and nothing is queued), the
// fetcher is to be woken: a seek of every partition to the next offset not yet read. That
// loses nothing: every record before it was polled, and the queue holds none after it.
//
// Only decides; the task seeks. Lifecycle and threading: owned by one flow task, used on
// its thread. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "kmirror/common/types.h"

namespace kmirror::replication {

class FetcherWakeup {
 public:
  // librdkafka's prefetch thresholds (queued.max.messages.kbytes in bytes,
  // queued.min.messages) and the most records one poll returns.
  FetcherWakeup(int64_t prefetch_bytes, int64_t prefetch_records, size_t full_batch);

  // After a poll round: `queued` records wait in librdkafka's queue, the round's poll
  // returned `polled`, and `inflight_records` of `inflight_bytes` are on their way to the
  // target (their average size estimates the queued records' bytes). True when the fetcher
  // is to be woken now.
  bool Observe(int64_t queued, size_t polled, int64_t inflight_records, int64_t inflight_bytes);

  // Where a wake-up seeks a partition: to its next offset, if the task knows it (not
  // before its first record since an assignment) and the partition is not paused (a paused
  // partition is re-read from its rewind point anyway). nullopt: leave it alone.
  static std::optional<SourceOffset> SeekTarget(std::optional<SourceOffset> next_offset, bool paused) {
    if (paused) return std::nullopt;
    return next_offset;
  }

 private:
  const int64_t prefetch_bytes_;
  const int64_t prefetch_records_;
  const size_t full_batch_;
  int64_t avg_record_bytes_ = 1024;  // until records were seen
  bool near_threshold_ = false;      // the queue came near a threshold since the last wake-up
};

}  // namespace kmirror::replication
