// Samples -> metric families -> text: names, labels, values, and the per-topic vs
// per-partition aggregation.
#include "kmirror/metrics/render.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <ctime>

namespace kmirror::metrics {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

PartitionSample Part(const std::string& topic, int32_t p, uint64_t records, uint64_t bytes) {
  PartitionSample s;
  s.topic = topic;
  s.partition = p;
  s.records = records;
  s.bytes = bytes;
  return s;
}

FlowSample Flow() {
  FlowSample f;
  f.flow = "A->B";
  f.source = "A";
  f.target = "B";
  f.partitions = {Part("orders", 0, 10, 100), Part("orders", 1, 5, 50), Part("orders", 0, 2, 20),  // two tasks
                  Part("users", 0, 7, 70)};
  f.partitions[0].latency.counts[0] = 3;  // <= 5 ms
  f.partitions[0].latency.counts[7] = 1;  // <= 1 s
  f.partitions[0].latency.sum_ms = 1000;
  f.delivery_errors = {{"_MSG_TIMED_OUT", 4}};
  f.rewinds = 2;
  f.partitions_assigned = 3;
  f.has_index = true;
  f.index_ready = true;
  f.lag = {{"orders", 0, 5, 2.5}, {"orders", 1, 3, 1.0}, {"users", 0, 0, 0}};
  f.last_heartbeat_ms = 10'000;
  f.last_heartbeat_seen_at_ms = 10'250;
  return f;
}

TEST(RenderTest, PerTopicSeriesSumPartitionsAndTasks) {
  const std::string text = SerializeText(RenderFlows({Flow()}, {}));
  EXPECT_THAT(text, HasSubstr("# TYPE kmirror_records_mirrored_total counter"));
  EXPECT_THAT(text, HasSubstr("kmirror_records_mirrored_total{flow=\"A->B\",topic=\"orders\"} 17"));
  EXPECT_THAT(text, HasSubstr("kmirror_bytes_mirrored_total{flow=\"A->B\",topic=\"orders\"} 170"));
  EXPECT_THAT(text, HasSubstr("kmirror_records_mirrored_total{flow=\"A->B\",topic=\"users\"} 7"));
  EXPECT_THAT(text, Not(HasSubstr("partition=")));
  EXPECT_THAT(text, HasSubstr("kmirror_lag_records{flow=\"A->B\",topic=\"orders\"} 8"));
  EXPECT_THAT(text, HasSubstr("kmirror_lag_seconds{flow=\"A->B\",topic=\"orders\"} 2.5"));
  EXPECT_THAT(text, HasSubstr("kmirror_lag_records{flow=\"A->B\",topic=\"users\"} 0"));
  EXPECT_THAT(text, HasSubstr("kmirror_delivery_errors_total{flow=\"A->B\",code=\"_MSG_TIMED_OUT\"} 4"));
  EXPECT_THAT(text, HasSubstr("kmirror_rewinds_total{flow=\"A->B\"} 2"));
  EXPECT_THAT(text, HasSubstr("kmirror_partitions_assigned{flow=\"A->B\"} 3"));
  EXPECT_THAT(text, HasSubstr("kmirror_partitions_paused{flow=\"A->B\",reason=\"rewind\"} 0"));
  EXPECT_THAT(text, HasSubstr("kmirror_records_dropped_total{flow=\"A->B\",reason=\"loop\"} 0"));
  EXPECT_THAT(text, HasSubstr("kmirror_offset_index_ready{flow=\"A->B\"} 1"));
  EXPECT_THAT(text, HasSubstr("kmirror_heartbeat_lag_seconds{flow=\"A->B\"} 0.25"));
  EXPECT_THAT(text, HasSubstr("kmirror_flow_info{flow=\"A->B\",source=\"A\",target=\"B\"} 1"));
}

// partition_series is metrics.partition.series (app.cpp; Mm2LoaderTest.MetricsAndLogSettings).
TEST(RenderTest, PerPartitionSeriesWhenAsked) {
  RenderOptions o;
  o.partition_series = true;
  const std::string text = SerializeText(RenderFlows({Flow()}, o));
  EXPECT_THAT(text, HasSubstr("kmirror_records_mirrored_total{flow=\"A->B\",topic=\"orders\",partition=\"0\"} 12"));
  EXPECT_THAT(text, HasSubstr("kmirror_records_mirrored_total{flow=\"A->B\",topic=\"orders\",partition=\"1\"} 5"));
  EXPECT_THAT(text, HasSubstr("kmirror_lag_records{flow=\"A->B\",topic=\"orders\",partition=\"0\"} 5"));
  // Histograms stay per topic.
  EXPECT_THAT(text, HasSubstr("kmirror_replication_latency_seconds_count{flow=\"A->B\",topic=\"orders\"} 4"));
}

TEST(RenderTest, HistogramBucketsAreCumulativeInSeconds) {
  const std::string text = SerializeText(RenderFlows({Flow()}, {}));
  EXPECT_THAT(text, HasSubstr("# TYPE kmirror_replication_latency_seconds histogram"));
  EXPECT_THAT(text,
              HasSubstr("kmirror_replication_latency_seconds_bucket{flow=\"A->B\",topic=\"orders\",le=\"0.005\"} 3"));
  EXPECT_THAT(text,
              HasSubstr("kmirror_replication_latency_seconds_bucket{flow=\"A->B\",topic=\"orders\",le=\"0.5\"} 3"));
  EXPECT_THAT(text, HasSubstr("kmirror_replication_latency_seconds_bucket{flow=\"A->B\",topic=\"orders\",le=\"1\"} 4"));
  EXPECT_THAT(text,
              HasSubstr("kmirror_replication_latency_seconds_bucket{flow=\"A->B\",topic=\"orders\",le=\"+Inf\"} 4"));
  EXPECT_THAT(text, HasSubstr("kmirror_replication_latency_seconds_sum{flow=\"A->B\",topic=\"orders\"} 1"));
}

TEST(RenderTest, WithoutIndexNoLagAndNoCheckpointSeries) {
  FlowSample f = Flow();
  f.has_index = false;
  const std::string text = SerializeText(RenderFlows({f}, {}));
  EXPECT_THAT(text, Not(HasSubstr("kmirror_lag_records")));
  EXPECT_THAT(text, Not(HasSubstr("kmirror_checkpoint")));
}

TEST(RenderTest, CheckpointSeries) {
  FlowSample f = Flow();
  CheckpointSample c;
  c.rounds = 3;
  c.round_failures = 1;
  c.checkpoints = 12;
  c.last_round_seconds = 0.125;
  c.last_success_ms = 1'700'000'000'000;
  c.group_sync_enabled = true;
  c.group_sync_commits = 4;
  f.checkpoints = c;
  const std::string text = SerializeText(RenderFlows({f}, {}));
  EXPECT_THAT(text, HasSubstr("kmirror_checkpoint_rounds_total{flow=\"A->B\",result=\"ok\"} 3"));
  EXPECT_THAT(text, HasSubstr("kmirror_checkpoint_rounds_total{flow=\"A->B\",result=\"error\"} 1"));
  EXPECT_THAT(text, HasSubstr("kmirror_checkpoints_emitted_total{flow=\"A->B\"} 12"));
  EXPECT_THAT(text, HasSubstr("kmirror_checkpoint_round_duration_seconds{flow=\"A->B\"} 0.125"));
  EXPECT_THAT(text, HasSubstr("kmirror_checkpoint_last_success_timestamp_seconds{flow=\"A->B\"} 1700000000"));
  EXPECT_THAT(text, HasSubstr("kmirror_group_offset_sync_commits_total{flow=\"A->B\"} 4"));
}

TEST(RenderTest, TwoFlowsShareFamilies) {
  FlowSample a = Flow(), b = Flow();
  b.flow = "B->A";
  const auto families = RenderFlows({a, b}, {});
  int records_families = 0;
  for (const auto& f : families) {
    if (f.name == "kmirror_records_mirrored_total") {
      ++records_families;
      EXPECT_EQ(f.metric.size(), 4u);  // two topics, two flows
    }
  }
  EXPECT_EQ(records_families, 1);
}

TEST(RenderTest, ProcessAndBuildInfo) {
  // /proc counts CPU in clock ticks (10 ms): a test process started for this test alone may
  // not have used one yet, so use some first.
  for (const std::clock_t start = std::clock(); std::clock() - start < CLOCKS_PER_SEC / 20;) {
  }
  const ProcessSample p = ReadProcess();
  EXPECT_GT(p.cpu_seconds, 0);
  EXPECT_GT(p.resident_bytes, 1e6);
  EXPECT_GE(p.threads, 1);
  EXPECT_GE(p.open_fds, 3);
  EXPECT_GT(p.max_fds, 0);
  EXPECT_GT(p.start_time_seconds, 1.6e9);
  std::vector<prometheus::MetricFamily> f = RenderProcess(p);
  f.push_back(RenderBuildInfo("0.1.0", "2.0.2"));
  const std::string text = SerializeText(f);
  EXPECT_THAT(text, HasSubstr("# TYPE process_cpu_seconds_total counter"));
  EXPECT_THAT(text, HasSubstr("process_resident_memory_bytes "));
  EXPECT_THAT(text, HasSubstr("kmirror_build_info{version=\"0.1.0\",librdkafka=\"2.0.2\"} 1"));
}

LibrdkafkaBrokerSample Broker(int32_t id, uint64_t requests, int64_t outbuf, int64_t rtt_samples, double avg,
                              double p99) {
  LibrdkafkaBrokerSample b;
  b.node_id = id;
  b.requests = requests;
  b.tx_errors = 1;
  b.rx_errors = 2;
  b.request_timeouts = 3;
  b.outbuf_requests = outbuf;
  b.waitresp_requests = 1;
  b.rtt_samples = rtt_samples;
  b.rtt_avg_seconds = avg;
  b.rtt_p99_seconds = p99;
  return b;
}

// Two tasks' consumers and one producer of A->B, plus the retired counters of a consumer that
// no longer exists.
std::vector<LibrdkafkaClientSample> Clients() {
  LibrdkafkaClientSample c0{.flow = "A->B", .role = "consumer", .type = "consumer"};
  c0.fetch_queue_messages = 100;
  c0.fetch_queue_bytes = 1000;
  c0.brokers = {Broker(1, 10, 2, 5, 0.002, 0.004), Broker(2, 20, 0, 0, 0, 0)};
  c0.lags = {{"orders", 0, 7}, {"orders", 1, 3}};
  LibrdkafkaClientSample c1 = c0;
  c1.fetch_queue_messages = 50;
  c1.brokers = {Broker(1, 5, 1, 3, 0.010, 0.030)};
  c1.lags = {{"orders", 1, 4}, {"users", 0, 2}};  // orders-1 in both during a handover: the larger
  LibrdkafkaClientSample p{.flow = "A->B", .role = "producer", .type = "producer"};
  p.queue_messages = 40;
  p.queue_bytes = 4000;
  p.brokers = {Broker(1, 30, 0, 9, 0.001, 0.001)};
  LibrdkafkaClientSample retired{.flow = "A->B", .role = "consumer", .retired = true};
  retired.brokers = {Broker(1, 100, 99, 99, 9, 9), Broker(3, 7, 99, 0, 0, 0)};
  return {c0, c1, p, retired};
}

TEST(RenderLibrdkafkaTest, SumsClientsPerFlowRoleAndBrokerWorstRoundTrip) {
  const std::string text = SerializeText(RenderLibrdkafka(Clients(), {}, true));
  EXPECT_THAT(text, HasSubstr("# TYPE kmirror_librdkafka_broker_requests_total counter"));
  EXPECT_THAT(text, HasSubstr("kmirror_librdkafka_consumer_fetch_queue_messages{flow=\"A->B\",role=\"consumer\"} 150"));
  EXPECT_THAT(text, HasSubstr("kmirror_librdkafka_consumer_fetch_queue_bytes{flow=\"A->B\",role=\"consumer\"} 2000"));
  EXPECT_THAT(text, HasSubstr("kmirror_librdkafka_producer_queue_messages{flow=\"A->B\",role=\"producer\"} 40"));
  EXPECT_THAT(text, HasSubstr("kmirror_librdkafka_producer_queue_bytes{flow=\"A->B\",role=\"producer\"} 4000"));
  EXPECT_THAT(text, Not(HasSubstr("kmirror_librdkafka_producer_queue_messages{flow=\"A->B\",role=\"consumer\"}")));
  const std::string b1 = "{flow=\"A->B\",role=\"consumer\",broker=\"1\"}";
  // Counters: live clients and the retired ones (10 + 5 + 100).
  EXPECT_THAT(text, HasSubstr("kmirror_librdkafka_broker_requests_total" + b1 + " 115"));
  EXPECT_THAT(text, HasSubstr("kmirror_librdkafka_broker_tx_errors_total" + b1 + " 3"));
  EXPECT_THAT(text, HasSubstr("kmirror_librdkafka_broker_rx_errors_total" + b1 + " 6"));
  EXPECT_THAT(text, HasSubstr("kmirror_librdkafka_broker_request_timeouts_total" + b1 + " 9"));
  // Gauges: live clients only; round trips the worst of them.
  EXPECT_THAT(text, HasSubstr("kmirror_librdkafka_broker_outbuf_requests" + b1 + " 3"));
  EXPECT_THAT(text, HasSubstr("kmirror_librdkafka_broker_waitresp_requests" + b1 + " 2"));
  EXPECT_THAT(text, HasSubstr("kmirror_librdkafka_broker_rtt_avg_seconds" + b1 + " 0.01"));
  EXPECT_THAT(text, HasSubstr("kmirror_librdkafka_broker_rtt_p99_seconds" + b1 + " 0.03"));
  // Broker 2: no round trip measured in the window, so none is reported.
  const std::string b2 = "{flow=\"A->B\",role=\"consumer\",broker=\"2\"}";
  EXPECT_THAT(text, HasSubstr("kmirror_librdkafka_broker_requests_total" + b2 + " 20"));
  EXPECT_THAT(text, Not(HasSubstr("kmirror_librdkafka_broker_rtt_avg_seconds" + b2)));
  // Broker 3 only in the retired counters: counters, no gauges.
  const std::string b3 = "{flow=\"A->B\",role=\"consumer\",broker=\"3\"}";
  EXPECT_THAT(text, HasSubstr("kmirror_librdkafka_broker_requests_total" + b3 + " 7"));
  EXPECT_THAT(text, Not(HasSubstr("kmirror_librdkafka_broker_outbuf_requests" + b3)));
  EXPECT_THAT(
      text, HasSubstr("kmirror_librdkafka_broker_rtt_avg_seconds{flow=\"A->B\",role=\"producer\",broker=\"1\"} 0.001"));
  // Lag per topic: orders 7 + max(3, 4).
  EXPECT_THAT(text, HasSubstr("kmirror_librdkafka_consumer_lag_records{flow=\"A->B\",topic=\"orders\"} 11"));
  EXPECT_THAT(text, HasSubstr("kmirror_librdkafka_consumer_lag_records{flow=\"A->B\",topic=\"users\"} 2"));
  EXPECT_THAT(text, Not(HasSubstr("partition=")));
}

TEST(RenderLibrdkafkaTest, LagPerPartitionOnlyWithPartitionSeries) {
  RenderOptions o;
  o.partition_series = true;
  const std::string text = SerializeText(RenderLibrdkafka(Clients(), o, true));
  EXPECT_THAT(text,
              HasSubstr("kmirror_librdkafka_consumer_lag_records{flow=\"A->B\",topic=\"orders\",partition=\"0\"} 7"));
  EXPECT_THAT(text,
              HasSubstr("kmirror_librdkafka_consumer_lag_records{flow=\"A->B\",topic=\"orders\",partition=\"1\"} 4"));
  EXPECT_THAT(text, Not(HasSubstr("kmirror_librdkafka_consumer_lag_records{flow=\"A->B\",topic=\"orders\"} ")));
}

TEST(RenderLibrdkafkaTest, FamiliesAreDeclaredBeforeTheFirstReportOnlyWhenAsked) {
  const std::string declared = SerializeText(RenderLibrdkafka({}, {}, true));
  EXPECT_THAT(declared, HasSubstr("# TYPE kmirror_librdkafka_broker_rtt_p99_seconds gauge"));
  EXPECT_THAT(declared, HasSubstr("# TYPE kmirror_librdkafka_consumer_lag_records gauge"));
  EXPECT_EQ(SerializeText(RenderLibrdkafka({}, {}, false)), "");
}

TEST(LatencyMeterTest, BucketsAreInclusiveUpperBounds) {
  EXPECT_EQ(LatencyBucket(0), 0u);
  EXPECT_EQ(LatencyBucket(5), 0u);
  EXPECT_EQ(LatencyBucket(6), 1u);
  EXPECT_EQ(LatencyBucket(3'600'000), kLatencyBucketsMs.size() - 1);
  EXPECT_EQ(LatencyBucket(3'600'001), kLatencyBucketsMs.size());
  LatencyMeter m;
  m.Observe(-20);  // clocks apart: counts as 0
  m.Observe(7);
  m.Observe(10'000'000);
  HistogramCounts h;
  m.AddTo(&h);
  EXPECT_EQ(h.total(), 3u);
  EXPECT_EQ(h.counts[0], 1u);
  EXPECT_EQ(h.counts[1], 1u);
  EXPECT_EQ(h.counts.back(), 1u);
  EXPECT_EQ(h.sum_ms, 10'000'007u);
}

}  // namespace
}  // namespace kmirror::metrics
