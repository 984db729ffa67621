#include "kmirror/offsets/offset_sync_recorder.h"

#include <utility>

namespace kmirror::offsets {

struct OffsetSyncRecorder::Slot {
  TopicPartition tp;
  // The open run; count == 0 when none is open.
  int64_t first_source = 0;
  int64_t first_target = 0;
  int64_t count = 0;
  bool reset = false;
  int64_t emitted_count = 0;  // count at the last emission of the open run
  // Last source offset recorded (-1: none yet); detects the source going backwards even
  // after the run that contained it was closed.
  int64_t last_source = -1;
  int64_t log_start = -1;
  bool log_start_dirty = false;
};

OffsetSyncRecorder::OffsetSyncRecorder(EmitFn emit) : emit_(std::move(emit)) {}
OffsetSyncRecorder::~OffsetSyncRecorder() = default;

OffsetSyncRecorder::Slot* OffsetSyncRecorder::Track(const TopicPartition& tp) {
  auto it = slots_.find(tp);
  if (it != slots_.end()) return it->second.get();
  auto slot = std::make_unique<Slot>();
  slot->tp = tp;
  Slot* raw = slot.get();
  slots_.emplace(tp, std::move(slot));
  return raw;
}

void OffsetSyncRecorder::Record(const TopicPartition& tp, SourceOffset source, TargetOffset target) {
  Record(Track(tp), source, target);
}

void OffsetSyncRecorder::Record(Slot* slot, SourceOffset source, TargetOffset target) {
  const int64_t s = source.value();
  const int64_t t = target.value();
  if (slot->count > 0 && s == slot->first_source + slot->count && t == slot->first_target + slot->count) {
    ++slot->count;  // the hot case: extend the open run
    slot->last_source = s;
    return;
  }
  if (slot->count > 0) Emit(*slot, /*closed=*/true);
  // Going backwards (or repeating an offset) means these records are being mirrored again:
  // this run supersedes what the log said from here on.
  slot->reset = slot->last_source >= 0 && s <= slot->last_source;
  slot->first_source = s;
  slot->first_target = t;
  slot->count = 1;
  slot->emitted_count = 0;
  slot->last_source = s;
}

void OffsetSyncRecorder::NoteSourceLogStart(const TopicPartition& tp, SourceOffset log_start) {
  Slot* slot = Track(tp);
  if (log_start.value() <= slot->log_start) return;
  slot->log_start = log_start.value();
  slot->log_start_dirty = true;
}

void OffsetSyncRecorder::Emit(Slot& slot, bool closed) {
  const bool run_changed = slot.count > 0 && slot.count != slot.emitted_count;
  if (!run_changed && !slot.log_start_dirty) return;
  OffsetSyncRun run;
  run.partition = &slot.tp;
  run.source_log_start = SourceOffset(slot.log_start);
  run.closed = closed;
  if (slot.count > 0) {
    // A log-start-only change re-sends the open run unchanged: harmless (an upsert), and
    // it keeps every event self-contained.
    run.first_source = SourceOffset(slot.first_source);
    run.first_target = TargetOffset(slot.first_target);
    run.count = slot.count;
    run.reset = slot.reset;
  }
  emit_(run);
  slot.emitted_count = slot.count;
  slot.log_start_dirty = false;
}

void OffsetSyncRecorder::Flush() {
  for (auto& [tp, slot] : slots_) Emit(*slot, /*closed=*/false);
}

void OffsetSyncRecorder::Forget(const TopicPartition& tp) {
  auto it = slots_.find(tp);
  if (it == slots_.end()) return;
  Emit(*it->second, /*closed=*/true);
  slots_.erase(it);
}

}  // namespace kmirror::offsets
