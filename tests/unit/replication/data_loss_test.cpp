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

TEST(DataLoss, APositionBeyondTheLogEndIsATruncationThatContinuesAtTheLogEnd) {
  const DataLossReport r = DescribeDataLoss("A->B#0", kOrders3, SourceOffset(900), Range(0, 500), "A", "B");
  EXPECT_EQ(r.kind, DataLossReport::Kind::kTruncated);
  EXPECT_TRUE(r.loss);
  EXPECT_EQ(r.lost, 0u);  // nothing unmirrored is known to be lost
  EXPECT_EQ(r.truncated, 400u);
  EXPECT_EQ(r.first_lost, SourceOffset(500));
  EXPECT_EQ(r.last_lost, SourceOffset(899));
  EXPECT_EQ(r.resume_at, SourceOffset(500));  // not the log start: nothing is mirrored again
  EXPECT_EQ(r.log_line,
            "A->B#0: DATA LOSS: orders-3 offsets 500..899 (400 records) were mirrored to B but are no longer on A: "
            "the partition was truncated (unclean leader election, or the topic deleted and created again); B "
            "keeps its copies; continuing from offset 500, the end of the source log [0, 500) (a record written "
            "there after the truncation and before now, with an offset below 500, cannot be told from a mirrored "
            "one and is not mirrored)");
}

TEST(DataLoss, APositionBelowTheLogStartContinuesAtTheLogStart) {
  const DataLossReport r = DescribeDataLoss("A->B#0", kOrders3, SourceOffset(100), Range(500, 900), "A", "B");
  EXPECT_EQ(r.resume_at, SourceOffset(500));
  EXPECT_TRUE(r.loss);
}

TEST(DataLoss, ANegativePositionContinuesAtTheLogStart) {
  const DataLossReport r = DescribeDataLoss("A->B#0", kOrders3, SourceOffset(-1), Range(10, 20), "A", "B");
  EXPECT_EQ(r.kind, DataLossReport::Kind::kNoPosition);
  EXPECT_EQ(r.lost, 0u);
  EXPECT_EQ(r.resume_at, SourceOffset(10));
}

TEST(DataLoss, APositionInsideTheLogIsNoLoss) {
  for (int64_t pos : {10, 15, 20}) {  // the log end itself is where the next record goes
    const DataLossReport r = DescribeDataLoss("A->B#0", kOrders3, SourceOffset(pos), Range(10, 20), "A", "B");
    EXPECT_EQ(r.kind, DataLossReport::Kind::kInLog) << pos;
    EXPECT_FALSE(r.loss);
    EXPECT_EQ(r.resume_at, SourceOffset(pos));
    EXPECT_EQ(r.log_line.find("DATA LOSS"), std::string::npos);
  }
}

TEST(DataLoss, AnUnknownLogRangeIsRetried) {
  const DataLossReport r = DescribeDataLoss("A->B#1", kOrders3, SourceOffset(7), std::nullopt, "A", "B");
  EXPECT_EQ(r.kind, DataLossReport::Kind::kRangeUnknown);
  EXPECT_EQ(r.lost, 0u);
  EXPECT_EQ(r.resume_at, SourceOffset(7));
  EXPECT_EQ(r.log_line,
            "A->B#1: DATA LOSS: orders-3 position 7 is no longer on A, and its log range is unknown; retrying");
}

}  // namespace
}  // namespace kmirror::replication
