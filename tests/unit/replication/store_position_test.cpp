#include "replication/store_position.h"

#include "test_records.h"

#include <memory>
#include <optional>

#include <gtest/gtest.h>

namespace kmirror::replication {
namespace {

using testing::Msg;

constexpr std::optional<SourceOffset> kNoRewind;

// The offset pending for the next flush, or -1; takes it.
int64_t Pending(StorePosition<Msg>& p) {
  Msg m = p.TakePending();
  return m ? m.offset().value() : -1;
}

TEST(StorePosition, AnAcknowledgedRecordIsListedOncePerFlush) {
  StorePosition<Msg> p;
  EXPECT_TRUE(p.Acked(Msg(5), kNoRewind, true)) << "list the partition for the next flush";
  EXPECT_FALSE(p.Acked(Msg(6), kNoRewind, false)) << "already listed";
  EXPECT_EQ(Pending(p), 6);
  EXPECT_EQ(Pending(p), -1);
  EXPECT_TRUE(p.Acked(Msg(7), kNoRewind, false)) << "listed again after the flush";
  EXPECT_EQ(Pending(p), 7);
}

TEST(StorePosition, AcknowledgementsOutOfOrderNeverMoveThePositionBack) {
  StorePosition<Msg> p;
  (void)p.Acked(Msg(9), kNoRewind, true);
  (void)p.Acked(Msg(4), kNoRewind, true);
  EXPECT_EQ(Pending(p), 9);
}

TEST(StorePosition, ASkippedRecordWithNothingOutstandingIsStoredAtOnce) {
  StorePosition<Msg> p;
  EXPECT_TRUE(p.Skipped(Msg(3), false));
  EXPECT_EQ(Pending(p), 3);
}

TEST(StorePosition, ASkippedRecordWaitsForTheRecordsBeforeIt) {
  StorePosition<Msg> p;
  EXPECT_FALSE(p.Skipped(Msg(3), true)) << "1 and 2 are in flight";
  EXPECT_TRUE(p.Acked(Msg(1), kNoRewind, true));
  EXPECT_EQ(Pending(p), 1);
  EXPECT_TRUE(p.Acked(Msg(2), kNoRewind, false)) << "the last one outstanding";
  EXPECT_EQ(Pending(p), 3) << "the skipped record's offset follows";
  EXPECT_TRUE(p.Acked(Msg(4), kNoRewind, false)) << "flushed: listed again";
}

TEST(StorePosition, ALateAcknowledgementDoesNotPassAPendingRewind) {
  StorePosition<Msg> p;
  (void)p.Acked(Msg(1), kNoRewind, true);
  EXPECT_FALSE(p.Acked(Msg(3), SourceOffset(2), true)) << "2 will be re-read";
  EXPECT_FALSE(p.Acked(Msg(2), SourceOffset(2), true));
  EXPECT_EQ(Pending(p), 1);
}

TEST(StorePosition, ASkippedRecordAtOrAfterARewindIsNotStored) {
  StorePosition<Msg> p;
  EXPECT_FALSE(p.Skipped(Msg(5), true));
  EXPECT_TRUE(p.Acked(Msg(1), SourceOffset(3), false));
  EXPECT_EQ(Pending(p), 1);
  (void)p.Acked(Msg(2), kNoRewind, false);
  EXPECT_EQ(Pending(p), 2) << "the skipped record was forgotten with the rewind";
}

TEST(StorePosition, AFailedDeliveryForgetsTheSkippedRecord) {
  StorePosition<Msg> p;
  EXPECT_FALSE(p.Skipped(Msg(5), true));
  p.Failed();
  (void)p.Acked(Msg(4), kNoRewind, false);
  EXPECT_EQ(Pending(p), 4);
}

TEST(StorePosition, ASkippedRecordBeforeTheAcknowledgedOneIsNotStored) {
  StorePosition<Msg> p;
  EXPECT_FALSE(p.Skipped(Msg(2), true));
  (void)p.Acked(Msg(3), kNoRewind, false);
  EXPECT_EQ(Pending(p), 3);
}

TEST(StorePosition, AGivenUpPartitionStoresNothingOfItsEndedOwnership) {
  StorePosition<Msg> p;
  (void)p.Acked(Msg(5), kNoRewind, true);
  (void)p.Skipped(Msg(9), true);  // waits for the records before it
  p.Reset();
  EXPECT_EQ(Pending(p), -1) << "the pending store is dropped";
  EXPECT_TRUE(p.Acked(Msg(2), kNoRewind, false)) << "the next ownership starts afresh";
  EXPECT_EQ(Pending(p), 2) << "the skipped record of the ended ownership is not stored";
}

}  // namespace
}  // namespace kmirror::replication
