#include "kmirror/app/commands.h"

#include <google/protobuf/util/json_util.h>

#include <iomanip>
#include <optional>
#include <ostream>

#include "app/failover_guards.h"
#include "kmirror/api/translation_client.h"
#include "kmirror/config/mirror_config.h"
#include "kmirror/config/tls_files.h"
#include "kmirror/kafka/groups.h"

namespace kmirror::app {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;
constexpr std::chrono::milliseconds kKafkaTimeout{15000};
// Asking the source whether the group is still active: it is often down during a failover,
// and waiting for it then only delays the "cannot tell" answer.
constexpr std::chrono::milliseconds kSourceTimeout{8000};

std::string KindName(v1::TranslationKind k) {
  switch (k) {
    case v1::TRANSLATION_KIND_EXACT:
      return "exact";
    case v1::TRANSLATION_KIND_GAP:
      return "gap";
    case v1::TRANSLATION_KIND_BEFORE_FIRST_RUN:
      return "before-first-mirrored";
    case v1::TRANSLATION_KIND_BEYOND_LAST_RUN:
      return "end-of-mirrored";
    default:
      return "?";
  }
}

void PrintTranslations(const v1::TranslateGroupResponse& r, std::ostream& out) {
  out << std::left << std::setw(28) << "source topic" << std::setw(6) << "part" << std::setw(14) << "source offset"
      << std::setw(28) << "target topic" << std::setw(14) << "target offset"
      << "kind\n";
  for (const auto& t : r.translations()) {
    out << std::setw(28) << t.source_topic() << std::setw(6) << t.partition() << std::setw(14) << t.source_offset()
        << std::setw(28) << t.target_topic() << std::setw(14) << t.target_offset() << KindName(t.kind())
        << (t.deleted_on_source() ? " (deleted on source)" : "") << "\n";
  }
  for (const auto& e : r.errors()) {
    out << std::setw(28) << e.source_topic() << std::setw(6) << e.partition() << std::setw(14) << e.source_offset()
        << "not translated: " << e.message() << "\n";
  }
}

// One JSON object per response, with the .proto's field names and zero values included,
// so scripts read the same names as in translation.proto.
std::string ToJson(const google::protobuf::Message& m) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(m, &out, options).ok()) return "{}";
  return out;
}

v1::TranslateGroupRequest GroupRequest(const std::string& from, const std::string& to, const std::string& group) {
  v1::TranslateGroupRequest req;
  req.mutable_flow()->set_source_alias(from);
  req.mutable_flow()->set_target_alias(to);
  req.set_group(group);
  // During a failover the source is often gone: the checkpoints are then the answer.
  req.set_fallback_to_checkpoints(true);
  return req;
}

// The API client the flags ask for; nullopt (the problem printed, naming the file or flag)
// when a TLS file is wrong: a usage error, nothing contacted.
std::optional<api::TranslationClient> MakeClient(const std::string& command, const std::string& address,
                                                 const ApiTlsArgs& tls, std::ostream& err) {
  if (!tls.any()) return std::optional<api::TranslationClient>(std::in_place, address);
  auto pem = config::ReadTlsFiles(tls.cert, tls.key, tls.ca, "--api-cert", "--api-key", "--api-ca");
  if (!pem.ok()) {
    err << "kmirror " << command << ": " << pem.status().message() << "\n";
    return std::nullopt;
  }
  api::ClientTls t{.use_tls = true, .ca = pem->ca, .cert_chain = pem->cert_chain, .private_key = pem->private_key};
  return std::optional<api::TranslationClient>(std::in_place, address, t);
}

}  // namespace

int RunTranslate(const TranslateArgs& a, std::ostream& out, std::ostream& err) {
  const bool one = !a.topic.empty() || a.partition || a.offset;
  if (a.from.empty() || a.to.empty() || (a.group.empty() == !one) ||
      (one && (a.topic.empty() || !a.partition || !a.offset))) {
    err << "kmirror translate: give --from and --to, and either --group G or --topic T --partition P --offset O\n";
    return kExitUsage;
  }
  auto client = MakeClient("translate", a.api, a.api_tls, err);
  if (!client) return kExitUsage;
  if (one) {
    v1::TranslateOffsetRequest req;
    req.mutable_flow()->set_source_alias(a.from);
    req.mutable_flow()->set_target_alias(a.to);
    req.set_topic(a.topic);
    req.set_partition(*a.partition);
    req.set_offset(*a.offset);
    auto r = client->TranslateOffset(req);
    if (!r.ok()) {
      err << "kmirror translate: " << r.status().ToString() << "\n";
      return kExitRuntime;
    }
    if (a.json) {
      out << ToJson(*r) << "\n";
      return kExitOk;
    }
    const auto& t = r->translation();
    out << a.from << ":" << t.source_topic() << "-" << t.partition() << "@" << t.source_offset() << " -> " << a.to
        << ":" << t.target_topic() << "-" << t.partition() << "@" << t.target_offset() << " (" << KindName(t.kind())
        << (t.deleted_on_source() ? ", deleted on source" : "") << ")\n";
    return kExitOk;
  }
  auto r = client->TranslateGroup(GroupRequest(a.from, a.to, a.group));
  if (!r.ok()) {
    err << "kmirror translate: " << r.status().ToString() << "\n";
    return kExitRuntime;
  }
  if (a.json) {
    out << ToJson(*r) << "\n";
    return r->errors_size() == 0 ? kExitOk : kExitRuntime;
  }
  out << "group " << a.group << ", flow " << a.from << "->" << a.to << ": "
      << (r->from_checkpoints() ? "from the latest checkpoints (" + a.from + " unreachable)"
                                : "from the group's committed offsets on " + a.from)
      << "\n";
  PrintTranslations(*r, out);
  return r->errors_size() == 0 ? kExitOk : kExitRuntime;
}

int RunStatus(const StatusArgs& a, std::ostream& out, std::ostream& err) {
  if (a.from.empty() != a.to.empty()) {
    err << "kmirror status: give both --from and --to, or neither (every flow)\n";
    return kExitUsage;
  }
  auto client = MakeClient("status", a.api, a.api_tls, err);
  if (!client) return kExitUsage;
  v1::GetReplicationStatusRequest req;
  if (!a.from.empty()) {
    req.mutable_flow()->set_source_alias(a.from);
    req.mutable_flow()->set_target_alias(a.to);
  }
  req.set_topic(a.topic);
  auto r = client->GetReplicationStatus(req);
  if (!r.ok()) {
    err << "kmirror status: " << r.status().ToString() << "\n";
    return kExitRuntime;
  }
  bool stopped = false;
  for (const auto& f : r->flows()) stopped = stopped || f.stopped_partitions_size() > 0;
  if (a.json) {
    out << ToJson(*r) << "\n";
    return stopped ? kExitRuntime : kExitOk;
  }
  out << "answered by node " << (r->node_id().empty() ? "?" : r->node_id()) << "\n";
  for (const auto& f : r->flows()) {
    out << "flow " << f.flow().source_alias() << "->" << f.flow().target_alias() << ": "
        << (f.index_ready() ? "" : "index catching up, ") << f.lag_records() << " records behind, "
        << f.stopped_partitions_size() << " partition(s) stopped, " << f.dead_lettered_records()
        << " record(s) dead-lettered\n";
    out << std::left << std::setw(28) << "source topic" << std::setw(6) << "part" << std::setw(16) << "mirrored to"
        << std::setw(14) << "source end" << std::setw(10) << "lag"
        << "state\n";
    for (const auto& p : f.partitions()) {
      std::string state = "ok";
      for (const auto& s : f.stopped_partitions()) {
        if (s.source_topic() == p.source_topic() && s.partition() == p.partition()) state = "STOPPED";
      }
      out << std::setw(28) << p.source_topic() << std::setw(6) << p.partition() << std::setw(16)
          << p.mirrored_source_end() << std::setw(14) << p.source_end_offset() << std::setw(10) << p.lag_records()
          << state << "\n";
    }
    for (const auto& s : f.stopped_partitions()) {
      out << "STOPPED " << s.source_topic() << "-" << s.partition() << " at offset " << s.offset() << " (to "
          << s.target_topic() << ", since " << s.since_ms() << " ms since the epoch): " << s.reason() << "\n";
    }
    if (f.last_heartbeat_age_ms() >= 0) {
      out << "  last heartbeat " << std::fixed << std::setprecision(1) << f.last_heartbeat_age_ms() / 1000.0
          << " s ago (replication lag " << f.last_heartbeat_lag_ms() << " ms)\n";
    } else {
      out << "  no heartbeat seen\n";
    }
    out << "  duties: " << (f.duty_holder().empty() ? std::string("no node holds them right now") : f.duty_holder())
        << (f.duties_held_here() ? " (this node)" : "") << "\n";
    out << "  " << std::left << std::setw(24) << "node" << std::setw(22) << "host" << std::setw(7) << "tasks"
        << std::setw(12) << "partitions"
        << "duties\n";
    int partitions = 0;
    for (const auto& n : f.nodes()) {
      partitions += n.partitions();
      out << "  " << std::setw(24) << n.node_id() << std::setw(22) << n.host() << std::setw(7) << n.tasks()
          << std::setw(12) << n.partitions()
          << (n.holds_duties()    ? "holds"
              : n.in_duty_group() ? "standby"
                                  : "-")
          << "\n";
    }
    out << "  " << f.nodes_size() << " node(s), " << partitions << " partition(s) assigned\n";
    if (!f.cluster_error().empty()) out << "  (incomplete: " << f.cluster_error() << ")\n";
  }
  return stopped ? kExitRuntime : kExitOk;
}

int RunFailover(const FailoverArgs& a, std::ostream& out, std::ostream& err) {
  // Everything that can be wrong with the input is checked before any cluster is touched.
  config::MirrorConfig cfg;
  try {
    cfg = config::LoadMm2Properties(a.config);
  } catch (const config::ConfigError& e) {
    for (const auto& p : e.problems()) err << "kmirror failover: config error: " << p.ToString() << "\n";
    return kExitUsage;
  }
  const config::ClusterConfig* target = nullptr;
  const config::ClusterConfig* source = nullptr;
  for (const auto& c : cfg.clusters) {
    if (c.alias == a.to) target = &c;
    if (c.alias == a.from) source = &c;
  }
  // A mistyped alias would otherwise surface later as "no such flow" from the API, or not
  // at all against a server that happens to serve it.
  if (source == nullptr || a.from == a.to) {
    err << "kmirror failover: --from " << a.from << ": "
        << (a.from == a.to ? "same as --to" : "no cluster with that alias in " + a.config) << "\n";
    return kExitUsage;
  }
  if (target == nullptr) {
    err << "kmirror failover: --to " << a.to << ": no cluster with that alias in " << a.config << "\n";
    return kExitUsage;
  }
  auto client = MakeClient("failover", a.api, a.api_tls, err);
  if (!client) return kExitUsage;

  auto r = client->TranslateGroup(GroupRequest(a.from, a.to, a.group));
  if (!r.ok()) {
    err << "kmirror failover: " << r.status().ToString() << "\n";
    return kExitRuntime;
  }
  out << "group " << a.group << ": offsets on " << a.to << " translated "
      << (r->from_checkpoints() ? "from the latest checkpoints (" + a.from + " unreachable)"
                                : "from its committed offsets on " + a.from)
      << "\n";
  PrintTranslations(*r, out);
  if (r->errors_size() > 0 && !a.allow_partial) {
    err << "kmirror failover: " << r->errors_size()
        << " partition(s) could not be translated (listed above); nothing committed "
           "(--allow-partial commits the others)\n";
    return kExitRuntime;
  }
  if (r->translations_size() == 0) {
    err << "kmirror failover: nothing to commit for group " << a.group << "\n";
    return kExitRuntime;
  }

  auto admin = kafka::GroupAdmin::Create(target->client, "kmirror-failover-" + a.to);
  if (!admin.ok()) {
    err << "kmirror failover: " << admin.status().ToString() << "\n";
    return kExitRuntime;
  }
  auto desc = (*admin)->DescribeGroup(a.group, kKafkaTimeout);
  if (!desc.ok()) {
    err << "kmirror failover: " << desc.status().ToString() << "\n";
    return kExitRuntime;
  }
  if (desc->members > 0) {
    err << "kmirror failover: refusing: group " << a.group << " has " << desc->members << " active member(s) on "
        << a.to << " (state " << desc->state << "); stop those consumers first\n";
    return kExitRuntime;
  }
  // Consumers still running on the source would go on there while the group starts again
  // on the target: every record after the translated offsets processed twice.
  {
    auto source_admin = kafka::GroupAdmin::Create(source->client, "kmirror-failover-" + a.from);
    ActivityVerdict v = JudgeGroupActivity(source_admin.ok() ? (*source_admin)->DescribeGroup(a.group, kSourceTimeout)
                                                             : Result<kafka::GroupDescription>(source_admin.status()),
                                           a.group, a.from);
    if (v.activity == GroupActivity::kActive) {
      err << "kmirror failover: refusing: " << v.message << "; stop those consumers first\n";
      return kExitRuntime;
    }
    if (v.activity == GroupActivity::kUnknown && !a.assume_source_inactive) {
      err << "kmirror failover: refusing: " << v.message << "; make sure its consumers on " << a.from
          << " are stopped (or " << a.from << " is gone), then run again with --assume-source-inactive\n";
      return kExitRuntime;
    }
    if (v.activity == GroupActivity::kUnknown) {
      err << "kmirror failover: warning: " << v.message << "; going on (--assume-source-inactive)\n";
    }
  }
  std::vector<TopicPartition> parts;
  std::vector<kafka::GroupOffset> offsets;
  for (const auto& t : r->translations()) {
    parts.push_back({t.target_topic(), Partition(t.partition())});
    offsets.push_back({parts.back(), t.target_offset(), {}});
  }
  auto current = (*admin)->Committed(a.group, parts, kKafkaTimeout);
  if (!current.ok()) {
    err << "kmirror failover: " << current.status().ToString() << "\n";
    return kExitRuntime;
  }
  std::vector<PlannedOffset> plan;
  out << "plan for group " << a.group << " on " << a.to << ":\n";
  for (size_t i = 0; i < parts.size(); ++i) {
    plan.push_back({parts[i], (*current)[i], offsets[i].offset});
    const auto& now = plan.back().current;
    out << "  " << parts[i].ToString() << ": " << (now ? std::to_string(*now) : std::string("(none)")) << " -> "
        << offsets[i].offset << (now && *now > offsets[i].offset ? "  BACKWARDS" : "") << "\n";
  }
  const std::vector<PlannedOffset> back = BackwardMoves(plan);
  if (!back.empty() && !a.allow_backwards) {
    err << "kmirror failover: refusing: group " << a.group << " is already ahead of the translation on " << a.to
        << " in " << back.size() << " partition(s); committing would move it backwards (it would read again what "
        << "it consumed there):\n"
        << DescribeBackwardMoves(back) << "nothing committed (--allow-backwards commits anyway)\n";
    return kExitRuntime;
  }
  if (!back.empty()) {
    err << "kmirror failover: warning: moving group " << a.group << " backwards in " << back.size()
        << " partition(s) (--allow-backwards):\n"
        << DescribeBackwardMoves(back);
  }
  if (a.dry_run) {
    out << "dry run: nothing committed\n";
    return kExitOk;
  }
  Status s = (*admin)->Commit(a.group, offsets, kKafkaTimeout);
  if (!s.ok()) {
    err << "kmirror failover: " << s.ToString() << "\n";
    return kExitRuntime;
  }
  out << "committed " << offsets.size() << " offset(s) for group " << a.group << " on " << a.to
      << "; start its consumers against " << a.to << "\n";
  return kExitOk;
}

}  // namespace kmirror::app
