// ConsumerRecovery: how soon a flow task re-creates its consumer after a fatal consumer
// error, and whether the errors repeat too fast to be a one-off.
//
// librdkafka makes a consumer unusable for good when the coordinator fences its static
// member (FENCED_INSTANCE_ID). Two causes:
// - librdkafka 2.0.2 fences its own member: after a session timeout (its coordinator
//   unreachable, the process stopped) it rejoins under a new member id and then commits or
//   heartbeats under the old one (defect F1, docs/reliability.md). A one-off: re-create the
//   consumer at once.
// - Another live member uses the same group.instance.id: two kmirror nodes with one
//   node.id. Each new consumer fences the other node's, so re-creating at once would make
//   the two take turns as fast as they can join. So a fatal error that comes within kQuiet of
//   the previous one waits before the next consumer (1 s, doubling up to kMaxWait) and is
//   reported as repeating; a consumer that lived kQuiet without one starts the count over.
//
// Pure decisions over the caller's clock. Lifecycle and threading: one per flow task, used
// only on the task's thread. Not thread-safe.
#pragma once

#include <algorithm>
#include <chrono>
#include <optional>

namespace kmirror::replication {

class ConsumerRecovery {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::seconds kQuiet{120};
  static constexpr std::chrono::milliseconds kFirstWait{1000};
  static constexpr std::chrono::milliseconds kMaxWait{60000};

  struct Decision {
    std::chrono::milliseconds wait{0};  // before the next consumer is created
    int in_a_row = 1;                   // fatal errors, each within kQuiet of the one before
    bool repeating() const { return in_a_row > 1; }
  };

  // A fatal consumer error at `now`.
  Decision OnFatal(Clock::time_point now) {
    if (last_ && now - *last_ < kQuiet)
      ++in_a_row_;
    else
      in_a_row_ = 1;
    last_ = now;
    Decision d;
    d.in_a_row = in_a_row_;
    if (in_a_row_ > 1) {
      // 1 s, 2 s, 4 s, ... : the shift is bounded so it cannot overflow.
      const int doublings = std::min(in_a_row_ - 2, 16);
      d.wait = std::min<std::chrono::milliseconds>(kFirstWait * (int64_t{1} << doublings), kMaxWait);
    }
    return d;
  }

 private:
  std::optional<Clock::time_point> last_;
  int in_a_row_ = 0;
};

}  // namespace kmirror::replication
