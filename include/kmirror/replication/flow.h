// Flow: everything that copies one source cluster's selected topics to one target.
//
// A flow runs one controller thread ("km-sync-<flow>") that keeps the target's topics in
// step with the source (TopicSync, every refresh.topics.interval and on request) and logs
// progress, plus `tasks` FlowTasks that share the source partitions through the flow's
// consumer group. Several processes running the same flow split its partitions the same
// way; all durable state (committed offsets) lives in Kafka.
//
// Lifecycle: Start() from the app's thread; Stop() (idempotent) stops the tasks, which
// drain and commit, then the controller; the destructor stops too.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "kmirror/common/status.h"
#include "kmirror/config/mirror_config.h"
#include "kmirror/kafka/producer.h"
#include "kmirror/replication/naming_policy.h"
#include "kmirror/replication/routes.h"
#include "kmirror/replication/topic_filter.h"
#include "kmirror/replication/topic_sync.h"

namespace kmirror::replication {

// A flow's counters, summed over its tasks: written by the task threads (once per poll
// loop), read by the controller's progress line and the app.
struct FlowStats {
  std::atomic<uint64_t> records{0};      // acknowledged by the target
  std::atomic<uint64_t> bytes{0};        // key + value bytes acknowledged
  std::atomic<uint64_t> failed{0};       // delivery failures (each leads to a rewind)
  std::atomic<uint64_t> rewinds{0};
  std::atomic<uint64_t> lost{0};         // records deleted on the source before mirroring
  std::atomic<uint64_t> loops{0};        // records not copied: the target is in their provenance
  std::atomic<uint64_t> hops{0};         // records not copied: provenance longer than max.hops
  std::atomic<uint64_t> fetch_wakeups{0};  // fetcher restarted after a prefetch threshold
  std::atomic<uint64_t> held_total{0};     // records that waited for their partition's batch in flight
};

class FlowTask;  // src/replication/flow_task.h

class Flow {
 public:
  explicit Flow(config::FlowConfig config);
  ~Flow();

  Status Start();
  void Stop();
  // Non-OK once a task failed beyond recovery.
  Status failure() const;
  const FlowStats& stats() const { return stats_; }
  const std::string& name() const { return name_; }

 private:
  void RunController();
  void EmitHeartbeat();
  void LogProgress();

  const config::FlowConfig config_;
  const std::string name_;
  RouteBoard board_;
  FlowStats stats_;
  std::unique_ptr<TopicSync> sync_;
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
