// MirrorMaker 2's record formats, byte for byte, so that Java clients keep working:
// RemoteClusterUtils.translateOffsets (MirrorClient) reads checkpoints that kmirror writes
// to "<source alias>.checkpoints.internal" (CheckpointsTopic) on the target cluster.
//
// Layouts (Kafka protocol types, big-endian; STRING = int16 length + UTF-8 bytes, at most
// 32767 bytes, never null), as in MM2 3.8.1's org.apache.kafka.connect.mirror classes:
//   Checkpoint key:    group STRING, topic STRING, partition INT32
//   Checkpoint value:  version INT16 (= 0), upstreamOffset INT64, offset INT64,
//                      metadata STRING
//   OffsetSync key:    topic STRING, partition INT32
//   OffsetSync value:  upstreamOffset INT64, offset INT64
// In a checkpoint the topic is the one on the cluster the checkpoint is written to (the
// remote topic, e.g. "A.orders"), the upstream offset is the group's committed offset on
// the source and `offset` its translation on the target.
//
// Stateless functions; safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "kmirror/common/status.h"
#include "kmirror/common/types.h"

namespace kmirror::wire::mm2 {

// MirrorMaker 2's checkpoint topic for checkpoints of groups on `source_alias`
// (DefaultReplicationPolicy and IdentityReplicationPolicy agree on it):
// "<alias><sep>checkpoints<sep>internal", where <sep> is the flow's internal-topic separator
// (config::FlowConfig::internal_separator; "." by default).
std::string CheckpointsTopic(std::string_view source_alias, std::string_view internal_separator = ".");

struct CheckpointKey {
  std::string group;
  std::string topic;
  Partition partition;
  bool operator==(const CheckpointKey&) const = default;
};

struct CheckpointValue {
  SourceOffset upstream_offset;
  TargetOffset downstream_offset;
  std::string metadata;
  bool operator==(const CheckpointValue&) const = default;
};

// InvalidArgument when a string is longer than Kafka's STRING type allows (32767 bytes).
Result<std::string> EncodeCheckpointKey(std::string_view group, std::string_view topic, Partition partition);
Result<std::string> EncodeCheckpointValue(SourceOffset upstream_offset, TargetOffset downstream_offset,
                                          std::string_view metadata);

// InvalidArgument for truncated input, negative string lengths or (value) a version other
// than 0. Trailing bytes are ignored, as MM2 does.
Result<CheckpointKey> DecodeCheckpointKey(std::string_view bytes);
Result<CheckpointValue> DecodeCheckpointValue(std::string_view bytes);

struct OffsetSyncKey {
  std::string topic;
  Partition partition;
  bool operator==(const OffsetSyncKey&) const = default;
};

struct OffsetSyncValue {
  SourceOffset upstream_offset;
  TargetOffset downstream_offset;
  bool operator==(const OffsetSyncValue&) const = default;
};

Result<std::string> EncodeOffsetSyncKey(std::string_view topic, Partition partition);
std::string EncodeOffsetSyncValue(SourceOffset upstream_offset, TargetOffset downstream_offset);
Result<OffsetSyncKey> DecodeOffsetSyncKey(std::string_view bytes);
Result<OffsetSyncValue> DecodeOffsetSyncValue(std::string_view bytes);

}  // namespace kmirror::wire::mm2
