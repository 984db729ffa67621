// librdkafka's own statistics (statistics.interval.ms, librdkafka's STATISTICS.md) for the
// metrics endpoint: a bounded selection of them, per client, as plain values.
//
// The flow tasks' consumer and producer ask for them (a StatisticsTag naming the flow and the
// client's role, given to MakeHandle) when the app enabled them (metrics.listen with
// metrics.librdkafka.interval.ms > 0: StatisticsBoard::SetInterval). Other clients do not:
// they carry little traffic, and some never serve librdkafka's main queue, where a report
// would wait forever.
//
// Cost on the hot path: librdkafka calls the statistics callback inside the owner's Poll (a
// flow task's consumer or producer poll) every interval; the callback only copies the JSON
// text and swaps it in under the board's mutex (no parsing). Parsing happens at scrape time,
// on the scraping thread (Collect).
//
// Threads: the board is process-wide; Publish runs on the clients' owner threads, Collect on
// the scraping thread, Register/Unregister where clients are made and destroyed.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "kmirror/common/status.h"

struct rd_kafka_s;

namespace kmirror::kafka {

// Whose statistics these are (the metric labels); an empty tag asks for none.
struct StatisticsTag {
  std::string flow;  // "A->B"
  std::string role;  // "consumer" (the flow task's, on the source), "producer" (on the target)
  bool empty() const { return flow.empty() || role.empty(); }
};

// One broker as a client sees it (librdkafka's "brokers" object), by node id: the logical
// coordinator handle's connection is added to the node it points at, bootstrap entries whose
// id is not known yet are left out.
struct BrokerStatistics {
  int32_t node_id = -1;
  // Queues, now (gauges).
  int64_t outbuf_requests = 0;    // outbuf_cnt: requests waiting to be sent
  int64_t outbuf_messages = 0;    // outbuf_msg_cnt: messages in those requests
  int64_t waitresp_requests = 0;  // waitresp_cnt: requests sent, waiting for their response
  int64_t waitresp_messages = 0;  // waitresp_msg_cnt
  // Since the client was created (counters).
  uint64_t requests = 0;          // tx: requests sent
  uint64_t tx_errors = 0;         // txerrs: transmission errors
  uint64_t rx_errors = 0;         // rxerrs: receive errors
  uint64_t request_timeouts = 0;  // req_timeouts
  // Round-trip time over librdkafka's last window (about one interval); rtt_samples 0: none
  // measured in it, so avg and p99 are not known.
  int64_t rtt_samples = 0;
  double rtt_avg_seconds = 0;
  double rtt_p99_seconds = 0;
};

// A partition a consumer fetches, with its lag (librdkafka's consumer_lag: the partition's
// high watermark, or last stable offset under read_committed, minus the committed offset).
struct PartitionLagStatistics {
  std::string topic;
  int32_t partition = 0;
  int64_t lag = 0;
};

struct ClientStatistics {
  std::string name;                          // librdkafka's handle name ("<client.id>#consumer-3")
  std::string type;                          // "consumer" or "producer"
  int64_t reply_queue = 0;                   // replyq: events waiting for the application's poll
  int64_t queue_messages = 0;                // msg_cnt: messages in the producer's queues
  int64_t queue_bytes = 0;                   // msg_size
  int64_t fetch_queue_messages = 0;          // consumer: sum of the partitions' fetchq_cnt
  int64_t fetch_queue_bytes = 0;             // consumer: sum of fetchq_size
  std::vector<BrokerStatistics> brokers;     // by node id, one each
  std::vector<PartitionLagStatistics> lags;  // consumer: partitions it fetches whose lag is known
};

// Parses one statistics report of librdkafka 2.0 (the JSON of STATISTICS.md). Fields it does
// not find read as 0; a document that is not a JSON object is InvalidArgument. Pure.
Result<ClientStatistics> ParseStatistics(std::string_view json);

// One client's latest statistics, as the scrape sees them.
struct ClientReport {
  StatisticsTag tag;
  ClientStatistics stats;
  // The counters of the flow's clients of this role that no longer exist (their last
  // report), so that sums over clients never go backwards when a task re-creates one. Only
  // brokers' counters are set in a retired report.
  bool retired = false;
};

class StatisticsBoard {
 public:
  static StatisticsBoard& Global();

  // 0 (the default): no client asks for statistics. Set before clients are made.
  void SetInterval(std::chrono::milliseconds interval);
  std::chrono::milliseconds interval() const;

  // A client handle's entry (MakeHandle and DestroyHandle, kafka/client.cpp).
  void Register(const rd_kafka_s* rk, StatisticsTag tag);
  // Its last report's counters become the retired counters of its flow and role.
  void Unregister(const rd_kafka_s* rk);
  // The statistics callback: keeps a copy of `json` as the client's latest report.
  void Publish(const rd_kafka_s* rk, std::string_view json);

  // Every registered client's latest report, parsed, then the retired counters. Reports that
  // do not parse are counted in `parse_failures` and left out.
  std::vector<ClientReport> Collect(uint64_t* parse_failures = nullptr) const;

 private:
  struct Entry {
    StatisticsTag tag;
    std::shared_ptr<const std::string> json;  // the latest report; null until the first
  };
  using RetiredKey = std::tuple<std::string, std::string, int32_t>;  // flow, role, node id

  mutable std::mutex mu_;
  std::chrono::milliseconds interval_{0};
  std::map<const rd_kafka_s*, Entry> entries_;
  std::map<RetiredKey, BrokerStatistics> retired_;
};

}  // namespace kmirror::kafka
