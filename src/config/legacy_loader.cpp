// LoadLegacy: MirrorMaker 1's command line -> one MirrorConfig flow "source"->"target".
//
// MM1 (kafka.tools.MirrorMaker, removed in Kafka 4.0) ran --num.streams consumers in one group
// (the consumer file's group.id) subscribed to the --whitelist/--include pattern, and one
// producer writing every record to the same topic name on the target. kmirror keeps those
// semantics (identity naming, the group's committed offsets, the consumer file's
// auto.offset.reset with the Java default "latest") and fixes MM1's pitfall: remote topics are
// created with the source's partition count instead of being auto-created by the target
// broker, with the target broker's default replication factor (MM1 had no setting for it).
#include <algorithm>

#include "config/client_props.h"
#include "config/diagnostics.h"
#include "config/java_regex.h"
#include "config/properties.h"
#include "config/value_parsers.h"
#include "kmirror/common/logging.h"
#include "kmirror/common/strings.h"
#include "kmirror/config/mirror_config.h"
#include "kmirror/config/overrides.h"
#include "kmirror/config/settings.h"

namespace kmirror::config {
namespace {

constexpr const char* kSource = "source";
constexpr const char* kTarget = "target";

// MM1's TopicFilter normalisation: commas become alternatives, blanks vanish, and quotes that
// survived the shell ("'.*'") are stripped from both ends.
std::string NormaliseWhitelist(const std::string& raw) {
  std::string s = Trim(raw, " \t\r\n");
  std::replace(s.begin(), s.end(), ',', '|');
  s.erase(std::remove(s.begin(), s.end(), ' '), s.end());
  return Trim(s, "\"'");
}

JavaClientProps AllOf(const Properties& props) {
  JavaClientProps java;
  for (const auto& e : props.entries()) java[e.key] = {e.value, Origin{props.file(), e.line, e.key}};
  return java;
}

JavaClientProps ClusterPartOf(const Properties& props) {
  JavaClientProps java;
  for (const auto& e : props.entries()) {
    if (IsClusterClientProperty(e.key)) java[e.key] = {e.value, Origin{props.file(), e.line, e.key}};
  }
  return java;
}

std::optional<Properties> Read(const std::string& path, const std::string& flag, Diagnostics& diag) {
  if (path.empty()) {
    diag.Problem(Origin{"", 0, flag}, "is required: the path of a properties file");
    return std::nullopt;
  }
  auto props = ReadPropertiesFile(path);
  if (!props.ok()) {
    diag.FileProblem(path, flag, props.status());
    return std::nullopt;
  }
  for (const auto& dup : props->duplicates()) {
    diag.Warning(Origin{path, dup.line, dup.key},
                 "defined again (first at line " + std::to_string(dup.first_line) + "); the last definition wins");
  }
  return std::move(props).value();
}

}  // namespace

MirrorConfig LoadLegacy(const LegacyArgs& args) { return LoadLegacy(args, {}); }

MirrorConfig LoadLegacy(const LegacyArgs& args, const std::vector<ConfigOverride>& overrides) {
  Diagnostics diag;
  std::string node_id;
  std::string log_format = "text";
  for (const ConfigOverride& o : overrides) {
    if (o.key == "log.format") {  // KMIRROR_SET_LOG_FORMAT: the log format is the process's, not MM1's
      if (logging::ParseFormat(o.value))
        log_format = o.value;
      else
        diag.Problem(Origin{o.origin, 0, o.key}, "must be text or json");
      continue;
    }
    if (o.key != "node.id") {
      diag.Problem(Origin{o.origin, 0, o.key},
                   "only node.id and log.format can be set per node on a MirrorMaker 1 command line");
      continue;
    }
    if (std::string why = CheckNodeId(o.value); !why.empty()) {
      diag.Problem(Origin{o.origin, 0, o.key}, why);
      continue;
    }
    node_id = o.value;
  }
  if (node_id.empty()) node_id = DefaultNodeId();
  if (args.num_streams < 1) {
    diag.Problem(Origin{"", 0, "--num.streams"}, "must be at least 1, got " + std::to_string(args.num_streams));
  }
  std::string whitelist = NormaliseWhitelist(args.whitelist);
  if (whitelist.empty()) {
    diag.Problem(Origin{"", 0, "--whitelist"},
                 "is required (--whitelist or --include): a Java regex of the topics to mirror, e.g. \".*\"");
  } else if (Status s = CheckJavaRegex(whitelist); !s.ok()) {
    diag.Problem(Origin{"", 0, "--whitelist"}, s.message());
  }
  auto consumer_file = Read(args.consumer_config, "--consumer.config", diag);
  auto producer_file = Read(args.producer_config, "--producer.config", diag);

  MirrorConfig config;
  config.node_id = node_id;
  config.log_format = log_format;
  config.origin = "MirrorMaker 1 command line (--consumer.config " + args.consumer_config + ", --producer.config " +
                  args.producer_config + ")";
  if (consumer_file && producer_file) {
    FlowConfig f;
    f.node_id = node_id;
    f.source = kSource;
    f.target = kTarget;
    f.topics = {whitelist};
    // MM1's Java consumer skipped internal topics (exclude.internal.topics=true); with identity
    // naming, mirroring them would write into the target's own __consumer_offsets.
    f.topics_exclude = {"__consumer_offsets", "__transaction_state"};
    f.naming = RemoteTopicNaming::kIdentity;
    f.tasks = std::max(1, args.num_streams);
    // MM1 has no such knobs: the registry's defaults.
    f.max_inflight_bytes = *ParseInteger(GetSetting("task.max.inflight.bytes").default_value);
    f.max_inflight_records = *ParseInteger(GetSetting("task.max.inflight.records").default_value);
    f.replication_factor = -1;
    // MM1 saw new topics when its consumers refreshed metadata (metadata.max.age.ms, 5 min by
    // default), and it never copied topic configurations or ACLs.
    f.refresh_topics_interval = std::chrono::minutes(5);
    if (const PropertyEntry* age = consumer_file->Find("metadata.max.age.ms")) {
      if (auto ms = ParseInteger(age->value); ms && *ms >= 1000)
        f.refresh_topics_interval = std::chrono::milliseconds(*ms);
    }
    f.sync_topic_configs = false;
    f.sync_topic_acls = false;
    f.config_properties_exclude = SplitList(GetSetting("config.properties.exclude").default_value);

    TranslatedClient consumer = TranslateClientProps(AllOf(*consumer_file), ClientRole::kConsumer, diag);
    f.source_consumer = std::move(consumer.props);
    f.start_position = consumer.start_position.value_or(StartPosition::kLatest);
    if (consumer.group_id && !consumer.group_id->value.empty()) {
      f.group_id = consumer.group_id->value;
    } else {
      f.group_id = "kmirror-source-target";
      diag.Warning(Origin{consumer_file->file(), 0, "group.id"},
                   "not set (MirrorMaker 1 required it); the flow uses consumer group '" + f.group_id +
                       "'. Set group.id to resume from an existing MirrorMaker group's offsets");
    }
    f.source_admin = TranslateClientProps(ClusterPartOf(*consumer_file), ClientRole::kAdmin, diag).props;
    f.target_producer = TranslateClientProps(AllOf(*producer_file), ClientRole::kProducer, diag).props;
    f.target_admin = TranslateClientProps(ClusterPartOf(*producer_file), ClientRole::kAdmin, diag).props;

    for (const auto& [alias, file] : {std::pair{kSource, &*consumer_file}, std::pair{kTarget, &*producer_file}}) {
      JavaClientProps java = ClusterPartOf(*file);
      if (java.find("bootstrap.servers") == java.end()) {
        diag.Problem(Origin{file->file(), 0, "bootstrap.servers"},
                     std::string("is required: the brokers of the ") + alias + " cluster");
      }
      config.clusters.push_back({alias, TranslateClientProps(java, ClientRole::kCluster, diag).props});
    }
    config.flows.push_back(std::move(f));
  }
  ApplyLogSettings(config);
  diag.LogAndThrowIfProblems();
  return config;
}

}  // namespace kmirror::config
