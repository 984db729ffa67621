#include "kmirror/metrics/render.h"

#include <algorithm>
#include <limits>
#include <map>
#include <sstream>
#include <tuple>
#include <utility>

#include <prometheus/text_serializer.h>

namespace kmirror::metrics {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;
using Labels = std::vector<ClientMetric::Label>;

// Families in the order they were first named, each with its samples.
class Families {
 public:
  MetricFamily& Get(const std::string& name, MetricType type, const std::string& help) {
    auto it = index_.find(name);
    if (it != index_.end()) return out_[it->second];
    index_.emplace(name, out_.size());
    out_.push_back(MetricFamily{name, help, type, {}});
    return out_.back();
  }
  void Counter(const std::string& name, const std::string& help, Labels labels, double value) {
    ClientMetric m;
    m.label = std::move(labels);
    m.counter.value = value;
    Get(name, MetricType::Counter, help).metric.push_back(std::move(m));
  }
  void Gauge(const std::string& name, const std::string& help, Labels labels, double value) {
    ClientMetric m;
    m.label = std::move(labels);
    m.gauge.value = value;
    Get(name, MetricType::Gauge, help).metric.push_back(std::move(m));
  }
  void Histogram(const std::string& name, const std::string& help, Labels labels, const HistogramCounts& h) {
    ClientMetric m;
    m.label = std::move(labels);
    uint64_t cumulative = 0;
    for (size_t i = 0; i < h.counts.size(); ++i) {
      cumulative += h.counts[i];
      m.histogram.bucket.push_back({cumulative, i < kLatencyBucketsMs.size()
                                                    ? static_cast<double>(kLatencyBucketsMs[i]) / 1000.0
                                                    : std::numeric_limits<double>::infinity()});
    }
    m.histogram.sample_count = cumulative;
    m.histogram.sample_sum = static_cast<double>(h.sum_ms) / 1000.0;
    Get(name, MetricType::Histogram, help).metric.push_back(std::move(m));
  }
  // Declares a family even when no sample has it yet, so that its HELP and TYPE are
  // always there (and a dashboard's query is valid before the first event).
  void Declare(const std::string& name, MetricType type, const std::string& help) { Get(name, type, help); }
  std::vector<MetricFamily> Take() { return std::move(out_); }

 private:
  std::map<std::string, size_t> index_;
  std::vector<MetricFamily> out_;
};

Labels With(Labels base, std::initializer_list<ClientMetric::Label> more) {
  base.insert(base.end(), more);
  return base;
}

struct TopicTotals {
  uint64_t records = 0, bytes = 0;
  HistogramCounts latency, age;
};
struct TopicLag {
  int64_t records = 0;
  double seconds = 0;
};

constexpr const char* kRecordsHelp = "Records mirrored (acknowledged by the target) by this node.";
constexpr const char* kBytesHelp = "Key and value bytes of the records mirrored by this node.";
constexpr const char* kLagHelp =
    "Records on the source not yet mirrored: source end offset minus the mirrored position (this node's offset "
    "index, covering every node of the flow).";
constexpr const char* kLagSecondsHelp =
    "0 when caught up; otherwise seconds since the partition's mirrored position last advanced (max over the "
    "topic's partitions).";

void RenderFlow(const FlowSample& f, const RenderOptions& o, Families& out) {
  const Labels flow{{"flow", f.flow}};
  out.Gauge("kmirror_flow_info", "A flow this node runs (value 1), with its source and target cluster aliases.",
            {{"flow", f.flow}, {"source", f.source}, {"target", f.target}}, 1);
  out.Gauge("kmirror_flow_up", "1 while the flow runs, 0 once a task failed beyond recovery.", flow, f.running ? 1 : 0);

  // Records, bytes and latencies per topic (or partition).
  std::map<std::string, TopicTotals> topics;
  std::map<std::pair<std::string, int32_t>, TopicTotals> partitions;
  for (const PartitionSample& p : f.partitions) {
    TopicTotals& t = o.partition_series ? partitions[{p.topic, p.partition}] : topics[p.topic];
    t.records += p.records;
    t.bytes += p.bytes;
    TopicTotals& h = topics[p.topic];  // latencies stay per topic: 17 series per partition would be many
    h.latency += p.latency;
    h.age += p.age;
  }
  out.Declare("kmirror_records_mirrored_total", MetricType::Counter, kRecordsHelp);
  out.Declare("kmirror_bytes_mirrored_total", MetricType::Counter, kBytesHelp);
  if (o.partition_series) {
    for (const auto& [tp, t] : partitions) {
      Labels l = With(flow, {{"topic", tp.first}, {"partition", std::to_string(tp.second)}});
      out.Counter("kmirror_records_mirrored_total", kRecordsHelp, l, static_cast<double>(t.records));
      out.Counter("kmirror_bytes_mirrored_total", kBytesHelp, l, static_cast<double>(t.bytes));
    }
  } else {
    for (const auto& [topic, t] : topics) {
      Labels l = With(flow, {{"topic", topic}});
      out.Counter("kmirror_records_mirrored_total", kRecordsHelp, l, static_cast<double>(t.records));
      out.Counter("kmirror_bytes_mirrored_total", kBytesHelp, l, static_cast<double>(t.bytes));
    }
  }
  const char* latency_help =
      "Seconds from a source record's timestamp to the target's acknowledgement of its copy (MM2: "
      "replication-latency-ms).";
  const char* age_help = "Age in seconds of source records when this node read them (MM2: record-age-ms).";
  out.Declare("kmirror_replication_latency_seconds", MetricType::Histogram, latency_help);
  out.Declare("kmirror_record_age_seconds", MetricType::Histogram, age_help);
  for (const auto& [topic, t] : topics) {
    out.Histogram("kmirror_replication_latency_seconds", latency_help, With(flow, {{"topic", topic}}), t.latency);
    out.Histogram("kmirror_record_age_seconds", age_help, With(flow, {{"topic", topic}}), t.age);
  }

  out.Gauge("kmirror_partitions_assigned", "Source partitions assigned to this node's tasks of the flow.", flow,
            static_cast<double>(f.partitions_assigned));
  out.Gauge("kmirror_partitions_paused",
            "Source partitions this node has paused, by reason (rewind: waiting to be re-read after a failed "
            "delivery, a missing target partition or a topic not routed).",
            With(flow, {{"reason", "rewind"}}), static_cast<double>(f.partitions_paused));
  out.Counter("kmirror_rewinds_total", "Partitions rewound (re-read from the first record not known on the target).",
              flow, static_cast<double>(f.rewinds));
  const char* errors_help =
      "Records the target did not acknowledge, by librdkafka error code (each leads to a rewind).";
  out.Declare("kmirror_delivery_errors_total", MetricType::Counter, errors_help);
  for (const auto& [code, n] : f.delivery_errors) {
    out.Counter("kmirror_delivery_errors_total", errors_help, With(flow, {{"code", code}}), static_cast<double>(n));
  }
  out.Counter("kmirror_data_loss_events_total",
              "Times a committed position no longer existed on the source (retention, delete-records, a recreated "
              "topic); the log names the exact range.",
              flow, static_cast<double>(f.data_loss_events));
  out.Counter("kmirror_lost_records_total", "Records deleted on the source before they were mirrored.", flow,
              static_cast<double>(f.lost_records));
  const char* dropped_help =
      "Records deliberately not copied, by reason: loop (the target is in their provenance), max_hops (their "
      "provenance is longer than max.hops).";
  out.Counter("kmirror_records_dropped_total", dropped_help, With(flow, {{"reason", "loop"}}),
              static_cast<double>(f.loops));
  out.Counter("kmirror_records_dropped_total", dropped_help, With(flow, {{"reason", "max_hops"}}),
              static_cast<double>(f.hops));
  out.Counter("kmirror_rebalances_total", "Partition assignments this node's tasks received from the flow's group.",
              flow, static_cast<double>(f.rebalances));
  out.Counter("kmirror_consumer_recoveries_total",
              "Times a task re-created its consumer after a fatal consumer error (a fenced static member).", flow,
              static_cast<double>(f.consumer_recoveries));
  out.Counter("kmirror_offset_sync_writes_total", "Records written to the flow's offset-sync log by this node.", flow,
              static_cast<double>(f.offset_sync_writes));
  out.Counter("kmirror_heartbeats_emitted_total", "Heartbeats this node wrote to the source's heartbeats topic.", flow,
              static_cast<double>(f.heartbeats_emitted));
  out.Counter("kmirror_acl_sync_rounds_total",
              "Topic ACL sync rounds this node ran as the flow's duty holder (sync.topic.acls.enabled).", flow,
              static_cast<double>(f.acl_sync_rounds));
  out.Counter("kmirror_acl_bindings_created_total", "Topic ACL bindings this node created on the target.", flow,
              static_cast<double>(f.acl_bindings_created));
  out.Counter("kmirror_acl_sync_refusals_total",
              "Topic ACL sync rounds a cluster refused (no authorizer, or the principal may not describe or create "
              "ACLs); mirroring goes on.",
              flow, static_cast<double>(f.acl_sync_refusals));
  out.Counter("kmirror_fetcher_wakeups_total",
              "Times a task restarted librdkafka's fetcher after a prefetch threshold stall.", flow,
              static_cast<double>(f.fetch_wakeups));

  if (!f.has_index) return;
  out.Gauge("kmirror_offset_index_ready",
            "1 once this node's offset index has caught up with the flow's offset-sync log (translations answer).",
            flow, f.index_ready ? 1 : 0);
  std::map<std::string, TopicLag> lag_topics;
  out.Declare("kmirror_lag_records", MetricType::Gauge, kLagHelp);
  out.Declare("kmirror_lag_seconds", MetricType::Gauge, kLagSecondsHelp);
  for (const LagSample& l : f.lag) {
    if (o.partition_series) {
      Labels labels = With(flow, {{"topic", l.topic}, {"partition", std::to_string(l.partition)}});
      out.Gauge("kmirror_lag_records", kLagHelp, labels, static_cast<double>(l.records));
      out.Gauge("kmirror_lag_seconds", kLagSecondsHelp, labels, l.seconds);
    } else {
      TopicLag& t = lag_topics[l.topic];
      t.records += l.records;
      t.seconds = std::max(t.seconds, l.seconds);
    }
  }
  for (const auto& [topic, t] : lag_topics) {
    Labels labels = With(flow, {{"topic", topic}});
    out.Gauge("kmirror_lag_records", kLagHelp, labels, static_cast<double>(t.records));
    out.Gauge("kmirror_lag_seconds", kLagSecondsHelp, labels, t.seconds);
  }
  if (f.last_heartbeat_ms > 0) {
    out.Gauge("kmirror_heartbeat_last_timestamp_seconds",
              "Timestamp (source clock) of the newest heartbeat of the flow that arrived on the target.", flow,
              static_cast<double>(f.last_heartbeat_ms) / 1000.0);
    out.Gauge("kmirror_heartbeat_lag_seconds",
              "Seconds between the newest heartbeat's timestamp and its arrival on the target (as seen by this "
              "node).",
              flow, static_cast<double>(f.last_heartbeat_seen_at_ms - f.last_heartbeat_ms) / 1000.0);
  }
  if (!f.checkpoints) return;
  const CheckpointSample& c = *f.checkpoints;
  const char* rounds_help = "Checkpoint rounds by result (ok: every checkpoint written was confirmed).";
  out.Counter("kmirror_checkpoint_rounds_total", rounds_help, With(flow, {{"result", "ok"}}),
              static_cast<double>(c.rounds));
  out.Counter("kmirror_checkpoint_rounds_total", rounds_help, With(flow, {{"result", "error"}}),
              static_cast<double>(c.round_failures));
  out.Counter("kmirror_checkpoints_emitted_total", "MM2-format checkpoint records written and confirmed.", flow,
              static_cast<double>(c.checkpoints));
  out.Gauge("kmirror_checkpoint_round_duration_seconds",
            "Duration of the last checkpoint round: groups listed, translated, written and confirmed (MM2: "
            "checkpoint-latency-ms).",
            flow, c.last_round_seconds);
  if (c.last_success_ms > 0) {
    out.Gauge("kmirror_checkpoint_last_success_timestamp_seconds", "When the last checkpoint round completed.", flow,
              static_cast<double>(c.last_success_ms) / 1000.0);
  }
  if (!c.group_sync_enabled) return;
  out.Counter("kmirror_group_offset_sync_commits_total",
              "Offsets committed to consumer groups on the target (sync.group.offsets.enabled).", flow,
              static_cast<double>(c.group_sync_commits));
  out.Counter("kmirror_group_offset_sync_failures_total", "Group offset sync calls that failed.", flow,
              static_cast<double>(c.group_sync_failures));
  if (c.group_sync_last_success_ms > 0) {
    out.Gauge("kmirror_group_offset_sync_last_success_timestamp_seconds",
              "When the last group offset sync round completed without failure.", flow,
              static_cast<double>(c.group_sync_last_success_ms) / 1000.0);
  }
}

// The kmirror_librdkafka_* families, in documentation order (docs/metrics.md).
struct LibrdkafkaFamily {
  const char* name;
  MetricType type;
  const char* help;
};
constexpr LibrdkafkaFamily kProducerQueueMessages{
    "kmirror_librdkafka_producer_queue_messages", MetricType::Gauge,
    "Messages in the flow tasks' librdkafka producer queues, not yet acknowledged (librdkafka msg_cnt)."};
constexpr LibrdkafkaFamily kProducerQueueBytes{"kmirror_librdkafka_producer_queue_bytes", MetricType::Gauge,
                                               "Bytes of those messages (librdkafka msg_size)."};
constexpr LibrdkafkaFamily kFetchQueueMessages{
    "kmirror_librdkafka_consumer_fetch_queue_messages", MetricType::Gauge,
    "Messages the flow tasks' consumers fetched that the tasks have not polled yet (librdkafka fetchq_cnt)."};
constexpr LibrdkafkaFamily kFetchQueueBytes{"kmirror_librdkafka_consumer_fetch_queue_bytes", MetricType::Gauge,
                                            "Bytes of those messages (librdkafka fetchq_size)."};
constexpr LibrdkafkaFamily kOutbufRequests{"kmirror_librdkafka_broker_outbuf_requests", MetricType::Gauge,
                                           "Requests waiting to be sent to the broker (librdkafka outbuf_cnt)."};
constexpr LibrdkafkaFamily kOutbufMessages{"kmirror_librdkafka_broker_outbuf_messages", MetricType::Gauge,
                                           "Messages in those requests (librdkafka outbuf_msg_cnt)."};
constexpr LibrdkafkaFamily kWaitrespRequests{
    "kmirror_librdkafka_broker_waitresp_requests", MetricType::Gauge,
    "Requests sent to the broker, waiting for its response (librdkafka waitresp_cnt)."};
constexpr LibrdkafkaFamily kWaitrespMessages{"kmirror_librdkafka_broker_waitresp_messages", MetricType::Gauge,
                                             "Messages in those requests (librdkafka waitresp_msg_cnt)."};
constexpr LibrdkafkaFamily kRttAvg{
    "kmirror_librdkafka_broker_rtt_avg_seconds", MetricType::Gauge,
    "Average request round-trip time to the broker over librdkafka's last statistics window (the worst of this "
    "node's clients)."};
constexpr LibrdkafkaFamily kRttP99{"kmirror_librdkafka_broker_rtt_p99_seconds", MetricType::Gauge,
                                   "99th percentile of that round-trip time (the worst of this node's clients)."};
constexpr LibrdkafkaFamily kRequests{"kmirror_librdkafka_broker_requests_total", MetricType::Counter,
                                     "Requests sent to the broker (librdkafka tx)."};
constexpr LibrdkafkaFamily kTxErrors{"kmirror_librdkafka_broker_tx_errors_total", MetricType::Counter,
                                     "Errors sending requests to the broker (librdkafka txerrs)."};
constexpr LibrdkafkaFamily kRxErrors{"kmirror_librdkafka_broker_rx_errors_total", MetricType::Counter,
                                     "Errors receiving responses from the broker (librdkafka rxerrs)."};
constexpr LibrdkafkaFamily kRequestTimeouts{"kmirror_librdkafka_broker_request_timeouts_total", MetricType::Counter,
                                            "Requests to the broker that timed out (librdkafka req_timeouts)."};
constexpr LibrdkafkaFamily kConsumerLag{
    "kmirror_librdkafka_consumer_lag_records", MetricType::Gauge,
    "librdkafka's consumer lag of the partitions this node's tasks fetch: the source high watermark (last stable "
    "offset under read_committed) minus the committed offset."};
constexpr LibrdkafkaFamily kLibrdkafkaFamilies[] = {kProducerQueueMessages,
                                                    kProducerQueueBytes,
                                                    kFetchQueueMessages,
                                                    kFetchQueueBytes,
                                                    kOutbufRequests,
                                                    kOutbufMessages,
                                                    kWaitrespRequests,
                                                    kWaitrespMessages,
                                                    kRttAvg,
                                                    kRttP99,
                                                    kRequests,
                                                    kTxErrors,
                                                    kRxErrors,
                                                    kRequestTimeouts,
                                                    kConsumerLag};

struct ClientTotals {
  bool producer = false, consumer = false;
  int64_t queue_messages = 0, queue_bytes = 0, fetch_messages = 0, fetch_bytes = 0;
};
struct BrokerTotals {
  LibrdkafkaBrokerSample sum;
  bool live = false;  // a client that exists now reported it (gauges); else only retired counters
};

}  // namespace

std::vector<MetricFamily> RenderLibrdkafka(const std::vector<LibrdkafkaClientSample>& clients,
                                           const RenderOptions& options, bool declare) {
  Families out;
  if (declare) {
    for (const LibrdkafkaFamily& f : kLibrdkafkaFamilies) out.Declare(f.name, f.type, f.help);
  }
  using FlowRole = std::pair<std::string, std::string>;
  std::map<FlowRole, ClientTotals> per_client;
  std::map<std::pair<FlowRole, int32_t>, BrokerTotals> per_broker;
  std::map<std::tuple<std::string, std::string, int32_t>, int64_t> lag;  // flow, topic, partition
  for (const LibrdkafkaClientSample& c : clients) {
    const FlowRole key{c.flow, c.role};
    for (const LibrdkafkaBrokerSample& b : c.brokers) {
      BrokerTotals& t = per_broker[{key, b.node_id}];
      t.sum.requests += b.requests;
      t.sum.tx_errors += b.tx_errors;
      t.sum.rx_errors += b.rx_errors;
      t.sum.request_timeouts += b.request_timeouts;
      if (c.retired) continue;
      t.live = true;
      t.sum.outbuf_requests += b.outbuf_requests;
      t.sum.outbuf_messages += b.outbuf_messages;
      t.sum.waitresp_requests += b.waitresp_requests;
      t.sum.waitresp_messages += b.waitresp_messages;
      if (b.rtt_samples > 0) {
        t.sum.rtt_samples += b.rtt_samples;
        t.sum.rtt_avg_seconds = std::max(t.sum.rtt_avg_seconds, b.rtt_avg_seconds);
        t.sum.rtt_p99_seconds = std::max(t.sum.rtt_p99_seconds, b.rtt_p99_seconds);
      }
    }
    if (c.retired) continue;
    ClientTotals& t = per_client[key];
    t.producer = t.producer || c.type == "producer";
    t.consumer = t.consumer || c.type == "consumer";
    t.queue_messages += c.queue_messages;
    t.queue_bytes += c.queue_bytes;
    t.fetch_messages += c.fetch_queue_messages;
    t.fetch_bytes += c.fetch_queue_bytes;
    // During a handover two tasks may both report a partition: the larger lag counts.
    for (const LibrdkafkaLagSample& l : c.lags) {
      int64_t& v = lag[{c.flow, l.topic, l.partition}];
      v = std::max(v, l.records);
    }
  }
  auto gauge = [&out](const LibrdkafkaFamily& f, Labels l, double v) { out.Gauge(f.name, f.help, std::move(l), v); };
  auto counter = [&out](const LibrdkafkaFamily& f, Labels l, double v) {
    out.Counter(f.name, f.help, std::move(l), v);
  };
  for (const auto& [key, t] : per_client) {
    const Labels l{{"flow", key.first}, {"role", key.second}};
    if (t.producer) {
      gauge(kProducerQueueMessages, l, static_cast<double>(t.queue_messages));
      gauge(kProducerQueueBytes, l, static_cast<double>(t.queue_bytes));
    }
    if (t.consumer) {
      gauge(kFetchQueueMessages, l, static_cast<double>(t.fetch_messages));
      gauge(kFetchQueueBytes, l, static_cast<double>(t.fetch_bytes));
    }
  }
  for (const auto& [key, t] : per_broker) {
    const Labels l{{"flow", key.first.first}, {"role", key.first.second}, {"broker", std::to_string(key.second)}};
    if (t.live) {
      gauge(kOutbufRequests, l, static_cast<double>(t.sum.outbuf_requests));
      gauge(kOutbufMessages, l, static_cast<double>(t.sum.outbuf_messages));
      gauge(kWaitrespRequests, l, static_cast<double>(t.sum.waitresp_requests));
      gauge(kWaitrespMessages, l, static_cast<double>(t.sum.waitresp_messages));
      if (t.sum.rtt_samples > 0) {
        gauge(kRttAvg, l, t.sum.rtt_avg_seconds);
        gauge(kRttP99, l, t.sum.rtt_p99_seconds);
      }
    }
    counter(kRequests, l, static_cast<double>(t.sum.requests));
    counter(kTxErrors, l, static_cast<double>(t.sum.tx_errors));
    counter(kRxErrors, l, static_cast<double>(t.sum.rx_errors));
    counter(kRequestTimeouts, l, static_cast<double>(t.sum.request_timeouts));
  }
  std::map<std::pair<std::string, std::string>, int64_t> lag_topics;
  for (const auto& [key, v] : lag) {
    const auto& [flow, topic, partition] = key;
    if (options.partition_series) {
      gauge(kConsumerLag, {{"flow", flow}, {"topic", topic}, {"partition", std::to_string(partition)}},
            static_cast<double>(v));
    } else {
      lag_topics[{flow, topic}] += v;
    }
  }
  for (const auto& [key, v] : lag_topics) {
    gauge(kConsumerLag, {{"flow", key.first}, {"topic", key.second}}, static_cast<double>(v));
  }
  return out.Take();
}

std::vector<MetricFamily> RenderFlows(const std::vector<FlowSample>& flows, const RenderOptions& options) {
  Families out;
  for (const FlowSample& f : flows) RenderFlow(f, options, out);
  return out.Take();
}

std::vector<MetricFamily> RenderProcess(const ProcessSample& p) {
  Families out;
  out.Counter("process_cpu_seconds_total", "User and system CPU time spent in seconds.", {}, p.cpu_seconds);
  out.Gauge("process_resident_memory_bytes", "Resident memory size in bytes.", {}, p.resident_bytes);
  out.Gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", {}, p.virtual_bytes);
  out.Gauge("process_open_fds", "Number of open file descriptors.", {}, p.open_fds);
  out.Gauge("process_max_fds", "Maximum number of open file descriptors.", {}, p.max_fds);
  out.Gauge("process_threads", "Number of OS threads in the process.", {}, p.threads);
  out.Gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", {},
            p.start_time_seconds);
  return out.Take();
}

MetricFamily RenderBuildInfo(const std::string& version, const std::string& librdkafka_version) {
  Families out;
  out.Gauge("kmirror_build_info", "kmirror's version and the librdkafka it runs on (value 1).",
            {{"version", version}, {"librdkafka", librdkafka_version}}, 1);
  return std::move(out.Take().front());
}

std::string SerializeText(const std::vector<MetricFamily>& families) {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

}  // namespace kmirror::metrics
