// Active-active A<->B with producers writing on both clusters while kmirror runs: every
// cluster ends with its own records plus exactly one copy of the other's, nothing returns
// to where it came from, heartbeats flow both ways without looping or growing.
#include <gtest/gtest.h>

#include <optional>
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

// The number in front of `label` in the last progress line of `flow` ("B->A: ..., 12
// derived records ..."), or -1 when there is none.
int64_t LastFlowCount(const std::string& output, const std::string& flow, const std::string& label) {
  for (size_t end = output.size(); end > 0;) {
    const size_t start = output.rfind('\n', end - 1);
    const size_t from = start == std::string::npos ? 0 : start + 1;
    const std::string line = output.substr(from, end - from);
    end = start == std::string::npos ? 0 : start;
    if (line.find(" " + flow + ": ") == std::string::npos) continue;
    const size_t at = line.find(" " + label);
    if (at == std::string::npos || at == 0) continue;
    const size_t num = line.rfind(' ', at - 1);
    return std::stoll(line.substr(num + 1, at - num - 1));
  }
  return -1;
}

std::string KeyBytes(const wire::ClusterKey& k) {
  return std::string(reinterpret_cast<const char*>(k.data()), k.size());
}

// Issue 15, defect 3: a processor on B (Kafka Streams copies its input's headers to its
// output by default) reads the records A->B mirrored and writes derived records to another
// topic. Those are new records of B: B->A must mirror them, while the mirrored originals
// still never go back. Identity naming, so topic names give no hint.
TEST_F(TwoWayTest, DerivedRecordsThatCopiedTheHeadersAreMirroredBack) {
  ASSERT_TRUE(CreateTopic(a_->client(), "drv-src", 2));
  ASSERT_TRUE(CreateTopic(b_->client(), "drv-out", 2));
  const std::string config =
      Clusters(*a_, *b_) +
      "replication.policy.class = org.apache.kafka.connect.mirror.IdentityReplicationPolicy\ntopics = drv-.*\n"
      "A->B.enabled = true\nB->A.enabled = true\nA->B.flow.group.id = drv-ab\nB->A.flow.group.id = drv-ba\n";
  auto kmirror = StartKmirror(config, "kmirror-derived");
  const int kN = 1000;
  std::vector<Record> originals;
  for (int i = 0; i < kN; ++i) originals.push_back({.partition = i % 2, .key = "o-" + std::to_string(i), .value = "v"});
  ASSERT_TRUE(Produce(a_->client(), "drv-src", originals));
  ASSERT_TRUE(WaitForRecords(b_->client(), "drv-src", kN, seconds(60), kmirror.get()));

  // The "streams-like" copier on B: every mirrored record becomes a derived record on
  // drv-out (same partition), carrying all of its input's headers, kmirror's included.
  auto mirrored = ConsumeTopic(b_->client(), "drv-src");
  ASSERT_TRUE(mirrored.ok()) << mirrored.error();
  ASSERT_EQ(mirrored->size(), static_cast<size_t>(kN));
  std::vector<Record> derived;
  for (const auto& r : *mirrored) {
    ASSERT_FALSE(r.headers.empty()) << "a mirrored record without provenance";
    derived.push_back(
        {.partition = r.partition, .key = "d-" + r.key.value_or(""), .value = r.value, .headers = r.headers});
  }
  ASSERT_TRUE(Produce(b_->client(), "drv-out", derived));
  ASSERT_TRUE(WaitForRecords(a_->client(), "drv-out", kN, seconds(60), kmirror.get()));
  std::this_thread::sleep_for(seconds(5));  // would anything loop back given time?
  EXPECT_EQ(kmirror->Terminate(seconds(90)), 0) << kmirror->OutputTail(20);

  EXPECT_EQ(RecordCount(a_->client(), "drv-src"), kN) << "a mirrored original came back to A";
  EXPECT_EQ(RecordCount(b_->client(), "drv-src"), kN);
  EXPECT_EQ(RecordCount(b_->client(), "drv-out"), kN) << "a derived record came back to B";
  EXPECT_EQ(RecordCount(a_->client(), "drv-out"), kN) << "derived records lost on their way to A";
  std::multiset<std::string> expected;
  for (const auto& r : derived) expected.insert(*r.key);
  EXPECT_EQ(Keys(a_->client(), "drv-out"), expected);
  // On A a derived record's provenance starts afresh at B, where it was made.
  const auto key_b = wire::ClusterKeyOf(b_->cluster_id());
  for (const auto& r : ConsumeTopic(a_->client(), "drv-out").value()) {
    std::optional<std::string> prov;
    for (const auto& [k, v] : r.headers) {
      if (k == wire::kProvenanceHeader) prov = v;
    }
    ASSERT_TRUE(prov.has_value());
    auto path = wire::ParseProvenance(*prov);
    ASSERT_TRUE(path.has_value());
    ASSERT_EQ(path->clusters.size(), 1u);
    EXPECT_EQ(path->clusters[0], key_b);
  }
  EXPECT_EQ(ReturnedRecords(*a_), 0);
  EXPECT_EQ(ReturnedRecords(*b_), 0);
  const std::string out = kmirror->Output();
  EXPECT_EQ(LastFlowCount(out, "B->A", "derived records"), kN) << kmirror->OutputTail(10);
  // The true loops are still recognised: B's copies of A's records and A's copies of the
  // derived records are not sent back.
  EXPECT_GE(LastFlowCount(out, "B->A", "not sent back"), kN);
  EXPECT_GE(LastFlowCount(out, "A->B", "not sent back"), kN);
  EXPECT_EQ(LastFlowCount(out, "B->A", "with untrusted provenance"), 0);
  EXPECT_EQ(LastFlowCount(out, "A->B", "with untrusted provenance"), 0);
}

// Issue 15, defect 3: malformed or forged provenance headers are untrusted input. Each such
// record is mirrored (as a record made on A), counted and logged; kmirror keeps running.
TEST_F(TwoWayTest, MalformedProvenanceHeadersAreMirroredAndCounted) {
  ASSERT_TRUE(CreateTopic(a_->client(), "forge", 1));
  const auto key_a = wire::ClusterKeyOf(a_->cluster_id());
  const auto other = wire::ClusterKeyOf("some-other-cluster");
  const std::string prov(wire::kProvenanceHeader), hop(wire::kProvenanceHopHeader);
  std::string valid_other;
  ASSERT_TRUE(wire::EncodeProvenance({}, other, &valid_other));
  std::vector<std::vector<Header>> forged = {
      {{prov, ""}},                                                              // empty
      {{prov, std::nullopt}},                                                    // null value
      {{prov, std::string("\x07\x01", 2) + std::string(16, 'x')}},               // unknown version
      {{prov, std::string("\x01\x05", 2) + std::string(16, 'x')}},               // truncated
      {{prov, std::string("\x01\xff", 2) + "abc"}},                              // absurd length
      {{prov, std::string("\x01\x02", 2) + KeyBytes(other) + KeyBytes(other)}},  // a cluster twice
      {{prov, std::string("\x01\x01", 2) + KeyBytes(key_a)}},                    // says it left A: it is on A
      {{prov, valid_other}, {hop, "\x01"}},                                      // hop truncated
      {{prov, valid_other}, {hop, std::string("\x01\x09", 2) + KeyBytes(key_a) + std::string(4, '\0') + "forge"}},
      {{hop, std::string("\x01\x01", 2) + KeyBytes(key_a) + std::string(4, '\0') + "forge"}},  // hop, no path
      {{prov, valid_other}, {hop, std::string("\x02\x01", 2) + "short"}},  // version-2 hop, digest cut short
  };
  std::vector<Record> records;
  for (size_t i = 0; i < forged.size(); ++i) {
    records.push_back({.key = "forged-" + std::to_string(i), .value = "v", .headers = forged[i]});
    records.push_back({.key = "plain-" + std::to_string(i), .value = "v"});
  }
  ASSERT_TRUE(Produce(a_->client(), "forge", records));
  const std::string config =
      Clusters(*a_, *b_) + "topics = forge\nA->B.enabled = true\nA->B.flow.group.id = forge-ab\n";
  auto kmirror = StartKmirror(config, "kmirror-forge");
  ASSERT_TRUE(
      WaitForRecords(b_->client(), "A.forge", static_cast<int64_t>(records.size()), seconds(60), kmirror.get()));
  ASSERT_TRUE(WaitForLog(*kmirror, "untrusted provenance header (", seconds(30)));
  EXPECT_EQ(kmirror->Terminate(seconds(90)), 0) << kmirror->OutputTail(20);

  auto copies = ConsumeAll(b_->client(), "A.forge", 0);
  ASSERT_TRUE(copies.ok()) << copies.error();
  ASSERT_EQ(copies->size(), records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ((*copies)[i].key, records[i].key);
    int provs = 0, hops = 0;
    for (const auto& [k, v] : (*copies)[i].headers) {
      if (k == prov) {
        ++provs;
        auto path = wire::ParseProvenance(v.value_or(""));
        ASSERT_TRUE(path.has_value()) << *records[i].key;
        ASSERT_EQ(path->clusters.size(), 1u) << *records[i].key;
        EXPECT_EQ(path->clusters[0], key_a) << *records[i].key << ": the forged path must not be kept";
      }
      if (k == hop) {
        ++hops;
        auto h = wire::ParseProvenanceHop(v.value_or(""));
        ASSERT_TRUE(h.has_value()) << *records[i].key;
        EXPECT_EQ(h->digest, wire::HopDigest(wire::ClusterKeyOf(b_->cluster_id()), "A.forge", 0));
      }
    }
    EXPECT_EQ(provs, 1) << *records[i].key;
    EXPECT_EQ(hops, 1) << *records[i].key;
  }
  EXPECT_EQ(LastFlowCount(kmirror->Output(), "A->B", "with untrusted provenance"), static_cast<int64_t>(forged.size()))
      << kmirror->OutputTail(10);
}

}  // namespace
}  // namespace kmirror::test
