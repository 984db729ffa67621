#include "kmirror/replication/flow.h"

#include "kmirror/common/logging.h"
#include "kmirror/common/thread_name.h"
#include "kmirror/kafka/node_names.h"
#include "kmirror/replication/naming_policy.h"
#include "kmirror/replication/topic_filter.h"
#include "kmirror/wire/heartbeat.h"
#include "replication/acl_sync.h"
#include "replication/flow_stats.h"
#include "replication/flow_task.h"
#include "replication/routes.h"
#include "replication/topic_sync.h"

namespace kmirror::replication {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::chrono::seconds kProgressInterval{30};
constexpr std::chrono::seconds kSyncRetry{5};
constexpr std::chrono::seconds kFollowerSyncGap{1};
constexpr std::chrono::milliseconds kDutyCheck{500};

}  // namespace

Flow::Flow(config::FlowConfig config, const offsets::OffsetIndex* offset_index, std::function<uint64_t()> duty_term)
    : config_(std::move(config)),
      name_(config_.Name()),
      offset_index_(offset_index),
      duty_term_(std::move(duty_term)),
      board_(std::make_unique<RouteBoard>()),
      stats_(std::make_unique<FlowStats>()),
      problems_(std::make_unique<PartitionProblems>()) {}

Flow::~Flow() { Stop(); }

Status Flow::Start() {
  // The clients made here log (librdkafka's lines) with the flow of the thread that made them.
  const logging::FlowScope log_flow(name_);
  auto log = logging::Get("replication");
  auto filter = TopicFilter::Create(config_.topics, config_.topics_exclude);
  if (!filter.ok()) return filter.status().Annotate(name_);
  std::shared_ptr<const NamingPolicy> naming =
      MakeNamingPolicy(config_.naming, config_.separator, config_.internal_separator);
  auto sync = TopicSync::Create(config_, naming, *filter, board_.get());
  if (!sync.ok()) return sync.status().Annotate(name_);
  sync_ = std::move(sync).value();
  sync_->SetDutyCheck([this] { return DutyTerm() != 0; });
  if (config_.sync_topic_acls) {
    TopicSync* sync_ptr = sync_.get();
    acl_sync_ = std::make_unique<AclSync>(AclSync::Options{
        .flow = name_,
        .source = config_.source,
        .target = config_.target,
        .source_admin = &sync_->source_admin(),
        .target_admin = &sync_->target_admin(),
        .mirrored = [sync_ptr](const std::string& topic) { return sync_ptr->Selects(topic); },
        .remote_name = [naming, this](const std::string& topic) { return naming->RemoteTopic(config_.source, topic); },
        .holds_duties = [this] { return DutyTerm() != 0; },
        .stats = stats_.get()});
  }
  for (int i = 0; i < config_.tasks; ++i) {
    auto task = std::make_unique<FlowTask>(config_, i, board_.get(), stats_.get(), problems_.get(), offset_index_);
    KM_RETURN_IF_ERROR(task->Start());
    tasks_.push_back(std::move(task));
  }
  if (config_.emit_heartbeats) {
    auto hb = kafka::Producer::Create(
        config_.source_admin, kafka::NodeClientId("kmirror-" + name_ + "-heartbeats", config_.node_id), nullptr);
    if (!hb.ok()) return hb.status().Annotate(name_ + ": heartbeats");
    heartbeats_ = std::move(hb).value();
    auto topic = heartbeats_->Topic(std::string(NamingPolicy::kHeartbeats));
    if (!topic.ok()) return topic.status();
    heartbeats_topic_ = *topic;
  }
  controller_ = std::thread([this] { RunController(); });
  log->info("{}: flow started on node {}: {} task(s), naming {}, topics [{}] minus [{}], consumer group {}", name_,
            config_.node_id, config_.tasks,
            config_.naming == config::RemoteTopicNaming::kPrefix ? "prefix" : "identity",
            fmt::join(config_.topics, ", "), fmt::join(config_.topics_exclude, ", "), config_.group_id);
  return Status::Ok();
}

void Flow::RunController() {
  SetThreadName("km-sync-" + name_);
  const logging::FlowScope log_flow(name_);  // JSON log lines' flow field
  auto log = logging::Get("replication");
  last_progress_ = Clock::now();
  bool sync_now = true;
  Clock::time_point next_sync = Clock::now();
  Clock::time_point next_heartbeat = Clock::now();
  Clock::time_point last_sync{};
  Clock::time_point next_acl_sync = Clock::now();  // a duty: due until this node holds them
  uint64_t term = 0;
  while (true) {
    // A node that just took the duties over does them at once (topics another node left
    // uncreated); one without them re-reads the target at most every second when tasks ask.
    const uint64_t now_term = DutyTerm();
    if (now_term != term && now_term != 0) sync_now = true;
    term = now_term;
    if (sync_now && term == 0 && Clock::now() - last_sync < kFollowerSyncGap) {
      next_sync = std::min(next_sync, last_sync + kFollowerSyncGap);
      sync_now = false;
    }
    if (sync_now || Clock::now() >= next_sync) {
      last_sync = Clock::now();
      Status s = sync_->SyncOnce();
      if (s.ok()) {
        next_sync = Clock::now() + config_.refresh_topics_interval;
      } else {
        log->warn("{}: topic sync: {}", name_, s.ToString());
        next_sync = Clock::now() + std::min<std::chrono::milliseconds>(config_.refresh_topics_interval, kSyncRetry);
      }
    }
    // After the topic sync, so a first round finds the remote topics created (ACLs do not
    // need them to exist; MM2 runs both at start-up too).
    if (acl_sync_ && Clock::now() >= next_acl_sync && DutyTerm() != 0) {
      acl_sync_->SyncOnce();
      next_acl_sync = Clock::now() + config_.sync_topic_acls_interval;
    }
    if (Clock::now() - last_progress_ >= kProgressInterval) LogProgress();
    auto wait = std::min<Clock::duration>(next_sync - Clock::now(), kProgressInterval);
    if (acl_sync_ && DutyTerm() != 0) wait = std::min<Clock::duration>(wait, next_acl_sync - Clock::now());
    if (heartbeats_) {
      if (Clock::now() >= next_heartbeat) {
        EmitHeartbeat();
        next_heartbeat = Clock::now() + config_.heartbeats_interval;
      }
      heartbeats_->Poll(std::chrono::milliseconds(0));
      wait = std::min<Clock::duration>(wait, next_heartbeat - Clock::now());
    }
    if (duty_term_) wait = std::min<Clock::duration>(wait, kDutyCheck);  // notice a duty handover soon
    if (wait < Clock::duration::zero()) wait = Clock::duration::zero();
    sync_now = board_->WaitForSync(std::chrono::duration_cast<std::chrono::milliseconds>(wait));
    if (board_->stopped()) break;
  }
  if (heartbeats_) {
    Status f = heartbeats_->Flush(std::chrono::seconds(5));
    (void)f;  // a lost heartbeat is harmless
  }
  LogProgress();
}

void Flow::EmitHeartbeat() {
  if (!sync_->heartbeats_ready()) return;
  if (DutyTerm() == 0) return;  // the duty holder emits them
  auto now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  Status s = heartbeats_->ProduceCopy(heartbeats_topic_, Partition(0),
                                      wire::EncodeHeartbeatKey(config_.source, config_.target),
                                      wire::EncodeHeartbeatValue(now_ms), nullptr);
  if (!s.ok()) logging::Get("replication")->warn("{}: heartbeat: {}", name_, s.ToString());
  if (s.ok()) stats_->heartbeats.fetch_add(1, std::memory_order_relaxed);
}

void Flow::Sample(metrics::FlowSample* out) const {
  const FlowStats& st = *stats_;
  auto get = [](const auto& a) { return a.load(std::memory_order_relaxed); };
  out->flow = name_;
  out->source = config_.source;
  out->target = config_.target;
  out->records = get(st.records);
  out->bytes = get(st.bytes);
  out->delivery_failures = get(st.failed);
  out->delivery_errors = st.delivery_errors.Snapshot();
  out->rewinds = get(st.rewinds);
  out->data_loss_events = get(st.loss_events);
  out->lost_records = get(st.lost);
  out->loops = get(st.loops);
  out->hops = get(st.hops);
  out->rebalances = get(st.rebalances);
  out->consumer_recoveries = get(st.recoveries);
  out->offset_sync_writes = get(st.offset_syncs);
  out->heartbeats_emitted = get(st.heartbeats);
  out->acl_sync_rounds = get(st.acl_rounds);
  out->acl_bindings_created = get(st.acl_created);
  out->acl_sync_refusals = get(st.acl_refusals);
  out->fetch_wakeups = get(st.fetch_wakeups);
  out->partitions_assigned = std::max<int64_t>(0, get(st.assigned));
  out->partitions_paused = std::max<int64_t>(0, get(st.paused));
  st.meters.ForEach([out, &get](const PartitionMeter& m) {
    metrics::PartitionSample p;
    p.topic = m.tp.topic;
    p.partition = m.tp.partition.value();
    p.records = get(m.records);
    p.bytes = get(m.bytes);
    m.latency.AddTo(&p.latency);
    m.age.AddTo(&p.age);
    out->partitions.push_back(std::move(p));
  });
}

void Flow::LogProgress() {
  auto now = Clock::now();
  double secs = std::chrono::duration<double>(now - last_progress_).count();
  uint64_t records = stats_->records.load(), bytes = stats_->bytes.load();
  uint64_t dr = records - last_records_, db = bytes - last_bytes_;
  logging::Get("replication")
      ->info(
          "{}: {} records ({:.1f} MB) mirrored in the last {:.0f}s ({:.0f} records/s); total {} records, {} "
          "delivery failures, {} rewinds, {} records lost on the source, {} not sent back to a cluster they "
          "came from, {} beyond max.hops, {} fetcher wake-ups, {} records held for a batch in flight, {} derived "
          "records (provenance copied by another processor), {} with untrusted provenance, {} mirrored records "
          "truncated away on the source",
          name_, dr, db / 1e6, secs, secs > 0 ? dr / secs : 0.0, records, stats_->failed.load(), stats_->rewinds.load(),
          stats_->lost.load(), stats_->loops.load(), stats_->hops.load(), stats_->fetch_wakeups.load(),
          stats_->held_total.load(), stats_->derived.load(), stats_->untrusted.load(), stats_->truncated.load());
  last_records_ = records;
  last_bytes_ = bytes;
  last_progress_ = now;
}

void Flow::Stop() {
  if (stopped_) return;
  stopped_ = true;
  for (auto& t : tasks_) t->RequestStop();
  for (auto& t : tasks_) t->Join();
  board_->Stop();
  if (controller_.joinable()) controller_.join();
  tasks_.clear();
  logging::Get("replication")->info("{}: flow stopped", name_);
}

Status Flow::failure() const {
  for (const auto& t : tasks_) {
    Status s = t->failure();
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace kmirror::replication
