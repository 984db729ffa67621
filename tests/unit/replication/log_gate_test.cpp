#include "replication/log_gate.h"

#include "kmirror/offsets/offset_sync_recorder.h"

#include <optional>
#include <vector>

#include <gtest/gtest.h>

namespace kmirror::replication {
namespace {

using Kind = GatedStore::Kind;
constexpr std::optional<SourceOffset> kNone;

TEST(GateStore, EverythingInTheLogStoresTheRecord) {
  EXPECT_EQ(GateStore(SourceOffset(41), kNone, kNone).kind, Kind::kRecord);
  EXPECT_EQ(GateStore(SourceOffset(41), SourceOffset(42), kNone).kind, Kind::kRecord)
      << "the first uncovered record is after the pending one";
}

TEST(GateStore, ARecordNotInTheLogHoldsTheStoreAtIt) {
  const GatedStore g = GateStore(SourceOffset(41), SourceOffset(30), kNone);
  EXPECT_EQ(g.kind, Kind::kOffset);
  EXPECT_EQ(g.next, SourceOffset(30)) << "the store stops at the copy of the first record the log does not hold";
  EXPECT_EQ(GateStore(SourceOffset(41), SourceOffset(41), kNone).next, SourceOffset(41));
}

TEST(GateStore, NeverStoresTheSameOrAnEarlierOffsetAgain) {
  EXPECT_EQ(GateStore(SourceOffset(41), SourceOffset(30), SourceOffset(30)).kind, Kind::kWait);
  EXPECT_EQ(GateStore(SourceOffset(41), SourceOffset(10), SourceOffset(30)).kind, Kind::kWait)
      << "a rewind re-records offsets the log held already";
  EXPECT_EQ(GateStore(SourceOffset(41), SourceOffset(35), SourceOffset(30)).next, SourceOffset(35));
}

// The task's composition: the recorder says what the log holds, the gate what is stored.
TEST(GateStore, AStoreNeverPassesAnEventTheLogHasNotAcknowledged) {
  std::vector<uint64_t> sent;
  offsets::OffsetSyncRecorder recorder([&](const offsets::OffsetSyncRun&, uint64_t seq) {
    sent.push_back(seq);
    return true;
  });
  const TopicPartition tp{"orders", Partition(0)};
  offsets::OffsetSyncRecorder::Slot* slot = recorder.Track(tp);
  std::optional<SourceOffset> stored;
  // Stores the pending record `pending` as the task's FlushStores would; the next offset
  // stored.
  auto flush = [&](int64_t pending) {
    const GatedStore g = GateStore(SourceOffset(pending), recorder.FirstUncovered(slot), stored);
    if (g.kind == Kind::kRecord) stored = SourceOffset(pending + 1);
    if (g.kind == Kind::kOffset) stored = g.next;
    return stored ? stored->value() : -1;
  };
  for (int i = 0; i < 100; ++i) recorder.Record(slot, SourceOffset(i), TargetOffset(i));
  EXPECT_EQ(flush(99), 0) << "nothing is in the log yet: the store stays at the first record";
  recorder.Flush();
  ASSERT_EQ(sent.size(), 1u);
  recorder.Acknowledged(sent[0], false);  // the log rejected it
  EXPECT_EQ(flush(99), 0);
  recorder.Flush();
  ASSERT_EQ(sent.size(), 2u) << "the rejected event is sent again";
  for (int i = 100; i < 150; ++i) recorder.Record(slot, SourceOffset(i), TargetOffset(i));
  recorder.Acknowledged(sent[1], true);
  EXPECT_EQ(flush(149), 100) << "up to what the acknowledged event covered, not what was mirrored since";
  recorder.Flush();
  recorder.Acknowledged(sent[2], true);
  EXPECT_EQ(flush(149), 150);
}

}  // namespace
}  // namespace kmirror::replication
