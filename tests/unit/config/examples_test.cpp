// The configuration files users actually have: the two seed documents' files (extracted
// verbatim into config/examples/) and the README demo's config/mm2-local.properties.
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "config_test_util.h"
#include "kmirror/config/mirror_config.h"

namespace kmirror::config {
namespace {

using testing::LogCapture;
using testing::SourcePath;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(ExamplesTest, SeedFilesAreVerbatimCopies) {
  std::string seed = ReadAll(std::string(KMIRROR_SEEDS_DIR) + "/003_83ca6c8f590247c1.txt");
  if (seed.empty()) GTEST_SKIP() << "seed documents not available";
  EXPECT_NE(seed.find(ReadAll(SourcePath("config/examples/mm2-seed-clusterA-clusterB.properties"))), std::string::npos);
  std::string mm1 = ReadAll(std::string(KMIRROR_SEEDS_DIR) + "/000_9c62c1c5819509f1.txt");
  EXPECT_NE(mm1.find(ReadAll(SourcePath("config/examples/mm1-consumer.properties"))), std::string::npos);
  EXPECT_NE(mm1.find(ReadAll(SourcePath("config/examples/mm1-producer.properties"))), std::string::npos);
}

TEST(ExamplesTest, Mm2SeedFile) {
  LogCapture log;
  MirrorConfig c = LoadMm2Properties(SourcePath("config/examples/mm2-seed-clusterA-clusterB.properties"));

  ASSERT_EQ(c.clusters.size(), 2u);
  for (const auto& cluster : c.clusters) {
    const std::string prefix = cluster.alias == "clusterA" ? "brokerA" : "brokerB";
    EXPECT_EQ(cluster.client.at("bootstrap.servers"), prefix + "-1:9092," + prefix + "-2:9092," + prefix + "-3:9092");
    EXPECT_EQ(cluster.client.at("security.protocol"), "sasl_plaintext");
    EXPECT_EQ(cluster.client.at("sasl.mechanisms"), "PLAIN");
    EXPECT_EQ(cluster.client.at("sasl.username"), "your_user");
    EXPECT_EQ(cluster.client.at("sasl.password"), "your_password");
    EXPECT_EQ(cluster.client.count("sasl.jaas.config"), 0u);
  }

  ASSERT_EQ(c.flows.size(), 1u);  // clusterB->clusterA.enabled = false
  const FlowConfig& f = c.flows[0];
  EXPECT_EQ(f.Name(), "clusterA->clusterB");
  EXPECT_EQ(f.topics, (std::vector<std::string>{"prod.*.global$"}));
  EXPECT_EQ(f.topics_exclude, (std::vector<std::string>{"^(clusterA|clusterB).*heartbeats$"}));
  EXPECT_EQ(f.naming, RemoteTopicNaming::kPrefix);
  EXPECT_EQ(f.separator, ".");
  EXPECT_EQ(f.tasks, 8);
  EXPECT_EQ(f.replication_factor, 3);
  EXPECT_EQ(f.refresh_topics_interval, std::chrono::seconds(300));
  EXPECT_TRUE(f.sync_topic_configs);
  EXPECT_TRUE(f.sync_topic_acls);  // the seed turns MM2's ACL sync on (its default too), every 300 s
  EXPECT_EQ(f.sync_topic_acls_interval, std::chrono::seconds(300));
  EXPECT_EQ(f.group_id, "kmirror-clusterA-clusterB");
  EXPECT_EQ(f.start_position, StartPosition::kEarliest);
  EXPECT_EQ(f.source_consumer.at("bootstrap.servers"), "brokerA-1:9092,brokerA-2:9092,brokerA-3:9092");
  EXPECT_EQ(f.source_consumer.at("sasl.username"), "your_user");
  EXPECT_EQ(f.target_producer.at("bootstrap.servers"), "brokerB-1:9092,brokerB-2:9092,brokerB-3:9092");
  EXPECT_EQ(f.target_producer.at("sasl.password"), "your_password");
  EXPECT_EQ(f.target_admin.at("security.protocol"), "sasl_plaintext");

  // Every key is known: MM2 internals at info, features kmirror lacks as warnings.
  EXPECT_TRUE(log.Lines("unknown setting").empty()) << log.text();
  for (const char* key :
       {"clusterA.group.id", "clusterB.group.id", "name", "source.cluster.alias", "target.cluster.alias",
        "offset.storage.replication.factor", "config.storage.topic", "status.storage.topic"}) {
    EXPECT_EQ(log.Lines(std::string(": ") + key + ": accepted; not needed by kmirror").size(), 1u) << key;
  }
  // Checkpoints, groups, group offset sync and topic ACL sync are supported: no line at all.
  for (const char* key :
       {"clusterA->clusterB.groups", "checkpoints.topic.replication.factor",
        "clusterA->clusterB.emit.checkpoints.enabled", "clusterA->clusterB.sync.group.offsets.enabled",
        "clusterA->clusterB.sync.topic.acls.enabled", "clusterA->clusterB.sync.topic.acls.interval.seconds",
        "clusterA->clusterB.refresh.groups.interval.seconds", "clusterA->clusterB.emit.offset-syncs.enabled"}) {
    EXPECT_TRUE(log.Lines(std::string(": ") + key + ": ").empty()) << key << "\n" << log.text();
  }
  for (const char* key : {"offset-syncs.topic.replication.factor"}) {
    EXPECT_EQ(log.Lines(std::string(": ") + key + ": accepted but not implemented yet").size(), 1u) << key;
  }
  EXPECT_EQ(log.text().find("your_password"), std::string::npos);
}

TEST(ExamplesTest, Mm1SeedFiles) {
  MirrorConfig c = LoadLegacy(LegacyArgs{SourcePath("config/examples/mm1-consumer.properties"),
                                         SourcePath("config/examples/mm1-producer.properties"), 4, ".*"});
  ASSERT_EQ(c.flows.size(), 1u);
  const FlowConfig& f = c.flows[0];
  EXPECT_EQ(f.Name(), "source->target");
  EXPECT_EQ(f.tasks, 4);
  EXPECT_EQ(f.topics, (std::vector<std::string>{".*"}));
  EXPECT_EQ(f.naming, RemoteTopicNaming::kIdentity);
  EXPECT_EQ(f.group_id, "mirrormaker");
  EXPECT_EQ(f.start_position, StartPosition::kEarliest);  // the file sets auto.offset.reset=earliest
  EXPECT_EQ(f.replication_factor, -1);
  EXPECT_EQ(f.source_consumer, (ClientProps{{"bootstrap.servers", "localhost:9092"}}));
  EXPECT_EQ(f.target_producer, (ClientProps{{"bootstrap.servers", "localhost:9093"}}));
  ASSERT_EQ(c.clusters.size(), 2u);
  EXPECT_EQ(c.clusters[0].client.at("bootstrap.servers"), "localhost:9092");
  EXPECT_EQ(c.clusters[1].client.at("bootstrap.servers"), "localhost:9093");
}

TEST(ExamplesTest, LocalDemoConfig) {
  LogCapture log;
  MirrorConfig c = LoadMm2Properties(SourcePath("config/mm2-local.properties"));
  ASSERT_EQ(c.flows.size(), 2u);
  for (const auto& f : c.flows) {
    EXPECT_EQ(f.naming, RemoteTopicNaming::kPrefix);
    EXPECT_EQ(f.replication_factor, 1);
    EXPECT_EQ(f.tasks, 2);
    EXPECT_EQ(f.refresh_topics_interval, std::chrono::seconds(10));
    EXPECT_EQ(f.sync_topic_configs_interval, std::chrono::seconds(10));
    EXPECT_EQ(f.start_position, StartPosition::kEarliest);
  }
  EXPECT_EQ(c.flows[0].Name(), "A->B");
  EXPECT_EQ(c.flows[0].source_consumer.at("bootstrap.servers"), "localhost:9092");
  EXPECT_EQ(c.flows[0].target_producer.at("bootstrap.servers"), "localhost:9093");
  EXPECT_EQ(c.flows[1].Name(), "B->A");
  EXPECT_EQ(c.flows[1].group_id, "kmirror-B-A");
  EXPECT_TRUE(log.Lines("warning", "").empty()) << log.text();
}

}  // namespace
}  // namespace kmirror::config
