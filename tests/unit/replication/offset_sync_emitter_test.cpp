#include "replication/offset_sync_emitter.h"

#include <gtest/gtest.h>

#include "kmirror/wire/offset_sync_event.h"

namespace kmirror::replication {
namespace {

TEST(OffsetSyncEmitter, BuildsTheRecordOfARunForTheFlowsLog) {
  const OffsetSyncEmitter emitter("A", "B", "A->B#1");
  EXPECT_EQ(emitter.topic(), wire::OffsetSyncTopic("A"));

  RouteTable routes;
  routes.topics["orders"] = Route{"A.orders", 6};
  routes.source_cluster_id = "cluster-a";
  routes.target_cluster_id = "cluster-b";
  const TopicPartition tp{"orders", Partition(4)};
  offsets::OffsetSyncRun run;
  run.partition = &tp;
  run.first_source = SourceOffset(120);
  run.first_target = TargetOffset(550);
  run.count = 30;
  run.source_log_start = SourceOffset(100);
  run.closed = true;

  const OffsetSyncEmitter::Record record = emitter.Build(run, routes, 1700000000123);
  EXPECT_EQ(record.key, "orders-4");
  auto e = wire::ParseOffsetSyncEvent(record.value);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->flow().source_alias(), "A");
  EXPECT_EQ(e->flow().target_alias(), "B");
  EXPECT_EQ(e->flow().source_cluster_id(), "cluster-a");
  EXPECT_EQ(e->flow().target_cluster_id(), "cluster-b");
  EXPECT_EQ(e->source_topic(), "orders");
  EXPECT_EQ(e->target_topic(), "A.orders");
  EXPECT_EQ(e->partition(), 4);
  EXPECT_EQ(e->first_source_offset(), 120);
  EXPECT_EQ(e->first_target_offset(), 550);
  EXPECT_EQ(e->record_count(), 30);
  EXPECT_EQ(e->source_log_start_offset(), 100);
  EXPECT_EQ(e->written_at_ms(), 1700000000123);
  EXPECT_EQ(e->writer(), "A->B#1");
}

TEST(OffsetSyncEmitter, ARunOfATopicNoLongerRoutedHasNoTargetTopic) {
  // As written before the emitter was split out of the task; readers reject such a run
  // (ValidateOffsetSyncEvent), so it never maps offsets to a wrong topic.
  const OffsetSyncEmitter emitter("A", "B", "A->B#0");
  const TopicPartition tp{"gone", Partition(0)};
  offsets::OffsetSyncRun run;
  run.partition = &tp;
  run.count = 1;
  const auto record = emitter.Build(run, RouteTable{}, 0);
  v1::OffsetSyncEvent e;
  ASSERT_TRUE(e.ParseFromString(record.value));
  EXPECT_EQ(e.source_topic(), "gone");
  EXPECT_EQ(e.target_topic(), "");
}

}  // namespace
}  // namespace kmirror::replication
