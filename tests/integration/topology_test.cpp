// Topologies beyond a pair: a three-cluster mesh, a chain, and the same cluster known under
// two aliases by two deployments (MM2's KAFKA-9914 loop). Producers write while
// replication runs; the assertions count every record on every cluster.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "kmirror/wire/provenance.h"
#include "support/kafka_cluster.h"
#include "support/kafka_env.h"
#include "support/kmirror_runner.h"

namespace kmirror::test {
namespace {

using std::chrono::seconds;

[[maybe_unused]] const auto* const kKafka = KafkaEnv::Register({{.name = "A"}, {.name = "B"}, {.name = "C"}});

class TopologyTest : public ::testing::Test {
 protected:
  std::string Clusters() const {
    return "clusters = A, B, C\nA.bootstrap.servers = " + a_->bootstrap() +
           "\nB.bootstrap.servers = " + b_->bootstrap() + "\nC.bootstrap.servers = " + c_->bootstrap() +
           "\nreplication.factor = 1\nheartbeats.topic.replication.factor = 1\nrefresh.topics.interval.seconds = 2\n";
  }
  KafkaCluster* a_ = &KafkaEnv::Cluster("A");
  KafkaCluster* b_ = &KafkaEnv::Cluster("B");
  KafkaCluster* c_ = &KafkaEnv::Cluster("C");
};

std::vector<Record> Tagged(const std::string& tag, int count) {
  std::vector<Record> rs;
  for (int i = 0; i < count; ++i)
    rs.push_back({.partition = i % 2, .key = tag + "-" + std::to_string(i), .value = tag});
  return rs;
}

std::multiset<std::string> Keys(const ClientConfig& client, const std::string& topic) {
  std::multiset<std::string> keys;
  for (const auto& r : ConsumeTopic(client, topic).value()) keys.insert(r.key.value_or(""));
  return keys;
}

TEST_F(TopologyTest, IdentityMeshDeliversEveryRecordExactlyOnceEverywhere) {
  const std::string topic = "mesh";
  for (auto* c : {a_, b_, c_}) ASSERT_TRUE(CreateTopic(c->client(), topic, 2));
  std::string config = Clusters() +
                       "replication.policy.class = org.apache.kafka.connect.mirror.IdentityReplicationPolicy\n"
                       "topics = mesh\nmax.hops = 1\n";
  for (const char* f : {"A->B", "A->C", "B->A", "B->C", "C->A", "C->B"}) {
    config += std::string(f) + ".enabled = true\n" + f + ".flow.group.id = mesh-" + f + "\n";
  }
  auto kmirror = StartKmirror(config, "kmirror-mesh");
  const int kN = 3000;
  std::vector<std::thread> producers;
  std::atomic<bool> ok{true};
  for (auto [cluster, tag] : {std::pair{a_, "a"}, {b_, "b"}, {c_, "c"}}) {
    producers.emplace_back([&ok, cluster = cluster, tag = std::string(tag), topic] {
      for (int chunk = 0; chunk < 3; ++chunk) {
        auto rs = Tagged(tag + std::to_string(chunk), kN / 3);
        if (!Produce(cluster->client(), topic, rs)) ok = false;
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
      }
    });
  }
  for (auto& p : producers) p.join();
  ASSERT_TRUE(ok.load());
  for (auto* c : {a_, b_, c_}) ASSERT_TRUE(WaitForRecords(c->client(), topic, 3 * kN, seconds(120), kmirror.get()));
  std::this_thread::sleep_for(seconds(5));  // a second path would deliver more copies by now
  EXPECT_EQ(kmirror->Terminate(seconds(90)), 0) << kmirror->OutputTail(20);

  auto reference = Keys(a_->client(), topic);
  EXPECT_EQ(reference.size(), static_cast<size_t>(3 * kN));
  EXPECT_EQ(std::set<std::string>(reference.begin(), reference.end()).size(), reference.size()) << "duplicates on A";
  EXPECT_EQ(Keys(b_->client(), topic), reference);
  EXPECT_EQ(Keys(c_->client(), topic), reference);
}

TEST_F(TopologyTest, HubAndSpokesWithIdentityNaming) {
  // A is the hub; B and C are edges feeding it and fed by it. With the default max.hops an
  // edge's record reaches the other edge through the hub, once, and never its own edge again.
  const std::string topic = "hub";
  for (auto* c : {a_, b_, c_}) ASSERT_TRUE(CreateTopic(c->client(), topic, 2));
  std::string config = Clusters() +
                       "replication.policy.class = org.apache.kafka.connect.mirror.IdentityReplicationPolicy\n"
                       "topics = hub\n";
  for (const char* f : {"A->B", "A->C", "B->A", "C->A"}) {
    config += std::string(f) + ".enabled = true\n" + f + ".flow.group.id = hub-" + f + "\n";
  }
  auto kmirror = StartKmirror(config, "kmirror-hub");
  ASSERT_TRUE(Produce(a_->client(), topic, Tagged("hub", 1000)));
  ASSERT_TRUE(Produce(b_->client(), topic, Tagged("edge-b", 1000)));
  ASSERT_TRUE(Produce(c_->client(), topic, Tagged("edge-c", 1000)));
  for (auto* c : {a_, b_, c_}) ASSERT_TRUE(WaitForRecords(c->client(), topic, 3000, seconds(120), kmirror.get()));
  std::this_thread::sleep_for(seconds(5));
  EXPECT_EQ(kmirror->Terminate(seconds(90)), 0);
  auto reference = Keys(a_->client(), topic);
  EXPECT_EQ(reference.size(), 3000u);
  EXPECT_EQ(std::set<std::string>(reference.begin(), reference.end()).size(), reference.size());
  EXPECT_EQ(Keys(b_->client(), topic), reference);
  EXPECT_EQ(Keys(c_->client(), topic), reference);
}

TEST_F(TopologyTest, ChainForwardsTheOriginsRecordsByDefault) {
  // A->B->C and no A->C flow: with the default max.hops (no limit) A's records reach C
  // through B, once; prefix naming shows the path in the name (B.A.chain).
  ASSERT_TRUE(CreateTopic(a_->client(), "chain", 2));
  std::string config = Clusters() +
                       "topics = .*chain\nA->B.enabled = true\nB->C.enabled = true\n"
                       "A->B.flow.group.id = chain-ab\nB->C.flow.group.id = chain-bc\n";
  auto kmirror = StartKmirror(config, "kmirror-chain");
  ASSERT_TRUE(Produce(a_->client(), "chain", Tagged("origin", 2000)));
  ASSERT_TRUE(WaitForRecords(c_->client(), "B.A.chain", 2000, seconds(120), kmirror.get()));
  EXPECT_EQ(kmirror->Terminate(seconds(90)), 0);
  EXPECT_EQ(Keys(c_->client(), "B.A.chain"), Keys(a_->client(), "chain"));
  // The provenance on C names both clusters the records passed, origin first.
  auto records = ConsumeAll(c_->client(), "B.A.chain", 0).value();
  ASSERT_FALSE(records.empty());
  std::optional<std::string> prov;
  for (const auto& [k, v] : records[0].headers) {
    if (k == wire::kProvenanceHeader) prov = v;
  }
  ASSERT_TRUE(prov.has_value());
  auto path = wire::ParseProvenance(*prov);
  ASSERT_TRUE(path.has_value());
  ASSERT_EQ(path->clusters.size(), 2u);
  EXPECT_EQ(path->clusters[0], wire::ClusterKeyOf(a_->cluster_id()));
  EXPECT_EQ(path->clusters[1], wire::ClusterKeyOf(b_->cluster_id()));
}

TEST_F(TopologyTest, SameClusterUnderTwoAliasesDoesNotLoop) {
  // Deployment 1 calls cluster A "A" and mirrors A->B. Deployment 2 calls the same cluster
  // "east" and mirrors B->east. Names cannot tell that A.alias on B came from "east"; the
  // cluster id in the provenance can.
  ASSERT_TRUE(CreateTopic(a_->client(), "alias", 2));
  ASSERT_TRUE(CreateTopic(b_->client(), "alias.local", 2));
  std::string one = Clusters() + "topics = alias.*\nA->B.enabled = true\nA->B.flow.group.id = alias-ab\n";
  std::string two = "clusters = B, east\nB.bootstrap.servers = " + b_->bootstrap() +
                    "\neast.bootstrap.servers = " + a_->bootstrap() +
                    "\nreplication.factor = 1\nheartbeats.topic.replication.factor = 1\n"
                    "refresh.topics.interval.seconds = 2\ntopics = .*alias.*\nB->east.enabled = true\n"
                    "B->east.flow.group.id = alias-b-east\n";
  auto d1 = StartKmirror(one, "kmirror-alias-1");
  auto d2 = StartKmirror(two, "kmirror-alias-2");
  ASSERT_TRUE(Produce(a_->client(), "alias", Tagged("east-origin", 1000)));
  ASSERT_TRUE(Produce(b_->client(), "alias.local", Tagged("b-origin", 500)));
  ASSERT_TRUE(WaitForRecords(b_->client(), "A.alias", 1000, seconds(60), d1.get()));
  ASSERT_TRUE(WaitForRecords(a_->client(), "B.alias.local", 500, seconds(60), d2.get()));
  ASSERT_TRUE(WaitForLog(*d2, "not sent back to a cluster they came from", seconds(60)));
  std::this_thread::sleep_for(seconds(6));  // several refresh rounds
  EXPECT_EQ(d1->Terminate(seconds(90)), 0);
  EXPECT_EQ(d2->Terminate(seconds(90)), 0);
  // A's records never came back to A, not even as an empty topic with a longer name.
  for (const auto& t : ListTopics(a_->client()).value()) {
    EXPECT_EQ(t.find("A.alias"), std::string::npos) << t;
  }
  for (const auto& t : ListTopics(b_->client()).value()) EXPECT_EQ(t.find("east."), std::string::npos) << t;
  EXPECT_EQ(RecordCount(a_->client(), "alias"), 1000);
  EXPECT_EQ(RecordCount(b_->client(), "A.alias"), 1000);
}

}  // namespace
}  // namespace kmirror::test
