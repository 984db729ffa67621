#include <gtest/gtest.h>
#include <thread>

#include "config_test_util.h"
#include "kmirror/config/mirror_config.h"
#include "kmirror/config/settings.h"

namespace kmirror::config {
namespace {

using testing::FindProblem;
using testing::LogCapture;
using testing::ProblemsOf;

constexpr const char* kTwoClusters =
    "clusters = A, B\n"
    "A.bootstrap.servers = a1:9092, a2:9092\n"
    "B.bootstrap.servers = b1:9092\n";

class Mm2LoaderTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& text) { return dir_.Write("mm2.properties", text); }
  MirrorConfig Load(const std::string& text) { return LoadMm2Properties(Write(text)); }
  std::vector<ConfigProblem> Fail(const std::string& text) {
    std::string path = Write(text);
    return ProblemsOf([&] { LoadMm2Properties(path); });
  }
  const FlowConfig& Flow(const MirrorConfig& c, const std::string& name) {
    for (const auto& f : c.flows) {
      if (f.Name() == name) return f;
    }
    ADD_FAILURE() << "no flow " << name;
    static const FlowConfig kNone;
    return kNone;
  }

  testing::TempDir dir_;
};

TEST_F(Mm2LoaderTest, MinimalFlowGetsMm2Defaults) {
  MirrorConfig c = Load(std::string(kTwoClusters) + "A->B.enabled = true\n");
  ASSERT_EQ(c.flows.size(), 1u);
  const FlowConfig& f = c.flows[0];
  EXPECT_EQ(f.Name(), "A->B");
  EXPECT_EQ(f.topics, (std::vector<std::string>{".*"}));
  EXPECT_EQ(f.topics_exclude, (std::vector<std::string>{R"(.*[\-\.]internal)", R"(.*\.replica)", "__.*"}));
  EXPECT_EQ(f.naming, RemoteTopicNaming::kPrefix);
  EXPECT_EQ(f.separator, ".");
  EXPECT_EQ(f.tasks, static_cast<int>(std::max(1u, std::thread::hardware_concurrency())))
      << "unset: one task per hardware thread";
  EXPECT_EQ(f.replication_factor, 2);
  EXPECT_TRUE(f.refresh_topics);
  EXPECT_EQ(f.refresh_topics_interval, std::chrono::seconds(600));
  EXPECT_TRUE(f.sync_topic_configs);
  EXPECT_EQ(f.sync_topic_configs_interval, std::chrono::seconds(600));
  EXPECT_TRUE(f.sync_topic_acls) << "MM2's default";
  EXPECT_EQ(f.sync_topic_acls_interval, std::chrono::seconds(600));
  EXPECT_EQ(f.config_properties_exclude.size(), 6u);
  EXPECT_EQ(f.config_properties_exclude[0], R"(follower\.replication\.throttled\.replicas)");
  EXPECT_EQ(f.group_id, "kmirror-A-B");
  EXPECT_EQ(f.start_position, StartPosition::kEarliest);
  EXPECT_TRUE(f.emit_checkpoints);
  EXPECT_EQ(f.checkpoints_interval, std::chrono::seconds(60));
  EXPECT_EQ(f.checkpoints_replication_factor, 3);
  EXPECT_EQ(f.groups, (std::vector<std::string>{".*"}));
  EXPECT_EQ(f.groups_exclude, (std::vector<std::string>{"console-consumer-.*", "connect-.*", "__.*"}));
  EXPECT_FALSE(f.sync_group_offsets);
  EXPECT_EQ(c.api_listen, "127.0.0.1:9190");
  EXPECT_EQ(c.offsets_index_dir, "kmirror-data/offset-index");
  EXPECT_EQ(f.source_consumer.at("bootstrap.servers"), "a1:9092,a2:9092");
  EXPECT_EQ(f.source_admin.at("bootstrap.servers"), "a1:9092,a2:9092");
  EXPECT_EQ(f.target_producer.at("bootstrap.servers"), "b1:9092");
  EXPECT_EQ(f.target_admin.at("bootstrap.servers"), "b1:9092");
  for (const auto* props : {&f.source_consumer, &f.target_producer}) {
    for (const char* owned : {"group.id", "enable.auto.commit", "auto.offset.reset", "acks", "enable.idempotence"}) {
      EXPECT_EQ(props->count(owned), 0u) << owned;
    }
  }
  ASSERT_EQ(c.clusters.size(), 2u);
  EXPECT_EQ(c.clusters[0].alias, "A");
  EXPECT_EQ(c.clusters[0].client.at("bootstrap.servers"), "a1:9092,a2:9092");
  EXPECT_EQ(c.origin, dir_.Path("mm2.properties"));
}

TEST_F(Mm2LoaderTest, FlowKeyOverTopLevelKeyOverDefault) {
  MirrorConfig c = Load(std::string(kTwoClusters) +
                        "A->B.enabled = true\nB->A.enabled = true\n"
                        "tasks.max = 4\nA->B.tasks.max = 8\n"
                        "topics = orders.*\nB->A.topics = billing, audit\n"
                        "A->B.replication.factor = 3\n");
  const FlowConfig& ab = Flow(c, "A->B");
  const FlowConfig& ba = Flow(c, "B->A");
  EXPECT_EQ(ab.tasks, 8);
  EXPECT_EQ(ba.tasks, 4);
  EXPECT_EQ(ab.topics, (std::vector<std::string>{"orders.*"}));
  EXPECT_EQ(ba.topics, (std::vector<std::string>{"billing", "audit"}));
  EXPECT_EQ(ab.replication_factor, 3);
  EXPECT_EQ(ba.replication_factor, 2);
}

TEST_F(Mm2LoaderTest, FlowsAreOffByDefaultAndTopLevelEnabledTurnsOnEveryPair) {
  MirrorConfig some = Load(std::string(kTwoClusters) + "A->B.enabled = true\nB->A.enabled = false\n");
  EXPECT_EQ(some.flows.size(), 1u);
  MirrorConfig all =
      Load("clusters = A, B, C\nbootstrap.servers = shared:9092\nenabled = true\nC->A.enabled = false\n");
  EXPECT_EQ(all.flows.size(), 5u);
  EXPECT_EQ(all.clusters.size(), 3u);
  EXPECT_EQ(all.clusters[2].client.at("bootstrap.servers"), "shared:9092");
}

TEST_F(Mm2LoaderTest, ReplicationPolicyAndSeparator) {
  MirrorConfig c = Load(std::string(kTwoClusters) +
                        "A->B.enabled = true\n"
                        "replication.policy.class = org.apache.kafka.connect.mirror.IdentityReplicationPolicy\n"
                        "replication.policy.separator = _\n");
  EXPECT_EQ(c.flows[0].naming, RemoteTopicNaming::kIdentity);
  EXPECT_EQ(c.flows[0].separator, "_");
  EXPECT_EQ(c.flows[0].internal_separator, "_") << "MM2 names internal topics with the separator by default";
  MirrorConfig dotted = Load(std::string(kTwoClusters) +
                             "A->B.enabled = true\nreplication.policy.separator = _\n"
                             "replication.policy.internal.topic.separator.enabled = false\n");
  EXPECT_EQ(dotted.flows[0].separator, "_");
  EXPECT_EQ(dotted.flows[0].internal_separator, ".");
  EXPECT_EQ(Load(std::string(kTwoClusters) + "A->B.enabled = true\n").flows[0].internal_separator, ".");
  auto problems =
      Fail(std::string(kTwoClusters) + "A->B.enabled = true\nreplication.policy.class = com.example.CustomPolicy\n");
  const ConfigProblem* p = FindProblem(problems, "com.example.CustomPolicy");
  ASSERT_NE(p, nullptr) << testing::AllText(problems);
  EXPECT_EQ(p->line, 5);
  EXPECT_EQ(p->key, "replication.policy.class");
  EXPECT_NE(p->message.find("IdentityReplicationPolicy"), std::string::npos);
}

TEST_F(Mm2LoaderTest, IntervalsAndSwitches) {
  MirrorConfig c = Load(std::string(kTwoClusters) +
                        "A->B.enabled = true\nrefresh.topics.enabled = false\nrefresh.topics.interval.seconds = 30\n"
                        "A->B.sync.topic.configs.enabled = false\nsync.topic.configs.interval.seconds = 45\n"
                        "A->B.sync.topic.acls.enabled = false\nsync.topic.acls.interval.seconds = 90\n"
                        "config.properties.exclude = retention\\\\..*\n");
  const FlowConfig& f = c.flows[0];
  EXPECT_FALSE(f.refresh_topics);
  EXPECT_EQ(f.refresh_topics_interval, std::chrono::seconds(30));
  EXPECT_FALSE(f.sync_topic_configs);
  EXPECT_EQ(f.sync_topic_configs_interval, std::chrono::seconds(45));
  EXPECT_FALSE(f.sync_topic_acls);
  EXPECT_EQ(f.sync_topic_acls_interval, std::chrono::seconds(90));
  EXPECT_EQ(f.config_properties_exclude, (std::vector<std::string>{R"(retention\..*)"}));
}

TEST_F(Mm2LoaderTest, RefreshGroupsAndHeartbeatsReplication) {
  MirrorConfig c = Load(std::string(kTwoClusters) +
                        "A->B.enabled = true\nB->A.enabled = true\n"
                        "A->B.refresh.groups.enabled = false\nB->A.refresh.groups.interval.seconds = 120\n"
                        "B->A.heartbeats.replication.enabled = false\n");
  const FlowConfig& ab = Flow(c, "A->B");
  const FlowConfig& ba = Flow(c, "B->A");
  EXPECT_FALSE(ab.refresh_groups);
  EXPECT_TRUE(ba.refresh_groups);
  EXPECT_EQ(ab.refresh_groups_interval, std::chrono::milliseconds(0)) << "unset: every checkpoint round";
  EXPECT_EQ(ba.refresh_groups_interval, std::chrono::seconds(120)) << "written: used as is";
  EXPECT_TRUE(ab.heartbeats_replication) << "MM2's default";
  EXPECT_FALSE(ba.heartbeats_replication);
}

TEST_F(Mm2LoaderTest, EmitOffsetSyncsFalseIsRefusedWithTheReason) {
  EXPECT_TRUE(
      Load(std::string(kTwoClusters) + "A->B.enabled = true\nemit.offset-syncs.enabled = true\n").flows.size() == 1u);
  auto problems = Fail(std::string(kTwoClusters) +
                       "A->B.enabled = true\n"
                       "A->B.emit.checkpoints.enabled = false\n"
                       "A->B.emit.offset-syncs.enabled = false\n");  // line 6
  const ConfigProblem* p =
      FindProblem(problems, "mm2.properties:6: A->B.emit.offset-syncs.enabled: 'false' cannot be honoured");
  ASSERT_NE(p, nullptr) << testing::AllText(problems);
  EXPECT_NE(p->message.find("where each partition resumes"), std::string::npos) << p->message;
}

TEST_F(Mm2LoaderTest, CheckpointGroupAndApiSettings) {
  MirrorConfig c = Load(std::string(kTwoClusters) +
                        "A->B.enabled = true\nB->A.enabled = true\n"
                        "emit.checkpoints.interval.seconds = 5\nB->A.emit.checkpoints.enabled = false\n"
                        // groups.blacklist: groups.exclude's deprecated spelling.
                        "groups = app-.*\nA->B.groups.blacklist = app-test\n"
                        "A->B.sync.group.offsets.enabled = true\nsync.group.offsets.interval.seconds = 7\n"
                        "checkpoints.topic.replication.factor = 1\n"
                        "api.listen = 0.0.0.0:7000\noffsets.index.dir = /var/lib/kmirror/index\n");
  const FlowConfig& ab = Flow(c, "A->B");
  const FlowConfig& ba = Flow(c, "B->A");
  EXPECT_TRUE(ab.emit_checkpoints);
  EXPECT_FALSE(ba.emit_checkpoints);
  EXPECT_EQ(ab.checkpoints_interval, std::chrono::seconds(5));
  EXPECT_EQ(ab.groups, (std::vector<std::string>{"app-.*"}));
  EXPECT_EQ(ab.groups_exclude, (std::vector<std::string>{"app-test"}));
  EXPECT_TRUE(ab.sync_group_offsets);
  EXPECT_FALSE(ba.sync_group_offsets);
  EXPECT_EQ(ab.sync_group_offsets_interval, std::chrono::seconds(7));
  EXPECT_EQ(ba.checkpoints_replication_factor, 1);
  EXPECT_EQ(c.api_listen, "0.0.0.0:7000");
  EXPECT_EQ(c.offsets_index_dir, "/var/lib/kmirror/index");
}

TEST_F(Mm2LoaderTest, BadApiAddressIsLocated) {
  auto problems = Fail(std::string(kTwoClusters) + "A->B.enabled = true\napi.listen = localhost\n");
  const ConfigProblem* p = FindProblem(problems, "mm2.properties:5: api.listen: ");
  ASSERT_NE(p, nullptr) << testing::AllText(problems);
  EXPECT_NE(p->message.find("host:port"), std::string::npos) << p->ToString();
  problems = Fail(std::string(kTwoClusters) + "A->B.enabled = true\napi.listen = 127.0.0.1:70000\n");
  ASSERT_NE(FindProblem(problems, "mm2.properties:5: api.listen: "), nullptr) << testing::AllText(problems);
}

TEST_F(Mm2LoaderTest, DeprecatedBlacklistIsUsedOnlyWithoutExclude) {
  MirrorConfig c = Load(std::string(kTwoClusters) + "A->B.enabled = true\ntopics.blacklist = secret.*\n");
  EXPECT_EQ(c.flows[0].topics_exclude, (std::vector<std::string>{"secret.*"}));

  LogCapture log;
  MirrorConfig both =
      Load(std::string(kTwoClusters) + "A->B.enabled = true\ntopics.exclude = x.*\nA->B.topics.blacklist = secret.*\n");
  EXPECT_EQ(both.flows[0].topics_exclude, (std::vector<std::string>{"x.*"}));
  EXPECT_EQ(log.Lines("A->B.topics.blacklist: ignored because topics.exclude").size(), 1u) << log.text();

  // The other two deprecated spellings follow the same rule.
  MirrorConfig old_names = Load(std::string(kTwoClusters) +
                                "A->B.enabled = true\nconfig.properties.blacklist = retention\\\\..*\n"
                                "groups.blacklist = test-.*\n");
  EXPECT_EQ(old_names.flows[0].config_properties_exclude, (std::vector<std::string>{R"(retention\..*)"}));
  EXPECT_EQ(old_names.flows[0].groups_exclude, (std::vector<std::string>{"test-.*"}));
  MirrorConfig new_wins = Load(std::string(kTwoClusters) +
                               "A->B.enabled = true\nconfig.properties.exclude = segment\\\\..*\n"
                               "config.properties.blacklist = retention\\\\..*\n");
  EXPECT_EQ(new_wins.flows[0].config_properties_exclude, (std::vector<std::string>{R"(segment\..*)"}));
}

// kmirror cannot load Java classes: MM2's default filters are what `topics`, `groups` and
// `config.properties.exclude` drive; naming another class is refused before anything starts,
// where ignoring it would mirror what the custom filter was written to keep out.
TEST_F(Mm2LoaderTest, OnlyMm2sDefaultFilterClassesAreAccepted) {
  for (const char* key : {"topic.filter.class", "group.filter.class", "config.property.filter.class"}) {
    const std::string fallback = GetSetting(key).default_value;
    EXPECT_EQ(Load(std::string(kTwoClusters) + "A->B.enabled = true\n" + key + " = " + fallback + "\n").flows.size(),
              1u)
        << key;
    auto problems = Fail(std::string(kTwoClusters) + "A->B.enabled = true\nA->B." + key + " = com.example.Filter\n");
    const ConfigProblem* p = FindProblem(problems, std::string("mm2.properties:5: A->B.") + key + ": ");
    ASSERT_NE(p, nullptr) << key << "\n" << testing::AllText(problems);
    EXPECT_NE(p->message.find(fallback), std::string::npos) << p->ToString();
  }
}

TEST_F(Mm2LoaderTest, MetricsAndLogSettings) {
  MirrorConfig unset = Load(std::string(kTwoClusters) + "A->B.enabled = true\n");
  EXPECT_FALSE(unset.metrics_partition_series) << "off by default: it bounds the number of series";
  MirrorConfig c = Load(std::string(kTwoClusters) + "A->B.enabled = true\nmetrics.partition.series = true\n");
  EXPECT_TRUE(c.metrics_partition_series);  // app.cpp hands it to the renderer (RenderTest.PerPartitionSeriesWhenAsked)
}

TEST_F(Mm2LoaderTest, FlowGroupIds) {
  MirrorConfig c = Load(
      "clusters = A, B, C\nbootstrap.servers = x:1\nA->B.enabled = true\nA->C.enabled = true\n"
      "A->C.flow.group.id = mirror-to-c\n");
  EXPECT_EQ(Flow(c, "A->B").group_id, "kmirror-A-B");
  EXPECT_EQ(Flow(c, "A->C").group_id, "mirror-to-c");

  // One group on one source cluster for two flows would mix their subscriptions.
  auto problems = Fail(
      "clusters = A, B, C\nbootstrap.servers = x:1\nA->B.enabled = true\nA->C.enabled = true\n"
      "flow.group.id = shared\n");
  const ConfigProblem* p = FindProblem(problems, "share consumer group 'shared'");
  ASSERT_NE(p, nullptr) << testing::AllText(problems);
  EXPECT_EQ(p->line, 5);

  // Different source clusters may use the same name.
  MirrorConfig ok = Load("clusters = A, B\nbootstrap.servers = x:1\nenabled = true\nflow.group.id = same\n");
  EXPECT_EQ(ok.flows.size(), 2u);
}

TEST_F(Mm2LoaderTest, ClusterLevelClientProperties) {
  MirrorConfig c = Load(std::string(kTwoClusters) +
                        "A->B.enabled = true\nB->A.enabled = true\n"
                        "security.protocol = SSL\n"
                        "A.security.protocol = SASL_SSL\n"
                        "A.sasl.mechanism = SCRAM-SHA-256\n"
                        "A.sasl.jaas.config = org.apache.kafka.common.security.scram.ScramLoginModule required "
                        "username=\"u\" password=\"p\";\n");
  const FlowConfig& ab = Flow(c, "A->B");
  const FlowConfig& ba = Flow(c, "B->A");
  EXPECT_EQ(ab.source_consumer.at("security.protocol"), "sasl_ssl");
  EXPECT_EQ(ab.source_consumer.at("sasl.username"), "u");
  EXPECT_EQ(ab.source_admin.at("sasl.mechanisms"), "SCRAM-SHA-256");
  EXPECT_EQ(ab.target_producer.at("security.protocol"), "ssl");
  EXPECT_EQ(ab.target_producer.count("sasl.username"), 0u);
  EXPECT_EQ(ba.target_producer.at("sasl.password"), "p");
  EXPECT_EQ(ba.target_admin.at("security.protocol"), "sasl_ssl");
  EXPECT_EQ(c.clusters[0].client.at("security.protocol"), "sasl_ssl");
  EXPECT_EQ(c.clusters[1].client.at("security.protocol"), "ssl");
}

TEST_F(Mm2LoaderTest, ClientOverridesFollowMm2Precedence) {
  LogCapture log;
  MirrorConfig c = Load(std::string(kTwoClusters) +
                        "A->B.enabled = true\nB->A.enabled = true\n"
                        "A.consumer.fetch.min.bytes = 10\n"          // line 6
                        "A->B.consumer.fetch.min.bytes = 20\n"       // line 7: shadowed by line 6
                        "A->B.consumer.fetch.max.bytes = 2000000\n"  // line 8: nothing above it
                        "A->B.source.consumer.check.crcs = true\n"   // line 9
                        "A.consumer.check.crcs = false\n"            // line 10
                        "B.producer.linger.ms = 5\n"
                        "A->B.producer.override.linger.ms = 50\n"
                        "A->B.producer.batch.size = 1000\n"
                        "A.admin.client.id = admin-on-a\n"
                        "A->B.target.admin.client.id = target-admin\n"
                        "A->B.admin.metadata.max.age.ms = 1000\n"
                        "A->B.source.admin.metadata.max.age.ms = 2000\n");
  const FlowConfig& ab = Flow(c, "A->B");
  const FlowConfig& ba = Flow(c, "B->A");
  EXPECT_EQ(ab.source_consumer.at("fetch.min.bytes"), "10");
  EXPECT_EQ(ab.source_consumer.at("fetch.max.bytes"), "2000000");
  EXPECT_EQ(ab.source_consumer.at("check.crcs"), "true");
  EXPECT_EQ(ab.source_consumer.count("linger.ms"), 0u);
  EXPECT_EQ(ab.target_producer.at("linger.ms"), "50");
  EXPECT_EQ(ab.target_producer.at("batch.size"), "1000");
  EXPECT_EQ(ba.target_producer.count("linger.ms"), 0u);  // B.producer is for flows writing to B
  EXPECT_EQ(ab.source_admin.at("client.id"), "admin-on-a");
  EXPECT_EQ(ab.target_admin.at("client.id"), "target-admin");
  EXPECT_EQ(ab.source_admin.at("metadata.max.age.ms"), "2000") << "source.admin wins over admin";
  EXPECT_EQ(ab.target_admin.at("metadata.max.age.ms"), "1000");
  EXPECT_EQ(ba.target_admin.at("client.id"), "admin-on-a");
  EXPECT_EQ(ba.source_admin.count("client.id"), 0u);
  EXPECT_EQ(ba.source_consumer.count("fetch.min.bytes"), 0u);
  auto shadow = log.Lines("mm2.properties:7: A->B.consumer.fetch.min.bytes: overridden by A.consumer.fetch.min.bytes");
  ASSERT_EQ(shadow.size(), 1u) << log.text();
  EXPECT_NE(shadow[0].find("A->B.source.consumer.fetch.min.bytes"), std::string::npos);
}

TEST_F(Mm2LoaderTest, EngineOwnedConsumerSettingsFromOverrides) {
  LogCapture log;
  MirrorConfig c = Load(std::string(kTwoClusters) +
                        "A->B.enabled = true\nA.consumer.auto.offset.reset = latest\nA.consumer.group.id = mm2\n");
  EXPECT_EQ(c.flows[0].start_position, StartPosition::kLatest);
  EXPECT_EQ(c.flows[0].group_id, "kmirror-A-B");
  EXPECT_EQ(c.flows[0].source_consumer.count("group.id"), 0u);
  EXPECT_EQ(log.Lines("A.consumer.group.id: MM2's source consumers use no consumer group").size(), 1u) << log.text();
}

TEST_F(Mm2LoaderTest, MisplacedClientPropertiesAreWarnedAbout) {
  LogCapture log;
  MirrorConfig c = Load(std::string(kTwoClusters) +
                        "A->B.enabled = true\n"
                        "A.max.poll.records = 10\n"         // MM2 ignores non-connection keys after an alias
                        "consumer.fetch.min.bytes = 5\n"    // and client overrides without one
                        "A.topics = x\n"                    // a flow setting after a cluster alias
                        "A->B.security.protocol = SSL\n");  // a cluster setting after a flow
  EXPECT_EQ(c.flows[0].source_consumer.count("max.poll.records"), 0u);
  EXPECT_EQ(c.flows[0].source_consumer.count("fetch.min.bytes"), 0u);
  EXPECT_EQ(c.flows[0].topics, (std::vector<std::string>{".*"}));
  EXPECT_EQ(c.flows[0].source_consumer.count("security.protocol"), 0u);
  EXPECT_EQ(log.Lines("warning", "mm2.properties:5: A.max.poll.records: unknown setting").size(), 1u) << log.text();
  EXPECT_EQ(log.Lines("A.consumer.max.poll.records").size(), 1u) << log.text();
  EXPECT_EQ(log.Lines("mm2.properties:6: consumer.fetch.min.bytes: MM2 ignores client overrides").size(), 1u);
  EXPECT_EQ(log.Lines("mm2.properties:7: A.topics: 'topics' is a flow setting").size(), 1u) << log.text();
  EXPECT_EQ(log.Lines("mm2.properties:8: A->B.security.protocol: 'security.protocol' is a cluster setting").size(), 1u);
}

TEST_F(Mm2LoaderTest, NotNeededPlannedAndUnknownKeysAreLoggedOnceEach) {
  LogCapture log;
  Load(
      "clusters = A, B, C\nbootstrap.servers = x:1\nenabled = true\n"
      "name = my-mm2\n"                          // line 4
      "offset.storage.replication.factor = 3\n"  // line 5
      "use.defaults.from = source\n"             // line 6
      "emit.offset-syncs.enabled = true\n"       // line 7: supported, no line
      "topic = typo\n"                           // line 8
      "A->B.replication.factr = 3\n"             // line 9
      "A.group.id = connect-group\n");           // line 10
  EXPECT_EQ(log.Lines("info", "mm2.properties:4: name: accepted; not needed by kmirror").size(), 1u) << log.text();
  EXPECT_EQ(log.Lines("info", "mm2.properties:5: offset.storage.replication.factor: accepted; not needed").size(), 1u);
  EXPECT_EQ(log.Lines("warning", "mm2.properties:6: use.defaults.from: accepted but not implemented yet").size(), 1u)
      << log.text();
  EXPECT_TRUE(log.Lines("mm2.properties:7:").empty()) << log.text();
  auto typo = log.Lines("warning", "mm2.properties:8: topic: unknown setting");
  ASSERT_EQ(typo.size(), 1u) << log.text();
  EXPECT_NE(typo[0].find("did you mean topics"), std::string::npos);
  EXPECT_EQ(log.Lines("mm2.properties:9: A->B.replication.factr: unknown setting").size(), 1u) << log.text();
  EXPECT_EQ(log.Lines("mm2.properties:10: A.group.id: accepted; not needed").size(), 1u) << log.text();
}

TEST_F(Mm2LoaderTest, DuplicateKeysAreWarned) {
  LogCapture log;
  MirrorConfig c = Load(std::string(kTwoClusters) + "A->B.enabled = true\ntasks.max = 2\ntasks.max = 3\n");
  EXPECT_EQ(c.flows[0].tasks, 3);
  EXPECT_EQ(log.Lines("mm2.properties:6: tasks.max: defined again (first at line 5)").size(), 1u) << log.text();
}

TEST_F(Mm2LoaderTest, AliasesWithDotsAndAliasesThatLookLikeSettings) {
  // The separator must not be '.' here (AliasContainingTheDefaultSeparatorIsRefused...).
  MirrorConfig dotted = Load(
      "clusters = us.west, us.west.backup\n"
      "us.west.bootstrap.servers = w:1\nus.west.backup.bootstrap.servers = wb:1\n"
      "us.west->us.west.backup.enabled = true\nus.west->us.west.backup.tasks.max = 3\n"
      "replication.policy.separator = _\n");
  ASSERT_EQ(dotted.flows.size(), 1u);
  EXPECT_EQ(dotted.flows[0].target, "us.west.backup");
  EXPECT_EQ(dotted.flows[0].tasks, 3);
  EXPECT_EQ(dotted.flows[0].target_producer.at("bootstrap.servers"), "wb:1");

  LogCapture log;
  MirrorConfig named = Load(
      "clusters = source, target\nsource.bootstrap.servers = s:1\n"
      "target.bootstrap.servers = t:1\nsource->target.enabled = true\n"
      "source.cluster.alias = source\ntarget.cluster.alias = target\n");
  EXPECT_EQ(named.flows.size(), 1u);
  EXPECT_EQ(log.Lines("unknown setting").size(), 0u) << log.text();
  EXPECT_EQ(log.Lines("source.cluster.alias: accepted; not needed").size(), 1u) << log.text();
}

// As docs/provenance.md and TwoWayTest.IdentityNamingTwoProcesses show, two opposite identity
// flows do not loop: the loader says why, at info, and does not warn.
TEST_F(Mm2LoaderTest, IdentityNamingBothWaysExplainsWhyItDoesNotLoop) {
  LogCapture log;
  Load(std::string(kTwoClusters) +
       "enabled = true\n"
       "replication.policy.class = org.apache.kafka.connect.mirror.IdentityReplicationPolicy\n");
  EXPECT_EQ(log.Lines("info", "does not loop, because kmirror never copies a record back").size(), 1u) << log.text();
  EXPECT_EQ(log.Lines("warning", "IdentityReplicationPolicy").size(), 0u) << log.text();
}

// ---- Errors ------------------------------------------------------------------------------

TEST_F(Mm2LoaderTest, AliasContainingTheDefaultSeparatorIsRefusedAtTheClustersLine) {
  auto problems = Fail(
      "# two clusters whose names overlap\n"
      "clusters = a, a.b\n"
      "a.bootstrap.servers = a:1\na.b.bootstrap.servers = ab:1\n"
      "a.b->a.enabled = true\n");
  ASSERT_EQ(problems.size(), 1u) << testing::AllText(problems);
  const ConfigProblem& p = problems[0];
  EXPECT_EQ(p.file, dir_.Path("mm2.properties"));
  EXPECT_EQ(p.line, 2);
  EXPECT_EQ(p.key, "clusters");
  EXPECT_EQ(p.message,
            "alias 'a.b' contains '.', the replication.policy.separator of flow a.b->a (the default of "
            "replication.policy.separator): kmirror and MM2 read the text before the first '.' of a remote topic "
            "name as the cluster it came from, so 'a.b.orders' would read as topic 'b.orders' of cluster 'a', and "
            "cluster 'a' mirroring a topic 'b.orders' would write the same remote topic; rename the cluster alias "
            "(e.g. 'a_b') or set replication.policy.separator to a string no alias contains");
  EXPECT_EQ(p.ToString().rfind(dir_.Path("mm2.properties") + ":2: clusters: alias 'a.b' contains '.'", 0), 0u)
      << p.ToString();
}

TEST_F(Mm2LoaderTest, AliasContainingACustomSeparatorIsRefusedNamingWhereTheSeparatorIsSet) {
  // The target alias counts too, and the default '.' no longer matters once '_' is set.
  auto problems = Fail(
      "clusters = east, dc_west\n"
      "east.bootstrap.servers = e:1\ndc_west.bootstrap.servers = w:1\n"
      "east->dc_west.enabled = true\n"
      "east->dc_west.replication.policy.separator = _\n");
  ASSERT_EQ(problems.size(), 1u) << testing::AllText(problems);
  EXPECT_EQ(problems[0].line, 1);
  EXPECT_EQ(problems[0].key, "clusters");
  EXPECT_NE(problems[0].message.find("alias 'dc_west' contains '_', the replication.policy.separator of flow "
                                     "east->dc_west (east->dc_west.replication.policy.separator at line 5)"),
            std::string::npos)
      << problems[0].message;
  EXPECT_NE(problems[0].message.find("'dc_west_orders' would read as topic 'west_orders' of cluster 'dc'"),
            std::string::npos)
      << problems[0].message;
  EXPECT_NE(problems[0].message.find("(e.g. 'dc-west')"), std::string::npos) << problems[0].message;

  // Identity naming too (heartbeats keep the prefix); the advice leads with the cheap fix.
  auto identity = Fail(
      "clusters = us.west, east\n"
      "us.west.bootstrap.servers = w:1\neast.bootstrap.servers = e:1\n"
      "us.west->east.enabled = true\neast->us.west.enabled = true\n"
      "replication.policy.class = org.apache.kafka.connect.mirror.IdentityReplicationPolicy\n"
      "topics = orders\n");
  ASSERT_EQ(identity.size(), 1u) << testing::AllText(identity);
  EXPECT_NE(identity[0].message.find("alias 'us.west' contains '.', the replication.policy.separator of flows "
                                     "us.west->east, east->us.west (the default"),
            std::string::npos)
      << identity[0].message;
  EXPECT_NE(identity[0].message.find("; set replication.policy.separator to a string no alias contains (with "
                                     "IdentityReplicationPolicy only heartbeats topics carry the alias"),
            std::string::npos)
      << identity[0].message;
}

TEST_F(Mm2LoaderTest, AliasesThatOnlyShareAPrefixAreAccepted) {
  MirrorConfig c = Load(
      "clusters = a, ab, a-b\n"
      "a.bootstrap.servers = a:1\nab.bootstrap.servers = ab:1\na-b.bootstrap.servers = x:1\n"
      "a->ab.enabled = true\nab->a.enabled = true\na-b->a.enabled = true\n");
  EXPECT_EQ(c.flows.size(), 3u);
  // A dotted alias is fine with a separator it does not contain.
  MirrorConfig dotted = Load(
      "clusters = a, a.b\n"
      "a.bootstrap.servers = a:1\na.b.bootstrap.servers = ab:1\n"
      "a.b->a.enabled = true\nreplication.policy.separator = _\n");
  EXPECT_EQ(dotted.flows.size(), 1u);
  // An alias in no enabled flow names nothing.
  MirrorConfig idle = Load(
      "clusters = a, b, c.d\na.bootstrap.servers = a:1\nb.bootstrap.servers = b:1\n"
      "a->b.enabled = true\n");
  EXPECT_EQ(idle.flows.size(), 1u);
}

TEST_F(Mm2LoaderTest, MissingFile) {
  auto problems = ProblemsOf([&] { LoadMm2Properties(dir_.Path("absent.properties")); });
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].file, dir_.Path("absent.properties"));
  EXPECT_NE(problems[0].message.find("no such file"), std::string::npos) << problems[0].ToString();
}

TEST_F(Mm2LoaderTest, MalformedEscapeIsLocated) {
  auto problems = Fail("clusters = A\nA.bootstrap.servers = \\uZZZZ\n");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].line, 2);
}

TEST_F(Mm2LoaderTest, MissingClusters) {
  auto problems = Fail("A->B.enabled = true\n");
  const ConfigProblem* p = FindProblem(problems, "clusters: is required");
  ASSERT_NE(p, nullptr) << testing::AllText(problems);
  EXPECT_EQ(p->file, dir_.Path("mm2.properties"));
  EXPECT_EQ(p->key, "clusters");
}

TEST_F(Mm2LoaderTest, BadAliases) {
  auto problems = Fail("clusters = A, B C, D/E\nA.bootstrap.servers = a:1\n");
  EXPECT_NE(FindProblem(problems, "alias 'B C'"), nullptr) << testing::AllText(problems);
  EXPECT_NE(FindProblem(problems, "alias 'D/E'"), nullptr) << testing::AllText(problems);
}

TEST_F(Mm2LoaderTest, FlowNamingAnUnknownCluster) {
  auto problems = Fail(std::string(kTwoClusters) + "A->B.enabled = true\nA->C.enabled = true\nX->A.topics = y\n");
  const ConfigProblem* c = FindProblem(problems, "names cluster 'C'");
  ASSERT_NE(c, nullptr) << testing::AllText(problems);
  EXPECT_EQ(c->line, 5);
  EXPECT_EQ(c->key, "A->C.enabled");
  EXPECT_NE(c->message.find("clusters: A, B"), std::string::npos);
  const ConfigProblem* x = FindProblem(problems, "names cluster 'X'");
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(x->line, 6);
  auto self = Fail(std::string(kTwoClusters) + "A->A.enabled = true\nA->B.enabled = true\n");
  EXPECT_NE(FindProblem(self, "two different clusters"), nullptr) << testing::AllText(self);
}

TEST_F(Mm2LoaderTest, ClusterInAFlowWithoutBootstrapServers) {
  auto problems = Fail("clusters = A, B\nA.bootstrap.servers = a:1\nA->B.enabled = true\n");
  const ConfigProblem* p = FindProblem(problems, "B.bootstrap.servers: is required");
  ASSERT_NE(p, nullptr) << testing::AllText(problems);
  EXPECT_EQ(p->key, "B.bootstrap.servers");
  EXPECT_NE(p->message.find("A->B"), std::string::npos);
}

TEST_F(Mm2LoaderTest, NoEnabledFlow) {
  auto problems = Fail(std::string(kTwoClusters) + "A->B.enabled = false\n");
  ASSERT_EQ(problems.size(), 1u) << testing::AllText(problems);
  EXPECT_NE(problems[0].message.find("no replication flow is enabled"), std::string::npos);
  EXPECT_NE(problems[0].message.find("A->B.enabled = true"), std::string::npos);
}

TEST_F(Mm2LoaderTest, InvalidValuesAreLocatedAndAllReportedTogether) {
  auto problems = Fail(std::string(kTwoClusters) +
                       "A->B.enabled = yes\n"                      // 4
                       "B->A.enabled = true\n"                     // 5
                       "tasks.max = 0\n"                           // 6
                       "B->A.replication.factor = 0\n"             // 7
                       "topics = orders, (unclosed\n"              // 8
                       "B->A.topics.exclude = (?!keep).*\n"        // 9
                       "refresh.topics.interval.seconds = soon\n"  // 10
                       "B.consumer.linger.mss = 5\n"               // 11
                       "transforms = route\n");                    // 12
  std::string all = testing::AllText(problems);
  struct Expected {
    int line;
    const char* key;
    const char* text;
  };
  for (const Expected& e : {Expected{4, "A->B.enabled", "not a boolean"}, Expected{6, "tasks.max", "outside"},
                            Expected{7, "B->A.replication.factor", "-1"}, Expected{8, "topics", "missing )"},
                            Expected{9, "B->A.topics.exclude", "lookahead"},
                            Expected{10, "refresh.topics.interval.seconds", "whole number of seconds"},
                            Expected{11, "B.consumer.linger.mss", "No such configuration property"},
                            Expected{12, "transforms", "transformations"}}) {
    std::string located = "mm2.properties:" + std::to_string(e.line) + ": " + e.key + ": ";
    const ConfigProblem* p = FindProblem(problems, located);
    ASSERT_NE(p, nullptr) << "missing " << located << " in\n" << all;
    EXPECT_NE(p->message.find(e.text), std::string::npos) << p->ToString();
    EXPECT_EQ(p->line, e.line);
    EXPECT_EQ(p->key, e.key);
  }
  // The exception's text lists every problem.
  try {
    LoadMm2Properties(dir_.Path("mm2.properties"));
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("configuration problems:"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("mm2.properties:12: transforms"), std::string::npos);
  }
}

TEST_F(Mm2LoaderTest, SecretsNeverReachLogsOrErrors) {
  LogCapture log;
  const std::string secret = "Pa55-w0rd-never-logged";
  auto problems = Fail(std::string(kTwoClusters) +
                       "A->B.enabled = true\n"
                       "A.sasl.jaas.config = org.apache.kafka.common.security.plain.PlainLoginModule required "
                       "username=\"u\" password=\"" +
                       secret +
                       "\" extra=\"1\";\n"
                       "A.ssl.truststore.password = " +
                       secret +
                       "\n"
                       "A.ssl.truststore.location = /nonexistent/truststore.jks\n"
                       "B.sasl.jaas.config = org.apache.kafka.common.security.plain.PlainLoginModule required "
                       "username=\"u\" password=\"" +
                       secret + "\n");
  EXPECT_GE(problems.size(), 2u);
  EXPECT_EQ(testing::AllText(problems).find(secret), std::string::npos) << testing::AllText(problems);
  EXPECT_EQ(log.text().find(secret), std::string::npos) << log.text();
  EXPECT_FALSE(log.text().empty());
}

}  // namespace
}  // namespace kmirror::config
