// FlowTask: one consumer/producer pair of a flow; the hot path.
//
//   consume (batch) -> route (topic name, same partition) -> mirror (no payload copy,
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
// The task composes parts that own their state, decide, and never call back into it; the
// task does the Kafka calls and keeps the budget:
//   ClientLimits       client properties and the numbers derived from the budget
//   PartitionWindow    per partition: the batch in flight, held records, their release
//   PartitionOwnership per partition: owned now, and which delivery reports are the ended
//                      ownership's (a rebalance with records in flight)
//   StorePosition      per partition: which source offset is stored next
//   RewindSchedule     pending rewinds; PauseReasons: why a partition is paused
//   FetcherWakeup      librdkafka 2.0's prefetch stall (delete with librdkafka >= 2.2)
//   DescribeDataLoss   what a position that no longer exists means, and the log line
//   ClassifyFailure    what a failed delivery means: retry, split the batch, stop (or
//                      dead-letter) the record; BatchLimit: batches no larger than the
//                      remote topic accepts (undeliverable.h)
//   OffsetSyncEmitter  the offset-sync log's records (offsets::OffsetSyncRecorder's runs)
//   ConsumerRecovery   how soon the consumer is re-created after a fatal error (a fenced
//                      static member), and whether the errors repeat (two nodes, one node.id)
// Everything about a source partition is in its one PartState, found on the hot path by
// PartitionKey (the consumer's topic handle and the partition number); rebalance
// callbacks, which come with names, go through a name index.
//
// Lifecycle: constructed and Start()ed by its Flow; all Kafka work happens on the task's
// own thread ("km-<flow>#<n>", cut to 15 characters), which the Flow stops with RequestStop() and joins with
// Join(). Statistics are atomics read by the flow's controller thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "kmirror/common/partition_problems.h"
#include "kmirror/common/status.h"
#include "kmirror/common/types.h"
#include "kmirror/config/mirror_config.h"
#include "kmirror/kafka/consumer.h"
#include "kmirror/kafka/producer.h"
#include "kmirror/offsets/offset_index.h"
#include "kmirror/offsets/offset_sync_recorder.h"
#include "kmirror/wire/provenance.h"
#include "replication/client_limits.h"
#include "replication/consumer_recovery.h"
#include "replication/fetcher_wakeup.h"
#include "replication/flow_stats.h"
#include "replication/offset_sync_emitter.h"
#include "replication/partition_ownership.h"
#include "replication/produce_window.h"
#include "replication/rewind_schedule.h"
#include "replication/routes.h"
#include "replication/store_position.h"
#include "replication/undeliverable.h"

namespace kmirror::replication {

class FlowTask final : private kafka::DeliveryHandler, private kafka::RebalanceListener {
 public:
  // `offset_index`: this process's view of the offset-sync logs (null: none; partitions
  // then resume at their committed offset).
  FlowTask(const config::FlowConfig& flow, int index, RouteBoard* board, FlowStats* stats, PartitionProblems* problems,
           const offsets::OffsetIndex* offset_index = nullptr);
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
    std::string_view remote_topic;  // in routes_, which the cache never outlives
    RequestLimit limit{};           // one request's worth, capped by what the remote topic accepts
  };
  // A source partition on the hot path: the consumer's topic handle (stable for the
  // consumer's lifetime, see kafka::Message::topic_key) and the partition number.
  struct PartitionKey {
    const void* topic;
    Partition partition;
    bool operator==(const PartitionKey&) const = default;
  };
  struct PartitionKeyHash {
    size_t operator()(const PartitionKey& k) const noexcept {
      return std::hash<const void*>()(k.topic) ^ (static_cast<size_t>(k.partition.value()) * 0x9e3779b97f4a7c15ULL);
    }
  };
  static PartitionKey KeyOf(const kafka::Message& msg) { return {msg.topic_key(), msg.partition()}; }
  // A record ready for the target, held back while its partition has a batch in flight.
  // Move-only: the payload stays in the consumed message.
  struct Held {
    kafka::Message msg;
    kafka::HeadersPtr headers;
    kafka::Producer::TopicRef topic = nullptr;
    int64_t bytes = 0;       // key + value, as the budget counts them
    int64_t wire_bytes = 0;  // estimated size in a produce request
    SourceOffset offset() const { return msg.offset(); }
  };
  static_assert(!std::is_copy_constructible_v<Held>, "a held record is moved, its payload never copied");
  // Everything the task knows about one source partition. Entries are never erased, so
  // pointers to them (name index, release queue, rewinds, offset stores) stay valid.
  struct PartState {
    explicit PartState(TopicPartition name) : tp(std::move(name)) {}
    const TopicPartition tp;  // made once: for the consumer's calls, the recorder, log lines
    // Its PartitionKey's topic now (a consumer's topic handle; its own address once that
    // consumer is discarded: RecoverConsumer, StateFor).
    const void* key_topic = nullptr;
    // The next offset to read, as far as this task knows: one past the last record
    // mirrored or skipped, or where a rewind sought to; nullopt after an assignment until
    // the first record.
    std::optional<SourceOffset> next_offset;
    PartitionOwnership own;  // records of a partition not owned now are never forwarded
    PauseReasons paused;
    PartitionWindow<Held> window;
    StorePosition<kafka::Message> store;
    // The next offset last stored while the store waited for the offset-sync log
    // (log_gate.h); reset when the partition is assigned afresh.
    std::optional<SourceOffset> stored_next;
    offsets::OffsetSyncRecorder::Slot* sync_slot = nullptr;  // never forgotten, so stays valid
    BatchLimit batch;                                        // fewer records per batch after a split
    std::chrono::steady_clock::time_point last_warned{};     // rewind warnings: at most one a second
    // An undeliverable record on its way to the dead-letter topic, and why it was refused.
    std::optional<SourceOffset> dead_letter;
    std::string dead_letter_error;
    PartitionMeter* meter = nullptr;  // this task's counters of it (metrics)
    // The hop header this partition's records get, encoded once per path length: where
    // they are written (the flow's target, the remote topic, the partition) never changes
    // for a source partition within a run (the naming policy is fixed).
    std::string hop;
    uint8_t hop_path_length = 0;  // 0: not encoded yet
  };
  // An undeliverable record waiting to go to the dead-letter topic (undeliverable.records).
  struct DeadLetter {
    PartState* state;
    kafka::Message msg;
    kafka::HeadersPtr headers;  // as they were sent to the remote topic
    std::string error;
  };
  using Rewinds = RewindSchedule<PartState, kafka::Producer::TopicRef>;

  void Run();
  // The task's consumer (group.instance.id from the node id and the task's index).
  Result<std::unique_ptr<kafka::Consumer>> CreateConsumer();
  // After a fatal consumer error: drops everything in flight for the old consumer's
  // partitions without storing or committing, discards it and creates a new one (waiting
  // first when fatal errors repeat: ConsumerRecovery); the partitions resume from the
  // offset-sync log.
  void RecoverConsumer(const Status& fatal, bool fenced);
  // The whole per-record pipeline: route, provenance, then to the producer or held.
  void MirrorRecord(kafka::Message msg);
  // Not copied (provenance): the position moves past it once everything before it is
  // acknowledged.
  void Skip(kafka::Message msg, PartState& state);
  // A record whose provenance headers are untrusted input: counted, logged rate-limited.
  void NoteUntrusted(const kafka::Message& msg, const char* why);
  // Hands one record to the producer (waiting while its queue is full); false when the
  // partition was scheduled for a rewind instead.
  bool Send(PartitionWindow<Held>& window, Held&& record);
  // Whether a pending rewind of msg's partition re-reads msg (its offset is at or past the
  // rewind point).
  bool RewoundAt(const kafka::Message& msg);
  // Sends the held records of partitions whose batch in flight was acknowledged, up to one
  // produce request per partition; `all` sends every held record (revoke, shutdown).
  void ReleaseHeld(bool all);
  // Forgets held records of `state` from offset `from` on (they will be re-read).
  void DropHeld(PartState& state, SourceOffset from);
  // Takes dropped held records off the budget.
  void Unbudget(const DroppedRecords& dropped);
  bool OverBudget() const {
    return inflight_records_ >= limits_.producer_queue_records || inflight_bytes_ >= limits_.producer_queue_bytes();
  }
  const CachedRoute* RouteFor(const kafka::Message& msg);
  void RefreshSubscription();
  void ScheduleRewind(PartState& state, SourceOffset offset, std::chrono::milliseconds delay,
                      kafka::Producer::TopicRef refresh_topic, const std::string& why);
  void ProcessRewinds();
  // A record the target refuses (FailureVerdict kRecord or kTopic): stops its partition
  // there, or queues it for the dead-letter topic.
  void Undeliverable(PartState& state, kafka::Message msg, kafka::HeadersPtr headers, FailureVerdict verdict,
                     const std::string& why);
  // Keeps the partition paused with its position at `offset` (a rewind that is never due).
  void HoldAt(PartState& state, SourceOffset offset);
  void StopPartition(PartState& state, SourceOffset offset, const std::string& reason);
  void ProcessDeadLetters();
  void OnDeadLetterDelivery(PartState& state, kafka::Delivery& d);
  void HandleEvent(const kafka::ConsumerEvent& ev);
  void Drain();
  // Stores every pending offset the offset-sync log covers (before any commit: loop end,
  // revoke, rewind, shutdown); a store the log does not cover yet stops at what it covers
  // and waits (log_gate.h).
  void FlushStores();
  void PublishStats();
  // The partition's state, created on its first record.
  PartState& StateFor(const kafka::Message& msg);
  // The state of a partition named by a rebalance callback or consumer event; null when
  // the task has not seen a record of it.
  PartState* StateByName(const TopicPartition& tp);
  // Pauses/resumes a partition for one reason; librdkafka is only told on the first/last
  // reason, since resuming a partition librdkafka does not consider paused loses its
  // prefetch.
  void PauseFor(PartState& state, PauseReasons::Reason why);
  void ResumeFor(PartState& state, PauseReasons::Reason why);
  // Forgets the pauses and position of a partition given up or assigned afresh.
  void ForgetPartition(const TopicPartition& tp);
  // A partition was revoked or lost (after its final stores): nothing of its ownership
  // acts any more (held records dropped, its rewind cancelled, later reports ignored).
  void GiveUp(const TopicPartition& tp);
  // Restarts librdkafka's fetcher after it stopped at a prefetch threshold (see the class
  // comment); `polled` is how many records the last poll returned.
  void WatchFetcher(size_t polled);
  // Offset-sync runs from delivery reports, written to the flow's log on the target; false
  // when the event was not handed to the producer (the recorder sends it again).
  bool EmitOffsetSync(const offsets::OffsetSyncRun& run, uint64_t seq);
  // An offset-sync event's delivery report.
  void OnOffsetSyncDelivery(const kafka::Delivery& d);
  void FlushOffsetSyncs();

  void OnDelivery(kafka::Delivery& d) noexcept override;
  void OnRevoke(const std::vector<TopicPartition>& partitions, bool lost) noexcept override;
  void OnAssign(const std::vector<TopicPartition>& partitions) noexcept override;

  const config::FlowConfig& flow_;
  const std::string name_;
  const int index_;  // the task's number in the flow (its static group member id)
  RouteBoard* board_;
  FlowStats* stats_;
  PartitionProblems* problems_;
  const ClientLimits limits_;
  const RequestLimit request_;                          // one produce request's worth (limits_)
  std::unique_ptr<kafka::LogPositions> log_positions_;  // where partitions resume (null: no index)
  std::unique_ptr<kafka::Consumer> consumer_;
  // Consumers discarded after a fatal error, kept until no record they delivered is in the
  // producer any more (destroyed after producer_).
  std::vector<std::unique_ptr<kafka::Consumer>> retired_;
  ConsumerRecovery recovery_;
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
  std::unordered_map<PartitionKey, PartState, PartitionKeyHash> parts_;  // entries are never erased
  std::map<TopicPartition, PartState*> parts_by_name_;                   // the same states, by name
  std::set<TopicPartition> owned_unseen_;  // assigned, no state yet: owned once StateFor makes it
  // Assigned partitions whose target history changed under target.history.change = stop:
  // stopped at their first record (log_positions.h), with why.
  std::map<TopicPartition, std::string> history_stopped_;
  uint64_t unowned_dropped_ = 0;  // records polled for a partition given up meanwhile
  uint64_t orphan_failures_ = 0;  // failed reports of records sent before a give-up
  Rewinds rewinds_;
  std::vector<std::pair<PartState*, Rewinds::Rewind>> due_rewinds_;  // ProcessRewinds' scratch
  ReleaseQueue<Held> release_;     // partitions whose batch in flight was acknowledged
  std::vector<PartState*> dirty_;  // partitions with a pending offset store
  uint64_t round_ = 1;             // poll rounds of the task loop
  // Until then Send() waits for room in the producer's queue after a stop (shutdown drain).
  std::chrono::steady_clock::time_point drain_deadline_{};
  // On their way to the target: held or handed to the producer, not yet acknowledged
  // (OnDelivery takes them off).
  int64_t inflight_records_ = 0;
  int64_t inflight_bytes_ = 0;
  int64_t held_now_ = 0;          // of those, held in a partition's window now
  int64_t paused_published_ = 0;  // partitions with a rewind pending, as last added to FlowStats::paused
  // Since the last PublishStats(): the flow's shared counters are updated once per poll
  // loop, not per record (two tasks' per-record atomics contend for one cache line).
  uint64_t acked_records_ = 0;
  uint64_t acked_bytes_ = 0;
  uint64_t held_since_publish_ = 0;  // records that had to be held (FlowStats::held_total)
  FetcherWakeup fetcher_;
  std::string provenance_buf_;            // reused for every record's provenance header
  wire::ProvenancePath provenance_path_;  // reused for every record's parsed path
  std::chrono::steady_clock::time_point last_untrusted_log_{};
  uint64_t untrusted_unlogged_ = 0;  // untrusted records since the last line about them
  OffsetSyncEmitter offset_syncs_;
  offsets::OffsetSyncRecorder recorder_;
  kafka::Producer::TopicRef offset_sync_topic_ = nullptr;
  std::chrono::steady_clock::time_point next_sync_flush_{};
  std::vector<DeadLetter> dead_letters_;
  kafka::Producer::TopicRef dead_letter_topic_ = nullptr;
  // The offset-sync log's health, for the warning that commits wait for it.
  std::chrono::steady_clock::time_point last_log_ack_{};
  std::chrono::steady_clock::time_point last_log_warning_{};
  bool closing_ = false;
};

}  // namespace kmirror::replication
