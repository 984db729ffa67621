// ClientLimits: the numbers a flow task tunes its consumer and producer with, computed once
// from the flow's settings.
//
// The task's memory budget (task.max.inflight.bytes / .records) is split between
// librdkafka's prefetch (half: its thresholds; a fetch of an eighth may land on top) and
// the records on their way to the target (a quarter of the bytes, half of the records: the
// producer's queue). Measured at 16 MiB (docs/performance.md): prefetch is what keeps a
// task busy while the fetcher is woken; the producer needs only rate x (linger.ms + round
// trip), and smaller fetches bound the records of small-record topics, where per-record
// bookkeeping dominates. One produce request's worth per partition (see produce_window.h)
// comes from batch.size, message.max.bytes and batch.num.messages.
//
// A property the user set wins: its string goes to librdkafka as written, and its value
// (when a positive integer) is the number the task works with; otherwise the task works
// with the default it computed, which is also what goes to librdkafka when the user did not
// set the property.
//
// A value type, computed once when the task is constructed (Flow::Start) and read-only after.
#pragma once

#include <cstdint>

#include "kmirror/config/mirror_config.h"
#include "kmirror/kafka/client.h"

namespace kmirror::replication {

struct ClientLimits {
  // Consumer.
  int64_t metadata_refresh_ms = 0;  // topic.metadata.refresh.interval.ms
  int64_t fetch_max_bytes = 0;      // fetch.max.bytes
  int64_t prefetch_kbytes = 0;      // queued.max.messages.kbytes: a prefetch threshold
  int64_t prefetch_records = 0;     // queued.min.messages: the other one
  // Producer.
  int64_t producer_queue_kbytes = 0;   // queue.buffering.max.kbytes: the producer's share
  int64_t producer_queue_records = 0;  // queue.buffering.max.messages
  int64_t request_bytes = 0;           // one produce request's worth, with a margin
  int64_t request_records = 0;         // batch.num.messages

  static ClientLimits For(const config::FlowConfig& flow);

  int64_t prefetch_bytes() const { return prefetch_kbytes * 1024; }
  int64_t producer_queue_bytes() const { return producer_queue_kbytes * 1024; }

  // The client properties for the flow's consumer / producer: the user's (those the limits
  // were computed from, flow.source_consumer / flow.target_producer) plus the limits and
  // the flow producer's static defaults for what the user did not set.
  kafka::ClientProps ConsumerProps(const kafka::ClientProps& user) const;
  kafka::ClientProps ProducerProps(const kafka::ClientProps& user) const;
};

}  // namespace kmirror::replication
