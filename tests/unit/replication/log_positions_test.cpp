// IndexLogPositions: where the log says partitions resume, and when the target's history
// changed under it (issue 15, defect 2): a remote partition that ends below the copy the log
// knows, or no longer exists, and a flow whose target cluster was replaced.
#include "replication/log_positions.h"

#include <stdlib.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "kmirror/wire/offset_sync_event.h"

namespace kmirror::replication {
namespace {

namespace fs = std::filesystem;

const offsets::FlowKey kFlow{"A", "B"};
const TopicPartition kP0{"orders", Partition(0)};
const TopicPartition kP1{"orders", Partition(1)};

class LogPositionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "kmirror-log-positions-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    auto opened = offsets::OffsetIndex::Open(dir_.string());
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    index_ = std::move(opened).value();
  }
  void TearDown() override {
    index_.reset();
    fs::remove_all(dir_);
  }
  // Partition 0 mirrored: source 0..99 -> target 0..99; the log holds that one event.
  void MirrorPartition0() {
    v1::OffsetSyncEvent e;
    e.set_version(wire::kOffsetSyncEventVersion);
    e.mutable_flow()->set_source_alias("A");
    e.mutable_flow()->set_target_alias("B");
    e.set_source_topic("orders");
    e.set_target_topic("A.orders");
    e.set_partition(0);
    e.set_first_source_offset(0);
    e.set_first_target_offset(0);
    e.set_record_count(100);
    e.set_source_log_start_offset(-1);
    ASSERT_TRUE(index_->Apply(e, offsets::LogPosition{0, 0}).ok());
    log_end_ = 1;
  }
  IndexLogPositions Positions(bool reseed = true) {
    return IndexLogPositions(
        index_.get(), kFlow, [this]() -> Result<int64_t> { return log_end_; }, std::chrono::milliseconds(200),
        [this](const std::string& topic, Partition p) -> Result<int64_t> {
          ++target_asks_;
          EXPECT_EQ(topic, "A.orders");
          if (!remote_exists_) return NotFound("unknown topic " + topic + "-" + std::to_string(p.value()));
          return remote_end_;
        },
        reseed);
  }

  fs::path dir_;
  std::unique_ptr<offsets::OffsetIndex> index_;
  int64_t log_end_ = 0;
  bool remote_exists_ = true;
  int64_t remote_end_ = 100;
  int target_asks_ = 0;
};

TEST_F(LogPositionsTest, AnIntactCopyResumesAtTheLogsPosition) {
  MirrorPartition0();
  auto positions = Positions();
  auto a = positions.Lookup({kP0, kP1});
  ASSERT_TRUE(a.current);
  EXPECT_EQ(a.next[0], SourceOffset(100));
  EXPECT_EQ(a.next[1], std::nullopt);
  EXPECT_TRUE(a.reseed[0].empty());
  EXPECT_TRUE(positions.TakeHistoryChanges().empty());
  remote_end_ = 250;  // others wrote to it too: still intact
  EXPECT_TRUE(positions.Lookup({kP0}).reseed[0].empty());
}

TEST_F(LogPositionsTest, ARemotePartitionBelowTheCopyOrMissingIsReSeeded) {
  MirrorPartition0();
  auto positions = Positions();
  remote_end_ = 7;  // recreated: 7 records since
  auto a = positions.Lookup({kP0});
  EXPECT_EQ(a.next[0], std::nullopt) << "the log's position is void";
  EXPECT_NE(a.reseed[0].find("ends at offset 7, below the end of the copy"), std::string::npos) << a.reseed[0];
  auto changes = positions.TakeHistoryChanges();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_TRUE(changes[0].reseed);
  EXPECT_EQ(changes[0].partition, kP0);

  remote_exists_ = false;
  target_asks_ = 0;
  a = positions.Lookup({kP0});
  EXPECT_NE(a.reseed[0].find("no longer exists"), std::string::npos) << a.reseed[0];
  EXPECT_EQ(target_asks_, 2) << "a missing partition is asked about twice before it is believed";
}

TEST_F(LogPositionsTest, UnderStopTheLogsPositionStaysAndTheTaskIsTold) {
  MirrorPartition0();
  auto positions = Positions(/*reseed=*/false);
  remote_end_ = 0;
  auto a = positions.Lookup({kP0});
  EXPECT_EQ(a.next[0], SourceOffset(100));
  EXPECT_TRUE(a.reseed[0].empty());
  auto changes = positions.TakeHistoryChanges();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_FALSE(changes[0].reseed);
}

TEST_F(LogPositionsTest, AnIndexNotConfirmedCurrentDecidesNoRemoteChange) {
  MirrorPartition0();
  log_end_ = 5;  // the log has 4 events the index has not applied (yet)
  auto positions = Positions();
  remote_end_ = 0;
  auto a = positions.Lookup({kP0});
  EXPECT_FALSE(a.current);
  EXPECT_TRUE(a.reseed[0].empty()) << "its runs may be voided by an event it has not applied";
  EXPECT_EQ(target_asks_, 0);
  EXPECT_TRUE(positions.TakeHistoryChanges().empty());
}

TEST_F(LogPositionsTest, AReplacedTargetReSeedsPartitionsWithoutRunsIfCommitted) {
  ASSERT_TRUE(index_->ResetFlow(kFlow, "B was cluster x and is now cluster y").ok());
  index_->MarkCaughtUp(kFlow, {});
  auto positions = Positions();
  auto a = positions.Lookup({kP0, kP1});
  for (int i = 0; i < 2; ++i) {
    EXPECT_NE(a.reseed[i].find("B was cluster x and is now cluster y"), std::string::npos);
    EXPECT_TRUE(a.reseed_needs_commit[i]) << "a topic created since starts by the start rule";
  }
  positions.NotChanged(kP1);  // the consumer: no commit for it
  auto changes = positions.TakeHistoryChanges();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].partition, kP0);
  // Start offsets not applied: nothing was re-seeded.
  (void)positions.Lookup({kP0});
  positions.Unapplied();
  EXPECT_TRUE(positions.TakeHistoryChanges().empty());
}

}  // namespace
}  // namespace kmirror::replication
