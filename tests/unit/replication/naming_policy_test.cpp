#include "kmirror/replication/naming_policy.h"

#include <gtest/gtest.h>

namespace kmirror::replication {
namespace {

TEST(PrefixNaming, PrefixesWithSourceAlias) {
  auto p = MakeNamingPolicy(config::RemoteTopicNaming::kPrefix, ".");
  EXPECT_EQ(p->RemoteTopic("A", "orders"), "A.orders");
  EXPECT_EQ(p->RemoteTopic("clusterA", "prod.x.global"), "clusterA.prod.x.global");
  EXPECT_EQ(p->TopicSource("A.orders"), "A");
  EXPECT_EQ(p->UpstreamTopic("A.orders"), "orders");
  EXPECT_EQ(p->TopicSource("orders"), std::nullopt);
  EXPECT_EQ(p->UpstreamTopic("B.A.orders"), "A.orders");
}

TEST(PrefixNaming, CustomSeparator) {
  auto p = MakeNamingPolicy(config::RemoteTopicNaming::kPrefix, "__");
  EXPECT_EQ(p->RemoteTopic("A", "orders"), "A__orders");
  EXPECT_EQ(p->TopicSource("A__orders"), "A");
  EXPECT_EQ(p->TopicSource("A.orders"), std::nullopt);
}

TEST(PrefixNaming, DetectsCyclesThroughAnyNumberOfHops) {
  auto p = MakeNamingPolicy(config::RemoteTopicNaming::kPrefix, ".");
  EXPECT_TRUE(p->IsCycle("B.orders", "B"));    // B's own records coming back
  EXPECT_TRUE(p->IsCycle("C.B.orders", "B"));  // B -> C -> A -> B
  EXPECT_FALSE(p->IsCycle("C.orders", "B"));
  EXPECT_FALSE(p->IsCycle("orders", "B"));
}

TEST(IdentityNaming, KeepsNamesButPrefixesHeartbeats) {
  auto p = MakeNamingPolicy(config::RemoteTopicNaming::kIdentity, ".");
  EXPECT_EQ(p->RemoteTopic("A", "orders"), "orders");
  EXPECT_EQ(p->RemoteTopic("A", "heartbeats"), "A.heartbeats");
  EXPECT_EQ(p->TopicSource("orders"), std::nullopt);
  EXPECT_EQ(p->TopicSource("A.heartbeats"), "A");
  EXPECT_FALSE(p->IsCycle("A.orders", "A"));  // identity names say nothing about origin
  EXPECT_TRUE(p->IsCycle("B.heartbeats", "B"));
}

TEST(NamingPolicy, InternalTopicsAreNeverMirrored) {
  auto p = MakeNamingPolicy(config::RemoteTopicNaming::kPrefix, ".");
  for (const char* t : {"__consumer_offsets", "__transaction_state", ".hidden", "mm2-offsets.B.internal",
                        "connect-configs-internal", "A.checkpoints.internal"}) {
    EXPECT_TRUE(p->IsInternalTopic(t)) << t;
  }
  for (const char* t : {"orders", "A.orders", "heartbeats", "internal.orders", "A_checkpoints_internal"}) {
    EXPECT_FALSE(p->IsInternalTopic(t)) << t;
  }
}

TEST(NamingPolicy, InternalTopicsWithTheCustomSeparatorAreInternal) {
  // (replication.policy.internal.topic.separator.enabled: true gives the `_` separator below,
  // false the "." one.)
  // replication.policy.separator = _ with the internal-topic separator on (MM2's default):
  // MM2 names its checkpoints A_checkpoints_internal and treats *_internal as internal.
  for (auto kind : {config::RemoteTopicNaming::kPrefix, config::RemoteTopicNaming::kIdentity}) {
    auto p = MakeNamingPolicy(kind, "_", "_");
    EXPECT_TRUE(p->IsInternalTopic("A_checkpoints_internal"));
    EXPECT_TRUE(p->IsInternalTopic("mm2-offset-syncs_B_internal"));
    EXPECT_TRUE(p->IsInternalTopic("A.checkpoints.internal")) << "Connect's rule holds for every separator";
    EXPECT_FALSE(p->IsInternalTopic("A_orders"));
    // With the internal separator off, internal topics use '.' and "_internal" is an ordinary name.
    auto dotted = MakeNamingPolicy(kind, "_", ".");
    EXPECT_FALSE(dotted->IsInternalTopic("A_checkpoints_internal"));
    EXPECT_TRUE(dotted->IsInternalTopic("A.checkpoints.internal"));
  }
}

}  // namespace
}  // namespace kmirror::replication
