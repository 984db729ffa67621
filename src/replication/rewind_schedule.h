// Rewinds and pauses of a task's source partitions.
//
// Anything that goes wrong with a partition (a failed delivery, a target partition that does
// not exist yet, a topic no longer routed) rewinds it: it is paused, its records in flight
// drain, and it is re-read from the first record not known to be on the target. Several
// requests before the rewind is carried out merge into one: the lowest offset wins, the
// first request's delay stands, and the latest producer topic whose metadata is stale (a
// target partition missing) is refreshed before the seek.
//
// PauseReasons is the partition's own record of why it is paused: librdkafka is told only
// when the first reason comes and when the last one goes, because resuming a partition
// librdkafka does not consider paused loses its prefetch (kafka/consumer.h).
//
// The schedule only decides; the task seeks, pauses and resumes. `Part` is the task's
// per-partition state (the schedule is keyed by its address, which stays valid for the
// task's lifetime), `Topic` the producer's topic handle.
//
// Lifecycle and threading: owned by one flow task, used only on its thread. Not
// thread-safe.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <unordered_map>
#include <utility>
#include <vector>

#include "kmirror/common/types.h"

namespace kmirror::replication {

class PauseReasons {
 public:
  enum Reason : uint8_t { kRewind = 1 };

  // True when `why` is the first reason: pause the partition now.
  [[nodiscard]] bool Add(Reason why) {
    const bool first = bits_ == 0;
    bits_ |= why;
    return first;
  }
  // True when `why` was the last reason: resume the partition now. False when it was not
  // paused at all (assigned afresh meanwhile).
  [[nodiscard]] bool Remove(Reason why) {
    if (bits_ == 0) return false;
    bits_ &= static_cast<uint8_t>(~why);
    return bits_ == 0;
  }
  // The partition was assigned afresh or given up: librdkafka no longer has it paused.
  void Clear() { bits_ = 0; }
  bool any() const { return bits_ != 0; }

 private:
  uint8_t bits_ = 0;
};

template <typename Part, typename Topic>
class RewindSchedule {
 public:
  using Clock = std::chrono::steady_clock;

  struct Rewind {
    SourceOffset offset;           // re-read from here: the lowest offset requested
    Clock::time_point not_before;  // not carried out before (lets in-flight records drain)
    Topic refresh_topic{};         // producer metadata to refresh first; empty for none
  };
  struct Requested {
    const Rewind& rewind;  // the partition's rewind with this request merged in
    bool first;            // no rewind was pending for the partition: pause it now
  };

  bool empty() const { return rewinds_.empty(); }
  size_t size() const { return rewinds_.size(); }
  // The partition's pending rewind, or null. Asked per record: check empty() first.
  const Rewind* Find(Part* part) const {
    auto it = rewinds_.find(part);
    return it == rewinds_.end() ? nullptr : &it->second;
  }

  // Asks for `part` to be re-read from `offset`, not before `not_before`, refreshing
  // `refresh_topic`'s metadata first (when not empty).
  Requested Request(Part* part, SourceOffset offset, Clock::time_point not_before, Topic refresh_topic) {
    auto [it, first] = rewinds_.try_emplace(part, Rewind{offset, not_before, refresh_topic});
    if (!first) {
      it->second.offset = std::min(it->second.offset, offset);
      if (refresh_topic != Topic{}) it->second.refresh_topic = refresh_topic;
    }
    return {it->second, first};
  }

  // Whether a rewind is due at `now`.
  bool AnyDue(Clock::time_point now) const {
    for (const auto& [part, r] : rewinds_) {
      if (r.not_before <= now) return true;
    }
    return false;
  }
  // The rewinds due at `now`, replacing `out`'s content. They stay scheduled until Done()
  // or Retry().
  void Due(Clock::time_point now, std::vector<std::pair<Part*, Rewind>>* out) const {
    out->clear();
    for (const auto& [part, r] : rewinds_) {
      if (r.not_before <= now) out->emplace_back(part, r);
    }
  }
  // The rewind of `part` could not be carried out: try again at `not_before`.
  void Retry(Part* part, Clock::time_point not_before) {
    auto it = rewinds_.find(part);
    if (it != rewinds_.end()) it->second.not_before = not_before;
  }
  // The rewind of `part` was carried out, or is no longer wanted (the partition was given
  // up).
  void Done(Part* part) { rewinds_.erase(part); }

 private:
  std::unordered_map<Part*, Rewind> rewinds_;
};

}  // namespace kmirror::replication
