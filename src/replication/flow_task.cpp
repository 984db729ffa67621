#include "replication/flow_task.h"

#include "kmirror/common/logging.h"
#include "kmirror/common/thread_name.h"
#include "kmirror/wire/provenance.h"
#include "replication/data_loss.h"

namespace kmirror::replication {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr size_t kBatch = 2000;
constexpr milliseconds kPollTimeout{100};
// While records are held for a partition's batch in flight, the task must see that batch's
// delivery report soon: it only arrives when the task polls the producer.
constexpr milliseconds kHeldPollTimeout{1};
constexpr milliseconds kRewindDelay{1000};
constexpr milliseconds kDrainTimeout{60000};
// How often open offset-sync runs are written: bounds how far the log trails the mirror.
constexpr milliseconds kOffsetSyncFlush{500};
constexpr RequestLimit kReleaseAll = RequestLimit::Unlimited();

std::shared_ptr<spdlog::logger> Log() {
  static auto log = logging::Get("replication");
  return log;
}

// Key + value, as the budget counts a record.
int64_t RecordBytes(const kafka::Message& msg) { return static_cast<int64_t>(msg.key_size() + msg.value_size()); }

}  // namespace

FlowTask::FlowTask(const config::FlowConfig& flow, int index, RouteBoard* board, FlowStats* stats)
    : flow_(flow),
      name_(flow.Name() + "#" + std::to_string(index)),
      board_(board),
      stats_(stats),
      limits_(ClientLimits::For(flow)),
      request_{limits_.request_bytes, limits_.request_records},
      fetcher_(limits_.prefetch_bytes(), limits_.prefetch_records, kBatch),
      offset_syncs_(flow.source, flow.target, name_),
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
  auto consumer = kafka::Consumer::Create(limits_.ConsumerProps(flow_.source_consumer), copts);
  if (!consumer.ok()) return consumer.status().Annotate(name_);
  auto producer = kafka::Producer::Create(limits_.ProducerProps(flow_.target_producer),
                                          "kmirror-" + name_ + "-producer", this, kafka::ClientKind::kFlowProducer);
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
  SetThreadName("km-" + name_);
  Log()->info("{}: task started (consumer group {})", name_, flow_.group_id);

  std::vector<kafka::Message> batch;
  std::vector<kafka::ConsumerEvent> events;
  batch.reserve(kBatch);
  while (!stop_.load(std::memory_order_relaxed)) {
    ++round_;
    if (board_->generation() != routes_generation_) RefreshSubscription();
    // Flow control: records on their way to the target (held or in the producer) over the
    // budget wait for acknowledgements before more are read.
    while (OverBudget() && !stop_.load(std::memory_order_relaxed)) {
      producer_->Poll(milliseconds(10));
      ReleaseHeld(producer_->OutstandingCount() == 0);  // nothing in flight: never wait on it
    }
    consumer_->Poll(batch, events, kBatch, held_now_ > 0 ? kHeldPollTimeout : kPollTimeout);
    for (auto& ev : events) HandleEvent(ev);
    events.clear();
    const size_t polled = batch.size();
    for (auto& msg : batch) {
      if (stop_.load(std::memory_order_relaxed)) break;  // unsent records are simply re-read
      MirrorRecord(std::move(msg));
    }
    batch.clear();
    WatchFetcher(polled);
    producer_->Poll(milliseconds(0));  // delivery reports: OnDelivery
    ReleaseHeld(false);
    PublishStats();
    FlushStores();
    if (Clock::now() >= next_sync_flush_) FlushOffsetSyncs();
    if (!rewinds_.empty()) ProcessRewinds();
    Status fatal = producer_->FatalError();
    if (!fatal.ok()) {
      Log()->critical("{}: {}; stopping this flow (the source position stays at the last acknowledged record)", name_,
                      fatal.ToString());
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
  rebalance_pending_ = true;  // until the group has answered the new subscription
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

void FlowTask::MirrorRecord(kafka::Message msg) {
  PartState& state = StateFor(msg);
  if (!rewinds_.empty() && rewinds_.Find(&state) != nullptr) {
    return;  // this partition will be re-read from its rewind point
  }
  const CachedRoute* route = RouteFor(msg);
  if (route == nullptr) {
    // Not routed (yet, or any more): never skip a record silently; re-read it later.
    ScheduleRewind(state, msg.offset(), kRewindDelay, nullptr, "topic not routed to the target");
    return;
  }
  kafka::HeadersPtr headers = msg.DetachHeaders();

  // Provenance: never back to a cluster the record has been on, at most max.hops clusters.
  wire::ProvenancePath path;
  if (auto prov = kafka::LastHeader(headers.get(), wire::kProvenanceHeader)) {
    if (auto parsed = wire::ParseProvenance(*prov)) path = std::move(*parsed);
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
    if (route->partitions == 0) board_->RequestCreate(state.tp.topic);
    board_->RequestSync();
    ScheduleRewind(state, msg.offset(), kRewindDelay, route->topic,
                   route->partitions == 0 ? "remote topic is being created" : "target partition does not exist yet");
    return;
  }
  if (!wire::EncodeProvenance(path, routes_->source_cluster, &provenance_buf_)) {
    stats_->hops.fetch_add(1, std::memory_order_relaxed);  // 255 clusters: cannot be a real path
    Skip(std::move(msg), state);
    return;
  }
  kafka::SetHeader(headers, wire::kProvenanceHeader, provenance_buf_);
  state.meter->Read(msg.timestamp_ms());
  const int64_t bytes = RecordBytes(msg);
  state.next_offset = SourceOffset(msg.offset().value() + 1);
  if (state.sync_slot == nullptr) state.sync_slot = recorder_.Track(state.tp);
  ++inflight_records_;
  inflight_bytes_ += bytes;
  // Value, key, the provenance header and a record's framing (varints, attributes, deltas).
  const int64_t wire = bytes + static_cast<int64_t>(provenance_buf_.size() + wire::kProvenanceHeader.size()) + 24;
  Held record{std::move(msg), std::move(headers), route->topic, bytes, wire};
  if (state.window.Admit(round_, wire, request_)) {
    (void)Send(state.window, std::move(record));
    return;
  }
  ++held_now_;
  ++held_since_publish_;
  if (state.window.Hold(std::move(record))) release_.Push(state.window);
}

void FlowTask::Skip(kafka::Message msg, PartState& state) {
  state.next_offset = SourceOffset(msg.offset().value() + 1);
  if (state.store.Skipped(std::move(msg), !state.window.idle())) dirty_.push_back(&state);
}

bool FlowTask::Send(PartitionWindow<Held>& window, Held&& record) {
  const Partition partition = record.msg.partition();
  for (;;) {
    Status s = producer_->Forward(record.topic, partition, record.msg, record.headers);
    if (s.ok()) {
      window.Sent();
      return true;
    }
    if (s.code() == StatusCode::kUnavailable &&
        (!stop_.load(std::memory_order_relaxed) || Clock::now() < drain_deadline_)) {
      producer_->Poll(milliseconds(10));  // local queue full: let deliveries drain
      // A delivery report served by that poll may have scheduled a rewind of this very
      // partition (the target timed records out): this record is re-read from there, and
      // sending it now would put it ahead of the records the rewind re-sends.
      if (!rewinds_.empty() && RewoundAt(record.msg)) {
        --inflight_records_;
        inflight_bytes_ -= record.bytes;
        return false;
      }
      continue;
    }
    --inflight_records_;
    inflight_bytes_ -= record.bytes;
    ScheduleRewind(StateFor(record.msg), record.msg.offset(), kRewindDelay,
                   s.code() == StatusCode::kNotFound ? record.topic : nullptr, s.ToString());
    return false;
  }
}

bool FlowTask::RewoundAt(const kafka::Message& msg) {
  const Rewinds::Rewind* r = rewinds_.Find(&StateFor(msg));
  return r != nullptr && r->offset <= msg.offset();
}

void FlowTask::ReleaseHeld(bool all) {
  if (all) {
    for (auto& [key, state] : parts_) {
      if (state.window.held() > 0) release_.Push(state.window);
    }
  }
  if (release_.empty()) return;
  const RequestLimit& limit = all ? kReleaseAll : request_;
  // Send() may poll the producer, whose delivery reports queue partitions again: those
  // wait for the next call.
  for (PartitionWindow<Held>* window : release_.Take()) {
    if (!window->BeginRelease(all)) continue;  // queued again when that batch is acknowledged
    while (auto record = window->NextRelease(limit)) {
      --held_now_;
      if (!Send(*window, std::move(*record))) break;  // a rewind dropped the rest
    }
  }
}

void FlowTask::DropHeld(PartState& state, SourceOffset from) { Unbudget(state.window.DropFrom(from)); }

void FlowTask::Unbudget(const DroppedRecords& dropped) {
  inflight_records_ -= dropped.records;
  inflight_bytes_ -= dropped.bytes;
  held_now_ -= dropped.records;
}

void FlowTask::PublishStats() {
  if (const auto paused = static_cast<int64_t>(rewinds_.size()); paused != paused_published_) {
    stats_->paused.fetch_add(paused - paused_published_, std::memory_order_relaxed);
    paused_published_ = paused;
  }
  if (held_since_publish_ != 0) {
    stats_->held_total.fetch_add(held_since_publish_, std::memory_order_relaxed);
    held_since_publish_ = 0;
  }
  if (acked_records_ == 0) return;
  stats_->records.fetch_add(acked_records_, std::memory_order_relaxed);
  stats_->bytes.fetch_add(acked_bytes_, std::memory_order_relaxed);
  acked_records_ = 0;
  acked_bytes_ = 0;
}

void FlowTask::FlushStores() {
  for (PartState* state : dirty_) {
    const kafka::Message msg = state->store.TakePending();
    Status s = consumer_->StoreOffset(msg);
    if (!s.ok()) Log()->debug("{}: {}", name_, s.ToString());  // partition revoked meanwhile
  }
  dirty_.clear();
}

FlowTask::PartState& FlowTask::StateFor(const kafka::Message& msg) {
  const PartitionKey key = KeyOf(msg);
  auto it = parts_.find(key);
  if (it != parts_.end()) return it->second;
  // The partition's first record: its name is made once, here.
  it = parts_.try_emplace(key, TopicPartition{std::string(msg.topic()), msg.partition()}).first;
  parts_by_name_[it->second.tp] = &it->second;
  it->second.meter = stats_->meters.Register(it->second.tp);
  return it->second;
}

FlowTask::PartState* FlowTask::StateByName(const TopicPartition& tp) {
  auto it = parts_by_name_.find(tp);
  return it == parts_by_name_.end() ? nullptr : it->second;
}

void FlowTask::OnDelivery(kafka::Delivery& d) noexcept {
  if (!d.source) return;  // a record produced by copy (offset syncs)
  const kafka::Message& src = d.source;
  PartState& state = StateFor(src);  // exists: the record was mirrored through it
  if (state.window.Acked()) release_.Push(state.window);
  const int64_t bytes = RecordBytes(src);
  --inflight_records_;
  inflight_bytes_ -= bytes;
  if (d.status.ok()) {
    ++acked_records_;
    acked_bytes_ += static_cast<uint64_t>(bytes);
    state.meter->Acked(static_cast<uint64_t>(bytes), src.timestamp_ms());
    if (state.sync_slot != nullptr) recorder_.Record(state.sync_slot, src.offset(), d.offset);
    // Records after a failed one must not move the position past the failure.
    std::optional<SourceOffset> rewind_from;
    if (!rewinds_.empty()) {
      if (const Rewinds::Rewind* r = rewinds_.Find(&state)) rewind_from = r->offset;
    }
    if (state.store.Acked(std::move(d.source), rewind_from, !state.window.idle())) dirty_.push_back(&state);
    return;
  }
  state.store.Failed();
  stats_->failed.fetch_add(1, std::memory_order_relaxed);
  stats_->delivery_errors.Add(d.error_name);
  if (closing_) return;  // re-read on restart: its offset was never stored
  ScheduleRewind(state, src.offset(), kRewindDelay, nullptr, d.status.ToString());
}

void FlowTask::ScheduleRewind(PartState& state, SourceOffset offset, milliseconds delay,
                              kafka::Producer::TopicRef refresh_topic, const std::string& why) {
  const auto now = Clock::now();
  const auto [rewind, first] = rewinds_.Request(&state, offset, now + delay, refresh_topic);
  DropHeld(state, rewind.offset);  // re-read from there
  if (!first) return;
  PauseFor(state, PauseReasons::kRewind);
  if (now - last_error_log_ > std::chrono::seconds(1)) {
    last_error_log_ = now;
    Log()->warn("{}: {} will be re-read from offset {}: {}", name_, state.tp.ToString(), offset.value(), why);
  }
}

void FlowTask::ProcessRewinds() {
  const auto now = Clock::now();
  if (!rewinds_.AnyDue(now)) return;
  // Every record sent before the rewind must have its delivery report first, so that no
  // late report of an abandoned record is mistaken for one of the re-read records.
  Status f = producer_->Flush(kDrainTimeout);
  if (!f.ok()) {
    Log()->warn("{}: {}", name_, f.ToString());
    return;
  }
  FlushStores();
  rewinds_.Due(now, &due_rewinds_);  // after the flush: its delivery reports may add to them
  for (const auto& [state, rewind] : due_rewinds_) {
    if (rewind.refresh_topic != nullptr) {
      Status m = producer_->RefreshMetadata(rewind.refresh_topic);
      if (!m.ok()) Log()->debug("{}: {}", name_, m.ToString());
    }
    Status s = consumer_->Seek(state->tp, rewind.offset);
    if (!s.ok()) {
      Log()->warn("{}: rewind of {}: {}; retrying", name_, state->tp.ToString(), s.ToString());
      rewinds_.Retry(state, now + kRewindDelay);
      continue;
    }
    state->next_offset = rewind.offset;
    ResumeFor(*state, PauseReasons::kRewind);
    stats_->rewinds.fetch_add(1, std::memory_order_relaxed);
    rewinds_.Done(state);
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
  const DataLossReport loss = DescribeDataLoss(name_, tp, ev.offset, range, flow_.source, flow_.target);
  if (loss.lost > 0) stats_->lost.fetch_add(loss.lost, std::memory_order_relaxed);
  stats_->loss_events.fetch_add(1, std::memory_order_relaxed);
  Log()->error("{}", loss.log_line);
  if (!range) {  // retried from the same position
    Status s = consumer_->Restart(tp, ev.offset);
    if (!s.ok()) Log()->error("{}: {}", name_, s.ToString());
    return;
  }
  if (ev.log_range) return;  // the consumer already continues from the log start
  ForgetPartition(tp);       // assigned afresh: not paused, position unknown until its next record
  Status s = consumer_->Restart(tp, range->low);
  if (!s.ok()) Log()->error("{}: restarting {} at {}: {}", name_, tp.ToString(), range->low.value(), s.ToString());
}

void FlowTask::OnRevoke(const std::vector<TopicPartition>& partitions, bool lost) noexcept {
  Log()->info("{}: rebalance: giving up {} partition(s){}", name_, partitions.size(), lost ? " (lost)" : "");
  stats_->assigned.fetch_sub(static_cast<int64_t>(partitions.size()), std::memory_order_relaxed);
  if (lost) {
    for (const auto& tp : partitions) {
      if (PartState* state = StateByName(tp)) Unbudget(state->window.DropAll());  // the new owner re-reads them
    }
  } else {
    // Let the target acknowledge what is held and in flight so its offsets are stored and
    // committed before another member takes over; fewer duplicates.
    ReleaseHeld(true);
    Status f = producer_->Flush(kDrainTimeout);
    if (!f.ok()) Log()->warn("{}: {}", name_, f.ToString());
    FlushOffsetSyncs();
  }
  FlushStores();  // the consumer commits right after this returns
  for (const auto& tp : partitions) {
    if (PartState* state = StateByName(tp)) rewinds_.Done(state);
    ForgetPartition(tp);
  }
}

void FlowTask::OnAssign(const std::vector<TopicPartition>& partitions) noexcept {
  rebalance_pending_ = false;
  stats_->rebalances.fetch_add(1, std::memory_order_relaxed);
  stats_->assigned.fetch_add(static_cast<int64_t>(partitions.size()), std::memory_order_relaxed);
  for (const auto& tp : partitions) ForgetPartition(tp);
  Log()->info("{}: rebalance: assigned {} partition(s)", name_, partitions.size());
}

void FlowTask::PauseFor(PartState& state, PauseReasons::Reason why) {
  if (!state.paused.Add(why)) return;
  Status s = consumer_->Pause(state.tp);
  if (!s.ok()) Log()->debug("{}: {}", name_, s.ToString());
}

void FlowTask::ResumeFor(PartState& state, PauseReasons::Reason why) {
  if (!state.paused.Remove(why)) return;  // other reasons left, or assigned afresh meanwhile
  Status s = consumer_->Resume(state.tp);
  if (!s.ok()) Log()->debug("{}: {}", name_, s.ToString());
}

void FlowTask::ForgetPartition(const TopicPartition& tp) {
  PartState* state = StateByName(tp);
  if (state == nullptr) return;
  state->paused.Clear();
  state->next_offset.reset();
}

void FlowTask::WatchFetcher(size_t polled) {
  const auto queued = static_cast<int64_t>(consumer_->QueuedCount());
  if (!fetcher_.Observe(queued, polled, inflight_records_, inflight_bytes_)) return;
  std::vector<kafka::PartitionOffset> positions;
  for (const auto& [tp, state] : parts_by_name_) {
    if (auto at = FetcherWakeup::SeekTarget(state->next_offset, state->paused.any())) positions.push_back({tp, *at});
  }
  std::vector<TopicPartition> failed;
  Status s = consumer_->Seek(positions, &failed);
  if (!s.ok()) Log()->debug("{}: waking the fetcher: {}", name_, s.ToString());
  stats_->fetch_wakeups.fetch_add(1, std::memory_order_relaxed);
}

void FlowTask::EmitOffsetSync(const offsets::OffsetSyncRun& run) {
  if (!routes_ || !routes_->offset_syncs_ready) return;  // logged by TopicSync
  if (offset_sync_topic_ == nullptr) {
    auto t = producer_->Topic(offset_syncs_.topic());
    if (!t.ok()) return;
    offset_sync_topic_ = *t;
  }
  auto now_ms = std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  const OffsetSyncEmitter::Record record = offset_syncs_.Build(run, *routes_, now_ms);
  Status s = producer_->ProduceCopy(offset_sync_topic_, Partition(0), record.key, record.value, nullptr);
  if (!s.ok()) Log()->warn("{}: offset-sync event: {}", name_, s.ToString());
  if (s.ok()) stats_->offset_syncs.fetch_add(1, std::memory_order_relaxed);
}

void FlowTask::FlushOffsetSyncs() {
  recorder_.Flush();
  next_sync_flush_ = Clock::now() + kOffsetSyncFlush;
}

void FlowTask::Drain() {
  // librdkafka 2.0.2 aborts (cooperative-sticky assignor state) when a consumer that never
  // completed its first join is closed, and a commit made while the group answers a new
  // subscription fails (ILLEGAL_GENERATION) and leaves the position uncommitted. A stop in
  // either moment waits for the rebalance to finish, a few seconds at most; records polled
  // meanwhile are dropped unstored, so they are re-read.
  if (rebalance_pending_ && !subscribed_.empty()) {
    std::vector<kafka::Message> ignored;
    std::vector<kafka::ConsumerEvent> events;
    const auto until = Clock::now() + std::chrono::seconds(15);
    while (rebalance_pending_ && Clock::now() < until) {
      consumer_->Poll(ignored, events, kBatch, kPollTimeout);
      ignored.clear();
      events.clear();
    }
  }
  drain_deadline_ = Clock::now() + kDrainTimeout;  // held records may still wait for room
  ReleaseHeld(true);
  Status f = producer_->Flush(kDrainTimeout);
  if (!f.ok())
    Log()->warn("{}: shutdown: {} records not acknowledged, will be re-read on restart: {}", name_,
                producer_->OutstandingCount(), f.ToString());
  FlushOffsetSyncs();
  Status f2 = producer_->Flush(kDrainTimeout);
  (void)f2;
  FlushStores();
  PublishStats();
  Status c = consumer_->CommitSync();
  if (!c.ok()) Log()->warn("{}: shutdown commit: {}", name_, c.ToString());
  Status cl = consumer_->Close();
  (void)cl;  // logged by Close
  closing_ = true;
  producer_.reset();
}

}  // namespace kmirror::replication
