#include "kmirror/config/settings.h"

#include <set>

#include <gtest/gtest.h>

#include "config/value_parsers.h"
#include "kmirror/common/strings.h"

namespace kmirror::config {
namespace {

TEST(SettingsTest, NamesAreUniqueAndEveryEntryIsDocumented) {
  std::set<std::pair<std::string, bool>> seen;
  for (const auto& s : AllSettings()) {
    EXPECT_TRUE(seen.emplace(s.name, s.family).second) << "registered twice: " << s.name;
    EXPECT_FALSE(s.help.empty()) << s.name;
    EXPECT_NE(s.scopes, 0u) << s.name;
    if (!s.alias_of.empty()) {
      EXPECT_EQ(GetSetting(s.alias_of).type, s.type) << s.name;
    }
    if (s.type == SettingType::kEnum || s.type == SettingType::kClass) {
      EXPECT_FALSE(s.allowed.empty()) << s.name;
    }
    if (!s.kmirror_value.empty()) {
      EXPECT_EQ(s.status, SettingStatus::kPlanned) << s.name;
    }
  }
}

TEST(SettingsTest, EveryDefaultIsValidForItsOwnSpec) {
  for (const auto& s : AllSettings()) {
    if (s.default_value.empty()) continue;
    Status st = ValidateSetting(s, s.default_value);
    EXPECT_TRUE(st.ok()) << s.name << ": " << st.ToString();
  }
}

TEST(SettingsTest, Mm2DefaultsOf381) {
  EXPECT_EQ(GetSetting("topics").default_value, ".*");
  EXPECT_EQ(GetSetting("topics.exclude").default_value, R"(.*[\-\.]internal, .*\.replica, __.*)");
  EXPECT_EQ(GetSetting("replication.factor").default_value, "2");
  // A deliberate difference: unset, kmirror runs one task per hardware thread (MM2: 1).
  EXPECT_EQ(GetSetting("tasks.max").default_value, "");
  EXPECT_NE(GetSetting("tasks.max").default_doc.find("MM2: 1"), std::string::npos);
  EXPECT_EQ(GetSetting("enabled").default_value, "false");
  EXPECT_EQ(GetSetting("refresh.topics.interval.seconds").default_value, "600");
  EXPECT_EQ(GetSetting("sync.topic.configs.interval.seconds").default_value, "600");
  EXPECT_EQ(SplitList(GetSetting("config.properties.exclude").default_value).size(), 6u);
  EXPECT_EQ(GetSetting("replication.policy.separator").default_value, ".");
  EXPECT_EQ(GetSetting("groups.exclude").default_value, "console-consumer-.*, connect-.*, __.*");
}

TEST(SettingsTest, StatusesOfRepresentativeKeys) {
  EXPECT_EQ(GetSetting("topics").status, SettingStatus::kSupported);
  EXPECT_EQ(GetSetting("flow.group.id").status, SettingStatus::kSupported);
  EXPECT_TRUE(GetSetting("flow.group.id").kmirror_extension);
  for (const char* name : {"name", "group.id", "source.cluster.alias", "target.cluster.alias", "connector.class"}) {
    EXPECT_EQ(GetSetting(name).status, SettingStatus::kNotNeeded) << name;
  }
  for (const char* name :
       {"emit.heartbeats.enabled", "heartbeats.topic.replication.factor", "max.hops", "emit.checkpoints.enabled",
        "emit.checkpoints.interval.seconds", "groups", "groups.exclude", "sync.group.offsets.enabled",
        "sync.group.offsets.interval.seconds", "checkpoints.topic.replication.factor", "api.listen",
        "offsets.index.dir", "sync.topic.acls.enabled", "sync.topic.acls.interval.seconds", "refresh.groups.enabled",
        "refresh.groups.interval.seconds", "emit.offset-syncs.enabled", "heartbeats.replication.enabled"}) {
    EXPECT_EQ(GetSetting(name).status, SettingStatus::kSupported) << name;
  }
  for (const char* name : {"offset.lag.max"}) {
    EXPECT_EQ(GetSetting(name).status, SettingStatus::kNotNeeded) << name;
  }
  for (const char* name : {"offset-syncs.topic.replication.factor", "use.defaults.from"}) {
    EXPECT_EQ(GetSetting(name).status, SettingStatus::kPlanned) << name;
  }
}

TEST(SettingsTest, FindSettingHonoursScopeFamiliesAndExactNames) {
  ASSERT_NE(FindSetting("topics", kTopLevel), nullptr);
  ASSERT_NE(FindSetting("topics", kPerFlow), nullptr);
  EXPECT_EQ(FindSetting("topics", kPerCluster), nullptr);
  EXPECT_EQ(FindSetting("clusters", kPerFlow), nullptr);

  const SettingSpec* ssl = FindSetting("ssl.truststore.location", kPerCluster);
  ASSERT_NE(ssl, nullptr);
  EXPECT_EQ(ssl->name, "ssl.");
  EXPECT_EQ(FindSetting("ssl.", kPerCluster), nullptr);  // a family needs something after its prefix

  // The longest family wins, and exact names win over families.
  EXPECT_EQ(FindSetting("producer.override.linger.ms", kPerFlow)->name, "producer.override.");
  EXPECT_EQ(FindSetting("producer.linger.ms", kPerFlow)->name, "producer.");
  EXPECT_EQ(FindSetting("consumer.poll.timeout.ms", kPerFlow)->name, "consumer.poll.timeout.ms");
  EXPECT_EQ(FindSetting("consumer.poll.timeout.ms", kPerCluster)->name, "consumer.");

  // Families without a trailing dot cover the bare name too.
  EXPECT_EQ(FindSetting("key.converter", kTopLevel)->name, "key.converter");
  EXPECT_EQ(FindSetting("key.converter.schemas.enable", kTopLevel)->name, "key.converter");
  EXPECT_EQ(FindSetting("key.converterx", kTopLevel), nullptr);
  EXPECT_EQ(FindSetting("offset.storage.topic", kPerCluster)->status, SettingStatus::kNotNeeded);
}

TEST(SettingsTest, ValidationFollowsTheDescription) {
  auto bad = [](const char* name, const std::string& value) { return ValidateSetting(GetSetting(name), value); };
  EXPECT_TRUE(bad("enabled", "TRUE").ok());
  EXPECT_FALSE(bad("enabled", "yes").ok());
  EXPECT_TRUE(bad("tasks.max", "8").ok());
  EXPECT_FALSE(bad("tasks.max", "0").ok());
  EXPECT_FALSE(bad("tasks.max", "eight").ok());
  EXPECT_FALSE(bad("tasks.max", "99999999999999999999").ok());
  EXPECT_TRUE(bad("replication.factor", "-1").ok());
  Status zero = bad("replication.factor", "0");
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.message().find("-1"), std::string::npos) << zero.message();
  EXPECT_FALSE(bad("refresh.topics.interval.seconds", "0").ok());
  EXPECT_FALSE(bad("refresh.topics.interval.seconds", "-1").ok());
  EXPECT_TRUE(bad("offset-syncs.topic.location", "target").ok());
  EXPECT_FALSE(bad("offset-syncs.topic.location", "TARGET").ok());
  EXPECT_TRUE(bad("replication.policy.class", "org.apache.kafka.connect.mirror.IdentityReplicationPolicy").ok());
  Status custom = bad("replication.policy.class", "com.example.MyPolicy");
  ASSERT_FALSE(custom.ok());
  EXPECT_NE(custom.message().find("cannot load Java classes"), std::string::npos) << custom.message();
  EXPECT_FALSE(bad("replication.policy.separator", "").ok());
  EXPECT_FALSE(bad("replication.policy.separator", "/").ok());
  EXPECT_TRUE(bad("replication.policy.separator", "__").ok());
  EXPECT_TRUE(bad("topics", "a.*, b").ok());
  EXPECT_FALSE(bad("topics", "a.*, (b").ok());
  Status comma = bad("topics", "a{1,3}");
  ASSERT_FALSE(comma.ok());
  EXPECT_NE(comma.message().find("split at commas"), std::string::npos) << comma.message();
  EXPECT_TRUE(bad("transforms", "").ok());
  EXPECT_FALSE(bad("transforms", "route").ok());
  EXPECT_FALSE(bad("flow.group.id", "  ").ok());
  EXPECT_FALSE(bad("groups", "(?!x)").ok());  // planned settings are validated too
}

TEST(SettingsTest, ListAndNumberParsing) {
  EXPECT_EQ(SplitList(" a , ,b,, "), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(SplitList("").empty());
  EXPECT_TRUE(SplitList("  ").empty());
  EXPECT_EQ(SplitList("x"), (std::vector<std::string>{"x"}));
  EXPECT_EQ(ParseInteger(" 42 "), 42);
  EXPECT_EQ(ParseInteger("-1"), -1);
  EXPECT_EQ(ParseInteger("+3"), 3);
  EXPECT_FALSE(ParseInteger("4.2"));
  EXPECT_FALSE(ParseInteger("-"));
  EXPECT_FALSE(ParseInteger(""));
  EXPECT_EQ(ParseBool(" False "), false);
  EXPECT_FALSE(ParseBool("1"));
}

TEST(SettingsTest, SuggestionsForTypos) {
  auto topic = SuggestSettings("topic", kTopLevel);
  ASSERT_FALSE(topic.empty());
  EXPECT_EQ(topic[0], "topics");
  auto rf = SuggestSettings("replication.factr", kPerFlow);
  ASSERT_FALSE(rf.empty());
  EXPECT_EQ(rf[0], "replication.factor");
  EXPECT_TRUE(SuggestSettings("completely.different.thing", kTopLevel).empty());
}

}  // namespace
}  // namespace kmirror::config
