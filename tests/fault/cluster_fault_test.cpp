// A kmirror cluster (docs/cluster.md): several nodes run the same flow from the same file,
// sharing its partitions through the flow's consumer group, with the flow's once-per-flow
// duties (remote topics, heartbeats, checkpoints, group offset sync) on one node at a time,
// chosen by the duty group on the target. Under a steady stamped load, judged by the
// independent checker.
#include "fault_test_util.h"

#include <httplib.h>
#include <signal.h>

#include <algorithm>

#include "kmirror/kafka/node_names.h"
#include "support/rdkafka_handles.h"
#include "support/test_groups.h"

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

// The fewest partitions the node's task owned at any point of its log from byte `from` on
// (its rebalance lines replayed; the count at `from` included): 0 means it stood idle once.
int MinOwnedSince(const std::string& log, size_t from) {
  int owned = 0;
  for (const auto& [task, n] : OwnedPartitions(log.substr(0, from))) owned += n;
  int lowest = owned;
  std::istringstream lines(log.substr(from));
  for (std::string line; std::getline(lines, line);) {
    for (const auto& [task, n] : OwnedPartitions(line)) owned += n;
    lowest = std::min(lowest, owned);
  }
  return lowest;
}

// Where the node's log ends now, at a line boundary (for MinOwnedSince).
size_t LogMark(ChildProcess& km) {
  const std::string log = km.Output();
  const size_t nl = log.rfind('\n');
  return nl == std::string::npos ? 0 : nl + 1;
}

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

// The metrics port the node logged ("metrics listening on ... (port N)"); -1 if none yet.
int MetricsPort(ChildProcess& km) {
  const std::string log = km.Output();
  const size_t line = log.find("metrics listening on");
  const size_t at = line == std::string::npos ? line : log.find("(port ", line);
  return at == std::string::npos ? -1 : std::atoi(log.c_str() + at + 6);
}

// Records of `topic` that this node's tasks mirrored since it started
// (kmirror_records_mirrored_total, docs/metrics.md); -1 when the endpoint does not answer.
int64_t MirroredByNode(int metrics_port, const std::string& topic) {
  httplib::Client client("127.0.0.1", metrics_port);
  client.set_connection_timeout(5);
  client.set_read_timeout(5);
  auto res = client.Get("/metrics");
  if (!res || res->status != 200) return -1;
  const std::string series = "kmirror_records_mirrored_total{flow=\"A->B\",topic=\"" + topic + "\"} ";
  const size_t at = res->body.find(series);
  if (at == std::string::npos) return 0;  // nothing of it mirrored by this node yet
  return static_cast<int64_t>(std::stod(res->body.substr(at + series.size())));
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
// heartbeats keep arriving and a source group's checkpoint keeps advancing, from it. Then the
// two come back under their node ids: every node owns partitions again while the survivor
// never stops mirroring (cooperative rebalancing). 0 lost, duplicates within two faults' bound
// (the restarts are joins: they repeat nothing).
TEST_F(ClusterFaultTest, ThreeNodesSurviveKillNineOfTwoIncludingTheDutyHolder) {
  std::vector<std::string> settings = kClusterSettings;
  settings.push_back("metrics.listen = 127.0.0.1:0");  // the survivor's own records counter
  OneWayFlow flow(a_, b_, kPartitions, {}, settings);
  ASSERT_TRUE(flow.CreateSource());
  const auto file = ScratchRoot() / (UniqueName("cluster") + ".properties");
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
  const Clock::time_point started = Clock::now();
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
  std::cout << "[cluster] three nodes started: every node owned partitions " << SecondsSince(started)
            << " s after the starts\n";
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

  // Restart the two under their node ids and directories: the work spreads back. The survivor
  // keeps mirroring throughout: its owned count, replayed from its log, never drops to 0 (it
  // gives partitions up without stopping the rest), and the records its own tasks mirrored
  // (its metrics) grow while the others join.
  const int metrics = MetricsPort(km);
  ASSERT_GT(metrics, 0) << km.OutputTail(30);
  const size_t mark = LogMark(km);
  const int64_t mirrored_before = MirroredByNode(metrics, flow.topic());
  ASSERT_GE(mirrored_before, 0);
  const Clock::time_point restarted = Clock::now();
  for (const auto& n : names) {
    if (n != survivor) nodes[n] = StartNode(file, n, dirs[n]);
  }
  int64_t mirrored = mirrored_before, samples = 0, grew = 0;
  ASSERT_TRUE(WaitUntil(
      [&] {
        const int64_t now = MirroredByNode(metrics, flow.topic());
        ++samples;
        grew += now > mirrored;
        mirrored = std::max(mirrored, now);
        int owning = 0, total = 0;
        for (auto& [n, node] : nodes) {
          const int o = Owned(*node);
          owning += o > 0;
          total += o;
        }
        return owning == 3 && total == kPartitions + kHeartbeatPartitions;
      },
      seconds(90), milliseconds(200)))
      << "owned: n1 " << Owned(*nodes["n1"]) << ", n2 " << Owned(*nodes["n2"]) << ", n3 " << Owned(*nodes["n3"]);
  const double spread_s = SecondsSince(restarted);
  const int lowest = MinOwnedSince(km.Output(), mark);
  EXPECT_GT(lowest, 0) << "the survivor stood idle while the others joined:\n" << km.Output().substr(mark);
  EXPECT_GT(mirrored, mirrored_before) << "the survivor mirrored nothing while the others joined";
  ASSERT_TRUE(flow.WaitForProgress(1000, seconds(60), &km));
  const int64_t mirrored_after = MirroredByNode(metrics, flow.topic());
  EXPECT_GT(mirrored_after, mirrored) << "the survivor stopped mirroring after the others joined";
  std::cout << "[cluster] restart of the two: every node owned partitions again after " << spread_s
            << " s; the survivor owned at least " << lowest << " partition(s) throughout and mirrored "
            << mirrored - mirrored_before << " records meanwhile (growing in " << grew << " of " << samples
            << " samples), owned: n1 " << Owned(*nodes["n1"]) << ", n2 " << Owned(*nodes["n2"]) << ", n3 "
            << Owned(*nodes["n3"]) << "; duties on " << (HoldsDuties(km) ? survivor : "another node") << "\n";
  RecordProperty("spread_back_seconds", std::to_string(spread_s));

  ASSERT_TRUE(producer.Stop());
  auto r = WaitForMirror(flow.Spec({&producer}), seconds(120));
  Report("3 nodes, kill -9 of 2, both restarted", r, start_);
  EXPECT_TRUE(AtLeastOnce(r, DuplicateBound(2, kRate, kTasksPerNode, kMaxInflightRecords)));
  for (auto& [n, node] : nodes) EXPECT_EQ(node->Terminate(seconds(60)), 0) << n;
}

// The duty holder frozen (SIGSTOP) past the session timeout: the other node takes the
// duties; a source group commits meanwhile, so there is a new checkpoint to write. After
// SIGCONT the zombie notices that it lost the duties and writes no checkpoint (nor any topic
// change) from then on; the other node writes it.
// The records are judged too: 0 lost by kmirror (every record on A is on B), order kept,
// duplicates within one fault's bound. (A partition handed back to the resumed zombie's task
// once stalled there, defect Z1 in docs/reliability.md, fixed.) Records the producer had
// acknowledged but A does not hold are the source's loss, not kmirror's: reported, not
// judged (seen once: the first two records of two partitions; not understood).
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
  // The flow group's commits on A from now on: a commit the zombie made for the partitions
  // it lost would carry its older positions and move a partition's commit backwards.
  std::map<int32_t, int64_t> highest;
  std::vector<std::string> backwards;
  auto sample_commits = [&] {
    auto committed = CommittedOffsets(a_.client(), flow.group(), flow.topic());
    if (!committed.ok()) return;
    for (const auto& [p, c] : *committed) {
      auto [it, first] = highest.try_emplace(p, c);
      if (!first && c < it->second) {
        backwards.push_back("partition " + std::to_string(p) + ": " + std::to_string(it->second) + " -> " +
                            std::to_string(c));
      }
      it->second = std::max(it->second, c);
    }
  };
  sample_commits();
  const size_t resumed_at = nodes[holder]->Output().size();
  nodes[holder]->Resume();
  ChildProcess& zombie = *nodes[holder];
  EXPECT_TRUE(WaitUntil(
      [&] {
        sample_commits();
        return !HoldsDuties(zombie);
      },
      seconds(30), milliseconds(100)))
      << zombie.OutputTail(30);
  for (const auto until = Clock::now() + seconds(5); Clock::now() < until;) {  // several checkpoint rounds (1 s)
    sample_commits();
    std::this_thread::sleep_for(milliseconds(250));
  }
  EXPECT_TRUE(backwards.empty()) << "the flow group's commits moved backwards after the zombie resumed: "
                                 << ::testing::PrintToString(backwards);
  EXPECT_EQ(highest.size(), 4u) << "the flow group's commits were not read";
  std::cout << "[cluster] zombie: the flow group's commits on A never moved backwards after SIGCONT (4 partitions, "
            << "highest";
  for (const auto& [p, c] : highest) std::cout << " " << p << ":" << c;
  std::cout << ")\n";
  const std::string after = zombie.Output().substr(resumed_at);
  EXPECT_EQ(after.find("wrote "), std::string::npos) << "the zombie wrote checkpoints after it resumed:\n" << after;
  EXPECT_EQ(after.find("created topic"), std::string::npos) << after;
  EXPECT_EQ(after.find("copied changed configs"), std::string::npos) << after;
  EXPECT_EQ(after.find("synced "), std::string::npos) << after;
  std::cout << "[cluster] zombie " << holder << " after SIGCONT: " << (HoldsDuties(zombie) ? "holds" : "does not hold")
            << " the duties; " << other << " holds them\n";

  ASSERT_TRUE(producer.Stop());
  auto r = WaitForMirror(flow.Spec({&producer}), seconds(120));
  Report("2 nodes, the duty holder frozen past its session and resumed", r, start_);
  EXPECT_EQ(r.lost, r.lost_at_source) << "records on A missing on B: " << r.Summary();
  if (r.lost_at_source > 0) {
    std::cout << "[cluster] zombie: " << r.lost_at_source << " acknowledged record(s) are not on A itself:";
    for (const auto& e : r.examples) std::cout << " " << e << ";";
    std::cout << "\n";
  }
  EXPECT_TRUE(OrderKept(r));
  EXPECT_TRUE(DuplicatesAtMost(r, DuplicateBound(1, kRate, kTasksPerNode, kMaxInflightRecords)));
  for (auto& [n, km] : nodes) EXPECT_EQ(km->Terminate(seconds(60)), 0) << n;
}

// Rebalance storm (issue 12): three nodes under a steady load for three minutes while a node
// leaves or joins every 10 s, in turn: every 20 s one node leaves, and 10 s later it comes back
// under its node id and directory. The leavers go round n1, n2, n3 (the duty holder among
// them) and alternate SIGTERM (drains and commits, exit 0) and kill -9 (its partitions move at
// its session timeout): 5 SIGTERMs and 4 kill -9s, and two nodes run at all times. Judged by
// the checker: 0 lost, order kept per partition, duplicates within the bound of the 4 kill -9s
// (a SIGTERM and a join repeat nothing: a partition moved by a rebalance is drained and
// committed first).
// DISABLED_ only to keep CI's suite inside its 40 minutes (this test alone takes 3.2 min);
// run it by hand with
//   build/tests/cluster_fault_test --gtest_also_run_disabled_tests --gtest_filter='*Storm*'
// Passed on brokers twice (session 8): 186,441 and 186,765 records, 0 lost, 288 and 486
// duplicates, 0 out of order, 79 and 75 assignments over 5 SIGTERMs, 4 kill -9s and 9 joins.
TEST_F(ClusterFaultTest, DISABLED_RebalanceStormOfJoinsAndLeavesForThreeMinutes) {
  constexpr seconds kStorm(180);
  constexpr seconds kEvery(10);
  OneWayFlow flow(a_, b_, kPartitions, {}, kClusterSettings);
  ASSERT_TRUE(flow.CreateSource());
  const auto file = ScratchRoot() / (UniqueName("storm") + ".properties");
  WriteFile(file, flow.Config());
  StampedProducer producer(a_.client(), flow.ProducerOptions(kRate));
  producer.Start();
  ASSERT_TRUE(producer.WaitForAcknowledged(500, seconds(60)));
  const std::vector<std::string> names = {"n1", "n2", "n3"};
  std::map<std::string, std::string> dirs;
  std::map<std::string, std::unique_ptr<ChildProcess>> nodes;
  std::vector<std::unique_ptr<ChildProcess>> ended;  // their logs, for the rebalance count
  for (const auto& n : names) {
    dirs[n] = (ScratchRoot() / UniqueName("index-" + n)).string();
    nodes[n] = StartNode(file, n, dirs[n]);
  }
  auto owned = [&] {
    std::string out;
    for (auto& [n, km] : nodes) out += " " + n + " " + std::to_string(Owned(*km));
    return out;
  };
  auto settled = [&] {
    int owning = 0, total = 0;
    for (auto& [n, km] : nodes) {
      const int o = Owned(*km);
      owning += o > 0;
      total += o;
    }
    return owning == static_cast<int>(nodes.size()) && total == kPartitions + kHeartbeatPartitions;
  };
  ASSERT_TRUE(WaitUntil(settled, seconds(90), milliseconds(200))) << "owned:" << owned();

  const Clock::time_point storm = Clock::now();
  int kills = 0, sigterms = 0, joins = 0;
  std::string down;
  for (int k = 0; k < kStorm / kEvery; ++k) {
    std::this_thread::sleep_until(storm + kEvery * (k + 1));
    for (auto& [n, km] : nodes) EXPECT_TRUE(km->Running()) << n << " died during the storm\n" << km->OutputTail(40);
    std::cout << "[storm] " << static_cast<int>(SecondsSince(storm)) << " s, " << flow.CopyCount()
              << " records on B, owned:" << owned() << ": ";
    if (k % 2 == 0) {
      const int leave = k / 2;
      down = names[static_cast<size_t>(leave) % names.size()];
      ChildProcess& km = *nodes[down];
      const Clock::time_point t = Clock::now();
      if (leave % 2 == 0) {
        EXPECT_EQ(km.Terminate(seconds(60)), 0) << km.OutputTail(30);
        ++sigterms;
        std::cout << down << " leaves (SIGTERM, exit " << km.exit_code().value_or(-1) << " after " << SecondsSince(t)
                  << " s)\n";
      } else {
        ASSERT_EQ(km.Kill9(), -SIGKILL);
        ++kills;
        std::cout << down << " leaves (kill -9)\n";
      }
      ended.push_back(std::move(nodes[down]));
      nodes.erase(down);
    } else {
      nodes[down] = StartNode(file, down, dirs[down]);
      ++joins;
      std::cout << down << " joins\n";
    }
  }
  const Clock::time_point last = Clock::now();
  ASSERT_TRUE(WaitUntil(settled, seconds(90), milliseconds(200))) << "owned:" << owned();
  std::cout << "[storm] after the last join every node owned partitions again after " << SecondsSince(last)
            << " s, owned:" << owned() << "\n";
  ASSERT_TRUE(flow.WaitForProgress(1000, seconds(60), nodes["n1"].get()));
  ASSERT_TRUE(producer.Stop());

  size_t assignments = 0, revokes = 0, lost = 0;
  auto count = [&](ChildProcess& km) {
    const std::string log = km.Output();
    assignments += Count(log, ": rebalance: assigned ");
    revokes += Count(log, ": rebalance: giving up ");
    lost += Count(log, " partition(s) (lost)");
  };
  for (auto& km : ended) count(*km);
  for (auto& [n, km] : nodes) count(*km);
  std::cout << "[storm] " << sigterms << " SIGTERMs, " << kills << " kill -9s, " << joins
            << " joins; the nodes' tasks saw " << assignments << " assignments and " << revokes << " revocations ("
            << lost << " of them lost)\n";
  RecordProperty("assignments", std::to_string(assignments));

  auto r = WaitForMirror(flow.Spec({&producer}), seconds(300));
  Report("3 nodes, rebalance storm: " + std::to_string(sigterms) + " SIGTERMs, " + std::to_string(kills) +
             " kill -9s, " + std::to_string(joins) + " joins",
         r, start_);
  EXPECT_TRUE(AtLeastOnce(r, DuplicateBound(kills, kRate, kTasksPerNode, kMaxInflightRecords)));
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

// Static group membership (docs/cluster.md): a node SIGTERMed and started again within the
// session timeout gets its own partitions back, and the other node's stay where they are: it
// gives up none and is assigned none. 0 lost, 0 duplicated.
TEST_F(ClusterFaultTest, ARestartInsideTheSessionTimeoutMovesNoPartitionOfTheOtherNode) {
  std::vector<std::string> settings = kClusterSettings;
  settings.push_back("A.consumer.session.timeout.ms = 30000");  // later keys win: room for a restart
  OneWayFlow flow(a_, b_, kPartitions, {}, settings);
  ASSERT_TRUE(flow.CreateSource());
  const auto file = ScratchRoot() / (UniqueName("static") + ".properties");
  WriteFile(file, flow.Config());
  StampedProducer producer(a_.client(), flow.ProducerOptions(kRate));
  producer.Start();
  ASSERT_TRUE(producer.WaitForAcknowledged(500, seconds(60)));
  std::map<std::string, std::string> dirs;
  std::map<std::string, std::unique_ptr<ChildProcess>> nodes;
  for (const std::string n : {"n1", "n2"}) {
    dirs[n] = (ScratchRoot() / UniqueName("index-" + n)).string();
    nodes[n] = StartNode(file, n, dirs[n]);
  }
  ASSERT_TRUE(WaitUntil(
      [&] {
        const int o1 = Owned(*nodes["n1"]), o2 = Owned(*nodes["n2"]);
        return o1 > 0 && o2 > 0 && o1 + o2 == kPartitions + kHeartbeatPartitions;
      },
      seconds(90), milliseconds(200)))
      << nodes["n1"]->OutputTail(20) << nodes["n2"]->OutputTail(20);
  ASSERT_TRUE(flow.WaitForProgress(1000, seconds(60), nodes["n1"].get()));
  const int n1_owned = Owned(*nodes["n1"]);
  const int n2_owned = Owned(*nodes["n2"]);
  const size_t n2_mark = nodes["n2"]->Output().size();

  const Clock::time_point stop = Clock::now();
  EXPECT_EQ(nodes["n1"]->Terminate(seconds(60)), 0) << nodes["n1"]->OutputTail(30);
  nodes["n1"] = StartNode(file, "n1", dirs["n1"]);
  ASSERT_TRUE(WaitUntil([&] { return Owned(*nodes["n1"]) == n1_owned; }, seconds(60), milliseconds(100)))
      << nodes["n1"]->OutputTail(30);
  const double back_s = SecondsSince(stop);
  ASSERT_TRUE(flow.WaitForProgress(1000, seconds(60), nodes["n1"].get()));

  const std::string after = nodes["n2"]->Output().substr(n2_mark);
  EXPECT_EQ(after.find("giving up"), std::string::npos) << "the other node gave partitions up:\n" << after;
  for (size_t at = after.find("rebalance: assigned "); at != std::string::npos;
       at = after.find("rebalance: assigned ", at + 1)) {
    EXPECT_EQ(after.compare(at, 22, "rebalance: assigned 0 "), 0) << "the other node was assigned partitions:\n"
                                                                  << after.substr(at, 60);
  }
  EXPECT_EQ(Owned(*nodes["n2"]), n2_owned);
  std::cout << "[cluster] SIGTERM and restart of n1 inside the session timeout (30 s): its " << n1_owned
            << " partitions back after " << back_s << " s; n2 kept its " << n2_owned << " and was assigned nothing\n";
  RecordProperty("static_restart_seconds", std::to_string(back_s));

  ASSERT_TRUE(producer.Stop());
  auto r = WaitForMirror(flow.Spec({&producer}), seconds(120));
  Report("2 nodes, static-member restart", r, start_);
  EXPECT_TRUE(AtLeastOnce(r, 0)) << "a SIGTERM drains and commits: nothing may be repeated";
  for (auto& [n, km] : nodes) EXPECT_EQ(km->Terminate(seconds(60)), 0) << n;
}

// A consumer of the test takes a task's static membership over (the same group.instance.id),
// which fences the task's consumer: a fatal consumer error in the middle of a run. The task
// drops what was in flight, re-creates its consumer, fences the intruder in turn and goes on
// from the offset-sync log. 0 lost, duplicates within one fault's bound.
TEST_F(ClusterFaultTest, AFencedTaskRecreatesItsConsumerAndLosesNothing) {
  OneWayFlow flow(a_, b_, 4, {}, kClusterSettings);
  ASSERT_TRUE(flow.CreateSource());
  const auto file = ScratchRoot() / (UniqueName("fenced") + ".properties");
  WriteFile(file, flow.Config());
  StampedProducer producer(a_.client(), flow.ProducerOptions(kRate));
  producer.Start();
  ASSERT_TRUE(producer.WaitForAcknowledged(500, seconds(60)));
  auto km = StartNode(file, "n1", (ScratchRoot() / UniqueName("index-n1")).string());
  ASSERT_TRUE(flow.WaitForProgress(2000, seconds(90), km.get()));

  // The intruder: raw librdkafka (not the wrappers under test), reading nothing it commits.
  char err[512];
  rdk::Conf conf(rd_kafka_conf_new());
  const std::map<std::string, std::string> props = {
      {"bootstrap.servers", a_.bootstrap()},
      {"group.id", flow.group()},
      {"group.instance.id", kafka::StaticMemberId("n1", "A", "B", 0)},
      {"partition.assignment.strategy", "cooperative-sticky"},
      {"enable.auto.commit", "false"},
      {"session.timeout.ms", "6000"},
      {"client.id", "fencing-intruder"},
  };
  for (const auto& [k, v] : props) {
    ASSERT_EQ(rd_kafka_conf_set(conf.get(), k.c_str(), v.c_str(), err, sizeof err), RD_KAFKA_CONF_OK) << err;
  }
  rdk::Handle intruder(rd_kafka_new(RD_KAFKA_CONSUMER, conf.release(), err, sizeof err));
  ASSERT_NE(intruder, nullptr) << err;
  rd_kafka_poll_set_consumer(intruder.get());
  rdk::PartitionList topics(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(topics.get(), flow.topic().c_str(), RD_KAFKA_PARTITION_UA);
  ASSERT_EQ(rd_kafka_subscribe(intruder.get(), topics.get()), RD_KAFKA_RESP_ERR_NO_ERROR);
  const size_t mark = km->Output().size();
  const Clock::time_point joined = Clock::now();
  // Polled (records dropped unread) until the task says its consumer failed for good and a new
  // one owns its partitions again.
  auto recovered = [&] {
    const std::string log = km->Output().substr(mark);
    const size_t failed = log.find("failed for good");
    return failed != std::string::npos && log.find("rebalance: assigned", failed) != std::string::npos &&
           Owned(*km) > 0;
  };
  bool ok = false;
  while (!(ok = recovered()) && SecondsSince(joined) < 90) {
    if (rd_kafka_message_t* m = rd_kafka_consumer_poll(intruder.get(), 100)) rd_kafka_message_destroy(m);
  }
  const double recovered_s = SecondsSince(joined);
  (void)rd_kafka_consumer_close(intruder.get());  // fenced by then, or leaves (static: at its session timeout)
  intruder.reset();
  ASSERT_TRUE(ok) << km->OutputTail(40);
  std::cout << "[cluster] task fenced by a second member with its group.instance.id: consumer re-created, "
            << "partitions owned again " << recovered_s << " s after the intruder subscribed\n";
  ASSERT_TRUE(flow.WaitForProgress(2000, seconds(90), km.get()));
  const std::string log = km->Output().substr(mark);
  EXPECT_EQ(log.find("another kmirror process most likely"), std::string::npos) << "one fencing is no repeat";

  ASSERT_TRUE(producer.Stop());
  auto r = WaitForMirror(flow.Spec({&producer}), seconds(120));
  Report("fenced task, consumer re-created", r, start_);
  EXPECT_TRUE(AtLeastOnce(r, DuplicateBound(1, kRate, kTasksPerNode, kMaxInflightRecords)));
  EXPECT_EQ(km->Terminate(seconds(60)), 0) << km->OutputTail(30);
}

// Two nodes started with the same node id share their tasks' group.instance.ids and fence
// each other in turn. Neither spins: each backs off and says that another member uses its
// node id, and how to fix it; both still stop cleanly.
TEST_F(ClusterFaultTest, TwoNodesWithOneNodeIdSayItAndBackOff) {
  OneWayFlow flow(a_, b_, 2, {}, kClusterSettings);
  ASSERT_TRUE(flow.CreateSource());
  const auto file = ScratchRoot() / (UniqueName("twins") + ".properties");
  WriteFile(file, flow.Config());
  auto first = StartNode(file, "twin", (ScratchRoot() / UniqueName("index-twin1")).string());
  ASSERT_TRUE(WaitForLog(*first, "rebalance: assigned", seconds(60))) << first->OutputTail(20);
  auto second = StartNode(file, "twin", (ScratchRoot() / UniqueName("index-twin2")).string());
  const std::string needle = "another kmirror process most likely runs with the same node id twin (node.id)";
  auto said = [&] {
    return first->Output().find(needle) != std::string::npos || second->Output().find(needle) != std::string::npos;
  };
  ASSERT_TRUE(WaitUntil(said, seconds(120), milliseconds(200))) << first->OutputTail(20) << second->OutputTail(20);
  auto count = [](const std::string& log, const std::string& what) {
    size_t n = 0;
    for (size_t at = log.find(what); at != std::string::npos; at = log.find(what, at + 1)) ++n;
    return n;
  };
  std::cout << "[cluster] two nodes with node id 'twin': fatal consumer errors "
            << count(first->Output(), "failed for good") << " and " << count(second->Output(), "failed for good")
            << " until one said so\n";
  EXPECT_NE((first->Output() + second->Output()).find("Give every node its own node.id"), std::string::npos);
  EXPECT_EQ(first->Terminate(seconds(60)), 0) << first->OutputTail(30);
  EXPECT_EQ(second->Terminate(seconds(60)), 0) << second->OutputTail(30);
}

}  // namespace
}  // namespace kmirror::test
