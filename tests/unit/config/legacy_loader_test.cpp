#include <gtest/gtest.h>

#include "config_test_util.h"
#include "kmirror/config/mirror_config.h"

namespace kmirror::config {
namespace {

using testing::FindProblem;
using testing::LogCapture;
using testing::ProblemsOf;

class LegacyLoaderTest : public ::testing::Test {
 protected:
  LegacyArgs Args(const std::string& consumer, const std::string& producer, int streams = 1,
                  const std::string& whitelist = ".*") {
    return LegacyArgs{dir_.Write("consumer.properties", consumer), dir_.Write("producer.properties", producer), streams,
                      whitelist};
  }
  std::vector<ConfigProblem> Fail(const LegacyArgs& args) {
    return ProblemsOf([&] { LoadLegacy(args); });
  }

  testing::TempDir dir_;
};

TEST_F(LegacyLoaderTest, OneIdentityFlowFromTheTwoFiles) {
  MirrorConfig c = LoadLegacy(Args("bootstrap.servers=src:9092\ngroup.id=mm\nfetch.min.bytes=10\n",
                                   "bootstrap.servers=dst:9093\nlinger.ms=20\n", 3, "orders.*"));
  ASSERT_EQ(c.flows.size(), 1u);
  const FlowConfig& f = c.flows[0];
  EXPECT_EQ(f.Name(), "source->target");
  EXPECT_EQ(f.naming, RemoteTopicNaming::kIdentity);
  EXPECT_EQ(f.tasks, 3);
  EXPECT_EQ(f.topics, (std::vector<std::string>{"orders.*"}));
  EXPECT_EQ(f.topics_exclude, (std::vector<std::string>{"__consumer_offsets", "__transaction_state"}));
  EXPECT_EQ(f.replication_factor, -1);
  EXPECT_FALSE(f.sync_topic_configs);
  EXPECT_FALSE(f.sync_topic_acls) << "MM1 never copied ACLs";
  EXPECT_EQ(f.refresh_topics_interval, std::chrono::minutes(5));
  EXPECT_EQ(f.group_id, "mm");
  EXPECT_EQ(f.start_position, StartPosition::kLatest);  // the Java consumer's default
  EXPECT_EQ(f.source_consumer.at("fetch.min.bytes"), "10");
  EXPECT_EQ(f.source_consumer.count("group.id"), 0u);
  EXPECT_EQ(f.source_admin.at("bootstrap.servers"), "src:9092");
  EXPECT_EQ(f.source_admin.count("fetch.min.bytes"), 0u);
  EXPECT_EQ(f.target_producer.at("linger.ms"), "20");
  EXPECT_EQ(f.target_admin.at("bootstrap.servers"), "dst:9093");
  ASSERT_EQ(c.clusters.size(), 2u);
  EXPECT_EQ(c.clusters[0].alias, "source");
  EXPECT_EQ(c.clusters[1].client.at("bootstrap.servers"), "dst:9093");
  EXPECT_NE(c.origin.find("--consumer.config"), std::string::npos);
}

TEST_F(LegacyLoaderTest, WhitelistIsNormalisedAsMirrorMaker1Did) {
  auto whitelist_of = [&](const std::string& w) {
    return LoadLegacy(Args("bootstrap.servers=s:1\ngroup.id=g\n", "bootstrap.servers=t:1\n", 1, w)).flows[0].topics[0];
  };
  EXPECT_EQ(whitelist_of("'orders, payments'"), "orders|payments");
  EXPECT_EQ(whitelist_of("\"foo.*\""), "foo.*");
  EXPECT_EQ(whitelist_of("  a , b ,c "), "a|b|c");
}

TEST_F(LegacyLoaderTest, MissingGroupIdGetsADefaultWithAWarning) {
  LogCapture log;
  MirrorConfig c = LoadLegacy(Args("bootstrap.servers=s:1\n", "bootstrap.servers=t:1\n"));
  EXPECT_EQ(c.flows[0].group_id, "kmirror-source-target");
  EXPECT_EQ(log.Lines("group.id: not set (MirrorMaker 1 required it)").size(), 1u) << log.text();
}

TEST_F(LegacyLoaderTest, ProducerGuaranteesAreKmirrors) {
  LogCapture log;
  MirrorConfig c = LoadLegacy(Args("bootstrap.servers=s:1\ngroup.id=g\n",
                                   "bootstrap.servers=t:1\nacks=1\nmax.in.flight.requests.per.connection=1\n"));
  EXPECT_EQ(c.flows[0].target_producer.count("acks"), 0u);
  EXPECT_EQ(c.flows[0].target_producer.at("max.in.flight.requests.per.connection"), "1");
  EXPECT_EQ(log.Lines("producer.properties:2: acks: kmirror always waits").size(), 1u) << log.text();
}

TEST_F(LegacyLoaderTest, MetadataMaxAgeSetsTheTopicRefresh) {
  MirrorConfig c =
      LoadLegacy(Args("bootstrap.servers=s:1\ngroup.id=g\nmetadata.max.age.ms=30000\n", "bootstrap.servers=t:1\n"));
  EXPECT_EQ(c.flows[0].refresh_topics_interval, std::chrono::seconds(30));
}

TEST_F(LegacyLoaderTest, MissingAndUnreadableFilesNameTheFlag) {
  LegacyArgs args{dir_.Path("missing-consumer.properties"), "", 1, ".*"};
  auto problems = Fail(args);
  const ConfigProblem* consumer = FindProblem(problems, "missing-consumer.properties");
  ASSERT_NE(consumer, nullptr) << testing::AllText(problems);
  EXPECT_EQ(consumer->key, "--consumer.config");
  EXPECT_EQ(consumer->file, dir_.Path("missing-consumer.properties"));
  const ConfigProblem* producer = FindProblem(problems, "--producer.config: is required");
  EXPECT_NE(producer, nullptr) << testing::AllText(problems);

  LegacyArgs directory{dir_.Path(""), dir_.Write("p.properties", "bootstrap.servers=t:1\n"), 1, ".*"};
  auto dir_problems = Fail(directory);
  EXPECT_NE(FindProblem(dir_problems, "is a directory"), nullptr) << testing::AllText(dir_problems);
}

TEST_F(LegacyLoaderTest, BadCommandLineValues) {
  auto problems = Fail(Args("bootstrap.servers=s:1\ngroup.id=g\n", "bootstrap.servers=t:1\n", 0, "(?<=x)y"));
  EXPECT_NE(FindProblem(problems, "--num.streams: must be at least 1, got 0"), nullptr) << testing::AllText(problems);
  const ConfigProblem* regex = FindProblem(problems, "--whitelist");
  ASSERT_NE(regex, nullptr) << testing::AllText(problems);
  EXPECT_NE(regex->message.find("lookbehind"), std::string::npos);

  auto empty = Fail(Args("bootstrap.servers=s:1\ngroup.id=g\n", "bootstrap.servers=t:1\n", 1, " '' "));
  EXPECT_NE(FindProblem(empty, "--whitelist: is required"), nullptr) << testing::AllText(empty);
  auto invalid = Fail(Args("bootstrap.servers=s:1\ngroup.id=g\n", "bootstrap.servers=t:1\n", 1, "[unclosed"));
  EXPECT_NE(FindProblem(invalid, "not a valid regular expression"), nullptr) << testing::AllText(invalid);
}

TEST_F(LegacyLoaderTest, PropertyProblemsPointIntoTheFiles) {
  auto problems = Fail(Args("group.id=g\nzookeeper.connect=zk:2181\nfetch.min.byte=1\n", "acks=all\n"));
  const ConfigProblem* bootstrap = FindProblem(problems, "consumer.properties: bootstrap.servers: is required");
  ASSERT_NE(bootstrap, nullptr) << testing::AllText(problems);
  EXPECT_NE(FindProblem(problems, "producer.properties: bootstrap.servers: is required"), nullptr);
  const ConfigProblem* zk = FindProblem(problems, "consumer.properties:2: zookeeper.connect");
  EXPECT_NE(zk, nullptr) << testing::AllText(problems);
  const ConfigProblem* typo = FindProblem(problems, "consumer.properties:3: fetch.min.byte");
  ASSERT_NE(typo, nullptr) << testing::AllText(problems);
  EXPECT_EQ(typo->line, 3);
}

}  // namespace
}  // namespace kmirror::config
