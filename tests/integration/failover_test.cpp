// Consumer failover after losing the source cluster (issue 4, test 1): two groups have
// consumed a topic on A, one up to the end at that time and one 10,000 records behind it;
// more records arrive and are mirrored; then A's broker is killed. Each group resumes on B
// from the offsets the gRPC API gives (from the checkpoints, A being gone) and must read
// every record it had not read on A exactly once: nothing skipped, nothing read again.
// `kmirror failover` then refuses to commit for a group whose source it cannot ask about
// active members, unless --assume-source-inactive.
#include <gtest/gtest.h>

#include <set>

#include "api_test_util.h"
#include "support/kafka_env.h"
#include "support/kmirror_runner.h"

namespace kmirror::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const auto* const kKafka = KafkaEnv::Register({{.name = "A"}, {.name = "B"}});

constexpr int kPartitions = 4;
constexpr int kFirstBatch = 40000;
constexpr int kBehind = 10000;
constexpr int kSecondBatch = 5000;

TEST(Failover, GroupsResumeOnTheTargetExactlyOnceAfterTheSourceDies) {
  auto& a = KafkaEnv::Cluster("A");
  auto& b = KafkaEnv::Cluster("B");
  const std::string topic = "orders";
  const std::string remote = "A.orders";
  ASSERT_TRUE(CreateTopic(a.client(), topic, kPartitions));
  // Another writer's records on B first: target offsets differ from source offsets.
  ASSERT_TRUE(CreateTopic(b.client(), remote, kPartitions));
  std::vector<Record> foreign;
  for (int p = 0; p < kPartitions; ++p) {
    for (int i = 0; i < 3 + p; ++i) foreign.push_back({.partition = p, .value = "foreign"});
  }
  ASSERT_TRUE(Produce(b.client(), remote, foreign));

  const std::string config =
      FlowConfig("A", a.bootstrap(), "B", b.bootstrap(), topic, "kmirror-failover",
                 {"emit.checkpoints.interval.seconds = 1", "groups = billing|audit", "shutdown.timeout.seconds = 10"});
  auto km = StartKmirror(config, "kmirror-failover");
  ASSERT_TRUE(Produce(a.client(), topic, MakeRecords(kFirstBatch, kPartitions, "first")));

  // "billing" read everything so far; "audit" is kBehind records behind it.
  std::map<int32_t, int64_t> billing, audit;
  for (int p = 0; p < kPartitions; ++p) {
    billing[p] = Watermarks(a.client(), topic, p).value().high;
    audit[p] = billing[p] - kBehind / kPartitions;
  }
  ASSERT_TRUE(CommitOffsets(a.client(), "billing", topic, billing));
  ASSERT_TRUE(CommitOffsets(a.client(), "audit", topic, audit));
  ASSERT_TRUE(Produce(a.client(), topic, MakeRecords(kSecondBatch, kPartitions, "second")));
  ASSERT_TRUE(WaitForRecords(b.client(), remote, kFirstBatch + kSecondBatch + static_cast<int64_t>(foreign.size()),
                             seconds(120), km.get()));

  auto port = ApiPort(*km, seconds(30));
  ASSERT_TRUE(port) << km->OutputTail(30);
  ApiClient api(*port);
  // Both groups are checkpointed at their committed offsets.
  for (const auto& [group, committed] : {std::pair{"billing", billing}, std::pair{"audit", audit}}) {
    ASSERT_TRUE(WaitUntil(
        [&, &committed = committed, group = std::string(group)] {
          v1::ListCheckpointsResponse list;
          if (!api.ListCheckpoints(group, &list).ok()) return false;
          int at = 0;
          for (const auto& c : list.checkpoints()) {
            auto it = committed.find(c.partition());
            at += it != committed.end() && c.upstream_offset() == it->second;
          }
          return at == kPartitions;
        },
        seconds(60)))
        << group << " not checkpointed\n"
        << km->OutputTail(30);
  }
  // What the source itself says, while it lives, for comparison after its death.
  std::map<std::string, std::map<int32_t, int64_t>> live;
  for (const char* group : {"billing", "audit"}) {
    v1::TranslateGroupResponse g;
    ASSERT_TRUE(api.TranslateGroup(group, false, &g).ok());
    for (const auto& t : g.translations()) live[group][t.partition()] = t.target_offset();
  }

  // Ground truth before the source dies: the records each group has not read yet.
  const auto src = ConsumeTopic(a.client(), topic).value();
  a.Kill();

  for (const auto& [group, committed] : {std::pair{"billing", billing}, std::pair{"audit", audit}}) {
    SCOPED_TRACE(group);
    v1::TranslateGroupResponse g;
    grpc::Status s = api.TranslateGroup(group, true, &g);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_TRUE(g.from_checkpoints());
    ASSERT_EQ(g.translations_size(), kPartitions);
    ASSERT_EQ(g.errors_size(), 0);
    std::multiset<std::string> expected;
    for (const auto& r : src) {
      if (r.offset >= committed.at(r.partition)) expected.insert(r.value.value_or(""));
    }
    std::multiset<std::string> read;
    for (const auto& t : g.translations()) {
      EXPECT_EQ(t.target_topic(), remote);
      EXPECT_EQ(t.target_offset(), live[group][t.partition()]) << "partition " << t.partition();
      for (const auto& r : ConsumeAll(b.client(), remote, t.partition()).value()) {
        if (r.offset >= t.target_offset()) read.insert(r.value.value_or(""));
      }
    }
    const size_t remaining = std::string(group) == "billing" ? kSecondBatch : kSecondBatch + kBehind;
    EXPECT_EQ(expected.size(), remaining);
    EXPECT_EQ(read.size(), expected.size()) << "records read on B after failover";
    EXPECT_TRUE(read == expected) << "skipped or re-read records";
  }
  // `kmirror failover` cannot ask the dead source whether "billing" still has members there:
  // it refuses unless told to go on, and then commits the same translation.
  {
    const auto config_path = ScratchRoot() / "failover-dead-source.properties";
    WriteFile(config_path, config);
    std::vector<std::string> failover = {KmirrorBinary(), "failover", "--config", config_path.string(),
                                         "--group",       "billing",  "--from",   "A",
                                         "--to",          "B",        "--api",    "127.0.0.1:" + std::to_string(*port)};
    RunResult refused = RunToExit(failover, seconds(90));
    EXPECT_EQ(refused.exit_code, 1) << refused.output;
    EXPECT_NE(refused.output.find("refusing: cannot tell whether group billing is active on A"), std::string::npos)
        << refused.output;
    EXPECT_NE(refused.output.find("--assume-source-inactive"), std::string::npos) << refused.output;
    auto none = CommittedOffsets(b.client(), "billing", remote);
    EXPECT_TRUE(!none.ok() || none->empty()) << "a refused failover committed";
    failover.push_back("--assume-source-inactive");
    RunResult done = RunToExit(failover, seconds(90));
    ASSERT_EQ(done.exit_code, 0) << done.output;
    EXPECT_NE(done.output.find("warning: cannot tell whether group billing is active on A"), std::string::npos)
        << done.output;
    auto committed = CommittedOffsets(b.client(), "billing", remote);
    ASSERT_TRUE(committed.ok());
    EXPECT_EQ(*committed, live["billing"]);
  }
  // With its source dead kmirror cannot leave the source group cleanly: it must still stop,
  // within shutdown.timeout.seconds (exit 1 when it had to give up the drain).
  const int code = km->Terminate(seconds(60));
  EXPECT_TRUE(code == 0 || code == 1) << code << "\n" << km->OutputTail(20);
}

}  // namespace
}  // namespace kmirror::test
