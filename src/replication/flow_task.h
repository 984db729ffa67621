// FlowTask: one consumer/producer pair of a flow; the hot path.
//
//   consume (batch) -> route (topic name, same partition) -> forward (no payload copy,
//   headers detached, not copied) -> delivery report -> store source offset -> commit
//
// The source position of a partition only moves past a record after the target
// acknowledged it. Anything that goes wrong with a partition (a failed delivery, a target
// partition that does not exist yet) rewinds that partition to the first record not known
// to be on the target: it is paused, in-flight records drain, and it is re-read from the
// source. That can duplicate (never lose) records; duplicates are counted.
//
// Memory is bounded by a budget in bytes and records (task.max.inflight.*), split between
// librdkafka's prefetch thresholds and records on their way to the target; when those are
// over their share the task waits for delivery reports instead of polling, which backs up
// into the prefetch queue.
//
// One batch in flight per partition: librdkafka 2.0's idempotent producer counts records
// where it means requests (rktp_msgs_inflight against a window of 5), so a partition never
// has more than one produce request in flight, and while it waits its broker thread spins
// on a zero poll timeout as soon as the next queued record is older than linger.ms (a
// backlog drain spent up to 75% of kmirror's CPU there). So the task gives the producer
// one request's worth per partition at a time: records that arrive while the partition's
// batch is in flight are held (no copy) and handed over together once it is acknowledged;
// they form the next batch, which is what librdkafka would have sent anyway. librdkafka
// 2.0 stops fetching at a prefetch threshold and only looks again when something wakes its
// broker thread, up to a second later, so a consumer at its threshold starves once it has
// drained the queue (the reason replicators on librdkafka run with huge prefetch queues).
// The task notices the queue near a threshold and, once it has drained it, seeks every
// partition to the next offset not yet read: that wakes the fetcher and loses nothing.
//
// Lifecycle: constructed and Start()ed by its Flow; all Kafka work happens on the task's
// own thread ("km-<flow>-<n>"), which the Flow stops with RequestStop() and joins with
// Join(). Statistics are atomics read by the flow's controller thread.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "kmirror/common/status.h"
#include "kmirror/config/mirror_config.h"
#include "kmirror/kafka/consumer.h"
#include "kmirror/kafka/producer.h"
#include "kmirror/offsets/offset_sync_recorder.h"
#include "replication/routes.h"

namespace kmirror::replication {

struct FlowStats {
  std::atomic<uint64_t> records{0};      // acknowledged by the target
  std::atomic<uint64_t> bytes{0};        // key + value bytes acknowledged
  std::atomic<uint64_t> failed{0};       // delivery failures (each leads to a rewind)
  std::atomic<uint64_t> rewinds{0};
  std::atomic<uint64_t> lost{0};         // records deleted on the source before mirroring
  std::atomic<uint64_t> loops{0};        // records not copied: the target is in their provenance
  std::atomic<uint64_t> hops{0};         // records not copied: provenance longer than max.hops
  std::atomic<uint64_t> fetch_wakeups{0};  // fetcher restarted after a prefetch threshold
  std::atomic<uint64_t> held{0};           // records that waited for their partition's batch in flight
};

class FlowTask final : private kafka::DeliveryHandler, private kafka::RebalanceListener {
 public:
  FlowTask(const config::FlowConfig& flow, int index, RouteBoard* board, FlowStats* stats);
  ~FlowTask() override;

  // Creates the clients and starts the thread.
  Status Start();
  void RequestStop() { stop_.store(true, std::memory_order_relaxed); }
  void Join();
  // Non-OK after an unrecoverable error; the thread has then ended.
  Status failure() const;

 private:
  struct CachedRoute {
    kafka::Producer::TopicRef topic = nullptr;
    int partitions = 0;
  };
  // Per source partition, keyed by the consumer's topic handle (see kafka::Message).
  struct PartKey {
    const void* topic;
    int32_t partition;
    bool operator==(const PartKey&) const = default;
  };
  struct PartKeyHash {
    size_t operator()(const PartKey& k) const noexcept {
      return std::hash<const void*>()(k.topic) ^ (static_cast<size_t>(k.partition) * 0x9e3779b97f4a7c15ULL);
    }
  };
  // A record ready for the target, held back while its partition has a batch in flight.
  struct Held {
    kafka::Message msg;
    kafka::HeadersPtr headers;
    kafka::Producer::TopicRef topic = nullptr;
    int64_t bytes = 0;       // key + value, as the budget counts them
    int64_t wire_bytes = 0;  // estimated size in a produce request
  };
  struct PartState {
    int64_t in_flight = 0;  // handed to the producer, not yet acknowledged
    // Records forwarded while the partition's previous batch is in flight, oldest first;
    // handed to the producer together once that batch is acknowledged (see the class comment).
    std::deque<Held> held;
    bool release_queued = false;
    // The current send window: records handed straight to the producer in one poll round,
    // at most one produce request's worth.
    uint64_t window_round = 0;
    int64_t window_bytes = 0;
    int64_t window_records = 0;
    // The last record not copied (provenance) while earlier ones were still in flight: its
    // offset is stored once they are all acknowledged, so the position never passes an
    // unacknowledged record.
    kafka::Message skipped;
    // The latest acknowledged (or skipped) record whose offset is still to be stored: stores
    // are batched per poll loop instead of one librdkafka call per record.
    kafka::Message pending_store;
    offsets::OffsetSyncRecorder::Slot* sync_slot = nullptr;  // never forgotten, so stays valid
    TopicPartition tp;
    // The next offset to read, as far as this task knows: one past the last record forwarded
    // or skipped, or where a rewind sought to; -1 after an assignment until the first record.
    // Only partitions with a known position are paused for the budget.
    int64_t next_offset = -1;
  };
  // Why a partition is paused; it is resumed when no reason is left.
  enum PauseReason : uint8_t { kPauseRewind = 1 };
  struct Rewind {
    SourceOffset offset;
    std::chrono::steady_clock::time_point not_before;
    kafka::Producer::TopicRef refresh_topic = nullptr;  // producer metadata to refresh first
  };

  void Run();
  void Forward(kafka::Message msg);
  // Whether a record of `wire_bytes` for this partition goes to the producer now (the
  // partition has no batch in flight, or this round's window has room) or is held.
  bool OpensOrFitsWindow(PartState& state, int64_t wire_bytes);
  // Hands one record to the producer (waiting while its queue is full); false when the
  // partition was scheduled for a rewind instead.
  bool Send(PartState& state, Held&& record);
  // Sends the held records of partitions whose batch in flight was acknowledged, up to one
  // produce request per partition; `all` sends every held record (revoke, shutdown).
  void ReleaseHeld(bool all);
  // Marks the partition's held records for the next ReleaseHeld() (once).
  void QueueRelease(PartState& state);
  // Whether a record of `next_wire_bytes` still fits a produce request that holds `records`
  // records of `bytes` (the first one always does).
  bool FitsRequest(int64_t bytes, int64_t records, int64_t next_wire_bytes) const;
  // Forgets held records of `tp` from offset `from` on (they will be re-read).
  void DropHeld(const TopicPartition& tp, int64_t from);
  bool OverBudget() const {
    return inflight_records_ >= producer_records_ || inflight_bytes_ >= producer_bytes_;
  }
  void Skip(kafka::Message msg, PartState& state);
  const CachedRoute* RouteFor(const kafka::Message& msg);
  void RefreshSubscription();
  void ScheduleRewind(TopicPartition tp, SourceOffset offset, std::chrono::milliseconds delay,
                      kafka::Producer::TopicRef refresh_topic, const std::string& why);
  void ProcessRewinds(bool force);
  void HandleEvent(const kafka::ConsumerEvent& ev);
  void Drain();
  // Makes `msg` the partition's next offset to store, unless a later one is already pending.
  void StoreLater(PartState& state, kafka::Message&& msg);
  // Stores every pending offset (before any commit: loop end, revoke, rewind, shutdown).
  void FlushStores();
  void PublishStats();
  PartState& StateFor(const kafka::Message& msg);
  // Pauses/resumes `tp` for one reason; librdkafka is only told on the first/last reason,
  // since resuming a partition librdkafka does not consider paused loses its prefetch.
  void PauseFor(const TopicPartition& tp, PauseReason why);
  void ResumeFor(const TopicPartition& tp, PauseReason why);
  // Forgets pauses and positions of partitions given up or assigned afresh.
  void ForgetPartitions(const std::vector<TopicPartition>& partitions);
  // Restarts librdkafka's fetcher after it stopped at a prefetch threshold (see the class
  // comment); `polled` is how many records the last poll returned.
  void WatchFetcher(size_t polled);

  void OnDelivery(kafka::Delivery& d) noexcept override;
  void OnRevoke(const std::vector<TopicPartition>& partitions, bool lost) noexcept override;
  void OnAssign(const std::vector<TopicPartition>& partitions) noexcept override;

  const config::FlowConfig& flow_;
  const std::string name_;
  RouteBoard* board_;
  FlowStats* stats_;
  std::unique_ptr<kafka::Consumer> consumer_;
  std::unique_ptr<kafka::Producer> producer_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  mutable std::mutex failure_mu_;
  Status failure_;

  // Task-thread state.
  uint64_t routes_generation_ = ~0ULL;
  std::shared_ptr<const RouteTable> routes_;
  std::vector<std::string> subscribed_;
  std::unordered_map<const void*, CachedRoute> route_cache_;
  std::map<TopicPartition, Rewind> rewinds_;
  std::unordered_map<PartKey, PartState, PartKeyHash> parts_;  // entries are never erased
  std::map<TopicPartition, PartState*> parts_by_name_;          // the same states, by name
  std::vector<PartState*> dirty_;  // partitions with a pending_store
  std::vector<PartState*> release_;  // partitions whose batch in flight was acknowledged
  std::vector<PartState*> release_scratch_;
  uint64_t round_ = 1;               // poll rounds of the task loop
  int64_t held_records_ = 0;         // in every partition's `held`
  int64_t request_bytes_ = 0;        // one produce request's worth (batch.size, message.max.bytes)
  int64_t request_records_ = 0;      // batch.num.messages
  int64_t producer_records_ = 0;     // the producer's share of the budget
  int64_t producer_bytes_ = 0;
  // Until then Send() waits for room in the producer's queue after a stop (shutdown drain).
  std::chrono::steady_clock::time_point drain_deadline_{};
  std::map<TopicPartition, uint8_t> paused_;                   // PauseReason bits
  // Forwarded, not yet acknowledged (OnDelivery takes them off).
  int64_t inflight_records_ = 0;
  int64_t inflight_bytes_ = 0;
  // Acknowledged since the last PublishStats(): the flow's shared counters are updated once
  // per poll loop, not per record (two tasks' per-record atomics contend for one cache line).
  uint64_t acked_records_ = 0;
  uint64_t acked_bytes_ = 0;
  uint64_t held_count_ = 0;
  int64_t avg_record_bytes_ = 1024;  // estimates the bytes of prefetched records
  int64_t prefetch_bytes_ = 0;       // librdkafka's prefetch thresholds
  int64_t prefetch_records_ = 0;
  bool fetcher_held_ = false;        // the prefetch queue came near a threshold
  std::string provenance_buf_;  // reused for every record's provenance header
  // Offset-sync runs from delivery reports, written to the flow's log on the target.
  void EmitOffsetSync(const offsets::OffsetSyncRun& run);
  void FlushOffsetSyncs();
  offsets::OffsetSyncRecorder recorder_;
  kafka::Producer::TopicRef offset_sync_topic_ = nullptr;
  std::chrono::steady_clock::time_point next_sync_flush_{};
  std::chrono::steady_clock::time_point last_error_log_{};
  bool closing_ = false;
  bool rebalance_pending_ = false;  // subscribed, and the group has not assigned since
};

}  // namespace kmirror::replication
