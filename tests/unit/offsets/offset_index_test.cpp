#include "kmirror/offsets/offset_index.h"

#include <stdlib.h>

#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include "kmirror/offsets/offset_sync_recorder.h"
#include "kmirror/wire/offset_sync_event.h"
#include "offsets/rocksdb_status.h"

namespace kmirror::offsets {
namespace {

namespace fs = std::filesystem;

const FlowKey kFlow{"A", "B"};

v1::OffsetSyncEvent Event(const std::string& topic, int32_t partition, int64_t s0, int64_t t0, int64_t count,
                          bool reset = false, int64_t log_start = -1) {
  v1::OffsetSyncEvent e;
  e.set_version(wire::kOffsetSyncEventVersion);
  e.mutable_flow()->set_source_alias(kFlow.source_alias);
  e.mutable_flow()->set_target_alias(kFlow.target_alias);
  e.set_source_topic(topic);
  e.set_target_topic("A." + topic);
  e.set_partition(partition);
  e.set_first_source_offset(s0);
  e.set_first_target_offset(t0);
  e.set_record_count(count);
  e.set_reset(reset);
  e.set_source_log_start_offset(log_start);
  e.set_written_at_ms(1700000000000 + s0);
  e.set_writer("A->B#0@test");
  return e;
}

// A fresh directory per test, removed afterwards.
class OffsetIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "kmirror-offset-index-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    Reopen();
  }
  void TearDown() override {
    index_.reset();
    fs::remove_all(dir_);
  }

  void Reopen() {
    index_.reset();  // releases the directory's lock first
    auto opened = OffsetIndex::Open(dir_.string());
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    index_ = std::move(opened).value();
  }

  // Appends the event to the fake log (partition 0) and applies it at its position.
  void Log(const v1::OffsetSyncEvent& e) {
    log_.push_back(wire::SerializeOffsetSyncEvent(e));
    Status s = index_->Apply(e, LogPosition{0, static_cast<int64_t>(log_.size()) - 1});
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  void CatchUp() { index_->MarkCaughtUp(kFlow, {{0, static_cast<int64_t>(log_.size())}}); }

  Translation T(int64_t source, const std::string& topic = "orders", int32_t partition = 0) {
    auto t = index_->Translate(kFlow, topic, Partition(partition), SourceOffset(source));
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? *t : Translation{};
  }

  fs::path dir_;
  std::unique_ptr<OffsetIndex> index_;
  std::vector<std::string> log_;  // serialised events, index = log offset
};

#define EXPECT_TRANSLATES(src, knd, tgt)                                                     \
  do {                                                                                       \
    Translation t_ = T(src);                                                                 \
    EXPECT_EQ(TranslationKindName(t_.kind), TranslationKindName(knd)) << "source " << (src); \
    EXPECT_EQ(t_.target.value(), (tgt)) << "source " << (src);                               \
  } while (0)

TEST_F(OffsetIndexTest, LookupsFailUntilTheFlowCaughtUpWithItsLog) {
  Log(Event("orders", 0, 0, 100, 10));
  auto t = index_->Translate(kFlow, "orders", Partition(0), SourceOffset(3));
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kFailedPrecondition);

  index_->MarkCaughtUp(kFlow, {{0, 3}});  // the log end seen: 3 records; 1 applied
  EXPECT_FALSE(index_->IsReady(kFlow));
  Log(Event("orders", 0, 10, 110, 1));
  EXPECT_FALSE(index_->IsReady(kFlow));
  Log(Event("orders", 0, 11, 111, 1));
  EXPECT_TRUE(index_->IsReady(kFlow)) << "ready as soon as the applied position reaches the end";
  EXPECT_TRANSLATES(3, TranslationKind::kExact, 103);

  index_->MarkNotReady(kFlow);
  EXPECT_EQ(index_->Translate(kFlow, "orders", Partition(0), SourceOffset(3)).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_FALSE(index_->IsReady(FlowKey{"B", "A"})) << "other flows are independent";
}

TEST_F(OffsetIndexTest, AnEmptyLogIsCaughtUpAtOnce) {
  index_->MarkCaughtUp(kFlow, {{0, 0}, {1, 0}});
  EXPECT_TRUE(index_->IsReady(kFlow));
  EXPECT_EQ(index_->Translate(kFlow, "orders", Partition(0), SourceOffset(0)).status().code(), StatusCode::kNotFound);
}

TEST_F(OffsetIndexTest, TranslatesExactlyAndAcrossGaps) {
  Log(Event("orders", 0, 0, 100, 10));  // 0..9   -> 100..109
  Log(Event("orders", 0, 12, 110, 5));  // 12..16 -> 110..114 (10, 11 compacted away)
  Log(Event("orders", 0, 20, 115, 3));  // 20..22 -> 115..117 (17..19: a marker, aborted records)
  CatchUp();
  EXPECT_TRANSLATES(0, TranslationKind::kExact, 100);
  EXPECT_TRANSLATES(9, TranslationKind::kExact, 109);
  EXPECT_TRANSLATES(10, TranslationKind::kGap, 110);  // the next mirrored record: source 12
  EXPECT_TRANSLATES(11, TranslationKind::kGap, 110);
  EXPECT_TRANSLATES(12, TranslationKind::kExact, 110);
  EXPECT_TRANSLATES(16, TranslationKind::kExact, 114);
  EXPECT_TRANSLATES(17, TranslationKind::kGap, 115);
  EXPECT_TRANSLATES(19, TranslationKind::kGap, 115);
  EXPECT_TRANSLATES(22, TranslationKind::kExact, 117);
  // A consumer that read everything has committed 23: it resumes where the next mirrored
  // record will land.
  EXPECT_TRANSLATES(23, TranslationKind::kBeyondLastRun, 118);
  EXPECT_TRANSLATES(1000000, TranslationKind::kBeyondLastRun, 118);
  Translation t = T(5);
  EXPECT_EQ(t.target_topic, "A.orders");
  EXPECT_FALSE(t.deleted_on_source);
  EXPECT_EQ(t.source_log_start.value(), -1);
}

TEST_F(OffsetIndexTest, ATargetRestartRunVoidsEveryEarlierRunOfItsPartition) {
  // Issue 15, defect 2: the remote topic was recreated (target offsets start at 0 again) and
  // kmirror re-seeded the partition from the source's log start, 40 (0..39 were deleted by
  // retention meanwhile). Without the restart flag the runs below 40 would still answer
  // EXACT with offsets of a copy that no longer exists.
  Log(Event("orders", 0, 0, 100, 50));                                    // 0..49 -> 100..149
  Log(Event("orders", 0, 50, 150, 10));                                   // 50..59 -> 150..159
  Log(Event("payments", 0, 0, 7, 5));                                     // another partition: untouched
  v1::OffsetSyncEvent restart = Event("orders", 0, 40, 0, 15, true, 40);  // 40..54 -> 0..14, new copy
  restart.set_target_restart(true);
  Log(restart);
  CatchUp();
  EXPECT_TRANSLATES(40, TranslationKind::kExact, 0);
  EXPECT_TRANSLATES(54, TranslationKind::kExact, 14);
  EXPECT_TRANSLATES(55, TranslationKind::kBeyondLastRun, 15);  // the old copy of 55..59 is gone
  auto t = T(10);
  EXPECT_EQ(t.kind, TranslationKind::kBeforeFirstRun) << "no stale EXACT answer below the re-seed point";
  EXPECT_EQ(t.target.value(), 0);
  EXPECT_TRUE(t.deleted_on_source);
  EXPECT_EQ(T(2, "payments").target.value(), 9);
  // The same state after a rebuild from the log alone.
  index_.reset();
  fs::remove_all(dir_);
  Reopen();
  for (size_t i = 0; i < log_.size(); ++i) {
    auto e = wire::ParseOffsetSyncEvent(log_[i]);
    ASSERT_TRUE(e.ok());
    ASSERT_TRUE(index_->Apply(*e, LogPosition{0, static_cast<int64_t>(i)}).ok());
  }
  CatchUp();
  EXPECT_EQ(T(10).kind, TranslationKind::kBeforeFirstRun);
  EXPECT_TRANSLATES(54, TranslationKind::kExact, 14);
}

TEST_F(OffsetIndexTest, ARestartedLogKeepsTheRunsAndIsReadFromItsBeginning) {
  Log(Event("orders", 0, 0, 100, 50));
  CatchUp();
  ASSERT_EQ(index_->LogPositions(kFlow).at(0), 1);
  // The log topic was deleted and created again: its offsets start at 0 again.
  ASSERT_TRUE(index_->RestartLog(kFlow, 0).ok());
  EXPECT_TRUE(index_->LogPositions(kFlow).empty());
  EXPECT_TRUE(index_->IsReady(kFlow)) << "the runs it answers from are as current as before";
  EXPECT_TRANSLATES(10, TranslationKind::kExact, 110);  // nothing jumps forward
  // The new log's first event (offset 0) is applied, not ignored as already seen.
  ASSERT_TRUE(index_->Apply(Event("orders", 0, 50, 150, 5), LogPosition{0, 0}).ok());
  EXPECT_TRANSLATES(52, TranslationKind::kExact, 152);
  EXPECT_TRANSLATES(10, TranslationKind::kExact, 110);
  Reopen();
  EXPECT_EQ(index_->LogPositions(kFlow).at(0), 1) << "the new log's position is durable";
}

TEST_F(OffsetIndexTest, ATargetReplacedMarkIsDurableAndSurvivesAReset) {
  EXPECT_EQ(index_->TargetReplaced(kFlow), "");
  EXPECT_FALSE(index_->MarkTargetReplaced(kFlow, "").ok()) << "a mark needs its reason";
  ASSERT_TRUE(index_->ResetFlow(kFlow).ok());
  ASSERT_TRUE(index_->MarkTargetReplaced(kFlow, "B was cluster x and is now cluster y").ok());
  ASSERT_TRUE(index_->ResetFlow(kFlow).ok());
  EXPECT_EQ(index_->TargetReplaced(kFlow), "B was cluster x and is now cluster y");
  EXPECT_EQ(index_->TargetReplaced(FlowKey{"C", "B"}), "");
  Reopen();
  EXPECT_EQ(index_->TargetReplaced(kFlow), "B was cluster x and is now cluster y");
}

TEST_F(OffsetIndexTest, ResetFlowForgetsOneFlowAndSurvivesARestart) {
  Log(Event("orders", 0, 0, 100, 10));
  v1::OffsetSyncEvent other = Event("orders", 0, 0, 500, 10);
  other.mutable_flow()->set_source_alias("C");
  ASSERT_TRUE(index_->Apply(other, LogPosition{0, 0}).ok());
  CatchUp();
  index_->MarkCaughtUp(FlowKey{"C", "B"}, {{0, 1}});
  ASSERT_TRUE(index_->IsReady(kFlow));
  EXPECT_TRANSLATES(5, TranslationKind::kExact, 105);

  ASSERT_TRUE(index_->SetLogCluster(kFlow, "cluster-1").ok());
  EXPECT_EQ(index_->LogCluster(kFlow), "cluster-1");
  ASSERT_TRUE(index_->ResetFlow(kFlow).ok());
  EXPECT_EQ(index_->LogCluster(kFlow), "") << "reset forgets which log it was";
  EXPECT_FALSE(index_->IsReady(kFlow)) << "a reset flow must be read again before it answers";
  EXPECT_TRUE(index_->LogPositions(kFlow).empty());
  index_->MarkCaughtUp(kFlow, {{0, 0}});
  EXPECT_EQ(index_->Translate(kFlow, "orders", Partition(0), SourceOffset(5)).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(index_->Translate(FlowKey{"C", "B"}, "orders", Partition(0), SourceOffset(5))->target.value(), 505)
      << "other flows are untouched";

  ASSERT_TRUE(index_->SetLogCluster(kFlow, "cluster-2").ok());
  Reopen();
  EXPECT_TRUE(index_->LogPositions(kFlow).empty()) << "the reset is durable";
  EXPECT_EQ(index_->LogCluster(kFlow), "cluster-2") << "the log cluster is durable";
  EXPECT_EQ(index_->LogPositions(FlowKey{"C", "B"}).at(0), 1);
}

TEST_F(OffsetIndexTest, PartitionsTopicsAndFlowsAreSeparate) {
  Log(Event("orders", 0, 0, 100, 10));
  Log(Event("orders", 1, 0, 200, 10));
  Log(Event("orders2", 0, 0, 300, 10));
  Log(Event("order", 0, 0, 400, 10));  // a prefix of another topic's name
  CatchUp();
  EXPECT_EQ(T(5, "orders", 0).target.value(), 105);
  EXPECT_EQ(T(5, "orders", 1).target.value(), 205);
  EXPECT_EQ(T(5, "orders2", 0).target.value(), 305);
  EXPECT_EQ(T(5, "order", 0).target.value(), 405);
  EXPECT_EQ(index_->Translate(kFlow, "orders", Partition(2), SourceOffset(5)).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(index_->Translate(kFlow, "payments", Partition(0), SourceOffset(5)).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(index_->Translate(kFlow, "orders", Partition(0), SourceOffset(-1)).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(OffsetIndexTest, DeletedSourceOffsetsAreReportedAsSuch) {
  // Retention deleted 0..49 before they were mirrored: the first run starts at the log start.
  Log(Event("orders", 0, 50, 0, 10, false, 50));
  CatchUp();
  Translation before = T(10);
  EXPECT_EQ(before.kind, TranslationKind::kBeforeFirstRun);
  EXPECT_EQ(before.target.value(), 0) << "resume at the first mirrored record";
  EXPECT_TRUE(before.deleted_on_source);
  EXPECT_EQ(before.source_log_start.value(), 50);
  EXPECT_FALSE(T(55).deleted_on_source);

  // Later the flow lost 60..89 (data loss), continuing at the new log start 90.
  Log(Event("orders", 0, 90, 10, 5, false, 90));
  CatchUp();
  Translation gap = T(70);
  EXPECT_EQ(gap.kind, TranslationKind::kGap);
  EXPECT_EQ(gap.target.value(), 10);
  EXPECT_TRUE(gap.deleted_on_source);
  // Still exact for records mirrored before the source deleted them.
  Translation exact = T(52);
  EXPECT_EQ(exact.kind, TranslationKind::kExact);
  EXPECT_EQ(exact.target.value(), 2);
  EXPECT_TRUE(exact.deleted_on_source);
}

TEST_F(OffsetIndexTest, ALogStartOnlyEventUpdatesThePartition) {
  Log(Event("orders", 0, 0, 0, 10));
  Log(Event("orders", 0, 0, 0, 0, false, 5));  // no run, just the new log start
  Log(Event("orders", 0, 0, 0, 0, false, 3));  // older knowledge never lowers it
  CatchUp();
  Translation t = T(2);
  EXPECT_EQ(t.kind, TranslationKind::kExact);
  EXPECT_EQ(t.target.value(), 2);
  EXPECT_TRUE(t.deleted_on_source);
  EXPECT_EQ(t.source_log_start.value(), 5);
}

TEST_F(OffsetIndexTest, AReSentOpenRunIsAnUpsert) {
  Log(Event("orders", 0, 0, 100, 5));
  Log(Event("orders", 0, 0, 100, 10));
  Log(Event("orders", 0, 0, 100, 10));
  CatchUp();
  EXPECT_TRANSLATES(7, TranslationKind::kExact, 107);
  EXPECT_TRANSLATES(10, TranslationKind::kBeyondLastRun, 110);
  auto summary = index_->Summary(kFlow, TopicPartition{"orders", Partition(0)});
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->first_mirrored.value(), 0);
  EXPECT_EQ(summary->mirrored_source_end.value(), 10);
  EXPECT_EQ(summary->mirrored_target_end.value(), 110);
}

TEST_F(OffsetIndexTest, AResetRunSupersedesEverythingFromItsStart) {
  Log(Event("orders", 0, 0, 100, 50));        // 0..49 -> 100..149
  Log(Event("orders", 0, 60, 150, 10));       // 60..69 -> 150..159
  Log(Event("orders", 0, 20, 160, 5, true));  // rewind: 20..24 sent again -> 160..164
  CatchUp();
  EXPECT_TRANSLATES(10, TranslationKind::kExact, 110);
  EXPECT_TRANSLATES(19, TranslationKind::kExact, 119);
  EXPECT_TRANSLATES(20, TranslationKind::kExact, 160);  // the newest copy
  EXPECT_TRANSLATES(24, TranslationKind::kExact, 164);
  // 25.. are not mirrored again yet: resume where they will land (re-reading at most the
  // duplicates, never skipping a record).
  EXPECT_TRANSLATES(25, TranslationKind::kBeyondLastRun, 165);
  EXPECT_TRANSLATES(65, TranslationKind::kBeyondLastRun, 165);
}

TEST_F(OffsetIndexTest, AnOverlappingRunWithoutResetSplitsOlderOnes) {
  // A new owner of the partition re-sent 20..24 after a rebalance (no memory of the past,
  // so no reset): the older copy's head and tail stay valid.
  Log(Event("orders", 0, 0, 100, 50));
  Log(Event("orders", 0, 20, 300, 5));
  CatchUp();
  EXPECT_TRANSLATES(19, TranslationKind::kExact, 119);
  EXPECT_TRANSLATES(22, TranslationKind::kExact, 302);
  EXPECT_TRANSLATES(25, TranslationKind::kExact, 125);
  EXPECT_TRANSLATES(49, TranslationKind::kExact, 149);
  // As the new run grows it eats the old tail.
  Log(Event("orders", 0, 20, 300, 40));
  CatchUp();
  EXPECT_TRANSLATES(49, TranslationKind::kExact, 329);
  EXPECT_TRANSLATES(59, TranslationKind::kExact, 339);
  EXPECT_TRANSLATES(60, TranslationKind::kBeyondLastRun, 340);
}

TEST_F(OffsetIndexTest, EventsAtAppliedPositionsAreIgnored) {
  ASSERT_TRUE(index_->Apply(Event("orders", 0, 0, 100, 10), LogPosition{0, 5}).ok());
  // Re-read after a crash: an older position, even with different content, changes nothing.
  ASSERT_TRUE(index_->Apply(Event("orders", 0, 0, 900, 10), LogPosition{0, 5}).ok());
  ASSERT_TRUE(index_->Apply(Event("orders", 0, 0, 900, 10), LogPosition{0, 2}).ok());
  EXPECT_EQ(index_->LogPositions(kFlow), (std::map<int32_t, int64_t>{{0, 6}}));
  index_->MarkCaughtUp(kFlow, {{0, 6}});
  EXPECT_TRANSLATES(3, TranslationKind::kExact, 103);
}

TEST_F(OffsetIndexTest, InvalidEventsChangeNothing) {
  v1::OffsetSyncEvent newer = Event("orders", 0, 0, 100, 10);
  newer.set_version(wire::kOffsetSyncEventVersion + 1);
  EXPECT_EQ(index_->Apply(newer, LogPosition{0, 0}).code(), StatusCode::kFailedPrecondition);
  v1::OffsetSyncEvent negative = Event("orders", 0, -5, 100, 10);
  EXPECT_EQ(index_->Apply(negative, LogPosition{0, 0}).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(index_->LogPositions(kFlow).empty());
  // The reader moves past them explicitly.
  ASSERT_TRUE(index_->AdvanceLogPosition(kFlow, 0, 2).ok());
  ASSERT_TRUE(index_->AdvanceLogPosition(kFlow, 0, 1).ok());  // never backwards
  EXPECT_EQ(index_->LogPositions(kFlow), (std::map<int32_t, int64_t>{{0, 2}}));
}

TEST_F(OffsetIndexTest, ResumesFromItsStoredPositionAfterARestart) {
  Log(Event("orders", 0, 0, 100, 10));
  Log(Event("orders", 0, 12, 110, 5));
  ASSERT_TRUE(index_->Apply(Event("payments", 3, 0, 0, 4), LogPosition{1, 41}).ok());
  CatchUp();
  ASSERT_TRUE(index_->IsReady(kFlow));
  Reopen();
  EXPECT_EQ(index_->LogPositions(kFlow), (std::map<int32_t, int64_t>{{0, 2}, {1, 42}}));
  EXPECT_EQ(index_->Flows(), std::vector<FlowKey>{kFlow});
  EXPECT_FALSE(index_->IsReady(kFlow)) << "readiness is not persisted: the log may have grown meanwhile";
  index_->MarkCaughtUp(kFlow, {{0, 3}, {1, 42}});
  EXPECT_FALSE(index_->IsReady(kFlow));
  Log(Event("orders", 0, 20, 115, 1));  // the record written while we were down
  EXPECT_TRUE(index_->IsReady(kFlow));
  EXPECT_TRANSLATES(13, TranslationKind::kExact, 111);
  EXPECT_TRANSLATES(18, TranslationKind::kGap, 115);
  EXPECT_EQ(T(1, "payments", 3).target.value(), 1);
}

TEST_F(OffsetIndexTest, ASecondOpenOfTheSameDirectoryIsRefused) {
  auto second = OffsetIndex::Open(dir_.string());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition) << second.status().ToString();
}

TEST_F(OffsetIndexTest, AnotherOnDiskFormatIsRefused) {
  index_.reset();
  {
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), dir_.string(), &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), "F", std::string("\0\0\0\x63", 4)).ok());
  }
  auto opened = OffsetIndex::Open(dir_.string());
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(opened.status().message().find("delete the directory"), std::string::npos);
}

TEST_F(OffsetIndexTest, SummariesListEveryPartitionOfTheFlow) {
  Log(Event("orders", 0, 0, 100, 10, false, 0));
  Log(Event("orders", 1, 5, 0, 3));
  Log(Event("payments", 0, 0, 0, 0, false, 7));  // log start only, no run yet
  auto all = index_->Summaries(kFlow);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 3u);
  std::map<std::string, PartitionSummary> by_tp;
  for (const auto& s : *all) by_tp[s.source.ToString()] = s;
  EXPECT_EQ(by_tp["orders-0"].target_topic, "A.orders");
  EXPECT_EQ(by_tp["orders-0"].mirrored_target_end.value(), 110);
  EXPECT_EQ(by_tp["orders-0"].source_log_start.value(), 0);
  EXPECT_EQ(by_tp["orders-1"].first_mirrored.value(), 5);
  EXPECT_EQ(by_tp["orders-1"].mirrored_source_end.value(), 8);
  EXPECT_EQ(by_tp["payments-0"].mirrored_source_end.value(), -1);
  EXPECT_EQ(by_tp["payments-0"].source_log_start.value(), 7);
  EXPECT_EQ(by_tp["orders-0"].last_written_at_ms, 1700000000000);
  auto none = index_->Summaries(FlowKey{"C", "B"});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

// A model of what the log means: for every source offset, the target offset of its newest
// copy; a reset forgets everything from its start on.
struct Model {
  std::map<int64_t, int64_t> copy;
  void Apply(const v1::OffsetSyncEvent& e) {
    if (e.reset()) copy.erase(copy.lower_bound(e.first_source_offset()), copy.end());
    for (int64_t i = 0; i < e.record_count(); ++i) copy[e.first_source_offset() + i] = e.first_target_offset() + i;
  }
  // The expected answer for x (see TranslationKind).
  std::pair<TranslationKind, int64_t> Expect(int64_t x) const {
    auto it = copy.find(x);
    if (it != copy.end()) return {TranslationKind::kExact, it->second};
    auto next = copy.upper_bound(x);
    if (next == copy.end()) return {TranslationKind::kBeyondLastRun, copy.rbegin()->second + 1};
    return {next == copy.begin() ? TranslationKind::kBeforeFirstRun : TranslationKind::kGap, next->second};
  }
};

// A recorder fed with a random delivery history (gaps, target jumps, rewinds, revocations)
// writes a log; the index built from it must agree with the model for every offset, and an
// index rebuilt from that log alone (directory deleted) must agree too.
TEST_F(OffsetIndexTest, RandomHistoriesMatchTheModelAndRebuildFromTheLogAlone) {
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    TearDown();
    SetUp();
    log_.clear();
    std::mt19937 rng(seed);
    Model model;
    std::vector<v1::OffsetSyncEvent> events;
    wire::OffsetSyncWriterInfo info{"A", "B", "cluster-a", "cluster-b", "A->B#0@test"};
    OffsetSyncRecorder recorder(
        [&](const OffsetSyncRun& run) { events.push_back(wire::MakeOffsetSyncEvent(info, "A.orders", run, 0)); });
    const TopicPartition tp{"orders", Partition(0)};
    int64_t source = 0;
    int64_t target = 0;
    int64_t max_source = 0;
    for (int step = 0; step < 2000; ++step) {
      const int dice = static_cast<int>(rng() % 100);
      if (dice < 3) {
        source += 1 + static_cast<int64_t>(rng() % 5);  // a source gap
      } else if (dice < 5) {
        target += 1 + static_cast<int64_t>(rng() % 3);  // something else written to the target
      } else if (dice < 7) {
        source = std::max<int64_t>(0, source - 1 - static_cast<int64_t>(rng() % 30));  // a rewind
      } else if (dice < 8) {
        recorder.Forget(tp);  // revoked and re-assigned from an earlier committed offset
        source = std::max<int64_t>(0, source - static_cast<int64_t>(rng() % 10));
      } else if (dice < 20) {
        recorder.Flush();
      }
      recorder.Record(tp, SourceOffset(source), TargetOffset(target));
      max_source = std::max(max_source, source);
      ++source;
      ++target;
    }
    recorder.Flush();
    int resets = 0;
    for (const auto& e : events) {
      resets += e.reset() ? 1 : 0;
      model.Apply(e);
      Log(e);
    }
    ASSERT_GT(resets, 0) << "the history must exercise rewinds";
    CatchUp();
    auto check = [&](const char* phase) {
      for (int64_t x = 0; x <= max_source + 2; ++x) {
        auto [kind, want] = model.Expect(x);
        Translation got = T(x);
        ASSERT_EQ(TranslationKindName(got.kind), TranslationKindName(kind)) << phase << ", source " << x;
        ASSERT_EQ(got.target.value(), want) << phase << ", source " << x;
      }
    };
    check("built incrementally");

    // Rebuild: delete the directory and replay the log (as the reader would: parse first).
    index_.reset();
    fs::remove_all(dir_);
    Reopen();
    EXPECT_TRUE(index_->LogPositions(kFlow).empty());
    for (size_t i = 0; i < log_.size(); ++i) {
      auto parsed = wire::ParseOffsetSyncEvent(log_[i]);
      ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
      ASSERT_TRUE(index_->Apply(*parsed, LogPosition{0, static_cast<int64_t>(i)}).ok());
    }
    CatchUp();
    check("rebuilt from the log");
  }
}

TEST(RocksDbStatus, MapsByMeaning) {
  EXPECT_TRUE(FromRocksDb(rocksdb::Status::OK(), "x").ok());
  EXPECT_EQ(FromRocksDb(rocksdb::Status::NotFound("k"), "get").code(), StatusCode::kNotFound);
  Status corrupt = FromRocksDb(rocksdb::Status::Corruption("bad block"), "read");
  EXPECT_EQ(corrupt.code(), StatusCode::kDataLoss);
  EXPECT_NE(corrupt.message().find("read: "), std::string::npos);
  EXPECT_NE(corrupt.message().find("bad block"), std::string::npos);
  Status busy = FromRocksDb(rocksdb::Status::Busy(), "write");
  EXPECT_EQ(busy.code(), StatusCode::kUnavailable);
  EXPECT_TRUE(busy.retriable());
  EXPECT_EQ(FromRocksDb(rocksdb::Status::NoSpace(), "write").code(), StatusCode::kUnavailable);
  EXPECT_EQ(FromRocksDb(rocksdb::Status::InvalidArgument("x"), "open").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(FromRocksDb(rocksdb::Status::ShutdownInProgress(), "get").code(), StatusCode::kCancelled);
  EXPECT_EQ(FromRocksDb(rocksdb::Status::IOError("disk"), "write").code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace kmirror::offsets
