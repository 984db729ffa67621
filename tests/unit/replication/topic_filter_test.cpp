#include "kmirror/replication/topic_filter.h"

#include <gtest/gtest.h>

namespace kmirror::replication {
namespace {

// A flow's `topics` / `topics.exclude` build this filter, and so do `groups` / `groups.exclude`
// for the groups it checkpoints (app.cpp).
TEST(TopicFilter, WholeNameMatchLikeJava) {
  auto f = TopicFilter::Create({"prod.*.global$"}, {});
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_TRUE((*f)->Matches("prod.orders.global"));
  EXPECT_FALSE((*f)->Matches("xprod.orders.global"));  // matches() anchors at the start too
  EXPECT_FALSE((*f)->Matches("prod.orders.global.x"));
}

TEST(TopicFilter, ExcludeWins) {
  auto f = TopicFilter::Create({".*"}, {"^(clusterA|clusterB).*heartbeats$", ".*\\.internal"});
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE((*f)->Matches("orders"));
  EXPECT_FALSE((*f)->Matches("clusterA.heartbeats"));
  EXPECT_FALSE((*f)->Matches("x.internal"));
}

TEST(TopicFilter, BadPatternNamesThePattern) {
  auto f = TopicFilter::Create({"orders(["}, {});
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.status().message().find("orders(["), std::string::npos);
}

}  // namespace
}  // namespace kmirror::replication
