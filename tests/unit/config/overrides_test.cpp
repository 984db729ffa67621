// Per-node settings: node ids, KMIRROR_SET_ names, --set flags and how the loaders apply them.
#include "kmirror/config/overrides.h"

#include <gtest/gtest.h>

#include "config_test_util.h"
#include "kmirror/common/logging.h"
#include "kmirror/config/mirror_config.h"

namespace kmirror::config {
namespace {

using testing::FindProblem;
using testing::ProblemsOf;

constexpr const char* kFile =
    "clusters = A, B\n"
    "A.bootstrap.servers = a1:9092\n"
    "B.bootstrap.servers = b1:9092\n"
    "A->B.enabled = true\n"
    "api.listen = 127.0.0.1:9190\n"
    "offsets.index.dir = /var/lib/kmirror/index\n";

TEST(NodeIdTest, DefaultIsAValidNodeId) {
  const std::string id = DefaultNodeId();
  EXPECT_EQ(CheckNodeId(id), "") << id;
}

TEST(NodeIdTest, OnlyCharactersKafkaAllowsInMemberIds) {
  EXPECT_EQ(CheckNodeId("n1"), "");
  EXPECT_EQ(CheckNodeId("dc-1.node_2"), "");
  EXPECT_NE(CheckNodeId(""), "");
  EXPECT_NE(CheckNodeId("n 1"), "");
  EXPECT_NE(CheckNodeId("n@1"), "");
  EXPECT_NE(CheckNodeId(std::string(101, 'n')), "");
}

TEST(OverridesTest, EnvironmentNamesFollowTheContainerImageConvention) {
  EXPECT_EQ(KeyOfEnvironmentName("API_LISTEN"), "api.listen");
  EXPECT_EQ(KeyOfEnvironmentName("OFFSETS_INDEX_DIR"), "offsets.index.dir");
  EXPECT_EQ(KeyOfEnvironmentName("METRICS_LISTEN"), "metrics.listen");
  EXPECT_EQ(KeyOfEnvironmentName("A__B"), "a_b");
  EXPECT_EQ(KeyOfEnvironmentName("EMIT___X"), "emit-x");
}

TEST(OverridesTest, PrecedenceIsEnvironmentThenSetThenNodeIdFlag) {
  auto o = CollectOverrides({"PATH=/bin", "KMIRROR_SET_API_LISTEN=127.0.0.1:1", "KMIRROR_NODE_ID=env-node"},
                            {"api.listen=127.0.0.1:2", "offsets.index.dir = /d"}, "flag-node");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  ASSERT_EQ(o->size(), 5u);
  EXPECT_EQ((*o)[0].key, "api.listen");
  EXPECT_EQ((*o)[0].origin, "environment variable KMIRROR_SET_API_LISTEN");
  EXPECT_EQ((*o)[1].key, "node.id");
  EXPECT_EQ((*o)[1].value, "env-node");
  EXPECT_EQ((*o)[2].value, "127.0.0.1:2");
  EXPECT_EQ((*o)[2].origin, "--set api.listen");
  EXPECT_EQ((*o)[3].key, "offsets.index.dir");
  EXPECT_EQ((*o)[3].value, "/d");
  EXPECT_EQ((*o)[4].origin, "--node-id");
}

TEST(OverridesTest, MalformedOnesNameTheirFlagOrVariable) {
  auto bad_set = CollectOverrides({}, {"api.listen"}, "");
  ASSERT_FALSE(bad_set.ok());
  EXPECT_NE(bad_set.status().message().find("--set 'api.listen'"), std::string::npos);
  auto bad_env = CollectOverrides({"KMIRROR_SET_=x"}, {}, "");
  ASSERT_FALSE(bad_env.ok());
  EXPECT_NE(bad_env.status().message().find("KMIRROR_SET_"), std::string::npos);
}

class OverrideLoadTest : public ::testing::Test {
 protected:
  testing::TempDir dir_;
};

TEST_F(OverrideLoadTest, OverridesReplaceTheSharedFilesValues) {
  const std::string path = dir_.Write("mm2.properties", kFile);
  MirrorConfig c = LoadMm2Properties(path, {{"api.listen", "127.0.0.1:0", "--set api.listen"},
                                            {"offsets.index.dir", "/tmp/n2", "environment variable X"},
                                            {"node.id", "n2", "--node-id"}});
  EXPECT_EQ(c.api_listen, "127.0.0.1:0");
  EXPECT_EQ(c.offsets_index_dir, "/tmp/n2");
  EXPECT_EQ(c.node_id, "n2");
  ASSERT_EQ(c.flows.size(), 1u);
  EXPECT_EQ(c.flows[0].node_id, "n2");
}

TEST_F(OverrideLoadTest, WithoutOverridesTheNodeIdIsTheHostName) {
  MirrorConfig c = LoadMm2Properties(dir_.Write("mm2.properties", kFile));
  EXPECT_EQ(c.node_id, DefaultNodeId());
  EXPECT_EQ(c.flows[0].node_id, DefaultNodeId());
}

TEST_F(OverrideLoadTest, ABadOverrideIsAProblemNamingItsFlag) {
  const std::string path = dir_.Write("mm2.properties", kFile);
  auto problems = ProblemsOf([&] { LoadMm2Properties(path, {{"api.listen", "nonsense", "--set api.listen"}}); });
  const ConfigProblem* p = FindProblem(problems, "--set api.listen");
  ASSERT_NE(p, nullptr);
  EXPECT_NE(p->ToString().find("host:port"), std::string::npos) << p->ToString();

  problems = ProblemsOf([&] {
    LoadMm2Properties(path, {{"node.id", "bad id", "environment variable KMIRROR_NODE_ID"}});
  });
  EXPECT_NE(FindProblem(problems, "environment variable KMIRROR_NODE_ID"), nullptr);

  // A typo in an override is not silently ignored, unlike an unknown key in the file.
  problems = ProblemsOf([&] { LoadMm2Properties(path, {{"api.lisen", "127.0.0.1:0", "--set api.lisen"}}); });
  const ConfigProblem* typo = FindProblem(problems, "--set api.lisen");
  ASSERT_NE(typo, nullptr);
  EXPECT_NE(typo->ToString().find("api.listen"), std::string::npos) << "suggests the right name";
}

TEST_F(OverrideLoadTest, LegacyTakesANodeIdOnly) {
  LegacyArgs args{dir_.Write("c.properties", "bootstrap.servers=s:1\ngroup.id=g\n"),
                  dir_.Write("p.properties", "bootstrap.servers=t:1\n"), 1, ".*"};
  MirrorConfig c = LoadLegacy(args, {{"node.id", "mm1-node", "--node-id"}});
  EXPECT_EQ(c.node_id, "mm1-node");
  EXPECT_EQ(c.flows[0].node_id, "mm1-node");
  auto problems = ProblemsOf([&] { LoadLegacy(args, {{"api.listen", "127.0.0.1:0", "--set api.listen"}}); });
  EXPECT_NE(FindProblem(problems, "--set api.listen"), nullptr);
}

// log.format and the librdkafka statistics interval: defaults, from the file, per node with
// --set (the loaders also switch the process's log format: put back to text afterwards).
TEST_F(OverrideLoadTest, LogFormatAndStatisticsIntervalFromTheFileOrSet) {
  MirrorConfig c = LoadMm2Properties(dir_.Write("mm2.properties", kFile));
  EXPECT_EQ(c.log_format, "text");
  EXPECT_EQ(c.metrics_librdkafka_interval, std::chrono::milliseconds(15000));
  EXPECT_EQ(logging::CurrentFormat(), logging::Format::kText);

  c = LoadMm2Properties(dir_.Write("mm2.properties", std::string(kFile) + "metrics.librdkafka.interval.ms = 0\n"),
                        {{"log.format", "json", "--set log.format"}, {"node.id", "n9", "--node-id"}});
  EXPECT_EQ(c.log_format, "json");
  EXPECT_EQ(logging::CurrentFormat(), logging::Format::kJson);
  EXPECT_EQ(c.metrics_librdkafka_interval, std::chrono::milliseconds(0));
  logging::SetFormat(logging::Format::kText);

  const std::string path = dir_.Write("mm2.properties", kFile);
  auto problems = ProblemsOf([&] { LoadMm2Properties(path, {{"log.format", "xml", "--set log.format"}}); });
  EXPECT_NE(FindProblem(problems, "--set log.format"), nullptr);
  EXPECT_EQ(logging::CurrentFormat(), logging::Format::kText);
  problems = ProblemsOf([&] {
    LoadMm2Properties(path, {{"metrics.librdkafka.interval.ms", "-1", "--set metrics.librdkafka.interval.ms"}});
  });
  EXPECT_NE(FindProblem(problems, "--set metrics.librdkafka.interval.ms"), nullptr);
}

TEST_F(OverrideLoadTest, LegacyTakesALogFormatToo) {
  LegacyArgs args{dir_.Write("c.properties", "bootstrap.servers=s:1\ngroup.id=g\n"),
                  dir_.Write("p.properties", "bootstrap.servers=t:1\n"), 1, ".*"};
  MirrorConfig c = LoadLegacy(args, {{"log.format", "json", "environment variable KMIRROR_SET_LOG_FORMAT"}});
  EXPECT_EQ(c.log_format, "json");
  EXPECT_EQ(logging::CurrentFormat(), logging::Format::kJson);
  logging::SetFormat(logging::Format::kText);
  auto problems = ProblemsOf([&] { LoadLegacy(args, {{"log.format", "yaml", "--set log.format"}}); });
  EXPECT_NE(FindProblem(problems, "--set log.format"), nullptr);
}

}  // namespace
}  // namespace kmirror::config
