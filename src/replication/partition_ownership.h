// Whether the task owns a source partition now, and which delivery reports belong to that
// ownership.
//
// A rebalance takes partitions away while records of them are in flight: polled before the
// revoke (in the same poll as the rebalance callback), held for a batch in flight, or
// handed to the producer and not acknowledged yet. Once a partition is given up, its new
// owner re-reads it from the group's committed position, so nothing of the old ownership
// may act any more: its records are not forwarded, and the delivery reports of the records
// still in flight neither store an offset (the new owner re-reads them; a store would be
// refused, or, had the partition come back meanwhile, move the new ownership's position)
// nor schedule a rewind (of a partition the task does not own: never carried out, and if
// the partition comes back, a seek to a stale offset that re-sends what others mirrored
// meanwhile). A partition that comes back starts from the group's position.
//
// Telling the old ownership's reports apart: librdkafka reports a partition's records in
// the order they were produced, and the task hands a partition's records over one batch at
// a time (PartitionWindow: nothing new goes to the producer while records of the partition
// are in flight), so the first `in_flight` reports after the partition was given up, where
// `in_flight` is what the window had in flight then, are the old ownership's, whether or
// not the partition came back meanwhile.
//
// Lifecycle and threading: lives in the task's per-partition state for the task's lifetime;
// used only on the task's thread (the task loop, delivery reports, rebalance callbacks).
// Not thread-safe.
#pragma once

#include <cstdint>

namespace kmirror::replication {

class PartitionOwnership {
 public:
  // The group assigned the partition to the task.
  void Assign() { owned_ = true; }
  // The partition was given up (revoked or lost) with `in_flight` of its records handed to
  // the producer and not reported yet: their reports are the ended ownership's.
  void Revoke(int64_t in_flight) {
    owned_ = false;
    orphans_ = in_flight > 0 ? in_flight : 0;
  }

  // Whether the task owns the partition now: its records are forwarded, its rewinds carried
  // out.
  bool owned() const { return owned_; }
  // Reports of records sent before the partition was last given up, still to come.
  int64_t orphans() const { return orphans_; }

  // A delivery report (success or failure) of one of the partition's records: true when it
  // belongs to the current ownership and may store an offset or schedule a rewind; false
  // when it is ignored (a record sent before the partition was given up, or a partition not
  // owned now).
  [[nodiscard]] bool Report() {
    if (orphans_ > 0) {
      --orphans_;
      return false;
    }
    return owned_;
  }

 private:
  bool owned_ = false;
  int64_t orphans_ = 0;
};

}  // namespace kmirror::replication
