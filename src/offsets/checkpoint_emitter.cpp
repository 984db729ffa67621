#include "kmirror/offsets/checkpoint_emitter.h"

#include "kmirror/common/logging.h"
#include "kmirror/common/thread_name.h"
#include "kmirror/kafka/admin.h"
#include "kmirror/kafka/groups.h"
#include "kmirror/kafka/producer.h"
#include "kmirror/wire/mm2_records.h"

namespace kmirror::offsets {
namespace {

using std::chrono::milliseconds;
constexpr milliseconds kAdminTimeout{10000};
constexpr milliseconds kFlushTimeout{30000};

int64_t NowMs() {
  return std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

// Remembers the first failed checkpoint delivery of a round (called from Flush/Poll on the
// emitter thread).
class CheckpointEmitter::Deliveries : public kafka::DeliveryHandler {
 public:
  void OnDelivery(kafka::Delivery& d) noexcept override {
    if (!d.status.ok() && first_error.ok()) first_error = d.status;
  }
  Status first_error;
};

bool CheckpointAdvances(const CheckpointRecord* previous, SourceOffset upstream, TargetOffset downstream) {
  if (previous == nullptr) return true;
  if (upstream < previous->upstream) return true;  // the source group rewound: follow it
  if (upstream == previous->upstream && downstream == previous->downstream) return false;  // unchanged
  return downstream >= previous->downstream;
}

bool GroupRefresh::Due(Clock::time_point now) const {
  if (!listed_) return true;
  if (!refresh_) return false;
  return now - last_ >= interval_;
}

void GroupRefresh::Listed(Clock::time_point now) {
  listed_ = true;
  last_ = now;
}

CheckpointEmitter::CheckpointEmitter(CheckpointEmitterOptions options, const OffsetIndex& index,
                                     const CheckpointStore& store)
    : options_(std::move(options)),
      index_(index),
      store_(store),
      group_refresh_(options_.refresh_groups, options_.refresh_groups_interval) {}

CheckpointEmitter::~CheckpointEmitter() { Stop(); }

void CheckpointEmitter::Start() {
  thread_ = std::thread([this] { Run(); });
}

void CheckpointEmitter::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

CheckpointEmitterStats CheckpointEmitter::Stats() const {
  std::lock_guard lock(stats_mu_);
  return stats_;
}

void CheckpointEmitter::Run() {
  SetThreadName("km-ckpt-" + options_.flow.source_alias);
  const logging::FlowScope log_flow(options_.flow.ToString());  // JSON log lines' flow field
  auto log = logging::Get("offsets");
  const std::string flow = options_.flow.ToString();
  // Short first wait: the flow's first offset syncs and the index need a moment; then the
  // configured interval.
  milliseconds wait = std::min(options_.interval, milliseconds(2000));
  for (;;) {
    {
      std::unique_lock lock(mu_);
      if (wake_.wait_for(lock, wait, [this] { return stop_; })) break;
    }
    wait = options_.interval;
    if (!source_groups_) {
      auto s = kafka::GroupAdmin::Create(options_.source_admin, "kmirror-ckpt-src-" + flow);
      auto t = kafka::GroupAdmin::Create(options_.target_admin, "kmirror-ckpt-tgt-" + flow);
      deliveries_ = std::make_unique<Deliveries>();
      auto p = kafka::Producer::Create(options_.target_producer, "kmirror-ckpt-" + flow, deliveries_.get());
      if (!s.ok() || !t.ok() || !p.ok()) {
        log->error("{}: checkpoint clients: {}", flow,
                   (!s.ok()   ? s.status()
                    : !t.ok() ? t.status()
                              : p.status())
                       .ToString());
        continue;
      }
      source_groups_ = std::move(s).value();
      target_groups_ = std::move(t).value();
      producer_ = std::move(p).value();
    }
    if (!EnsureTopic()) continue;
    if (!index_.IsReady(options_.flow) || !store_.IsLoaded(options_.flow)) {
      log->debug("{}: checkpoints wait for the offset index / existing checkpoints", flow);
      wait = std::min(options_.interval, milliseconds(1000));
      continue;
    }
    const uint64_t term = options_.duty_term ? options_.duty_term() : 1;
    if (term == 0) {
      // Another node holds the duties; look again soon so that a handover is not an interval late.
      term_ = 0;
      wait = std::min(options_.interval, milliseconds(1000));
      continue;
    }
    if (term != term_) {
      // The previous holder's checkpoints are the starting point (the store has them).
      if (term_ == 0 && seeded_) log->info("{}: checkpoints continue on this node (duty term {})", flow, term);
      seeded_ = false;
      last_.clear();
      group_refresh_.Forget();  // a new holder lists the groups itself (refresh.groups.enabled = false too)
      term_ = term;
      next_sync_ = {};
    }
    const auto round_start = std::chrono::steady_clock::now();
    const bool ok = EmitRound();
    {
      std::lock_guard lock(stats_mu_);
      stats_.last_round_duration_ms =
          std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - round_start).count();
      ++(ok ? stats_.rounds : stats_.round_failures);
      if (ok) stats_.last_success_ms = NowMs();
    }
    if (options_.sync_group_offsets && std::chrono::steady_clock::now() >= next_sync_) {
      SyncGroupOffsets();
      next_sync_ = std::chrono::steady_clock::now() + options_.sync_interval;
    }
  }
  if (producer_) {
    Status s = producer_->Flush(kFlushTimeout);
    if (!s.ok()) log->warn("{}: checkpoints flush at shutdown: {}", flow, s.ToString());
  }
}

bool CheckpointEmitter::EnsureTopic() {
  if (topic_ready_) return true;
  auto admin = kafka::Admin::Create(options_.target_admin, "kmirror-ckpt-admin-" + options_.flow.ToString());
  if (!admin.ok()) return false;
  // MM2's layout: one partition, compacted (the latest checkpoint per key is what counts).
  kafka::NewTopic nt{
      options_.checkpoints_topic, 1, options_.checkpoints_replication_factor, {{"cleanup.policy", "compact"}}};
  Status s = (*admin)->CreateTopic(nt, kAdminTimeout);
  if (s.ok() || s.code() == StatusCode::kAlreadyExists) {
    if (s.ok()) {
      logging::Get("offsets")->info("{}: created checkpoints topic {}", options_.flow.ToString(),
                                    options_.checkpoints_topic);
    }
    topic_ready_ = true;
    return true;
  }
  // Retried every round; said once per distinct problem.
  if (s.message() != last_topic_error_) {
    logging::Get("offsets")->error("{}: cannot create checkpoints topic {}: {}; no checkpoints until it exists",
                                   options_.flow.ToString(), options_.checkpoints_topic, s.ToString());
    last_topic_error_ = s.message();
  }
  return false;
}

bool CheckpointEmitter::EmitRound() {
  auto log = logging::Get("offsets");
  const std::string flow = options_.flow.ToString();
  if (!seeded_) {
    for (CheckpointRecord& r : store_.List(options_.flow)) {
      Key k{r.group, r.source_topic, r.partition.value()};
      last_[k] = std::move(r);
    }
    seeded_ = true;
  }
  if (group_refresh_.Due(std::chrono::steady_clock::now())) {
    auto groups = source_groups_->ListGroups(kAdminTimeout);
    if (!groups.ok()) {
      log->warn("{}: checkpoints: {}", flow, groups.status().ToString());
      return false;
    }
    groups_.clear();
    for (const kafka::GroupListing& g : *groups) {
      if (options_.group_selected(g.group_id)) groups_.push_back(g.group_id);
    }
    group_refresh_.Listed(std::chrono::steady_clock::now());
    if (!options_.refresh_groups) {  // listed once per duty term
      log->info("{}: refresh.groups.enabled = false: checkpoints cover these {} group(s) from now on", flow,
                groups_.size());
    }
  }
  auto topic = producer_->Topic(options_.checkpoints_topic);
  if (!topic.ok()) {
    log->error("{}: checkpoints: {}", flow, topic.status().ToString());
    return false;
  }
  deliveries_->first_error = Status::Ok();
  std::vector<CheckpointRecord> written;
  int64_t now_ms =
      std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  for (const std::string& group_id : groups_) {
    auto offsets = source_groups_->ListOffsets(group_id, kAdminTimeout);
    if (!offsets.ok()) {
      if (offsets.status().code() != StatusCode::kNotFound) {
        log->warn("{}: offsets of group {}: {}", flow, group_id, offsets.status().ToString());
      }
      continue;
    }
    for (const kafka::GroupOffset& o : *offsets) {
      auto t = index_.Translate(options_.flow, o.partition.topic, o.partition.partition, SourceOffset(o.offset));
      if (!t.ok()) continue;  // not a partition of this flow, or nothing mirrored yet
      if (t->kind == TranslationKind::kBeyondLastRun && t->mirrored_source_end != SourceOffset(o.offset)) {
        continue;  // the group is ahead of the mirrored data: wait until it is mirrored
      }
      Key k{group_id, o.partition.topic, o.partition.partition.value()};
      auto it = last_.find(k);
      const CheckpointRecord* prev = it == last_.end() ? nullptr : &it->second;
      if (!CheckpointAdvances(prev, SourceOffset(o.offset), t->target)) continue;
      auto key = wire::mm2::EncodeCheckpointKey(group_id, t->target_topic, o.partition.partition);
      auto value = wire::mm2::EncodeCheckpointValue(SourceOffset(o.offset), t->target, o.metadata);
      if (!key.ok() || !value.ok()) {
        log->warn("{}: checkpoint of group {}: {}", flow, group_id,
                  (!key.ok() ? key.status() : value.status()).ToString());
        continue;
      }
      if (!HoldsDuties()) break;  // handed over meanwhile: the next holder writes it
      Status s = producer_->ProduceCopy(*topic, Partition(0), *key, *value, nullptr);
      while (s.code() == StatusCode::kUnavailable && s.retriable()) {
        (void)producer_->Poll(milliseconds(50));
        s = producer_->ProduceCopy(*topic, Partition(0), *key, *value, nullptr);
      }
      if (!s.ok()) {
        log->error("{}: checkpoint of group {}: {}", flow, group_id, s.ToString());
        continue;
      }
      CheckpointRecord r;
      r.flow = options_.flow;
      r.group = group_id;
      r.source_topic = o.partition.topic;
      r.target_topic = t->target_topic;
      r.partition = o.partition.partition;
      r.upstream = SourceOffset(o.offset);
      r.downstream = t->target;
      r.metadata = o.metadata;
      r.written_at_ms = now_ms;
      written.push_back(std::move(r));
    }
  }
  if (written.empty()) return true;
  Status f = producer_->Flush(kFlushTimeout);
  if (f.ok()) f = deliveries_->first_error;
  if (!f.ok()) {
    // Not remembered as written: the next round tries again.
    log->error("{}: {} checkpoint(s) not confirmed: {}", flow, written.size(), f.ToString());
    return false;
  }
  for (CheckpointRecord& r : written) {
    Key k{r.group, r.source_topic, r.partition.value()};
    last_[k] = std::move(r);
  }
  log->info("{}: wrote {} checkpoint(s)", flow, written.size());
  std::lock_guard lock(stats_mu_);
  stats_.checkpoints += written.size();
  return true;
}

void CheckpointEmitter::SyncGroupOffsets() {
  auto log = logging::Get("offsets");
  const std::string flow = options_.flow.ToString();
  std::map<std::string, std::vector<const CheckpointRecord*>> by_group;
  for (const auto& [k, r] : last_) by_group[r.group].push_back(&r);
  uint64_t commits = 0, failures = 0;
  for (const auto& [group, records] : by_group) {
    auto d = target_groups_->DescribeGroup(group, kAdminTimeout);
    if (!d.ok()) {
      log->warn("{}: group offset sync of {}: {}", flow, group, d.status().ToString());
      ++failures;
      continue;
    }
    if (d->members > 0) continue;  // the group is consuming on the target: never interfere
    std::vector<TopicPartition> parts;
    for (const CheckpointRecord* r : records) parts.push_back({r->target_topic, r->partition});
    auto committed = target_groups_->Committed(group, parts, kAdminTimeout);
    if (!committed.ok()) {
      log->warn("{}: group offset sync of {}: {}", flow, group, committed.status().ToString());
      ++failures;
      continue;
    }
    std::vector<kafka::GroupOffset> commit;
    for (size_t i = 0; i < records.size(); ++i) {
      const int64_t want = records[i]->downstream.value();
      const auto& have = (*committed)[i];
      if (have && *have >= want) continue;  // never rewind a group on the target
      commit.push_back({parts[i], want, records[i]->metadata});
    }
    if (commit.empty()) continue;
    if (!HoldsDuties()) return;
    Status s = target_groups_->Commit(group, commit, kAdminTimeout);
    if (s.ok()) {
      log->info("{}: synced {} offset(s) of group {} to {}", flow, commit.size(), group, options_.flow.target_alias);
      commits += commit.size();
    } else {
      log->warn("{}: group offset sync of {}: {}", flow, group, s.ToString());
      ++failures;
    }
  }
  std::lock_guard lock(stats_mu_);
  stats_.group_sync_commits += commits;
  stats_.group_sync_failures += failures;
  if (failures == 0) stats_.group_sync_last_success_ms = NowMs();
}

}  // namespace kmirror::offsets
