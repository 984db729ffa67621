// What one scrape of /metrics reports, as plain values: the modules that own the numbers
// fill these in at scrape time (replication: a flow's counters; offsets: lag, readiness,
// heartbeats and checkpoints, via app), and metrics/render.h turns them into Prometheus
// metric families. Nothing here is shared between threads: a sample is built, rendered and
// dropped by the scraping thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "kmirror/metrics/latency_meter.h"

namespace kmirror::metrics {

// A source partition as mirrored by this node's tasks (counters since the process started).
struct PartitionSample {
  std::string topic;  // source topic
  int32_t partition = 0;
  uint64_t records = 0;     // acknowledged by the target
  uint64_t bytes = 0;       // key + value bytes acknowledged
  HistogramCounts latency;  // source record timestamp -> target acknowledgement
  HistogramCounts age;      // source record timestamp -> read by the task
};

// Lag of one source partition of the flow, from this node's offset index (which follows
// the whole flow's offset-sync log, so it covers partitions mirrored by every node).
struct LagSample {
  std::string topic;  // source topic
  int32_t partition = 0;
  int64_t records = 0;  // source end offset - mirrored source end, >= 0
  double seconds = 0;   // 0 when caught up; else since the partition's mirror last advanced
};

struct CheckpointSample {
  uint64_t rounds = 0;          // checkpoint rounds that completed (every record confirmed)
  uint64_t round_failures = 0;  // rounds that could not list groups or confirm their records
  uint64_t checkpoints = 0;     // checkpoint records written and confirmed
  double last_round_seconds = 0;
  int64_t last_success_ms = 0;       // wall clock of the last completed round; 0: none yet
  uint64_t group_sync_commits = 0;   // offsets committed to groups on the target
  uint64_t group_sync_failures = 0;  // failed describe/read/commit calls
  int64_t group_sync_last_success_ms = 0;
  bool group_sync_enabled = false;
};

struct FlowSample {
  std::string flow;  // "A->B"
  std::string source, target;
  bool running = true;  // false once a task failed beyond recovery

  // This node's tasks.
  uint64_t records = 0, bytes = 0;
  uint64_t delivery_failures = 0;
  std::map<std::string, uint64_t> delivery_errors;  // by librdkafka error name
  uint64_t rewinds = 0;
  uint64_t data_loss_events = 0, lost_records = 0;
  uint64_t loops = 0, hops = 0;  // records not copied: loop / beyond max.hops
  uint64_t rebalances = 0;
  uint64_t consumer_recoveries = 0;  // consumers re-created after a fatal error
  uint64_t offset_sync_writes = 0;
  uint64_t heartbeats_emitted = 0;
  uint64_t acl_sync_rounds = 0;       // topic ACL sync rounds this node ran (as duty holder)
  uint64_t acl_bindings_created = 0;  // ACL bindings it created on the target
  uint64_t acl_sync_refusals = 0;     // rounds a cluster refused (no authorizer, not allowed)
  uint64_t fetch_wakeups = 0;
  int64_t partitions_assigned = 0;
  int64_t partitions_paused = 0;  // reason "rewind": waiting to be re-read
  std::vector<PartitionSample> partitions;

  // This node's view of the flow's logs (absent without an offset index).
  bool has_index = false;
  bool index_ready = false;
  std::vector<LagSample> lag;
  int64_t last_heartbeat_ms = 0;          // the newest heartbeat's own timestamp; 0: none yet
  int64_t last_heartbeat_seen_at_ms = 0;  // when it arrived on the target (local clock)
  std::optional<CheckpointSample> checkpoints;
};

// librdkafka's statistics of one client of a flow task (kafka/statistics.h), or the
// counters of the flow's clients of that role that no longer exist (`retired`).
struct LibrdkafkaBrokerSample {
  int32_t node_id = -1;
  int64_t outbuf_requests = 0, outbuf_messages = 0;  // now
  int64_t waitresp_requests = 0, waitresp_messages = 0;
  uint64_t requests = 0, tx_errors = 0, rx_errors = 0, request_timeouts = 0;  // since the client was made
  int64_t rtt_samples = 0;  // 0: the round-trip time of the last window is not known
  double rtt_avg_seconds = 0, rtt_p99_seconds = 0;
};
struct LibrdkafkaLagSample {
  std::string topic;  // source topic
  int32_t partition = 0;
  int64_t records = 0;
};
struct LibrdkafkaClientSample {
  std::string flow{};                                       // "A->B"
  std::string role{};                                       // "consumer", "producer"
  std::string type{};                                       // librdkafka's: "consumer" or "producer"
  bool retired = false;                                     // only the brokers' counters are set
  int64_t queue_messages = 0, queue_bytes = 0;              // producer: messages waiting in its queues
  int64_t fetch_queue_messages = 0, fetch_queue_bytes = 0;  // consumer: fetched, not yet polled
  std::vector<LibrdkafkaBrokerSample> brokers{};
  std::vector<LibrdkafkaLagSample> lags{};  // consumer: the partitions it fetches
};

}  // namespace kmirror::metrics
