// OffsetSyncRecorder: turns a task's delivery reports into offset-sync runs, and knows which
// of them the target's log holds.
//
// A run is a stretch of records whose source offsets are contiguous and whose target
// offsets are contiguous too: (first source S0, first target T0, count N) maps S0+i to
// T0+i. Record() extends the partition's open run when both offsets are the previous + 1
// and otherwise closes it (emitting it) and opens a new one. A source offset that goes
// backwards (a rewind re-sending records, a recreated topic) opens a run flagged `reset`:
// it supersedes whatever the log said about offsets at or after its start.
//
// Runs are also emitted while still open, by Flush() (call it periodically, e.g. every
// 100 ms, and before committing source offsets). An open run is emitted again, with the
// same first offsets and a larger count, each time it grew; readers upsert by (partition,
// first source offset), so nothing is counted twice. A run is only emitted when it changed
// since its last emission, or when its last emission was not written.
//
// The log is the record of truth (docs/architecture.md, "The offset-sync log"): a source
// offset may only be committed once the log holds an event covering it. So an emission is
// not "written" when it is handed over: the emit callback says whether it was handed to
// the producer (false: not sent, e.g. a full queue or a log that does not exist yet), and
// the caller reports each sent emission's outcome with Acknowledged(seq, ok). Until a run
// is acknowledged in full it stays here, and a failed or unsent emission is emitted again
// on the next Flush (with every later run of the partition, in order: a re-emitted `reset`
// run would otherwise drop the later runs the log already has). FirstUncovered() is the
// lowest source offset recorded but not yet covered by an acknowledged event: the caller
// must not commit past it. A recorder built with the one-argument callback counts each
// emission as acknowledged once handed over (tests, and writers that do not gate commits).
//
// Lifecycle and threading: owned by one flow task and used only from that task's thread
// (Record from the delivery reports, Flush/Forget from the task loop and the rebalance
// callback, Acknowledged from the log's delivery reports). The emit callback runs
// synchronously on that thread, inside Record, Flush, Forget; it must not call back into
// the recorder. Not thread-safe.
//
// Cost: Record() on a partition seen before does one hash lookup (none with a Slot) and no
// allocation; the first record of a partition allocates its slot; a closed run waits in a
// small deque until acknowledged.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <unordered_map>

#include "kmirror/common/types.h"
#include "kmirror/wire/offset_sync_event.h"

namespace kmirror::offsets {

// One run as emitted (the offset-sync log's event content, defined with its format).
using OffsetSyncRun = wire::OffsetSyncRun;

class OffsetSyncRecorder {
 public:
  // Hands one event to the log; `seq` (never 0) names it in Acknowledged(). False when it
  // was not sent: it is emitted again on the next Flush.
  using SendFn = std::function<bool(const OffsetSyncRun&, uint64_t seq)>;
  // Fire and forget: every emission counts as acknowledged.
  using EmitFn = std::function<void(const OffsetSyncRun&)>;

  // Per-partition state; obtained with Track() to skip the lookup in Record().
  struct Slot;

  explicit OffsetSyncRecorder(SendFn send);
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

  // The target partition's offsets started again (the remote topic was recreated, or the
  // target replaced) and the partition is re-read from the source: the next run recorded
  // for `tp` is emitted with `target_restart`, which voids every earlier run in the index.
  void NoteTargetRestart(const TopicPartition& tp);

  // Emits every run (and log start) that changed since it was last sent, or whose last
  // emission failed or was not sent.
  void Flush();

  // The outcome of the sent emission `seq`: `ok` when the log holds it. Unknown or
  // repeated sequence numbers are ignored.
  void Acknowledged(uint64_t seq, bool ok);

  // The lowest source offset of `slot` recorded but not covered by an acknowledged event;
  // nullopt when the log holds everything recorded (or `slot` is null).
  std::optional<SourceOffset> FirstUncovered(const Slot* slot) const;

  // Emissions sent and not yet acknowledged.
  size_t in_flight() const { return in_flight_.size(); }

  // Emits what changed for `tp` and drops its state (the partition was revoked). The next
  // Record() for it starts afresh (no reset flag: the recorder no longer knows its past).
  void Forget(const TopicPartition& tp);

  // Partitions currently tracked.
  size_t size() const { return slots_.size(); }

 private:
  struct Run;
  struct InFlight {
    uint64_t seq;
    Slot* slot;
    uint64_t run_id;  // 0: an event with only the partition's facts
    int64_t count;
    bool log_start;  // it carried a log start not written before
  };
  // Emits the runs of `slot` before index `end` that need it, oldest first; stops at the
  // first one not sent. Then, when `facts` and nothing carried the log start, the open run
  // or a facts-only event. `closing`: every run is emitted as closed (Forget).
  void FlushSlot(Slot& slot, size_t end, bool facts, bool closing);
  bool Emit(Slot& slot, Run* run, bool closed);
  // Drops the closed runs at the front that the log holds in full.
  static void PopCovered(Slot& slot);

  SendFn send_;
  const bool acks_;  // false: fire and forget (EmitFn)
  uint64_t next_seq_ = 1;
  uint64_t next_run_id_ = 1;
  std::deque<InFlight> in_flight_;  // by seq, ascending
  std::unordered_map<TopicPartition, std::unique_ptr<Slot>> slots_;
};

}  // namespace kmirror::offsets
