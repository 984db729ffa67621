#include "replication/data_loss.h"

#include <gtest/gtest.h>

namespace kmirror::replication {
namespace {

const TopicPartition kOrders3{"orders", Partition(3)};

kafka::Watermarks Range(int64_t low, int64_t high) { return {SourceOffset(low), SourceOffset(high)}; }

TEST(DataLoss, APositionBelowTheLogStartLostTheRecordsInBetween) {
  const DataLossReport r = DescribeDataLoss("A->B#0", kOrders3, SourceOffset(100), Range(500, 900), "A", "B");
  EXPECT_EQ(r.kind, DataLossReport::Kind::kDeleted);
  EXPECT_EQ(r.first_lost, SourceOffset(100));
  EXPECT_EQ(r.last_lost, SourceOffset(499));
  EXPECT_EQ(r.lost, 400u);
  // The line docs/architecture.md shows.
  EXPECT_EQ(r.log_line,
            "A->B#0: DATA LOSS: orders-3 offsets 100..499 (400 records) were deleted on A (retention or "
            "delete-records) before they were mirrored to B; continuing from offset 500");
}

TEST(DataLoss, APositionBeyondTheLogEndIsATruncationNothingCountedLost) {
  const DataLossReport r = DescribeDataLoss("A->B#0", kOrders3, SourceOffset(900), Range(0, 500), "A", "B");
  EXPECT_EQ(r.kind, DataLossReport::Kind::kOutsideLog);
  EXPECT_EQ(r.lost, 0u);
  EXPECT_EQ(r.log_line,
            "A->B#0: DATA LOSS: orders-3 position 900 is outside the source log [0, 500): the partition was "
            "truncated or the topic recreated on A; continuing from offset 0 (records from there may already be "
            "on B)");
}

TEST(DataLoss, ANegativePositionIsOutsideTheLog) {
  const DataLossReport r = DescribeDataLoss("A->B#0", kOrders3, SourceOffset(-1), Range(10, 20), "A", "B");
  EXPECT_EQ(r.kind, DataLossReport::Kind::kOutsideLog);
  EXPECT_EQ(r.lost, 0u);
}

TEST(DataLoss, AnUnknownLogRangeIsRetried) {
  const DataLossReport r = DescribeDataLoss("A->B#1", kOrders3, SourceOffset(7), std::nullopt, "A", "B");
  EXPECT_EQ(r.kind, DataLossReport::Kind::kRangeUnknown);
  EXPECT_EQ(r.lost, 0u);
  EXPECT_EQ(r.log_line,
            "A->B#1: DATA LOSS: orders-3 position 7 is no longer on A, and its log range is unknown; retrying");
}

}  // namespace
}  // namespace kmirror::replication
