#include "replication/flow_task.h"

#include "kmirror/common/logging.h"
#include "kmirror/common/thread_name.h"
#include "kmirror/kafka/node_names.h"
#include "kmirror/wire/provenance.h"
#include "replication/data_loss.h"
#include "replication/log_gate.h"
#include "replication/log_positions.h"
#include "replication/provenance_rule.h"

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
// How long a stop waits for a rebalance in progress to finish (Drain): the other members
// rejoin at their next heartbeat (3 s by default) or leave at once when they stop too.
constexpr milliseconds kJoinWait{15000};
// How often open offset-sync runs are written: bounds how far the log trails the mirror.
constexpr milliseconds kOffsetSyncFlush{500};
// How long the offset-sync log may acknowledge nothing while commits wait for it before the
// task says so (and again at most this often).
constexpr std::chrono::seconds kLogStallWarning{10};
// At an assignment: how long the index may take to reach the log's end before partitions
// resume at the later of commit and log (resume_rule.h).
constexpr milliseconds kLogEndTimeout{5000};
constexpr milliseconds kLogCurrentWait{10000};
constexpr RequestLimit kReleaseAll = RequestLimit::Unlimited();

std::shared_ptr<spdlog::logger> Log() {
  static auto log = logging::Get("replication");
  return log;
}

// Key + value, as the budget counts a record.
int64_t RecordBytes(const kafka::Message& msg) { return static_cast<int64_t>(msg.key_size() + msg.value_size()); }

}  // namespace

FlowTask::FlowTask(const config::FlowConfig& flow, int index, RouteBoard* board, FlowStats* stats,
                   PartitionProblems* problems, const offsets::OffsetIndex* offset_index)
    : flow_(flow),
      name_(flow.Name() + "#" + std::to_string(index)),
      index_(index),
      board_(board),
      stats_(stats),
      problems_(problems),
      limits_(ClientLimits::For(flow)),
      request_{limits_.request_bytes, limits_.request_records},
      fetcher_(limits_.prefetch_bytes(), limits_.prefetch_records, kBatch),
      offset_syncs_(flow.source, flow.target, name_),
      recorder_([this](const offsets::OffsetSyncRun& run, uint64_t seq) { return EmitOffsetSync(run, seq); }) {
  if (offset_index != nullptr) {
    // Asked at each assignment, on this task's thread: the producer exists by then.
    log_positions_ = std::make_unique<IndexLogPositions>(
        offset_index, offsets::FlowKey{flow.source, flow.target},
        [this]() -> Result<int64_t> {
          KM_ASSIGN_OR_RETURN(end, producer_->EndOffset(offset_syncs_.topic(), Partition(0), kLogEndTimeout));
          return end.value();
        },
        kLogCurrentWait,
        [this](const std::string& topic, Partition partition) -> Result<int64_t> {
          KM_ASSIGN_OR_RETURN(end, producer_->EndOffset(topic, partition, kLogEndTimeout));
          return end.value();
        },
        flow.history_change == config::TargetHistoryChange::kReseed);
  }
}

FlowTask::~FlowTask() {
  RequestStop();
  Join();
}

Result<std::unique_ptr<kafka::Consumer>> FlowTask::CreateConsumer() {
  kafka::ConsumerOptions copts;
  copts.name = kafka::NodeClientId("kmirror-" + name_ + "-consumer", flow_.node_id);
  copts.group_id = flow_.group_id;
  // Static membership: a restart of this node within the session timeout moves no
  // partition (kafka/node_names.h).
  if (kafka::kStaticMembership) {
    copts.group_instance_id = kafka::StaticMemberId(flow_.node_id, flow_.source, flow_.target, index_);
  }
  copts.start_at =
      flow_.start_position == config::StartPosition::kEarliest ? kafka::StartAt::kEarliest : kafka::StartAt::kLatest;
  copts.listener = this;
  copts.log_positions = log_positions_.get();
  copts.statistics = {flow_.Name(), "consumer"};  // librdkafka's statistics for metrics (kafka/statistics.h)
  return kafka::Consumer::Create(limits_.ConsumerProps(flow_.source_consumer), copts);
}

Status FlowTask::Start() {
  auto consumer = CreateConsumer();
  if (!consumer.ok()) return consumer.status().Annotate(name_);
  auto producer = kafka::Producer::Create(limits_.ProducerProps(flow_.target_producer),
                                          kafka::NodeClientId("kmirror-" + name_ + "-producer", flow_.node_id), this,
                                          kafka::ClientKind::kFlowProducer, {flow_.Name(), "producer"});
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
  const logging::FlowScope log_flow(flow_.Name());  // JSON log lines' flow field
  Log()->info("{}: task started (consumer group {})", name_, flow_.group_id);
  last_log_ack_ = Clock::now();

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
    bool fenced = false;
    if (Status fatal = consumer_->FatalError(&fenced); !fatal.ok()) {
      batch.clear();  // not forwarded: the partitions are read again by whoever owns them next
      events.clear();
      RecoverConsumer(fatal, fenced);
      continue;
    }
    for (auto& ev : events) HandleEvent(ev);
    events.clear();
    const size_t polled = batch.size();
    for (auto& msg : batch) {
      if (stop_.load(std::memory_order_relaxed)) break;  // unsent records are simply re-read
      MirrorRecord(std::move(msg));
    }
    batch.clear();
    if (unowned_dropped_ != 0) {
      Log()->debug("{}: {} record(s) polled before their partition was given up: not forwarded", name_,
                   std::exchange(unowned_dropped_, 0));
    }
    if (orphan_failures_ != 0) {
      Log()->info(
          "{}: {} delivery failure(s) of records sent before their partition was given up: not rewound "
          "(the partition is read again from the group's position)",
          name_, std::exchange(orphan_failures_, 0));
    }
    WatchFetcher(polled);
    producer_->Poll(milliseconds(0));  // delivery reports: OnDelivery
    ReleaseHeld(false);
    PublishStats();
    FlushStores();
    if (Clock::now() >= next_sync_flush_) FlushOffsetSyncs();
    if (!rewinds_.empty()) ProcessRewinds();
    if (!dead_letters_.empty()) ProcessDeadLetters();
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

void FlowTask::RecoverConsumer(const Status& fatal, bool fenced) {
  stats_->recoveries.fetch_add(1, std::memory_order_relaxed);
  const ConsumerRecovery::Decision next = recovery_.OnFatal(Clock::now());
  // librdkafka unassigned everything without a rebalance callback: give each partition up as
  // a lost one (nothing stored or committed; held records dropped, later reports ignored).
  auto given_up = static_cast<int64_t>(owned_unseen_.size());
  owned_unseen_.clear();
  for (const auto& [tp, state] : parts_by_name_) {
    if (!state->own.owned()) continue;
    ++given_up;
    GiveUp(tp);
  }
  stats_->assigned.fetch_sub(given_up, std::memory_order_relaxed);
  dead_letters_.clear();
  const std::string member =
      kafka::kStaticMembership ? kafka::StaticMemberId(flow_.node_id, flow_.source, flow_.target, index_) : "";
  if (fenced && next.repeating()) {
    Log()->error(
        "{}: {}. Fenced {} times in a row, each within {} s of the last: another live member uses this task's "
        "group.instance.id {}, so another kmirror process most likely runs with the same node id {} (node.id). "
        "Give every node its own node.id (--node-id, KMIRROR_NODE_ID or node.id in its config) and restart that "
        "node; until then the two take turns with the partitions. A new consumer in {} ms; its partitions resume "
        "from the offset-sync log",
        name_, fatal.ToString(), next.in_a_row, ConsumerRecovery::kQuiet.count(), member, flow_.node_id,
        next.wait.count());
  } else {
    Log()->error(
        "{}: {}; {} partition(s) given up with nothing stored or committed, and a new consumer (group {}{}) "
        "takes over{}: the partitions resume from the offset-sync log (nothing is skipped; what was in flight may "
        "be mirrored again)",
        name_, fatal.ToString(), given_up, flow_.group_id, member.empty() ? "" : ", group.instance.id " + member,
        next.wait.count() > 0 ? " in " + std::to_string(next.wait.count()) + " ms" : "");
  }
  // Records handed to the producer already: their reports are the ended ownership's (no store,
  // no rewind); what the target acknowledged still goes to the offset-sync log, where the
  // partitions resume.
  Status f = producer_->Flush(kDrainTimeout);
  if (!f.ok()) Log()->warn("{}: {}", name_, f.ToString());
  FlushOffsetSyncs();
  Status e = producer_->Flush(kDrainTimeout);
  if (!e.ok()) Log()->warn("{}: {}", name_, e.ToString());
  consumer_->Discard();
  // The old consumer's topic handles key the partitions' states (PartitionKey); a new consumer
  // may get a handle at a freed one's address. Each state is keyed by its own address until
  // its partition's first record through the new consumer (StateFor).
  std::vector<PartitionKey> keys;
  keys.reserve(parts_.size());
  for (const auto& [key, state] : parts_) keys.push_back(key);
  for (const PartitionKey& key : keys) {
    auto node = parts_.extract(key);
    node.mapped().key_topic = &node.mapped();
    node.key() = PartitionKey{node.mapped().key_topic, key.partition};
    parts_.insert(std::move(node));
  }
  route_cache_.clear();
  subscribed_.clear();
  routes_generation_ = ~0ULL;  // the new consumer subscribes in the next loop
  const auto until = Clock::now() + next.wait;
  while (Clock::now() < until && !stop_.load(std::memory_order_relaxed)) producer_->Poll(kPollTimeout);
  if (stop_.load(std::memory_order_relaxed)) return;  // Drain: the discarded consumer commits nothing
  auto consumer = CreateConsumer();
  if (!consumer.ok()) {
    Log()->critical("{}: {}; stopping this flow", name_, consumer.status().ToString());
    std::lock_guard lock(failure_mu_);
    failure_ = consumer.status().Annotate(name_);
    stop_.store(true, std::memory_order_relaxed);
    return;
  }
  if (producer_->OutstandingCount() == 0) retired_.clear();  // none of their records is left
  retired_.push_back(std::exchange(consumer_, std::move(consumer).value()));
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
  const RequestLimit limit = BatchLimit::ForTopic(request_, r->second.max_message_bytes);
  return &route_cache_
              .emplace(msg.topic_key(), CachedRoute{handle, r->second.target_partitions, r->second.remote_topic, limit})
              .first->second;
}

void FlowTask::MirrorRecord(kafka::Message msg) {
  PartState& state = StateFor(msg);
  if (!state.own.owned()) {
    ++unowned_dropped_;  // polled before a revoke in the same poll: the new owner reads it
    return;
  }
  if (!history_stopped_.empty()) [[unlikely]] {
    if (auto it = history_stopped_.find(state.tp); it != history_stopped_.end()) {
      HoldAt(state, msg.offset());  // paused at its first record: nothing read, stored or committed
      const int64_t now_ms =
          std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
      problems_->Stopped({state.tp, "", msg.offset().value(), "target history changed: " + it->second, now_ms});
      history_stopped_.erase(it);
      return;
    }
  }
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

  // Provenance: never back to a cluster the record has been on, at most max.hops clusters;
  // a path only counts if kmirror wrote this very record here (replication/provenance_rule.h).
  wire::ProvenancePath& path = provenance_path_;
  const ProvenanceVerdict verdict = ReadProvenance(kafka::LastHeader(headers.get(), wire::kProvenanceHeader),
                                                   kafka::LastHeader(headers.get(), wire::kProvenanceHopHeader),
                                                   routes_->source_cluster, msg.topic(), msg.partition(), &path);
  // A record that would loop (or exceed max.hops) is skipped before anything else: it must
  // not make the remote topic exist (a topic of records that all came from the target would
  // come back to it as an empty topic with a longer name).
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
  // Before derived/untrusted are counted: a record read before its remote partition exists is
  // re-read after the rewind, and counted then, once.
  if (msg.partition().value() >= route->partitions) {
    if (route->partitions == 0) board_->RequestCreate(state.tp.topic);
    board_->RequestSync();
    ScheduleRewind(state, msg.offset(), kRewindDelay, route->topic,
                   route->partitions == 0 ? "remote topic is being created" : "target partition does not exist yet");
    return;
  }
  if (verdict.trust == ProvenanceTrust::kDerived) {
    stats_->derived.fetch_add(1, std::memory_order_relaxed);
  } else if (verdict.trust == ProvenanceTrust::kUntrusted) {
    NoteUntrusted(msg, verdict.why);
  }
  if (!wire::EncodeProvenance(path, routes_->source_cluster, &provenance_buf_)) {
    stats_->hops.fetch_add(1, std::memory_order_relaxed);  // 255 clusters: cannot be a real path
    Skip(std::move(msg), state);
    return;
  }
  kafka::SetHeader(headers, wire::kProvenanceHeader, provenance_buf_);
  // Where this hop writes the record: a reader on the target checks it (provenance_rule.h).
  const auto path_length = static_cast<uint8_t>(path.clusters.size() + 1);  // <= 255: EncodeProvenance checked
  if (state.hop_path_length != path_length) {
    if (!wire::EncodeProvenanceHop(path_length, routes_->target_cluster, route->remote_topic, msg.partition().value(),
                                   &state.hop)) {
      state.hop.clear();  // cannot happen (Kafka's topic names fit); never keep a copied hop
    }
    state.hop_path_length = path_length;
  }
  kafka::SetHeader(headers, wire::kProvenanceHopHeader, state.hop);
  state.meter->Read(msg.timestamp_ms());
  const int64_t bytes = RecordBytes(msg);
  state.next_offset = SourceOffset(msg.offset().value() + 1);
  if (state.sync_slot == nullptr) state.sync_slot = recorder_.Track(state.tp);
  ++inflight_records_;
  inflight_bytes_ += bytes;
  // Value, key, the provenance header and a record's framing (varints, attributes, deltas).
  const int64_t wire = bytes +
                       static_cast<int64_t>(provenance_buf_.size() + wire::kProvenanceHeader.size() + state.hop.size() +
                                            wire::kProvenanceHopHeader.size()) +
                       24;
  Held record{std::move(msg), std::move(headers), route->topic, bytes, wire};
  state.window.set_limit(state.batch.Get(route->limit));
  if (state.window.Admit(round_, wire, state.window.limit())) {
    (void)Send(state.window, std::move(record));
    return;
  }
  ++held_now_;
  ++held_since_publish_;
  if (state.window.Hold(std::move(record))) release_.Push(state.window);
}

void FlowTask::NoteUntrusted(const kafka::Message& msg, const char* why) {
  stats_->untrusted.fetch_add(1, std::memory_order_relaxed);
  // Untrusted input from the source: counted always, logged at most every 10 s per task.
  const auto now = Clock::now();
  if (now - last_untrusted_log_ < std::chrono::seconds(10)) {
    ++untrusted_unlogged_;
    return;
  }
  Log()->warn("{}: {}-{} offset {}: untrusted provenance header ({}); mirrored as a record produced on {}{}", name_,
              msg.topic(), msg.partition().value(), msg.offset().value(), why, flow_.source,
              untrusted_unlogged_ == 0
                  ? std::string()
                  : fmt::format(" ({} more such records since the last line)", untrusted_unlogged_));
  last_untrusted_log_ = now;
  untrusted_unlogged_ = 0;
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
    if (s.code() == StatusCode::kUnavailable && window.in_flight() > 0) {
      // Local queue full with earlier records of the partition in flight: sent with the next
      // batch, never later than them into librdkafka (PartitionWindow::Refused).
      window.Refused(std::move(record));
      ++held_now_;
      return false;
    }
    if (s.code() == StatusCode::kUnavailable &&
        (!stop_.load(std::memory_order_relaxed) || Clock::now() < drain_deadline_)) {
      producer_->Poll(milliseconds(10));  // local queue full, nothing of the partition in flight
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
    if (s.code() == StatusCode::kInvalidArgument) {  // larger than the producer's message.max.bytes
      PartState& state = StateFor(record.msg);
      Undeliverable(state, std::move(record.msg), std::move(record.headers), FailureVerdict::kRecord, s.ToString());
      return false;
    }
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
      if (state.window.held() == 0) continue;
      const RequestLimit& limit = state.window.limit();
      if (limit.bytes < request_.bytes || limit.records < request_.records) {
        // Released at once, librdkafka would put these records into batches of its own size,
        // larger than the remote topic accepts: re-read them instead (nothing was sent).
        const auto [rewind, first] = rewinds_.Request(&state, *state.window.first_held(), Clock::now(), nullptr);
        DropHeld(state, rewind.offset);
        if (first) PauseFor(state, PauseReasons::kRewind);
        continue;
      }
      release_.Push(state.window);
    }
  }
  if (release_.empty()) return;
  // Send() may poll the producer, whose delivery reports queue partitions again: those
  // wait for the next call.
  for (PartitionWindow<Held>* window : release_.Take()) {
    if (!window->BeginRelease(all)) continue;  // queued again when that batch is acknowledged
    const RequestLimit& limit = all ? kReleaseAll : window->limit();
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
  size_t waiting = 0;  // partitions whose store waits for the log stay listed, in front
  for (PartState* state : dirty_) {
    const std::optional<SourceOffset> pending = state->store.PendingOffset();
    if (!pending) continue;  // forgotten meanwhile
    const GatedStore gate = GateStore(*pending, recorder_.FirstUncovered(state->sync_slot), state->stored_next);
    if (gate.kind == GatedStore::Kind::kRecord) {
      const kafka::Message msg = state->store.TakePending();
      if (!msg) continue;  // given up since (StorePosition::Reset)
      state->stored_next = SourceOffset(msg.offset().value() + 1);
      Status s = consumer_->StoreOffset(msg);
      if (!s.ok()) Log()->debug("{}: {}", name_, s.ToString());  // partition revoked meanwhile
      continue;
    }
    if (gate.kind == GatedStore::Kind::kOffset) {
      state->stored_next = gate.next;
      Status s = consumer_->StoreOffset(state->tp, gate.next);
      if (!s.ok()) Log()->debug("{}: {}", name_, s.ToString());
    }
    dirty_[waiting++] = state;
  }
  dirty_.resize(waiting);
  if (waiting == 0) return;
  const auto now = Clock::now();
  if (now - last_log_ack_ >= kLogStallWarning && now - last_log_warning_ >= kLogStallWarning) {
    last_log_warning_ = now;
    Log()->warn(
        "{}: the offset-sync log {} on {} has acknowledged nothing for {} s: the committed source offsets of {} "
        "partition(s) wait for it (records after them are re-read on restart, never skipped)",
        name_, offset_syncs_.topic(), flow_.target,
        std::chrono::duration_cast<std::chrono::seconds>(now - last_log_ack_).count(), waiting);
  }
}

FlowTask::PartState& FlowTask::StateFor(const kafka::Message& msg) {
  const PartitionKey key = KeyOf(msg);
  auto it = parts_.find(key);
  if (it != parts_.end()) return it->second;
  TopicPartition name{std::string(msg.topic()), msg.partition()};
  if (auto known = parts_by_name_.find(name); known != parts_by_name_.end()) {
    // Seen through another consumer (RecoverConsumer discarded it): the same state, now under
    // this message's topic handle (a late delivery report may bring the old one's back).
    if (auto node = parts_.extract(PartitionKey{known->second->key_topic, msg.partition()}); !node.empty()) {
      node.mapped().key_topic = key.topic;
      node.key() = key;
      return parts_.insert(std::move(node)).position->second;
    }
  }
  // The partition's first record: its name is made once, here.
  it = parts_.try_emplace(key, std::move(name)).first;
  it->second.key_topic = key.topic;
  parts_by_name_[it->second.tp] = &it->second;
  if (owned_unseen_.erase(it->second.tp) > 0) it->second.own.Assign();
  it->second.meter = stats_->meters.Register(it->second.tp);
  return it->second;
}

FlowTask::PartState* FlowTask::StateByName(const TopicPartition& tp) {
  auto it = parts_by_name_.find(tp);
  return it == parts_by_name_.end() ? nullptr : it->second;
}

void FlowTask::OnDelivery(kafka::Delivery& d) noexcept {
  if (!d.source) {  // a record produced by copy: an offset-sync event
    OnOffsetSyncDelivery(d);
    return;
  }
  const kafka::Message& src = d.source;
  PartState& state = StateFor(src);  // exists: the record was mirrored through it
  if (d.topic == dead_letter_topic_) return OnDeadLetterDelivery(state, d);
  if (state.window.Acked()) release_.Push(state.window);
  const int64_t bytes = RecordBytes(src);
  --inflight_records_;
  inflight_bytes_ -= bytes;
  // A record sent before its partition was given up: the new owner (or this task, if the
  // partition came back) re-reads it from the group's position; no store, no rewind.
  const bool owned = state.own.Report();
  if (d.status.ok()) {
    ++acked_records_;
    acked_bytes_ += static_cast<uint64_t>(bytes);
    state.meter->Acked(static_cast<uint64_t>(bytes), src.timestamp_ms());
    if (state.sync_slot != nullptr) recorder_.Record(state.sync_slot, src.offset(), d.offset);
    if (!owned) return;
    // Records after a failed one must not move the position past the failure.
    std::optional<SourceOffset> rewind_from;
    if (!rewinds_.empty()) {
      if (const Rewinds::Rewind* r = rewinds_.Find(&state)) rewind_from = r->offset;
    }
    if (state.store.Acked(std::move(d.source), rewind_from, !state.window.idle())) dirty_.push_back(&state);
    return;
  }
  stats_->failed.fetch_add(1, std::memory_order_relaxed);
  stats_->delivery_errors.Add(d.error_name);
  if (!owned) {
    ++orphan_failures_;
    return;
  }
  state.store.Failed();
  if (closing_) return;  // re-read on restart: its offset was never stored
  // Later records of a batch whose first failure was dealt with are re-read with it.
  const Rewinds::Rewind* pending = rewinds_.empty() ? nullptr : rewinds_.Find(&state);
  const FailureVerdict verdict = pending != nullptr && pending->offset <= src.offset()
                                     ? FailureVerdict::kRetry
                                     : ClassifyFailure(d.error, state.window.batch_records());
  if (verdict == FailureVerdict::kSplit) {
    // Rejected as a whole (librdkafka 2.0 does not split it): smaller batches from here.
    const int64_t records = state.window.batch_records();
    state.batch.Split(records);
    ScheduleRewind(state, src.offset(), milliseconds(0), nullptr,
                   d.status.ToString() + "; the batch of " + std::to_string(records) + " records is split, at most " +
                       std::to_string(state.batch.max_records()) + " per batch from here");
    return;
  }
  if (verdict == FailureVerdict::kRecord || verdict == FailureVerdict::kTopic) {
    Undeliverable(state, std::move(d.source), std::move(d.headers), verdict, d.status.ToString());
    return;
  }
  ScheduleRewind(state, src.offset(), kRewindDelay, nullptr, d.status.ToString());
}

void FlowTask::Undeliverable(PartState& state, kafka::Message msg, kafka::HeadersPtr headers, FailureVerdict verdict,
                             const std::string& why) {
  const SourceOffset offset = msg.offset();
  if (verdict == FailureVerdict::kRecord && flow_.undeliverable == config::UndeliverableRecords::kDeadLetter) {
    if (routes_ && routes_->dead_letter_ready) {
      HoldAt(state, offset);  // until the dead-letter topic acknowledged it
      dead_letters_.push_back({&state, std::move(msg), std::move(headers), why});
      return;
    }
    StopPartition(state, offset, why + "; the dead-letter topic " + flow_.DeadLetterTopic() + " does not exist");
    return;
  }
  StopPartition(state, offset, why);
}

void FlowTask::HoldAt(PartState& state, SourceOffset offset) {
  const auto [rewind, first] = rewinds_.Request(&state, offset, Clock::time_point::max(), nullptr);
  rewinds_.Retry(&state, Clock::time_point::max());  // a pending rewind would re-read it
  DropHeld(state, rewind.offset);
  if (first) PauseFor(state, PauseReasons::kRewind);
}

void FlowTask::StopPartition(PartState& state, SourceOffset offset, const std::string& reason) {
  HoldAt(state, offset);
  std::string remote;
  if (routes_) {
    auto r = routes_->topics.find(state.tp.topic);
    if (r != routes_->topics.end()) remote = r->second.remote_topic;
  }
  const int64_t now_ms =
      std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  problems_->Stopped({state.tp, remote, offset.value(), reason, now_ms});
  const logging::PartitionScope about(state.tp.topic, state.tp.partition.value());  // JSON lines' topic, partition
  Log()->error(
      "{}: partition {} STOPPED at offset {}: the record cannot be delivered to {}: {}. Nothing after it is "
      "committed and nothing is skipped; the flow's other partitions go on. Fix the cause and restart (or set "
      "undeliverable.records = dead-letter)",
      name_, state.tp.ToString(), offset.value(), remote, reason);
}

void FlowTask::ProcessDeadLetters() {
  for (auto it = dead_letters_.begin(); it != dead_letters_.end();) {
    PartState& state = *it->state;
    const SourceOffset offset = it->msg.offset();
    const Rewinds::Rewind* hold = rewinds_.Find(&state);
    if (hold == nullptr || hold->offset != offset) {  // given up meanwhile: its new owner re-reads it
      it = dead_letters_.erase(it);
      continue;
    }
    if (!state.window.idle() || state.dead_letter) {  // earlier records' reports first
      ++it;
      continue;
    }
    if (dead_letter_topic_ == nullptr) {
      auto t = producer_->Topic(flow_.DeadLetterTopic());
      if (!t.ok()) {
        StopPartition(state, offset, it->error + "; dead-letter topic: " + t.status().ToString());
        it = dead_letters_.erase(it);
        continue;
      }
      dead_letter_topic_ = *t;
    }
    kafka::HeadersPtr headers = std::move(it->headers);
    std::string remote;
    if (auto r = routes_->topics.find(state.tp.topic); r != routes_->topics.end()) remote = r->second.remote_topic;
    kafka::SetHeader(headers, "kmirror.dead-letter.topic", state.tp.topic);
    kafka::SetHeader(headers, "kmirror.dead-letter.partition", std::to_string(state.tp.partition.value()));
    kafka::SetHeader(headers, "kmirror.dead-letter.offset", std::to_string(offset.value()));
    kafka::SetHeader(headers, "kmirror.dead-letter.target-topic", remote);
    kafka::SetHeader(headers, "kmirror.dead-letter.error", it->error);
    Status s = producer_->Forward(dead_letter_topic_, Partition(0), it->msg, headers);
    if (!s.ok()) {
      if (s.code() == StatusCode::kUnavailable) {  // queue full: next loop
        it->headers = std::move(headers);
        ++it;
        continue;
      }
      StopPartition(state, offset, it->error + "; the dead-letter topic refused it too: " + s.ToString());
      it = dead_letters_.erase(it);
      continue;
    }
    state.dead_letter = offset;
    state.dead_letter_error = std::move(it->error);
    it = dead_letters_.erase(it);
  }
}

void FlowTask::OnDeadLetterDelivery(PartState& state, kafka::Delivery& d) {
  state.dead_letter.reset();
  const SourceOffset offset = d.source.offset();
  const Rewinds::Rewind* hold = rewinds_.empty() ? nullptr : rewinds_.Find(&state);
  if (closing_ || hold == nullptr || hold->offset != offset) return;  // re-read by whoever owns it next
  if (!d.status.ok()) {
    if (d.error == kafka::DeliveryError::kRetriable) {
      dead_letters_.push_back({&state, std::move(d.source), std::move(d.headers), std::move(state.dead_letter_error)});
      return;
    }
    StopPartition(state, offset,
                  state.dead_letter_error + "; the dead-letter topic refused it too: " + d.status.ToString());
    return;
  }
  problems_->DeadLettered();
  const logging::PartitionScope about(state.tp.topic, state.tp.partition.value());
  Log()->warn("{}: {} offset {} cannot be delivered ({}); written to dead-letter topic {} at offset {}", name_,
              state.tp.ToString(), offset.value(), state.dead_letter_error, flow_.DeadLetterTopic(), d.offset.value());
  // Past it: the position moves on, and the partition is re-read from the next record.
  rewinds_.Done(&state);
  if (state.store.Acked(std::move(d.source), std::nullopt, false)) dirty_.push_back(&state);
  rewinds_.Request(&state, SourceOffset(offset.value() + 1), Clock::now(), nullptr);  // still paused
}

void FlowTask::ScheduleRewind(PartState& state, SourceOffset offset, milliseconds delay,
                              kafka::Producer::TopicRef refresh_topic, const std::string& why) {
  if (!state.own.owned()) return;  // given up: its new owner reads it from the group's position
  const auto now = Clock::now();
  const auto [rewind, first] = rewinds_.Request(&state, offset, now + delay, refresh_topic);
  DropHeld(state, rewind.offset);  // re-read from there
  if (!first) return;
  PauseFor(state, PauseReasons::kRewind);
  if (now - state.last_warned > std::chrono::seconds(1)) {  // per partition: one never hides another
    state.last_warned = now;
    const logging::PartitionScope about(state.tp.topic, state.tp.partition.value());
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
    if (!state->own.owned()) {  // given up meanwhile (GiveUp cancels it; never seek a stale offset)
      rewinds_.Done(state);
      continue;
    }
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
  const logging::PartitionScope about(tp.topic, tp.partition.value());  // the data loss lines' topic, partition
  std::optional<kafka::Watermarks> range = ev.log_range;
  if (!range) {
    auto wm = consumer_->QueryWatermarks(tp, milliseconds(10000));
    if (wm.ok()) range = *wm;
  }
  const DataLossReport loss = DescribeDataLoss(name_, tp, ev.offset, range, flow_.source, flow_.target);
  if (loss.lost > 0) stats_->lost.fetch_add(loss.lost, std::memory_order_relaxed);
  if (loss.truncated > 0) stats_->truncated.fetch_add(loss.truncated, std::memory_order_relaxed);
  if (loss.loss) {
    stats_->loss_events.fetch_add(1, std::memory_order_relaxed);
    Log()->error("{}", loss.log_line);
  } else {
    Log()->warn("{}", loss.log_line);
  }
  if (!range) {  // retried from the same position
    Status s = consumer_->Restart(tp, ev.offset);
    if (!s.ok()) Log()->error("{}: {}", name_, s.ToString());
    return;
  }
  if (ev.log_range) return;  // the consumer already continues at loss.resume_at (committed)
  ForgetPartition(tp);       // assigned afresh: not paused, position unknown until its next record
  // Committed before the restart, which may re-read the group's offsets: the group holds the
  // decision, so the loss is reported once, not again at the next assignment.
  Status c = consumer_->CommitPosition(tp, loss.resume_at);
  if (!c.ok()) Log()->warn("{}: {} (the loss may be reported again after a restart)", name_, c.ToString());
  Status s = consumer_->Restart(tp, loss.resume_at);
  if (!s.ok()) Log()->error("{}: restarting {} at {}: {}", name_, tp.ToString(), loss.resume_at.value(), s.ToString());
}

void FlowTask::OnRevoke(const std::vector<TopicPartition>& partitions, bool lost) noexcept {
  Log()->info("{}: rebalance: giving up {} partition(s){}", name_, partitions.size(), lost ? " (lost)" : "");
  stats_->assigned.fetch_sub(static_cast<int64_t>(partitions.size()), std::memory_order_relaxed);
  if (!lost) {
    // Let the target acknowledge what is held and in flight so its offsets are stored and
    // committed before another member takes over; fewer duplicates.
    ReleaseHeld(true);
    Status f = producer_->Flush(kDrainTimeout);
    if (!f.ok()) Log()->warn("{}: {}", name_, f.ToString());
    FlushOffsetSyncs();
    Status e = producer_->Flush(kDrainTimeout);  // the events' acknowledgements: the commit waits for them
    if (!e.ok()) Log()->warn("{}: {}", name_, e.ToString());
  }
  FlushStores();  // the consumer commits right after this returns
  for (const auto& tp : partitions) GiveUp(tp);
}

void FlowTask::OnAssign(const std::vector<TopicPartition>& partitions) noexcept {
  stats_->rebalances.fetch_add(1, std::memory_order_relaxed);
  stats_->assigned.fetch_add(static_cast<int64_t>(partitions.size()), std::memory_order_relaxed);
  for (const auto& tp : partitions) {
    if (PartState* state = StateByName(tp)) {
      state->own.Assign();
      rewinds_.Done(state);  // starts from the group's position, never a rewind of an earlier ownership
    } else {
      owned_unseen_.insert(tp);
    }
    ForgetPartition(tp);
  }
  if (log_positions_) {
    for (auto& change : static_cast<IndexLogPositions*>(log_positions_.get())->TakeHistoryChanges()) {
      if (change.reseed) {
        // Its first run in the log says so: the index drops the runs of the old copy.
        recorder_.NoteTargetRestart(change.partition);
        continue;
      }
      const logging::PartitionScope about(change.partition.topic, change.partition.partition.value());
      Log()->error(
          "{}: partition {} STOPPED: {}. target.history.change = stop: nothing is mirrored or committed for it; "
          "the flow's other partitions go on. Set target.history.change = reseed to mirror it again from the "
          "source's first record, and restart",
          name_, change.partition.ToString(), change.why);
      const int64_t now_ms =
          std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
      problems_->Stopped({change.partition, "", -1, "target history changed: " + change.why, now_ms});
      history_stopped_[change.partition] = std::move(change.why);
    }
  }
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
  problems_->Cleared(tp);  // a fresh owner reports it again if it still cannot go on
  if (state == nullptr) return;
  if (state->paused.any()) {
    // librdkafka keeps a partition's pause across an unassign and a later assign: undo this
    // task's pauses while the partition is still assigned (revoke, restart), or a partition
    // given up while paused (e.g. for a rewind) and assigned back later stays paused for good
    // (defect Z1, docs/reliability.md).
    Status s = consumer_->Resume(state->tp);
    if (!s.ok()) Log()->debug("{}: {}", name_, s.ToString());
  }
  state->paused.Clear();
  state->next_offset.reset();
  // A store still waiting for the log is dropped: the partition resumes from the log.
  (void)state->store.TakePending();
  state->stored_next.reset();
}

void FlowTask::GiveUp(const TopicPartition& tp) {
  history_stopped_.erase(tp);
  PartState* state = StateByName(tp);
  if (state == nullptr) {
    owned_unseen_.erase(tp);
    return;
  }
  Unbudget(state->window.DropAll());  // the new owner re-reads them
  state->own.Revoke(state->window.in_flight());
  state->store.Reset();
  rewinds_.Done(state);
  ForgetPartition(tp);
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

bool FlowTask::EmitOffsetSync(const offsets::OffsetSyncRun& run, uint64_t seq) {
  // Not sent: the recorder keeps the run due, and the commit waits (FlushStores says so).
  if (!routes_ || !routes_->offset_syncs_ready) return false;  // logged by TopicSync
  if (offset_sync_topic_ == nullptr) {
    auto t = producer_->Topic(offset_syncs_.topic());
    if (!t.ok()) return false;
    offset_sync_topic_ = *t;
  }
  auto now_ms = std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  const OffsetSyncEmitter::Record record = offset_syncs_.Build(run, *routes_, now_ms);
  Status s = producer_->ProduceCopy(offset_sync_topic_, Partition(0), record.key, record.value, nullptr, seq);
  if (!s.ok()) {
    Log()->debug("{}: offset-sync event not sent: {}", name_, s.ToString());
    return false;
  }
  stats_->offset_syncs.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void FlowTask::OnOffsetSyncDelivery(const kafka::Delivery& d) {
  if (d.copy_tag == 0) return;
  recorder_.Acknowledged(d.copy_tag, d.status.ok());
  const auto now = Clock::now();
  if (d.status.ok()) {
    last_log_ack_ = now;
    return;
  }
  if (now - last_log_warning_ >= std::chrono::seconds(1)) {
    last_log_warning_ = now;
    Log()->warn("{}: offset-sync event not written: {}; sent again, commits wait for it", name_, d.status.ToString());
  }
}

void FlowTask::FlushOffsetSyncs() {
  recorder_.Flush();
  next_sync_flush_ = Clock::now() + kOffsetSyncFlush;
}

void FlowTask::Drain() {
  // A stop while the consumer's JoinGroup waits at the coordinator (after a subscription, or
  // after giving partitions up in a cooperative rebalance, until the group's next
  // assignment) waits for that assignment: until then the coordinator answers neither the
  // final commit nor the LeaveGroup (they queue behind the JoinGroup), and librdkafka 2.0.2
  // aborts when a consumer whose first assignment never came is destroyed. The other
  // members end the wait by rejoining (their next heartbeat) or leaving (a node stopped with
  // this one). Records polled meanwhile are dropped unstored, so they are re-read. If the
  // group is still rebalancing at the bound, the consumer is abandoned without a commit:
  // what the target acknowledged since the last commit is mirrored again (duplicates, never
  // a loss), and the shutdown stays inside its watchdog.
  if (consumer_->JoinPending()) {
    Log()->info("{}: shutdown: waiting for the consumer group's rebalance to finish", name_);
    std::vector<kafka::Message> ignored;
    std::vector<kafka::ConsumerEvent> events;
    const auto until = Clock::now() + kJoinWait;
    while (consumer_->JoinPending() && Clock::now() < until) {
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
  if (consumer_->JoinPending()) {
    consumer_->Abandon();  // logs why
  } else {
    Status c = consumer_->CommitSync();
    if (!c.ok()) Log()->warn("{}: shutdown commit: {}", name_, c.ToString());
    Status cl = consumer_->Close();
    (void)cl;  // logged by Close
  }
  closing_ = true;
  producer_.reset();
}

}  // namespace kmirror::replication
