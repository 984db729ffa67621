#include "kmirror/wire/offset_sync_event.h"

#include <gtest/gtest.h>

namespace kmirror::wire {
namespace {

const OffsetSyncWriterInfo kInfo{"A", "B", "cluster-a", "cluster-b", "A->B#0@host"};

TEST(OffsetSyncEvent, CarriesTheRunAndItsFlow) {
  const TopicPartition tp{"orders", Partition(4)};
  OffsetSyncRun run;
  run.partition = &tp;
  run.first_source = SourceOffset(120);
  run.first_target = TargetOffset(550);
  run.count = 30;
  run.reset = true;
  run.source_log_start = SourceOffset(100);
  v1::OffsetSyncEvent e = MakeOffsetSyncEvent(kInfo, "A.orders", run, 1700000000123);

  auto parsed = ParseOffsetSyncEvent(SerializeOffsetSyncEvent(e));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->version(), kOffsetSyncEventVersion);
  EXPECT_EQ(parsed->flow().source_alias(), "A");
  EXPECT_EQ(parsed->flow().target_alias(), "B");
  EXPECT_EQ(parsed->flow().source_cluster_id(), "cluster-a");
  EXPECT_EQ(parsed->flow().target_cluster_id(), "cluster-b");
  EXPECT_EQ(parsed->source_topic(), "orders");
  EXPECT_EQ(parsed->target_topic(), "A.orders");
  EXPECT_EQ(parsed->partition(), 4);
  EXPECT_EQ(parsed->first_source_offset(), 120);
  EXPECT_EQ(parsed->first_target_offset(), 550);
  EXPECT_EQ(parsed->record_count(), 30);
  EXPECT_TRUE(parsed->reset());
  EXPECT_EQ(parsed->source_log_start_offset(), 100);
  EXPECT_EQ(parsed->written_at_ms(), 1700000000123);
  EXPECT_EQ(parsed->writer(), "A->B#0@host");
}

TEST(OffsetSyncEvent, NamesItsLogAndKeysByPartition) {
  EXPECT_EQ(OffsetSyncTopic("A"), "kmirror-offset-syncs.A.internal");
  EXPECT_EQ(OffsetSyncRecordKey(TopicPartition{"orders", Partition(3)}), "orders-3");
}

TEST(OffsetSyncEvent, ValidationRejectsWhatCannotBeAppliedSafely) {
  const TopicPartition tp{"orders", Partition(0)};
  OffsetSyncRun run;
  run.partition = &tp;
  run.count = 1;
  const v1::OffsetSyncEvent good = MakeOffsetSyncEvent(kInfo, "A.orders", run, 0);
  ASSERT_TRUE(ValidateOffsetSyncEvent(good).ok());

  auto with = [&](auto&& change) {
    v1::OffsetSyncEvent e = good;
    change(e);
    return ValidateOffsetSyncEvent(e).code();
  };
  EXPECT_EQ(with([](auto& e) { e.set_version(0); }), StatusCode::kInvalidArgument);
  EXPECT_EQ(with([](auto& e) { e.set_version(kOffsetSyncEventVersion + 1); }), StatusCode::kFailedPrecondition);
  EXPECT_EQ(with([](auto& e) { e.mutable_flow()->clear_source_alias(); }), StatusCode::kInvalidArgument);
  EXPECT_EQ(with([](auto& e) { e.clear_source_topic(); }), StatusCode::kInvalidArgument);
  EXPECT_EQ(with([](auto& e) { e.clear_target_topic(); }), StatusCode::kInvalidArgument);
  EXPECT_EQ(with([](auto& e) { e.set_partition(-1); }), StatusCode::kInvalidArgument);
  EXPECT_EQ(with([](auto& e) { e.set_record_count(-1); }), StatusCode::kInvalidArgument);
  EXPECT_EQ(with([](auto& e) { e.set_first_target_offset(-1); }), StatusCode::kInvalidArgument);
  EXPECT_EQ(with([](auto& e) { e.set_first_source_offset(INT64_MAX); }), StatusCode::kInvalidArgument);
  EXPECT_EQ(with([](auto& e) { e.set_source_log_start_offset(-2); }), StatusCode::kInvalidArgument);
  // A log-start-only event needs no run fields.
  EXPECT_EQ(with([](auto& e) {
              e.set_record_count(0);
              e.clear_target_topic();
              e.set_first_source_offset(-1);
            }),
            StatusCode::kOk);

  EXPECT_EQ(ParseOffsetSyncEvent("\xff\xff\xff").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace kmirror::wire
