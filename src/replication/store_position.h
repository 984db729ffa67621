// Which source offset of one partition the task stores next.
//
// The source position of a partition only moves past a record once the target has
// acknowledged it, never past a record that will be re-read (a pending rewind), and never
// backwards. Records the task does not copy (provenance: loops, max.hops) have no delivery
// report: the last of them is remembered and its offset stored once everything before it
// was acknowledged. Stores are batched: the latest storable record waits here until the
// task's next FlushStores (one librdkafka call per partition per poll loop, not per record).
//
// Msg is the consumed record (kafka::Message in the task): movable, default-constructed
// empty, `explicit operator bool` (not empty) and `SourceOffset offset() const`.
//
// Lifecycle and threading: lives in the task's per-partition state; used only on the
// task's thread (the task loop, delivery reports, rebalance callbacks). Not thread-safe.
#pragma once

#include <optional>
#include <utility>

#include "kmirror/common/types.h"

namespace kmirror::replication {

template <typename Msg>
class StorePosition {
 public:
  // A record not copied. `outstanding`: records of the partition are in flight or held, so
  // its offset must wait for them. True when the partition has a pending store now and did
  // not before (the caller lists it for its next flush).
  [[nodiscard]] bool Skipped(Msg&& msg, bool outstanding) {
    if (!outstanding) return StoreLater(std::move(msg));
    skipped_ = std::move(msg);
    return false;
  }

  // A record the target acknowledged. `rewind_from`: the partition's pending rewind, whose
  // records are re-read, so the position must not pass it (a late acknowledgement of a
  // record sent before the rewind). `outstanding`: records of the partition are still in
  // flight or held after this one. True as for Skipped().
  [[nodiscard]] bool Acked(Msg&& msg, std::optional<SourceOffset> rewind_from, bool outstanding) {
    const SourceOffset offset = msg.offset();
    bool listed = false;
    if (!rewind_from || offset < *rewind_from) listed = StoreLater(std::move(msg));
    if (!outstanding && skipped_) {
      const SourceOffset skipped = skipped_.offset();
      if (skipped > offset && (!rewind_from || skipped < *rewind_from)) listed |= StoreLater(std::move(skipped_));
      skipped_ = Msg();
    }
    return listed;
  }

  // A delivery failed: the partition is re-read from there, so a skipped record after it
  // is not stored either.
  void Failed() { skipped_ = Msg(); }

  // The record whose offset is to be stored now (empty when none), taken out.
  Msg TakePending() { return std::exchange(pending_, Msg()); }
  // Its offset, left in place (nullopt when none): the store may have to wait for the
  // offset-sync log (log_gate.h).
  std::optional<SourceOffset> PendingOffset() const {
    return pending_ ? std::optional<SourceOffset>(pending_.offset()) : std::nullopt;
  }

  // The partition was given up: what its ended ownership left is never stored (the new
  // owner, or this task when the partition comes back, starts from the group's position).
  void Reset() {
    skipped_ = Msg();
    pending_ = Msg();
  }

 private:
  // Makes `msg` the pending store unless a later one is pending already.
  bool StoreLater(Msg&& msg) {
    if (pending_ && pending_.offset() >= msg.offset()) return false;
    const bool listed = !pending_;
    pending_ = std::move(msg);
    return listed;
  }

  Msg skipped_;  // the last record not copied while earlier ones were outstanding
  Msg pending_;  // the latest acknowledged (or skipped) record whose offset is to be stored
};

}  // namespace kmirror::replication
