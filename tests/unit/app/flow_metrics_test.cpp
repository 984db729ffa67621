// Lag from the index's summaries and the source ends; the checkpoint counters' mapping.
#include "app/flow_metrics.h"

#include <gtest/gtest.h>

namespace kmirror::app {
namespace {

offsets::PartitionSummary Summary(const std::string& topic, int32_t p, int64_t mirrored_end, int64_t written_at) {
  offsets::PartitionSummary s;
  s.source = TopicPartition{topic, Partition(p)};
  s.mirrored_source_end = SourceOffset(mirrored_end);
  s.last_written_at_ms = written_at;
  return s;
}

TEST(FlowMetricsTest, LagIsSourceEndMinusMirroredEnd) {
  const std::vector<offsets::PartitionSummary> summaries = {
      Summary("orders", 0, 100, 9'000),  // 20 behind, mirror last moved 1 s ago
      Summary("orders", 1, 50, 5'000),   // caught up
      Summary("orders", 2, 70, 8'000),   // source end older than the mirror: caught up
      Summary("orders", 3, -1, 0),       // nothing mirrored yet: left out
      Summary("orders", 4, 10, 8'000),   // source end not read yet: left out
  };
  const std::map<TopicPartition, int64_t> ends = {{{"orders", Partition(0)}, 120},
                                                  {{"orders", Partition(1)}, 50},
                                                  {{"orders", Partition(2)}, 60},
                                                  {{"orders", Partition(3)}, 5}};
  const auto lag = LagOf(summaries, ends, 10'000);
  ASSERT_EQ(lag.size(), 3u);
  EXPECT_EQ(lag[0].partition, 0);
  EXPECT_EQ(lag[0].records, 20);
  EXPECT_DOUBLE_EQ(lag[0].seconds, 1.0);
  EXPECT_EQ(lag[1].records, 0);
  EXPECT_DOUBLE_EQ(lag[1].seconds, 0.0);
  EXPECT_EQ(lag[2].records, 0);
}

TEST(FlowMetricsTest, CheckpointSample) {
  offsets::CheckpointEmitterStats st;
  st.rounds = 2;
  st.checkpoints = 9;
  st.last_round_duration_ms = 250;
  st.last_success_ms = 1234;
  const metrics::CheckpointSample c = CheckpointSampleOf(st, true);
  EXPECT_EQ(c.rounds, 2u);
  EXPECT_EQ(c.checkpoints, 9u);
  EXPECT_DOUBLE_EQ(c.last_round_seconds, 0.25);
  EXPECT_EQ(c.last_success_ms, 1234);
  EXPECT_TRUE(c.group_sync_enabled);
}

}  // namespace
}  // namespace kmirror::app
