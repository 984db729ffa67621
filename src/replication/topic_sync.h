// TopicSync: makes the target ready for the flow's topics before any record is sent there.
//
// Each round lists the source's topics, selects those the flow mirrors (filter, internal
// topics, name cycles), creates missing remote topics with the source's partition count,
// the flow's replication factor and the source's topic configs (minus the excluded ones),
// grows remote topics whose source gained partitions, and publishes the resulting routes.
// A topic is only routed once its remote topic exists with enough partitions, so tasks
// never rely on broker auto-creation (MirrorMaker 1's one-partition pitfall).
//
// In a kmirror cluster (docs/cluster.md) every node runs TopicSync for its own routes, but
// only the node holding the flow's duties changes the target's remote topics (creates them,
// copies configs, adds partitions): `holds_duties` is asked right before each such change.
// The other nodes route what exists and wait for the holder. The flow's internal topics
// (offset-sync log, heartbeats) are created by any node that needs them: creation is atomic
// and the loser sees "already exists".
//
// Lifecycle: owned by a Flow; SyncOnce() is called from the flow's controller thread only.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "kmirror/common/status.h"
#include "kmirror/config/mirror_config.h"
#include "kmirror/kafka/admin.h"
#include "kmirror/replication/naming_policy.h"
#include "kmirror/replication/topic_filter.h"
#include "replication/routes.h"
#include "replication/topic_plan.h"

namespace re2 {
class RE2;
}

namespace kmirror::replication {

class TopicSync {
 public:
  static Result<std::unique_ptr<TopicSync>> Create(const config::FlowConfig& flow,
                                                   std::shared_ptr<const NamingPolicy> naming,
                                                   std::shared_ptr<const TopicFilter> filter, RouteBoard* board);
  ~TopicSync();

  // One round; publishes routes for every topic that is ready, even when some failed.
  Status SyncOnce();

  // Asked right before each change to a remote topic; unset: always allowed. Set before
  // the first SyncOnce.
  void SetDutyCheck(std::function<bool()> holds_duties) { holds_duties_ = std::move(holds_duties); }

  // True once the source has the `heartbeats` topic the flow's heartbeats go to.
  bool heartbeats_ready() const { return heartbeats_ready_.load(std::memory_order_acquire); }

  // The source topics a flow selects from `topics` (exposed for tests and dry runs).
  std::vector<std::string> Select(const std::vector<kafka::TopicInfo>& topics) const;
  // Whether the flow mirrors a source topic named `topic` (MM2's shouldReplicateTopic).
  bool Selects(const std::string& topic) const;

  // The flow's admin clients, for the other controller-thread duties (ACL sync).
  kafka::Admin& source_admin() { return *source_; }
  kafka::Admin& target_admin() { return *target_; }

 private:
  TopicSync() = default;
  Result<std::map<std::string, std::string>> SourceConfigs(const std::string& topic);
  // config.properties.exclude
  bool ConfigExcluded(const std::string& name) const;
  void EnsureHeartbeatsTopic(const kafka::ClusterInfo& source);
  bool EnsureOffsetSyncTopic(const kafka::ClusterInfo& target);
  bool EnsureDeadLetterTopic(const kafka::ClusterInfo& target);
  // Fills each ready route's max_message_bytes: described once per remote topic, and again
  // for all of them when `refresh` (the config sync interval).
  void FillMessageLimits(Routes& routes, bool refresh);
  // Copies changed source topic configs onto an existing remote topic, and removes the
  // overrides the source no longer has (PlanTopicConfigs).
  Status SyncConfigs(const std::string& topic, const std::string& remote);

  bool HoldsDuties() const { return !holds_duties_ || holds_duties_(); }

  const config::FlowConfig* flow_ = nullptr;
  std::function<bool()> holds_duties_;
  std::shared_ptr<const NamingPolicy> naming_;
  std::shared_ptr<const TopicFilter> filter_;
  std::vector<std::unique_ptr<re2::RE2>> config_exclude_;
  RouteBoard* board_ = nullptr;
  std::unique_ptr<kafka::Admin> source_;
  std::unique_ptr<kafka::Admin> target_;
  std::set<std::string> warned_;  // problems already logged once (per topic)
  std::set<std::string> wanted_;
  FixedTopicSet topics_{true};  // refresh.topics.enabled
  std::atomic<bool> heartbeats_ready_{false};
  bool offset_syncs_ready_ = false;
  bool dead_letter_ready_ = false;
  std::map<std::string, int64_t> max_message_bytes_;          // remote topic -> effective max.message.bytes
  std::chrono::steady_clock::time_point next_config_sync_{};  // remote-looking source topics a task asked to create
};

}  // namespace kmirror::replication
