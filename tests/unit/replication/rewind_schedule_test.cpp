#include "replication/rewind_schedule.h"

#include <chrono>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace kmirror::replication {
namespace {

struct Part {};
struct Topic {};
using Schedule = RewindSchedule<Part, Topic*>;
using std::chrono::seconds;

class RewindScheduleTest : public ::testing::Test {
 protected:
  const Schedule::Clock::time_point t0_ = Schedule::Clock::now();
  Part a_, b_;
  Topic x_, y_;
  Schedule schedule_;
};

TEST_F(RewindScheduleTest, TheFirstRequestPausesLaterOnesMergeIntoTheLowestOffset) {
  EXPECT_TRUE(schedule_.empty());
  auto first = schedule_.Request(&a_, SourceOffset(10), t0_ + seconds(1), nullptr);
  EXPECT_TRUE(first.first) << "pause the partition";
  EXPECT_EQ(first.rewind.offset, SourceOffset(10));
  auto lower = schedule_.Request(&a_, SourceOffset(7), t0_ + seconds(5), nullptr);
  EXPECT_FALSE(lower.first);
  EXPECT_EQ(lower.rewind.offset, SourceOffset(7));
  EXPECT_EQ(lower.rewind.not_before, t0_ + seconds(1)) << "the first request's delay stands";
  auto higher = schedule_.Request(&a_, SourceOffset(12), t0_, nullptr);
  EXPECT_EQ(higher.rewind.offset, SourceOffset(7));
  ASSERT_NE(schedule_.Find(&a_), nullptr);
  EXPECT_EQ(schedule_.Find(&a_)->offset, SourceOffset(7));
  EXPECT_EQ(schedule_.Find(&b_), nullptr);
}

TEST_F(RewindScheduleTest, TheLatestTopicToRefreshIsKept) {
  (void)schedule_.Request(&a_, SourceOffset(5), t0_, &x_);
  EXPECT_EQ(schedule_.Request(&a_, SourceOffset(6), t0_, nullptr).rewind.refresh_topic, &x_);
  EXPECT_EQ(schedule_.Request(&a_, SourceOffset(6), t0_, &y_).rewind.refresh_topic, &y_);
  EXPECT_EQ(schedule_.Request(&b_, SourceOffset(1), t0_, nullptr).rewind.refresh_topic, nullptr);
}

TEST_F(RewindScheduleTest, DueRewindsRetriesAndDone) {
  (void)schedule_.Request(&a_, SourceOffset(1), t0_ + seconds(1), nullptr);
  (void)schedule_.Request(&b_, SourceOffset(2), t0_ + seconds(3), nullptr);
  std::vector<std::pair<Part*, Schedule::Rewind>> due;
  EXPECT_FALSE(schedule_.AnyDue(t0_));
  schedule_.Due(t0_, &due);
  EXPECT_TRUE(due.empty());

  EXPECT_TRUE(schedule_.AnyDue(t0_ + seconds(1)));
  schedule_.Due(t0_ + seconds(2), &due);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].first, &a_);
  EXPECT_EQ(due[0].second.offset, SourceOffset(1));

  schedule_.Retry(&a_, t0_ + seconds(5));  // the seek failed
  schedule_.Due(t0_ + seconds(4), &due);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].first, &b_);
  schedule_.Done(&b_);

  schedule_.Due(t0_ + seconds(5), &due);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].first, &a_);
  schedule_.Done(&a_);
  EXPECT_TRUE(schedule_.empty());
  EXPECT_TRUE(schedule_.Request(&a_, SourceOffset(9), t0_, nullptr).first) << "a new rewind pauses again";
}

TEST_F(RewindScheduleTest, AGivenUpPartitionsRewindIsDropped) {
  (void)schedule_.Request(&a_, SourceOffset(1), t0_, nullptr);
  schedule_.Done(&a_);
  schedule_.Done(&b_);  // none pending: nothing happens
  EXPECT_TRUE(schedule_.empty());
  EXPECT_FALSE(schedule_.AnyDue(t0_ + seconds(10)));
}

TEST(PauseReasons, LibrdkafkaIsToldOnTheFirstReasonAndWhenTheLastGoes) {
  PauseReasons p;
  EXPECT_FALSE(p.any());
  EXPECT_TRUE(p.Add(PauseReasons::kRewind)) << "pause now";
  EXPECT_FALSE(p.Add(PauseReasons::kRewind)) << "already paused";
  EXPECT_TRUE(p.any());
  EXPECT_TRUE(p.Remove(PauseReasons::kRewind)) << "resume now";
  EXPECT_FALSE(p.any());
  EXPECT_FALSE(p.Remove(PauseReasons::kRewind)) << "never resume what is not paused";
}

TEST(PauseReasons, APartitionAssignedAfreshIsNotResumed) {
  PauseReasons p;
  ASSERT_TRUE(p.Add(PauseReasons::kRewind));
  p.Clear();  // assigned afresh: librdkafka no longer has it paused
  EXPECT_FALSE(p.Remove(PauseReasons::kRewind)) << "resuming would lose its prefetch";
}

}  // namespace
}  // namespace kmirror::replication
