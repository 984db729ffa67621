// The settings registry: every setting kmirror understands, with its type, default, bounds,
// scopes, status and help text, and the extra rules some values must follow. Data only;
// lookups and validation over it are in settings.cpp.
#include "kmirror/config/settings.h"

#include <cstdint>

#include "config/value_parsers.h"
#include "kmirror/common/strings.h"
#include "kmirror/config/overrides.h"

namespace kmirror::config {
namespace {

constexpr unsigned kFlow = kTopLevel | kPerFlow;
constexpr unsigned kCluster = kTopLevel | kPerCluster;
constexpr int64_t kOneYearSeconds = 365LL * 24 * 3600;

std::string CheckReplicationFactor(const std::string& v) {
  auto n = ParseInteger(v);
  if (n && *n == 0) return "0 is not a replication factor; use -1 for the target broker's default.replication.factor";
  return "";
}

std::string CheckListenAddress(const std::string& v) {
  if (v.empty()) return "";
  const size_t colon = v.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return "must be host:port (e.g. 127.0.0.1:9190), or empty to disable it";
  auto port = ParseInteger(std::string_view(v).substr(colon + 1));
  if (!port || *port < 0 || *port > 65535) return "port must be a number from 0 to 65535 (0: any free port)";
  return "";
}

std::string CheckSeparator(const std::string& v) {
  if (v.empty()) return "must not be empty: it separates the source alias from the topic name";
  for (char c : v) {
    if (!IsTopicNameChar(c)) {
      return "becomes part of remote topic names, so it may only contain ASCII letters, digits, '.', '_' and '-'";
    }
  }
  return "";
}

// emit.offset-syncs.enabled=false (MM2 3.9+: write no offset syncs) cannot be honoured: kmirror's
// offset-sync log is not only what translation reads but where every partition resumes after
// a restart or rebalance, and source offsets are committed only once it has the records
// (kafka/resume_rule.h, replication/log_gate.h). Ignoring the value would hide that; refusing
// it says so before anything starts.
std::string CheckEmitOffsetSyncs(const std::string& v) {
  auto b = ParseBool(v);
  if (!b || *b) return "";
  return "cannot be honoured: kmirror's offset-sync log (kmirror-offset-syncs.<source>.internal on the "
         "target) is where each partition resumes after a restart or rebalance and what source offsets are "
         "committed against, so it cannot be turned off (kmirror writes no MM2 offset-syncs topic, on the source "
         "or elsewhere); remove this line. MM2 also refuses emit.checkpoints.enabled and "
         "sync.group.offsets.enabled without offset syncs";
}

std::string CheckNotEmpty(const std::string& v) { return Trim(v).empty() ? "must not be empty" : ""; }

std::string CheckNoTransforms(const std::string& v) {
  if (SplitList(v).empty()) return "";
  return "kmirror copies records byte for byte and cannot run Kafka Connect transformations or predicates; "
         "remove this setting";
}

const std::string kDefaultPolicy = "org.apache.kafka.connect.mirror.DefaultReplicationPolicy";
const std::string kIdentityPolicy = "org.apache.kafka.connect.mirror.IdentityReplicationPolicy";

std::vector<SettingSpec> BuildRegistry() {
  std::vector<SettingSpec> r;
  auto add = [&r](SettingSpec s) { r.push_back(std::move(s)); };

  // ---- Clusters and flows -------------------------------------------------------------
  add({.name = "clusters",
       .type = SettingType::kList,
       .scopes = kTopLevel,
       .help = "Required. Comma-separated cluster aliases. Every alias needs `<alias>.bootstrap.servers` if it "
               "takes part in an enabled flow. Aliases may only contain ASCII letters, digits, '.', '_' and '-' "
               "because the prefix naming policy puts them into topic names.",
       .evidence = {"Mm2LoaderTest.MissingClusters", "Mm2LoaderTest.AliasesWithDotsAndAliasesThatLookLikeSettings"}});
  add({.name = "enabled",
       .type = SettingType::kBool,
       .scopes = kFlow,
       .default_value = "false",
       .help = "Whether the flow copies records. Flows are directional and off by default: write "
               "`A->B.enabled = true` for each flow wanted. A top-level `enabled = true` turns on every "
               "pair of clusters, as in MM2.",
       .evidence = {"Mm2LoaderTest.FlowsAreOffByDefaultAndTopLevelEnabledTurnsOnEveryPair"}});
  add({.name = "flow.group.id",
       .type = SettingType::kString,
       .scopes = kFlow,
       .default_doc = "kmirror-<source>-<target>",
       .kmirror_extension = true,
       .help = "The consumer group the flow uses on its source cluster; its committed offsets are where the "
               "flow resumes. Two enabled flows reading the same source cluster must use different groups. "
               "(MM2 tracks progress in Connect's offset topics instead; its `group.id` keys are unrelated.)",
       .extra_check = CheckNotEmpty,
       .evidence = {"Mm2LoaderTest.FlowGroupIds", "TopologyTest.SameClusterUnderTwoAliasesDoesNotLoop"}});

  // ---- Topic selection and naming -----------------------------------------------------
  add({.name = "topics",
       .type = SettingType::kRegexList,
       .scopes = kFlow,
       .default_value = ".*",
       .help = "Topics to mirror: comma-separated topic names or Java regexes, each matched against the whole "
               "topic name. A regex cannot contain ',' since the list is split at commas (as in MM2). An empty "
               "value selects nothing.",
       .evidence = {"TopicFilter.WholeNameMatchLikeJava",
                    "MirrorTest.RefreshTopicsOffKeepsTheTopicsOfTheFirstListing"}});
  add({.name = "topics.exclude",
       .type = SettingType::kRegexList,
       .scopes = kFlow,
       .default_value = R"(.*[\-\.]internal, .*\.replica, __.*)",
       .help = "Topics never mirrored, same syntax as `topics`; exclusion wins over inclusion. The default "
               "skips Kafka's and MM2's internal topics. Setting it replaces the default list, so keep those "
               "entries when adding your own.",
       .evidence = {"TopicFilter.ExcludeWins", "Mm2LoaderTest.DeprecatedBlacklistIsUsedOnlyWithoutExclude"}});
  add({.name = "topics.blacklist",
       .type = SettingType::kRegexList,
       .scopes = kFlow,
       .alias_of = "topics.exclude",
       .help = "Deprecated spelling of `topics.exclude`, used only when `topics.exclude` is not set.",
       .evidence = {"Mm2LoaderTest.DeprecatedBlacklistIsUsedOnlyWithoutExclude"}});
  add({.name = "replication.policy.class",
       .type = SettingType::kClass,
       .scopes = kFlow,
       .default_value = kDefaultPolicy,
       .allowed = {kDefaultPolicy, kIdentityPolicy},
       .help = "How remote topics are named. `DefaultReplicationPolicy`: `<source alias><separator><topic>` "
               "(e.g. `clusterA.orders`), which also lets kmirror recognise and skip topics that came from the "
               "target, so A->B plus B->A cannot loop. `IdentityReplicationPolicy`: the source name unchanged. Names "
               "then cannot tell where a topic came from, but A->B plus B->A on the same topics does not loop "
               "either: every record kmirror writes carries its provenance (docs/provenance.md) and is never "
               "copied back to a cluster it has been on. Both directions must be kmirror flows for that (a "
               "replicator that does not keep the header, such as MM2 in one direction, would bring records "
               "back). Custom Java policies cannot be loaded.",
       .evidence = {"Mm2LoaderTest.ReplicationPolicyAndSeparator", "TwoWayTest.IdentityNamingTwoProcesses",
                    "TopologyTest.HubAndSpokesWithIdentityNaming"}});
  add({.name = "replication.policy.separator",
       .type = SettingType::kString,
       .scopes = kFlow,
       .default_value = ".",
       .help = "Separator between the source alias and the topic name under the prefix policy, and in the "
               "heartbeats topics (`<alias><separator>heartbeats`) under both policies. Neither cluster alias of "
               "the flow may contain it (e.g. `us.west` with `.`): kmirror and MM2 take the text before the first "
               "separator of a remote topic name as the cluster it came from, so such an alias would be misread "
               "(`us.west.orders` as topic `west.orders` of cluster `us`); kmirror refuses the configuration.",
       .extra_check = CheckSeparator,
       .evidence = {"PrefixNaming.CustomSeparator", "Mm2LoaderTest.ReplicationPolicyAndSeparator",
                    "Mm2LoaderTest.AliasContainingACustomSeparatorIsRefusedNamingWhereTheSeparatorIsSet",
                    "Translation.Mm2RemoteClusterUtilsFindsCheckpointsUnderACustomSeparator"}});
  add({.name = "replication.policy.internal.topic.separator.enabled",
       .type = SettingType::kBool,
       .scopes = kFlow,
       .default_value = "true",
       .help = "Whether MM2's internal topics are named with `replication.policy.separator` too (MM2's default): the "
               "checkpoints topic is `<source><separator>checkpoints<separator>internal` (`A_checkpoints_internal` "
               "with `_`), and topics ending in `<separator>internal` are internal (never mirrored). false: "
               "`<source>.checkpoints.internal` whatever the separator, as MM2 does then. MM2's heartbeats topic "
               "is `heartbeats` either way. kmirror's own topics (`kmirror-offset-syncs.<source>.internal`, "
               "`kmirror-dead-letter.<source>.internal`) keep their names: no MM2 tool reads them, and the "
               "offset-sync log is where partitions resume, so renaming it would lose that history. Changing "
               "either setting on a running deployment moves checkpoints to a new topic: they are written again "
               "from the offset index at the next round.",
       .evidence = {"Mm2LoaderTest.ReplicationPolicyAndSeparator",
                    "NamingPolicy.InternalTopicsWithTheCustomSeparatorAreInternal",
                    "Mm2Checkpoint.TopicNameFollowsMirrorMaker2",
                    "Translation.Mm2RemoteClusterUtilsFindsCheckpointsUnderACustomSeparator"}});
  add({.name = "topic.filter.class",
       .type = SettingType::kClass,
       .scopes = kFlow,
       .default_value = "org.apache.kafka.connect.mirror.DefaultTopicFilter",
       .allowed = {"org.apache.kafka.connect.mirror.DefaultTopicFilter"},
       .help = "Only MM2's default filter (`topics` / `topics.exclude`) is available; custom Java filters "
               "cannot be loaded.",
       .evidence = {"Mm2LoaderTest.OnlyMm2sDefaultFilterClassesAreAccepted"}});

  // ---- Remote topics ------------------------------------------------------------------
  add({.name = "replication.factor",
       .type = SettingType::kInt,
       .scopes = kFlow,
       .default_value = "2",
       .min = -1,
       .max = 32767,
       .help = "Replication factor of remote topics kmirror creates (with the source topic's partition count). "
               "-1 uses the target broker's `default.replication.factor`. MM2's default of 2 fails on a "
               "single-broker target: set 1 there.",
       .extra_check = CheckReplicationFactor,
       .evidence = {"Mm2LoaderTest.FlowKeyOverTopLevelKeyOverDefault",
                    "MirrorTest.ConfigSyncAndHeartbeatsSwitchedOffAndTheBrokersReplicationFactor"}});
  add({.name = "tasks.max",
       .type = SettingType::kInt,
       .scopes = kFlow,
       .default_doc = "the number of hardware threads (MM2: 1)",
       .min = 1,
       .max = 1024,
       .help = "Consumer/producer pairs the flow runs, each on its own thread; they share the flow's consumer "
               "group, so more than the number of source partitions only idles. Unset, kmirror uses one per "
               "hardware thread of the machine (MM2's default is 1, which leaves a many-core node idle); a value "
               "written in the file is always used as is. The upper bound guards against typos.",
       .evidence = {"Mm2LoaderTest.MinimalFlowGetsMm2Defaults", "Mm2LoaderTest.FlowKeyOverTopLevelKeyOverDefault",
                    "KmirrorFaultTest.SigtermBetweenTheRoundsOfARebalanceDrainsAndCommits"}});
  add({.name = "task.max.inflight.bytes",
       .type = SettingType::kInt,
       .scopes = kFlow,
       .default_value = "16777216",
       .min = 4194304,
       .max = 1LL << 34,
       .kmirror_extension = true,
       .help = "Memory budget of one task, in bytes of record keys and values: half for records prefetched "
               "from the source (librdkafka's `queued.max.messages.kbytes`; each fetch, `fetch.max.bytes`, is an "
               "eighth) and a quarter for records sent to the target and not yet acknowledged (the producer's "
               "`buffer.memory`). A slow target then holds back reading instead of filling memory. Explicit "
               "`consumer.fetch.max.bytes` or `producer.buffer.memory` settings win. Raise it when the source is "
               "far away: a task reads at most one fetch per round trip (2 MiB per 50 ms is 40 MB/s).",
       .evidence = {"ClientLimits.TheBudgetAndTheTopicRefreshScaleTheDefaults",
                    "MirrorTest.StaysExactAtATinyMemoryBudget"}});
  add({.name = "task.max.inflight.records",
       .type = SettingType::kInt,
       .scopes = kFlow,
       .default_value = "40000",
       .min = 100,
       .max = 10000000,
       .kmirror_extension = true,
       .help = "The same budget counted in records, which is what bounds memory for small records (each one "
               "costs a few hundred bytes of client bookkeeping until the target acknowledged it): half of it for "
               "prefetched records (`queued.min.messages`), half for the producer's queue "
               "(`queue.buffering.max.messages`). At 100-byte records 40,000 measured 0.9-1.1 M records/s at "
               "~100 MiB peak RSS for two tasks, 20,000 0.6-0.8 M at ~80 MiB.",
       .evidence = {"ClientLimits.TheBudgetAndTheTopicRefreshScaleTheDefaults",
                    "MirrorTest.StaysExactAtATinyMemoryBudget"}});
  add({.name = "refresh.topics.enabled",
       .type = SettingType::kBool,
       .scopes = kFlow,
       .default_value = "true",
       .help = "Whether to look for new topics on the source every `refresh.topics.interval.seconds` (MM2's "
               "meaning). When false, the flow's topics are those its first successful listing of the source "
               "selects: topics created (or matching `topics`) later are not mirrored until kmirror restarts. The "
               "remote topics of that set are still kept up: created when missing, grown when a source topic gains "
               "partitions (the flow's consumers read new partitions of their topics, whose records would "
               "otherwise wait), their configs synced. In a kmirror cluster each node fixes the set when it "
               "starts, so start the nodes with the same topics present.",
       .evidence = {"FixedTopicSet.WithoutRefreshTheFirstListingFixesTheTopics",
                    "MirrorTest.RefreshTopicsOffKeepsTheTopicsOfTheFirstListing"}});
  add({.name = "refresh.topics.interval.seconds",
       .type = SettingType::kSeconds,
       .scopes = kFlow,
       .default_value = "600",
       .min = 1,
       .max = kOneYearSeconds,
       .help = "How often to look for new topics and partitions (when `refresh.topics.enabled`); the same "
               "round retries remote topics that could not be created, also when refresh is off.",
       .evidence = {"Mm2LoaderTest.IntervalsAndSwitches", "MirrorTest.PicksUpNewTopicsAndNewPartitionsWhileRunning"}});
  add({.name = "sync.topic.configs.enabled",
       .type = SettingType::kBool,
       .scopes = kFlow,
       .default_value = "true",
       .help = "Whether to copy topic configurations (retention, cleanup policy, ...) to remote topics "
               "periodically, as MM2 3.9 does with incremental alter configs: the source's overrides are set on "
               "the remote topic, and an override removed on the source (back to its default) is removed on the "
               "remote topic too. Configs matched by `config.properties.exclude` are left as the target has "
               "them.",
       .evidence = {"Mm2LoaderTest.IntervalsAndSwitches",
                    "MirrorTest.ConfigSyncAndHeartbeatsSwitchedOffAndTheBrokersReplicationFactor"}});
  add({.name = "sync.topic.configs.interval.seconds",
       .type = SettingType::kSeconds,
       .scopes = kFlow,
       .default_value = "600",
       .min = 1,
       .max = kOneYearSeconds,
       .help = "How often to copy topic configurations.",
       .evidence = {"Mm2LoaderTest.IntervalsAndSwitches", "MirrorTest.CopiesChangedTopicConfigsPeriodically"}});
  add({.name = "sync.topic.acls.enabled",
       .type = SettingType::kBool,
       .scopes = kFlow,
       .default_value = "true",
       .help = "Whether to copy the source's topic ACL bindings of mirrored topics to their remote topics, with "
               "MM2's rules: only bindings on a LITERAL topic name the flow mirrors (PREFIXED ones are not copied); "
               "ALLOW WRITE is not copied (only the mirror writes remote topics), ALLOW ALL becomes ALLOW READ, DENY "
               "bindings are copied unchanged; the name becomes the remote topic's. Bindings are only added, never "
               "deleted. A duty of the flow (docs/cluster.md). When a cluster refuses (no authorizer, or the "
               "principal may not describe or create ACLs) it is logged once and counted "
               "(`kmirror_acl_sync_refusals_total`); mirroring goes on. See docs/security.md.",
       .evidence = {"Mm2LoaderTest.IntervalsAndSwitches",
                    "AclSyncTest.CopiesTheSourcesTopicAclsOfMirroredTopicsTheWayMm2Does"}});
  add({.name = "sync.topic.acls.interval.seconds",
       .type = SettingType::kSeconds,
       .scopes = kFlow,
       .default_value = "600",
       .min = 1,
       .max = kOneYearSeconds,
       .help = "How often to copy topic ACLs (the first round runs when the flow starts or this node takes the "
               "flow's duties over).",
       .evidence = {"Mm2LoaderTest.IntervalsAndSwitches",
                    "AclSyncTest.CopiesTheSourcesTopicAclsOfMirroredTopicsTheWayMm2Does"}});
  add({.name = "config.properties.exclude",
       .type = SettingType::kRegexList,
       .scopes = kFlow,
       .default_value = R"(follower\.replication\.throttled\.replicas, leader\.replication\.throttled\.replicas, )"
                        R"(message\.timestamp\.difference\.max\.ms, message\.timestamp\.type, )"
                        R"(unclean\.leader\.election\.enable, min\.insync\.replicas)",
       .help = "Topic configuration names (regexes) never copied to remote topics.",
       .evidence = {"PlanTopicConfigs.ExcludedConfigsAreTheTargetsOwnAndStay",
                    "MirrorTest.CopiesChangedTopicConfigsPeriodically"}});
  add({.name = "config.properties.blacklist",
       .type = SettingType::kRegexList,
       .scopes = kFlow,
       .alias_of = "config.properties.exclude",
       .help = "Deprecated spelling of `config.properties.exclude`, used only when that is not set.",
       .evidence = {"Mm2LoaderTest.DeprecatedBlacklistIsUsedOnlyWithoutExclude"}});
  add({.name = "config.property.filter.class",
       .type = SettingType::kClass,
       .scopes = kFlow,
       .default_value = "org.apache.kafka.connect.mirror.DefaultConfigPropertyFilter",
       .allowed = {"org.apache.kafka.connect.mirror.DefaultConfigPropertyFilter"},
       .help = "Only MM2's default filter (`config.properties.exclude`) is available; custom Java filters "
               "cannot be loaded.",
       .evidence = {"Mm2LoaderTest.OnlyMm2sDefaultFilterClassesAreAccepted"}});

  // ---- Client properties --------------------------------------------------------------
  add({.name = "bootstrap.servers",
       .type = SettingType::kClientProperties,
       .scopes = kCluster,
       .help = "Required for every cluster in an enabled flow, as `<alias>.bootstrap.servers`. A top-level "
               "value is the fallback for clusters without one.",
       .evidence = {"Mm2LoaderTest.MinimalFlowGetsMm2Defaults",
                    "Mm2LoaderTest.ClusterInAFlowWithoutBootstrapServers"}});
  add({.name = "security.protocol",
       .type = SettingType::kClientProperties,
       .scopes = kCluster,
       .help = "Cluster-level client setting: applies to every client of the cluster (top level: of every "
               "cluster). PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL.",
       .evidence = {"Mm2LoaderTest.ClusterLevelClientProperties",
                    "Security.MirrorsFromMutualTlsToScramSha512WithPasswordsFromConfigProviders"}});
  add({.name = "ssl.",
       .family = true,
       .type = SettingType::kClientProperties,
       .scopes = kCluster,
       .help = "Cluster-level TLS settings, translated to librdkafka (see the translation table): trust and key "
               "stores in PEM or PKCS12, `ssl.key.password`, mutual TLS. The broker's host name is verified by "
               "default, as in Kafka's clients (`ssl.endpoint.identification.algorithm=https`; an empty value "
               "turns it off). JKS stores cannot be read: the error gives the keytool command that converts "
               "them to PKCS12. See docs/security.md.",
       .evidence = {"ClientPropsTest.Pkcs12KeystoreAndPemTruststore",
                    "Security.HostnameMismatchStopsStartUpByDefault"}});
  add({.name = "sasl.",
       .family = true,
       .type = SettingType::kClientProperties,
       .scopes = kCluster,
       .help = "Cluster-level SASL settings. `sasl.jaas.config` with PlainLoginModule or ScramLoginModule "
               "becomes librdkafka's sasl.username / sasl.password.",
       .evidence = {"ClientPropsTest.ScramLogin", "SeedConfig.Mm2SeedFileWithSaslMirrorsGlobalTopics"}});
  add({.name = "consumer.",
       .family = true,
       .type = SettingType::kClientProperties,
       .scopes = kPerCluster | kPerFlow,
       .help = "`<source>.consumer.<property>`: the source consumer of every flow reading that cluster. "
               "`A->B.consumer.<property>`: that flow only, but with the lowest precedence (MM2's rule).",
       .evidence = {"Mm2LoaderTest.ClientOverridesFollowMm2Precedence"}});
  add({.name = "producer.",
       .family = true,
       .type = SettingType::kClientProperties,
       .scopes = kPerCluster | kPerFlow,
       .help = "`<target>.producer.<property>`: the producer of every flow writing that cluster. "
               "`A->B.producer.<property>`: that flow only, lowest precedence (MM2 uses this form only for "
               "its internal producers; kmirror applies it to the replication producer).",
       .evidence = {"Mm2LoaderTest.ClientOverridesFollowMm2Precedence"}});
  add({.name = "admin.",
       .family = true,
       .type = SettingType::kClientProperties,
       .scopes = kPerCluster | kPerFlow,
       .help = "`<alias>.admin.<property>`: admin clients on that cluster. `A->B.admin.<property>`: both admin "
               "clients of that flow, lowest precedence.",
       .evidence = {"Mm2LoaderTest.ClientOverridesFollowMm2Precedence"}});
  add({.name = "source.consumer.",
       .family = true,
       .type = SettingType::kClientProperties,
       .scopes = kPerFlow,
       .help = "`A->B.source.consumer.<property>`: the flow's source consumer, highest precedence.",
       .evidence = {"Mm2LoaderTest.ClientOverridesFollowMm2Precedence"}});
  add({.name = "source.admin.",
       .family = true,
       .type = SettingType::kClientProperties,
       .scopes = kPerFlow,
       .help = "`A->B.source.admin.<property>`: the flow's admin client on the source, highest precedence.",
       .evidence = {"Mm2LoaderTest.ClientOverridesFollowMm2Precedence"}});
  add({.name = "target.admin.",
       .family = true,
       .type = SettingType::kClientProperties,
       .scopes = kPerFlow,
       .help = "`A->B.target.admin.<property>`: the flow's admin client on the target, highest precedence.",
       .evidence = {"Mm2LoaderTest.ClientOverridesFollowMm2Precedence"}});
  add({.name = "producer.override.",
       .family = true,
       .type = SettingType::kClientProperties,
       .scopes = kPerFlow,
       .help = "`A->B.producer.override.<property>`: the flow's producer, highest precedence (Kafka Connect's "
               "per-connector override, which is how MM2 users reach the replication producer of one flow).",
       .evidence = {"Mm2LoaderTest.ClientOverridesFollowMm2Precedence"}});

  // ---- Accepted, not needed by kmirror ------------------------------------------------
  auto internal = [&add](std::string name, unsigned scopes, std::string help, bool family = false) {
    add({.name = std::move(name),
         .family = family,
         .type = SettingType::kString,
         .scopes = scopes,
         .status = SettingStatus::kNotNeeded,
         .help = std::move(help)});
  };
  internal("name", kFlow, "the name of MM2's connectors.");
  internal("connector.class", kFlow, "MM2 picks its own connector classes; kmirror has no connectors.");
  internal("source.cluster.alias", kFlow,
           "MM2 fills it per connector; a kmirror flow's source is the alias left of '->'.");
  internal("target.cluster.alias", kFlow,
           "MM2 fills it per connector; a kmirror flow's target is the alias right of '->'.");
  internal("group.id", kTopLevel | kPerCluster | kPerFlow,
           "MM2's Kafka Connect worker group. kmirror's consumer group for a flow is `flow.group.id` "
           "(default kmirror-<source>-<target>).");
  internal("client.id", kTopLevel | kPerCluster,
           "the client id of MM2's Connect worker; set client ids of kmirror's clients with "
           "`<alias>.consumer.client.id` / `<alias>.producer.client.id`.");
  internal("offset.storage.", kTopLevel | kPerCluster,
           "Kafka Connect's offset topic; kmirror keeps progress in the flow's consumer group.", true);
  internal("config.storage.", kTopLevel | kPerCluster,
           "Kafka Connect's config topic; kmirror keeps no configuration in Kafka.", true);
  internal("status.storage.", kTopLevel | kPerCluster,
           "Kafka Connect's status topic; kmirror keeps no status in Kafka.", true);
  internal("offset.flush.", kTopLevel | kPerCluster,
           "Kafka Connect's offset flushing; kmirror commits offsets after the target acknowledged.", true);
  internal("key.converter", kTopLevel | kPerCluster | kPerFlow,
           "Kafka Connect converters; kmirror copies keys, values and headers as bytes.", true);
  internal("value.converter", kTopLevel | kPerCluster | kPerFlow,
           "Kafka Connect converters; kmirror copies keys, values and headers as bytes.", true);
  internal("header.converter", kTopLevel | kPerCluster | kPerFlow,
           "Kafka Connect converters; kmirror copies keys, values and headers as bytes.", true);
  internal("errors.", kFlow,
           "Kafka Connect's error handling for conversions and transformations, which kmirror does not do.", true);
  internal("consumer.poll.timeout.ms", kFlow, "MM2's poll loop timing; kmirror's poll loop is its own.");
  internal("admin.timeout.ms", kFlow, "MM2's admin task timeout; kmirror's admin calls have their own.");
  internal("use.incremental.alter.configs", kFlow, "MM2's choice of AlterConfigs API.");
  internal("add.source.alias.to.metrics", kFlow, "a JMX metrics tag; kmirror does not export JMX.");
  internal("metric.reporters", kTopLevel | kPerCluster | kPerFlow, "Java metrics reporter classes cannot be loaded.");
  internal("auto.include.jmx.reporter", kTopLevel | kPerCluster | kPerFlow, "kmirror does not export JMX.");
  internal("dedicated.mode.enable.internal.rest", kTopLevel,
           "MM2's REST server between its nodes; kmirror instances coordinate through their consumer groups.");
  internal("listeners", kTopLevel | kPerCluster, "Kafka Connect's REST listeners; kmirror has no REST API.");
  internal("rest.", kTopLevel | kPerCluster, "Kafka Connect's REST server; kmirror has no REST API.", true);
  internal("admin.listeners", kTopLevel | kPerCluster, "Kafka Connect's REST admin listeners.");
  internal("plugin.path", kTopLevel, "Kafka Connect plugins; kmirror loads no Java plugins.");
  internal("task.shutdown.graceful.timeout.ms", kTopLevel | kPerCluster, "Kafka Connect's task shutdown timing.");
  internal("worker.", kTopLevel | kPerCluster, "Kafka Connect worker internals.", true);
  internal("scheduled.rebalance.max.delay.ms", kTopLevel | kPerCluster, "Kafka Connect's rebalancing of tasks.");
  internal("connector.client.config.override.policy", kTopLevel | kPerCluster,
           "Kafka Connect's policy for `producer.override.*`; kmirror always honours those.");
  internal("exactly.once.source.support", kTopLevel | kPerCluster,
           "Kafka Connect's transactional source tasks. kmirror's producer is always idempotent and commits "
           "source offsets only after the target acknowledged, so nothing is lost; a crash can still repeat "
           "records.");
  internal("exactly.once.support", kFlow, "see exactly.once.source.support.");
  internal("transaction.boundary", kFlow, "see exactly.once.source.support.");
  add({.name = "forwarding.admin.class",
       .type = SettingType::kClass,
       .scopes = kFlow,
       .status = SettingStatus::kNotNeeded,
       .default_value = "org.apache.kafka.connect.mirror.ForwardingAdmin",
       .allowed = {"org.apache.kafka.connect.mirror.ForwardingAdmin"},
       .help = "MM2's pluggable admin client; custom Java classes cannot be loaded."});
  for (const char* name : {"transforms", "predicates"}) {
    add({.name = name,
         .type = SettingType::kList,
         .scopes = kFlow,
         .status = SettingStatus::kNotNeeded,
         .help = "Kafka Connect single message transforms cannot run in kmirror; only an empty value is accepted.",
         .extra_check = CheckNoTransforms});
  }

  // ---- Heartbeats and loops -----------------------------------------------------------
  add({.name = "emit.heartbeats.enabled",
       .type = SettingType::kBool,
       .scopes = kFlow,
       .default_value = "true",
       .help = "Whether the flow writes a heartbeat (MM2's record format: key source and target alias, value "
               "version 0 and a timestamp) every `emit.heartbeats.interval.seconds` into the `heartbeats` topic "
               "of its SOURCE cluster, from where the flow itself mirrors it to the target as "
               "`<source>.heartbeats`: its arrival proves the whole path and measures its lag. The topic is "
               "compacted, so it stays bounded.",
       .evidence = {"ClusterFaultTest.ThreeNodesSurviveKillNineOfTwoIncludingTheDutyHolder",
                    "MirrorTest.ConfigSyncAndHeartbeatsSwitchedOffAndTheBrokersReplicationFactor"}});
  add({.name = "emit.heartbeats.interval.seconds",
       .type = SettingType::kSeconds,
       .scopes = kFlow,
       .default_value = "1",
       .min = 1,
       .max = kOneYearSeconds,
       .help = "How often a flow writes a heartbeat.",
       .evidence = {"ClusterFaultTest.ThreeNodesSurviveKillNineOfTwoIncludingTheDutyHolder"}});
  add({.name = "heartbeats.topic.replication.factor",
       .type = SettingType::kInt,
       .scopes = kFlow,
       .default_value = "3",
       .min = -1,
       .max = 32767,
       .help = "Replication factor of the `heartbeats` topic kmirror creates on a source cluster when it is "
               "missing (-1: the broker default). MM2's default of 3 fails on smaller clusters; heartbeats are "
               "then skipped with an error while mirroring goes on.",
       .extra_check = CheckReplicationFactor,
       .evidence = {"TwoWayTest.PrefixNamingOneProcess"}});
  add({.name = "heartbeats.replication.enabled",
       .type = SettingType::kBool,
       .scopes = kFlow,
       .default_value = "true",
       .help = "Whether heartbeats topics (`heartbeats`, `<alias><separator>heartbeats`) are mirrored even when "
               "`topics` / `topics.exclude` do not select them (MM2 3.9+). false leaves them to the topic filter "
               "alone, as MM2 does: with the default `topics = .*` they are still selected, so add "
               "`heartbeats, .*heartbeats` to `topics.exclude` (keeping its defaults) to keep them out. A flow "
               "whose heartbeats topic is not mirrored still writes heartbeats, but they no longer arrive on the "
               "target.",
       .evidence = {"SelectsTopic.HeartbeatsTopicsAreAddedUnlessHeartbeatsReplicationIsOff",
                    "Mm2LoaderTest.RefreshGroupsAndHeartbeatsReplication"}});
  add({.name = "max.hops",
       .type = SettingType::kInt,
       .scopes = kFlow,
       .default_value = "0",
       .min = 0,
       .max = 255,
       .kmirror_extension = true,
       .help = "How many clusters a record may have passed through (its provenance path, origin included) and "
               "still be copied by this flow; 0 means no limit. Whatever the value, a record is never copied to "
               "a cluster it has already been on. The default lets chains (A->B->C) and hubs forward records. "
               "In a full mesh where every pair of clusters has a direct flow, set `max.hops = 1`: each record "
               "then travels only its direct links and arrives exactly once everywhere (with identity naming a "
               "second path would otherwise deliver a second copy).",
       .evidence = {"TopologyTest.IdentityMeshDeliversEveryRecordExactlyOnceEverywhere"}});

  add({.name = "undeliverable.records",
       .type = SettingType::kEnum,
       .scopes = kFlow,
       .default_value = "stop",
       .allowed = {"stop", "dead-letter"},
       .kmirror_extension = true,
       .help = "What a task does with a record the target refuses by itself: larger than the remote topic's "
               "`max.message.bytes` or the broker's `message.max.bytes`, or an invalid record (a batch the "
               "target rejects as too large while its records fit is split, never a reason to stop). `stop`: "
               "the partition stops at that record with one error naming topic, partition, offset and reason, "
               "shown by `GetReplicationStatus` and `kmirror status`; its position stays at the record (nothing "
               "after it is committed, nothing is skipped), the flow's other partitions go on, and the partition "
               "is tried again when it is next assigned (a restart, after fixing the cause). `dead-letter`: the "
               "record is written to `dead.letter.topic` on the target with headers naming its origin and the "
               "error, counted, and the partition goes on; if the dead-letter topic refuses it too, the "
               "partition stops. A topic the target refuses altogether (authorization, policy) always stops "
               "its partitions. MM2's `errors.tolerance` and `errors.deadletterqueue.topic.name` are not "
               "honoured: they are Kafka Connect settings for converter errors and sink connectors, not for "
               "records the target cluster refuses.",
       .evidence = {"MirrorTest.ARecordTheTargetRefusesStopsOnlyItsPartition",
                    "MirrorTest.ARecordTheTargetRefusesGoesToTheDeadLetterTopic"}});
  add({.name = "dead.letter.topic",
       .type = SettingType::kString,
       .scopes = kFlow,
       .default_value = "",
       .kmirror_extension = true,
       .help = "The dead-letter topic on the target for `undeliverable.records = dead-letter`; empty: "
               "`kmirror-dead-letter.<source alias>.internal`. Created by kmirror (one partition, the flow's "
               "`replication.factor`, the broker's defaults) when missing. Each record keeps its key, value, "
               "timestamp and headers and gets `kmirror.dead-letter.topic`, `.partition`, `.offset` (its source "
               "position), `.target-topic` and `.error`. The `.internal` suffix keeps other flows from "
               "mirroring it.",
       .evidence = {"MirrorTest.ARecordTheTargetRefusesGoesToTheDeadLetterTopic"}});

  add({.name = "target.history.change",
       .type = SettingType::kEnum,
       .scopes = kFlow,
       .default_value = "reseed",
       .allowed = {"reseed", "stop"},
       .kmirror_extension = true,
       .help = "What a task does when the target no longer holds the copy of a partition that the offset-sync "
               "log describes, found when the partition is assigned: the remote partition ends below the end of "
               "the copy the log knows, or no longer exists (the remote topic was deleted, or deleted and "
               "created again), or the target cluster's id changed (replaced by another cluster). `reseed`: the "
               "partition is mirrored again from the first record the source still has, whatever its committed "
               "offset says, and the offset index drops the runs of the old copy (translation then points into "
               "the new copy); logged as RE-SEEDED. `stop`: the partition stops with one error naming it and "
               "the reason, shown by `GetReplicationStatus` and `kmirror status`, nothing is committed for it, "
               "the flow's other partitions go on; it is checked again at its next assignment. A remote topic "
               "recreated and then written beyond the old copy's end by someone else is not recognised (see "
               "docs/reliability.md).",
       .evidence = {"OffsetLogFaultTest.RemoteTopicRecreatedIsReSeededFromTheSourceLogStart",
                    "OffsetLogFaultTest.UnderStopARecreatedRemoteTopicStopsItsPartitions"}});

  // ---- Offset translation: checkpoints, group offsets, the API --------------------------
  add({.name = "emit.checkpoints.enabled",
       .type = SettingType::kBool,
       .scopes = kFlow,
       .default_value = "true",
       .help = "Whether the flow writes checkpoints: for every consumer group on the source selected by `groups` / "
               "`groups.exclude`, its committed offsets translated exactly through the offset index, written in "
               "MM2's record format to `<source>.checkpoints.internal` on the target (compacted, one partition), "
               "where MM2's `RemoteClusterUtils.translateOffsets` and kmirror's API read them. A checkpoint never "
               "goes backwards unless the source group rewinds; a group ahead of the mirrored data waits until "
               "its records are mirrored.",
       .evidence = {"Mm2LoaderTest.CheckpointGroupAndApiSettings",
                    "Translation.CheckpointsMatchTheApiAndSyncGroupOffsetsForward"}});
  add({.name = "emit.offset-syncs.enabled",
       .type = SettingType::kBool,
       .scopes = kFlow,
       .default_value = "true",
       .help = "MM2 3.9+: whether offset syncs are written; with false MM2 writes none and refuses to emit "
               "checkpoints or sync group offsets. kmirror always writes its offset-sync log "
               "(`kmirror-offset-syncs.<source>.internal` on the target; no MM2 offset-syncs topic, nothing on the "
               "source): it is where each partition resumes after a restart or rebalance and what source offsets "
               "are committed against, so mirroring without it would lose that guarantee. `false` is therefore "
               "refused with an error rather than ignored; `true` is accepted.",
       .extra_check = CheckEmitOffsetSyncs,
       .evidence = {"Mm2LoaderTest.EmitOffsetSyncsFalseIsRefusedWithTheReason"}});
  add({.name = "emit.checkpoints.interval.seconds",
       .type = SettingType::kSeconds,
       .scopes = kFlow,
       .default_value = "60",
       .min = 1,
       .max = kOneYearSeconds,
       .help = "How often the flow reads the source groups' committed offsets and writes checkpoints.",
       .evidence = {"Mm2LoaderTest.CheckpointGroupAndApiSettings",
                    "Translation.CheckpointsMatchTheApiAndSyncGroupOffsetsForward"}});
  add({.name = "checkpoints.topic.replication.factor",
       .type = SettingType::kInt,
       .scopes = kFlow,
       .default_value = "3",
       .min = -1,
       .max = 32767,
       .help = "Replication factor of `<source>.checkpoints.internal` when kmirror creates it on the target (-1: the "
               "broker default).",
       .extra_check = CheckReplicationFactor,
       .evidence = {"Mm2LoaderTest.CheckpointGroupAndApiSettings"}});
  add({.name = "groups",
       .type = SettingType::kRegexList,
       .scopes = kFlow,
       .default_value = ".*",
       .help = "Consumer groups (Java regexes, whole-name match) whose offsets are checkpointed and synced.",
       .evidence = {"Mm2LoaderTest.CheckpointGroupAndApiSettings",
                    "Translation.CheckpointsMatchTheApiAndSyncGroupOffsetsForward"}});
  add({.name = "groups.exclude",
       .type = SettingType::kRegexList,
       .scopes = kFlow,
       .default_value = "console-consumer-.*, connect-.*, __.*",
       .help = "Consumer groups never checkpointed, even when `groups` matches. kmirror's own flow groups are always "
               "left out.",
       .evidence = {"Mm2LoaderTest.CheckpointGroupAndApiSettings", "TopicFilter.ExcludeWins"}});
  add({.name = "groups.blacklist",
       .type = SettingType::kRegexList,
       .scopes = kFlow,
       .alias_of = "groups.exclude",
       .help = "Deprecated name of `groups.exclude`.",
       .evidence = {"Mm2LoaderTest.CheckpointGroupAndApiSettings"}});
  add({.name = "group.filter.class",
       .type = SettingType::kClass,
       .scopes = kFlow,
       .default_value = "org.apache.kafka.connect.mirror.DefaultGroupFilter",
       .allowed = {"org.apache.kafka.connect.mirror.DefaultGroupFilter"},
       .help = "Only MM2's default filter (`groups` / `groups.exclude`) is available; custom Java classes cannot be "
               "loaded.",
       .evidence = {"Mm2LoaderTest.OnlyMm2sDefaultFilterClassesAreAccepted"}});
  add({.name = "refresh.groups.enabled",
       .type = SettingType::kBool,
       .scopes = kFlow,
       .default_value = "true",
       .help = "Whether the source's consumer groups are listed again after the first checkpoint round (MM2's "
               "meaning). When false, the groups checkpointed (and synced with `sync.group.offsets.enabled`) are "
               "those the first successful listing selects; groups created later are left out until kmirror "
               "restarts, or this node takes the flow's duties over (docs/cluster.md).",
       .evidence = {"GroupRefresh.RefreshOffListsOncePerDutyTerm",
                    "Translation.RefreshGroupsOffCheckpointsOnlyTheGroupsOfTheFirstListing"}});
  add({.name = "refresh.groups.interval.seconds",
       .type = SettingType::kSeconds,
       .scopes = kFlow,
       .default_doc = "every checkpoint round (MM2: 600)",
       .min = 1,
       .max = kOneYearSeconds,
       .help = "How often the source's group list is read again (when `refresh.groups.enabled`); between two "
               "listings checkpoints cover the groups already known. Unset, kmirror lists them on every checkpoint "
               "round (`emit.checkpoints.interval.seconds`), so new groups are picked up at once; a value written "
               "in the file is used as is.",
       .evidence = {"Mm2LoaderTest.RefreshGroupsAndHeartbeatsReplication",
                    "GroupRefresh.RefreshOnListsOnceTheIntervalPassed"}});
  add({.name = "sync.group.offsets.enabled",
       .type = SettingType::kBool,
       .scopes = kFlow,
       .default_value = "false",
       .help = "Whether the translated offsets of checkpointed groups are also committed to the same group on the "
               "target, so consumers that move there resume in place. Only while the group has no active members "
               "on the target, and only forward: an offset the group already passed on the target is never "
               "rewound.",
       .evidence = {"Mm2LoaderTest.CheckpointGroupAndApiSettings",
                    "Translation.CheckpointsMatchTheApiAndSyncGroupOffsetsForward"}});
  add({.name = "sync.group.offsets.interval.seconds",
       .type = SettingType::kSeconds,
       .scopes = kFlow,
       .default_value = "60",
       .min = 1,
       .max = kOneYearSeconds,
       .help = "How often group offsets are synced to the target (at most once per checkpoint round).",
       .evidence = {"Mm2LoaderTest.CheckpointGroupAndApiSettings",
                    "Translation.CheckpointsMatchTheApiAndSyncGroupOffsetsForward"}});
  add({.name = "offset.lag.max",
       .type = SettingType::kInt,
       .scopes = kFlow,
       .status = SettingStatus::kNotNeeded,
       .default_value = "100",
       .min = 0,
       .max = INT64_MAX,
       .help = "MM2 samples one offset sync per `offset.lag.max` records; kmirror's offset-sync log records every "
               "mirrored offset exactly, so there is nothing to tune."});
  add({.name = "shutdown.timeout.seconds",
       .type = SettingType::kSeconds,
       .scopes = kTopLevel,
       .default_value = "60",
       .min = 1,
       .max = 3600,
       .kmirror_extension = true,
       .help = "How long a stop (SIGTERM/SIGINT) may take to drain in-flight records, commit and leave the groups. "
               "When a cluster is unreachable (the usual case during a disaster) librdkafka can wait for its "
               "session timeouts (45 s by default); after this long kmirror exits with code 1 instead. Nothing is "
               "lost: records the "
               "target acknowledged after the last commit are mirrored again on restart (duplicates). A second "
               "signal exits at once, with the same guarantee.",
       .evidence = {"Failover.GroupsResumeOnTheTargetExactlyOnceAfterTheSourceDies"}});
  add({.name = "api.listen",
       .type = SettingType::kString,
       .scopes = kTopLevel,
       .default_value = "127.0.0.1:9190",
       .kmirror_extension = true,
       .help = "Address of the gRPC API (kmirror.v1.TranslationService, gRPC health and reflection; see "
               "docs/api.md): `host:port`, port 0 picks a free port (logged at start-up). Empty disables the API. "
               "It serves the flows whose target is near this process: offset translation, checkpoints and "
               "replication status. Start-up fails when the address cannot be bound.",
       .extra_check = CheckListenAddress,
       .evidence = {"Mm2LoaderTest.BadApiAddressIsLocated", "ClusterFaultTest.TwoNodesOnOneHostFromOneSharedFile"}});
  add({.name = "api.tls.cert.file",
       .type = SettingType::kString,
       .scopes = kTopLevel,
       .default_value = "",
       .kmirror_extension = true,
       .help = "PEM file with the gRPC API's server certificate (and its chain). With `api.tls.key.file` the API "
               "serves TLS only (no plaintext port); the certificate must name the address clients connect to "
               "(subjectAltName `IP:` or `DNS:`). Empty (the default): plaintext, which is only safe on a loopback "
               "address (docs/api.md, \"Exposing the API\"). Read at start-up; a path may come from a config "
               "provider (`${file:...}`).",
       .evidence = {"TlsFilesTest.SettingsLoadTheFilesAtStartUp", "Translation.ApiOverMutualTlsAndFailoverGuards"}});
  add({.name = "api.tls.key.file",
       .type = SettingType::kString,
       .scopes = kTopLevel,
       .default_value = "",
       .kmirror_extension = true,
       .help = "PEM file with the private key of `api.tls.cert.file`, unencrypted (gRPC takes no key password: "
               "protect the file, e.g. mode 0600 or a mounted secret). Required with `api.tls.cert.file`.",
       .evidence = {"TlsFilesTest.SettingsLoadTheFilesAtStartUp", "Translation.ApiOverMutualTlsAndFailoverGuards"}});
  add({.name = "api.tls.client.ca.file",
       .type = SettingType::kString,
       .scopes = kTopLevel,
       .default_value = "",
       .kmirror_extension = true,
       .help = "PEM file of the CA(s) whose client certificates the API accepts: when set, every client must "
               "present a certificate signed by one of them (mutual TLS) and a client without one is refused during "
               "the handshake. Needs `api.tls.cert.file`. Empty: any client that trusts the server's certificate "
               "may call the API.",
       .evidence = {"TlsFilesTest.SettingsLoadTheFilesAtStartUp", "Translation.ApiOverMutualTlsAndFailoverGuards"}});
  add({.name = "api.watch.max.streams",
       .type = SettingType::kInt,
       .scopes = kTopLevel,
       .default_value = "16",
       .min = 1,
       .max = 10000,
       .kmirror_extension = true,
       .help = "How many `WatchCheckpoints` streams the API serves at once (each holds one of gRPC's server "
               "threads while it is open). One more is refused with `RESOURCE_EXHAUSTED`; clients retry later.",
       .evidence = {"ApiTlsTest.WatchStreamsOverTheLimitAreRefused"}});
  add({.name = "offsets.index.dir",
       .type = SettingType::kString,
       .scopes = kTopLevel,
       .default_value = "kmirror-data/offset-index",
       .kmirror_extension = true,
       .help = "Directory of this process's offset index (RocksDB), relative to the working directory unless "
               "absolute. The index is a materialised view of the flows' offset-sync logs: deleting the directory "
               "is safe, it is rebuilt from the logs (look-ups answer \"not ready\" meanwhile). One process per "
               "directory.",
       .evidence = {"Translation.IndexRebuildsFromTheLogAndIsNotReadyMeanwhile",
                    "ClusterFaultTest.TwoNodesOnOneHostFromOneSharedFile"}});
  add({.name = "metrics.listen",
       .type = SettingType::kString,
       .scopes = kTopLevel,
       .default_value = "",
       .kmirror_extension = true,
       .help = "Address of the HTTP endpoint for operations (see docs/metrics.md): `/metrics` in Prometheus's text "
               "format, `/healthz` (alive) and `/readyz` (every flow running and its offset index caught up), "
               "`host:port` such as `0.0.0.0:7070`; port 0 picks a free port (logged at start-up). Empty (the "
               "default) disables it. Start-up fails when the address cannot be bound.",
       .extra_check = CheckListenAddress,
       .evidence = {"MetricsTest.PrometheusScrapesRecordsAndLag"}});
  add({.name = "metrics.partition.series",
       .type = SettingType::kBool,
       .scopes = kTopLevel,
       .default_value = "false",
       .kmirror_extension = true,
       .help = "Whether records, bytes and lag are also exported per partition (a `partition` label) instead of per "
               "topic. Off by default to bound the number of series: a flow of 100 topics with 50 partitions each "
               "would otherwise export 5,000 series per metric and node.",
       .evidence = {"Mm2LoaderTest.MetricsAndLogSettings", "RenderTest.PerPartitionSeriesWhenAsked"}});
  add({.name = "metrics.librdkafka.interval.ms",
       .type = SettingType::kInt,
       .scopes = kTopLevel,
       .default_value = "15000",
       .min = 0,
       .max = 86400000,
       .kmirror_extension = true,
       .help = "How often the flow tasks' librdkafka clients report their own statistics (librdkafka's "
               "`statistics.interval.ms`), exported as the `kmirror_librdkafka_*` series of docs/metrics.md: queue "
               "depths, broker round-trip times, request errors and timeouts, consumer lag. Only with "
               "`metrics.listen`; 0 turns them off. A report is parsed at scrape time, not by the task, so a "
               "shorter interval costs the tasks little, but the gauges are only as fresh as the last report.",
       .evidence = {"OverrideLoadTest.LogFormatAndStatisticsIntervalFromTheFileOrSet",
                    "MetricsTest.LibrdkafkaStatisticsSeriesAndJsonLogLines"}});
  add({.name = "log.format",
       .type = SettingType::kEnum,
       .scopes = kTopLevel,
       .default_value = "text",
       .allowed = {"text", "json"},
       .kmirror_extension = true,
       .help = "The format of kmirror's log lines on standard error. `text` (the default) is for people; `json` "
               "writes one JSON object per line for log pipelines, with the fields `time` (UTC), `level`, `logger` "
               "(the module), `node` (node.id), `flow`, `topic` and `partition` when the line is about one, "
               "`client` (librdkafka's lines: the client's name), `thread` and `message`. It applies from the "
               "configuration's own messages on; per node with `--set log.format=json` or "
               "`KMIRROR_SET_LOG_FORMAT=json`.",
       .evidence = {"OverrideLoadTest.LogFormatAndStatisticsIntervalFromTheFileOrSet",
                    "MetricsTest.LibrdkafkaStatisticsSeriesAndJsonLogLines"}});

  // ---- Cluster (docs/cluster.md) -----------------------------------------------------
  add({.name = "node.id",
       .type = SettingType::kString,
       .scopes = kTopLevel,
       .default_doc = "the host name",
       .kmirror_extension = true,
       .help = "This process's name in a kmirror cluster (several processes running the same flows from the same "
               "file share each flow's partitions, and one of them runs the flow's once-per-flow duties). It is in "
               "the log's start-up line, the status API, every client id, and the flows' static consumer-group "
               "members (`group.instance.id` = node id, flow and task), so a node restarted within "
               "`session.timeout.ms` gets its partitions back without moving any other. Each node needs its own: "
               "give it per node with `--node-id` or `KMIRROR_NODE_ID` rather than in a shared file; two "
               "processes with the same id fence each other's consumers. ASCII letters, digits, '.', '_' and '-'.",
       .extra_check = [](const std::string& v) { return v.empty() ? std::string() : CheckNodeId(v); },
       .evidence = {"NodeNamesTest.ClientAndMemberIdsCarryTheNode",
                    "ClusterFaultTest.TwoNodesWithOneNodeIdSayItAndBackOff"}});

  // ---- Planned ------------------------------------------------------------------------
  // Planned settings are still validated, so a wrong value is caught before the feature lands.
  auto planned = [&add](SettingSpec s) {
    s.status = SettingStatus::kPlanned;
    add(std::move(s));
  };
  planned({.name = "offset-syncs.topic.replication.factor",
           .type = SettingType::kInt,
           .scopes = kFlow,
           .default_value = "3",
           .min = -1,
           .max = 32767,
           .help = "kmirror does not create an offset-syncs topic yet."});
  planned({.name = "offset-syncs.topic.location",
           .type = SettingType::kEnum,
           .scopes = kFlow,
           .default_value = "source",
           .allowed = {"source", "target"},
           .help = "kmirror does not create an offset-syncs topic yet."});
  planned({.name = "use.defaults.from",
           .type = SettingType::kEnum,
           .scopes = kFlow,
           .default_value = "target",
           .allowed = {"source", "target"},
           .help = "choosing whose defaults to copy for topic configurations is not implemented yet."});
  // ---- Config providers (config_providers.h) ---------------------------------------
  add({.name = "config.providers",
       .type = SettingType::kList,
       .scopes = kTopLevel,
       .help = "Names of Kafka config providers whose placeholders are replaced in every value of the file: "
               "`${file:PATH:KEY}` (the value of KEY in the properties file PATH), `${env:VAR}` (an environment "
               "variable) and `${dir:DIR:FILE}` (the whole content of DIR/FILE), so passwords stay out of the "
               "file. Each name needs `config.providers.<name>.class`. A missing file, key or variable is an "
               "error naming the placeholder (Kafka would use the placeholder text as the value); messages "
               "never show what a placeholder resolves to.",
       .evidence = {"ConfigProvidersTest.FileEnvAndDirPlaceholdersResolveInClientProperties"}});
  add({.name = "config.providers.",
       .family = true,
       .type = SettingType::kString,
       .scopes = kTopLevel,
       .help = "`config.providers.<name>.class`: one of Kafka's "
               "`org.apache.kafka.common.config.provider.FileConfigProvider`, `EnvVarConfigProvider` or "
               "`DirectoryConfigProvider` (other classes are refused: kmirror cannot load Java code). "
               "`config.providers.<name>.param.allowed.paths` (file, dir): comma-separated directories the "
               "paths must be inside; `config.providers.<name>.param.allowlist.pattern` (env): a regex "
               "variable names must match.",
       .evidence = {"ConfigProvidersTest.AllowedPathsAndAllowlistPatternAreEnforced",
                    "ConfigProvidersTest.UnknownClassAndMissingClassAreRefusedWithTheReason"}});
  return r;
}

}  // namespace

const std::vector<SettingSpec>& AllSettings() {
  static const std::vector<SettingSpec> registry = BuildRegistry();
  return registry;
}

}  // namespace kmirror::config
