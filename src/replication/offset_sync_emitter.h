// OffsetSyncEmitter: the records a flow task writes to its flow's offset-sync log.
//
// The task's OffsetSyncRecorder turns delivery reports into runs (source offset -> target
// offset); its callback asks this part for the run's record (key "<topic>-<partition>",
// value a serialised kmirror.v1.OffsetSyncEvent naming the flow, the clusters, the remote
// topic and this task as the writer) and produces it to topic() on the target.
//
// Lifecycle and threading: owned by one flow task, used on its thread (from inside the
// recorder's callback). Build() keeps no state.
#pragma once

#include <cstdint>
#include <string>

#include "kmirror/offsets/offset_sync_recorder.h"
#include "replication/routes.h"

namespace kmirror::replication {

class OffsetSyncEmitter {
 public:
  struct Record {
    std::string key;
    std::string value;
  };

  // The flow's cluster aliases and the writer's name (the task's "<flow>#<n>").
  OffsetSyncEmitter(std::string source_alias, std::string target_alias, std::string writer);

  // The log topic on the target.
  const std::string& topic() const { return topic_; }

  // The record for `run`. `routes` give the remote topic (empty when the source topic is no
  // longer routed) and the clusters' ids; `written_at_ms` is the wall clock.
  Record Build(const offsets::OffsetSyncRun& run, const RouteTable& routes, int64_t written_at_ms) const;

 private:
  const std::string source_alias_;
  const std::string target_alias_;
  const std::string writer_;
  const std::string topic_;
};

}  // namespace kmirror::replication
