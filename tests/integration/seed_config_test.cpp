// The second seed's whole connect-mirror-maker.properties (config/examples/, verbatim from
// the seed), pointed at two local clusters that require SASL/PLAIN like the seed's do:
// only the bootstrap addresses change, and the replication factor 3 becomes 1 because the
// local clusters have one broker each. It must start and mirror prod.*.global topics.
#include <gtest/gtest.h>

#include <regex>

#include "support/kafka_cluster.h"
#include "support/kmirror_runner.h"

namespace kmirror::test {
namespace {

using std::chrono::seconds;

// The seed file's SASL settings (security.protocol, sasl.mechanism, sasl.jaas.config) are what
// these clusters require.
TEST(SeedConfig, Mm2SeedFileWithSaslMirrorsGlobalTopics) {
  const std::map<std::string, std::string> users = {{"your_user", "your_password"}};
  auto clusters = KafkaCluster::StartAll(
      {{.name = "clusterA", .sasl_plain_users = users}, {.name = "clusterB", .sasl_plain_users = users}});
  KafkaCluster& a = *clusters[0];
  KafkaCluster& b = *clusters[1];

  std::string text =
      ReadFile(std::string(KMIRROR_SOURCE_DIR) + "/config/examples/mm2-seed-clusterA-clusterB.properties");
  ASSERT_FALSE(text.empty());
  text = std::regex_replace(text, std::regex("clusterA\\.bootstrap\\.servers = [^\\n]*"),
                            "clusterA.bootstrap.servers = " + a.sasl_bootstrap());
  text = std::regex_replace(text, std::regex("clusterB\\.bootstrap\\.servers = [^\\n]*"),
                            "clusterB.bootstrap.servers = " + b.sasl_bootstrap());
  text = std::regex_replace(text, std::regex("clusterA->clusterB\\.replication\\.factor = 3"),
                            "clusterA->clusterB.replication.factor = 1");
  ASSERT_NE(text.find(a.sasl_bootstrap()), std::string::npos);

  ASSERT_TRUE(CreateTopic(a.client(), "prod.orders.global", 3));
  ASSERT_TRUE(CreateTopic(a.client(), "prod.orders.local", 1));
  ASSERT_TRUE(Produce(a.client(), "prod.orders.global", MakeRecords(3000, 3, "g")));
  ASSERT_TRUE(Produce(a.client(), "prod.orders.local", MakeRecords(10, 1, "l")));

  auto kmirror = StartKmirror(text, "kmirror-seed");
  ASSERT_TRUE(WaitForRecords(b.client(), "clusterA.prod.orders.global", 3000, seconds(120), kmirror.get()));
  EXPECT_EQ(PartitionCount(b.client(), "clusterA.prod.orders.global").value_or(-1), 3);
  auto out = kmirror->Output();
  EXPECT_EQ(out.find("your_password"), std::string::npos) << "the password must never be logged";
  EXPECT_EQ(kmirror->Terminate(seconds(90)), 0) << kmirror->OutputTail(30);

  auto topics = ListTopics(b.client());
  ASSERT_TRUE(topics.ok());
  for (const auto& t : *topics) EXPECT_NE(t, "clusterA.prod.orders.local") << "topics regex must be honoured";
  for (int p = 0; p < 3; ++p) {
    auto s = ConsumeAll(a.client(), "prod.orders.global", p);
    auto d = ConsumeAll(b.client(), "clusterA.prod.orders.global", p);
    ASSERT_TRUE(s.ok() && d.ok());
    ASSERT_EQ(s->size(), d->size());
    for (size_t i = 0; i < s->size(); ++i) {
      ASSERT_EQ((*s)[i].key, (*d)[i].key);
      ASSERT_EQ((*s)[i].value, (*d)[i].value);
    }
  }
}

}  // namespace
}  // namespace kmirror::test
