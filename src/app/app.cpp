#include "kmirror/app/app.h"

#include <atomic>
#include <filesystem>
#include <future>

#include "app/api_listen.h"
#include "app/flow_metrics.h"
#include "app/librdkafka_metrics.h"
#include "kmirror/api/cluster_view.h"
#include "kmirror/api/flow_backend.h"
#include "kmirror/api/translation_server.h"
#include "kmirror/common/logging.h"
#include "kmirror/common/thread_name.h"
#include "kmirror/kafka/client.h"
#include "kmirror/kafka/duty_lease.h"
#include "kmirror/kafka/groups.h"
#include "kmirror/kafka/node_names.h"
#include "kmirror/kafka/probe.h"
#include "kmirror/kafka/statistics.h"
#include "kmirror/metrics/render.h"
#include "kmirror/metrics/server.h"
#include "kmirror/offsets/checkpoint_emitter.h"
#include "kmirror/offsets/checkpoint_store.h"
#include "kmirror/offsets/flow_state_reader.h"
#include "kmirror/offsets/offset_index.h"
#include "kmirror/replication/flow.h"
#include "kmirror/replication/naming_policy.h"
#include "kmirror/replication/topic_filter.h"
#include "kmirror/wire/mm2_records.h"
#include "kmirror/wire/offset_sync_event.h"

namespace kmirror::app {
namespace {

constexpr std::chrono::milliseconds kGroupLookupTimeout{5000};
// How long the start-up probe waits for a cluster that does not answer at all before going on
// without it (librdkafka keeps trying); a refused certificate or password ends it at once.
constexpr std::chrono::milliseconds kProbeTimeout{15000};

offsets::FlowKey KeyOf(const config::FlowConfig& fc) { return {fc.source, fc.target}; }

std::chrono::milliseconds PropMs(const config::ClientProps& props, const std::string& name, int64_t fallback) {
  auto it = props.find(name);
  if (it == props.end()) return std::chrono::milliseconds(fallback);
  try {
    return std::chrono::milliseconds(std::stoll(it->second));
  } catch (const std::exception&) {
    return std::chrono::milliseconds(fallback);
  }
}

// The flow's duty lease (docs/cluster.md): on the target, with the flow consumer's session
// timeout, so that duties and partitions move on the same schedule when a node dies.
kafka::DutyLeaseOptions LeaseOptions(const config::FlowConfig& fc) {
  kafka::DutyLeaseOptions o;
  o.flow = fc.Name();
  o.node_id = fc.node_id;
  o.props = fc.target_admin;
  o.group_id = kafka::DutyGroupId(fc.group_id);
  o.topic = kafka::DutyTopic(fc.source);
  if (kafka::kStaticDutyMembership) {  // off: kafka/node_names.h says why
    o.instance_id = kafka::StaticMemberId(fc.node_id, fc.source, fc.target, kafka::kDutiesMember);
  }
  o.session_timeout = PropMs(fc.source_consumer, "session.timeout.ms", 45000);
  o.heartbeat_interval = PropMs(fc.source_consumer, "heartbeat.interval.ms", 3000);
  o.topic_replication_factor = fc.replication_factor;
  return o;
}

}  // namespace

App::App(config::MirrorConfig config) : config_(std::move(config)) {}

App::~App() { Stop(); }

Status App::Start() {
  auto log = logging::Get("app");
  log->info("kmirror starting: node {}, {} flow(s) from {}", config_.node_id, config_.flows.size(), config_.origin);
  // librdkafka's statistics of the flow tasks' clients, for /metrics only (kafka/statistics.h).
  kafka::StatisticsBoard::Global().SetInterval(config_.metrics_listen.empty() ? std::chrono::milliseconds(0)
                                                                              : config_.metrics_librdkafka_interval);
  KM_RETURN_IF_ERROR(ProbeClusters());
  // One duty lease per flow, before anything that does duties (flows, checkpoint emitters).
  for (const auto& fc : config_.flows) {
    auto lease = kafka::DutyLease::Start(LeaseOptions(fc));
    if (!lease.ok()) return lease.status().Annotate(fc.Name() + ": duty lease");
    leases_.push_back(std::move(lease).value());
  }
  // The index and its readers first: a flow's partitions resume from the offset-sync log,
  // which the index answers (docs/architecture.md, "The offset-sync log").
  KM_RETURN_IF_ERROR(StartState());
  for (size_t i = 0; i < config_.flows.size(); ++i) {
    const auto& fc = config_.flows[i];
    auto flow = std::make_unique<replication::Flow>(fc, index_.get(), [l = leases_[i].get()] { return l->Term(); });
    Status s = flow->Start();
    if (!s.ok()) return s;
    flows_.push_back(std::move(flow));
  }
  KM_RETURN_IF_ERROR(StartTranslation());
  return StartMetrics();
}

Status App::StartMetrics() {
  if (config_.metrics_listen.empty()) return Status::Ok();
  metrics::Endpoints e;
  e.collect = [this] { return CollectMetrics(); };
  e.readiness = [this] { return Ready(); };
  auto server = metrics::MetricsServer::Start(config_.metrics_listen, std::move(e));
  if (!server.ok()) return server.status();
  metrics_ = std::move(server).value();
  logging::Get("app")->info("metrics listening on {} (port {}): /metrics, /healthz, /readyz", config_.metrics_listen,
                            metrics_->port());
  return Status::Ok();
}

int App::metrics_port() const { return metrics_ ? metrics_->port() : 0; }

std::vector<prometheus::MetricFamily> App::CollectMetrics() const {
  const int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  std::vector<metrics::FlowSample> samples;
  for (size_t i = 0; i < flows_.size(); ++i) {
    const config::FlowConfig& fc = config_.flows[i];
    metrics::FlowSample s;
    flows_[i]->Sample(&s);
    s.running = flows_[i]->failure().ok();
    if (index_ && i < readers_.size()) {
      const offsets::FlowKey key = KeyOf(fc);
      offsets::FlowObservations o = readers_[i]->Observations();
      s.has_index = true;
      s.index_ready = index_->IsReady(key);
      if (auto summaries = index_->Summaries(key); summaries.ok()) s.lag = LagOf(*summaries, o.source_end, now_ms);
      s.last_heartbeat_ms = o.last_heartbeat_ms;
      s.last_heartbeat_seen_at_ms = o.last_heartbeat_seen_at_ms;
      if (i < emitter_of_.size() && emitter_of_[i] != nullptr) {
        s.checkpoints = CheckpointSampleOf(emitter_of_[i]->Stats(), fc.sync_group_offsets);
      }
    }
    samples.push_back(std::move(s));
  }
  metrics::RenderOptions options;
  options.partition_series = config_.metrics_partition_series;
  options.now_ms = now_ms;
  std::vector<prometheus::MetricFamily> out = metrics::RenderFlows(samples, options);
  if (config_.metrics_librdkafka_interval.count() > 0) {
    uint64_t failures = 0;
    const std::vector<kafka::ClientReport> reports = kafka::StatisticsBoard::Global().Collect(&failures);
    if (failures > 0) {
      static std::atomic<bool> warned{false};
      if (!warned.exchange(true)) {
        logging::Get("app")->warn("{} librdkafka statistics report(s) could not be parsed; their series are left out",
                                  failures);
      }
    }
    for (auto& f : metrics::RenderLibrdkafka(LibrdkafkaSamplesOf(reports), options, true)) out.push_back(std::move(f));
  }
  for (auto& f : metrics::RenderProcess(metrics::ReadProcess())) out.push_back(std::move(f));
  out.push_back(metrics::RenderBuildInfo(KMIRROR_VERSION, kafka::LibraryVersion()));
  return out;
}

metrics::Readiness App::Ready() const {
  if (flows_.empty()) return {false, "no flow is running"};
  for (size_t i = 0; i < flows_.size(); ++i) {
    Status s = flows_[i]->failure();
    if (!s.ok()) return {false, flows_[i]->name() + " failed: " + s.ToString()};
    if (index_ && i < readers_.size() && !index_->IsReady(KeyOf(config_.flows[i]))) {
      return {false, flows_[i]->name() + ": the offset index is catching up with the offset-sync log"};
    }
  }
  return {true, ""};
}

// Every distinct connection the flows open (each flow's admin settings on its source and on
// its target, which carry the cluster's security settings and any admin overrides), probed
// concurrently: a TLS or authentication failure stops start-up before anything is mirrored,
// naming the cluster; a cluster that does not answer is only warned about.
Status App::ProbeClusters() {
  auto log = logging::Get("app");
  struct Probe {
    std::string cluster;
    std::string flow;
    std::future<Status> result;
  };
  std::vector<Probe> probes;
  std::vector<std::pair<std::string, const config::ClientProps*>> seen;
  auto add = [&](const std::string& cluster, const std::string& flow, const config::ClientProps& props) {
    for (const auto& [c, p] : seen) {
      if (c == cluster && *p == props) return;
    }
    seen.emplace_back(cluster, &props);
    probes.push_back({cluster, flow, std::async(std::launch::async, [&props, name = "kmirror-probe-" + cluster] {
                        SetThreadName("km-probe");
                        return kafka::ProbeCluster(props, name, kProbeTimeout);
                      })});
  };
  for (const auto& fc : config_.flows) {
    add(fc.source, fc.Name(), fc.source_admin);
    add(fc.target, fc.Name(), fc.target_admin);
  }
  Status first = Status::Ok();
  for (auto& p : probes) {
    Status s = p.result.get();
    if (s.ok()) continue;
    if (s.retriable()) {
      log->warn("cluster {} (flow {}) did not answer at start-up: {}; going on, its clients keep trying", p.cluster,
                p.flow, s.message());
    } else if (first.ok()) {
      first = FailedPrecondition("cannot connect to cluster " + p.cluster + " (flow " + p.flow + "): " + s.message());
    } else {
      log->error("cannot connect to cluster {} (flow {}): {}", p.cluster, p.flow, s.message());
    }
  }
  return first;
}

Status App::StartState() {
  auto log = logging::Get("app");
  if (config_.offsets_index_dir.empty()) {
    // kmirror legacy has none: MirrorMaker 1 had no translation either.
    log->info(
        "no offset index (offsets.index.dir is empty): partitions resume at their committed offsets (which never "
        "pass the offset-sync log) rather than from the log, and nothing translates offsets");
    return Status::Ok();
  }
  std::error_code ec;
  std::filesystem::create_directories(config_.offsets_index_dir, ec);
  if (ec) return FailedPrecondition("offset index directory " + config_.offsets_index_dir + ": " + ec.message());
  auto index = offsets::OffsetIndex::Open(config_.offsets_index_dir);
  if (!index.ok()) return index.status().Annotate("offset index at " + config_.offsets_index_dir);
  index_ = std::move(index).value();
  checkpoints_ = std::make_unique<offsets::CheckpointStore>();
  for (const config::FlowConfig& fc : config_.flows) {
    std::shared_ptr<const replication::NamingPolicy> naming =
        replication::MakeNamingPolicy(fc.naming, fc.separator, fc.internal_separator);
    offsets::FlowStateReaderOptions ro;
    ro.flow = KeyOf(fc);
    ro.target = fc.target_admin;
    ro.source = fc.source_admin;
    ro.offset_sync_topic = wire::OffsetSyncTopic(fc.source);
    ro.checkpoints_topic = wire::mm2::CheckpointsTopic(fc.source, fc.internal_separator);
    ro.heartbeats_topic = naming->RemoteTopic(fc.source, replication::NamingPolicy::kHeartbeats);
    ro.source_topic_of = [naming](std::string_view t) { return naming->UpstreamTopic(t).value_or(std::string(t)); };
    auto reader = std::make_unique<offsets::FlowStateReader>(std::move(ro), *index_, *checkpoints_);
    reader->Start();
    readers_.push_back(std::move(reader));
  }
  return Status::Ok();
}

Status App::StartTranslation() {
  auto log = logging::Get("app");
  bool checkpoints = false;
  for (const auto& fc : config_.flows) checkpoints = checkpoints || fc.emit_checkpoints;
  if (index_ == nullptr || (!checkpoints && config_.api_listen.empty())) return Status::Ok();

  // kmirror's own flow groups live on the source too; checkpointing them would only be noise.
  std::vector<std::string> own_groups;
  for (const auto& fc : config_.flows) {
    own_groups.push_back(fc.group_id);
    own_groups.push_back(kafka::DutyGroupId(fc.group_id));
  }

  std::vector<api::FlowBackend> backends;
  for (size_t i = 0; i < config_.flows.size(); ++i) {
    const config::FlowConfig& fc = config_.flows[i];
    if (fc.emit_checkpoints) {
      auto filter = replication::TopicFilter::Create(fc.groups, fc.groups_exclude);
      if (!filter.ok()) return filter.status().Annotate(fc.Name() + ": groups");
      offsets::CheckpointEmitterOptions eo;
      eo.flow = KeyOf(fc);
      eo.source_admin = fc.source_admin;
      eo.target_producer = fc.target_producer;
      eo.target_admin = fc.target_admin;
      eo.checkpoints_topic = wire::mm2::CheckpointsTopic(fc.source, fc.internal_separator);
      eo.checkpoints_replication_factor = fc.checkpoints_replication_factor;
      eo.interval = fc.checkpoints_interval;
      eo.group_selected = [f = *filter, own_groups](const std::string& g) {
        for (const auto& own : own_groups) {
          if (g == own) return false;
        }
        return f->Matches(g);
      };
      eo.refresh_groups = fc.refresh_groups;
      eo.refresh_groups_interval = fc.refresh_groups_interval;
      eo.sync_group_offsets = fc.sync_group_offsets;
      eo.sync_interval = fc.sync_group_offsets_interval;
      if (i < leases_.size()) eo.duty_term = [l = leases_[i].get()] { return l->Term(); };
      auto emitter = std::make_unique<offsets::CheckpointEmitter>(std::move(eo), *index_, *checkpoints_);
      emitter->Start();
      emitters_.push_back(std::move(emitter));
    }
    emitter_of_.push_back(fc.emit_checkpoints ? emitters_.back().get() : nullptr);

    auto groups = std::make_unique<SourceGroups>();
    SourceGroups* sg = groups.get();
    offsets::FlowStateReader* rd = readers_[i].get();
    api::FlowBackend b;
    b.flow = KeyOf(fc);
    b.node_id = config_.node_id;
    if (i < leases_.size()) {
      b.duties_held_here = [l = leases_[i].get()] { return l->Term() != 0; };
      auto duty_groups = std::make_unique<SourceGroups>();
      b.cluster = [sg, dg = duty_groups.get(), fc] { return DescribeCluster(fc, *sg, *dg); };
      source_groups_.push_back(std::move(duty_groups));
    }
    b.index = index_.get();
    b.checkpoints = checkpoints_.get();
    b.read_source_group = [sg, props = fc.source_admin, name = "kmirror-api-" + fc.Name()](
                              const std::string& group) -> Result<std::vector<kafka::GroupOffset>> {
      std::lock_guard lock(sg->mu);
      if (!sg->admin) {
        auto a = kafka::GroupAdmin::Create(props, name);
        if (!a.ok()) return a.status();
        sg->admin = std::move(a).value();
      }
      return sg->admin->ListOffsets(group, kGroupLookupTimeout);
    };
    const PartitionProblems* problems = i < flows_.size() ? &flows_[i]->problems() : nullptr;
    b.runtime = [rd, problems] {
      offsets::FlowObservations o = rd->Observations();
      api::FlowRuntime r;
      r.log_end = std::move(o.log_end);
      r.source_end = std::move(o.source_end);
      r.source_end_seen_at_ms = o.source_end_seen_at_ms;
      r.last_heartbeat_ms = o.last_heartbeat_ms;
      r.last_heartbeat_seen_at_ms = o.last_heartbeat_seen_at_ms;
      if (problems != nullptr) {
        r.stopped = problems->stopped();
        r.dead_lettered = problems->dead_lettered();
      }
      return r;
    };
    backends.push_back(std::move(b));
    source_groups_.push_back(std::move(groups));
  }

  if (!config_.api_listen.empty()) {
    const config::TlsPem& tls = config_.api_tls;
    api::ServerOptions options{.listen = config_.api_listen,
                               .tls_cert_chain = tls.cert_chain,
                               .tls_private_key = tls.private_key,
                               .tls_client_ca = tls.ca,
                               .max_watch_streams = config_.api_watch_max_streams};
    auto server = api::TranslationServer::Start(options, std::move(backends));
    if (!server.ok()) return server.status().Annotate("api.listen");
    server_ = std::move(server).value();
    log->info("API listening on {} (port {}, {})", config_.api_listen, server_->port(),
              !tls.has_identity() ? "plaintext"
              : tls.ca.empty()    ? "TLS"
                                  : "TLS, client certificates required");
    if (!tls.has_identity() && !IsLoopbackListen(config_.api_listen)) {
      log->warn(
          "the API on {} is plaintext and not on a loopback address: anyone who can reach it can read the flows' "
          "topics, groups and offsets and hold its threads; set api.tls.cert.file, api.tls.key.file and "
          "api.tls.client.ca.file (docs/api.md, \"Exposing the API\")",
          config_.api_listen);
    }
  }
  return Status::Ok();
}

api::ClusterView App::DescribeCluster(const config::FlowConfig& fc, SourceGroups& source, SourceGroups& target) {
  std::string error;
  auto describe = [&error](SourceGroups& g, const config::ClientProps& props, const std::string& name,
                           const std::string& group) -> std::optional<kafka::GroupDescription> {
    std::lock_guard lock(g.mu);
    if (!g.admin) {
      auto a = kafka::GroupAdmin::Create(props, name);
      if (!a.ok()) {
        error += (error.empty() ? "" : "; ") + a.status().ToString();
        return std::nullopt;
      }
      g.admin = std::move(a).value();
    }
    auto d = g.admin->DescribeGroup(group, kGroupLookupTimeout);
    if (!d.ok()) {
      error += (error.empty() ? "" : "; ") + ("group " + group + ": " + d.status().ToString());
      return std::nullopt;
    }
    return std::move(d).value();
  };
  auto flow_group = describe(source, fc.source_admin, "kmirror-api-" + fc.Name(), fc.group_id);
  auto duty_group =
      describe(target, fc.target_admin, "kmirror-api-duties-" + fc.Name(), kafka::DutyGroupId(fc.group_id));
  return api::MakeClusterView(fc.source, fc.target, kafka::DutyTopic(fc.source), flow_group ? &*flow_group : nullptr,
                              duty_group ? &*duty_group : nullptr, std::move(error));
}

void App::Stop() {
  auto log = logging::Get("app");
  const bool running = !flows_.empty() || index_ != nullptr;
  if (metrics_) metrics_->Stop();  // its scrapes read the flows, readers and emitters
  metrics_.reset();
  if (server_) server_->Stop();
  server_.reset();
  emitter_of_.clear();
  emitters_.clear();  // each joins its thread
  if (!flows_.empty()) {
    log->info("kmirror stopping: draining {} flow(s)", flows_.size());
    for (auto& f : flows_) f->Stop();
    flows_.clear();
  }
  // Every duty has stopped: hand the duties over (each lease leaves its group).
  leases_.clear();
  if (checkpoints_) checkpoints_->Close();
  readers_.clear();
  source_groups_.clear();
  index_.reset();
  checkpoints_.reset();
  if (running) log->info("kmirror stopped");
}

Status App::failure() const {
  for (const auto& f : flows_) {
    Status s = f->failure();
    if (!s.ok()) return s.Annotate(f->name());
  }
  return Status::Ok();
}

}  // namespace kmirror::app
