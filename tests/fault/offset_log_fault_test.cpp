// The target's offset-sync log is where a partition resumes (issue 15; docs/architecture.md,
// "The offset-sync log"), under a steady stamped load on A judged by the independent
// checker:
//   - the log rejects kmirror's writes for a while, then kmirror is killed (-9) before it
//     recovers: the flow's committed offsets never passed what the log holds, and a group
//     that fails over to the copy skips nothing (defect 1: events were fire-and-forget, the
//     commit ran ahead of the log, translation answered with the next run's start);
//   - the flow group's committed offsets vanish while kmirror is down (deleted, as the
//     source's offsets.retention.minutes does to an empty group): it resumes from the log,
//     neither at `latest` (losing what was written meanwhile) nor at `earliest` (mirroring
//     everything again) (defect 7, second half).
#include "fault_test_util.h"

#include <signal.h>

#include "kmirror/wire/offset_sync_event.h"
#include "support/test_admin.h"
#include "support/test_groups.h"

namespace kmirror::test {
namespace {

[[maybe_unused]] const auto* const kKafka = KafkaEnv::Register({{.name = "A"}, {.name = "B"}});

constexpr int kPartitions = 2;
constexpr double kRate = 1000;  // records/s

class OffsetLogFaultTest : public ::testing::Test {
 protected:
  // partition -> one past the last source offset the flow's log on B holds for `topic`.
  Outcome<std::map<int32_t, int64_t>> LogCoverage(const std::string& topic) const {
    auto events = ConsumeAll(b_.client(), wire::OffsetSyncTopic("A"), 0);
    if (!events.ok()) return Failure{events.error()};
    std::map<int32_t, int64_t> end;
    for (const auto& e : *events) {
      auto ev = wire::ParseOffsetSyncEvent(e.value.value_or(""));
      if (!ev.ok() || ev->source_topic() != topic || ev->record_count() == 0) continue;
      int64_t& at = end[ev->partition()];
      at = std::max(at, ev->first_source_offset() + ev->record_count());
    }
    return end;
  }

  KafkaCluster& a_ = KafkaEnv::Cluster("A");
  KafkaCluster& b_ = KafkaEnv::Cluster("B");
  const std::string log_topic_ = wire::OffsetSyncTopic("A");
  const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// Restores the log topic's writes however the test ends.
struct LogWritable {
  KafkaCluster& b;
  std::string topic;
  ~LogWritable() { EXPECT_TRUE(AlterTopicConfigs(b.client(), topic, {{"max.message.bytes", std::nullopt}})); }
};

TEST_F(OffsetLogFaultTest, ACommitNeverPassesTheLogSoFailoverSkipsNothingAfterRejectedWrites) {
  OneWayFlow flow(
      a_, b_, kPartitions, {},
      {"groups = app.*", "A.consumer.session.timeout.ms = 10000", "A.consumer.heartbeat.interval.ms = 1000"});
  ASSERT_TRUE(flow.CreateSource());
  StampedProducer producer(a_.client(), flow.ProducerOptions(kRate));
  producer.Start();
  ASSERT_TRUE(producer.WaitForAcknowledged(1000, seconds(60)));
  auto km = flow.StartKmirror();
  ASSERT_TRUE(flow.WaitForProgress(2000, seconds(60), km.get()));

  // The log rejects every event from now on (a batch is never that small); mirroring goes on.
  LogWritable restore{b_, log_topic_};
  ASSERT_TRUE(AlterTopicConfigs(b_.client(), log_topic_, {{"max.message.bytes", "64"}}));
  std::this_thread::sleep_for(seconds(3));
  ASSERT_TRUE(flow.WaitForProgress(3000, seconds(60), km.get()));
  // An application reads most of what was mirrored meanwhile, then kmirror's commits have
  // had several auto-commit intervals to run ahead of the log.
  const std::string app = UniqueName("app");
  ASSERT_TRUE(ConsumePart(a_, flow.topic(), app, kPartitions, 0.95));
  std::this_thread::sleep_for(seconds(3));

  auto committed = CommittedOffsets(a_.client(), flow.group(), flow.topic());
  auto covered = LogCoverage(flow.topic());
  ASSERT_TRUE(committed.ok()) << committed.error();
  ASSERT_TRUE(covered.ok()) << covered.error();
  int64_t ahead = 0;
  for (const auto& [p, c] : *committed) {
    const int64_t l = covered->count(p) != 0 ? covered->at(p) : 0;
    std::cout << "[fault] log rejected: partition " << p << " committed " << c << ", log holds up to " << l << "\n";
    ahead += std::max<int64_t>(0, c - l);
  }
  EXPECT_EQ(ahead, 0) << "the flow's committed offsets passed the log by " << ahead << " records";
  EXPECT_TRUE(WaitForLog(*km, "offset-sync event not written", seconds(10))) << km->OutputTail(20);

  ASSERT_EQ(km->Kill9(), -SIGKILL);
  ASSERT_TRUE(AlterTopicConfigs(b_.client(), log_topic_, {{"max.message.bytes", std::nullopt}}));
  km = flow.StartKmirror();
  ASSERT_TRUE(flow.WaitForProgress(2000, seconds(90), km.get())) << "no progress after the restart";
  std::this_thread::sleep_for(seconds(2));
  ASSERT_TRUE(producer.Stop());
  auto r = WaitForMirror(flow.Spec({&producer}), seconds(120));
  Report("log rejected, kill -9", r, start_);
  EXPECT_TRUE(NothingLost(r));
  EXPECT_TRUE(OrderKept(r));

  auto port = ApiPort(*km, seconds(30));
  ASSERT_TRUE(port) << km->OutputTail(30);
  ApiClient api(*port);
  auto t = TranslateAndCheck(api, a_, b_, flow.topic(), flow.remote(), app);
  std::cout << "[fault] log rejected, kill -9, translation: " << t.Summary() << "\n";
  EXPECT_TRUE(NothingSkipped(t));
  EXPECT_EQ(km->Terminate(seconds(60)), 0) << km->OutputTail(30);
}

TEST_F(OffsetLogFaultTest, ExpiredGroupOffsetsResumeFromTheLogNotEarliestOrLatest) {
  OneWayFlow flow(a_, b_, kPartitions, {}, {"A.consumer.auto.offset.reset = latest"});
  ASSERT_TRUE(flow.CreateSource());
  auto km = flow.StartKmirror();
  // `latest`'s first start: the partitions start at their (empty) ends before any record.
  for (int p = 0; p < kPartitions; ++p) {
    ASSERT_TRUE(WaitForLog(*km, flow.topic() + "-" + std::to_string(p) + " has no committed offset", seconds(60)))
        << km->OutputTail(20);
  }
  StampedProducer producer(a_.client(), flow.ProducerOptions(kRate));
  producer.Start();
  ASSERT_TRUE(flow.WaitForProgress(2000, seconds(60), km.get()));

  // Down, its group's offsets gone, records written meanwhile; back with `latest`, then
  // the same again with `earliest`.
  const std::vector<std::string> resets = {"latest", "earliest"};
  for (const std::string& reset : resets) {
    ASSERT_EQ(km->Terminate(seconds(60)), 0) << km->OutputTail(30);
    // All of the group's offsets, as expiry does: the flow mirrors A's heartbeats too.
    ASSERT_TRUE(DeleteGroupOffsets(a_.client(), flow.group(), flow.topic(), kPartitions));
    ASSERT_TRUE(DeleteGroupOffsets(a_.client(), flow.group(), "heartbeats", 1));
    auto left = CommittedOffsets(a_.client(), flow.group(), flow.topic());
    ASSERT_TRUE(left.ok()) << left.error();
    ASSERT_TRUE(left->empty()) << "the group still has offsets";
    ASSERT_TRUE(producer.WaitForAcknowledged(producer.acknowledged() + 2000, seconds(60)));
    km = flow.StartKmirror({}, {"A.consumer.auto.offset.reset = " + reset});
    EXPECT_TRUE(WaitForLog(*km, "the group has no committed offset (expired", seconds(30))) << km->OutputTail(30);
    ASSERT_TRUE(flow.WaitForProgress(2000, seconds(60), km.get())) << "no progress after the restart";
  }
  ASSERT_TRUE(producer.Stop());
  auto r = WaitForMirror(flow.Spec({&producer}), seconds(120));
  Report("group offsets deleted twice (latest, earliest)", r, start_);
  EXPECT_TRUE(NothingLost(r));
  // Each stop drained and wrote the log: each restart resumes exactly where it stopped.
  EXPECT_TRUE(AtLeastOnce(r, DuplicateBound(2, kRate, kTasks, kMaxInflightRecords)));
  EXPECT_EQ(km->Terminate(seconds(60)), 0) << km->OutputTail(30);
}

}  // namespace
}  // namespace kmirror::test
