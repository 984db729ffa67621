// Topic ACL sync (sync.topic.acls.enabled, MM2's rules; replication/acl_sync.h) against
// brokers running KRaft's StandardAuthorizer.
//
// Three clusters, started once for the binary: A and B with the authorizer, a SASL/PLAIN
// listener (users admin, alice, bob) and super.users = admin plus ANONYMOUS (the harness's
// own PLAINTEXT clients and the KRaft controller listener); C without an authorizer. kmirror
// connects to A and B as admin over SASL/PLAIN, the way seed 003 configures MM2.
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "support/kafka_client.h"
#include "support/kafka_env.h"
#include "support/kmirror_runner.h"
#include "support/process.h"

namespace kmirror::test {
namespace {

using namespace std::chrono_literals;

const std::map<std::string, std::string> kUsers = {
    {"admin", "admin-pw-7Gq2"}, {"alice", "alice-pw-3Kd9"}, {"bob", "bob-pw-8Rz1"}};

KafkaCluster::Options Secured(const std::string& name) {
  return {.name = name,
          .broker_properties = {{"authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer"},
                                {"super.users", "User:admin;User:ANONYMOUS"}},
          .sasl_plain_users = kUsers};
}

[[maybe_unused]] const auto* const kKafka = KafkaEnv::Register({Secured("A"), Secured("B"), {.name = "C"}});

// The MM2 lines that connect kmirror to `alias` as admin over SASL/PLAIN.
std::vector<std::string> AsAdmin(const std::string& alias, const KafkaCluster& c) {
  return {alias + ".security.protocol = SASL_PLAINTEXT", alias + ".sasl.mechanism = PLAIN",
          alias + ".sasl.jaas.config = " + c.sasl_jaas_config("admin")};
}

std::vector<std::string> Concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TopicAcl Acl(const std::string& name, const std::string& principal, const std::string& operation,
             const std::string& permission = "ALLOW", const std::string& pattern = "LITERAL") {
  return {.pattern = pattern, .name = name, .principal = principal, .operation = operation, .permission = permission};
}

// The bindings of `cluster` on the given topic names (any pattern).
std::vector<TopicAcl> AclsOn(const KafkaCluster& cluster, const std::vector<std::string>& names) {
  auto all = DescribeTopicAcls(cluster.client());
  if (!all.ok()) return {Acl("describe failed: " + all.error(), "", "")};
  std::vector<TopicAcl> out;
  for (const TopicAcl& a : *all) {
    if (std::find(names.begin(), names.end(), a.name) != names.end()) out.push_back(a);
  }
  return out;
}

::testing::AssertionResult WaitForAcls(const KafkaCluster& cluster, const std::vector<std::string>& names,
                                       std::vector<TopicAcl> expected, ChildProcess& km) {
  std::sort(expected.begin(), expected.end());
  std::vector<TopicAcl> seen;
  if (WaitUntil([&] { return (seen = AclsOn(cluster, names)) == expected; }, 60s, 250ms)) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "bindings on " << cluster.name() << ": " << ::testing::PrintToString(seen)
                                       << "\nexpected: " << ::testing::PrintToString(expected) << "\n"
                                       << km.OutputTail(30);
}

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// A counter of kmirror's metrics endpoint for flow `flow`, or nullopt.
std::optional<double> Counter(int port, const std::string& name, const std::string& flow) {
  httplib::Client client("127.0.0.1", port);
  auto res = client.Get("/metrics");
  if (!res || res->status != 200) return std::nullopt;
  std::istringstream lines(res->body);
  for (std::string l; std::getline(lines, l);) {
    if (l.starts_with(name + "{") && l.find("flow=\"" + flow + "\"") != std::string::npos) {
      return std::stod(l.substr(l.rfind(' ') + 1));
    }
  }
  return std::nullopt;
}

TEST(AclSyncTest, CopiesTheSourcesTopicAclsOfMirroredTopicsTheWayMm2Does) {
  KafkaCluster& a = KafkaEnv::Cluster("A");
  KafkaCluster& b = KafkaEnv::Cluster("B");
  const std::string topic = UniqueName("orders");
  const std::string other = UniqueName("other");  // not mirrored
  const std::string remote = "A." + topic;
  ASSERT_TRUE(CreateTopic(a.client(), topic, 2));
  ASSERT_TRUE(CreateTopic(a.client(), other, 1));
  ASSERT_TRUE(CreateTopicAcls(
      a.client(),
      {
          Acl(topic, "User:alice", "READ"), Acl(topic, "User:alice", "WRITE"),  // not copied
          Acl(topic, "User:bob", "ALL"),                                        // becomes READ
          Acl(topic, "User:mallory", "READ", "DENY"), Acl(topic, "User:mallory", "ALL", "DENY"),
          Acl(topic, "User:carol", "DESCRIBE"), Acl(topic, "User:alice", "READ", "ALLOW", "PREFIXED"),  // not copied
          Acl(other, "User:alice", "READ"),  // topic not mirrored
      }));
  ASSERT_TRUE(Produce(a.client(), topic, MakeRecords(200, 2)));

  auto km = StartKmirror(
      FlowConfig("A", a.sasl_bootstrap(), "B", b.sasl_bootstrap(), topic, UniqueName("g"),
                 Concat(Concat(AsAdmin("A", a), AsAdmin("B", b)), {"sync.topic.acls.interval.seconds = 1"})),
      "kmirror");
  ASSERT_TRUE(WaitForRecords(b.client(), remote, 200, 60s, km.get()));
  const std::vector<std::string> names = {remote, topic, "A." + other, other};
  ASSERT_TRUE(WaitForAcls(
      b, names,
      {Acl(remote, "User:alice", "READ"), Acl(remote, "User:bob", "READ"), Acl(remote, "User:mallory", "READ", "DENY"),
       Acl(remote, "User:mallory", "ALL", "DENY"), Acl(remote, "User:carol", "DESCRIBE")},
      *km));
  EXPECT_EQ(Count(km->Output(), "created 5 topic ACL binding(s) on B"), 1u) << km->OutputTail(30);

  // What the copies mean on the target: alice reads the remote topic with her own
  // credentials; her ALLOW WRITE stayed on the source.
  auto read = ConsumeTopic(b.sasl_client("alice"), remote);
  ASSERT_TRUE(read.ok()) << read.error();
  EXPECT_EQ(read->size(), 200u);
  EXPECT_FALSE(Produce(b.sasl_client("alice"), remote, MakeRecords(1, 1)));

  // A binding added later arrives with a later round, which creates only it.
  ASSERT_TRUE(CreateTopicAcls(a.client(), {Acl(topic, "User:dave", "READ", "ALLOW")}));
  ASSERT_TRUE(WaitForAcls(b, names,
                          {Acl(remote, "User:alice", "READ"), Acl(remote, "User:bob", "READ"),
                           Acl(remote, "User:mallory", "READ", "DENY"), Acl(remote, "User:mallory", "ALL", "DENY"),
                           Acl(remote, "User:carol", "DESCRIBE"), Acl(remote, "User:dave", "READ")},
                          *km));
  EXPECT_TRUE(WaitForLog(*km, "created 1 topic ACL binding(s) on B", 10s));
  EXPECT_EQ(Count(km->Output(), "topic ACL binding(s) on B"), 2u) << km->OutputTail(30);
  EXPECT_EQ(Count(km->Output(), "topic ACLs are not synced"), 0u) << km->OutputTail(30);
}

TEST(AclSyncTest, ATargetWithoutAnAuthorizerIsSaidOnceAndMirroringGoesOn) {
  KafkaCluster& a = KafkaEnv::Cluster("A");
  KafkaCluster& c = KafkaEnv::Cluster("C");
  const std::string topic = UniqueName("t");
  ASSERT_TRUE(CreateTopic(a.client(), topic, 2));
  ASSERT_TRUE(CreateTopicAcls(a.client(), {Acl(topic, "User:alice", "READ")}));
  ASSERT_TRUE(Produce(a.client(), topic, MakeRecords(300, 2)));

  auto km = StartKmirror(
      FlowConfig("A", a.sasl_bootstrap(), "C", c.bootstrap(), topic, UniqueName("g"),
                 Concat(AsAdmin("A", a), {"sync.topic.acls.interval.seconds = 1", "metrics.listen = 127.0.0.1:0"})),
      "kmirror");
  ASSERT_TRUE(WaitForRecords(c.client(), "A." + topic, 300, 60s, km.get()));
  ASSERT_TRUE(WaitForLog(*km, "metrics listening on", 30s));
  const std::string out = km->Output();
  const size_t at = out.find("(port ", out.find("metrics listening on"));
  ASSERT_NE(at, std::string::npos) << out;
  const int port = std::stoi(out.substr(at + 6));
  // Several refused rounds, and still one line.
  std::optional<double> refusals;
  ASSERT_TRUE(WaitUntil(
      [&] {
        refusals = Counter(port, "kmirror_acl_sync_refusals_total", "A->C");
        return refusals && *refusals >= 3;
      },
      60s, 250ms))
      << "refusals: " << (refusals ? std::to_string(*refusals) : "none") << "\n"
      << km->OutputTail(30);
  ASSERT_TRUE(Produce(a.client(), topic, MakeRecords(100, 2, "more")));
  ASSERT_TRUE(WaitForRecords(c.client(), "A." + topic, 400, 60s, km.get()));
  const std::string log = km->Output();
  EXPECT_EQ(Count(log, "topic ACLs are not synced"), 1u) << km->OutputTail(30);
  const size_t line = log.find("topic ACLs are not synced");
  ASSERT_NE(line, std::string::npos);
  const std::string said = log.substr(line, log.find('\n', line) - line);
  EXPECT_NE(said.find("SECURITY_DISABLED"), std::string::npos) << said;
  EXPECT_NE(said.find("C refused"), std::string::npos) << said;
  EXPECT_TRUE(km->Running());
}

}  // namespace
}  // namespace kmirror::test
