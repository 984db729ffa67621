#include "kmirror/offsets/offset_sync_recorder.h"

#include <algorithm>
#include <utility>

namespace kmirror::offsets {

struct OffsetSyncRecorder::Run {
  uint64_t id = 0;
  int64_t first_source = 0;
  int64_t first_target = 0;
  int64_t count = 0;
  bool reset = false;
  bool target_restart = false;  // the first run after a re-seed (offset_sync.proto)
  int64_t sent_count = 0;       // count at its last emission handed over; 0: to be sent (again)
  int64_t acked_count = 0;      // the largest count the log acknowledged
  // Acknowledgements of emissions before this sequence number do not count: an earlier run
  // was sent again after them (a re-sent `reset` run drops what follows it in the index).
  uint64_t acks_from = 0;
};

struct OffsetSyncRecorder::Slot {
  TopicPartition tp;
  // Runs the log does not hold in full yet, oldest first; the last one is the open run
  // (once the partition had a record, there always is one).
  std::deque<Run> runs;
  // Last source offset recorded (-1: none yet); detects the source going backwards even
  // after the run that contained it was closed.
  int64_t last_source = -1;
  int64_t log_start = -1;
  bool log_start_dirty = false;
  bool target_restart_pending = false;  // NoteTargetRestart: the next run opened says so
};

OffsetSyncRecorder::OffsetSyncRecorder(SendFn send) : send_(std::move(send)), acks_(true) {}
OffsetSyncRecorder::OffsetSyncRecorder(EmitFn emit)
    : send_([emit = std::move(emit)](const OffsetSyncRun& run, uint64_t) {
        emit(run);
        return true;
      }),
      acks_(false) {}
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
  if (!slot->runs.empty() && !slot->target_restart_pending) {
    Run& open = slot->runs.back();
    if (s == open.first_source + open.count && t == open.first_target + open.count) {
      ++open.count;  // the hot case: extend the open run
      slot->last_source = s;
      return;
    }
  }
  Run run;
  run.id = next_run_id_++;
  // Going backwards (or repeating an offset) means these records are being mirrored again:
  // this run supersedes what the log said from here on.
  run.reset = slot->last_source >= 0 && s <= slot->last_source;
  run.target_restart = slot->target_restart_pending;
  slot->target_restart_pending = false;
  run.first_source = s;
  run.first_target = t;
  run.count = 1;
  slot->last_source = s;
  slot->runs.push_back(run);
  // The run that just closed (and any earlier one not written yet) goes out now.
  FlushSlot(*slot, slot->runs.size() - 1, /*facts=*/false, /*closing=*/false);
}

void OffsetSyncRecorder::NoteTargetRestart(const TopicPartition& tp) {
  Slot* slot = Track(tp);
  slot->target_restart_pending = true;  // the open run (if any) describes the old copy: never extended
}

void OffsetSyncRecorder::NoteSourceLogStart(const TopicPartition& tp, SourceOffset log_start) {
  Slot* slot = Track(tp);
  if (log_start.value() <= slot->log_start) return;
  slot->log_start = log_start.value();
  slot->log_start_dirty = true;
}

bool OffsetSyncRecorder::Emit(Slot& slot, Run* run, bool closed) {
  OffsetSyncRun out;
  out.partition = &slot.tp;
  out.source_log_start = SourceOffset(slot.log_start);
  out.closed = closed;
  if (run != nullptr) {
    // A log-start-only change re-sends the open run unchanged: harmless (an upsert), and
    // it keeps every event self-contained.
    out.first_source = SourceOffset(run->first_source);
    out.first_target = TargetOffset(run->first_target);
    out.count = run->count;
    out.reset = run->reset;
    out.target_restart = run->target_restart;
  }
  const uint64_t seq = next_seq_++;
  if (!send_(out, seq)) return false;
  const bool carried_log_start = slot.log_start_dirty;
  slot.log_start_dirty = false;
  if (run != nullptr) run->sent_count = run->count;
  if (!acks_) {
    if (run != nullptr) run->acked_count = std::max(run->acked_count, run->count);
    return true;
  }
  in_flight_.push_back({seq, &slot, run != nullptr ? run->id : 0, run != nullptr ? run->count : 0, carried_log_start});
  return true;
}

void OffsetSyncRecorder::FlushSlot(Slot& slot, size_t end, bool facts, bool closing) {
  for (size_t i = 0; i < end; ++i) {
    Run& run = slot.runs[i];
    const bool closed = closing || i + 1 < slot.runs.size();
    const bool last = i + 1 == end;
    if (run.sent_count == run.count && !(facts && last && slot.log_start_dirty)) continue;
    if (!Emit(slot, &run, closed)) return;  // in order: the later runs wait for this one
  }
  if (facts && slot.log_start_dirty && slot.runs.empty()) (void)Emit(slot, nullptr, false);
  PopCovered(slot);
}

void OffsetSyncRecorder::PopCovered(Slot& slot) {
  while (slot.runs.size() > 1 && slot.runs.front().acked_count == slot.runs.front().count) slot.runs.pop_front();
}

void OffsetSyncRecorder::Flush() {
  for (auto& [tp, slot] : slots_) FlushSlot(*slot, slot->runs.size(), /*facts=*/true, /*closing=*/false);
}

void OffsetSyncRecorder::Acknowledged(uint64_t seq, bool ok) {
  auto it = std::lower_bound(in_flight_.begin(), in_flight_.end(), seq,
                             [](const InFlight& f, uint64_t s) { return f.seq < s; });
  if (it == in_flight_.end() || it->seq != seq) return;
  const InFlight done = *it;
  in_flight_.erase(it);
  Slot& slot = *done.slot;
  if (!ok && done.log_start) slot.log_start_dirty = true;
  if (done.run_id == 0) return;
  auto run = std::find_if(slot.runs.begin(), slot.runs.end(), [&](const Run& r) { return r.id == done.run_id; });
  if (run == slot.runs.end()) return;  // held in full already
  if (ok) {
    if (done.seq >= run->acks_from) run->acked_count = std::max(run->acked_count, done.count);
    PopCovered(slot);
    return;
  }
  // Not written: sent again on the next Flush, and every later run after it.
  run->sent_count = 0;
  for (auto later = run + 1; later != slot.runs.end(); ++later) {
    later->sent_count = 0;
    later->acked_count = 0;
    later->acks_from = next_seq_;
  }
}

std::optional<SourceOffset> OffsetSyncRecorder::FirstUncovered(const Slot* slot) const {
  if (slot == nullptr) return std::nullopt;
  for (const Run& run : slot->runs) {
    if (run.acked_count < run.count) return SourceOffset(run.first_source + run.acked_count);
  }
  return std::nullopt;
}

void OffsetSyncRecorder::Forget(const TopicPartition& tp) {
  auto it = slots_.find(tp);
  if (it == slots_.end()) return;
  Slot* slot = it->second.get();
  FlushSlot(*slot, slot->runs.size(), /*facts=*/true, /*closing=*/true);
  // Its in-flight emissions are no longer tracked: the partition's next owner starts from
  // what was committed, which never passed what the log acknowledged.
  in_flight_.erase(
      std::remove_if(in_flight_.begin(), in_flight_.end(), [slot](const InFlight& f) { return f.slot == slot; }),
      in_flight_.end());
  slots_.erase(it);
}

}  // namespace kmirror::offsets
