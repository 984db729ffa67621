#include "replication/routes.h"

#include <utility>

namespace kmirror::replication {

void RouteBoard::Publish(RouteTable routes) {
  std::lock_guard lock(mu_);
  if (*routes_ == routes) return;
  routes_ = std::make_shared<const RouteTable>(std::move(routes));
  generation_.fetch_add(1, std::memory_order_release);
}

std::shared_ptr<const RouteTable> RouteBoard::Snapshot(uint64_t* generation) const {
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

void RouteBoard::RequestCreate(const std::string& source_topic) {
  {
    std::lock_guard lock(mu_);
    if (!create_requests_.insert(source_topic).second) return;
    sync_requested_ = true;
  }
  cv_.notify_all();
}

std::set<std::string> RouteBoard::TakeCreateRequests() {
  std::lock_guard lock(mu_);
  return std::exchange(create_requests_, {});
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
