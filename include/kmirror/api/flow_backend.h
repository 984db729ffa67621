// What the gRPC API needs from the rest of the process for one flow it serves: the shared
// offset index, the flow's checkpoints, a way to read a group's committed offsets on the
// source cluster, and a snapshot of the flow's runtime state. The app builds one per flow;
// the API holds no Kafka clients of its own.
//
// Threads: every member is safe to call from any gRPC handler thread; the callbacks block
// their caller (read_source_group up to its own timeout, a few seconds at most).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "kmirror/common/partition_problems.h"
#include "kmirror/common/status.h"
#include "kmirror/common/types.h"
#include "kmirror/kafka/groups.h"
#include "kmirror/offsets/checkpoint_store.h"
#include "kmirror/offsets/offset_index.h"

namespace kmirror::api {

// A snapshot of what a flow's state reader last observed. -1 / 0 where unknown.
struct FlowRuntime {
  // End offset per partition of the flow's offset-sync log, as last seen on the target.
  std::map<int32_t, int64_t> log_end;
  // End offset (high watermark) per mirrored source partition, as last seen on the source,
  // and when that was (local clock, ms since the epoch).
  std::map<TopicPartition, int64_t> source_end;
  int64_t source_end_seen_at_ms = 0;
  // The newest heartbeat of this flow that arrived on the target: its timestamp (written on
  // the source) and when the reader saw it (local clock).
  int64_t last_heartbeat_ms = 0;
  int64_t last_heartbeat_seen_at_ms = 0;
  // Partitions this process's tasks stopped on a record the target cannot take, and the
  // records they wrote to the dead-letter topic instead (the flow's PartitionProblems).
  std::vector<StoppedPartition> stopped;
  uint64_t dead_lettered = 0;
};

// The flow's kmirror cluster as Kafka's groups describe it (docs/cluster.md): the nodes that
// are members of the flow's consumer group on the source, and which node's duty consumer
// holds partition 0 of the duty topic on the target.
struct ClusterNode {
  std::string node_id;  // from the member ids; "?" for a member kmirror did not name
  std::string host;
  int tasks = 0;       // members of the flow's group
  int partitions = 0;  // source partitions assigned to them
  bool holds_duties = false;
  bool in_duty_group = false;
};

struct ClusterView {
  std::vector<ClusterNode> nodes;  // by node id
  std::string duty_holder;         // empty: none right now
  std::string error;               // why part of the view is missing (a cluster unreachable)
};

struct FlowBackend {
  offsets::FlowKey flow;
  std::string node_id;                                    // the node serving the API
  const offsets::OffsetIndex* index = nullptr;            // shared; outlives the server
  const offsets::CheckpointStore* checkpoints = nullptr;  // shared; outlives the server
  // The group's committed offsets on the source cluster: NotFound for an unknown group,
  // Unavailable (retriable) when the source cannot be reached.
  std::function<Result<std::vector<kafka::GroupOffset>>(const std::string& group)> read_source_group;
  std::function<FlowRuntime()> runtime;
  // The cluster view (blocks up to a few seconds: two group descriptions) and whether this
  // node holds the flow's duties now. Unset: not reported.
  std::function<ClusterView()> cluster;
  std::function<bool()> duties_held_here;
};

}  // namespace kmirror::api
