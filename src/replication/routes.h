// The hand-over point between a flow's topic sync (one controller thread) and its tasks
// (the hot-path threads): which source topics are ready to mirror, under what name, with
// how many target partitions. The controller publishes a new immutable snapshot; tasks
// notice the generation change with one atomic load per poll loop and re-read it.
// Tasks ask for an early sync (a source partition the target lacks) through RequestSync.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "kmirror/wire/provenance.h"

namespace kmirror::replication {

struct Route {
  std::string remote_topic;
  // 0 while the remote topic does not exist yet: topics whose names say they were
  // mirrored from elsewhere are only created once a record that may go there shows up
  // (RequestCreate), so topics whose records all fail the provenance check never appear.
  int target_partitions = 0;
  // The remote topic's effective max.message.bytes (its own or the broker's); 0 while
  // unknown. Caps the task's produce batches (undeliverable.h, BatchLimit).
  int64_t max_message_bytes = 0;
  bool operator==(const Route&) const = default;
};

// Source topic name -> route.
using Routes = std::map<std::string, Route>;

// What the tasks need from the controller: the routes, and which clusters the flow
// connects (by Kafka cluster id) for the provenance check.
struct RouteTable {
  Routes topics;
  wire::ClusterKey source_cluster{};
  wire::ClusterKey target_cluster{};
  std::string source_cluster_id, target_cluster_id;
  // The flow's offset-sync log topic exists on the target (see offsets/).
  bool offset_syncs_ready = false;
  // The flow's dead-letter topic exists on the target (undeliverable.records = dead-letter).
  bool dead_letter_ready = false;
  bool operator==(const RouteTable&) const = default;
};

class RouteBoard {
 public:
  RouteBoard() : routes_(std::make_shared<const RouteTable>()) {}

  // Controller: replaces the routes (no-op when unchanged).
  void Publish(RouteTable routes);
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  std::shared_ptr<const RouteTable> Snapshot(uint64_t* generation) const;

  // Tasks: ask the controller to sync now rather than at its next interval.
  void RequestSync();
  // Tasks: the remote topic for `source_topic` is needed now (see Route).
  void RequestCreate(const std::string& source_topic);
  std::set<std::string> TakeCreateRequests();
  // Controller: sleeps until `timeout`, a sync request or Stop(); true if it should sync.
  bool WaitForSync(std::chrono::milliseconds timeout);
  void Stop();
  bool stopped() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::shared_ptr<const RouteTable> routes_;
  std::atomic<uint64_t> generation_{0};
  bool sync_requested_ = false;
  std::set<std::string> create_requests_;
  bool stopped_ = false;
};

}  // namespace kmirror::replication
