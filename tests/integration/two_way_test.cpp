// Active-active A<->B with producers writing on both clusters while kmirror runs: every
// cluster ends with its own records plus exactly one copy of the other's, nothing returns
// to where it came from, heartbeats flow both ways without looping or growing.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "kmirror/wire/heartbeat.h"
#include "kmirror/wire/provenance.h"
#include "support/kafka_cluster.h"
#include "support/kafka_env.h"
#include "support/kmirror_runner.h"

namespace kmirror::test {
namespace {

using std::chrono::seconds;

[[maybe_unused]] const auto* const kKafka = KafkaEnv::Register({{.name = "A"}, {.name = "B"}});

class TwoWayTest : public ::testing::Test {
 protected:
  KafkaCluster* a_ = &KafkaEnv::Cluster("A");
  KafkaCluster* b_ = &KafkaEnv::Cluster("B");
};

std::string Clusters(const KafkaCluster& a, const KafkaCluster& b) {
  return "clusters = A, B\nA.bootstrap.servers = " + a.bootstrap() + "\nB.bootstrap.servers = " + b.bootstrap() +
         "\nreplication.factor = 1\nheartbeats.topic.replication.factor = 1\nrefresh.topics.interval.seconds = 2\n"
         "tasks.max = 2\n";
}

// Produces `count` records "<tag>-<i>" to `topic` in chunks, while replication runs.
std::thread ProduceInBackground(const ClientConfig& client, std::string topic, std::string tag, int count,
                                std::atomic<bool>* ok) {
  return std::thread([=] {
    const int chunk = 2000;
    for (int c = 0; c < count / chunk; ++c) {
      std::vector<Record> rs;
      for (int i = c * chunk; i < (c + 1) * chunk; ++i) {
        rs.push_back({.partition = i % 3, .key = tag + "-" + std::to_string(i), .value = "payload-" + tag});
      }
      if (!Produce(client, topic, rs)) *ok = false;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
}

// Every record of every topic on `cluster` whose provenance contains `cluster` itself.
int64_t ReturnedRecords(const KafkaCluster& cluster) {
  auto self = wire::ClusterKeyOf(cluster.cluster_id());
  int64_t returned = 0;
  for (const auto& topic : ListTopics(cluster.client()).value()) {
    for (const auto& r : ConsumeTopic(cluster.client(), topic).value()) {
      for (const auto& [k, v] : r.headers) {
        if (k != wire::kProvenanceHeader || !v) continue;
        auto path = wire::ParseProvenance(*v);
        if (path && path->Contains(self)) ++returned;
      }
    }
  }
  return returned;
}

std::multiset<std::string> Keys(const ClientConfig& client, const std::string& topic) {
  std::multiset<std::string> keys;
  for (const auto& r : ConsumeTopic(client, topic).value()) keys.insert(r.key.value_or(""));
  return keys;
}

void ExpectHeartbeatsFrom(const KafkaCluster& target, const std::string& topic, const std::string& source,
                          const std::string& target_alias) {
  auto records = ConsumeTopic(target.client(), topic);
  ASSERT_TRUE(records.ok()) << records.error();
  ASSERT_FALSE(records->empty()) << "no heartbeats in " << topic;
  for (const auto& r : *records) {
    auto hb = wire::DecodeHeartbeat(r.key.value_or(""), r.value.value_or(""));
    ASSERT_TRUE(hb.has_value()) << "not an MM2 heartbeat in " << topic;
    EXPECT_EQ(hb->source_alias, source);
    EXPECT_EQ(hb->target_alias, target_alias);
  }
}

TEST_F(TwoWayTest, PrefixNamingOneProcess) {
  ASSERT_TRUE(CreateTopic(a_->client(), "pfx", 3));
  ASSERT_TRUE(CreateTopic(b_->client(), "pfx", 3));
  std::string config = Clusters(*a_, *b_) +
                       "A->B.enabled = true\nB->A.enabled = true\ntopics = .*pfx.*\n"
                       "A->B.flow.group.id = pfx-ab\nB->A.flow.group.id = pfx-ba\n";
  auto kmirror = StartKmirror(config, "kmirror-pfx");
  std::atomic<bool> ok{true};
  const int kN = 20000;
  auto pa = ProduceInBackground(a_->client(), "pfx", "a", kN, &ok);
  auto pb = ProduceInBackground(b_->client(), "pfx", "b", kN, &ok);
  pa.join();
  pb.join();
  ASSERT_TRUE(ok.load());
  ASSERT_TRUE(WaitForRecords(b_->client(), "A.pfx", kN, seconds(120), kmirror.get()));
  ASSERT_TRUE(WaitForRecords(a_->client(), "B.pfx", kN, seconds(120), kmirror.get()));
  ASSERT_TRUE(WaitForRecords(a_->client(), "B.heartbeats", 3, seconds(60), kmirror.get()));
  ASSERT_TRUE(WaitForRecords(b_->client(), "A.heartbeats", 3, seconds(60), kmirror.get()));
  std::this_thread::sleep_for(seconds(5));  // would anything loop back given time?
  EXPECT_EQ(kmirror->Terminate(seconds(90)), 0) << kmirror->OutputTail(20);

  EXPECT_EQ(RecordCount(a_->client(), "pfx"), kN);
  EXPECT_EQ(RecordCount(b_->client(), "A.pfx"), kN);
  EXPECT_EQ(RecordCount(b_->client(), "pfx"), kN);
  EXPECT_EQ(RecordCount(a_->client(), "B.pfx"), kN);
  EXPECT_EQ(Keys(a_->client(), "pfx"), Keys(b_->client(), "A.pfx"));
  EXPECT_EQ(Keys(b_->client(), "pfx"), Keys(a_->client(), "B.pfx"));
  for (const auto* c : {a_, b_}) {
    for (const auto& t : ListTopics(c->client()).value()) {
      EXPECT_EQ(t.find("A.B."), std::string::npos) << t;
      EXPECT_EQ(t.find("B.A."), std::string::npos) << t;
    }
  }
  EXPECT_EQ(ReturnedRecords(*a_), 0);
  EXPECT_EQ(ReturnedRecords(*b_), 0);
  // A's own heartbeats topic holds only A->B's heartbeats (B->A's are written on B).
  ExpectHeartbeatsFrom(*a_, "heartbeats", "A", "B");
  ExpectHeartbeatsFrom(*b_, "A.heartbeats", "A", "B");
  ExpectHeartbeatsFrom(*a_, "B.heartbeats", "B", "A");
  // Bounded: about one per second per flow, not multiplying.
  EXPECT_LT(RecordCount(b_->client(), "A.heartbeats"), 600);
}

TEST_F(TwoWayTest, IdentityNamingTwoProcesses) {
  ASSERT_TRUE(CreateTopic(a_->client(), "orders", 3));
  ASSERT_TRUE(CreateTopic(b_->client(), "orders", 3));
  const std::string identity =
      "replication.policy.class = org.apache.kafka.connect.mirror.IdentityReplicationPolicy\ntopics = orders\n";
  // One process near each target, as a two-datacenter deployment runs it.
  auto near_b = StartKmirror(Clusters(*a_, *b_) + identity + "A->B.enabled = true\nA->B.flow.group.id = id-ab\n",
                             "kmirror-near-b");
  auto near_a = StartKmirror(Clusters(*a_, *b_) + identity + "B->A.enabled = true\nB->A.flow.group.id = id-ba\n",
                             "kmirror-near-a");
  std::atomic<bool> ok{true};
  const int kN = 20000;
  auto pa = ProduceInBackground(a_->client(), "orders", "a", kN, &ok);
  auto pb = ProduceInBackground(b_->client(), "orders", "b", kN, &ok);
  pa.join();
  pb.join();
  ASSERT_TRUE(ok.load());
  ASSERT_TRUE(WaitForRecords(a_->client(), "orders", 2 * kN, seconds(120), near_a.get()));
  ASSERT_TRUE(WaitForRecords(b_->client(), "orders", 2 * kN, seconds(120), near_b.get()));
  std::this_thread::sleep_for(seconds(5));  // would anything loop back given time?
  EXPECT_EQ(near_a->Terminate(seconds(90)), 0);
  EXPECT_EQ(near_b->Terminate(seconds(90)), 0);

  // Exactly its own records plus one copy of the other's: nothing bounced back.
  EXPECT_EQ(RecordCount(a_->client(), "orders"), 2 * kN);
  EXPECT_EQ(RecordCount(b_->client(), "orders"), 2 * kN);
  auto ka = Keys(a_->client(), "orders");
  EXPECT_EQ(ka, Keys(b_->client(), "orders"));
  EXPECT_EQ(std::set<std::string>(ka.begin(), ka.end()).size(), ka.size()) << "a record arrived twice";
  EXPECT_EQ(ReturnedRecords(*a_), 0);
  EXPECT_EQ(ReturnedRecords(*b_), 0);
  EXPECT_NE(near_b->Output().find("not sent back to a cluster they came from"), std::string::npos);
  for (const auto* c : {a_, b_}) {
    for (const auto& t : ListTopics(c->client()).value()) {
      EXPECT_EQ(t.find("A.B."), std::string::npos) << t;
      EXPECT_EQ(t.find("B.A."), std::string::npos) << t;
    }
  }
}

}  // namespace
}  // namespace kmirror::test
