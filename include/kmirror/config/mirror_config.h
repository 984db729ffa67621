// The resolved configuration of a kmirror process: which clusters exist, which flows copy
// between them, and for each flow the exact librdkafka properties of every client it opens.
//
// Two front ends produce it and nothing downstream knows which one did:
//   - LoadMm2Properties: MM2's connect-mirror-maker.properties format;
//   - LoadLegacy: MirrorMaker 1's command line (--consumer.config, --producer.config, ...).
// Both throw ConfigError at start-up, before any cluster is touched; after that the
// configuration is immutable and shared read-only between threads.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "kmirror/config/tls_files.h"

namespace kmirror::config {

// librdkafka property name -> value, already translated from Java client names.
using ClientProps = std::map<std::string, std::string>;

// One problem in the user's input, located as precisely as we can.
struct ConfigProblem {
  std::string file;  // empty for command-line problems
  int line = 0;      // 0 when not tied to a line (e.g. a missing key)
  std::string key;   // the offending key or command-line flag
  std::string message;
  std::string ToString() const;  // "file:line: key: message"
};

// Thrown by the loaders; carries every problem found, not just the first.
class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(std::vector<ConfigProblem> problems);
  const std::vector<ConfigProblem>& problems() const { return problems_; }

 private:
  std::vector<ConfigProblem> problems_;
};

enum class RemoteTopicNaming {
  kPrefix,    // MM2's DefaultReplicationPolicy: "<source alias><separator><topic>"
  kIdentity,  // MM2's IdentityReplicationPolicy: the same name as on the source
};

// What to do with partitions the flow's consumer group has no committed offset for.
enum class StartPosition { kEarliest, kLatest };

// What a task does with a record the target refuses by itself (undeliverable.records).
enum class UndeliverableRecords {
  kStop,        // the partition stops at the record (reported in the status API)
  kDeadLetter,  // the record goes to the flow's dead-letter topic; the partition goes on
};

// What a task does when the target no longer holds the copy the offset-sync log describes
// (target.history.change): the remote topic was recreated, or the target replaced.
enum class TargetHistoryChange {
  kReseed,  // the partition is mirrored again from the source's first record
  kStop,    // the partition stops with an error (reported in the status API)
};

struct FlowConfig {
  // This process's node id (MirrorConfig::node_id), copied into each flow so that its clients
  // carry it (client ids, static group membership: docs/cluster.md).
  std::string node_id;
  std::string source;  // cluster alias
  std::string target;  // cluster alias
  std::string Name() const { return source + "->" + target; }

  // Topic selection: a topic is mirrored when it fully matches one of `topics` and none of
  // `topics_exclude` (RE2 syntax, each entry a whole-name match as Java's matches()).
  std::vector<std::string> topics;
  std::vector<std::string> topics_exclude;

  RemoteTopicNaming naming = RemoteTopicNaming::kPrefix;
  std::string separator = ".";
  // The separator in the names of MM2's internal topics (`<source><sep>checkpoints<sep>internal`):
  // `separator`, or "." with replication.policy.internal.topic.separator.enabled = false.
  std::string internal_separator = ".";

  int tasks = 1;  // consumer/producer pairs (tasks.max, --num.streams)
  // Per task: records read from the source and not yet acknowledged by the target (plus
  // prefetched ones) at which the task pauses reading (task.max.inflight.*).
  int64_t max_inflight_bytes = 16 << 20;
  int64_t max_inflight_records = 20000;
  int replication_factor = -1;  // for created remote topics; -1 = the target broker default
  // Whether to look for new topics every refresh_topics_interval; when false
  // (refresh.topics.enabled=false) the flow's topics are those selected by its first
  // successful listing of the source (replication/topic_plan.h, FixedTopicSet).
  bool refresh_topics = true;
  std::chrono::milliseconds refresh_topics_interval{std::chrono::seconds(600)};
  bool sync_topic_configs = true;
  std::chrono::milliseconds sync_topic_configs_interval{std::chrono::seconds(600)};
  // MM2's topic ACL sync (replication/acl_sync.h): a duty, every sync_topic_acls_interval.
  bool sync_topic_acls = true;
  std::chrono::milliseconds sync_topic_acls_interval{std::chrono::seconds(600)};
  // Topic config names (regexes) never copied to the target (config.properties.exclude).
  std::vector<std::string> config_properties_exclude;

  // Heartbeats written to the source's `heartbeats` topic and mirrored with the data.
  bool emit_heartbeats = false;
  std::chrono::milliseconds heartbeats_interval{std::chrono::seconds(1)};
  int heartbeats_replication_factor = 3;
  // heartbeats.replication.enabled: heartbeats topics are mirrored even when `topics` does not
  // select them (MM2's shouldReplicateTopic); false leaves them to the filter alone.
  bool heartbeats_replication = true;
  // Longest provenance path (clusters a record has been on) the flow still copies; 0: any.
  int max_hops = 0;
  UndeliverableRecords undeliverable = UndeliverableRecords::kStop;
  TargetHistoryChange history_change = TargetHistoryChange::kReseed;
  std::string dead_letter_topic;  // on the target; empty: DeadLetterTopic()'s default
  std::string DeadLetterTopic() const {
    return dead_letter_topic.empty() ? "kmirror-dead-letter." + source + ".internal" : dead_letter_topic;
  }

  // Checkpoints of source consumer groups (offsets/checkpoint_emitter.h).
  bool emit_checkpoints = false;
  std::chrono::milliseconds checkpoints_interval{std::chrono::seconds(60)};
  int checkpoints_replication_factor = 3;
  std::vector<std::string> groups{".*"};  // RE2, whole-name match, as `topics`
  std::vector<std::string> groups_exclude;
  // refresh.groups.*: whether the source's group list is read again after the first round,
  // and how often; 0 (refresh.groups.interval.seconds not written): at every checkpoint round.
  bool refresh_groups = true;
  std::chrono::milliseconds refresh_groups_interval{0};
  bool sync_group_offsets = false;
  std::chrono::milliseconds sync_group_offsets_interval{std::chrono::seconds(60)};

  std::string group_id;  // the flow's consumer group on the source cluster
  StartPosition start_position = StartPosition::kEarliest;

  // Fully resolved librdkafka client properties (bootstrap.servers, security, overrides),
  // translated from Java names and checked by librdkafka (src/config/client_props.h). The
  // loaders never put group.id, enable.auto.commit, enable.auto.offset.store, auto.offset.reset,
  // isolation.level, acks, enable.idempotence, transactional or partitioner settings here:
  // the engine owns those (kafka/engine_props.h), and the kafka wrappers set them.
  ClientProps source_consumer;
  ClientProps source_admin;
  ClientProps target_producer;
  ClientProps target_admin;
};

struct ClusterConfig {
  std::string alias;
  ClientProps client;  // the cluster's common client properties (bootstrap.servers, security)
};

struct MirrorConfig {
  std::string origin;  // file or command line it came from, for log lines
  // Who this process is in a kmirror cluster (node.id; default: the host name). Shown in
  // logs, the status API and client ids; the flows' static group members are named by it.
  std::string node_id;
  std::vector<ClusterConfig> clusters;
  std::vector<FlowConfig> flows;  // enabled flows only
  // The gRPC API's address ("host:port"); empty: no API.
  std::string api_listen;
  // TLS of the gRPC API (api.tls.*), read and checked at load: no certificate means
  // plaintext; a client CA means mutual TLS. PEM text, never logged.
  TlsPem api_tls;
  // api.watch.max.streams: concurrent WatchCheckpoints streams served.
  int api_watch_max_streams = 16;
  // The metrics/health endpoint's address ("host:port"); empty: none (docs/metrics.md).
  std::string metrics_listen;
  bool metrics_partition_series = false;
  // librdkafka's statistics.interval.ms for the flow tasks' clients (0: off); used only
  // with metrics_listen (docs/metrics.md, "librdkafka").
  std::chrono::milliseconds metrics_librdkafka_interval{15000};
  // log.format: "text" or "json" (common/logging.h); the loaders apply it.
  std::string log_format = "text";
  // The offset index's directory; empty: no index (and then no checkpoints or API).
  std::string offsets_index_dir;
  // How long a stop may take before the process gives up draining (main.cpp).
  std::chrono::seconds shutdown_timeout{60};
};

// Reads MM2's connect-mirror-maker.properties. Throws ConfigError listing every problem.
// Keys that only matter to MM2's internals are accepted and logged once at info level;
// unknown keys are logged as warnings naming the key. Every key, its default and how it
// resolves is in docs/configuration.md, generated from config/settings.h.
MirrorConfig LoadMm2Properties(const std::string& path);

// A setting given for this node only, on the command line (`--set key=value`, `--node-id`)
// or in the environment (KMIRROR_SET_<KEY>, KMIRROR_NODE_ID): it replaces the file's value,
// so every node of a cluster can share one file (config/overrides.h builds them).
struct ConfigOverride {
  std::string key;
  std::string value;
  std::string origin;  // "--set", "--node-id", "environment variable KMIRROR_SET_API_LISTEN"; named in messages
};

// The file with `overrides` applied on top (later ones win), validated like the file's own
// lines; a problem in an override names its flag or variable.
MirrorConfig LoadMm2Properties(const std::string& path, const std::vector<ConfigOverride>& overrides);

// MirrorMaker 1's command line, already split into its flags.
struct LegacyArgs {
  std::string consumer_config;  // path of the consumer properties file
  std::string producer_config;  // path of the producer properties file
  int num_streams = 1;
  std::string whitelist;  // --whitelist or --include: a Java regex
};

// The log settings of `config` for the whole process (log.format, and node.id as the JSON
// lines' node field): the loaders call it before they log the configuration's notes, so that
// those are in the chosen format too. A format that is not text or json is left alone (the
// loader reports it).
void ApplyLogSettings(const MirrorConfig& config);

// One flow "source"->"target" with identity naming; group.id and auto.offset.reset come
// from the consumer file. Throws ConfigError.
MirrorConfig LoadLegacy(const LegacyArgs& args);
// The same with per-node overrides; only node.id applies to a legacy command line (any
// other key is a problem).
MirrorConfig LoadLegacy(const LegacyArgs& args, const std::vector<ConfigOverride>& overrides);

}  // namespace kmirror::config
