#include "replication/topic_plan.h"

namespace kmirror::replication {

bool SelectsTopic(const NamingPolicy& naming, const TopicFilter& filter, bool heartbeats_replication,
                  std::string_view target_alias, const std::string& topic) {
  if (naming.IsInternalTopic(topic)) return false;
  if (!filter.Matches(topic) && !(heartbeats_replication && naming.IsHeartbeatsTopic(topic))) return false;
  return !naming.IsCycle(topic, target_alias);
}

std::vector<std::string> FixedTopicSet::Apply(std::vector<std::string> selected) {
  if (refresh_) return selected;
  if (!fixed_) {
    fixed_.emplace(selected.begin(), selected.end());
    fixed_->insert(admitted_.begin(), admitted_.end());
    return selected;
  }
  std::vector<std::string> out;
  for (auto& t : selected) {
    if (fixed_->count(t) != 0) out.push_back(std::move(t));
  }
  return out;
}

void FixedTopicSet::Admit(const std::string& topic) {
  admitted_.insert(topic);
  if (fixed_) fixed_->insert(topic);
}

TopicConfigPlan PlanTopicConfigs(const std::map<std::string, std::string>& wanted,
                                 const std::map<std::string, std::string>& remote,
                                 const std::function<bool(const std::string&)>& excluded) {
  TopicConfigPlan plan;
  for (const auto& [name, value] : remote) {
    if (excluded(name) || wanted.count(name) != 0) {
      plan.overrides.emplace(name, value);
    } else {
      plan.removed.push_back(name);
    }
  }
  for (const auto& [name, value] : wanted) {
    auto it = plan.overrides.find(name);
    if (it == plan.overrides.end() || it->second != value) {
      plan.overrides[name] = value;
      plan.set.push_back(name);
    }
  }
  return plan;
}

}  // namespace kmirror::replication
