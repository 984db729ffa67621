#include "kmirror/offsets/offset_sync_recorder.h"

#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

#include <gtest/gtest.h>

// Counts heap allocations of the whole test binary so a test can pin "extending a run does
// not allocate". Replacing global operator new is allowed once per program; this file is
// the only one that does it.
namespace {
std::atomic<size_t> g_allocations{0};
}  // namespace

void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace kmirror::offsets {
namespace {

// A copy of an emission (the callback's TopicPartition pointer is only valid during it).
struct Emitted {
  TopicPartition tp;
  int64_t s0, t0, count;
  bool reset;
  int64_t log_start;
  bool closed;
};

class RecorderTest : public ::testing::Test {
 protected:
  RecorderTest()
      : recorder_([this](const OffsetSyncRun& r) {
          out_.push_back({*r.partition, r.first_source.value(), r.first_target.value(), r.count, r.reset,
                          r.source_log_start.value(), r.closed});
        }) {}

  void Rec(const TopicPartition& tp, int64_t s, int64_t t) { recorder_.Record(tp, SourceOffset(s), TargetOffset(t)); }

  const TopicPartition a_{"orders", Partition(0)};
  const TopicPartition b_{"orders", Partition(1)};
  std::vector<Emitted> out_;
  OffsetSyncRecorder recorder_;
};

TEST_F(RecorderTest, ContiguousRecordsFormOneRunEmittedOnFlush) {
  for (int i = 0; i < 5; ++i) Rec(a_, 100 + i, 7 + i);
  EXPECT_TRUE(out_.empty()) << "an open run is only emitted by Flush";
  recorder_.Flush();
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_EQ(out_[0].tp, a_);
  EXPECT_EQ(out_[0].s0, 100);
  EXPECT_EQ(out_[0].t0, 7);
  EXPECT_EQ(out_[0].count, 5);
  EXPECT_FALSE(out_[0].reset);
  EXPECT_FALSE(out_[0].closed);
  EXPECT_EQ(out_[0].log_start, -1);
}

TEST_F(RecorderTest, OpenRunIsReEmittedWithTheSameStartOnlyWhenItGrew) {
  Rec(a_, 0, 0);
  Rec(a_, 1, 1);
  recorder_.Flush();
  recorder_.Flush();  // unchanged: nothing new
  ASSERT_EQ(out_.size(), 1u);
  Rec(a_, 2, 2);
  recorder_.Flush();
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_EQ(out_[1].s0, 0);
  EXPECT_EQ(out_[1].t0, 0);
  EXPECT_EQ(out_[1].count, 3) << "the whole run again, not a delta: readers upsert by first offset";
}

TEST_F(RecorderTest, SourceGapClosesTheRun) {
  Rec(a_, 10, 0);
  Rec(a_, 11, 1);
  Rec(a_, 14, 2);  // 12, 13 compacted away (or a transaction marker, or filtered)
  ASSERT_EQ(out_.size(), 1u) << "the closed run is emitted at once";
  EXPECT_EQ(out_[0].s0, 10);
  EXPECT_EQ(out_[0].count, 2);
  EXPECT_TRUE(out_[0].closed);
  recorder_.Flush();
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_EQ(out_[1].s0, 14);
  EXPECT_EQ(out_[1].t0, 2);
  EXPECT_EQ(out_[1].count, 1);
  EXPECT_FALSE(out_[1].reset) << "a forward gap is not a reset";
}

TEST_F(RecorderTest, TargetGapClosesTheRun) {
  Rec(a_, 0, 50);
  Rec(a_, 1, 52);  // something else landed on the target in between
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_EQ(out_[0].count, 1);
  recorder_.Flush();
  EXPECT_EQ(out_[1].s0, 1);
  EXPECT_EQ(out_[1].t0, 52);
}

TEST_F(RecorderTest, AClosedRunAlreadyFlushedIsNotEmittedAgain) {
  Rec(a_, 0, 0);
  Rec(a_, 1, 1);
  recorder_.Flush();
  Rec(a_, 5, 2);  // closes [0, 2), which the log already has in full
  ASSERT_EQ(out_.size(), 1u);
}

TEST_F(RecorderTest, SourceGoingBackwardsStartsAResetRun) {
  for (int i = 0; i < 10; ++i) Rec(a_, i, i);
  recorder_.Flush();
  // A rewind re-sends from source offset 4; the copies land after the first ones.
  Rec(a_, 4, 10);
  Rec(a_, 5, 11);
  recorder_.Flush();
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_EQ(out_[1].s0, 4);
  EXPECT_EQ(out_[1].t0, 10);
  EXPECT_EQ(out_[1].count, 2);
  EXPECT_TRUE(out_[1].reset);
  Rec(a_, 6, 12);
  recorder_.Flush();
  EXPECT_TRUE(out_[2].reset) << "every re-send of a reset run keeps the flag";
  EXPECT_EQ(out_[2].count, 3);
  Rec(a_, 9, 13);  // forward again: no reset
  recorder_.Flush();
  EXPECT_FALSE(out_.back().reset);
}

TEST_F(RecorderTest, ATruncatedSourceContinuingAtItsLogEndIsAReset) {
  // Issue 15, defect 6: 0..899 mirrored, the source truncated to [0, 500); the task continues
  // at 500, whose new records supersede what the log said about 500.. (flow_task HandleEvent).
  for (int i = 0; i < 900; ++i) Rec(a_, i, i);
  recorder_.Flush();
  Rec(a_, 500, 900);
  recorder_.Flush();
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_EQ(out_[1].s0, 500);
  EXPECT_EQ(out_[1].t0, 900);
  EXPECT_TRUE(out_[1].reset);
}

TEST_F(RecorderTest, RepeatingTheLastOffsetIsAReset) {
  Rec(a_, 7, 0);
  recorder_.Flush();
  Rec(a_, 7, 1);
  recorder_.Flush();
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_TRUE(out_[1].reset);
}

TEST_F(RecorderTest, PartitionsAreIndependent) {
  Rec(a_, 0, 0);
  Rec(b_, 0, 0);
  Rec(a_, 1, 1);
  Rec(b_, 1, 1);
  EXPECT_TRUE(out_.empty());
  recorder_.Flush();
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_EQ(out_[0].count, 2);
  EXPECT_EQ(out_[1].count, 2);
  EXPECT_NE(out_[0].tp, out_[1].tp);
}

TEST_F(RecorderTest, SourceLogStartRidesOnTheNextEmissionOrAlone) {
  recorder_.NoteSourceLogStart(a_, SourceOffset(500));
  recorder_.Flush();
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_EQ(out_[0].count, 0) << "no run yet: an event with only the partition's facts";
  EXPECT_EQ(out_[0].log_start, 500);
  Rec(a_, 500, 0);
  recorder_.NoteSourceLogStart(a_, SourceOffset(400));  // older knowledge: ignored
  recorder_.Flush();
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_EQ(out_[1].count, 1);
  EXPECT_EQ(out_[1].log_start, 500);
  recorder_.NoteSourceLogStart(a_, SourceOffset(501));
  recorder_.Flush();
  ASSERT_EQ(out_.size(), 3u) << "a new log start re-sends the (unchanged) open run with it";
  EXPECT_EQ(out_[2].s0, 500);
  EXPECT_EQ(out_[2].count, 1);
  EXPECT_EQ(out_[2].log_start, 501);
}

TEST_F(RecorderTest, ForgetEmitsAndDropsThePartition) {
  Rec(a_, 0, 0);
  Rec(a_, 1, 1);
  recorder_.Forget(a_);
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_TRUE(out_[0].closed);
  EXPECT_EQ(recorder_.size(), 0u);
  Rec(a_, 0, 2);  // reassigned later: no memory of the past, so no reset
  recorder_.Flush();
  EXPECT_FALSE(out_.back().reset);
}

TEST_F(RecorderTest, ExtendingARunDoesNotAllocate) {
  OffsetSyncRecorder::Slot* slot = recorder_.Track(a_);
  Rec(a_, 0, 0);  // warm up: the slot exists, the run is open
  const size_t before = g_allocations.load();
  for (int i = 1; i < 10000; ++i) recorder_.Record(slot, SourceOffset(i), TargetOffset(i));  // by slot
  for (int i = 10000; i < 20000; ++i) Rec(a_, i, i);                                         // by name
  EXPECT_EQ(g_allocations.load(), before);
  recorder_.Flush();
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_EQ(out_[0].count, 20000);
}

}  // namespace
}  // namespace kmirror::offsets
