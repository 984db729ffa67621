// CheckpointStore: the latest checkpoint per (flow, group, partition), in memory, as read back
// from "<source alias>.checkpoints.internal" on the target (the topic is compacted, so
// re-reading it after a restart restores the same state). The checkpoint emitter consults it
// so checkpoints never go backwards across restarts; the gRPC API lists and streams it, and
// falls back to it when the source cluster cannot be reached during a failover.
//
// Threads: Put is called by the flow's state reader thread; every other method from any
// thread (internally locked). WaitForChanges blocks its caller, never a writer.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "kmirror/common/types.h"
#include "kmirror/offsets/offset_index.h"

namespace kmirror::offsets {

struct CheckpointRecord {
  FlowKey flow;
  std::string group;
  std::string source_topic;
  std::string target_topic;  // the topic named in the record's key (MM2's layout)
  Partition partition{0};
  SourceOffset upstream{-1};    // the group's committed offset on the source
  TargetOffset downstream{-1};  // its translation on the target
  std::string metadata;
  int64_t written_at_ms = 0;  // timestamp of the checkpoint record
  uint64_t seq = 0;           // store-wide change counter; set by Put
};

class CheckpointStore {
 public:
  // Stores `record` as the latest for its (flow, group, source topic, partition) and wakes
  // watchers. Returns the sequence number it got.
  uint64_t Put(CheckpointRecord record);

  // The latest checkpoints of `flow`; empty `group` / `source_topic` match everything.
  std::vector<CheckpointRecord> List(const FlowKey& flow, const std::string& group = "",
                                     const std::string& source_topic = "") const;
  std::optional<CheckpointRecord> Get(const FlowKey& flow, const std::string& group,
                                      const TopicPartition& source) const;

  // Checkpoints of `flow` (and `group`, unless empty) stored with seq > `after_seq`; waits up
  // to `timeout` for the first one. Returns at once when Close() was called.
  std::vector<CheckpointRecord> WaitForChanges(const FlowKey& flow, const std::string& group, uint64_t after_seq,
                                               std::chrono::milliseconds timeout) const;
  // The highest seq handed out so far (0: nothing stored).
  uint64_t LastSeq() const;

  // The reader has read the checkpoints topic up to the end it saw at start-up: until then
  // the store may lack checkpoints that exist.
  void MarkLoaded(const FlowKey& flow);
  bool IsLoaded(const FlowKey& flow) const;

  // Wakes and releases every waiter (shutdown).
  void Close();

 private:
  using Key = std::tuple<FlowKey, std::string, std::string, int32_t>;  // flow, group, topic, partition
  mutable std::mutex mu_;
  mutable std::condition_variable changed_;
  std::map<Key, CheckpointRecord> latest_;
  std::set<FlowKey> loaded_;
  uint64_t seq_ = 0;
  bool closed_ = false;
};

}  // namespace kmirror::offsets
