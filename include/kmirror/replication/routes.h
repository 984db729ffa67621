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
#include <string>

namespace kmirror::replication {

struct Route {
  std::string remote_topic;
  int target_partitions = 0;
  bool operator==(const Route&) const = default;
};

// Source topic name -> route.
using Routes = std::map<std::string, Route>;

class RouteBoard {
 public:
  RouteBoard() : routes_(std::make_shared<const Routes>()) {}

  // Controller: replaces the routes (no-op when unchanged).
  void Publish(Routes routes);
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  std::shared_ptr<const Routes> Snapshot(uint64_t* generation) const;

  // Tasks: ask the controller to sync now rather than at its next interval.
  void RequestSync();
  // Controller: sleeps until `timeout`, a sync request or Stop(); true if it should sync.
  bool WaitForSync(std::chrono::milliseconds timeout);
  void Stop();
  bool stopped() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::shared_ptr<const Routes> routes_;
  std::atomic<uint64_t> generation_{0};
  bool sync_requested_ = false;
  bool stopped_ = false;
};

}  // namespace kmirror::replication
