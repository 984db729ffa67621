// A kmirror cluster (docs/cluster.md): several nodes run the same flow from the same file,
// sharing its partitions through the flow's consumer group, with the flow's once-per-flow
// duties (remote topics, heartbeats, checkpoints, group offset sync) on one node at a time,
// chosen by the duty group on the target. Under a steady stamped load, judged by the
// independent checker.
#include "fault_test_util.h"

#include <signal.h>

namespace kmirror::test {
namespace {

[[maybe_unused]] const auto* const kKafka = KafkaEnv::Register({{.name = "A"}, {.name = "B"}});

constexpr int kPartitions = 6;
// The flow also mirrors the source's one-partition `heartbeats` topic (emit.heartbeats.enabled).
constexpr int kHeartbeatPartitions = 1;
constexpr double kRate = 1000;  // records/s
constexpr int kTasksPerNode = 1;
// The flow consumer's session timeout, which the duty lease follows too.
const std::vector<std::string> kClusterSettings = {
    "tasks.max = 1",
    "A.consumer.session.timeout.ms = 6000",
    "A.consumer.heartbeat.interval.ms = 1000",
    "emit.heartbeats.enabled = true",
    "emit.heartbeats.interval.seconds = 1",
    "groups = app.*",
};

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// One node: `kmirror run` on the shared file with its node id and per-node directory on the
// command line.
std::unique_ptr<ChildProcess> StartNode(const std::filesystem::path& file, const std::string& node,
                                        const std::string& index_dir) {
  std::vector<std::string> args = {KmirrorBinary(), "run",
                                   "--config",      file.string(),
                                   "--node-id",     node,
                                   "--set",         "offsets.index.dir=" + index_dir,
                                   "--set",         "api.listen=127.0.0.1:0"};
  if (const char* level = std::getenv("KMIRROR_FAULT_LOG_LEVEL"); level != nullptr && *level != '\0') {
    args.insert(args.end(), {"--log-level", level});
  }
  return ChildProcess::Start(args, {.name = "kmirror-" + node});
}

// Partitions the node's one task owns, from its log.
int Owned(ChildProcess& km) {
  int n = 0;
  for (const auto& [task, owned] : OwnedPartitions(km.Output())) n += owned;
  return n;
}

// Whether the node's log says it holds the flow's duties now (its last duty line).
bool HoldsDuties(ChildProcess& km) {
  const std::string log = km.Output();
  auto last = [&log](const char* what) -> long {
    const size_t at = log.rfind(what);
    return at == std::string::npos ? -1 : static_cast<long>(at);
  };
  const long held = last("holds the flow's duties (term");
  return held >= 0 && held > last("no longer holds the flow's duties") && held > last("gives up the flow's duties");
}

bool Status(int port, v1::GetReplicationStatusResponse* out) {
  auto stub = v1::TranslationService::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  v1::GetReplicationStatusRequest req;
  return stub->GetReplicationStatus(&ctx, req, out).ok() && out->flows_size() == 1;
}

int64_t LatestCheckpoint(ApiClient& api, const std::string& group) {
  v1::ListCheckpointsResponse r;
  if (!api.ListCheckpoints(group, &r).ok()) return -1;
  int64_t sum = 0;
  for (const auto& c : r.checkpoints()) sum += c.upstream_offset();
  return r.checkpoints_size() == 0 ? -1 : sum;
}

class ClusterFaultTest : public ::testing::Test {
 protected:
  KafkaCluster& a_ = KafkaEnv::Cluster("A");
  KafkaCluster& b_ = KafkaEnv::Cluster("B");
  const Clock::time_point start_ = Clock::now();
};

// Three nodes under load; kill -9 the duty holder and one more. The survivor owns every
// partition within the session timeout plus a rebalance and takes the duties over:
// heartbeats keep arriving and a source group's checkpoint keeps advancing, from it. 0 lost,
// duplicates within two faults' bound.
TEST_F(ClusterFaultTest, ThreeNodesSurviveKillNineOfTwoIncludingTheDutyHolder) {
  OneWayFlow flow(a_, b_, kPartitions, {}, kClusterSettings);
  ASSERT_TRUE(flow.CreateSource());
  const auto file = ScratchRoot() / (UniqueName("cluster") + ".properties");
  WriteFile(file, flow.Config());
  StampedProducer producer(a_.client(), flow.ProducerOptions(kRate));
  producer.Start();
  ASSERT_TRUE(producer.WaitForAcknowledged(500, seconds(60)));

  const std::vector<std::string> names = {"n1", "n2", "n3"};
  std::map<std::string, std::unique_ptr<ChildProcess>> nodes;
  for (const auto& n : names) nodes[n] = StartNode(file, n, (ScratchRoot() / UniqueName("index-" + n)).string());
  ASSERT_TRUE(flow.WaitForProgress(1000, seconds(60), nodes["n1"].get()));
  // Every node owns partitions (the cooperative rebalances are over) and one holds the duties.
  std::string holder;
  ASSERT_TRUE(WaitUntil(
      [&] {
        int owning = 0, total = 0;
        holder.clear();
        for (auto& [n, km] : nodes) {
          const int o = Owned(*km);
          owning += o > 0;
          total += o;
          if (HoldsDuties(*km)) holder = n;
        }
        return owning == 3 && total == kPartitions + kHeartbeatPartitions && !holder.empty();
      },
      seconds(90), milliseconds(200)))
      << "owned: n1 " << Owned(*nodes["n1"]) << ", n2 " << Owned(*nodes["n2"]) << ", n3 " << Owned(*nodes["n3"])
      << "; duty holder '" << holder << "'";
  size_t holders = 0;
  for (auto& [n, km] : nodes) holders += HoldsDuties(*km);
  EXPECT_EQ(holders, 1u) << "one node holds the duties";

  // Kill the holder and the next node; the third survives.
  std::string survivor;
  for (const auto& n : names) {
    if (n != holder) survivor = n;
  }
  const std::string app = UniqueName("app");
  ASSERT_TRUE(ConsumePart(a_, flow.topic(), app, kPartitions, 0.3));
  const Clock::time_point killed = Clock::now();
  for (auto& [n, km] : nodes) {
    if (n != survivor) {
      ASSERT_EQ(km->Kill9(), -SIGKILL);
    }
  }
  ChildProcess& km = *nodes[survivor];
  double all_partitions_s = -1, duties_s = -1;
  ASSERT_TRUE(WaitUntil(
      [&] {
        if (all_partitions_s < 0 && Owned(km) == kPartitions + kHeartbeatPartitions) {
          all_partitions_s = SecondsSince(killed);
        }
        if (duties_s < 0 && HoldsDuties(km)) duties_s = SecondsSince(killed);
        return all_partitions_s >= 0 && duties_s >= 0;
      },
      seconds(60), milliseconds(100)))
      << km.OutputTail(40);
  std::cout << "[cluster] kill -9 of " << holder << " (duty holder) and another node: survivor " << survivor
            << " owned all " << kPartitions << " partitions after " << all_partitions_s << " s, took the duties after "
            << duties_s << " s (session timeout 6 s)\n";
  RecordProperty("all_partitions_seconds", std::to_string(all_partitions_s));
  RecordProperty("duty_handover_seconds", std::to_string(duties_s));

  // The duties continue from the survivor: heartbeats arrive, and a source group's newer
  // commit becomes a newer checkpoint.
  const std::string heartbeats = "A.heartbeats";
  const int64_t beats = RecordCount(b_.client(), heartbeats);
  EXPECT_TRUE(WaitUntil([&] { return RecordCount(b_.client(), heartbeats) >= beats + 3; }, seconds(30)))
      << "heartbeats stopped: " << beats << " -> " << RecordCount(b_.client(), heartbeats);
  auto port = ApiPort(km, seconds(10));
  ASSERT_TRUE(port) << km.OutputTail(30);
  ApiClient api(*port);
  int64_t before = -1;
  ASSERT_TRUE(WaitUntil([&] { return (before = LatestCheckpoint(api, app)) >= 0; }, seconds(60))) << km.OutputTail(30);
  ASSERT_TRUE(ConsumePart(a_, flow.topic(), app, kPartitions, 0.6));
  EXPECT_TRUE(WaitUntil([&] { return LatestCheckpoint(api, app) > before; }, seconds(60)))
      << "the checkpoint of " << app << " did not advance past " << before << "\n"
      << km.OutputTail(30);

  // The status API sees the cluster as it is now.
  v1::GetReplicationStatusResponse st;
  EXPECT_TRUE(WaitUntil(
      [&] {
        return Status(*port, &st) && st.flows(0).duty_holder() == survivor && st.flows(0).nodes_size() == 1 &&
               st.flows(0).nodes(0).partitions() == kPartitions + kHeartbeatPartitions;
      },
      seconds(30), milliseconds(500)))
      << st.DebugString();
  EXPECT_EQ(st.node_id(), survivor);
  EXPECT_TRUE(st.flows_size() == 1 && st.flows(0).duties_held_here());

  ASSERT_TRUE(producer.Stop());
  auto r = WaitForMirror(flow.Spec({&producer}), seconds(120));
  Report("3 nodes, kill -9 of 2", r, start_);
  EXPECT_TRUE(AtLeastOnce(r, DuplicateBound(2, kRate, kTasksPerNode, kMaxInflightRecords)));
  EXPECT_EQ(km.Terminate(seconds(60)), 0);
}

// The duty holder frozen (SIGSTOP) past the session timeout: the other node takes the
// duties; a source group commits meanwhile, so there is a new checkpoint to write. After
// SIGCONT the zombie notices that it lost the duties and writes no checkpoint (nor any topic
// change) from then on; the other node writes it.
// The records are not judged here: in the first run a partition that the group handed back
// to the resumed zombie's task stalled there ("1023 records held for a batch in flight" for
// two minutes; nothing skipped: its committed offset stayed put), defect Z1 in
// docs/reliability.md, in FlowTask's handling of a lost partition that comes back. The
// one-node SIGSTOP scenario (KmirrorFaultTest.SigstopPastTheSessionTimeout) judges them.
TEST_F(ClusterFaultTest, AZombieDutyHolderWritesNothingAfterItResumes) {
  OneWayFlow flow(a_, b_, 4, {}, kClusterSettings);
  ASSERT_TRUE(flow.CreateSource());
  const auto file = ScratchRoot() / (UniqueName("zombie") + ".properties");
  WriteFile(file, flow.Config());
  StampedProducer producer(a_.client(), flow.ProducerOptions(kRate));
  producer.Start();
  ASSERT_TRUE(producer.WaitForAcknowledged(500, seconds(60)));
  std::map<std::string, std::unique_ptr<ChildProcess>> nodes;
  for (const std::string n : {"n1", "n2"}) {
    nodes[n] = StartNode(file, n, (ScratchRoot() / UniqueName("index-" + n)).string());
  }
  std::string holder, other;
  ASSERT_TRUE(WaitUntil(
      [&] {
        holder.clear();
        for (auto& [n, km] : nodes) {
          if (HoldsDuties(*km)) holder = n;
        }
        return !holder.empty() && Owned(*nodes["n1"]) > 0 && Owned(*nodes["n2"]) > 0;
      },
      seconds(90), milliseconds(200)));
  other = holder == "n1" ? "n2" : "n1";
  const std::string app = UniqueName("app");
  ASSERT_TRUE(ConsumePart(a_, flow.topic(), app, 4, 0.3));
  ASSERT_TRUE(WaitForLog(*nodes[holder], "checkpoint(s)", seconds(60)));

  nodes[holder]->Pause();
  ASSERT_TRUE(WaitUntil([&] { return HoldsDuties(*nodes[other]); }, seconds(60), milliseconds(200)))
      << nodes[other]->OutputTail(30);
  ASSERT_TRUE(ConsumePart(a_, flow.topic(), app, 4, 0.6));  // a checkpoint to write
  ASSERT_TRUE(
      WaitUntil([&] { return Owned(*nodes[other]) == 4 + kHeartbeatPartitions; }, seconds(60), milliseconds(200)));
  const size_t resumed_at = nodes[holder]->Output().size();
  nodes[holder]->Resume();
  ChildProcess& zombie = *nodes[holder];
  EXPECT_TRUE(WaitUntil([&] { return !HoldsDuties(zombie); }, seconds(30), milliseconds(100))) << zombie.OutputTail(30);
  std::this_thread::sleep_for(seconds(5));  // several checkpoint rounds (1 s)
  const std::string after = zombie.Output().substr(resumed_at);
  EXPECT_EQ(after.find("wrote "), std::string::npos) << "the zombie wrote checkpoints after it resumed:\n" << after;
  EXPECT_EQ(after.find("created topic"), std::string::npos) << after;
  EXPECT_EQ(after.find("copied changed configs"), std::string::npos) << after;
  EXPECT_EQ(after.find("synced "), std::string::npos) << after;
  std::cout << "[cluster] zombie " << holder << " after SIGCONT: " << (HoldsDuties(zombie) ? "holds" : "does not hold")
            << " the duties; " << other << " holds them\n";

  ASSERT_TRUE(producer.Stop());
  for (auto& [n, km] : nodes) EXPECT_EQ(km->Terminate(seconds(60)), 0) << n;
}

// Rolling restart of three nodes with SIGTERM, one at a time, each back at once under the
// same node id: a stopping node drains and commits; as a static member it keeps its slot in
// the flow's group and gets partitions again on its return. 0 lost, 0 duplicated, exit 0.
TEST_F(ClusterFaultTest, RollingSigtermRestartOfThreeNodesRepeatsNothing) {
  OneWayFlow flow(a_, b_, kPartitions, {}, kClusterSettings);
  ASSERT_TRUE(flow.CreateSource());
  const auto file = ScratchRoot() / (UniqueName("rolling") + ".properties");
  WriteFile(file, flow.Config());
  StampedProducer producer(a_.client(), flow.ProducerOptions(kRate));
  producer.Start();
  ASSERT_TRUE(producer.WaitForAcknowledged(500, seconds(60)));
  const std::vector<std::string> names = {"n1", "n2", "n3"};
  std::map<std::string, std::string> dirs;
  std::map<std::string, std::unique_ptr<ChildProcess>> nodes;
  for (const auto& n : names) {
    dirs[n] = (ScratchRoot() / UniqueName("index-" + n)).string();
    nodes[n] = StartNode(file, n, dirs[n]);
  }
  auto settled = [&] {
    int owning = 0, total = 0;
    for (auto& [n, km] : nodes) {
      const int o = Owned(*km);
      owning += o > 0;
      total += o;
    }
    return owning == 3 && total == kPartitions + kHeartbeatPartitions;
  };
  ASSERT_TRUE(WaitUntil(settled, seconds(90), milliseconds(200))) << nodes["n1"]->OutputTail(20);
  for (const auto& n : names) {
    ASSERT_TRUE(flow.WaitForProgress(1000, seconds(60), nodes[n].get()));
    const Clock::time_point stop = Clock::now();
    EXPECT_EQ(nodes[n]->Terminate(seconds(60)), 0) << nodes[n]->OutputTail(30);
    nodes[n] = StartNode(file, n, dirs[n]);
    ASSERT_TRUE(WaitUntil(settled, seconds(90), milliseconds(200))) << nodes[n]->OutputTail(30);
    std::cout << "[cluster] SIGTERM and restart of " << n << ": every node owns partitions again after "
              << SecondsSince(stop) << " s\n";
  }
  ASSERT_TRUE(flow.WaitForProgress(1000, seconds(60), nodes["n1"].get()));
  ASSERT_TRUE(producer.Stop());
  auto r = WaitForMirror(flow.Spec({&producer}), seconds(120));
  Report("3 nodes, rolling SIGTERM restart", r, start_);
  EXPECT_TRUE(AtLeastOnce(r, 0)) << "a SIGTERM drains and commits: nothing may be repeated";
  for (auto& [n, km] : nodes) EXPECT_EQ(km->Terminate(seconds(60)), 0) << n;
}

// Two nodes on one host from one file that sets neither the API address nor the index
// directory (their defaults would collide): one gets its own through --set, the other
// through the environment. Both run, each with its own port and directory, and each sees
// the other in the status. A bad override stops a start before anything is touched, naming
// the flag or variable.
TEST_F(ClusterFaultTest, TwoNodesOnOneHostFromOneSharedFile) {
  OneWayFlow flow(a_, b_, 4, {}, kClusterSettings);
  ASSERT_TRUE(flow.CreateSource());
  std::string shared;
  {
    std::istringstream lines(flow.Config());
    for (std::string line; std::getline(lines, line);) {
      if (!line.starts_with("offsets.index.dir")) shared += line + "\n";
    }
  }
  TempDir work("two-nodes");
  const auto file = work / "shared.properties";
  WriteFile(file, shared);

  // Bad overrides: exit 2, naming where the value came from.
  auto bad = ChildProcess::Start({KmirrorBinary(), "run", "--config", file.string(), "--set", "api.listen=nowhere"},
                                 {.name = "kmirror-bad-set"});
  EXPECT_EQ(bad->Wait(seconds(30)), 2);
  EXPECT_NE(bad->Output().find("--set api.listen"), std::string::npos) << bad->OutputTail(10);
  auto bad_env = ChildProcess::Start({KmirrorBinary(), "run", "--config", file.string()},
                                     {.env = {{"KMIRROR_NODE_ID", "no spaces please"}}, .name = "kmirror-bad-env"});
  EXPECT_EQ(bad_env->Wait(seconds(30)), 2);
  EXPECT_NE(bad_env->Output().find("environment variable KMIRROR_NODE_ID"), std::string::npos)
      << bad_env->OutputTail(10);

  const auto dir1 = work / "n1-index";
  const auto dir2 = work / "n2-index";
  auto n1 = ChildProcess::Start({KmirrorBinary(), "run", "--config", file.string(), "--node-id", "n1", "--set",
                                 "api.listen=127.0.0.1:0", "--set", "offsets.index.dir=" + dir1.string()},
                                {.working_dir = work.path(), .name = "kmirror-n1"});
  auto n2 = ChildProcess::Start({KmirrorBinary(), "run", "--config", file.string()},
                                {.env = {{"KMIRROR_NODE_ID", "n2"},
                                         {"KMIRROR_SET_API_LISTEN", "127.0.0.1:0"},
                                         {"KMIRROR_SET_OFFSETS_INDEX_DIR", dir2.string()}},
                                 .working_dir = work.path(),
                                 .name = "kmirror-n2"});
  auto p1 = ApiPort(*n1, seconds(60));
  auto p2 = ApiPort(*n2, seconds(60));
  ASSERT_TRUE(p1 && p2) << n1->OutputTail(20) << n2->OutputTail(20);
  EXPECT_NE(*p1, *p2);
  EXPECT_NE(n1->Output().find("node n1"), std::string::npos);
  EXPECT_NE(n2->Output().find("node n2"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(dir1) && std::filesystem::exists(dir2));
  EXPECT_FALSE(std::filesystem::exists(work / "kmirror-data")) << "the default directory was not used";

  v1::GetReplicationStatusResponse s1, s2;
  EXPECT_TRUE(WaitUntil(
      [&] {
        if (!Status(*p1, &s1) || !Status(*p2, &s2)) return false;
        int partitions = 0;
        for (const auto& n : s1.flows(0).nodes()) partitions += n.partitions();
        return s1.flows(0).nodes_size() == 2 && partitions == 4 + kHeartbeatPartitions &&
               !s1.flows(0).duty_holder().empty() && s1.flows(0).duty_holder() == s2.flows(0).duty_holder() &&
               s1.flows(0).duties_held_here() != s2.flows(0).duties_held_here();
      },
      seconds(60), milliseconds(500)))
      << s1.DebugString() << s2.DebugString();
  EXPECT_EQ(s1.node_id(), "n1");
  EXPECT_EQ(s2.node_id(), "n2");
  EXPECT_TRUE(n1->Running() && n2->Running());

  // `kmirror status` prints the same view.
  auto cli = ChildProcess::Start({KmirrorBinary(), "status", "--api", "127.0.0.1:" + std::to_string(*p2)},
                                 {.name = "kmirror-status"});
  EXPECT_EQ(cli->Wait(seconds(30)), 0);
  const std::string out = cli->Output();
  EXPECT_NE(out.find("answered by node n2"), std::string::npos) << out;
  EXPECT_NE(out.find("duties: " + s2.flows(0).duty_holder()), std::string::npos) << out;
  EXPECT_EQ(n1->Terminate(seconds(60)), 0);
  EXPECT_EQ(n2->Terminate(seconds(60)), 0);
}

}  // namespace
}  // namespace kmirror::test
