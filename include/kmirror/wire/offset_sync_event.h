// The offset-sync log's records: building, serialising and validating
// kmirror.v1.OffsetSyncEvent (proto/kmirror/v1/offset_sync.proto, which documents the
// semantics), plus the log's naming.
//
// Stateless functions; safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "kmirror/common/status.h"
#include "kmirror/common/types.h"
#include "kmirror/v1/offset_sync.pb.h"

namespace kmirror::wire {

// The event schema version this build writes and the highest it reads.
inline constexpr uint32_t kOffsetSyncEventVersion = 1;

// One run of a source partition as a flow task's recorder emits it (offsets/
// offset_sync_recorder.h): source offsets first_source.. map to target offsets
// first_target.. for `count` records. `partition` is only valid during the emission.
struct OffsetSyncRun {
  const TopicPartition* partition = nullptr;  // the source topic and partition
  SourceOffset first_source{0};
  TargetOffset first_target{0};
  int64_t count = 0;                  // 0: no run, only partition facts (log start)
  bool reset = false;                 // see offset_sync.proto: supersedes later runs
  SourceOffset source_log_start{-1};  // -1 when unknown
  bool closed = false;                // the run will not grow any more
  bool target_restart = false;        // see offset_sync.proto: voids every earlier run
};

// What an event says about its flow and writer, fixed for a task.
struct OffsetSyncWriterInfo {
  std::string source_alias;
  std::string target_alias;
  std::string source_cluster_id;  // may be empty
  std::string target_cluster_id;  // may be empty
  std::string writer;             // "<flow>#<task>@<host>"
};

// The log topic of the flow from `source_alias`, on the target cluster. Ends in ".internal"
// so that it is never mirrored itself.
std::string OffsetSyncTopic(std::string_view source_alias);

// The record key of an event for a source partition: "<topic>-<partition>". Every event of
// one source partition then lands in the same log partition, in the order written.
std::string OffsetSyncRecordKey(const TopicPartition& source);

// Builds the event for a recorder emission. `target_topic` is the remote topic name.
v1::OffsetSyncEvent MakeOffsetSyncEvent(const OffsetSyncWriterInfo& info, std::string_view target_topic,
                                        const OffsetSyncRun& run, int64_t written_at_ms);

// Serialised record value.
std::string SerializeOffsetSyncEvent(const v1::OffsetSyncEvent& event);

// Checks an event before it is applied: InvalidArgument when fields are missing or
// inconsistent (negative offsets, empty topic, ...); FailedPrecondition when it was written
// by a newer kmirror (version above kOffsetSyncEventVersion) and cannot be read safely.
Status ValidateOffsetSyncEvent(const v1::OffsetSyncEvent& event);

// Parses and validates a record value.
Result<v1::OffsetSyncEvent> ParseOffsetSyncEvent(std::string_view bytes);

}  // namespace kmirror::wire
