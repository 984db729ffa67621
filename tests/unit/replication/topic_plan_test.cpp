#include "replication/topic_plan.h"

#include <gtest/gtest.h>

namespace kmirror::replication {
namespace {

using Configs = std::map<std::string, std::string>;
using Names = std::vector<std::string>;

std::shared_ptr<const TopicFilter> Filter(std::vector<std::string> include, std::vector<std::string> exclude) {
  auto f = TopicFilter::Create(include, exclude);
  EXPECT_TRUE(f.ok());
  return *f;
}

// The last argument of SelectsTopic is heartbeats.replication.enabled.
TEST(SelectsTopic, HeartbeatsTopicsAreAddedUnlessHeartbeatsReplicationIsOff) {
  auto naming = MakeNamingPolicy(config::RemoteTopicNaming::kPrefix, ".");
  auto only_orders = Filter({"orders"}, {});
  for (const char* hb : {"heartbeats", "C.heartbeats"}) {
    EXPECT_TRUE(SelectsTopic(*naming, *only_orders, true, "B", hb)) << hb << ": MM2 adds heartbeats topics";
    EXPECT_FALSE(SelectsTopic(*naming, *only_orders, false, "B", hb)) << hb << ": left to the filter";
  }
  EXPECT_TRUE(SelectsTopic(*naming, *only_orders, false, "B", "orders"));
  EXPECT_FALSE(SelectsTopic(*naming, *only_orders, true, "B", "payments"));
  // MM2's rule is an OR with the filter: a filter that selects them still does.
  auto all = Filter({".*"}, {});
  EXPECT_TRUE(SelectsTopic(*naming, *all, false, "B", "heartbeats"));
  auto all_but_heartbeats = Filter({".*"}, {"heartbeats", ".*heartbeats"});
  EXPECT_FALSE(SelectsTopic(*naming, *all_but_heartbeats, false, "B", "heartbeats"));
  EXPECT_TRUE(SelectsTopic(*naming, *all_but_heartbeats, true, "B", "heartbeats"));
  // Cycles and internal topics stay out whatever the switch says.
  EXPECT_FALSE(SelectsTopic(*naming, *only_orders, true, "B", "B.heartbeats"));
  EXPECT_FALSE(SelectsTopic(*naming, *all, true, "B", "__consumer_offsets"));
}

TEST(FixedTopicSet, WithRefreshEverySelectionPassesThrough) {
  FixedTopicSet set(true);
  EXPECT_EQ(set.Apply({"a"}), (Names{"a"}));
  EXPECT_EQ(set.Apply({"a", "b"}), (Names{"a", "b"}));
  EXPECT_FALSE(set.fixed().has_value());
}

// FixedTopicSet's argument is refresh.topics.enabled.
TEST(FixedTopicSet, WithoutRefreshTheFirstListingFixesTheTopics) {
  FixedTopicSet set(false);
  EXPECT_EQ(set.Apply({"a", "b"}), (Names{"a", "b"}));
  ASSERT_TRUE(set.fixed().has_value());
  EXPECT_EQ(set.Apply({"a", "b", "c"}), (Names{"a", "b"})) << "c appeared later: not mirrored";
  EXPECT_EQ(set.Apply({"b", "c"}), (Names{"b"})) << "a deleted on the source: no longer routed";
  EXPECT_EQ(set.Apply({"a", "b", "c"}), (Names{"a", "b"})) << "a recreated: still one of the flow's topics";
}

TEST(FixedTopicSet, ATopicTheFlowCreatedItselfIsAdmittedBeforeOrAfterTheSetIsFixed) {
  FixedTopicSet before(false);
  before.Admit("heartbeats");
  EXPECT_EQ(before.Apply({"a"}), (Names{"a"}));
  EXPECT_EQ(before.Apply({"a", "heartbeats", "b"}), (Names{"a", "heartbeats"}));
  FixedTopicSet after(false);
  EXPECT_EQ(after.Apply({"a"}), (Names{"a"}));
  after.Admit("heartbeats");
  EXPECT_EQ(after.Apply({"a", "heartbeats", "b"}), (Names{"a", "heartbeats"}));
}

TEST(FixedTopicSet, AnEmptyFirstListingFixesAnEmptySet) {
  FixedTopicSet set(false);
  EXPECT_TRUE(set.Apply({}).empty());
  EXPECT_TRUE(set.Apply({"a"}).empty());
}

bool RetentionExcluded(const std::string& name) { return name == "min.insync.replicas"; }

TEST(PlanTopicConfigs, NothingToDoWhenTheRemoteTopicMatches) {
  TopicConfigPlan plan = PlanTopicConfigs({{"retention.ms", "1000"}}, {{"retention.ms", "1000"}}, RetentionExcluded);
  EXPECT_FALSE(plan.changed());
  EXPECT_EQ(plan.overrides, (Configs{{"retention.ms", "1000"}}));
}

TEST(PlanTopicConfigs, ChangedAndNewOverridesAreSet) {
  TopicConfigPlan plan = PlanTopicConfigs({{"retention.ms", "2000"}, {"cleanup.policy", "compact"}},
                                          {{"retention.ms", "1000"}}, RetentionExcluded);
  EXPECT_TRUE(plan.changed());
  EXPECT_EQ(plan.overrides, (Configs{{"retention.ms", "2000"}, {"cleanup.policy", "compact"}}));
  EXPECT_EQ(plan.set, (Names{"cleanup.policy", "retention.ms"}));
  EXPECT_TRUE(plan.removed.empty());
}

TEST(PlanTopicConfigs, AnOverrideRemovedOnTheSourceIsRemovedOnTheRemoteTopic) {
  TopicConfigPlan plan = PlanTopicConfigs({{"cleanup.policy", "compact"}},
                                          {{"retention.ms", "1000"}, {"cleanup.policy", "compact"}}, RetentionExcluded);
  EXPECT_TRUE(plan.changed());
  EXPECT_EQ(plan.overrides, (Configs{{"cleanup.policy", "compact"}})) << "retention.ms back to the target's default";
  EXPECT_EQ(plan.removed, (Names{"retention.ms"}));
  EXPECT_TRUE(plan.set.empty());
}

// The exclusion predicate stands for config.properties.exclude.
TEST(PlanTopicConfigs, ExcludedConfigsAreTheTargetsOwnAndStay) {
  // The source has no overrides left; the remote topic's excluded one is kept, the rest go.
  TopicConfigPlan plan =
      PlanTopicConfigs({}, {{"min.insync.replicas", "2"}, {"retention.ms", "1000"}}, RetentionExcluded);
  EXPECT_EQ(plan.overrides, (Configs{{"min.insync.replicas", "2"}}));
  EXPECT_EQ(plan.removed, (Names{"retention.ms"}));
  TopicConfigPlan only_excluded = PlanTopicConfigs({}, {{"min.insync.replicas", "2"}}, RetentionExcluded);
  EXPECT_FALSE(only_excluded.changed());
  EXPECT_EQ(only_excluded.overrides, (Configs{{"min.insync.replicas", "2"}}));
}

}  // namespace
}  // namespace kmirror::replication
