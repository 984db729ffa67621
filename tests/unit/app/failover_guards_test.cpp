#include "app/failover_guards.h"

#include <gtest/gtest.h>

#include "app/api_listen.h"

namespace kmirror::app {
namespace {

TEST(FailoverGuards, FindsThePartitionsThatWouldMoveBackwards) {
  const std::vector<PlannedOffset> plan = {{{"A.orders", Partition(0)}, 120, 107},
                                           {{"A.orders", Partition(1)}, 50, 50},
                                           {{"A.orders", Partition(2)}, 10, 60},
                                           {{"A.orders", Partition(3)}, std::nullopt, 5}};
  const auto back = BackwardMoves(plan);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].partition.ToString(), "A.orders-0");
  EXPECT_EQ(DescribeBackwardMoves(back), "  A.orders-0: committed 120, translated 107 (13 back)\n");
  EXPECT_TRUE(BackwardMoves({}).empty());
}

TEST(FailoverGuards, JudgesWhetherTheGroupIsActive) {
  kafka::GroupDescription idle{.group_id = "billing", .state = "Empty", .members = 0, .member_list = {}};
  EXPECT_EQ(JudgeGroupActivity(idle, "billing", "A").activity, GroupActivity::kInactive);
  kafka::GroupDescription dead{.group_id = "billing", .state = "Dead", .members = 0, .member_list = {}};
  EXPECT_EQ(JudgeGroupActivity(dead, "billing", "A").activity, GroupActivity::kInactive) << "unknown to A";

  kafka::GroupDescription busy{.group_id = "billing", .state = "Stable", .members = 2, .member_list = {}};
  ActivityVerdict active = JudgeGroupActivity(busy, "billing", "A");
  EXPECT_EQ(active.activity, GroupActivity::kActive);
  EXPECT_EQ(active.message, "group billing has 2 active member(s) on A (state Stable)");

  ActivityVerdict unknown = JudgeGroupActivity(
      Result<kafka::GroupDescription>(Status(StatusCode::kTimedOut, "describe timed out")), "billing", "A");
  EXPECT_EQ(unknown.activity, GroupActivity::kUnknown);
  EXPECT_EQ(unknown.message, "cannot tell whether group billing is active on A: TimedOut: describe timed out");
}

TEST(ApiListen, TellsLoopbackAddresses) {
  for (const char* loopback : {"127.0.0.1:9190", "127.1.2.3:0", "localhost:9190", "[::1]:9190"}) {
    EXPECT_TRUE(IsLoopbackListen(loopback)) << loopback;
  }
  for (const char* exposed : {"0.0.0.0:9190", "[::]:9190", "10.0.0.5:9190", "kmirror-1:9190", "127.example:1"}) {
    EXPECT_FALSE(IsLoopbackListen(exposed)) << exposed;
  }
}

}  // namespace
}  // namespace kmirror::app
