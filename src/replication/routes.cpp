#include "kmirror/replication/routes.h"

namespace kmirror::replication {

void RouteBoard::Publish(Routes routes) {
  std::lock_guard lock(mu_);
  if (*routes_ == routes) return;
  routes_ = std::make_shared<const Routes>(std::move(routes));
  generation_.fetch_add(1, std::memory_order_release);
}

std::shared_ptr<const Routes> RouteBoard::Snapshot(uint64_t* generation) const {
  std::lock_guard lock(mu_);
  if (generation != nullptr) *generation = generation_.load(std::memory_order_acquire);
  return routes_;
}

void RouteBoard::RequestSync() {
  {
    std::lock_guard lock(mu_);
    sync_requested_ = true;
  }
  cv_.notify_all();
}

bool RouteBoard::WaitForSync(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return sync_requested_ || stopped_; });
  sync_requested_ = false;
  return !stopped_;
}

void RouteBoard::Stop() {
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
  }
  cv_.notify_all();
}

bool RouteBoard::stopped() const {
  std::lock_guard lock(mu_);
  return stopped_;
}

}  // namespace kmirror::replication
