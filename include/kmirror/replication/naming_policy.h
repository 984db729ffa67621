// How a source topic is named on the target, and how a target topic's origin is read back
// from its name. Behaves like MM2's DefaultReplicationPolicy ("prefix") and
// IdentityReplicationPolicy ("identity") so mixed MM2/kmirror deployments agree on names.
// Stateless after construction; safe to share between threads.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "kmirror/config/mirror_config.h"

namespace kmirror::replication {

class NamingPolicy {
 public:
  virtual ~NamingPolicy() = default;
  // The name of `topic` from cluster `source_alias` on the target.
  virtual std::string RemoteTopic(std::string_view source_alias, std::string_view topic) const = 0;
  // The alias of the cluster `topic` was mirrored from, when its name says so.
  virtual std::optional<std::string> TopicSource(std::string_view topic) const = 0;
  // `topic` without its source prefix, when it has one.
  virtual std::optional<std::string> UpstreamTopic(std::string_view topic) const = 0;

  // MM2's heartbeats topic, which keeps its prefix even under identity naming.
  static constexpr std::string_view kHeartbeats = "heartbeats";
  // Kafka's and Connect's internal topics, and MM2/kmirror bookkeeping topics (also those
  // ending in "<internal separator>internal", MM2's isMM2InternalTopic): never mirrored.
  bool IsInternalTopic(std::string_view topic) const;
  bool IsHeartbeatsTopic(std::string_view topic) const;
  // True when mirroring `topic` from `source_alias` to `target_alias` would send records
  // back to a cluster they came from, as far as topic names tell (MM2's isCycle).
  bool IsCycle(std::string_view topic, std::string_view target_alias) const;

 protected:
  NamingPolicy(std::string separator, const std::string& internal_separator)
      : separator_(std::move(separator)), internal_suffix_(internal_separator + "internal") {}
  std::string RemoteWithPrefix(std::string_view source_alias, std::string_view topic) const;
  std::optional<std::string> SourceFromPrefix(std::string_view topic) const;
  std::optional<std::string> UpstreamFromPrefix(std::string_view topic) const;
  std::string separator_;
  std::string internal_suffix_;
};

// `internal_separator`: the separator of MM2's internal topic names (FlowConfig::internal_separator).
std::unique_ptr<NamingPolicy> MakeNamingPolicy(config::RemoteTopicNaming kind, const std::string& separator,
                                               const std::string& internal_separator = ".");

}  // namespace kmirror::replication
