// The decisions of a topic sync round that need no cluster, kept apart from TopicSync (which
// talks to both clusters) so that they can be tested on their own:
//   - which source topics the flow mirrors (MM2's shouldReplicateTopic);
//   - the fixed topic set of a flow with refresh.topics.enabled = false;
//   - the overrides a remote topic must end up with after a config sync.
//
// Threads: plain values, used on the flow's controller thread.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "kmirror/replication/naming_policy.h"
#include "kmirror/replication/topic_filter.h"

namespace kmirror::replication {

// Whether a flow to `target_alias` mirrors source topic `topic`: selected by the filter, or a
// heartbeats topic while `heartbeats_replication` (heartbeats.replication.enabled); never an
// internal topic or one that came from the target (a cycle).
bool SelectsTopic(const NamingPolicy& naming, const TopicFilter& filter, bool heartbeats_replication,
                  std::string_view target_alias, const std::string& topic);

// refresh.topics.enabled = false: the first listing that reaches the controller fixes the
// flow's topics; later listings can only drop topics (deleted on the source), never add.
// With refresh on it passes every selection through.
class FixedTopicSet {
 public:
  explicit FixedTopicSet(bool refresh) : refresh_(refresh) {}
  // The topics of this round, from the selection of a successful source listing.
  std::vector<std::string> Apply(std::vector<std::string> selected);
  // A topic the flow made itself (its source `heartbeats` topic, created after the listing
  // that fixes the set) belongs to the set whenever it is selected.
  void Admit(const std::string& topic);
  // The fixed set (empty before the first listing or with refresh on).
  const std::optional<std::set<std::string>>& fixed() const { return fixed_; }

 private:
  bool refresh_;
  std::optional<std::set<std::string>> fixed_;
  std::set<std::string> admitted_;
};

// What a config sync writes to a remote topic. kmirror's AlterConfigs (librdkafka 2.0 has no
// incremental variant) replaces all of a topic's overrides, so the plan is the full set.
struct TopicConfigPlan {
  std::map<std::string, std::string> overrides;  // the remote topic's overrides afterwards
  std::vector<std::string> set;                  // names given a new or changed value
  std::vector<std::string> removed;              // names whose override goes (back to the target's default)
  bool changed() const { return !set.empty() || !removed.empty(); }
};

// MM2 3.9's incremental config sync: every config the source overrides is set on the remote
// topic; a config the source no longer overrides (back to its default) loses its override on
// the remote topic too (MM2's DELETE, use.defaults.from = target). Configs `excluded`
// (config.properties.exclude) are the target's own: never set, never removed. `wanted` is the
// source's overrides with the excluded ones already left out.
TopicConfigPlan PlanTopicConfigs(const std::map<std::string, std::string>& wanted,
                                 const std::map<std::string, std::string>& remote,
                                 const std::function<bool(const std::string&)>& excluded);

}  // namespace kmirror::replication
