// A cap on concurrent server streams (api.watch.max.streams): a StreamSlot taken at the start
// of a handler holds one of `max` places until it goes out of scope. A stream over the limit
// is refused at once rather than queued, so a client opening many streams cannot take every
// gRPC server thread. Lock-free; any thread.
#pragma once

#include <atomic>

namespace kmirror::api {

class StreamLimit {
 public:
  explicit StreamLimit(int max) : max_(max) {}
  int max() const { return max_; }
  int open() const { return open_.load(); }

 private:
  friend class StreamSlot;
  const int max_;
  std::atomic<int> open_{0};
};

class StreamSlot {
 public:
  explicit StreamSlot(StreamLimit& limit) : limit_(limit) {
    int n = limit_.open_.load();
    while (n < limit_.max_) {
      if (limit_.open_.compare_exchange_weak(n, n + 1)) {
        held_ = true;
        return;
      }
    }
  }
  ~StreamSlot() {
    if (held_) limit_.open_.fetch_sub(1);
  }
  StreamSlot(const StreamSlot&) = delete;
  StreamSlot& operator=(const StreamSlot&) = delete;

  // False: the limit was reached; the caller refuses the stream.
  bool held() const { return held_; }

 private:
  StreamLimit& limit_;
  bool held_ = false;
};

}  // namespace kmirror::api
