// OffsetIndex: the node-local RocksDB view of the offset-sync logs, answering "where is
// source offset X of topic-partition tp on the target?" exactly, in microseconds.
//
// Contents (all keys big-endian so bytewise order is numeric order):
//   runs      (flow, source topic, partition, first source offset) -> (first target, count)
//   partition (flow, source topic, partition) -> target topic, source log start, last write
//   position  (flow, log partition) -> next offset of the offset-sync log to read
// Runs of one partition never overlap: applying a run trims or splits the runs it overlaps
// (later events win), a `reset` run drops every run from its first offset on, and a
// `target_restart` run drops every run of its partition (the copy they describe is gone). An event
// and the log position after it are written in one WriteBatch, so after a crash or restart
// the index resumes from exactly the state its stored positions describe. Replaying the log
// from the start into an empty directory rebuilds the same index (the state is a function
// of the applied sequence of events).
//
// Readiness: after Open, no flow is ready. The log reader calls MarkCaughtUp() with the log
// end offsets it observed; the flow becomes ready once its applied positions reach them.
// Look-ups for a flow that is not ready fail with FailedPrecondition rather than answer
// from a stale index. Readiness is not persisted.
//
// Lifecycle: Open() once per directory (RocksDB locks it; a second Open in any process
// fails with FailedPrecondition); destroyed after every user stopped.
// Threading: every method may be called from any thread. Writers (Apply, AdvanceLogPosition,
// MarkCaughtUp, MarkNotReady) are serialised internally; look-ups run concurrently with
// them and with each other, each on a consistent snapshot.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "kmirror/common/status.h"
#include "kmirror/common/types.h"
#include "kmirror/v1/offset_sync.pb.h"

namespace rocksdb {
class DB;
class WriteBatch;
}  // namespace rocksdb

namespace kmirror::offsets {

// A flow by its cluster aliases ("A" -> "B").
struct FlowKey {
  std::string source_alias;
  std::string target_alias;
  auto operator<=>(const FlowKey&) const = default;
  std::string ToString() const { return source_alias + "->" + target_alias; }
};

// A record of an offset-sync log topic.
struct LogPosition {
  int32_t partition = 0;
  int64_t offset = 0;
};

enum class TranslationKind {
  kExact,           // a mirrored record: `target` is its offset on the target
  kGap,             // in a source gap: `target` is the next mirrored record's offset
  kBeforeFirstRun,  // before the first known run: `target` is the first mirrored record's
  kBeyondLastRun,   // not mirrored yet: `target` is the end of the mirrored data as known
};
std::string_view TranslationKindName(TranslationKind kind);

struct Translation {
  TranslationKind kind = TranslationKind::kExact;
  // Where a consumer that would read the source offset next resumes on the target.
  TargetOffset target{-1};
  std::string target_topic;
  // The source offset is below the source log start the index knows: the record was
  // deleted on the source (retention, delete-records). Informational for kExact; for the
  // other kinds it says why the offset was not mirrored.
  bool deleted_on_source = false;
  SourceOffset source_log_start{-1};  // -1 when unknown
  // kBeyondLastRun only: one past the last mirrored source offset. A source offset equal to
  // it sits exactly at the end of the mirrored data, so `target` is exact for it.
  SourceOffset mirrored_source_end{-1};
};

// What the index knows about one source partition of a flow.
struct PartitionSummary {
  TopicPartition source;
  std::string target_topic;
  SourceOffset source_log_start{-1};     // -1 when unknown
  SourceOffset first_mirrored{-1};       // first source offset of the first run; -1: no run
  SourceOffset mirrored_source_end{-1};  // one past the last run's source offsets; -1: no run
  TargetOffset mirrored_target_end{-1};  // one past the last run's target offsets; -1: no run
  int64_t last_written_at_ms = 0;        // writer's clock of the last event applied
};

class OffsetIndex {
 public:
  struct Options {
    // fsync every write. Off by default: after a machine crash RocksDB recovers a
    // consistent prefix of the writes and the index re-reads the log from there.
    bool sync_writes = false;
  };

  // Opens or creates the index in `dir`. An index written in another on-disk format fails
  // with FailedPrecondition (delete the directory: it is rebuilt from the log).
  static Result<std::unique_ptr<OffsetIndex>> Open(const std::string& dir, Options options);
  static Result<std::unique_ptr<OffsetIndex>> Open(const std::string& dir) { return Open(dir, Options{}); }
  ~OffsetIndex();
  OffsetIndex(const OffsetIndex&) = delete;
  OffsetIndex& operator=(const OffsetIndex&) = delete;

  // Applies the event read at `position` of its flow's log and stores position + 1 as the
  // place to resume, atomically. An event at or before an already applied position is
  // ignored (OK), so re-reading the log after a crash is harmless. Invalid events fail
  // (InvalidArgument / FailedPrecondition, see wire::ValidateOffsetSyncEvent) and change nothing;
  // the reader logs them and moves past with AdvanceLogPosition.
  Status Apply(const v1::OffsetSyncEvent& event, LogPosition position);

  // Moves `flow`'s stored position in `log_partition` forward to `next_offset` without
  // applying anything: past an unreadable record, or to the log start when retention
  // deleted records the index never read. Never moves a position backwards (OK, no-op).
  Status AdvanceLogPosition(const FlowKey& flow, int32_t log_partition, int64_t next_offset);

  // Forgets everything about `flow` (runs, partition facts, log positions) and marks it not
  // ready: its log must be read again from the beginning. For a log that no longer matches
  // what the index applied (the topic or the target cluster was recreated).
  // With `target_replaced`, MarkTargetReplaced(flow, target_replaced) in the same write.
  Status ResetFlow(const FlowKey& flow, const std::string& target_replaced = {});

  // The flow's offset-sync log was recreated on the same target cluster (deleted while or
  // before kmirror ran): the stored position in `log_partition` is dropped (the new log is
  // read from its beginning) and the runs kept, so translations and resume positions of what
  // was mirrored before stay (the new log's events are applied on top, later events win).
  // Readiness is unchanged: what the index answers is as current as before.
  Status RestartLog(const FlowKey& flow, int32_t log_partition);

  // The target behind the flow's alias was replaced by another cluster (the reader found a
  // new cluster id and called ResetFlow): a partition the new log knows nothing of must be
  // mirrored again from the source, not resumed from the source-side commit
  // (target.history.change). Persistent; survives ResetFlow. Empty: not replaced.
  Status MarkTargetReplaced(const FlowKey& flow, const std::string& why);
  std::string TargetReplaced(const FlowKey& flow) const;

  // Which log the flow's state was built from: the id of the target cluster holding it.
  // Empty when unknown. The reader compares it with the cluster it reads from and calls
  // ResetFlow on a mismatch (same aliases, different cluster: the positions are meaningless).
  std::string LogCluster(const FlowKey& flow) const;
  Status SetLogCluster(const FlowKey& flow, const std::string& cluster_id);

  // Next offset to read per log partition of `flow` (partitions never read are absent: read
  // them from the beginning).
  std::map<int32_t, int64_t> LogPositions(const FlowKey& flow) const;

  // The reader observed `log_end` (the log end offset per log partition) for `flow`. The
  // flow is ready as soon as its stored positions reach these ends (now, or during a later
  // Apply/AdvanceLogPosition). Readiness then stays until MarkNotReady.
  void MarkCaughtUp(const FlowKey& flow, const std::map<int32_t, int64_t>& log_end);
  // The reader lost track of the log (e.g. it is being re-read): look-ups fail again.
  void MarkNotReady(const FlowKey& flow);
  bool IsReady(const FlowKey& flow) const;

  // Flows with a stored log position.
  std::vector<FlowKey> Flows() const;

  // Translates a source offset. FailedPrecondition when the flow is not ready; NotFound
  // when the index has no run for the partition; InvalidArgument for a negative offset.
  Result<Translation> Translate(const FlowKey& flow, const std::string& topic, Partition partition,
                                SourceOffset offset) const;

  // What the index knows about one partition / every partition of a flow (not gated by
  // readiness: status reporting shows progress while catching up).
  Result<PartitionSummary> Summary(const FlowKey& flow, const TopicPartition& source) const;
  Result<std::vector<PartitionSummary>> Summaries(const FlowKey& flow) const;

 private:
  struct FlowState {
    std::map<int32_t, int64_t> positions;  // next offset per log partition
    std::optional<std::map<int32_t, int64_t>> catch_up_to;
    bool ready = false;
    std::string log_cluster;
    std::string target_replaced;
  };

  OffsetIndex(std::unique_ptr<rocksdb::DB> db, Options options);
  Status LoadPositions();
  // Loads one string per flow stored under `tag` (+ flow) into `field`.
  Status LoadFlowStrings(char tag, const char* what, std::string FlowState::*field);
  // One string per flow (log cluster, target-replaced mark): read, and written durably.
  std::string FlowString(const FlowKey& flow, std::string FlowState::*field) const;
  Status PutFlowString(char tag, std::string FlowState::*field, const FlowKey& flow, const std::string& value);
  // Requires mu_ held exclusively.
  static void UpdateReadiness(FlowState& state);
  // True when `flow`'s position in `log_partition` is already past `offset`.
  bool Applied(const FlowKey& flow, int32_t log_partition, int64_t offset) const;
  // Adds the position `next_offset` to `batch`, writes it, and updates positions and
  // readiness. Requires write_mu_ held.
  Status Commit(const FlowKey& flow, int32_t log_partition, int64_t next_offset, rocksdb::WriteBatch& batch);

  std::unique_ptr<rocksdb::DB> db_;
  Options options_;
  std::mutex write_mu_;           // serialises writers (read-modify-write of runs)
  mutable std::shared_mutex mu_;  // guards flows_
  std::map<FlowKey, FlowState> flows_;
};

}  // namespace kmirror::offsets
