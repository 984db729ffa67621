#include "kmirror/replication/flow_task.h"

#include <pthread.h>

#include <algorithm>
#include <climits>

#include "kmirror/common/logging.h"
#include "kmirror/offsets/offset_sync_event.h"
#include "kmirror/replication/provenance.h"

namespace kmirror::replication {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr size_t kBatch = 2000;
constexpr milliseconds kPollTimeout{100};
constexpr milliseconds kRewindDelay{1000};
constexpr milliseconds kDrainTimeout{60000};
// How often open offset-sync runs are written: bounds how far the log trails the mirror.
constexpr milliseconds kOffsetSyncFlush{500};

std::shared_ptr<spdlog::logger> Log() {
  static auto log = logging::Get("replication");
  return log;
}

}  // namespace

FlowTask::FlowTask(const config::FlowConfig& flow, int index, RouteBoard* board, FlowStats* stats)
    : flow_(flow),
      name_(flow.Name() + "#" + std::to_string(index)),
      board_(board),
      stats_(stats),
      recorder_([this](const offsets::OffsetSyncRun& run) { EmitOffsetSync(run); }) {}

FlowTask::~FlowTask() {
  RequestStop();
  Join();
}

Status FlowTask::Start() {
  kafka::ConsumerOptions copts;
  copts.name = "kmirror-" + name_ + "-consumer";
  copts.group_id = flow_.group_id;
  copts.start_at =
      flow_.start_position == config::StartPosition::kEarliest ? kafka::StartAt::kEarliest : kafka::StartAt::kLatest;
  copts.listener = this;
  kafka::ClientProps cprops = flow_.source_consumer;
  // The consumer notices new source partitions through its metadata refresh; keep that in
  // step with the topic refresh instead of librdkafka's 5 minute default.
  auto refresh = std::min<milliseconds>(flow_.refresh_topics_interval, milliseconds(30000));
  cprops.try_emplace("topic.metadata.refresh.interval.ms", std::to_string(refresh.count()));
  auto consumer = kafka::Consumer::Create(cprops, copts);
  if (!consumer.ok()) return consumer.status().Annotate(name_);
  auto producer = kafka::Producer::Create(flow_.target_producer, "kmirror-" + name_ + "-producer", this);
  if (!producer.ok()) return producer.status().Annotate(name_);
  consumer_ = std::move(consumer).value();
  producer_ = std::move(producer).value();
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void FlowTask::Join() {
  if (thread_.joinable()) thread_.join();
}

Status FlowTask::failure() const {
  std::lock_guard lock(failure_mu_);
  return failure_;
}

void FlowTask::Run() {
  std::string thread_name = ("km-" + name_).substr(0, 15);
  pthread_setname_np(pthread_self(), thread_name.c_str());
  Log()->info("{}: task started (consumer group {})", name_, flow_.group_id);

  std::vector<kafka::Message> batch;
  std::vector<kafka::ConsumerEvent> events;
  batch.reserve(kBatch);
  while (!stop_.load(std::memory_order_relaxed)) {
    if (board_->generation() != routes_generation_) RefreshSubscription();
    consumer_->Poll(batch, events, kBatch, kPollTimeout);
    for (auto& ev : events) HandleEvent(ev);
    events.clear();
    for (auto& msg : batch) {
      if (stop_.load(std::memory_order_relaxed)) break;  // unsent records are simply re-read
      Forward(std::move(msg));
    }
    batch.clear();
    producer_->Poll(milliseconds(0));
    FlushStores();
    if (Clock::now() >= next_sync_flush_) FlushOffsetSyncs();
    if (!rewinds_.empty()) ProcessRewinds(false);
    Status fatal = producer_->FatalError();
    if (!fatal.ok()) {
      Log()->critical("{}: {}; stopping this flow (the source position stays at the last acknowledged record)",
                      name_, fatal.ToString());
      std::lock_guard lock(failure_mu_);
      failure_ = fatal;
      break;
    }
  }
  Drain();
  Log()->info("{}: task stopped", name_);
}

void FlowTask::RefreshSubscription() {
  routes_ = board_->Snapshot(&routes_generation_);
  route_cache_.clear();
  std::vector<std::string> topics;
  topics.reserve(routes_->topics.size());
  for (const auto& [topic, route] : routes_->topics) topics.push_back(topic);
  if (topics == subscribed_) return;
  Status s = consumer_->Subscribe(topics);
  if (!s.ok()) {
    Log()->error("{}: {}", name_, s.ToString());
    routes_generation_ = ~0ULL;  // try again next loop
    return;
  }
  Log()->info("{}: subscribed to {} topic(s)", name_, topics.size());
  subscribed_ = std::move(topics);
}

const FlowTask::CachedRoute* FlowTask::RouteFor(const kafka::Message& msg) {
  auto it = route_cache_.find(msg.topic_key());
  if (it != route_cache_.end()) return &it->second;
  auto r = routes_->topics.find(std::string(msg.topic()));
  if (r == routes_->topics.end()) return nullptr;
  kafka::Producer::TopicRef handle = nullptr;
  if (r->second.target_partitions > 0) {  // no handle (and no metadata) before the topic exists
    auto topic = producer_->Topic(r->second.remote_topic);
    if (!topic.ok()) {
      Log()->error("{}: {}", name_, topic.status().ToString());
      return nullptr;
    }
    handle = *topic;
  }
  return &route_cache_.emplace(msg.topic_key(), CachedRoute{handle, r->second.target_partitions}).first->second;
}

void FlowTask::Forward(kafka::Message msg) {
  if (!rewinds_.empty() && rewinds_.count({std::string(msg.topic()), msg.partition()}) != 0) {
    return;  // this partition will be re-read from its rewind point
  }
  const CachedRoute* route = RouteFor(msg);
  if (route == nullptr) {
    // Not routed (yet, or any more): never skip a record silently; re-read it later.
    ScheduleRewind({std::string(msg.topic()), msg.partition()}, msg.offset(), kRewindDelay, nullptr,
                   "topic not routed to the target");
    return;
  }
  PartState& state = parts_[PartKey{msg.topic_key(), msg.partition().value()}];
  kafka::HeadersPtr headers = msg.DetachHeaders();

  // Provenance: never back to a cluster the record has been on, at most max.hops clusters.
  ProvenancePath path;
  if (auto prov = kafka::LastHeader(headers.get(), kProvenanceHeader)) {
    if (auto parsed = ParseProvenance(*prov)) path = std::move(*parsed);
  }
  if (path.Contains(routes_->target_cluster)) {
    stats_->loops.fetch_add(1, std::memory_order_relaxed);
    Skip(std::move(msg), state);
    return;
  }
  if (flow_.max_hops > 0 && static_cast<int>(path.clusters.size()) + 1 > flow_.max_hops) {
    stats_->hops.fetch_add(1, std::memory_order_relaxed);
    Skip(std::move(msg), state);
    return;
  }
  if (msg.partition().value() >= route->partitions) {
    if (route->partitions == 0) board_->RequestCreate(std::string(msg.topic()));
    board_->RequestSync();
    ScheduleRewind({std::string(msg.topic()), msg.partition()}, msg.offset(), kRewindDelay, route->topic,
                   route->partitions == 0 ? "remote topic is being created" : "target partition does not exist yet");
    return;
  }
  if (!EncodeProvenance(path, routes_->source_cluster, &provenance_buf_)) {
    stats_->hops.fetch_add(1, std::memory_order_relaxed);  // 255 clusters: cannot be a real path
    Skip(std::move(msg), state);
    return;
  }
  kafka::SetHeader(headers, kProvenanceHeader, provenance_buf_);
  const std::string_view msg_topic = msg.topic();  // the topic name outlives the message
  const Partition msg_partition = msg.partition();
  for (;;) {
    Status s = producer_->Forward(route->topic, msg.partition(), msg, headers);
    if (s.ok()) {
      ++state.in_flight;
      if (state.sync_slot == nullptr) {
        state.sync_slot = recorder_.Track({std::string(msg_topic), msg_partition});
      }
      return;
    }
    if (s.code() == StatusCode::kUnavailable && !stop_.load(std::memory_order_relaxed)) {
      producer_->Poll(milliseconds(10));  // local queue full: let deliveries drain
      continue;
    }
    ScheduleRewind({std::string(msg.topic()), msg.partition()}, msg.offset(), kRewindDelay,
                   s.code() == StatusCode::kNotFound ? route->topic : nullptr, s.ToString());
    return;
  }
}

void FlowTask::StoreLater(PartState& state, kafka::Message&& msg) {
  if (state.pending_store && state.pending_store.offset() >= msg.offset()) return;
  if (!state.pending_store) dirty_.push_back(&state);
  state.pending_store = std::move(msg);
}

void FlowTask::FlushStores() {
  for (PartState* state : dirty_) {
    Status s = consumer_->StoreOffset(state->pending_store);
    if (!s.ok()) Log()->debug("{}: {}", name_, s.ToString());  // partition revoked meanwhile
    state->pending_store = kafka::Message();
  }
  dirty_.clear();
}

void FlowTask::Skip(kafka::Message msg, PartState& state) {
  if (state.in_flight == 0) {
    StoreLater(state, std::move(msg));
  } else {
    state.skipped = std::move(msg);
  }
}

void FlowTask::OnDelivery(kafka::Delivery& d) noexcept {
  if (!d.source) return;
  const kafka::Message& src = d.source;
  PartState* state = nullptr;
  auto pit = parts_.find(PartKey{src.topic_key(), src.partition().value()});
  if (pit != parts_.end()) {
    state = &pit->second;
    --state->in_flight;
  }
  if (d.status.ok()) {
    // Records after a failed one must not move the position past the failure.
    int64_t blocked_from = INT64_MAX;
    if (!rewinds_.empty()) {
      auto it = rewinds_.find({std::string(src.topic()), src.partition()});
      if (it != rewinds_.end()) blocked_from = it->second.offset.value();
    }
    const int64_t offset = src.offset().value();
    stats_->records.fetch_add(1, std::memory_order_relaxed);
    stats_->bytes.fetch_add(src.raw()->len + src.raw()->key_len, std::memory_order_relaxed);
    if (state == nullptr) {  // not expected: every forwarded partition has a state
      if (offset < blocked_from) (void)consumer_->StoreOffset(src);
      return;
    }
    if (state->sync_slot != nullptr) recorder_.Record(state->sync_slot, src.offset(), d.offset);
    if (offset < blocked_from) StoreLater(*state, std::move(d.source));
    if (state->in_flight == 0 && state->skipped) {
      int64_t skipped = state->skipped.offset().value();
      if (skipped > offset && skipped < blocked_from) StoreLater(*state, std::move(state->skipped));
      state->skipped = kafka::Message();
    }
    return;
  }
  if (state != nullptr) state->skipped = kafka::Message();  // re-read from the failure anyway
  stats_->failed.fetch_add(1, std::memory_order_relaxed);
  if (closing_) return;  // re-read on restart: its offset was never stored
  ScheduleRewind({std::string(src.topic()), src.partition()}, src.offset(), kRewindDelay, nullptr,
                 d.status.ToString());
}

void FlowTask::ScheduleRewind(TopicPartition tp, SourceOffset offset, milliseconds delay,
                              kafka::Producer::TopicRef refresh_topic, const std::string& why) {
  auto [it, inserted] = rewinds_.try_emplace(tp, Rewind{offset, Clock::now() + delay, refresh_topic});
  if (!inserted) {
    it->second.offset = std::min(it->second.offset, offset);
    if (refresh_topic != nullptr) it->second.refresh_topic = refresh_topic;
    return;
  }
  Status s = consumer_->Pause(tp);
  if (!s.ok()) Log()->debug("{}: {}", name_, s.ToString());
  auto now = Clock::now();
  if (now - last_error_log_ > std::chrono::seconds(1)) {
    last_error_log_ = now;
    Log()->warn("{}: {} will be re-read from offset {}: {}", name_, tp.ToString(), offset.value(), why);
  }
}

void FlowTask::ProcessRewinds(bool force) {
  auto now = Clock::now();
  bool due = force;
  for (const auto& [tp, r] : rewinds_) due = due || r.not_before <= now;
  if (!due) return;
  // Every record sent before the rewind must have its delivery report first, so that no
  // late report of an abandoned record is mistaken for one of the re-read records.
  Status f = producer_->Flush(kDrainTimeout);
  if (!f.ok()) {
    Log()->warn("{}: {}", name_, f.ToString());
    return;
  }
  FlushStores();
  for (auto it = rewinds_.begin(); it != rewinds_.end();) {
    if (!force && it->second.not_before > now) {
      ++it;
      continue;
    }
    if (it->second.refresh_topic != nullptr) {
      Status m = producer_->RefreshMetadata(it->second.refresh_topic);
      if (!m.ok()) Log()->debug("{}: {}", name_, m.ToString());
    }
    Status s = consumer_->Seek(it->first, it->second.offset);
    if (!s.ok()) {
      Log()->warn("{}: rewind of {}: {}; retrying", name_, it->first.ToString(), s.ToString());
      it->second.not_before = now + kRewindDelay;
      ++it;
      continue;
    }
    Status r = consumer_->Resume(it->first);
    if (!r.ok()) Log()->debug("{}: {}", name_, r.ToString());
    stats_->rewinds.fetch_add(1, std::memory_order_relaxed);
    it = rewinds_.erase(it);
  }
}

void FlowTask::HandleEvent(const kafka::ConsumerEvent& ev) {
  if (ev.status.code() != StatusCode::kDataLoss || ev.partition.topic.empty()) {
    Log()->warn("{}: {}", name_, ev.status.ToString());
    return;
  }
  const TopicPartition& tp = ev.partition;
  std::optional<kafka::Watermarks> range = ev.log_range;
  if (!range) {
    auto wm = consumer_->QueryWatermarks(tp, milliseconds(10000));
    if (wm.ok()) range = *wm;
  }
  if (!range) {
    Log()->error("{}: DATA LOSS: {} position {} is no longer on {}, and its log range is unknown; retrying", name_,
                 tp.ToString(), ev.offset.value(), flow_.source);
    Status s = consumer_->Restart(tp, ev.offset);
    if (!s.ok()) Log()->error("{}: {}", name_, s.ToString());
    return;
  }
  const int64_t pos = ev.offset.value();
  const int64_t low = range->low.value(), high = range->high.value();
  if (pos >= 0 && pos < low) {
    stats_->lost.fetch_add(static_cast<uint64_t>(low - pos), std::memory_order_relaxed);
    Log()->error(
        "{}: DATA LOSS: {} offsets {}..{} ({} records) were deleted on {} (retention or delete-records) before "
        "they were mirrored to {}; continuing from offset {}",
        name_, tp.ToString(), pos, low - 1, low - pos, flow_.source, flow_.target, low);
  } else {
    Log()->error(
        "{}: DATA LOSS: {} position {} is outside the source log [{}, {}): the partition was truncated or the "
        "topic recreated on {}; continuing from offset {} (records from there may already be on {})",
        name_, tp.ToString(), pos, low, high, flow_.source, low, flow_.target);
  }
  if (ev.log_range) return;  // the consumer already continues from the log start
  Status s = consumer_->Restart(tp, range->low);
  if (!s.ok()) Log()->error("{}: restarting {} at {}: {}", name_, tp.ToString(), low, s.ToString());
}

void FlowTask::OnRevoke(const std::vector<TopicPartition>& partitions, bool lost) noexcept {
  Log()->info("{}: rebalance: giving up {} partition(s){}", name_, partitions.size(), lost ? " (lost)" : "");
  if (!lost) {
    // Let the target acknowledge what is in flight so its offsets are stored and committed
    // before another member takes over; fewer duplicates.
    Status f = producer_->Flush(kDrainTimeout);
    if (!f.ok()) Log()->warn("{}: {}", name_, f.ToString());
    FlushOffsetSyncs();
  }
  FlushStores();  // the consumer commits right after this returns
  for (const auto& tp : partitions) rewinds_.erase(tp);
}

void FlowTask::OnAssign(const std::vector<TopicPartition>& partitions) noexcept {
  assigned_once_ = true;
  Log()->info("{}: rebalance: assigned {} partition(s)", name_, partitions.size());
}

void FlowTask::EmitOffsetSync(const offsets::OffsetSyncRun& run) {
  if (!routes_ || !routes_->offset_syncs_ready) return;  // logged by TopicSync
  if (offset_sync_topic_ == nullptr) {
    auto t = producer_->Topic(offsets::OffsetSyncTopic(flow_.source));
    if (!t.ok()) return;
    offset_sync_topic_ = *t;
  }
  auto route = routes_->topics.find(run.partition->topic);
  const std::string target_topic = route != routes_->topics.end() ? route->second.remote_topic : std::string();
  offsets::OffsetSyncWriterInfo info{flow_.source, flow_.target, routes_->source_cluster_id,
                                     routes_->target_cluster_id, name_};
  auto now_ms = std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::string value = offsets::SerializeOffsetSyncEvent(offsets::MakeOffsetSyncEvent(info, target_topic, run, now_ms));
  Status s = producer_->ProduceCopy(offset_sync_topic_, Partition(0), offsets::OffsetSyncRecordKey(*run.partition),
                                    value, nullptr);
  if (!s.ok()) Log()->warn("{}: offset-sync event: {}", name_, s.ToString());
}

void FlowTask::FlushOffsetSyncs() {
  recorder_.Flush();
  next_sync_flush_ = Clock::now() + kOffsetSyncFlush;
}

void FlowTask::Drain() {
  // librdkafka 2.0.2 aborts (cooperative-sticky assignor state) when a consumer that never
  // completed its first join is closed. A stop right after start waits for that join, a few
  // seconds at most; records polled meanwhile are dropped unstored, so they are re-read.
  if (!assigned_once_ && !subscribed_.empty()) {
    std::vector<kafka::Message> ignored;
    std::vector<kafka::ConsumerEvent> events;
    const auto until = Clock::now() + std::chrono::seconds(15);
    while (!assigned_once_ && Clock::now() < until) {
      consumer_->Poll(ignored, events, kBatch, kPollTimeout);
      ignored.clear();
      events.clear();
    }
  }
  Status f = producer_->Flush(kDrainTimeout);
  if (!f.ok()) Log()->warn("{}: shutdown: {} records not acknowledged, will be re-read on restart: {}", name_,
                           producer_->OutstandingCount(), f.ToString());
  FlushOffsetSyncs();
  Status f2 = producer_->Flush(kDrainTimeout);
  (void)f2;
  FlushStores();
  Status c = consumer_->CommitSync();
  if (!c.ok()) Log()->warn("{}: shutdown commit: {}", name_, c.ToString());
  Status cl = consumer_->Close();
  (void)cl;  // logged by Close
  closing_ = true;
  producer_.reset();
}

}  // namespace kmirror::replication
