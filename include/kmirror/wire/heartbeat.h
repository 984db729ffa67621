// MM2's heartbeat record format, so MM2's tools (RemoteClusterUtils.upstreamClusters,
// replicationHops) read kmirror's heartbeats unchanged:
//   key   = STRING source alias, STRING target alias   (STRING: int16 length + UTF-8)
//   value = INT16 version (0), INT64 timestamp in ms     (big-endian)
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kmirror::wire {

struct Heartbeat {
  std::string source_alias;
  std::string target_alias;
  int64_t timestamp_ms = 0;
};

std::string EncodeHeartbeatKey(std::string_view source_alias, std::string_view target_alias);
std::string EncodeHeartbeatValue(int64_t timestamp_ms);
std::optional<Heartbeat> DecodeHeartbeat(std::string_view key, std::string_view value);

}  // namespace kmirror::wire
