// LoadMm2Properties: MM2's connect-mirror-maker.properties -> MirrorConfig.
//
// Keys come in three shapes, told apart the way MM2 does by the cluster aliases:
//   "<source>-><target>.<setting>"  per flow
//   "<alias>.<setting>"             per cluster
//   "<setting>"                     top level (the default for every flow)
// A flow setting resolves "A->B.key" over "key" over the registry default. Client properties
// resolve as MM2 3.8.1 builds its clients (MirrorMakerConfig.clusterProps / connectorBaseConfig
// and MirrorConnectorConfig.*Config), from highest to lowest precedence, for the consumer
// (source cluster A) of flow A->B:
//   A->B.source.consumer.x  >  A.consumer.x  >  A.x  >  x  >  A->B.consumer.x
// where A.x and x count only for cluster-level properties (bootstrap.servers,
// security.protocol, ssl.*, sasl.*). Source admin: the same with "admin"; target admin: the
// same on B with "target.admin"; producer: A->B.producer.override.x > B.producer.x > B.x > x >
// A->B.producer.x.
#include <algorithm>
#include <set>
#include <thread>

#include "config/client_props.h"
#include "config/config_providers.h"
#include "config/diagnostics.h"
#include "config/properties.h"
#include "config/value_parsers.h"
#include "kmirror/common/strings.h"
#include "kmirror/config/mirror_config.h"
#include "kmirror/config/overrides.h"
#include "kmirror/config/settings.h"
#include "kmirror/config/tls_files.h"

namespace kmirror::config {
namespace {

const std::string kIdentityPolicy = "org.apache.kafka.connect.mirror.IdentityReplicationPolicy";

using KeyMap = std::map<std::string, const PropertyEntry*>;

struct Resolved {
  std::string value;
  Origin origin;
  bool is_set = false;  // written in the file, not the default
};

bool StartsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

std::string Join(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& i : items) s += (s.empty() ? "" : ", ") + i;
  return s;
}

bool SameValue(const std::string& a, const std::string& b) {
  auto ba = ParseBool(a);
  auto bb = ParseBool(b);
  return ba && bb ? *ba == *bb : a == b;
}

class Mm2Loader {
 public:
  Mm2Loader(const Properties& props, Diagnostics& diag) : props_(props), diag_(diag) {}

  MirrorConfig Load() {
    for (const auto& dup : props_.duplicates()) {
      diag_.Warning(Origin{props_.file(), dup.line, dup.key},
                    "defined again (first at line " + std::to_string(dup.first_line) + "); the last definition wins");
    }
    ReadClusters();
    Classify();
    CheckTopLevelKeys();
    CheckClusterKeys();
    CheckFlowKeys();

    MirrorConfig config;
    config.origin = props_.file();
    for (const auto& s : aliases_) {
      for (const auto& t : aliases_) {
        if (s == t) continue;
        Resolved enabled = Resolve(s, t, "enabled");
        if (ParseBool(enabled.value).value_or(false)) config.flows.push_back(BuildFlow(s, t));
      }
    }
    if (config.flows.empty() && !aliases_.empty()) {
      diag_.Problem(Origin{props_.file(), 0, ""},
                    "no replication flow is enabled: flows are off by default (as in MM2); add e.g. '" + aliases_[0] +
                        "->" + (aliases_.size() > 1 ? aliases_[1] : "B") + ".enabled = true'");
    }
    config.node_id = TopLevel("node.id");
    if (config.node_id.empty()) config.node_id = DefaultNodeId();
    for (auto& f : config.flows) f.node_id = config.node_id;
    config.api_listen = TopLevel("api.listen");
    LoadApiTls(config);
    config.api_watch_max_streams = static_cast<int>(ParseInteger(TopLevel("api.watch.max.streams")).value_or(16));
    config.offsets_index_dir = TopLevel("offsets.index.dir");
    config.metrics_listen = TopLevel("metrics.listen");
    config.metrics_partition_series = ParseBool(TopLevel("metrics.partition.series")).value_or(false);
    config.metrics_librdkafka_interval =
        std::chrono::milliseconds(ParseInteger(TopLevel("metrics.librdkafka.interval.ms")).value_or(15000));
    config.log_format = TopLevel("log.format");
    config.shutdown_timeout = std::chrono::seconds(ParseInteger(TopLevel("shutdown.timeout.seconds")).value_or(60));
    BuildClusters(config);
    CheckGroupCollisions(config);
    CheckIdentityLoops(config);
    CheckAliasSeparators(config);
    return config;
  }

 private:
  Origin At(const PropertyEntry& e) const { return Origin{e.origin.empty() ? props_.file() : e.origin, e.line, e.key}; }

  void ReadClusters() {
    const PropertyEntry* e = props_.Find("clusters");
    if (e == nullptr) {
      diag_.Problem(Origin{props_.file(), 0, "clusters"},
                    "is required: list the cluster aliases, e.g. 'clusters = A, B'");
      return;
    }
    for (const auto& alias : SplitList(e->value)) {
      if (std::find(aliases_.begin(), aliases_.end(), alias) != aliases_.end()) {
        diag_.Warning(At(*e), "lists '" + alias + "' twice");
        continue;
      }
      if (!std::all_of(alias.begin(), alias.end(), IsTopicNameChar)) {
        diag_.Problem(At(*e), "alias '" + alias +
                                  "' may only contain ASCII letters, digits, '.', '_' and '-' "
                                  "(it becomes part of remote topic names)");
        continue;
      }
      aliases_.push_back(alias);
    }
    if (aliases_.empty() && SplitList(e->value).empty()) {
      diag_.Problem(At(*e), "is empty: list the cluster aliases, e.g. 'clusters = A, B'");
    }
  }

  // The longest alias `key` starts with, followed by '.', or "" (aliases may contain dots).
  std::string AliasPrefix(std::string_view key) const {
    std::string best;
    for (const auto& a : aliases_) {
      if (key.size() > a.size() + 1 && StartsWith(key, a) && key[a.size()] == '.' && a.size() > best.size()) best = a;
    }
    return best;
  }

  void Classify() {
    for (const auto& e : props_.entries()) {
      const std::string& key = e.key;
      if (key == "clusters") continue;
      if (key.empty()) {
        diag_.Warning(At(e), "a line without a key; ignored");
        continue;
      }
      size_t arrow = key.find("->");
      if (arrow != std::string::npos) {
        ClassifyFlowKey(e, arrow);
        continue;
      }
      std::string alias = AliasPrefix(key);
      std::string rest = alias.empty() ? "" : key.substr(alias.size() + 1);
      // An alias may equal the first part of a top-level name ("source.cluster.alias" with a
      // cluster called "source"): a key is a cluster key when its rest means something for a
      // cluster, else a top-level key when it means something there.
      if (!alias.empty() && FindSetting(rest, kPerCluster) != nullptr) {
        cluster_keys_[alias][rest] = &e;
      } else if (FindSetting(key, kTopLevel) != nullptr || alias.empty()) {
        top_keys_[key] = &e;
      } else {
        cluster_keys_[alias][rest] = &e;
      }
    }
  }

  void ClassifyFlowKey(const PropertyEntry& e, size_t arrow) {
    std::string source = e.key.substr(0, arrow);
    std::string rest = e.key.substr(arrow + 2);
    std::string clusters_hint = aliases_.empty() ? "" : " (clusters: " + Join(aliases_) + ")";
    if (std::find(aliases_.begin(), aliases_.end(), source) == aliases_.end()) {
      diag_.Problem(At(e), "names cluster '" + source + "', which is not listed in 'clusters'" + clusters_hint);
      return;
    }
    std::string target = AliasPrefix(rest);
    if (target.empty()) {
      std::string named = rest.substr(0, rest.find('.'));
      diag_.Problem(At(e), "names cluster '" + named + "', which is not listed in 'clusters'" + clusters_hint);
      return;
    }
    if (target == source) {
      diag_.Problem(At(e), "a flow needs two different clusters");
      return;
    }
    flow_keys_[{source, target}][rest.substr(target.size() + 1)] = &e;
  }

  // Validates a registered setting's value and says what kmirror does with it.
  void Check(const SettingSpec& spec, const PropertyEntry& e) {
    Origin at = At(e);
    if (spec.type != SettingType::kClientProperties) {
      Status s = ValidateSetting(spec, e.value);
      if (!s.ok()) {
        diag_.Problem(at, s.message());
        invalid_.insert(&e);
        return;
      }
    }
    if (!spec.alias_of.empty()) diag_.Info(at, "deprecated spelling of " + spec.alias_of);
    switch (spec.status) {
      case SettingStatus::kSupported:
        break;
      case SettingStatus::kNotNeeded:
        diag_.Info(at, "accepted; not needed by kmirror: " + spec.help);
        break;
      case SettingStatus::kPlanned:
        if (!spec.kmirror_value.empty() && SameValue(e.value, spec.kmirror_value)) {
          diag_.Info(at, "kmirror does not do this yet, which is what this value asks for: " + spec.help);
        } else {
          diag_.Warning(at, "accepted but not implemented yet: " + spec.help);
        }
        break;
    }
  }

  void Unknown(const PropertyEntry& e, std::string_view setting, Scope scope, std::string advice) {
    auto suggestions = SuggestSettings(setting, scope);
    if (!suggestions.empty())
      advice += (advice.empty() ? "" : "; ") + std::string("did you mean ") + Join(suggestions) + "?";
    const std::string what = advice.empty() ? std::string() : " (" + advice + ")";
    // A per-node override was typed for this start: a typo must not be silently ignored.
    if (!e.origin.empty()) {
      diag_.Problem(At(e), "unknown setting" + what);
      return;
    }
    diag_.Warning(At(e), "unknown setting, ignored" + what);
  }

  void CheckTopLevelKeys() {
    for (const auto& [key, e] : top_keys_) {
      if (const SettingSpec* spec = FindSetting(key, kTopLevel)) {
        Check(*spec, *e);
      } else if (StartsWith(key, "consumer.") || StartsWith(key, "producer.") || StartsWith(key, "admin.")) {
        diag_.Warning(At(*e), "MM2 ignores client overrides without a cluster prefix; write <alias>." + key +
                                  " (or <source>-><target>." + key + "); ignored");
      } else {
        Unknown(*e, key, kTopLevel, "");
      }
    }
  }

  void CheckClusterKeys() {
    for (const auto& [alias, keys] : cluster_keys_) {
      for (const auto& [rest, e] : keys) {
        if (const SettingSpec* spec = FindSetting(rest, kPerCluster)) {
          Check(*spec, *e);
        } else if (FindSetting(rest, kPerFlow) != nullptr) {
          diag_.Warning(At(*e), "'" + rest +
                                    "' is a flow setting, which MM2 ignores after a cluster alias: write it "
                                    "at top level or as " +
                                    alias + "-><target>." + rest + "; ignored");
        } else {
          Unknown(*e, rest, kPerCluster,
                  "after a cluster alias MM2 passes only bootstrap.servers, security.protocol, ssl.* and sasl.* to "
                  "clients; for one client write " +
                      alias + ".consumer." + rest + ", " + alias + ".producer." + rest + " or " + alias + ".admin." +
                      rest);
        }
      }
    }
  }

  void CheckFlowKeys() {
    for (const auto& [flow, keys] : flow_keys_) {
      for (const auto& [rest, e] : keys) {
        if (const SettingSpec* spec = FindSetting(rest, kPerFlow)) {
          Check(*spec, *e);
        } else if (FindSetting(rest, kPerCluster) != nullptr) {
          diag_.Warning(At(*e), "'" + rest + "' is a cluster setting, which MM2 ignores after a flow: write " +
                                    flow.first + "." + rest + " or " + flow.second + "." + rest + "; ignored");
        } else {
          Unknown(*e, rest, kPerFlow, "");
        }
      }
    }
  }

  // "A->B.name" over "name"; nullopt when neither is written (or the written one is invalid,
  // which already is a problem).
  std::optional<Resolved> ResolveSet(const std::string& s, const std::string& t, const std::string& name) const {
    auto flow = flow_keys_.find({s, t});
    if (flow != flow_keys_.end()) {
      auto it = flow->second.find(name);
      if (it != flow->second.end() && invalid_.count(it->second) == 0) {
        return Resolved{it->second->value, At(*it->second), true};
      }
    }
    auto top = top_keys_.find(name);
    if (top != top_keys_.end() && invalid_.count(top->second) == 0) {
      return Resolved{top->second->value, At(*top->second), true};
    }
    return std::nullopt;
  }

  // tasks.max when the file does not set it: one task per hardware thread.
  static int DefaultTasks() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

  // A top-level-only setting's value, or its default.
  // api.tls.*: the files are read now, so `kmirror check` and start-up name a bad one (the
  // problem is at the line of the setting that names it).
  void LoadApiTls(MirrorConfig& config) {
    const std::string cert = TopLevel("api.tls.cert.file");
    const std::string key = TopLevel("api.tls.key.file");
    const std::string ca = TopLevel("api.tls.client.ca.file");
    auto at = [&](const std::string& name) {
      const PropertyEntry* e = props_.Find(name);
      return e != nullptr ? At(*e) : Origin{props_.file(), 0, name};
    };
    if (!ca.empty() && cert.empty()) {
      diag_.Problem(at("api.tls.client.ca.file"),
                    "needs api.tls.cert.file and api.tls.key.file: client certificates are only asked for over TLS");
      return;
    }
    auto tls = ReadTlsFiles(cert, key, ca, "api.tls.cert.file", "api.tls.key.file", "api.tls.client.ca.file");
    if (!tls.ok()) {
      // The message starts with the setting it is about.
      const std::string& m = tls.status().message();
      std::string name = "api.tls.cert.file";
      for (const char* n : {"api.tls.key.file", "api.tls.client.ca.file"}) {
        if (m.rfind(n, 0) == 0) name = n;
      }
      diag_.Problem(at(name), m.rfind(name + ": ", 0) == 0 ? m.substr(name.size() + 2) : m);
      return;
    }
    config.api_tls = std::move(tls).value();
  }

  std::string TopLevel(const std::string& name) const {
    const PropertyEntry* e = props_.Find(name);
    return e != nullptr ? e->value : GetSetting(name).default_value;
  }

  Resolved Resolve(const std::string& s, const std::string& t, const std::string& name) const {
    if (auto r = ResolveSet(s, t, name)) return *r;
    return Resolved{GetSetting(name).default_value, Origin{props_.file(), 0, s + "->" + t + "." + name}, false};
  }

  // A setting with a deprecated alias: MM2 takes the new name from any level before the alias.
  Resolved ResolveWithAlias(const std::string& s, const std::string& t, const std::string& name,
                            const std::string& alias) {
    auto current = ResolveSet(s, t, name);
    auto old = ResolveSet(s, t, alias);
    if (current && old) {
      diag_.Warning(old->origin, "ignored because " + current->origin.key + " (line " +
                                     std::to_string(current->origin.line) + ") is set");
    }
    if (current) return *current;
    if (old) return *old;
    return Resolve(s, t, name);
  }

  int64_t ResolveInt(const std::string& s, const std::string& t, const std::string& name) const {
    auto v = ParseInteger(Resolve(s, t, name).value);
    return v.value_or(*ParseInteger(GetSetting(name).default_value));
  }

  bool ResolveBool(const std::string& s, const std::string& t, const std::string& name) const {
    auto v = ParseBool(Resolve(s, t, name).value);
    return v.value_or(*ParseBool(GetSetting(name).default_value));
  }

  FlowConfig BuildFlow(const std::string& s, const std::string& t) {
    FlowConfig f;
    f.source = s;
    f.target = t;
    f.topics = SplitList(Resolve(s, t, "topics").value);
    f.topics_exclude = SplitList(ResolveWithAlias(s, t, "topics.exclude", "topics.blacklist").value);
    f.naming = Resolve(s, t, "replication.policy.class").value == kIdentityPolicy ? RemoteTopicNaming::kIdentity
                                                                                  : RemoteTopicNaming::kPrefix;
    f.separator = Resolve(s, t, "replication.policy.separator").value;
    f.internal_separator =
        ResolveBool(s, t, "replication.policy.internal.topic.separator.enabled") ? f.separator : std::string(".");
    Resolved tasks = Resolve(s, t, "tasks.max");
    f.tasks = tasks.is_set ? static_cast<int>(ParseInteger(tasks.value).value_or(1)) : DefaultTasks();
    f.max_inflight_bytes = ResolveInt(s, t, "task.max.inflight.bytes");
    f.max_inflight_records = ResolveInt(s, t, "task.max.inflight.records");
    f.replication_factor = static_cast<int>(ResolveInt(s, t, "replication.factor"));
    f.refresh_topics = ResolveBool(s, t, "refresh.topics.enabled");
    f.refresh_topics_interval = std::chrono::seconds(ResolveInt(s, t, "refresh.topics.interval.seconds"));
    f.sync_topic_configs = ResolveBool(s, t, "sync.topic.configs.enabled");
    f.sync_topic_configs_interval = std::chrono::seconds(ResolveInt(s, t, "sync.topic.configs.interval.seconds"));
    f.sync_topic_acls = ResolveBool(s, t, "sync.topic.acls.enabled");
    f.sync_topic_acls_interval = std::chrono::seconds(ResolveInt(s, t, "sync.topic.acls.interval.seconds"));
    f.config_properties_exclude =
        SplitList(ResolveWithAlias(s, t, "config.properties.exclude", "config.properties.blacklist").value);

    f.emit_heartbeats = ResolveBool(s, t, "emit.heartbeats.enabled");
    f.heartbeats_interval = std::chrono::seconds(ResolveInt(s, t, "emit.heartbeats.interval.seconds"));
    f.heartbeats_replication_factor = static_cast<int>(ResolveInt(s, t, "heartbeats.topic.replication.factor"));
    f.heartbeats_replication = ResolveBool(s, t, "heartbeats.replication.enabled");
    f.max_hops = static_cast<int>(ResolveInt(s, t, "max.hops"));
    f.undeliverable = Resolve(s, t, "undeliverable.records").value == "dead-letter" ? UndeliverableRecords::kDeadLetter
                                                                                    : UndeliverableRecords::kStop;
    f.dead_letter_topic = Resolve(s, t, "dead.letter.topic").value;
    f.history_change = Resolve(s, t, "target.history.change").value == "stop" ? TargetHistoryChange::kStop
                                                                              : TargetHistoryChange::kReseed;

    f.emit_checkpoints = ResolveBool(s, t, "emit.checkpoints.enabled");
    f.checkpoints_interval = std::chrono::seconds(ResolveInt(s, t, "emit.checkpoints.interval.seconds"));
    f.checkpoints_replication_factor = static_cast<int>(ResolveInt(s, t, "checkpoints.topic.replication.factor"));
    f.groups = SplitList(Resolve(s, t, "groups").value);
    f.groups_exclude = SplitList(ResolveWithAlias(s, t, "groups.exclude", "groups.blacklist").value);
    f.refresh_groups = ResolveBool(s, t, "refresh.groups.enabled");
    // Unset: every checkpoint round (the registry's default_doc); written: as written.
    Resolved refresh_groups = Resolve(s, t, "refresh.groups.interval.seconds");
    if (refresh_groups.is_set) {
      f.refresh_groups_interval = std::chrono::seconds(ParseInteger(refresh_groups.value).value_or(600));
    }
    f.sync_group_offsets = ResolveBool(s, t, "sync.group.offsets.enabled");
    f.sync_group_offsets_interval = std::chrono::seconds(ResolveInt(s, t, "sync.group.offsets.interval.seconds"));

    Resolved group = Resolve(s, t, "flow.group.id");
    f.group_id = group.is_set ? group.value : "kmirror-" + s + "-" + t;
    group_origins_[f.Name()] = group.origin;

    TranslatedClient consumer = TranslateClientProps(ClientJavaProps(s, t, "consumer"), ClientRole::kConsumer, diag_);
    f.source_consumer = std::move(consumer.props);
    f.start_position = consumer.start_position.value_or(StartPosition::kEarliest);
    if (consumer.group_id) {
      diag_.Info(consumer.group_id->origin, "MM2's source consumers use no consumer group; kmirror's group for flow " +
                                                f.Name() + " is '" + f.group_id +
                                                "' (set it with flow.group.id); this group.id is ignored");
    }
    f.source_admin = TranslateClientProps(ClientJavaProps(s, t, "source.admin"), ClientRole::kAdmin, diag_).props;
    f.target_producer = TranslateClientProps(ClientJavaProps(s, t, "producer"), ClientRole::kProducer, diag_).props;
    f.target_admin = TranslateClientProps(ClientJavaProps(s, t, "target.admin"), ClientRole::kAdmin, diag_).props;
    return f;
  }

  // The Java properties of one client of flow s->t, layered lowest precedence first (see the
  // file comment). `client` is consumer, producer, source.admin or target.admin.
  JavaClientProps ClientJavaProps(const std::string& s, const std::string& t, const std::string& client) {
    const bool on_source = client == "consumer" || client == "source.admin";
    const std::string& cluster = on_source ? s : t;
    const std::string role = client == "consumer" ? "consumer." : client == "producer" ? "producer." : "admin.";
    const std::string top_form = client == "consumer"   ? "source.consumer."
                                 : client == "producer" ? "producer.override."
                                                        : client + ".";
    static const KeyMap kEmpty;
    auto flow_it = flow_keys_.find({s, t});
    const KeyMap& flow = flow_it == flow_keys_.end() ? kEmpty : flow_it->second;
    auto cluster_it = cluster_keys_.find(cluster);
    const KeyMap& cluster_keys = cluster_it == cluster_keys_.end() ? kEmpty : cluster_it->second;

    // Routing by the registered family (longest match) keeps "producer.override.x" out of the
    // "producer." layer and "consumer.poll.timeout.ms" (an MM2 setting) out of both.
    auto family_of = [](const std::string& rest, Scope scope) -> std::string {
      const SettingSpec* spec = FindSetting(rest, scope);
      return spec != nullptr && spec->family && spec->type == SettingType::kClientProperties ? spec->name : "";
    };
    JavaClientProps props;
    std::map<std::string, const PropertyEntry*> lowest;  // the flow-level role layer, for shadow warnings
    for (const auto& [rest, e] : flow) {
      if (family_of(rest, kPerFlow) == role && invalid_.count(e) == 0) {
        std::string name = rest.substr(role.size());
        props[name] = {e->value, At(*e)};
        lowest[name] = e;
      }
    }
    auto put = [&](const std::string& name, const PropertyEntry* e) {
      auto shadowed = lowest.find(name);
      if (shadowed != lowest.end()) {
        diag_.Warning(At(*shadowed->second), "overridden by " + e->key + " (line " + std::to_string(e->line) +
                                                 "): MM2 gives " + s + "->" + t + "." + role +
                                                 "* the lowest precedence; write " + s + "->" + t + "." + top_form +
                                                 name + " to override it for this flow");
        lowest.erase(shadowed);
      }
      props[name] = {e->value, At(*e)};
    };
    for (const auto& [key, e] : top_keys_) {
      if (IsClusterClientProperty(key)) put(key, e);
    }
    for (const auto& [rest, e] : cluster_keys) {
      if (IsClusterClientProperty(rest)) put(rest, e);
    }
    for (const auto& [rest, e] : cluster_keys) {
      if (family_of(rest, kPerCluster) == role) put(rest.substr(role.size()), e);
    }
    for (const auto& [rest, e] : flow) {
      if (family_of(rest, kPerFlow) == top_form) put(rest.substr(top_form.size()), e);
    }
    return props;
  }

  // A cluster's connection settings: "<alias>.x" over top-level "x", cluster-level names only.
  JavaClientProps ClusterJavaProps(const std::string& alias) const {
    JavaClientProps props;
    for (const auto& [key, e] : top_keys_) {
      if (IsClusterClientProperty(key)) props[key] = {e->value, At(*e)};
    }
    auto it = cluster_keys_.find(alias);
    if (it != cluster_keys_.end()) {
      for (const auto& [rest, e] : it->second) {
        if (IsClusterClientProperty(rest)) props[rest] = {e->value, At(*e)};
      }
    }
    return props;
  }

  void BuildClusters(MirrorConfig& config) {
    const PropertyEntry* clusters_entry = props_.Find("clusters");
    for (const auto& alias : aliases_) {
      std::vector<std::string> flows;
      for (const auto& f : config.flows) {
        if (f.source == alias || f.target == alias) flows.push_back(f.Name());
      }
      if (flows.empty()) {
        if (!config.flows.empty() && clusters_entry != nullptr) {
          diag_.Info(At(*clusters_entry), "cluster '" + alias + "' takes part in no enabled flow");
        }
        continue;
      }
      JavaClientProps java = ClusterJavaProps(alias);
      if (java.find("bootstrap.servers") == java.end()) {
        diag_.Problem(Origin{props_.file(), 0, alias + ".bootstrap.servers"},
                      "is required: cluster '" + alias + "' takes part in " + Join(flows));
      }
      ClusterConfig c;
      c.alias = alias;
      c.client = TranslateClientProps(java, ClientRole::kCluster, diag_).props;
      config.clusters.push_back(std::move(c));
    }
  }

  void CheckGroupCollisions(const MirrorConfig& config) {
    std::map<std::pair<std::string, std::string>, std::string> owner;  // (source, group) -> flow
    for (const auto& f : config.flows) {
      auto [it, fresh] = owner.emplace(std::make_pair(f.source, f.group_id), f.Name());
      if (!fresh) {
        diag_.Problem(group_origins_[f.Name()], "flows " + it->second + " and " + f.Name() +
                                                    " would share consumer group '" + f.group_id + "' on cluster " +
                                                    f.source + "; give each flow its own flow.group.id");
      }
    }
  }

  // Two opposite identity flows cannot rely on names to spot topics that came from the
  // other side; provenance headers stop the loop instead (docs/provenance.md, tested by
  // TwoWayTest.IdentityNamingTwoProcesses). Said once at info, with the condition it needs.
  void CheckIdentityLoops(const MirrorConfig& config) {
    for (const auto& f : config.flows) {
      if (f.naming != RemoteTopicNaming::kIdentity || f.source > f.target) continue;
      for (const auto& back : config.flows) {
        if (back.source == f.target && back.target == f.source && back.naming == RemoteTopicNaming::kIdentity) {
          diag_.Info(Resolve(f.source, f.target, "replication.policy.class").origin,
                     "flows " + f.Name() + " and " + back.Name() +
                         " both keep topic names (IdentityReplicationPolicy): a topic selected in both directions "
                         "does not loop, because kmirror never copies a record back to a cluster its provenance "
                         "header lists; this needs both directions to be kmirror flows (a replicator that does not "
                         "keep the kmirror.prov header would bring records back)");
        }
      }
    }
  }

  // Names that carry an alias ("<alias><separator><topic>" remote topics, and under both
  // policies "<alias><separator>heartbeats") are read back, by kmirror (cycle check, the
  // source topic of a checkpoint) and by MM2 (DefaultReplicationPolicy.topicSource), as
  // "the text before the first separator is the cluster". An alias of a flow that contains
  // the flow's separator is therefore misread: "a.b.orders" reads as topic "b.orders" of
  // cluster "a", cluster "a"'s topic "b.orders" would be written to the same remote topic,
  // and topics that came from "a.b" are not recognised as its own when they would go back.
  // Target aliases count too: the cycle check compares the target alias with that prefix.
  // kmirror's internal topics need no such rule: "<alias><sep>checkpoints<sep>internal" and
  // "kmirror-offset-syncs.<alias>.internal" are fixed text around the whole alias (distinct
  // aliases give distinct names, and nothing reads an alias back out of them), and internal
  // topics are never mirrored, so no remote topic can take one of those names.
  void CheckAliasSeparators(const MirrorConfig& config) {
    const PropertyEntry* clusters = props_.Find("clusters");
    if (clusters == nullptr) return;
    struct Clash {
      std::vector<std::string> flows;
      Origin separator_origin;  // where the first of those flows got the separator
      bool prefix_naming = false;
    };
    std::map<std::pair<std::string, std::string>, Clash> clashes;  // (alias, separator) -> flows
    for (const auto& f : config.flows) {
      for (const std::string* alias : {&f.source, &f.target}) {
        if (alias->find(f.separator) == std::string::npos) continue;
        Clash& c = clashes[{*alias, f.separator}];
        if (c.flows.empty()) c.separator_origin = Resolve(f.source, f.target, "replication.policy.separator").origin;
        c.flows.push_back(f.Name());
        c.prefix_naming = c.prefix_naming || f.naming == RemoteTopicNaming::kPrefix;
      }
    }
    for (const auto& [key, clash] : clashes) {
      const auto& [alias, sep] = key;
      const size_t cut = alias.find(sep);
      const std::string first = alias.substr(0, cut);
      const std::string rest = alias.substr(cut + sep.size());
      const std::string where = clash.separator_origin.line > 0 ? clash.separator_origin.key + " at line " +
                                                                      std::to_string(clash.separator_origin.line)
                                                                : "the default of replication.policy.separator";
      std::string message = "alias '" + alias + "' contains '" + sep + "', the replication.policy.separator of " +
                            (clash.flows.size() == 1 ? "flow " : "flows ") + Join(clash.flows) + " (" + where +
                            "): kmirror and MM2 read the text before the first '" + sep +
                            "' of a remote topic name as the cluster it came from, so '" + alias + sep +
                            "orders' would read as topic '" + rest + sep + "orders' of cluster '" + first + "'";
      if (std::find(aliases_.begin(), aliases_.end(), first) != aliases_.end()) {
        message += ", and cluster '" + first + "' mirroring a topic '" + rest + sep +
                   "orders' would write the same "
                   "remote topic";
      }
      const std::string rename = SuggestedAlias(alias, sep);
      const std::string rename_advice =
          "rename the cluster alias" + (rename.empty() ? std::string() : " (e.g. '" + rename + "')");
      const std::string separator_advice = "set replication.policy.separator to a string no alias contains";
      message += "; " + (clash.prefix_naming ? rename_advice + " or " + separator_advice
                                             : separator_advice +
                                                   " (with IdentityReplicationPolicy only heartbeats topics carry "
                                                   "the alias, so only their names change) or " +
                                                   rename_advice);
      diag_.Problem(At(*clusters), std::move(message));
    }
  }

  // `alias` with each `sep` replaced by a character `sep` does not contain; "" when that
  // still contains `sep` or names another cluster.
  std::string SuggestedAlias(const std::string& alias, const std::string& sep) const {
    const std::string with = sep.find('_') == std::string::npos ? "_" : sep.find('-') == std::string::npos ? "-" : "";
    if (with.empty()) return "";
    std::string out;
    for (size_t i = 0; i < alias.size();) {
      if (alias.compare(i, sep.size(), sep) == 0) {
        out += with;
        i += sep.size();
      } else {
        out += alias[i++];
      }
    }
    if (out.find(sep) != std::string::npos) return "";
    if (std::find(aliases_.begin(), aliases_.end(), out) != aliases_.end()) return "";
    return out;
  }

  const Properties& props_;
  Diagnostics& diag_;
  std::vector<std::string> aliases_;
  KeyMap top_keys_;
  std::map<std::string, KeyMap> cluster_keys_;
  std::map<std::pair<std::string, std::string>, KeyMap> flow_keys_;
  std::set<const PropertyEntry*> invalid_;
  std::map<std::string, Origin> group_origins_;  // flow name -> where its group id came from
};

}  // namespace

MirrorConfig LoadMm2Properties(const std::string& path) { return LoadMm2Properties(path, {}); }

MirrorConfig LoadMm2Properties(const std::string& path, const std::vector<ConfigOverride>& overrides) {
  Diagnostics diag;
  auto props = ReadPropertiesFile(path);
  if (!props.ok()) {
    diag.FileProblem(path, "", props.status());
    diag.LogAndThrowIfProblems();
  }
  for (const ConfigOverride& o : overrides) props->Override(o.key, o.value, o.origin);
  // Placeholders first (config_providers.h): every later check sees the values they name.
  const Properties resolved = ResolveConfigProviders(*props, diag);
  MirrorConfig config = Mm2Loader(resolved, diag).Load();
  ApplyLogSettings(config);
  diag.LogAndThrowIfProblems();
  return config;
}

}  // namespace kmirror::config
