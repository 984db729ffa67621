#include "replication/undeliverable.h"

#include <gtest/gtest.h>

#include "replication/rewind_schedule.h"

namespace kmirror::replication {
namespace {

using kafka::DeliveryError;

TEST(ClassifyFailure, TransientErrorsAreRetriedAsBefore) {
  EXPECT_EQ(ClassifyFailure(DeliveryError::kRetriable, 1), FailureVerdict::kRetry);
  EXPECT_EQ(ClassifyFailure(DeliveryError::kRetriable, 500), FailureVerdict::kRetry);
  EXPECT_EQ(ClassifyFailure(DeliveryError::kOther, 1), FailureVerdict::kRetry);
  EXPECT_EQ(ClassifyFailure(DeliveryError::kNone, 1), FailureVerdict::kRetry);
}

TEST(ClassifyFailure, ARejectedBatchIsSplitNeverAReasonToStop) {
  EXPECT_EQ(ClassifyFailure(DeliveryError::kTooLarge, 2), FailureVerdict::kSplit);
  EXPECT_EQ(ClassifyFailure(DeliveryError::kTooLarge, 2000), FailureVerdict::kSplit);
  // One invalid record rejects its whole batch: split to find it.
  EXPECT_EQ(ClassifyFailure(DeliveryError::kInvalid, 30), FailureVerdict::kSplit);
}

TEST(ClassifyFailure, ARecordRejectedAloneIsUndeliverable) {
  EXPECT_EQ(ClassifyFailure(DeliveryError::kTooLarge, 1), FailureVerdict::kRecord);
  EXPECT_EQ(ClassifyFailure(DeliveryError::kInvalid, 1), FailureVerdict::kRecord);
}

TEST(ClassifyFailure, ARefusedTopicStopsWhateverTheBatch) {
  EXPECT_EQ(ClassifyFailure(DeliveryError::kNotAllowed, 1), FailureVerdict::kTopic);
  EXPECT_EQ(ClassifyFailure(DeliveryError::kNotAllowed, 100), FailureVerdict::kTopic);
}

TEST(BatchLimit, TheRemoteTopicsLimitCapsTheRequestBytes) {
  const RequestLimit task{900000, 10000};
  EXPECT_EQ(BatchLimit::ForTopic(task, 0).bytes, 900000) << "unknown: the task's";
  const RequestLimit small = BatchLimit::ForTopic(task, 2000);
  EXPECT_EQ(small.bytes, (2000 - kRecordBatchOverhead) * 9 / 10);
  EXPECT_LT(small.bytes + kRecordBatchOverhead, 2000);
  EXPECT_EQ(small.records, 10000);
  EXPECT_EQ(BatchLimit::ForTopic(task, 10'000'000).bytes, 900000) << "a larger topic limit does not raise it";
  EXPECT_GE(BatchLimit::ForTopic(task, 10).bytes, 1);
}

TEST(BatchLimit, ARecordOfTheCapFitsAloneAndTwoDoNot) {
  const RequestLimit l = BatchLimit::ForTopic({900000, 10000}, 2000);
  EXPECT_TRUE(l.Fits(0, 0, 5000)) << "the first record always goes, even over the cap";
  EXPECT_TRUE(l.Fits(0, 0, l.bytes));
  EXPECT_FALSE(l.Fits(l.bytes, 1, 1));
  EXPECT_FALSE(l.Fits(100, 1, l.bytes));
}

TEST(BatchLimit, SplitsHalveDownToOneRecordAndConverge) {
  BatchLimit b;
  const RequestLimit topic{1745, 10000};
  EXPECT_EQ(b.Get(topic).records, 10000);
  EXPECT_EQ(b.max_records(), 0);
  b.Split(23);
  EXPECT_EQ(b.Get(topic).records, 11);
  EXPECT_EQ(b.Get(topic).bytes, 1745);
  int rounds = 0;
  int64_t batch = b.Get(topic).records;
  while (ClassifyFailure(DeliveryError::kTooLarge, batch) == FailureVerdict::kSplit) {
    b.Split(batch);
    batch = b.Get(topic).records;
    ++rounds;
  }
  EXPECT_EQ(batch, 1) << "a record rejected alone is the record's fault";
  EXPECT_LE(rounds, 4);
  b.Split(1);
  EXPECT_EQ(b.Get(topic).records, 1) << "never zero";
}

TEST(HoldAt, ARewindThatIsNeverDueKeepsThePartitionWhereItStopped) {
  struct Part {};
  RewindSchedule<Part, int*> schedule;
  Part p;
  const auto now = std::chrono::steady_clock::now();
  // A rewind of a later record was pending; the stop takes its place, lowest offset, never due.
  (void)schedule.Request(&p, SourceOffset(20), now, nullptr);
  (void)schedule.Request(&p, SourceOffset(12), std::chrono::steady_clock::time_point::max(), nullptr);
  schedule.Retry(&p, std::chrono::steady_clock::time_point::max());
  EXPECT_FALSE(schedule.AnyDue(now + std::chrono::hours(24 * 365)));
  ASSERT_NE(schedule.Find(&p), nullptr);
  EXPECT_EQ(schedule.Find(&p)->offset, SourceOffset(12));
}

}  // namespace
}  // namespace kmirror::replication
