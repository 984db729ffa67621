#include "kmirror/offsets/offset_sync_recorder.h"

#include <atomic>
#include <cstdlib>
#include <new>
#include <optional>
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
  bool target_restart;
};

class RecorderTest : public ::testing::Test {
 protected:
  RecorderTest()
      : recorder_([this](const OffsetSyncRun& r) {
          out_.push_back({*r.partition, r.first_source.value(), r.first_target.value(), r.count, r.reset,
                          r.source_log_start.value(), r.closed, r.target_restart});
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

TEST_F(RecorderTest, ATargetRestartFlagsTheNextRunOnlyAndNeverExtendsTheOldOne) {
  for (int i = 0; i < 5; ++i) Rec(a_, 10 + i, 100 + i);
  recorder_.Flush();
  recorder_.NoteTargetRestart(a_);  // the remote topic was recreated; re-read from 15 (say)
  // Even a record that would extend the old run (15 -> 105) opens the restart run.
  Rec(a_, 15, 105);
  Rec(a_, 16, 106);
  recorder_.Flush();
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_EQ(out_[0].s0, 10);
  EXPECT_EQ(out_[0].count, 5);
  EXPECT_FALSE(out_[0].target_restart);
  EXPECT_EQ(out_[1].s0, 15) << "a run of its own, not the old one extended";
  EXPECT_EQ(out_[1].count, 2);
  EXPECT_TRUE(out_[1].target_restart);
  Rec(a_, 20, 107);  // a source gap: a new run, no longer a restart
  recorder_.Flush();
  EXPECT_FALSE(out_.back().target_restart);
  EXPECT_EQ(out_.back().s0, 20);
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

// The log as the record of truth: emissions are only written once acknowledged.
class AckedRecorderTest : public ::testing::Test {
 protected:
  struct Sent {
    uint64_t seq;
    int64_t s0, count;
    bool reset;
  };
  AckedRecorderTest()
      : recorder_([this](const OffsetSyncRun& r, uint64_t seq) {
          if (!accept_) return false;
          sent_.push_back({seq, r.first_source.value(), r.count, r.reset});
          return true;
        }) {}
  void Rec(int64_t s, int64_t t) { recorder_.Record(slot_, SourceOffset(s), TargetOffset(t)); }
  std::optional<int64_t> Uncovered() const {
    auto u = recorder_.FirstUncovered(slot_);
    return u ? std::optional<int64_t>(u->value()) : std::nullopt;
  }

  const TopicPartition a_{"orders", Partition(0)};
  bool accept_ = true;
  std::vector<Sent> sent_;
  OffsetSyncRecorder recorder_;
  OffsetSyncRecorder::Slot* slot_ = recorder_.Track(a_);
};

TEST_F(AckedRecorderTest, NothingIsCoveredUntilTheLogAcknowledges) {
  EXPECT_EQ(Uncovered(), std::nullopt) << "nothing recorded";
  for (int i = 0; i < 5; ++i) Rec(100 + i, i);
  EXPECT_EQ(Uncovered(), 100);
  recorder_.Flush();
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(Uncovered(), 100) << "sent is not written";
  Rec(105, 5);
  recorder_.Acknowledged(sent_[0].seq, true);
  EXPECT_EQ(Uncovered(), 105) << "the ack covers the count it carried, not the run's growth since";
  recorder_.Flush();
  recorder_.Acknowledged(sent_[1].seq, true);
  EXPECT_EQ(Uncovered(), std::nullopt);
  EXPECT_EQ(recorder_.in_flight(), 0u);
}

TEST_F(AckedRecorderTest, AFailedEventIsSentAgainAndNeverCounted) {
  for (int i = 0; i < 3; ++i) Rec(i, i);
  recorder_.Flush();
  recorder_.Acknowledged(sent_[0].seq, false);
  EXPECT_EQ(Uncovered(), 0);
  recorder_.Flush();
  ASSERT_EQ(sent_.size(), 2u) << "unchanged, but not written: sent again";
  EXPECT_EQ(sent_[1].count, 3);
  recorder_.Acknowledged(sent_[0].seq, true);  // a repeated outcome is ignored
  EXPECT_EQ(Uncovered(), 0);
  recorder_.Acknowledged(sent_[1].seq, true);
  EXPECT_EQ(Uncovered(), std::nullopt);
  recorder_.Flush();
  EXPECT_EQ(sent_.size(), 2u) << "written: not sent again";
}

TEST_F(AckedRecorderTest, AnEventNotSentStaysDueAndClosedRunsWaitInOrder) {
  accept_ = false;  // the log does not exist yet, or the producer's queue is full
  Rec(0, 0);
  Rec(1, 1);
  Rec(10, 2);  // closes [0, 2): not sent either
  Rec(20, 3);  // closes [10, 11)
  recorder_.Flush();
  EXPECT_TRUE(sent_.empty());
  EXPECT_EQ(Uncovered(), 0);
  accept_ = true;
  recorder_.Flush();
  ASSERT_EQ(sent_.size(), 3u);
  EXPECT_EQ(sent_[0].s0, 0);
  EXPECT_EQ(sent_[1].s0, 10);
  EXPECT_EQ(sent_[2].s0, 20);
  recorder_.Acknowledged(sent_[1].seq, true);
  EXPECT_EQ(Uncovered(), 0) << "a later run's ack does not cover an earlier one";
  recorder_.Acknowledged(sent_[0].seq, true);
  EXPECT_EQ(Uncovered(), 20);
  recorder_.Acknowledged(sent_[2].seq, true);
  EXPECT_EQ(Uncovered(), std::nullopt);
}

TEST_F(AckedRecorderTest, AFailedRunIsSentAgainBeforeEveryLaterRun) {
  for (int i = 0; i < 10; ++i) Rec(i, i);
  recorder_.Flush();  // [0, 10) seq A
  Rec(4, 10);         // a rewind: reset run at 4, closes [0, 10) (already sent)
  recorder_.Flush();  // [4, 5) reset, seq B
  Rec(20, 11);        // closes the reset run (already sent in full)
  recorder_.Flush();  // [20, 21) seq C
  ASSERT_EQ(sent_.size(), 3u);
  recorder_.Acknowledged(sent_[0].seq, true);
  recorder_.Acknowledged(sent_[1].seq, false);  // the reset run was not written
  recorder_.Acknowledged(sent_[2].seq, true);   // written before the reset run's re-send
  EXPECT_EQ(Uncovered(), 4);
  recorder_.Flush();
  ASSERT_EQ(sent_.size(), 5u) << "the reset run and the run after it, in that order";
  EXPECT_EQ(sent_[3].s0, 4);
  EXPECT_TRUE(sent_[3].reset);
  EXPECT_EQ(sent_[4].s0, 20);
  recorder_.Acknowledged(sent_[3].seq, true);
  EXPECT_EQ(Uncovered(), 20) << "the ack that came before the re-sent reset run does not count";
  recorder_.Acknowledged(sent_[4].seq, true);
  EXPECT_EQ(Uncovered(), std::nullopt);
}

}  // namespace
}  // namespace kmirror::offsets
