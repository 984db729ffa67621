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
//     everything again) (defect 7, second half);
//   - the target's history changes under the index (defect 2): the remote topic is deleted
//     and created again, the offset-sync log is deleted while kmirror runs, the target is
//     replaced by an empty cluster under the same alias. Each is detected: the partition is
//     re-seeded from the source's first record (or stopped, if the operator says so), the
//     runs of the old copy are dropped, the log is created again and nothing jumps forward.
#include "fault_test_util.h"

#include <signal.h>

#include "kmirror/wire/offset_sync_event.h"
#include "support/test_admin.h"
#include "support/test_groups.h"

namespace kmirror::test {
namespace {

// C stands in for a new, empty cluster that replaces B under B's alias.
[[maybe_unused]] const auto* const kKafka = KafkaEnv::Register({{.name = "A"}, {.name = "B"}, {.name = "C"}});

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

  // `app`'s committed offsets translated by kmirror's API, judged against the copy on `copy`;
  // one line in the output.
  TranslationResult TranslateApp(ChildProcess& km, const OneWayFlow& flow, const std::string& app, KafkaCluster& copy,
                                 const std::string& what) {
    auto port = ApiPort(km, seconds(30));
    if (!port) return TranslationResult{.group = app, .errors = {"no API port:\n" + km.OutputTail(30)}};
    ApiClient api(*port);
    auto t = TranslateAndCheck(api, a_, copy, flow.topic(), flow.remote(), app);
    std::cout << "[fault] " << what << ", translation: " << t.Summary() << "\n";
    return t;
  }

  KafkaCluster& a_ = KafkaEnv::Cluster("A");
  KafkaCluster& b_ = KafkaEnv::Cluster("B");
  KafkaCluster& c_ = KafkaEnv::Cluster("C");
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
  // A stopped kmirror's static members stay in its group until their session times out
  // (offsets expire only from an empty group): a short one keeps the test short.
  OneWayFlow flow(a_, b_, kPartitions, {},
                  {"A.consumer.auto.offset.reset = latest", "A.consumer.session.timeout.ms = 6000"});
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
    // Refused (GROUP_SUBSCRIBED_TO_TOPIC) until the stopped members' session timed out.
    ASSERT_TRUE(
        WaitUntil([&] { return bool(DeleteGroupOffsets(a_.client(), flow.group(), flow.topic(), kPartitions)); },
                  seconds(60), milliseconds(500)));
    // The heartbeats partition may have no commit yet: then the group held only the topic's
    // offsets and is gone with them ("group id does not exist"), which is what is wanted.
    if (auto hb = DeleteGroupOffsets(a_.client(), flow.group(), "heartbeats", 1); !hb) {
      EXPECT_NE(std::string(hb.message()).find("group id does not exist"), std::string::npos) << hb.message();
    }
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

// Mirrors a fixed set of stamped records (the producer stopped), all of them on B.
std::unique_ptr<ChildProcess> MirrorAFixedSet(OneWayFlow& flow, StampedProducer& producer) {
  producer.Start();
  EXPECT_TRUE(producer.WaitForAcknowledged(2000, seconds(60)));
  auto km = flow.StartKmirror();
  EXPECT_TRUE(flow.WaitForProgress(1000, seconds(60), km.get())) << km->OutputTail(20);
  EXPECT_TRUE(producer.Stop());
  auto r = WaitForMirror(flow.Spec({&producer}), seconds(120));
  EXPECT_TRUE(AtLeastOnce(r, DuplicateBound(0, kRate, kTasks, kMaxInflightRecords)));
  return km;
}

// Deletes `topic` on `cluster` and creates it again, empty, with `partitions`.
::testing::AssertionResult Recreate(KafkaCluster& cluster, const std::string& topic, int partitions) {
  auto deleted = DeleteTopic(cluster.client(), topic);
  if (!deleted) return deleted;
  // Deletion completes in the background: creation is refused until it did.
  if (WaitUntil([&] { return bool(CreateTopic(cluster.client(), topic, partitions)); }, seconds(60),
                milliseconds(500))) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << topic << " could not be created again";
}

TEST_F(OffsetLogFaultTest, RemoteTopicRecreatedIsReSeededFromTheSourceLogStart) {
  OneWayFlow flow(a_, b_, kPartitions);
  ASSERT_TRUE(flow.CreateSource());
  StampedProducer producer(a_.client(), flow.ProducerOptions(kRate));
  auto km = MirrorAFixedSet(flow, producer);
  ASSERT_EQ(km->Terminate(seconds(60)), 0) << km->OutputTail(30);

  // While kmirror is down: the copy is lost (deleted, created again empty), the source's
  // retention deletes the first 100 records of each partition, and an application has
  // committed inside the deleted range (partition 0) and past it (partition 1).
  ASSERT_TRUE(Recreate(b_, flow.remote(), kPartitions));
  constexpr int64_t kDeleted = 100;
  for (int p = 0; p < kPartitions; ++p) ASSERT_TRUE(DeleteRecords(a_.client(), flow.topic(), p, kDeleted));
  const std::string app = UniqueName("app");
  ASSERT_TRUE(CommitOffsets(a_.client(), app, flow.topic(), {{0, 50}, {1, 300}}));

  km = flow.StartKmirror();
  EXPECT_TRUE(WaitForLog(*km, "RE-SEEDED", seconds(60))) << km->OutputTail(30);
  const int64_t still_on_source = producer.acknowledged() - kDeleted * kPartitions;
  EXPECT_TRUE(WaitForRecords(b_.client(), flow.remote(), still_on_source, seconds(120), km.get()));
  auto r = CheckMirror(flow.Spec({&producer}));
  Report("remote topic recreated, re-seeded", r, start_);
  // Every record the source still has is on the new copy, once and in order; the only
  // records missing are the ones the source deleted (its loss, not kmirror's).
  EXPECT_EQ(r.lost_at_source, kDeleted * kPartitions) << r.Summary();
  EXPECT_EQ(r.lost, r.lost_at_source) << r.Summary();
  EXPECT_EQ(r.duplicated, 0) << r.Summary();
  EXPECT_EQ(RecordCount(b_.client(), flow.remote()), still_on_source);
  EXPECT_TRUE(OrderKept(r));
  // The runs of the old copy are gone: a group committed at 50 (deleted on the source) or
  // 300 resumes at the copy of its first unread record in the new copy. First wait until the
  // index applied every partition's restart run (the old copy's runs also answer EXACT for
  // the last records, so TranslateAndCheck's own wait does not show it).
  {
    auto port = ApiPort(*km, seconds(30));
    ASSERT_TRUE(port) << km->OutputTail(30);
    ApiClient api(*port);
    EXPECT_TRUE(WaitUntil(
        [&] {
          for (int p = 0; p < kPartitions; ++p) {
            v1::OffsetTranslation tr;
            if (!api.TranslateOffset(flow.topic(), p, kDeleted, &tr).ok() || tr.target_offset() != 0) return false;
          }
          return true;
        },
        seconds(60), milliseconds(200)))
        << "the index never applied the restart runs";
  }
  auto t = TranslateApp(*km, flow, app, b_, "remote topic recreated");
  EXPECT_TRUE(NothingSkipped(t));
  EXPECT_TRUE(RereadAtMost(t, 0));
  EXPECT_EQ(km->Terminate(seconds(60)), 0) << km->OutputTail(30);
}

TEST_F(OffsetLogFaultTest, UnderStopARecreatedRemoteTopicStopsItsPartitions) {
  OneWayFlow flow(a_, b_, kPartitions, {}, {"target.history.change = stop"});
  ASSERT_TRUE(flow.CreateSource());
  StampedProducer producer(a_.client(), flow.ProducerOptions(kRate));
  auto km = MirrorAFixedSet(flow, producer);
  ASSERT_EQ(km->Terminate(seconds(60)), 0) << km->OutputTail(30);
  ASSERT_TRUE(Recreate(b_, flow.remote(), kPartitions));

  km = flow.StartKmirror();
  for (int p = 0; p < kPartitions; ++p) {
    EXPECT_TRUE(WaitForLog(*km, "partition " + flow.topic() + "-" + std::to_string(p) + " STOPPED", seconds(60)))
        << km->OutputTail(30);
  }
  EXPECT_NE(km->Output().find("target.history.change = stop"), std::string::npos);
  // More records arrive on the source; none is mirrored into the recreated topic.
  StampedProducer more(a_.client(), flow.ProducerOptions(kRate, "p1"));
  more.Start();
  ASSERT_TRUE(more.WaitForAcknowledged(500, seconds(60)));
  ASSERT_TRUE(more.Stop());
  std::this_thread::sleep_for(seconds(5));
  EXPECT_EQ(flow.CopyCount(), 0) << km->OutputTail(30);
  EXPECT_EQ(km->Output().find("RE-SEEDED"), std::string::npos);
  EXPECT_EQ(km->Terminate(seconds(60)), 0) << km->OutputTail(30);
}

TEST_F(OffsetLogFaultTest, OffsetSyncLogDeletedWhileRunningIsRecreatedAndNothingJumpsForward) {
  OneWayFlow flow(a_, b_, kPartitions, {}, {"refresh.topics.interval.seconds = 2"});
  ASSERT_TRUE(flow.CreateSource());
  StampedProducer producer(a_.client(), flow.ProducerOptions(kRate));
  producer.Start();
  ASSERT_TRUE(producer.WaitForAcknowledged(1000, seconds(60)));
  auto km = flow.StartKmirror();
  ASSERT_TRUE(flow.WaitForProgress(2000, seconds(60), km.get()));
  const std::string app = UniqueName("app");
  ASSERT_TRUE(ConsumePart(a_, flow.topic(), app, kPartitions, 0.5));

  ASSERT_TRUE(DeleteTopic(b_.client(), log_topic_));
  EXPECT_TRUE(WaitForLog(*km, "was deleted on B: creating it again", seconds(60))) << km->OutputTail(30);
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto topics = ListTopics(b_.client());
        return topics.ok() && std::find(topics->begin(), topics->end(), log_topic_) != topics->end();
      },
      seconds(60), milliseconds(500)));
  ASSERT_TRUE(flow.WaitForProgress(2000, seconds(60), km.get())) << km->OutputTail(30);
  EXPECT_TRUE(WaitForLog(*km, "was recreated", seconds(60))) << km->OutputTail(30);

  // The group committed before the deletion is translated from the runs applied before it.
  EXPECT_TRUE(NothingSkipped(TranslateApp(*km, flow, app, b_, "offset-sync log deleted while running")));
  // And after a restart, from the same index reading the new log from where it stopped.
  ASSERT_EQ(km->Terminate(seconds(60)), 0) << km->OutputTail(30);
  km = flow.StartKmirror();
  ASSERT_TRUE(flow.WaitForProgress(1000, seconds(60), km.get())) << km->OutputTail(30);
  ASSERT_TRUE(producer.Stop());
  auto r = WaitForMirror(flow.Spec({&producer}), seconds(120));
  Report("offset-sync log deleted while running, restart", r, start_);
  EXPECT_TRUE(NothingLost(r));
  EXPECT_TRUE(OrderKept(r));
  EXPECT_TRUE(NothingSkipped(TranslateApp(*km, flow, app, b_, "offset-sync log deleted, after the restart")));
  EXPECT_EQ(km->Terminate(seconds(60)), 0) << km->OutputTail(30);
}

TEST_F(OffsetLogFaultTest, TargetReplacedByAnEmptyClusterIsReSeeded) {
  OneWayFlow flow(a_, b_, kPartitions);
  ASSERT_TRUE(flow.CreateSource());
  StampedProducer producer(a_.client(), flow.ProducerOptions(kRate));
  auto km = MirrorAFixedSet(flow, producer);
  ASSERT_EQ(km->Terminate(seconds(60)), 0) << km->OutputTail(30);
  const std::string app = UniqueName("app");
  ASSERT_TRUE(ConsumePart(a_, flow.topic(), app, kPartitions, 0.5));

  // The same configuration and index, but "B" is now an empty cluster: C.
  km = flow.StartKmirror({}, {"B.bootstrap.servers = " + c_.bootstrap()});
  EXPECT_TRUE(WaitForLog(*km, "is now cluster " + c_.cluster_id(), seconds(60))) << km->OutputTail(30);
  EXPECT_TRUE(WaitForLog(*km, "RE-SEEDED", seconds(60))) << km->OutputTail(30);
  MirrorSpec spec{.clusters = {{"A", a_.client()}, {"B", c_.client()}},
                  .copies = {{.origin_cluster = "A",
                              .origin_topic = flow.topic(),
                              .copy_cluster = "B",
                              .copy_topic = flow.remote()}},
                  .ledgers = {producer.ledger()}};
  auto r = WaitForMirror(spec, seconds(120));
  Report("target replaced by an empty cluster, re-seeded", r, start_);
  EXPECT_TRUE(NothingLost(r));
  EXPECT_EQ(r.duplicated, 0) << r.Summary();
  EXPECT_TRUE(OrderKept(r));
  auto t = TranslateApp(*km, flow, app, c_, "target replaced");
  EXPECT_TRUE(NothingSkipped(t));
  EXPECT_TRUE(RereadAtMost(t, 0));
  EXPECT_EQ(km->Terminate(seconds(60)), 0) << km->OutputTail(30);
}

}  // namespace
}  // namespace kmirror::test
