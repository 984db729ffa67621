#include "replication/produce_window.h"

#include "test_records.h"

#include <chrono>
#include <memory>
#include <optional>
#include <type_traits>
#include <vector>

#include <gtest/gtest.h>

#include "replication/rewind_schedule.h"
#include "replication/store_position.h"

namespace kmirror::replication {
namespace {

// A held record as the window sees it; move-only like the task's (the payload pointer
// stands for the consumed message, which is never copied).
struct Rec {
  int64_t off = 0;
  int64_t bytes = 0;
  int64_t wire_bytes = 0;
  std::unique_ptr<int64_t> payload;
  SourceOffset offset() const { return SourceOffset(off); }
};
static_assert(!std::is_copy_constructible_v<Rec>);

Rec R(int64_t off, int64_t wire = 100) { return Rec{off, wire - 30, wire, std::make_unique<int64_t>(off)}; }

using Window = PartitionWindow<Rec>;

// Admits a record in `round` and, when admitted, "sends" it.
bool Offer(Window& w, uint64_t round, const RequestLimit& limit, int64_t wire = 100) {
  if (!w.Admit(round, wire, limit)) return false;
  w.Sent();
  return true;
}

// The offsets of a release of `w` (after its BeginRelease).
std::vector<int64_t> Release(Window& w, const RequestLimit& limit) {
  std::vector<int64_t> out;
  while (auto r = w.NextRelease(limit)) {
    EXPECT_EQ(*r->payload, r->off) << "the record's payload travels with it";
    out.push_back(r->off);
  }
  return out;
}

constexpr RequestLimit kLimit{1000, 10};  // one request: 1000 wire bytes or 10 records

TEST(RequestLimit, FirstRecordAlwaysFitsThenBytesAndRecordsBound) {
  EXPECT_TRUE(kLimit.Fits(0, 0, 5000)) << "a record larger than a request still goes";
  EXPECT_TRUE(kLimit.Fits(900, 9, 100)) << "exactly at the byte limit";
  EXPECT_FALSE(kLimit.Fits(900, 9, 101));
  EXPECT_FALSE(kLimit.Fits(100, 10, 1)) << "the record limit";
  EXPECT_TRUE(RequestLimit::Unlimited().Fits(int64_t{1} << 40, 1 << 30, int64_t{1} << 40));
}

TEST(PartitionWindow, FirstRecordOpensTheRoundsWindowEvenWhenLargerThanARequest) {
  Window w;
  EXPECT_TRUE(Offer(w, 1, kLimit, 5000));
  EXPECT_EQ(w.in_flight(), 1);
  EXPECT_FALSE(w.Admit(1, 1, kLimit)) << "the window is full";
}

TEST(PartitionWindow, WindowFullByBytes) {
  Window w;
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(Offer(w, 1, kLimit, 250)) << i;
  EXPECT_FALSE(w.Admit(1, 1, kLimit)) << "1000 bytes: one request's worth";
  EXPECT_EQ(w.in_flight(), 4);
}

TEST(PartitionWindow, WindowFullByRecords) {
  Window w;
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(Offer(w, 1, kLimit, 1)) << i;
  EXPECT_FALSE(w.Admit(1, 1, kLimit)) << "10 records: one request's worth";
}

TEST(PartitionWindow, RecordsOfALaterRoundWaitForTheBatchInFlight) {
  Window w;
  ASSERT_TRUE(Offer(w, 1, kLimit));
  ASSERT_TRUE(Offer(w, 1, kLimit));
  EXPECT_FALSE(w.Admit(2, 100, kLimit)) << "the previous round's batch is in flight";
  EXPECT_FALSE(w.Hold(R(2))) << "its delivery reports will queue the release";
  EXPECT_FALSE(w.Admit(2, 100, kLimit)) << "behind the held record";
  EXPECT_FALSE(w.Acked()) << "one record of the batch still in flight";
  EXPECT_TRUE(w.Acked()) << "the batch is complete and a record is held: release it";
  EXPECT_FALSE(w.Admit(3, 100, kLimit)) << "nothing in flight, but a held record comes first";
}

TEST(PartitionWindow, ARecordHeldWithNothingInFlightAsksForItsReleaseAtOnce) {
  // The round's window filled and was acknowledged within the same round: no delivery
  // report is left to queue the held record.
  Window w;
  const RequestLimit two{1000, 2};
  ASSERT_TRUE(Offer(w, 7, two));
  ASSERT_TRUE(Offer(w, 7, two));
  EXPECT_FALSE(w.Acked());
  EXPECT_FALSE(w.Acked()) << "nothing held yet";
  EXPECT_TRUE(w.idle());
  ASSERT_FALSE(w.Admit(7, 100, two)) << "this round's window is full";
  EXPECT_TRUE(w.Hold(R(2))) << "queue the release now";
  ASSERT_TRUE(w.BeginRelease(false));
  EXPECT_EQ(Release(w, two), (std::vector<int64_t>{2}));
}

// The producer's queue was full for the third record of a batch in flight: it goes back in
// front of the held records and leaves with the next batch, after the batch's reports, in
// order (never into librdkafka later than the records before it while they may still time
// out: FlowTask::Send).
TEST(PartitionWindow, ARecordTheProducerRefusedWaitsForTheBatchInFrontOfTheHeldOnes) {
  Window w;
  ASSERT_TRUE(Offer(w, 1, kLimit));
  ASSERT_TRUE(Offer(w, 1, kLimit));
  ASSERT_TRUE(w.Admit(1, 100, kLimit));
  w.Refused(R(3));  // Admit()ted, not Sent()
  EXPECT_EQ(w.in_flight(), 2);
  EXPECT_EQ(w.first_held(), SourceOffset(3));
  EXPECT_FALSE(w.Admit(1, 100, kLimit)) << "the rest of the round waits behind it";
  EXPECT_FALSE(w.Hold(R(4)));
  EXPECT_FALSE(w.Acked());
  EXPECT_TRUE(w.Acked()) << "the batch's last report queues the release";
  ASSERT_TRUE(w.BeginRelease(false));
  auto first = w.NextRelease(kLimit);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->off, 3);
  w.Sent();
  auto second = w.NextRelease(kLimit);
  ASSERT_TRUE(second.has_value());
  w.Refused(std::move(*second));  // refused again within the release: it stays first
  EXPECT_EQ(w.first_held(), SourceOffset(4));
  EXPECT_TRUE(w.Acked()) << "record 3's report completes its batch and record 4 waits: release it";
}

TEST(PartitionWindow, TheNextRoundOpensANewWindowOnceTheBatchIsAcknowledged) {
  Window w;
  const RequestLimit two{1000, 2};
  ASSERT_TRUE(Offer(w, 1, two));
  ASSERT_TRUE(Offer(w, 1, two));
  EXPECT_FALSE(w.Acked());
  EXPECT_FALSE(w.Acked());
  EXPECT_TRUE(Offer(w, 2, two));
  EXPECT_TRUE(Offer(w, 2, two));
  EXPECT_FALSE(w.Admit(2, 100, two));
}

TEST(PartitionWindow, AcknowledgementsInAnyOrderCompleteTheBatchOnlyAtTheLast) {
  // Two partitions' delivery reports interleave; each window only counts its own.
  Window a, b;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Offer(a, 1, kLimit));
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(Offer(b, 1, kLimit));
  ASSERT_FALSE(a.Hold(R(3)));
  ASSERT_FALSE(b.Hold(R(2)));
  EXPECT_FALSE(b.Acked());
  EXPECT_FALSE(a.Acked());
  EXPECT_TRUE(b.Acked()) << "b's batch is complete";
  EXPECT_FALSE(a.Acked());
  EXPECT_TRUE(a.Acked()) << "a's batch is complete";
}

TEST(PartitionWindow, ReleaseAfterTheAckHandsOverOneRequestsWorthOldestFirst) {
  Window w;
  ASSERT_TRUE(Offer(w, 1, kLimit));
  for (int64_t off = 1; off <= 25; ++off) ASSERT_FALSE(w.Hold(R(off, 100)));
  ASSERT_TRUE(w.Acked());
  ASSERT_TRUE(w.BeginRelease(false));
  EXPECT_EQ(Release(w, kLimit), (std::vector<int64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}))
      << "1000 bytes and 10 records: one request";
  EXPECT_EQ(w.held(), 15u);

  // Those ten go to the producer as the next batch; the rest waits for its ack.
  for (int i = 0; i < 10; ++i) w.Sent();
  EXPECT_FALSE(w.BeginRelease(false)) << "its batch is in flight";
  for (int i = 0; i < 9; ++i) EXPECT_FALSE(w.Acked());
  EXPECT_TRUE(w.Acked());
  ASSERT_TRUE(w.BeginRelease(false));
  const RequestLimit bytes_bound{450, 100};
  EXPECT_EQ(Release(w, bytes_bound), (std::vector<int64_t>{11, 12, 13, 14}));
}

TEST(PartitionWindow, AReleaseOfEverythingIgnoresTheBatchInFlightAndTheLimit) {
  Window w;
  ASSERT_TRUE(Offer(w, 1, kLimit));
  for (int64_t off = 1; off <= 25; ++off) ASSERT_FALSE(w.Hold(R(off)));
  EXPECT_FALSE(w.BeginRelease(false));
  ASSERT_TRUE(w.BeginRelease(true));
  EXPECT_EQ(Release(w, RequestLimit::Unlimited()).size(), 25u);
  EXPECT_EQ(w.held(), 0u);
}

TEST(PartitionWindow, DropFromTheRewindPointKeepsEarlierHeldRecordsAndCountsTheBudget) {
  Window w;
  ASSERT_TRUE(Offer(w, 1, kLimit));
  for (int64_t off = 10; off < 15; ++off) ASSERT_FALSE(w.Hold(R(off, 100)));
  const DroppedRecords dropped = w.DropFrom(SourceOffset(12));
  EXPECT_EQ(dropped.records, 3);
  EXPECT_EQ(dropped.bytes, 3 * 70);
  EXPECT_EQ(w.held(), 2u);
  EXPECT_EQ(w.in_flight(), 1) << "records in flight still get their delivery reports";
  EXPECT_EQ(w.DropFrom(SourceOffset(20)).records, 0);
  ASSERT_TRUE(w.Acked());
  ASSERT_TRUE(w.BeginRelease(false));
  EXPECT_EQ(Release(w, kLimit), (std::vector<int64_t>{10, 11}));
}

TEST(PartitionWindow, BatchRecordsCountWhatWentOutSinceNothingWasInFlight) {
  // A failed delivery report tells a rejected batch (several records) from a rejected
  // record (alone in its batch) by this count; it stays valid while the batch's reports
  // arrive.
  Window w;
  EXPECT_EQ(w.batch_records(), 0);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Offer(w, 1, kLimit));
  EXPECT_EQ(w.batch_records(), 3);
  EXPECT_FALSE(w.Acked());
  EXPECT_EQ(w.batch_records(), 3) << "the first report of the batch still sees it whole";
  ASSERT_FALSE(w.Hold(R(3)));
  EXPECT_FALSE(w.Acked());
  EXPECT_TRUE(w.Acked());
  EXPECT_EQ(w.batch_records(), 3);
  ASSERT_TRUE(w.BeginRelease(false));
  while (auto r = w.NextRelease(kLimit)) w.Sent();
  EXPECT_EQ(w.batch_records(), 1) << "the release opened a new batch of one";
}

TEST(PartitionWindow, FirstHeldIsTheOldestHeldRecord) {
  Window w;
  EXPECT_FALSE(w.first_held().has_value());
  ASSERT_TRUE(Offer(w, 1, kLimit));
  ASSERT_FALSE(w.Hold(R(4)));
  ASSERT_FALSE(w.Hold(R(5)));
  EXPECT_EQ(w.first_held(), SourceOffset(4));
  w.DropFrom(SourceOffset(4));
  EXPECT_FALSE(w.first_held().has_value());
}

TEST(PartitionWindow, TheLimitSetForThePartitionIsWhatItsReleaseUses) {
  Window w;
  const RequestLimit two{1000, 2};
  w.set_limit(two);
  EXPECT_EQ(w.limit().records, 2);
  ASSERT_TRUE(Offer(w, 1, w.limit()));
  for (int i = 1; i <= 4; ++i) ASSERT_FALSE(w.Hold(R(i)));
  ASSERT_TRUE(w.Acked());
  ASSERT_TRUE(w.BeginRelease(false));
  EXPECT_EQ(Release(w, w.limit()), (std::vector<int64_t>{1, 2}));
}

TEST(ReleaseQueue, APartitionIsQueuedOnceUntilItsReleaseBegins) {
  ReleaseQueue<Rec> queue;
  Window a, b;
  queue.Push(a);
  queue.Push(a);
  queue.Push(b);
  const auto& taken = queue.Take();
  ASSERT_EQ(taken.size(), 2u);
  EXPECT_TRUE(queue.empty());
  queue.Push(b);  // b's release has not begun: still queued
  EXPECT_TRUE(queue.empty());
  a.BeginRelease(false);
  queue.Push(a);  // a delivery report during a's release
  ASSERT_FALSE(queue.empty());
  EXPECT_EQ(queue.Take(), (std::vector<Window*>{&a}));
}

// The task's composition for one partition: its window, its store position and the
// task's rewind schedule, as FlowTask::OnDelivery and ScheduleRewind use them.
struct Part {
  Window window;
};

using testing::Msg;

struct Topic {};
using Clock = std::chrono::steady_clock;

TEST(PartitionWindowScenario, RewindWhileABatchIsInFlight) {
  Part part;
  StorePosition<Msg> store;
  RewindSchedule<Part, Topic*> rewinds;
  // Offsets 0..4 are in flight, 5..9 held behind them.
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(Offer(part.window, 1, kLimit));
  for (int64_t off = 5; off < 10; ++off) ASSERT_FALSE(part.window.Hold(R(off)));

  auto ack = [&](int64_t off, bool ok) {
    const bool release = part.window.Acked();
    if (!ok) {
      store.Failed();
      const auto requested = rewinds.Request(&part, SourceOffset(off), Clock::now(), nullptr);
      part.window.DropFrom(requested.rewind.offset);
      return release;
    }
    std::optional<SourceOffset> rewind_from;
    if (const auto* r = rewinds.Find(&part)) rewind_from = r->offset;
    (void)store.Acked(Msg(off), rewind_from, !part.window.idle());
    return release;
  };
  EXPECT_FALSE(ack(0, true));
  EXPECT_FALSE(ack(1, true));
  EXPECT_FALSE(ack(2, false)) << "2 failed: rewind to 2";
  EXPECT_EQ(part.window.held(), 0u) << "held records from the rewind point on are dropped";
  EXPECT_FALSE(ack(3, true)) << "late acknowledgements of records sent before the rewind";
  EXPECT_FALSE(ack(4, true)) << "the batch is complete, but nothing is held any more";
  Msg pending = store.TakePending();
  ASSERT_TRUE(pending);
  EXPECT_EQ(pending.offset(), SourceOffset(1)) << "the stored position never passes the rewind";
}

TEST(PartitionWindowScenario, RevokeWithHeldRecords) {
  // Not lost: everything held is released (and flushed) before the partition goes.
  Window w;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Offer(w, 1, kLimit));
  for (int64_t off = 3; off < 30; ++off) ASSERT_FALSE(w.Hold(R(off)));
  ReleaseQueue<Rec> queue;
  queue.Push(w);
  for (Window* taken : queue.Take()) {
    ASSERT_TRUE(taken->BeginRelease(true));
    EXPECT_EQ(Release(*taken, RequestLimit::Unlimited()).size(), 27u);
  }
  // Lost: the new owner re-reads them; every held record leaves the budget.
  Window lost;
  ASSERT_TRUE(Offer(lost, 1, kLimit));
  for (int64_t off = 1; off < 8; ++off) ASSERT_FALSE(lost.Hold(R(off, 100)));
  const DroppedRecords dropped = lost.DropAll();
  EXPECT_EQ(dropped.records, 7);
  EXPECT_EQ(dropped.bytes, 7 * 70);
  EXPECT_EQ(lost.held(), 0u);
}

}  // namespace
}  // namespace kmirror::replication
