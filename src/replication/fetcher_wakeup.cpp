// WORKAROUND FOR librdkafka < 2.2: see fetcher_wakeup.h.
#include "replication/fetcher_wakeup.h"

#include <algorithm>

namespace kmirror::replication {

FetcherWakeup::FetcherWakeup(int64_t prefetch_bytes, int64_t prefetch_records, size_t full_batch)
    : prefetch_bytes_(prefetch_bytes), prefetch_records_(prefetch_records), full_batch_(full_batch) {}

bool FetcherWakeup::Observe(int64_t queued, size_t polled, int64_t inflight_records, int64_t inflight_bytes) {
  if (inflight_records > 0) avg_record_bytes_ = std::max<int64_t>(inflight_bytes / inflight_records, 1);
  // Near either threshold librdkafka has stopped fetching (or will at its next look).
  if (queued >= prefetch_records_ * 3 / 4 || queued * avg_record_bytes_ >= prefetch_bytes_ * 3 / 4) {
    near_threshold_ = true;
    return false;
  }
  // The queue is drained when a poll returned less than a full batch and nothing is left.
  if (!near_threshold_ || queued > 0 || polled >= full_batch_) return false;
  near_threshold_ = false;
  return true;
}

}  // namespace kmirror::replication
