#include "kmirror/api/cluster_view.h"

#include <gtest/gtest.h>

#include "kmirror/kafka/node_names.h"

namespace kmirror::api {
namespace {

kafka::GroupMember Member(const std::string& instance, std::vector<TopicPartition> parts,
                          const std::string& client = "c") {
  return {client, instance, "/10.0.0.1", std::move(parts)};
}

TEST(ClusterViewTest, NodesPartitionsAndTheDutyHolder) {
  using kafka::StaticMemberId;
  kafka::GroupDescription flow{.group_id = "g", .state = "Stable", .members = 4, .member_list = {}};
  flow.member_list = {Member(StaticMemberId("n1", "A", "B", 0), {{"t", Partition(0)}, {"t", Partition(1)}}),
                      Member(StaticMemberId("n1", "A", "B", 1), {{"t", Partition(2)}}),
                      Member(StaticMemberId("n2", "A", "B", 0), {{"t", Partition(3)}}),
                      Member("", {{"t", Partition(4)}}, "kmirror-A->B#0-consumer@n3")};
  kafka::GroupDescription duties{.group_id = "g.duties", .state = "Stable", .members = 2, .member_list = {}};
  const std::string topic = kafka::DutyTopic("A");
  duties.member_list = {Member(StaticMemberId("n1", "A", "B", kafka::kDutiesMember), {}),
                        Member(StaticMemberId("n2", "A", "B", kafka::kDutiesMember), {{topic, Partition(0)}})};
  ClusterView v = MakeClusterView("A", "B", topic, &flow, &duties, "");
  EXPECT_EQ(v.duty_holder, "n2");
  ASSERT_EQ(v.nodes.size(), 3u);
  EXPECT_EQ(v.nodes[0].node_id, "n1");
  EXPECT_EQ(v.nodes[0].tasks, 2);
  EXPECT_EQ(v.nodes[0].partitions, 3);
  EXPECT_TRUE(v.nodes[0].in_duty_group);
  EXPECT_FALSE(v.nodes[0].holds_duties);
  EXPECT_EQ(v.nodes[1].node_id, "n2");
  EXPECT_TRUE(v.nodes[1].holds_duties);
  EXPECT_EQ(v.nodes[2].node_id, "n3");
  EXPECT_FALSE(v.nodes[2].in_duty_group);
}

TEST(ClusterViewTest, AMissingGroupLeavesItsPartOutAndSaysWhy) {
  ClusterView v = MakeClusterView("A", "B", "d", nullptr, nullptr, "source unreachable");
  EXPECT_TRUE(v.nodes.empty());
  EXPECT_EQ(v.duty_holder, "");
  EXPECT_EQ(v.error, "source unreachable");
}

}  // namespace
}  // namespace kmirror::api
