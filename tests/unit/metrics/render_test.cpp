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
