// Flow: everything that copies one source cluster's selected topics to one target.
//
// A flow runs one controller thread ("km-sync-<flow>") that keeps the target's topics in
// step with the source (TopicSync, every refresh.topics.interval and on request) and logs
// progress, plus `tasks` FlowTasks that share the source partitions through the flow's
// consumer group. Several processes running the same flow split its partitions the same
// way; all durable state (committed offsets) lives in Kafka.
//
// In a kmirror cluster (docs/cluster.md) the flow's once-per-flow duties run on one node at a
// time: `duty_term` (kafka::DutyLease::Term) says whether this node holds them right now
// (non-zero: the term); the controller asks it right before each duty action (remote topic
// changes through TopicSync, topic ACL sync, heartbeats). Without it the node acts alone.
//
// Lifecycle: Start() from the app's thread; Stop() (idempotent) stops the tasks, which
// drain and commit, then the controller; the destructor stops too.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "kmirror/common/partition_problems.h"
#include "kmirror/common/status.h"
#include "kmirror/config/mirror_config.h"
#include "kmirror/kafka/producer.h"
#include "kmirror/metrics/samples.h"

namespace kmirror::offsets {
class OffsetIndex;
}

namespace kmirror::replication {

// The flow's parts are private to src/replication.
class RouteBoard;
class TopicSync;
class AclSync;
class FlowTask;
struct FlowStats;

class Flow {
 public:
  // `offset_index`: this process's view of the offset-sync logs, opened and fed before the
  // flow starts and closed after it stopped (null: partitions resume at their committed
  // offsets, the log is still written). `duty_term`: the flow's duty lease (docs/cluster.md;
  // empty: this node always holds the duties).
  explicit Flow(config::FlowConfig config, const offsets::OffsetIndex* offset_index = nullptr,
                std::function<uint64_t()> duty_term = {});
  ~Flow();

  Status Start();
  void Stop();
  // Non-OK once a task failed beyond recovery.
  Status failure() const;
  const std::string& name() const { return name_; }
  // Partitions stopped on an undeliverable record, dead-lettered records; any thread.
  const PartitionProblems& problems() const { return *problems_; }
  // This node's counters of the flow for the metrics scrape: any thread, any time between
  // construction and destruction (the tasks' per-partition meters outlive Stop()).
  void Sample(metrics::FlowSample* out) const;

 private:
  void RunController();
  // The duty term now (0: another node holds the duties); any thread.
  uint64_t DutyTerm() const { return duty_term_ ? duty_term_() : 1; }
  void EmitHeartbeat();
  void LogProgress();

  const config::FlowConfig config_;
  const std::string name_;
  const offsets::OffsetIndex* offset_index_;
  const std::function<uint64_t()> duty_term_;
  std::unique_ptr<RouteBoard> board_;
  std::unique_ptr<FlowStats> stats_;
  std::unique_ptr<PartitionProblems> problems_;
  std::unique_ptr<TopicSync> sync_;
  std::unique_ptr<AclSync> acl_sync_;  // with sync.topic.acls.enabled; uses sync_'s admin clients
  std::vector<std::unique_ptr<FlowTask>> tasks_;
  std::thread controller_;
  std::unique_ptr<kafka::Producer> heartbeats_;  // to the source's `heartbeats` topic
  kafka::Producer::TopicRef heartbeats_topic_ = nullptr;
  bool stopped_ = false;

  // Controller-thread state for progress lines.
  uint64_t last_records_ = 0, last_bytes_ = 0;
  std::chrono::steady_clock::time_point last_progress_{};
};

}  // namespace kmirror::replication
