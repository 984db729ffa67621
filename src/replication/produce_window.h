// The produce window of one source partition: one produce batch in flight at a time.
//
// librdkafka 2.0's idempotent producer sends one produce request per partition at a time,
// and while that request is in flight its broker thread spins as soon as the next queued
// record of the partition is older than linger.ms (docs/performance.md, session 4). So the
// task keeps librdkafka's queue of a partition empty while its batch is in flight: records
// of one poll round go to the producer directly, at most one request's worth (this round's
// window); records that come while the batch is in flight are held here (moved, never
// copied) and handed to the producer together, again at most one request's worth, once the
// batch's last delivery report arrived. They form the next batch, which is what librdkafka
// would have sent anyway.
//
//   Admit()  a record read now: true = send it now (then Sent()), false = Hold() it
//   Refused()  the producer's queue had no room for it while the batch is in flight
//   Acked()  a delivery report of one of the partition's records
//   ReleaseQueue / BeginRelease() / NextRelease()  hand held records over after the ack
//   DropFrom() / DropAll()  a rewind or a lost partition: held records are re-read instead
//
// The window only decides; the caller (the flow task) talks to the producer, keeps the
// budget and owns the partition's other state. Nothing here allocates per record except
// the deque of held records, and nothing is virtual.
//
// Lifecycle and threading: a PartitionWindow lives in the task's per-partition state for
// the task's lifetime; the window, its ReleaseQueue and the records are used only on the
// task's thread. Not thread-safe.
#pragma once

#include <concepts>
#include <cstdint>
#include <deque>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

#include "kmirror/common/types.h"

namespace kmirror::replication {

// One produce request's worth of records for a partition (batch.size / message.max.bytes
// with a margin, batch.num.messages; see ClientLimits).
struct RequestLimit {
  int64_t bytes = 0;
  int64_t records = 0;

  // No limit: a release of every held record (revoke, shutdown).
  static constexpr RequestLimit Unlimited() {
    return {std::numeric_limits<int64_t>::max() / 2, std::numeric_limits<int64_t>::max()};
  }
  // Whether one more record of `next_wire_bytes` fits a request that holds `records`
  // records of `bytes` (estimated wire bytes). The first record always fits: a record
  // larger than the limit still has to go.
  constexpr bool Fits(int64_t bytes_so_far, int64_t records_so_far, int64_t next_wire_bytes) const {
    return records_so_far == 0 || (bytes_so_far + next_wire_bytes <= bytes && records_so_far < records);
  }
};

// What a held record must tell the window: its source offset, its bytes as the task's
// budget counts them (key + value) and its estimated size in a produce request.
template <typename R>
concept WindowRecord = std::movable<R> && requires(const R& r) {
  { r.offset() } -> std::same_as<SourceOffset>;
  { r.bytes } -> std::convertible_to<int64_t>;
  { r.wire_bytes } -> std::convertible_to<int64_t>;
};

// Records (and their budget bytes) a drop took out of the window.
struct DroppedRecords {
  int64_t records = 0;
  int64_t bytes = 0;
};

template <WindowRecord Record>
class ReleaseQueue;

template <WindowRecord Record>
class PartitionWindow {
 public:
  // Records handed to the producer and not acknowledged yet.
  int64_t in_flight() const { return in_flight_; }
  // Records held for the batch in flight.
  size_t held() const { return held_.size(); }
  // The source offset of the oldest held record; nullopt when none is held.
  std::optional<SourceOffset> first_held() const {
    return held_.empty() ? std::nullopt : std::optional<SourceOffset>(held_.front().offset());
  }
  // Nothing of the partition is in flight or held.
  bool idle() const { return in_flight_ == 0 && held_.empty(); }

  // Whether a record of `wire_bytes` read in poll round `round` goes to the producer now
  // (and is counted in this round's window) or must be held: it goes when nothing of the
  // partition is held and either the batch in flight is this round's window with room left,
  // or nothing is in flight (the record opens this round's window).
  bool Admit(uint64_t round, int64_t wire_bytes, const RequestLimit& limit) {
    if (!held_.empty()) return false;  // behind older records
    if (window_round_ != round) {
      if (in_flight_ > 0) return false;  // the previous batch is not acknowledged yet
      window_round_ = round;
      window_bytes_ = 0;
      window_records_ = 0;
    }
    if (!limit.Fits(window_bytes_, window_records_, wire_bytes)) return false;
    window_bytes_ += wire_bytes;
    ++window_records_;
    return true;
  }

  // The producer took one of the partition's records.
  void Sent() {
    if (in_flight_ == 0) batch_records_ = 0;  // opens a new batch
    ++in_flight_;
    ++batch_records_;
  }
  // Records of the batch in flight (or of the last one, once acknowledged): handed to the
  // producer since nothing of the partition was in flight. A failed record's delivery
  // report uses it to tell a rejected batch from a rejected record (undeliverable.h).
  int64_t batch_records() const { return batch_records_; }

  // The partition's request limit (the remote topic's, after splits), set by the task
  // when it admits a record; the release of held records uses it.
  void set_limit(const RequestLimit& limit) { limit_ = limit; }
  const RequestLimit& limit() const { return limit_; }

  // Holds a record Admit() refused, behind the partition's other held records. True when
  // the caller must queue the partition's release now: nothing of it is in flight (this
  // round's window filled and was acknowledged already), so no delivery report will.
  [[nodiscard]] bool Hold(Record&& record) {
    held_.push_back(std::move(record));
    return in_flight_ == 0;
  }

  // The producer's queue had no room for a record Admit() or NextRelease() gave out, and
  // records of the partition are in flight: it goes back in front of the held records and
  // waits for the batch's last delivery report, like any held record. Waiting for room
  // instead would hand it to librdkafka later than the records before it, with a later
  // message timeout: if those time out (a target unreachable longer than
  // delivery.timeout.ms) and it does not, it is written ahead of them and the re-read
  // copies of them land after it (found by NetworkFaultTest.BlackholeToTheTarget...: the
  // queue was full of one batch and two offset-sync events; when those two timed out, two
  // records went in and survived their batch).
  void Refused(Record&& record) { held_.push_front(std::move(record)); }

  // A delivery report (success or failure) of one of the partition's records. True when it
  // completed the batch in flight and records are held: queue the partition's release.
  [[nodiscard]] bool Acked() { return --in_flight_ == 0 && !held_.empty(); }

  // Starts the release of a partition taken from its ReleaseQueue (from now on it can be
  // queued again). False when its batch is still in flight and not `all`: the last
  // delivery report of that batch queues it again.
  bool BeginRelease(bool all) {
    release_queued_ = false;
    release_bytes_ = 0;
    release_records_ = 0;
    return all || in_flight_ == 0;
  }

  // The next held record of the release begun with BeginRelease(), oldest first, while the
  // records handed out since fit one request of `limit` (RequestLimit::Unlimited() for
  // all); nullopt when the release is complete.
  std::optional<Record> NextRelease(const RequestLimit& limit) {
    if (held_.empty() || !limit.Fits(release_bytes_, release_records_, held_.front().wire_bytes)) {
      return std::nullopt;
    }
    release_bytes_ += held_.front().wire_bytes;
    ++release_records_;
    std::optional<Record> next(std::move(held_.front()));
    held_.pop_front();
    return next;
  }

  // Forgets the held records from source offset `from` on (a rewind re-reads them from
  // there); records in flight are not affected: their delivery reports still come.
  DroppedRecords DropFrom(SourceOffset from) {
    DroppedRecords dropped;
    while (!held_.empty() && held_.back().offset() >= from) {
      ++dropped.records;
      dropped.bytes += held_.back().bytes;
      held_.pop_back();
    }
    return dropped;
  }
  // Forgets every held record (the partition was lost: its new owner re-reads them).
  DroppedRecords DropAll() { return DropFrom(SourceOffset(std::numeric_limits<int64_t>::min())); }

 private:
  friend class ReleaseQueue<Record>;

  std::deque<Record> held_;  // oldest first
  int64_t in_flight_ = 0;
  int64_t batch_records_ = 0;
  RequestLimit limit_{};
  // This round's window: the records sent straight to the producer in poll round
  // window_round_ (0: none yet; the task's rounds start at 1).
  uint64_t window_round_ = 0;
  int64_t window_bytes_ = 0;
  int64_t window_records_ = 0;
  // The release in progress (BeginRelease/NextRelease).
  int64_t release_bytes_ = 0;
  int64_t release_records_ = 0;
  bool release_queued_ = false;
};

// The partitions whose held records are to be handed to the producer, each queued at most
// once until its release begins.
template <WindowRecord Record>
class ReleaseQueue {
 public:
  using Window = PartitionWindow<Record>;

  void Push(Window& window) {
    if (window.release_queued_) return;
    window.release_queued_ = true;
    queue_.push_back(&window);
  }
  bool empty() const { return queue_.empty(); }

  // Hands the queued partitions over and empties the queue. Releasing them talks to the
  // producer, whose delivery reports queue partitions again meanwhile: those go into the
  // emptied queue, for the next Take(). The returned list stays valid until then.
  const std::vector<Window*>& Take() {
    taken_.clear();
    taken_.swap(queue_);
    return taken_;
  }

 private:
  std::vector<Window*> queue_;
  std::vector<Window*> taken_;
};

}  // namespace kmirror::replication
