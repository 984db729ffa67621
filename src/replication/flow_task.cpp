#include "replication/flow_task.h"

#include <pthread.h>

#include <algorithm>
#include <climits>
#include <cstdlib>

#include "kmirror/common/logging.h"
#include "kmirror/wire/offset_sync_event.h"
#include "kmirror/wire/provenance.h"

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

int64_t ParseIntProp(const kafka::ClientProps& props, const std::string& key, int64_t fallback) {
  auto it = props.find(key);
  if (it == props.end()) return fallback;
  char* end = nullptr;
  const long long v = std::strtoll(it->second.c_str(), &end, 10);
  return end != it->second.c_str() && *end == '\0' && v > 0 ? v : fallback;
}

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
  // The budget: half for prefetch (librdkafka's thresholds; a fetch response of an eighth
  // may land on top), a quarter for records waiting for the target (the producer's queue).
  // Measured at 16 MiB (docs/performance.md): prefetch is what keeps a task busy while the
  // fetcher is woken; the producer needs only rate x (linger.ms + round trip), and smaller
  // fetches bound the records of small-record topics, where per-record bookkeeping dominates.
  const int64_t budget_kb = std::max<int64_t>(flow_.max_inflight_bytes / 1024, 64);
  // librdkafka wants a fetch to hold at least one record of the largest size (1 MB by default).
  const int64_t max_record = ParseIntProp(cprops, "message.max.bytes", 1000000);
  cprops.try_emplace("fetch.max.bytes", std::to_string(std::max(budget_kb / 8 * 1024, max_record)));
  cprops.try_emplace("queued.max.messages.kbytes", std::to_string(budget_kb / 2));
  cprops.try_emplace("queued.min.messages", std::to_string(flow_.max_inflight_records / 2));
  prefetch_bytes_ = ParseIntProp(cprops, "queued.max.messages.kbytes", budget_kb / 2) * 1024;
  prefetch_records_ = ParseIntProp(cprops, "queued.min.messages", flow_.max_inflight_records / 2);
  auto consumer = kafka::Consumer::Create(cprops, copts);
  if (!consumer.ok()) return consumer.status().Annotate(name_);
  kafka::ClientProps pprops = flow_.target_producer;
  pprops.try_emplace("queue.buffering.max.kbytes",
                     std::to_string(std::max(budget_kb / 4, 2 * ParseIntProp(pprops, "message.max.bytes", 1000000) / 1024)));
  pprops.try_emplace("queue.buffering.max.messages", std::to_string(flow_.max_inflight_records / 2));
  // The task batches itself (records wait while their partition's batch is in flight, see
  // Held), so librdkafka's linger only has to gather one poll round's records: every cycle
  // waits it out once more, which at 20 ms halved the drain rate.
  pprops.try_emplace("linger.ms", "5");
  // What the task lets the producer hold (see OverBudget) and one produce request's worth
  // per partition (see Held): librdkafka's defaults unless the user set them. Records carry
  // a provenance header and per-record framing, so a request's worth is counted with a
  // margin below the broker's limit.
  producer_bytes_ = ParseIntProp(pprops, "queue.buffering.max.kbytes", budget_kb / 4) * 1024;
  producer_records_ = ParseIntProp(pprops, "queue.buffering.max.messages", flow_.max_inflight_records / 2);
  request_bytes_ = std::min(ParseIntProp(pprops, "batch.size", 1000000), ParseIntProp(pprops, "message.max.bytes", 1000000)) *
                   9 / 10;
  request_records_ = ParseIntProp(pprops, "batch.num.messages", 10000);
  auto producer = kafka::Producer::Create(pprops, "kmirror-" + name_ + "-producer", this);
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
    ++round_;
    if (board_->generation() != routes_generation_) RefreshSubscription();
    // Flow control: records on their way to the target (held or in the producer) over the
    // budget wait for acknowledgements before more are read.
    while (OverBudget() && !stop_.load(std::memory_order_relaxed)) {
      producer_->Poll(milliseconds(10));
      ReleaseHeld(producer_->OutstandingCount() == 0);  // nothing in flight: never wait on it
    }
    consumer_->Poll(batch, events, kBatch, held_records_ > 0 ? kHeldPollTimeout : kPollTimeout);
    for (auto& ev : events) HandleEvent(ev);
    events.clear();
    const size_t polled = batch.size();
    for (auto& msg : batch) {
      if (stop_.load(std::memory_order_relaxed)) break;  // unsent records are simply re-read
      Forward(std::move(msg));
    }
    batch.clear();
    WatchFetcher(polled);
    producer_->Poll(milliseconds(0));
    ReleaseHeld(false);
    PublishStats();
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
  PartState& state = StateFor(msg);
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
    if (route->partitions == 0) board_->RequestCreate(std::string(msg.topic()));
    board_->RequestSync();
    ScheduleRewind({std::string(msg.topic()), msg.partition()}, msg.offset(), kRewindDelay, route->topic,
                   route->partitions == 0 ? "remote topic is being created" : "target partition does not exist yet");
    return;
  }
  if (!wire::EncodeProvenance(path, routes_->source_cluster, &provenance_buf_)) {
    stats_->hops.fetch_add(1, std::memory_order_relaxed);  // 255 clusters: cannot be a real path
    Skip(std::move(msg), state);
    return;
  }
  kafka::SetHeader(headers, wire::kProvenanceHeader, provenance_buf_);
  const int64_t bytes = static_cast<int64_t>(msg.raw()->len + msg.raw()->key_len);
  state.next_offset = msg.offset().value() + 1;
  if (state.sync_slot == nullptr) state.sync_slot = recorder_.Track({std::string(msg.topic()), msg.partition()});
  ++inflight_records_;
  inflight_bytes_ += bytes;
  // Value, key, the provenance header and a record's framing (varints, attributes, deltas).
  const int64_t wire = bytes + static_cast<int64_t>(provenance_buf_.size() + wire::kProvenanceHeader.size()) + 24;
  Held record{std::move(msg), std::move(headers), route->topic, bytes, wire};
  if (OpensOrFitsWindow(state, wire)) {
    (void)Send(state, std::move(record));
  } else {
    state.held.push_back(std::move(record));
    ++held_records_;
    ++held_count_;
    // Nothing of the partition in flight (this round's window filled and was acknowledged
    // already): no delivery report will queue it, so queue it now.
    if (state.in_flight == 0) QueueRelease(state);
  }
}

bool FlowTask::OpensOrFitsWindow(PartState& state, int64_t wire_bytes) {
  if (!state.held.empty()) return false;  // behind older records
  if (state.window_round != round_) {
    if (state.in_flight > 0) return false;  // the previous batch is not acknowledged yet
    state.window_round = round_;
    state.window_bytes = 0;
    state.window_records = 0;
  }
  if (!FitsRequest(state.window_bytes, state.window_records, wire_bytes)) return false;
  state.window_bytes += wire_bytes;
  ++state.window_records;
  return true;
}

bool FlowTask::Send(PartState& state, Held&& record) {
  const Partition partition = record.msg.partition();
  for (;;) {
    Status s = producer_->Forward(record.topic, partition, record.msg, record.headers);
    if (s.ok()) {
      ++state.in_flight;
      return true;
    }
    if (s.code() == StatusCode::kUnavailable &&
        (!stop_.load(std::memory_order_relaxed) || Clock::now() < drain_deadline_)) {
      producer_->Poll(milliseconds(10));  // local queue full: let deliveries drain
      continue;
    }
    --inflight_records_;
    inflight_bytes_ -= record.bytes;
    ScheduleRewind({std::string(record.msg.topic()), partition}, record.msg.offset(), kRewindDelay,
                   s.code() == StatusCode::kNotFound ? record.topic : nullptr, s.ToString());
    return false;
  }
}

void FlowTask::ReleaseHeld(bool all) {
  if (all) {
    for (auto& [key, state] : parts_) {
      if (!state.held.empty()) QueueRelease(state);
    }
  }
  if (release_.empty()) return;
  // Send() may poll the producer, whose deliveries queue partitions again: work on a copy.
  release_scratch_.clear();
  release_scratch_.swap(release_);
  for (PartState* state : release_scratch_) {
    state->release_queued = false;
    if (!all && state->in_flight > 0) continue;  // queued again when that batch is acknowledged
    int64_t bytes = 0, records = 0;
    while (!state->held.empty()) {
      Held& next = state->held.front();
      if (!all && !FitsRequest(bytes, records, next.wire_bytes)) break;
      bytes += next.wire_bytes;
      ++records;
      Held record = std::move(next);
      state->held.pop_front();
      --held_records_;
      if (!Send(*state, std::move(record))) break;  // a rewind dropped the rest
    }
  }
}

void FlowTask::QueueRelease(PartState& state) {
  if (state.release_queued) return;
  state.release_queued = true;
  release_.push_back(&state);
}

bool FlowTask::FitsRequest(int64_t bytes, int64_t records, int64_t next_wire_bytes) const {
  return records == 0 || (bytes + next_wire_bytes <= request_bytes_ && records < request_records_);
}

void FlowTask::DropHeld(const TopicPartition& tp, int64_t from) {
  auto it = parts_by_name_.find(tp);
  if (it == parts_by_name_.end()) return;
  auto& held = it->second->held;
  while (!held.empty() && held.back().msg.offset().value() >= from) {
    --inflight_records_;
    --held_records_;
    inflight_bytes_ -= held.back().bytes;
    held.pop_back();
  }
}

void FlowTask::PublishStats() {
  if (held_count_ != 0) {
    stats_->held.fetch_add(held_count_, std::memory_order_relaxed);
    held_count_ = 0;
  }
  if (acked_records_ == 0) return;
  stats_->records.fetch_add(acked_records_, std::memory_order_relaxed);
  stats_->bytes.fetch_add(acked_bytes_, std::memory_order_relaxed);
  acked_records_ = 0;
  acked_bytes_ = 0;
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

FlowTask::PartState& FlowTask::StateFor(const kafka::Message& msg) {
  auto [it, inserted] = parts_.try_emplace(PartKey{msg.topic_key(), msg.partition().value()});
  if (inserted) {
    it->second.tp = {std::string(msg.topic()), msg.partition()};
    parts_by_name_[it->second.tp] = &it->second;
  }
  return it->second;
}

void FlowTask::Skip(kafka::Message msg, PartState& state) {
  state.next_offset = msg.offset().value() + 1;
  if (state.in_flight == 0 && state.held.empty()) {
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
    if (--state->in_flight == 0 && !state->held.empty()) QueueRelease(*state);
  }
  --inflight_records_;
  inflight_bytes_ -= static_cast<int64_t>(src.raw()->len + src.raw()->key_len);
  if (d.status.ok()) {
    // Records after a failed one must not move the position past the failure.
    int64_t blocked_from = INT64_MAX;
    if (!rewinds_.empty()) {
      auto it = rewinds_.find({std::string(src.topic()), src.partition()});
      if (it != rewinds_.end()) blocked_from = it->second.offset.value();
    }
    const int64_t offset = src.offset().value();
    ++acked_records_;
    acked_bytes_ += src.raw()->len + src.raw()->key_len;
    if (state == nullptr) {  // not expected: every forwarded partition has a state
      if (offset < blocked_from) (void)consumer_->StoreOffset(src);
      return;
    }
    if (state->sync_slot != nullptr) recorder_.Record(state->sync_slot, src.offset(), d.offset);
    if (offset < blocked_from) StoreLater(*state, std::move(d.source));
    if (state->in_flight == 0 && state->held.empty() && state->skipped) {
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
  }
  DropHeld(tp, it->second.offset.value());  // re-read from there
  if (!inserted) return;
  PauseFor(tp, kPauseRewind);
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
    auto st = parts_by_name_.find(it->first);
    if (st != parts_by_name_.end()) st->second->next_offset = it->second.offset.value();
    ResumeFor(it->first, kPauseRewind);
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
  ForgetPartitions({tp});  // assigned afresh: not paused, position unknown until its next record
  Status s = consumer_->Restart(tp, range->low);
  if (!s.ok()) Log()->error("{}: restarting {} at {}: {}", name_, tp.ToString(), low, s.ToString());
}

void FlowTask::OnRevoke(const std::vector<TopicPartition>& partitions, bool lost) noexcept {
  Log()->info("{}: rebalance: giving up {} partition(s){}", name_, partitions.size(), lost ? " (lost)" : "");
  if (lost) {
    for (const auto& tp : partitions) DropHeld(tp, -1);  // the new owner re-reads them
  } else {
    // Let the target acknowledge what is held and in flight so its offsets are stored and
    // committed before another member takes over; fewer duplicates.
    ReleaseHeld(true);
    Status f = producer_->Flush(kDrainTimeout);
    if (!f.ok()) Log()->warn("{}: {}", name_, f.ToString());
    FlushOffsetSyncs();
  }
  FlushStores();  // the consumer commits right after this returns
  for (const auto& tp : partitions) rewinds_.erase(tp);
  ForgetPartitions(partitions);
}

void FlowTask::OnAssign(const std::vector<TopicPartition>& partitions) noexcept {
  rebalance_pending_ = false;
  ForgetPartitions(partitions);
  Log()->info("{}: rebalance: assigned {} partition(s)", name_, partitions.size());
}

void FlowTask::PauseFor(const TopicPartition& tp, PauseReason why) {
  uint8_t& reasons = paused_[tp];
  if (reasons == 0) {
    Status s = consumer_->Pause(tp);
    if (!s.ok()) Log()->debug("{}: {}", name_, s.ToString());
  }
  reasons |= why;
}

void FlowTask::ResumeFor(const TopicPartition& tp, PauseReason why) {
  auto it = paused_.find(tp);
  if (it == paused_.end()) return;  // assigned afresh meanwhile: not paused
  it->second &= static_cast<uint8_t>(~why);
  if (it->second != 0) return;
  paused_.erase(it);
  Status s = consumer_->Resume(tp);
  if (!s.ok()) Log()->debug("{}: {}", name_, s.ToString());
}

void FlowTask::ForgetPartitions(const std::vector<TopicPartition>& partitions) {
  for (const auto& tp : partitions) {
    paused_.erase(tp);
    auto it = parts_by_name_.find(tp);
    if (it != parts_by_name_.end()) it->second->next_offset = -1;
  }
}

void FlowTask::WatchFetcher(size_t polled) {
  const auto queued = static_cast<int64_t>(consumer_->QueuedCount());
  if (inflight_records_ > 0) avg_record_bytes_ = std::max<int64_t>(inflight_bytes_ / inflight_records_, 1);
  // Near either prefetch threshold librdkafka has stopped fetching (or will at its next
  // look), and in librdkafka 2.0 nothing restarts it for up to a second once the queue is
  // drained. The queue is empty when a poll returned less than a full batch.
  if (queued >= prefetch_records_ * 3 / 4 || queued * avg_record_bytes_ >= prefetch_bytes_ * 3 / 4) {
    fetcher_held_ = true;
    return;
  }
  if (!fetcher_held_ || queued > 0 || polled >= kBatch) return;
  fetcher_held_ = false;
  // A seek to the next offset not yet read wakes the fetcher and loses nothing: every record
  // before it was polled, and the queue holds none after it.
  std::vector<kafka::PartitionOffset> positions;
  for (const auto& [tp, state] : parts_by_name_) {
    if (state->next_offset < 0 || paused_.count(tp) != 0) continue;
    positions.push_back({tp, SourceOffset(state->next_offset)});
  }
  std::vector<TopicPartition> failed;
  Status s = consumer_->Seek(positions, &failed);
  if (!s.ok()) Log()->debug("{}: waking the fetcher: {}", name_, s.ToString());
  stats_->fetch_wakeups.fetch_add(1, std::memory_order_relaxed);
}

void FlowTask::EmitOffsetSync(const offsets::OffsetSyncRun& run) {
  if (!routes_ || !routes_->offset_syncs_ready) return;  // logged by TopicSync
  if (offset_sync_topic_ == nullptr) {
    auto t = producer_->Topic(wire::OffsetSyncTopic(flow_.source));
    if (!t.ok()) return;
    offset_sync_topic_ = *t;
  }
  auto route = routes_->topics.find(run.partition->topic);
  const std::string target_topic = route != routes_->topics.end() ? route->second.remote_topic : std::string();
  wire::OffsetSyncWriterInfo info{flow_.source, flow_.target, routes_->source_cluster_id,
                                     routes_->target_cluster_id, name_};
  auto now_ms = std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::string value = wire::SerializeOffsetSyncEvent(wire::MakeOffsetSyncEvent(info, target_topic, run, now_ms));
  Status s = producer_->ProduceCopy(offset_sync_topic_, Partition(0), wire::OffsetSyncRecordKey(*run.partition),
                                    value, nullptr);
  if (!s.ok()) Log()->warn("{}: offset-sync event: {}", name_, s.ToString());
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
  if (!f.ok()) Log()->warn("{}: shutdown: {} records not acknowledged, will be re-read on restart: {}", name_,
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
