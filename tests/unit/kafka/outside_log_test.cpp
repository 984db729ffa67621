#include "kmirror/kafka/outside_log.h"

#include <gtest/gtest.h>

namespace kmirror::kafka {
namespace {

OutsideLog Decide(int64_t pos, int64_t low, int64_t high) {
  return DecideOutsideLog(SourceOffset(pos), SourceOffset(low), SourceOffset(high));
}

TEST(OutsideLog, BelowTheLogStartContinuesAtTheStart) {
  const OutsideLog d = Decide(100, 500, 900);
  EXPECT_EQ(d.kind, OutsideLog::Kind::kDeleted);
  EXPECT_EQ(d.resume_at, SourceOffset(500));
}

TEST(OutsideLog, BeyondTheLogEndContinuesAtTheEndNotTheStart) {
  // Unclean leader election: the new leader's log ends at 500, kmirror had mirrored to 900.
  const OutsideLog d = Decide(900, 0, 500);
  EXPECT_EQ(d.kind, OutsideLog::Kind::kTruncated);
  EXPECT_EQ(d.resume_at, SourceOffset(500));
  // Recreated empty: the log is [0, 0).
  EXPECT_EQ(Decide(900, 0, 0).resume_at, SourceOffset(0));
  // Truncated and then the log start moved too.
  EXPECT_EQ(Decide(900, 300, 500).resume_at, SourceOffset(500));
}

TEST(OutsideLog, InsideTheLogContinuesThere) {
  EXPECT_EQ(Decide(10, 10, 20).kind, OutsideLog::Kind::kInLog);
  EXPECT_EQ(Decide(20, 10, 20).resume_at, SourceOffset(20));
  EXPECT_EQ(Decide(15, 10, 20).resume_at, SourceOffset(15));
}

TEST(OutsideLog, NoPositionContinuesAtTheStart) {
  const OutsideLog d = Decide(-1001, 10, 20);
  EXPECT_EQ(d.kind, OutsideLog::Kind::kNoPosition);
  EXPECT_EQ(d.resume_at, SourceOffset(10));
}

}  // namespace
}  // namespace kmirror::kafka
