#include "replication/fetcher_wakeup.h"

#include <gtest/gtest.h>

namespace kmirror::replication {
namespace {

constexpr int64_t kPrefetchBytes = 1000 * 1024;
constexpr int64_t kPrefetchRecords = 1000;
constexpr size_t kFullBatch = 2000;

TEST(FetcherWakeup, AQueueBelowThreeQuartersOfBothThresholdsNeverWakes) {
  FetcherWakeup w(kPrefetchBytes, kPrefetchRecords, kFullBatch);
  EXPECT_FALSE(w.Observe(749, 500, 0, 0)) << "749 x 1024 bytes (the first estimate) and 749 records";
  EXPECT_FALSE(w.Observe(0, 10, 0, 0));
}

TEST(FetcherWakeup, NearTheRecordThresholdThenDrainedWakesOnce) {
  FetcherWakeup w(int64_t{1} << 40, kPrefetchRecords, kFullBatch);
  EXPECT_FALSE(w.Observe(750, kFullBatch, 10, 100)) << "3/4 of queued.min.messages: near";
  EXPECT_TRUE(w.Observe(0, 10, 10, 100)) << "drained: wake";
  EXPECT_FALSE(w.Observe(0, 10, 10, 100)) << "once per time near the threshold";
}

TEST(FetcherWakeup, NearTheByteThresholdByTheAverageRecordInFlight) {
  FetcherWakeup w(kPrefetchBytes, int64_t{1} << 40, kFullBatch);
  // 2 KiB records in flight: 375 queued are 3/4 of 1000 KiB.
  EXPECT_FALSE(w.Observe(374, 100, 10, 10 * 2048));
  EXPECT_FALSE(w.Observe(0, 10, 10, 10 * 2048)) << "374 was not near";
  EXPECT_FALSE(w.Observe(375, 100, 10, 10 * 2048));
  EXPECT_TRUE(w.Observe(0, 10, 0, 0)) << "near, then drained";
}

TEST(FetcherWakeup, TheAverageRecordKeepsItsLastEstimateWhileNothingIsInFlight) {
  FetcherWakeup w(kPrefetchBytes, int64_t{1} << 40, kFullBatch);
  EXPECT_FALSE(w.Observe(0, 10, 4, 4 * 4096));  // 4 KiB records
  EXPECT_FALSE(w.Observe(188, 10, 0, 0));       // 188 x 4 KiB >= 750 KiB: near
  EXPECT_TRUE(w.Observe(0, 10, 0, 0));
}

TEST(FetcherWakeup, TheQueueMustBeDrainedFirst) {
  FetcherWakeup w(kPrefetchBytes, kPrefetchRecords, kFullBatch);
  ASSERT_FALSE(w.Observe(900, kFullBatch, 0, 0));
  EXPECT_FALSE(w.Observe(5, 100, 0, 0)) << "records still queued";
  EXPECT_FALSE(w.Observe(0, kFullBatch, 0, 0)) << "a full batch: more may be queued";
  EXPECT_TRUE(w.Observe(0, kFullBatch - 1, 0, 0));
}

TEST(FetcherWakeup, SeeksPartitionsWithAKnownPositionThatAreNotPaused) {
  EXPECT_EQ(FetcherWakeup::SeekTarget(SourceOffset(42), false), SourceOffset(42));
  EXPECT_EQ(FetcherWakeup::SeekTarget(SourceOffset(42), true), std::nullopt) << "paused for a rewind";
  EXPECT_EQ(FetcherWakeup::SeekTarget(std::nullopt, false), std::nullopt) << "no record since the assignment";
}

}  // namespace
}  // namespace kmirror::replication
