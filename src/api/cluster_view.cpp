#include "kmirror/api/cluster_view.h"

#include <map>

#include "kmirror/kafka/node_names.h"

namespace kmirror::api {
namespace {

std::string NodeOf(const kafka::GroupMember& m, const std::string& source, const std::string& target) {
  if (auto n = kafka::NodeOfStaticMemberId(m.group_instance_id, source, target)) return *n;
  if (auto n = kafka::NodeOfClientId(m.client_id)) return *n;
  return "?";
}

}  // namespace

ClusterView MakeClusterView(const std::string& source, const std::string& target, const std::string& duty_topic,
                            const kafka::GroupDescription* flow_group, const kafka::GroupDescription* duty_group,
                            std::string error) {
  std::map<std::string, ClusterNode> nodes;
  auto node = [&nodes](const std::string& id, const std::string& host) -> ClusterNode& {
    ClusterNode& n = nodes[id];
    n.node_id = id;
    if (n.host.empty()) n.host = host;
    return n;
  };
  if (flow_group != nullptr) {
    for (const kafka::GroupMember& m : flow_group->member_list) {
      ClusterNode& n = node(NodeOf(m, source, target), m.host);
      n.tasks += 1;
      n.partitions += static_cast<int>(m.assignment.size());
    }
  }
  ClusterView view;
  if (duty_group != nullptr) {
    for (const kafka::GroupMember& m : duty_group->member_list) {
      ClusterNode& n = node(NodeOf(m, source, target), m.host);
      n.in_duty_group = true;
      for (const TopicPartition& tp : m.assignment) {
        if (tp.topic == duty_topic && tp.partition.value() == 0) {
          n.holds_duties = true;
          view.duty_holder = n.node_id;
        }
      }
    }
  }
  for (auto& [id, n] : nodes) view.nodes.push_back(std::move(n));
  view.error = std::move(error);
  return view;
}

}  // namespace kmirror::api
