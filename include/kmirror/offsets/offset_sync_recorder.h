// OffsetSyncRecorder: turns a task's delivery reports into offset-sync runs.
//
// A run is a stretch of records whose source offsets are contiguous and whose target
// offsets are contiguous too: (first source S0, first target T0, count N) maps S0+i to
// T0+i. Record() extends the partition's open run when both offsets are the previous + 1
// and otherwise closes it (emitting it) and opens a new one. A source offset that goes
// backwards (a rewind re-sending records, a recreated topic) opens a run flagged `reset`:
// it supersedes whatever the log said about offsets at or after its start.
//
// Runs are also emitted while still open, by Flush() (call it periodically, e.g. every
// 100 ms, and before committing source offsets, so that a committed offset is always
// covered by the log). An open run is emitted again, with the same first offsets and a
// larger count, each time it grew; readers upsert by (partition, first source offset), so
// nothing is counted twice. A run is only emitted when it changed since its last emission.
//
// Lifecycle and threading: owned by one flow task and used only from that task's thread
// (Record from the delivery reports, Flush/Forget from the task loop and the rebalance
// callback). The emit callback runs synchronously on that thread, inside Record, Flush,
// Forget or NoteSourceLogStart. Not thread-safe.
//
// Cost: Record() on a partition seen before does one hash lookup (none with a Slot) and no
// allocation; the first record of a partition allocates its slot.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>

#include "kmirror/common/types.h"
#include "kmirror/wire/offset_sync_event.h"

namespace kmirror::offsets {

// One run as emitted (the offset-sync log's event content, defined with its format).
using OffsetSyncRun = wire::OffsetSyncRun;

class OffsetSyncRecorder {
 public:
  using EmitFn = std::function<void(const OffsetSyncRun&)>;

  // Per-partition state; obtained with Track() to skip the lookup in Record().
  struct Slot;

  explicit OffsetSyncRecorder(EmitFn emit);
  ~OffsetSyncRecorder();
  OffsetSyncRecorder(const OffsetSyncRecorder&) = delete;
  OffsetSyncRecorder& operator=(const OffsetSyncRecorder&) = delete;

  // The slot of `tp`, created on first use. Stays valid until Forget(tp) or destruction.
  Slot* Track(const TopicPartition& tp);

  // A record acknowledged by the target: source offset `source` is now at `target`.
  // Calls for one partition must come in delivery order.
  void Record(const TopicPartition& tp, SourceOffset source, TargetOffset target);
  void Record(Slot* slot, SourceOffset source, TargetOffset target);

  // The first offset still in the source partition's log, as last seen by the task (e.g.
  // after data loss, or from the watermarks). Carried by the partition's next emission;
  // emitted on the next Flush even when no run is open. Lower values than known are ignored.
  void NoteSourceLogStart(const TopicPartition& tp, SourceOffset log_start);

  // Emits every run (and log start) that changed since it was last emitted.
  void Flush();

  // Emits what changed for `tp` and drops its state (the partition was revoked). The next
  // Record() for it starts afresh (no reset flag: the recorder no longer knows its past).
  void Forget(const TopicPartition& tp);

  // Partitions currently tracked.
  size_t size() const { return slots_.size(); }

 private:
  void Emit(Slot& slot, bool closed);

  EmitFn emit_;
  std::unordered_map<TopicPartition, std::unique_ptr<Slot>> slots_;
};

}  // namespace kmirror::offsets
