// Faults of the kmirror process itself, under a steady stamped load on A, judged by the
// independent checker: kill -9 mid-stream (repeatedly), SIGTERM restarts, and SIGSTOP past
// the consumer session timeout. docs/reliability.md has the matrix and the duplicate bound.
#include "fault_test_util.h"

#include <signal.h>

namespace kmirror::test {
namespace {

[[maybe_unused]] const auto* const kKafka = KafkaEnv::Register({{.name = "A"}, {.name = "B"}});

constexpr int kPartitions = 4;
constexpr double kRate = 2000;  // records/s

class KmirrorFaultTest : public ::testing::Test {
 protected:
  KafkaCluster& a_ = KafkaEnv::Cluster("A");
  KafkaCluster& b_ = KafkaEnv::Cluster("B");
  const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();

  // Under load, `first` (node n1) mirrors alone, then `second` (n2) joins; returns once the
  // first has given partitions up and both wait between the two rounds of the cooperative
  // rebalance (the flow's heartbeat interval of 10 s holds the second round back).
  void BetweenTheRoundsOfAJoin(OneWayFlow& flow, StampedProducer& producer, std::unique_ptr<ChildProcess>* first,
                               std::unique_ptr<ChildProcess>* second) {
    producer.Start();
    ASSERT_TRUE(producer.WaitForAcknowledged(1000, seconds(60)));
    *first = flow.StartKmirror("n1");
    ASSERT_TRUE(WaitForSettledGroup(**first, seconds(60), 1));
    ASSERT_TRUE(flow.WaitForProgress(2000, seconds(60), first->get()));
    *second = flow.StartKmirror("n2");
    ASSERT_TRUE(WaitForLog(**first, "rebalance: giving up", seconds(60)));
  }
};

// kill -9 three times while records flow, a restart each time, then a clean run to the
// end: nothing lost, order kept, duplicates within three faults' bound; and a consumer
// group that read part of the topic fails over without skipping a record. The dead
// process's consumers stay in the group until their session times out (10 s here, 45 s by
// default): that is how long each restart waits before it mirrors again.
TEST_F(KmirrorFaultTest, KillNineRepeatedlyMidStream) {
  OneWayFlow flow(
      a_, b_, kPartitions, {},
      {"groups = app.*", "A.consumer.session.timeout.ms = 10000", "A.consumer.heartbeat.interval.ms = 1000"});
  ASSERT_TRUE(flow.CreateSource());
  StampedProducer producer(a_.client(), flow.ProducerOptions(kRate));
  producer.Start();
  ASSERT_TRUE(producer.WaitForAcknowledged(1000, seconds(60)));
  auto km = flow.StartKmirror();
  ASSERT_TRUE(flow.WaitForProgress(2000, seconds(60), km.get()));
  const std::string app = UniqueName("app");
  for (int kill = 0; kill < 3; ++kill) {
    std::this_thread::sleep_for(seconds(4));
    if (kill == 1) {
      ASSERT_TRUE(ConsumePart(a_, flow.topic(), app, kPartitions, 0.5));
    }
    ASSERT_EQ(km->Kill9(), -SIGKILL);
    km = flow.StartKmirror();
    ASSERT_TRUE(flow.WaitForProgress(2000, seconds(60), km.get())) << "no progress after restart " << kill + 1;
  }
  std::this_thread::sleep_for(seconds(4));
  ASSERT_TRUE(producer.Stop());
  auto r = WaitForMirror(flow.Spec({&producer}), seconds(120));
  Report("kill -9 x3", r, start_);
  EXPECT_TRUE(AtLeastOnce(r, DuplicateBound(3, kRate, kTasks, kMaxInflightRecords)));

  auto port = ApiPort(*km, seconds(30));
  ASSERT_TRUE(port) << km->OutputTail(30);
  ApiClient api(*port);
  auto t = TranslateAndCheck(api, a_, b_, flow.topic(), flow.remote(), app);
  std::cout << "[fault] kill -9 x3, translation: " << t.Summary() << "\n";
  EXPECT_TRUE(NothingSkipped(t));
  EXPECT_TRUE(RereadAtMost(t, DuplicateBound(3, kRate, kTasks, kMaxInflightRecords)));
  EXPECT_EQ(km->Terminate(seconds(60)), 0) << km->OutputTail(30);
}

// SIGTERM and restart three times under load, each time once the group has settled (a
// rolling restart of a one-node deployment): a stop drains and commits, so nothing may be
// lost or repeated, and every stop exits 0.
TEST_F(KmirrorFaultTest, SigtermRollingRestartRepeatsNothing) {
  OneWayFlow flow(a_, b_, kPartitions);
  ASSERT_TRUE(flow.CreateSource());
  StampedProducer producer(a_.client(), flow.ProducerOptions(kRate));
  producer.Start();
  ASSERT_TRUE(producer.WaitForAcknowledged(1000, seconds(60)));
  auto km = flow.StartKmirror();
  for (int restart = 0; restart < 3; ++restart) {
    ASSERT_TRUE(WaitForSettledGroup(*km, seconds(60)));
    ASSERT_TRUE(flow.WaitForProgress(2000, seconds(60), km.get()));
    std::this_thread::sleep_for(seconds(2));
    ASSERT_EQ(km->Terminate(seconds(60)), 0) << km->OutputTail(30);
    km = flow.StartKmirror();
  }
  ASSERT_TRUE(WaitForSettledGroup(*km, seconds(60)));
  ASSERT_TRUE(flow.WaitForProgress(2000, seconds(60), km.get()));
  ASSERT_TRUE(producer.Stop());
  auto r = WaitForMirror(flow.Spec({&producer}), seconds(120));
  Report("SIGTERM x3 (settled group)", r, start_);
  EXPECT_TRUE(AtLeastOnce(r, 0));
  EXPECT_EQ(km->Terminate(seconds(60)), 0) << km->OutputTail(30);
}

// Issue 15, defect 9 (docs/reliability.md, S1): stopping during a group join. Two kmirror
// processes ("nodes") of one flow, one task each: the second joins, the first gives its
// partitions up and rejoins so that the second can get them, and both are stopped in
// that moment, between the two rounds of the cooperative rebalance (a heartbeat interval
// of 10 s holds the second round back long enough to do it on purpose; one process's two
// tasks land there by chance a few seconds after many starts). Before the fix the second
// node closed without a LeaveGroup (librdkafka 2.0.2 skips it for a cooperative member
// with an empty assignment: "consumer is terminating, skipping rejoin"), the first node's
// JoinGroup waited at the coordinator for it, and its final commit, queued behind that
// JoinGroup, was never answered: the first node exited 1 at shutdown.timeout.seconds
// (30 s) and the restart waited 45 s for the member that never left. Now the second
// node leaves (kafka::Consumer::LeaveBeforeClose) and the first waits for its rejoin to
// be answered before it commits (FlowTask::Drain): both exit 0 at once and the restart
// repeats nothing.
TEST_F(KmirrorFaultTest, SigtermBetweenTheRoundsOfARebalanceDrainsAndCommits) {
  OneWayFlow flow(a_, b_, kPartitions, {}, {"tasks.max = 1", "A.consumer.heartbeat.interval.ms = 10000"});
  ASSERT_TRUE(flow.CreateSource());
  StampedProducer producer(a_.client(), flow.ProducerOptions(kRate));
  std::unique_ptr<ChildProcess> first, second;
  ASSERT_NO_FATAL_FAILURE(BetweenTheRoundsOfAJoin(flow, producer, &first, &second));
  const auto stop = std::chrono::steady_clock::now();
  first->Signal(SIGTERM);
  second->Signal(SIGTERM);
  EXPECT_EQ(first->Wait(seconds(60)), 0) << first->OutputTail(30);
  EXPECT_EQ(second->Wait(seconds(60)), 0) << second->OutputTail(30);
  EXPECT_LT(std::chrono::steady_clock::now() - stop, seconds(20)) << "the stop took longer than a drain should";

  auto km = flow.StartKmirror("n1");
  ASSERT_TRUE(WaitForSettledGroup(*km, seconds(60), 1));
  ASSERT_TRUE(flow.WaitForProgress(2000, seconds(60), km.get()));
  ASSERT_TRUE(producer.Stop());
  auto r = WaitForMirror(flow.Spec({&producer}), seconds(120));
  Report("SIGTERM of both nodes between rebalance rounds", r, start_);
  EXPECT_TRUE(AtLeastOnce(r, 0)) << "a clean stop must repeat nothing";
  EXPECT_EQ(km->Terminate(seconds(60)), 0) << km->OutputTail(30);
}

// The other way a stop meets a group join: the newcomer dies (kill -9) between the rounds,
// so the first node's rejoin is answered only at the newcomer's session timeout (45 s),
// past any drain. The first node waits for the join at most 15 s, then leaves its consumer
// to the process exit without a commit (closing or destroying it could wait for the
// coordinator, or abort in librdkafka 2.0.2): it exits 0 inside its watchdog (30 s here).
// What the target acknowledged since its last commit is mirrored again by the next owner,
// like after any crash; not checked here (that would wait out the session timeouts).
TEST_F(KmirrorFaultTest, SigtermWhileTheNewcomerIsDeadBetweenTheRoundsStaysInsideTheWatchdog) {
  OneWayFlow flow(a_, b_, kPartitions, {}, {"tasks.max = 1", "A.consumer.heartbeat.interval.ms = 10000"});
  ASSERT_TRUE(flow.CreateSource());
  StampedProducer producer(a_.client(), flow.ProducerOptions(kRate));
  std::unique_ptr<ChildProcess> first, second;
  ASSERT_NO_FATAL_FAILURE(BetweenTheRoundsOfAJoin(flow, producer, &first, &second));
  ASSERT_EQ(second->Kill9(), -SIGKILL);
  first->Signal(SIGTERM);
  EXPECT_EQ(first->Wait(seconds(60)), 0) << first->OutputTail(30);
  EXPECT_NE(first->Output().find("still rebalancing"), std::string::npos) << first->OutputTail(30);
  ASSERT_TRUE(producer.Stop());
}

// SIGSTOP for longer than the consumer session timeout (6 s here): the source's group
// coordinator expires both tasks; after SIGCONT they find out, rejoin and go on.
TEST_F(KmirrorFaultTest, SigstopPastTheSessionTimeout) {
  OneWayFlow flow(a_, b_, kPartitions, {},
                  {"A.consumer.session.timeout.ms = 6000", "A.consumer.heartbeat.interval.ms = 1000"});
  ASSERT_TRUE(flow.CreateSource());
  StampedProducer producer(a_.client(), flow.ProducerOptions(kRate));
  producer.Start();
  ASSERT_TRUE(producer.WaitForAcknowledged(1000, seconds(60)));
  auto km = flow.StartKmirror();
  ASSERT_TRUE(flow.WaitForProgress(2000, seconds(60), km.get()));
  std::this_thread::sleep_for(seconds(3));
  km->Pause();
  std::this_thread::sleep_for(seconds(15));
  km->Resume();
  ASSERT_TRUE(flow.WaitForProgress(5000, seconds(90), km.get())) << "no progress after SIGCONT";
  std::this_thread::sleep_for(seconds(3));
  ASSERT_TRUE(producer.Stop());
  auto r = WaitForMirror(flow.Spec({&producer}), seconds(120));
  Report("SIGSTOP 15 s (session timeout 6 s)", r, start_);
  EXPECT_TRUE(AtLeastOnce(r, DuplicateBound(1, kRate, kTasks, kMaxInflightRecords)));
  EXPECT_TRUE(km->Running()) << km->OutputTail(30);
  EXPECT_EQ(km->Terminate(seconds(60)), 0) << km->OutputTail(30);
}

// Active-active A<->B (one process running both flows, stamped producers on both clusters)
// with a kill -9 in the middle: each cluster ends with a copy of the other's records and
// nothing comes back to where it was written. With prefix naming: no B.A.<topic> on A, none of
// A's records in A's B.<topic>. With identity naming the copy is the original topic of the
// other side (A's <topic> holds A's records and B's), so only the provenance header keeps a
// record from going round: the checker counts any record of A found a second time in A's
// <topic> as looped.
void TwoWayKillNine(KafkaCluster& a, KafkaCluster& b, bool identity, std::chrono::steady_clock::time_point start) {
  const std::string topic = UniqueName(identity ? "twoid" : "two");
  ASSERT_TRUE(CreateTopic(a.client(), topic, kPartitions));
  ASSERT_TRUE(CreateTopic(b.client(), topic, kPartitions));
  const std::string copy_on_b = identity ? topic : "A." + topic;
  const std::string copy_on_a = identity ? topic : "B." + topic;
  const std::string index = (ScratchRoot() / UniqueName("index")).string();
  const std::string config =
      "clusters = A, B\nA.bootstrap.servers = " + a.bootstrap() + "\nB.bootstrap.servers = " + b.bootstrap() +
      "\nA->B.enabled = true\nB->A.enabled = true\ntopics = .*" + topic + "\nA->B.flow.group.id = " + UniqueName("ab") +
      "\nB->A.flow.group.id = " + UniqueName("ba") +
      "\nreplication.factor = 1\nheartbeats.topic.replication.factor = 1\ncheckpoints.topic.replication.factor = 1"
      "\nrefresh.topics.interval.seconds = 2\ntasks.max = " +
      std::to_string(kTasks) + "\ntask.max.inflight.records = " + std::to_string(kMaxInflightRecords) +
      "\nA.consumer.session.timeout.ms = 10000\nB.consumer.session.timeout.ms = 10000"
      "\nA.consumer.heartbeat.interval.ms = 1000\nB.consumer.heartbeat.interval.ms = 1000"
      "\noffsets.index.dir = " +
      index + "\n" +
      (identity ? "replication.policy.class = org.apache.kafka.connect.mirror.IdentityReplicationPolicy\n" : "");
  auto options = [&](const std::string& origin) {
    return StampedProducerOptions{.origin = origin,
                                  .producer_id = "p" + origin,
                                  .topic = topic,
                                  .partitions = kPartitions,
                                  .records_per_second = kRate / 2,
                                  .value_bytes = 200};
  };
  StampedProducer on_a(a.client(), options("A"));
  StampedProducer on_b(b.client(), options("B"));
  on_a.Start();
  on_b.Start();
  ASSERT_TRUE(on_a.WaitForAcknowledged(1000, seconds(60)));
  ASSERT_TRUE(on_b.WaitForAcknowledged(1000, seconds(60)));
  // Records copied both ways so far; with identity naming the copies share their topic with
  // the other side's originals, whose acknowledged count is taken off (a progress measure:
  // it may run ahead by what is written and not acknowledged yet).
  auto copied = [&] {
    int64_t n = RecordCount(b.client(), copy_on_b) + RecordCount(a.client(), copy_on_a);
    if (identity) n -= on_a.acknowledged() + on_b.acknowledged();
    return n;
  };
  auto km = StartKmirror(config, "kmirror-two-way");
  ASSERT_TRUE(WaitUntil([&] { return copied() > 4000; }, seconds(60))) << km->OutputTail(30);
  std::this_thread::sleep_for(seconds(4));
  ASSERT_EQ(km->Kill9(), -SIGKILL);
  km = StartKmirror(config, "kmirror-two-way");
  const int64_t before = copied();
  ASSERT_TRUE(WaitUntil([&] { return copied() > before + 4000; }, seconds(60))) << km->OutputTail(30);
  std::this_thread::sleep_for(seconds(4));
  ASSERT_TRUE(on_a.Stop());
  ASSERT_TRUE(on_b.Stop());
  MirrorSpec spec{
      .clusters = {{"A", a.client()}, {"B", b.client()}},
      .copies = {{.origin_cluster = "A", .origin_topic = topic, .copy_cluster = "B", .copy_topic = copy_on_b},
                 {.origin_cluster = "B", .origin_topic = topic, .copy_cluster = "A", .copy_topic = copy_on_a}},
      .ledgers = {on_a.ledger(), on_b.ledger()}};
  auto r = WaitForMirror(spec, seconds(120));
  std::this_thread::sleep_for(seconds(5));  // would anything loop back given time?
  r = CheckMirror(spec);
  Report(identity ? "two-way A<->B, identity naming, kill -9" : "two-way A<->B, kill -9", r, start);
  // Each flow runs kTasks tasks at half the rate: one fault's bound per flow.
  EXPECT_TRUE(AtLeastOnce(r, 2 * DuplicateBound(1, kRate / 2, kTasks, kMaxInflightRecords)));
  for (const auto* c : {&a, &b}) {
    for (const auto& t : ListTopics(c->client()).value()) {
      EXPECT_EQ(t.find("A.B."), std::string::npos) << t;
      EXPECT_EQ(t.find("B.A."), std::string::npos) << t;
      if (identity) {
        EXPECT_EQ(t.find("." + topic), std::string::npos) << "a prefixed copy under identity naming: " << t;
      }
    }
  }
  EXPECT_EQ(km->Terminate(seconds(60)), 0) << km->OutputTail(30);
}

TEST_F(KmirrorFaultTest, TwoWayKillNineLoopsNothing) { TwoWayKillNine(a_, b_, false, start_); }

TEST_F(KmirrorFaultTest, TwoWayIdentityNamingKillNineLoopsNothing) { TwoWayKillNine(a_, b_, true, start_); }

}  // namespace
}  // namespace kmirror::test
