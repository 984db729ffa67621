// Consumer: a librdkafka consumer-group member whose position only moves when told.
//
// Offsets are stored explicitly (StoreOffset, after the target acknowledged a record) and
// committed from that store: periodically by librdkafka, and synchronously before any
// partition is given up. A committed offset that no longer exists on the broker is never
// silently reset: it surfaces as a kDataLoss ConsumerEvent.
//
// Partitions the group has no committed offset for start by the rule of
// src/kafka/start_rule.h: kEarliest starts them all at their first record; kLatest starts at
// the end only the partitions of the flow's first start (the group has no committed offset
// at all, and the partition was in the source's metadata when this consumer first listed
// it, on its first Subscribe or Poll); every later one starts at its first record. Under
// kLatest each decision is committed at once (the offset it resolved to), so the group holds
// it: a restart resumes there, and from then on the group has offsets. Each decision is
// logged once per partition, with its reason.
//
// Flow control: librdkafka 2.0's prefetch thresholds (queued.min.messages,
// queued.max.messages.kbytes) stop fetching without waking the fetcher when the queue drains
// again, so a consumer that reaches them idles for up to a second. QueuedCount() tells the
// caller how full the queue is; a Seek() to the next offset wanted wakes the fetcher. Pause()
// and Seek() drop what librdkafka had prefetched for those partitions (it is fetched again),
// and Resume() of a partition librdkafka does not consider paused loses its prefetch
// without refetching it in librdkafka 2.0: resume only what was paused.
//
// Lifecycle: created, used and closed by one flow task thread. The RebalanceListener is
// called from inside Poll() on that same thread.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "kmirror/common/status.h"
#include "kmirror/common/types.h"
#include "kmirror/kafka/client.h"
#include "kmirror/kafka/message.h"

namespace kmirror::kafka {

class RebalanceListener {
 public:
  virtual ~RebalanceListener() = default;
  // Partitions are about to be taken away. Finish (or abandon, when `lost`) in-flight work
  // for them and store their final offsets; the consumer commits right after.
  virtual void OnRevoke(const std::vector<TopicPartition>& partitions, bool lost) noexcept = 0;
  virtual void OnAssign(const std::vector<TopicPartition>& partitions) noexcept = 0;
};

enum class StartAt { kEarliest, kLatest };

// Where the offset-sync log on the target says partitions resume (src/kafka/resume_rule.h):
// implemented over the offset index by the replication module. Called from inside Poll()
// (an assignment), on the consumer's thread; may block for a bounded time.
class LogPositions {
 public:
  struct Answer {
    // Per partition asked: one past the last source offset the log says was mirrored;
    // nullopt where the log knows nothing of the partition.
    std::vector<std::optional<SourceOffset>> next;
    // Per partition asked (may be shorter: none): non-empty when the target no longer holds
    // the copy the log describes (why). The partition is then mirrored again from the
    // source's first record, whatever `next` and the commit say (target.history.change).
    std::vector<std::string> reseed;
    // Per partition: a history change (reseed, or a stop the caller makes) that holds only
    // when the group has a committed offset for it; without one the start rule decides, as
    // for any partition never mirrored, and the consumer calls NotChanged().
    std::vector<bool> reseed_needs_commit;
    // The positions come from a log read up to its end as of the question.
    bool current = false;
    std::string why_not_current;  // for the log line when !current
  };
  virtual ~LogPositions() = default;
  virtual Answer Lookup(const std::vector<TopicPartition>& partitions) = 0;
  // The consumer could not apply the last answer (the assignment's start offsets failed and
  // librdkafka fetches the committed ones itself): forget what it decided.
  virtual void Unapplied() {}
  // A history change of the last answer does not hold for `partition` (reseed_needs_commit
  // and no commit).
  virtual void NotChanged(const TopicPartition& /*partition*/) {}
};

struct ConsumerOptions {
  std::string name;  // client.id and log tag
  std::string group_id;
  // Static group membership (KIP-345): set, the member keeps its partitions across a restart
  // within session.timeout.ms and sends no LeaveGroup on Close() (docs/cluster.md).
  std::string group_instance_id;
  StartAt start_at = StartAt::kEarliest;  // for partitions without a committed offset (see above)
  RebalanceListener* listener = nullptr;
  // Where partitions resume (the log wins over the commit, resume_rule.h); null: the
  // committed offset, as before the log was the record of truth.
  LogPositions* log_positions = nullptr;
  // Whose librdkafka statistics these are (kafka/statistics.h); empty: none reported.
  StatisticsTag statistics;
};

// A source partition and the offset of the next record to read from it.
struct PartitionOffset {
  TopicPartition partition;
  SourceOffset offset;
};

struct Watermarks {
  SourceOffset low;   // first offset still in the log
  SourceOffset high;  // offset the next record will get
};

// Something other than a record that Poll() ran into.
struct ConsumerEvent {
  TopicPartition partition;  // empty topic for client-wide errors
  SourceOffset offset{-1};   // for kDataLoss: the position that no longer exists
  Status status;             // kDataLoss: position out of range on the broker
  // For kDataLoss found when a partition was assigned: the log's range then, and the
  // consumer already continues where kafka/outside_log.h decides (committed). Otherwise the partition has stopped and
  // the caller decides where it continues (Restart).
  std::optional<Watermarks> log_range;
};

class Consumer {
 public:
  static Result<std::unique_ptr<Consumer>> Create(const ClientProps& props, const ConsumerOptions& options);
  ~Consumer();

  // Replaces the subscription; an empty list unsubscribes.
  Status Subscribe(const std::vector<std::string>& topics);

  // Appends up to `max` records to `out`, waiting at most `timeout` for the first one.
  // Errors and data-loss notices go to `events`.
  void Poll(std::vector<Message>& out, std::vector<ConsumerEvent>& events, size_t max,
            std::chrono::milliseconds timeout);

  // Marks everything up to and including `msg` as done; committed on the next commit.
  Status StoreOffset(const Message& msg);
  // Stores `next` as the partition's next record to read (committed on the next commit).
  Status StoreOffset(const TopicPartition& tp, SourceOffset next);
  Status Seek(const TopicPartition& tp, SourceOffset offset);
  // Restarts fetching of a partition that stopped (after a kDataLoss event without
  // log_range) at `offset`; a plain Seek cannot revive it. The other partitions keep their
  // positions (under the eager protocol, which can only re-assign everything, each is
  // re-assigned at the next record this consumer would have fetched for it: see Restart in
  // consumer.cpp).
  Status Restart(const TopicPartition& tp, SourceOffset offset);
  Status Pause(const TopicPartition& tp);
  Status Resume(const TopicPartition& tp);
  Status Pause(const std::vector<TopicPartition>& tps);
  Status Resume(const std::vector<TopicPartition>& tps);
  // Moves each partition's fetch position; the partitions that could not be moved are
  // appended to `failed` (the returned status describes the first of them).
  Status Seek(const std::vector<PartitionOffset>& positions, std::vector<TopicPartition>* failed);
  // Records (and events) fetched and waiting in librdkafka's queue, not yet polled.
  size_t QueuedCount() const;
  // Commits the stored offsets now.
  Status CommitSync();
  // Stores and commits `next` as the partition's position now, whatever was stored before:
  // where a partition continues after its position left the log (kafka/outside_log.h), so
  // that the group holds the decision and a later assignment does not report it again.
  Status CommitPosition(const TopicPartition& tp, SourceOffset next);
  Result<Watermarks> QueryWatermarks(const TopicPartition& tp, std::chrono::milliseconds timeout);
  // The group's committed offset for each partition; nullopt where there is none.
  Result<std::vector<std::optional<SourceOffset>>> Committed(const std::vector<TopicPartition>& tps,
                                                             std::chrono::milliseconds timeout);
  // Whether a JoinGroup of this consumer may be waiting at the group coordinator: from a
  // Subscribe, and from each revoke (librdkafka rejoins after it), until the assignment that
  // answers the rejoin (possibly empty; under the cooperative protocol the revoking round's
  // own assignment comes first, and the rejoin after it). Known from the rebalance callbacks
  // only: a rejoin the coordinator asks for (another member joined) is not seen until its
  // assignment; a stop in that window commits into the join (the commit fails, what was
  // stored since the last commit is re-read). While it waits, the coordinator answers nothing else of this consumer
  // (its commits and its LeaveGroup queue behind it on the connection) until every other
  // member rejoined or left, which can take a session timeout; and librdkafka 2.0.2 aborts
  // when a consumer whose first assignment never came is destroyed (see Abandon).
  bool JoinPending() const { return join_pending_; }
  // The consumer's fatal error; OK while there is none. librdkafka raises one when the
  // coordinator fences this static member (FENCED_INSTANCE_ID: another member joined with
  // the same group.instance.id, or librdkafka 2.0.2 fenced itself after a session timeout).
  // From then on the consumer is unusable for good: it has unassigned everything without
  // calling the listener, fetches and commits nothing; the owner Discard()s it and creates a
  // new one. `fenced` (optional) tells whether the error is FENCED_INSTANCE_ID.
  Status FatalError(bool* fenced = nullptr) const;
  // After a fatal error: gives the consumer up without committing, without a LeaveGroup and
  // without calling the listener again (librdkafka refuses to close a fatally failed
  // consumer anyway). The handle lives on until this object is destroyed, which must come
  // after every Message it delivered is gone. Later calls fail or do nothing; CommitSync
  // commits nothing. Idempotent.
  void Discard();
  // Leaves the group (revoking and committing through the listener). Idempotent.
  Status Close();
  // Shutdown while JoinPending(): neither closes nor destroys the handle (either could wait
  // for the coordinator past any shutdown bound, and destroying one whose first assignment
  // never came aborts in librdkafka 2.0.2); it is left to the process exit, which is what
  // a shutdown is. Nothing is committed: the group re-reads from its last commit, and the
  // coordinator drops the member at its session timeout. Idempotent; Close() then does
  // nothing.
  void Abandon();

 private:
  Consumer() = default;
  static void RebalanceCallback(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                                void* opaque) noexcept;
  void OnRebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts);
  Status SetStartOffsets(rd_kafka_topic_partition_list_t* parts);
  // Eager protocol: remembers where the fetchers of `parts` start (fetch_starts_).
  void NoteFetchStarts(const rd_kafka_topic_partition_list_t* parts);
  // Replaces the committed offsets in `parts` by where the partitions resume
  // (resume_rule.h); returns, per element, whether that came from the log.
  std::vector<bool> ApplyLogPositions(rd_kafka_topic_partition_list_t* parts);
  // kLatest only: where the partitions of `parts` at `fresh` (no committed offset) start,
  // each committed right away. `group_has_offsets`: some partition of `parts` has one.
  Status StartFreshPartitions(rd_kafka_topic_partition_list_t* parts, const std::vector<int>& fresh,
                              bool group_has_offsets);
  // kLatest only, until the group has offsets: records which partitions the source has, once
  // (the first success).
  void ListStartPartitions(std::chrono::milliseconds timeout);
  void LogStart(const std::string& partition, const std::string& message);
  // Close(): the librdkafka 2.0.2 workaround that makes an empty cooperative member leave.
  void LeaveBeforeClose();

  HandlePtr rk_;
  QueuePtr queue_;  // the consumer queue, for QueuedCount()
  ConsumerOptions options_;
  std::vector<ConsumerEvent> pending_;  // found during assignment, returned by Poll
  // kLatest: partition count per topic when the consumer first listed the source.
  std::optional<std::map<std::string, int>> start_partitions_;
  // kLatest: once the group had offsets it is past its first start, even if they expire later
  // (a new partition then starts at its first record: the side that skips nothing).
  bool group_has_offsets_ = false;
  std::set<std::string> start_logged_;  // partitions whose start rule was logged at info
  // Under the eager protocol, where each assigned partition's fetcher last started from (an
  // assignment, a Seek or a Restart): where it resumes when it has delivered no record since
  // (Restart; librdkafka's position is unknown then).
  std::map<TopicPartition, int64_t> fetch_starts_;
  bool closed_ = false;
  bool discarded_ = false;
  bool assigned_once_ = false;         // an assignment came (librdkafka's assignor state exists: Discard)
  bool join_pending_ = false;          // see JoinPending()
  bool rejoin_after_assign_ = false;   // a cooperative revoke: its round's assignment, then a rejoin
  bool subscription_changed_ = false;  // Subscribe() since the last assignment
};

}  // namespace kmirror::kafka
