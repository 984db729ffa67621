#include "kmirror/kafka/consumer.h"

#include <algorithm>
#include <cstring>

#include "kafka/admin_request.h"
#include "kafka/resume_rule.h"
#include "kafka/start_rule.h"
#include "kmirror/common/logging.h"
#include "kmirror/kafka/engine_props.h"
#include "kmirror/kafka/errors.h"
#include "kmirror/kafka/outside_log.h"

namespace kmirror::kafka {
namespace {

std::vector<TopicPartition> ToVector(const rd_kafka_topic_partition_list_t* parts) {
  std::vector<TopicPartition> v;
  v.reserve(parts->cnt);
  for (int i = 0; i < parts->cnt; ++i) v.push_back({parts->elems[i].topic, Partition(parts->elems[i].partition)});
  return v;
}

// Listing the source before the first assignment is not worth a long stall of the task's
// loop (it retries on the next call); at an assignment that needs it, it is worth waiting.
constexpr std::chrono::milliseconds kListAtPoll{100};
constexpr std::chrono::milliseconds kListAtAssign{10000};
constexpr int kWatermarksTimeoutMs = 10000;

}  // namespace

Result<std::unique_ptr<Consumer>> Consumer::Create(const ClientProps& props, const ConsumerOptions& options) {
  // Offsets are stored explicitly and auto-committed from the store; a committed offset the
  // broker no longer has is reported, never reset (engine_props.h).
  ClientProps all = WithEngineProps(ClientKind::kConsumer, props, {{"group.id", options.group_id}});
  if (!options.group_instance_id.empty()) all["group.instance.id"] = options.group_instance_id;
  auto conf = MakeConf(all, options.name);
  if (!conf.ok()) return conf.status();
  std::unique_ptr<Consumer> c(new Consumer());
  c->options_ = options;
  rd_kafka_conf_set_opaque(conf->get(), c.get());
  rd_kafka_conf_set_rebalance_cb(conf->get(), &Consumer::RebalanceCallback);
  auto rk = MakeHandle(RD_KAFKA_CONSUMER, std::move(conf).value(), options.statistics);
  if (!rk.ok()) return rk.status();
  c->rk_ = std::move(rk).value();
  rd_kafka_poll_set_consumer(c->rk_.get());
  c->queue_.reset(rd_kafka_queue_get_consumer(c->rk_.get()));
  return c;
}

Consumer::~Consumer() {
  Status s = Close();
  (void)s;  // already logged by Close
}

Status Consumer::Subscribe(const std::vector<std::string>& topics) {
  ListStartPartitions(kListAtPoll);
  if (topics.empty()) return FromRdKafka(rd_kafka_unsubscribe(rk_.get()), "unsubscribe");
  PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(topics.size())));
  for (const auto& t : topics) rd_kafka_topic_partition_list_add(list.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
  Status s = FromRdKafka(rd_kafka_subscribe(rk_.get(), list.get()), "subscribe");
  if (s.ok()) {
    join_pending_ = true;  // the group answers with an assignment
    subscription_changed_ = true;
  }
  return s;
}

void Consumer::Poll(std::vector<Message>& out, std::vector<ConsumerEvent>& events, size_t max,
                    std::chrono::milliseconds timeout) {
  ListStartPartitions(std::max(timeout, kListAtPoll));
  int wait = static_cast<int>(timeout.count());
  for (size_t n = 0; n < max; ++n) {
    if (!pending_.empty()) {
      for (auto& ev : pending_) events.push_back(std::move(ev));
      pending_.clear();
    }
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_.get(), wait);
    if (m == nullptr) return;
    wait = 0;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      out.emplace_back(m);
      continue;
    }
    Message holder(m);
    ConsumerEvent ev;
    if (m->rkt != nullptr) ev.partition = {rd_kafka_topic_name(m->rkt), Partition(m->partition)};
    ev.offset = SourceOffset(m->offset);
    ev.status = FromRdKafka(m->err, "consume " + ev.partition.ToString(), rd_kafka_message_errstr(m));
    events.push_back(std::move(ev));
  }
}

Status Consumer::StoreOffset(const Message& msg) {
  // rd_kafka_offset_store stores offset+1: the next record to read.
  const rd_kafka_message_t* m = msg.raw();
  return FromRdKafka(rd_kafka_offset_store(m->rkt, m->partition, m->offset), "store offset");
}

Status Consumer::StoreOffset(const TopicPartition& tp, SourceOffset next) {
  PartitionListPtr list = MakePartitionList({tp});
  list->elems[0].offset = next.value();
  KM_RETURN_IF_ERROR(FromRdKafka(rd_kafka_offsets_store(rk_.get(), list.get()), "store offset " + tp.ToString()));
  return FromRdKafka(list->elems[0].err, "store offset " + tp.ToString());
}

Status Consumer::Seek(const TopicPartition& tp, SourceOffset offset) {
  PartitionListPtr list = MakePartitionList({tp});
  list->elems[0].offset = offset.value();
  rd_kafka_error_t* err = rd_kafka_seek_partitions(rk_.get(), list.get(), 10000);
  if (err != nullptr) return FromRdKafkaError(err, "seek " + tp.ToString());
  if (list->elems[0].err == RD_KAFKA_RESP_ERR_NO_ERROR && !fetch_starts_.empty()) NoteFetchStarts(list.get());
  return FromRdKafka(list->elems[0].err, "seek " + tp.ToString());
}

Status Consumer::Restart(const TopicPartition& tp, SourceOffset offset) {
  PartitionListPtr list = MakePartitionList({tp});
  list->elems[0].offset = offset.value();
  if (std::strcmp(rd_kafka_rebalance_protocol(rk_.get()), "COOPERATIVE") == 0) {
    KM_RETURN_IF_ERROR(
        FromRdKafkaError(rd_kafka_incremental_unassign(rk_.get(), list.get()), "restart " + tp.ToString()));
    return FromRdKafkaError(rd_kafka_incremental_assign(rk_.get(), list.get()), "restart " + tp.ToString());
  }
  // Eager protocol: only a new assignment restarts a stopped fetcher, and it restarts every
  // partition's. So each other partition is re-assigned at the record it would have fetched
  // next: librdkafka's position (one past the last record it delivered), or, when it has
  // delivered none since its fetcher last started (librdkafka forgets the position at an
  // assignment and at a seek), where that start was. Nothing is re-read or skipped, and the
  // caller's pauses stay (librdkafka keeps them across an unassign and an assign). Only a
  // partition with no known start resumes as an assignment starts it (SetStartOffsets).
  rd_kafka_topic_partition_list_t* current = nullptr;
  KM_RETURN_IF_ERROR(FromRdKafka(rd_kafka_assignment(rk_.get(), &current), "assignment"));
  PartitionListPtr all(current);
  KM_RETURN_IF_ERROR(FromRdKafka(rd_kafka_position(rk_.get(), all.get()), "positions"));
  bool assigned = false;
  PartitionListPtr unknown(rd_kafka_topic_partition_list_new(0));
  for (int i = 0; i < all->cnt; ++i) {
    auto& e = all->elems[i];
    if (tp.topic == e.topic && tp.partition.value() == e.partition) {
      e.offset = offset.value();
      assigned = true;
    } else if (e.offset < 0) {
      auto it = fetch_starts_.find({e.topic, Partition(e.partition)});
      e.offset = it != fetch_starts_.end() ? it->second : RD_KAFKA_OFFSET_INVALID;
      if (e.offset == RD_KAFKA_OFFSET_INVALID) rd_kafka_topic_partition_list_add(unknown.get(), e.topic, e.partition);
    }
    e.err = RD_KAFKA_RESP_ERR_NO_ERROR;
  }
  if (!assigned) return Status(StatusCode::kNotFound, "restart " + tp.ToString() + ": not assigned");
  if (unknown->cnt > 0) {
    KM_RETURN_IF_ERROR(SetStartOffsets(unknown.get()));
    for (int i = 0; i < unknown->cnt; ++i) {
      rd_kafka_topic_partition_list_find(all.get(), unknown->elems[i].topic, unknown->elems[i].partition)->offset =
          unknown->elems[i].offset;
    }
  }
  KM_RETURN_IF_ERROR(FromRdKafka(rd_kafka_assign(rk_.get(), nullptr), "restart " + tp.ToString()));
  KM_RETURN_IF_ERROR(FromRdKafka(rd_kafka_assign(rk_.get(), all.get()), "restart " + tp.ToString()));
  NoteFetchStarts(all.get());
  return Status::Ok();
}

void Consumer::NoteFetchStarts(const rd_kafka_topic_partition_list_t* parts) {
  for (int i = 0; i < parts->cnt; ++i) {
    const auto& e = parts->elems[i];
    TopicPartition key{e.topic, Partition(e.partition)};
    if (e.offset == RD_KAFKA_OFFSET_INVALID || e.offset == RD_KAFKA_OFFSET_STORED)
      fetch_starts_.erase(key);  // librdkafka reads the committed offset itself: unknown here
    else
      fetch_starts_[std::move(key)] = e.offset;
  }
}

Status Consumer::Pause(const TopicPartition& tp) {
  PartitionListPtr list = MakePartitionList({tp});
  return FromRdKafka(rd_kafka_pause_partitions(rk_.get(), list.get()), "pause " + tp.ToString());
}

Status Consumer::Resume(const TopicPartition& tp) {
  PartitionListPtr list = MakePartitionList({tp});
  return FromRdKafka(rd_kafka_resume_partitions(rk_.get(), list.get()), "resume " + tp.ToString());
}

Status Consumer::Pause(const std::vector<TopicPartition>& tps) {
  if (tps.empty()) return Status::Ok();
  PartitionListPtr list = MakePartitionList(tps);
  return FromRdKafka(rd_kafka_pause_partitions(rk_.get(), list.get()),
                     "pause " + std::to_string(tps.size()) + " partition(s)");
}

Status Consumer::Resume(const std::vector<TopicPartition>& tps) {
  if (tps.empty()) return Status::Ok();
  PartitionListPtr list = MakePartitionList(tps);
  return FromRdKafka(rd_kafka_resume_partitions(rk_.get(), list.get()),
                     "resume " + std::to_string(tps.size()) + " partition(s)");
}

Status Consumer::Seek(const std::vector<PartitionOffset>& positions, std::vector<TopicPartition>* failed) {
  if (positions.empty()) return Status::Ok();
  PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(positions.size())));
  for (const auto& p : positions) {
    rd_kafka_topic_partition_list_add(list.get(), p.partition.topic.c_str(), p.partition.partition.value())->offset =
        p.offset.value();
  }
  Status first = Status::Ok();
  rd_kafka_error_t* err = rd_kafka_seek_partitions(rk_.get(), list.get(), 10000);
  if (err != nullptr) {
    first = FromRdKafkaError(err, "seek " + std::to_string(positions.size()) + " partition(s)");
    for (const auto& p : positions) failed->push_back(p.partition);
    return first;
  }
  for (int i = 0; i < list->cnt; ++i) {
    if (list->elems[i].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (fetch_starts_.empty()) continue;  // not the eager protocol (or nothing assigned)
      if (auto it = fetch_starts_.find({list->elems[i].topic, Partition(list->elems[i].partition)});
          it != fetch_starts_.end())
        it->second = list->elems[i].offset;
      continue;
    }
    failed->push_back({list->elems[i].topic, Partition(list->elems[i].partition)});
    if (first.ok()) {
      first = FromRdKafka(list->elems[i].err,
                          "seek " + std::string(list->elems[i].topic) + "-" + std::to_string(list->elems[i].partition));
    }
  }
  return first;
}

size_t Consumer::QueuedCount() const { return queue_ ? rd_kafka_queue_length(queue_.get()) : 0; }

Status Consumer::CommitSync() {
  if (discarded_) return Status::Ok();  // nothing may be committed after a fatal error
  rd_kafka_resp_err_t err = rd_kafka_commit(rk_.get(), nullptr, 0);
  // Nothing stored since the last commit is not an error.
  if (err == RD_KAFKA_RESP_ERR__NO_OFFSET) return Status::Ok();
  return FromRdKafka(err, "commit");
}

Status Consumer::CommitPosition(const TopicPartition& tp, SourceOffset next) {
  PartitionListPtr list = MakePartitionList({tp});
  list->elems[0].offset = next.value();
  // Stored first, so that an automatic commit of an older stored position cannot undo it
  // (best effort: the restart that follows forgets stored offsets anyway).
  (void)rd_kafka_offsets_store(rk_.get(), list.get());
  list->elems[0].err = RD_KAFKA_RESP_ERR_NO_ERROR;
  KM_RETURN_IF_ERROR(FromRdKafka(rd_kafka_commit(rk_.get(), list.get(), 0), "commit position " + tp.ToString()));
  return FromRdKafka(list->elems[0].err, "commit position " + tp.ToString());
}

Result<Watermarks> Consumer::QueryWatermarks(const TopicPartition& tp, std::chrono::milliseconds timeout) {
  int64_t low = 0, high = 0;
  rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(rk_.get(), tp.topic.c_str(), tp.partition.value(), &low,
                                                             &high, static_cast<int>(timeout.count()));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return FromRdKafka(err, "watermarks of " + tp.ToString());
  return Watermarks{SourceOffset(low), SourceOffset(high)};
}

Result<std::vector<std::optional<SourceOffset>>> Consumer::Committed(const std::vector<TopicPartition>& tps,
                                                                     std::chrono::milliseconds timeout) {
  PartitionListPtr list = MakePartitionList(tps);
  rd_kafka_resp_err_t err = rd_kafka_committed(rk_.get(), list.get(), static_cast<int>(timeout.count()));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return FromRdKafka(err, "committed offsets");
  std::vector<std::optional<SourceOffset>> out;
  for (int i = 0; i < list->cnt; ++i) {
    if (list->elems[i].offset >= 0)
      out.emplace_back(SourceOffset(list->elems[i].offset));
    else
      out.emplace_back(std::nullopt);
  }
  return out;
}

Status Consumer::Close() {
  if (closed_ || !rk_) return Status::Ok();
  closed_ = true;
  LeaveBeforeClose();
  Status s = FromRdKafka(rd_kafka_consumer_close(rk_.get()), "close consumer " + options_.name);
  if (!s.ok()) logging::Get("kafka")->warn("{}", s.ToString());
  return s;
}

Status Consumer::FatalError(bool* fenced) const {
  if (!rk_) return Status(StatusCode::kInternal, "consumer " + options_.name + " was discarded");
  char buf[512];
  const rd_kafka_resp_err_t err = rd_kafka_fatal_error(rk_.get(), buf, sizeof buf);
  if (fenced != nullptr) *fenced = err == RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID;
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::Ok();
  return Status(StatusCode::kInternal,
                "consumer " + options_.name + " failed for good (" + rd_kafka_err2name(err) + "): " + buf);
}

void Consumer::Discard() {
  if (discarded_ || !rk_) return;
  discarded_ = true;
  closed_ = true;  // Close() and the destructor do nothing more (rd_kafka_destroy still tidies up)
  join_pending_ = false;
  options_.listener = nullptr;
  fetch_starts_.clear();
  pending_.clear();
  if (assigned_once_) return;
  // librdkafka 2.0.2 (librdkafka#4312): destroying a consumer whose JoinGroup was answered but
  // whose first assignment never came dereferences the assignor's state, which only that
  // assignment creates (rd_kafka_cgrp_destroy_final): the process aborts. A consumer fenced in
  // its first SyncGroup (two members with one group.instance.id) is one. It delivered no
  // record, so it is left to the process exit instead, like Abandon(). Delete with a
  // librdkafka that checks the state (2.2).
  logging::Get("kafka")->debug("{}: fenced before its first assignment: left to the process exit", options_.name);
  rd_kafka_set_log_level(rk_.get(), 0);
  (void)queue_.release();
  (void)rk_.release();
}

void Consumer::LeaveBeforeClose() {
  // librdkafka 2.0.2 (the code is unchanged in 2.3): a cooperative consumer whose assignment
  // is empty closes without a LeaveGroup (rd_kafka_cgrp_revoke_all_rejoin returns at
  // "consumer is terminating, skipping rejoin", so leave_maybe never runs). It then stays in
  // the group until its session timeout, and a member that rejoins meanwhile (one that gave
  // it partitions one round earlier) waits at the coordinator that long, with its commits
  // queued behind its JoinGroup. Unsubscribing first takes the path that does leave ("no
  // subscribed topics"). Delete when librdkafka's close leaves with an empty assignment.
  if (std::strcmp(rd_kafka_rebalance_protocol(rk_.get()), "COOPERATIVE") != 0) return;
  rd_kafka_topic_partition_list_t* current = nullptr;
  if (rd_kafka_assignment(rk_.get(), &current) != RD_KAFKA_RESP_ERR_NO_ERROR) return;
  const bool empty = current->cnt == 0;
  rd_kafka_topic_partition_list_destroy(current);
  if (!empty) return;
  Status s = FromRdKafka(rd_kafka_unsubscribe(rk_.get()), "leave group (unsubscribe) " + options_.name);
  if (!s.ok()) logging::Get("kafka")->warn("{}", s.ToString());
}

void Consumer::Abandon() {
  if (closed_ || !rk_) return;
  closed_ = true;
  logging::Get("kafka")->warn(
      "{}: the consumer group is still rebalancing: leaving it without a final commit or LeaveGroup (the group "
      "re-reads from its last commit; the coordinator drops this member at its session timeout)",
      options_.name);
  // Its threads run until the process exits; nothing of it may log into a logger being torn
  // down then, and nothing polls it any more (so no callback reaches this object).
  rd_kafka_set_log_level(rk_.get(), 0);
  (void)queue_.release();
  (void)rk_.release();
}

void Consumer::RebalanceCallback(rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                                 void* opaque) noexcept {
  try {
    static_cast<Consumer*>(opaque)->OnRebalance(err, parts);
  } catch (const std::exception& e) {
    logging::Get("kafka")->critical("rebalance handling failed: {}", e.what());
  }
}

void Consumer::ListStartPartitions(std::chrono::milliseconds timeout) {
  // Once the group has offsets the listing decides nothing any more.
  if (options_.start_at != StartAt::kLatest || start_partitions_ || group_has_offsets_) return;
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk_.get(), 1, nullptr, &md, static_cast<int>(timeout.count()));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return;  // tried again on the next call
  std::map<std::string, int> counts;
  for (int i = 0; i < md->topic_cnt; ++i) counts[md->topics[i].topic] = md->topics[i].partition_cnt;
  rd_kafka_metadata_destroy(md);
  logging::Get("kafka")->debug("{}: the source has {} topic(s) at start-up", options_.name, counts.size());
  start_partitions_ = std::move(counts);
}

void Consumer::LogStart(const std::string& partition, const std::string& message) {
  // A partition whose start is not committed (kEarliest, or a failed commit) is decided
  // again at each assignment: say it once at info.
  auto log = logging::Get("kafka");
  if (start_logged_.insert(partition).second)
    log->info("{}: {}", options_.name, message);
  else
    log->debug("{}: {}", options_.name, message);
}

Status Consumer::SetStartOffsets(rd_kafka_topic_partition_list_t* parts) {
  // Fetch committed offsets ourselves so that partitions without one start by the start
  // rule, while out-of-range committed offsets still hit auto.offset.reset=error.
  rd_kafka_resp_err_t err = rd_kafka_committed(rk_.get(), parts, 30000);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return FromRdKafka(err, "committed offsets for assignment");
  const std::vector<bool> from_log = ApplyLogPositions(parts);
  auto log = logging::Get("kafka");
  std::vector<int> fresh;  // indexes of the partitions without a committed offset
  bool any_committed = false;
  PartitionListPtr outside;  // committed positions outside the log, with where they continue
  for (int i = 0; i < parts->cnt; ++i) {
    auto& e = parts->elems[i];
    if (from_log[i] && e.offset == RD_KAFKA_OFFSET_BEGINNING) continue;  // re-seeded, its log start unknown
    if (e.offset < 0) {
      fresh.push_back(i);
      continue;
    }
    any_committed = true;
    // A committed position outside the log (deleted by retention or delete-records, or
    // the topic truncated/recreated) must be reported, not reset silently.
    int64_t low = 0, high = 0;
    rd_kafka_resp_err_t werr =
        rd_kafka_query_watermark_offsets(rk_.get(), e.topic, e.partition, &low, &high, kWatermarksTimeoutMs);
    if (werr == RD_KAFKA_RESP_ERR_NO_ERROR && (e.offset < low || e.offset > high)) {
      ConsumerEvent ev;
      ev.partition = {e.topic, Partition(e.partition)};
      ev.offset = SourceOffset(e.offset);
      ev.status = DataLoss("committed offset " + std::to_string(e.offset) + " of " + ev.partition.ToString() +
                           " is outside the log [" + std::to_string(low) + ", " + std::to_string(high) + ")");
      ev.log_range = Watermarks{SourceOffset(low), SourceOffset(high)};
      pending_.push_back(std::move(ev));
      // The log start after a deletion, the log end after a truncation (never the log start
      // again: that would mirror the whole partition once more). Committed below, so that the
      // group holds the decision and the loss is reported once, not at every assignment.
      e.offset = DecideOutsideLog(SourceOffset(e.offset), SourceOffset(low), SourceOffset(high)).resume_at.value();
      if (!outside) outside.reset(rd_kafka_topic_partition_list_new(1));
      rd_kafka_topic_partition_list_add(outside.get(), e.topic, e.partition)->offset = e.offset;
      continue;
    }
    if (!from_log[i]) {
      const logging::PartitionScope about(e.topic, e.partition);  // JSON lines' topic and partition
      log->info("{}: {}-{} resumes at committed offset {}", options_.name, e.topic, e.partition, e.offset);
    }
  }
  if (outside) {
    Status c = FromRdKafka(rd_kafka_commit(rk_.get(), outside.get(), 0), "commit positions after data loss");
    for (int i = 0; c.ok() && i < outside->cnt; ++i) c = FromRdKafka(outside->elems[i].err, "commit position");
    if (!c.ok()) log->warn("{}: {} (reported again at the next assignment)", options_.name, c.ToString());
  }
  if (fresh.empty()) return Status::Ok();
  if (options_.start_at == StartAt::kEarliest) {
    for (int i : fresh) {
      auto& e = parts->elems[i];
      e.offset = RD_KAFKA_OFFSET_BEGINNING;
      const std::string tp = std::string(e.topic) + "-" + std::to_string(e.partition);
      const logging::PartitionScope about(e.topic, e.partition);
      LogStart(tp,
               tp + " has no committed offset, starts at earliest (" + Explain(StartReason::kConfiguredEarliest) + ")");
    }
    return Status::Ok();
  }
  return StartFreshPartitions(parts, fresh, any_committed);
}

std::vector<bool> Consumer::ApplyLogPositions(rd_kafka_topic_partition_list_t* parts) {
  std::vector<bool> from_log(parts->cnt, false);
  if (options_.log_positions == nullptr || parts->cnt == 0) return from_log;
  const LogPositions::Answer answer = options_.log_positions->Lookup(ToVector(parts));
  auto log = logging::Get("kafka");
  if (!answer.current) {
    log->warn(
        "{}: the offset index could not confirm it has read the offset-sync log to its end ({}): {} partition(s) "
        "resume at the later of their committed offset and the log's position",
        options_.name, answer.why_not_current, parts->cnt);
  }
  for (int i = 0; i < parts->cnt && i < static_cast<int>(answer.next.size()); ++i) {
    auto& e = parts->elems[i];
    const bool needs_commit = i < static_cast<int>(answer.reseed_needs_commit.size()) && answer.reseed_needs_commit[i];
    if (needs_commit && e.offset < 0) {
      options_.log_positions->NotChanged({e.topic, Partition(e.partition)});  // the start rule decides
    } else if (i < static_cast<int>(answer.reseed.size()) && !answer.reseed[i].empty()) {
      // The target no longer holds the copy the log describes: the whole partition again,
      // from the first record the source still has (neither the commit nor the log counts).
      int64_t low = 0, high = 0;
      rd_kafka_resp_err_t werr =
          rd_kafka_query_watermark_offsets(rk_.get(), e.topic, e.partition, &low, &high, kWatermarksTimeoutMs);
      e.offset = werr == RD_KAFKA_RESP_ERR_NO_ERROR ? low : RD_KAFKA_OFFSET_BEGINNING;
      from_log[i] = true;
      const logging::PartitionScope about(e.topic, e.partition);
      log->warn("{}: {}-{} is RE-SEEDED: mirrored again from its first record (offset {}): {}", options_.name, e.topic,
                e.partition, werr == RD_KAFKA_RESP_ERR_NO_ERROR ? std::to_string(low) : std::string("earliest"),
                answer.reseed[i]);
      continue;
    }
    const std::optional<SourceOffset> committed =
        e.offset >= 0 ? std::optional<SourceOffset>(SourceOffset(e.offset)) : std::nullopt;
    const std::optional<SourceOffset> logged = answer.next[i];
    const ResumeDecision d = DecideResume(committed, logged, answer.current);
    if (d.reason == ResumeReason::kNoLog) continue;  // the commit (or the start rule), logged below
    from_log[i] = true;
    e.offset = d.at->value();
    const std::string line = std::string(e.topic) + "-" + std::to_string(e.partition) + " resumes at offset " +
                             std::to_string(e.offset) + ": " + ExplainResume(d, committed, logged);
    const logging::PartitionScope about(e.topic, e.partition);
    if (d.reason == ResumeReason::kCommitAheadOfLog)
      log->warn("{}: {}", options_.name, line);
    else
      log->info("{}: {}", options_.name, line);
  }
  return from_log;
}

Status Consumer::StartFreshPartitions(rd_kafka_topic_partition_list_t* parts, const std::vector<int>& fresh,
                                      bool group_has_offsets) {
  auto log = logging::Get("kafka");
  if (group_has_offsets) group_has_offsets_ = true;
  if (!group_has_offsets_) {
    // The group's offsets for any partition at all, not only these: under the cooperative
    // protocol an assignment holds just the partitions that moved. The group exists (this
    // consumer is in it), so librdkafka 2.0.2's ListConsumerGroupOffsets is safe here.
    auto offsets = internal::ListGroupOffsets(rk_.get(), options_.name, options_.group_id, kListAtAssign);
    if (!offsets.ok()) return offsets.status();
    group_has_offsets_ = !offsets->empty();
  }
  if (!group_has_offsets_) ListStartPartitions(kListAtAssign);

  PartitionListPtr record(rd_kafka_topic_partition_list_new(static_cast<int>(fresh.size())));
  for (int i : fresh) {
    auto& e = parts->elems[i];
    const std::string tp = std::string(e.topic) + "-" + std::to_string(e.partition);
    const logging::PartitionScope about(e.topic, e.partition);
    Presence presence = Presence::kUnknown;
    if (start_partitions_) {
      auto it = start_partitions_->find(e.topic);
      presence =
          it != start_partitions_->end() && e.partition < it->second ? Presence::kAtStart : Presence::kSinceStart;
    }
    const StartDecision d = DecideStart(StartAt::kLatest, group_has_offsets_, presence);
    const char* where = d.at == StartAt::kEarliest ? "its first record" : "the end of its log";
    int64_t low = 0, high = 0;
    rd_kafka_resp_err_t werr =
        rd_kafka_query_watermark_offsets(rk_.get(), e.topic, e.partition, &low, &high, kWatermarksTimeoutMs);
    if (werr != RD_KAFKA_RESP_ERR_NO_ERROR) {
      // The decision stands, without a number to record: decided again at the next assignment.
      e.offset = d.at == StartAt::kEarliest ? RD_KAFKA_OFFSET_BEGINNING : RD_KAFKA_OFFSET_END;
      LogStart(tp, tp + " has no committed offset, starts at " + where + " (" + Explain(d.reason) +
                       "); not recorded in the group yet: " + FromRdKafka(werr, "watermarks of " + tp).ToString());
      continue;
    }
    e.offset = d.at == StartAt::kEarliest ? low : high;
    rd_kafka_topic_partition_list_add(record.get(), e.topic, e.partition)->offset = e.offset;
    LogStart(tp, tp + " has no committed offset, starts at " + where + ", offset " + std::to_string(e.offset) + " (" +
                     Explain(d.reason) + ")");
  }
  if (record->cnt == 0) return Status::Ok();
  // Committed now, not when the first record is mirrored: the group then holds the decision
  // (a restart resumes there, and the first start is over for every later partition).
  Status s = FromRdKafka(rd_kafka_commit(rk_.get(), record.get(), 0), "commit start offsets");
  for (int i = 0; s.ok() && i < record->cnt; ++i) {
    s = FromRdKafka(record->elems[i].err, std::string("commit start offset of ") + record->elems[i].topic + "-" +
                                              std::to_string(record->elems[i].partition));
  }
  if (s.ok()) {
    group_has_offsets_ = true;
  } else {
    log->warn("{}: {}; the start of {} partition(s) is decided again at their next assignment", options_.name,
              s.ToString(), record->cnt);
  }
  return Status::Ok();
}

void Consumer::OnRebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts) {
  bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk_.get()), "COOPERATIVE") == 0;
  auto log = logging::Get("kafka");
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    assigned_once_ = true;
    Status s = SetStartOffsets(parts);
    if (!s.ok()) {
      // Without committed offsets we cannot start safely. Leaving the offsets unset makes
      // librdkafka fetch them itself; a missing one then surfaces as a data-loss event
      // rather than a silent reset.
      log->warn("{}: {}", options_.name, s.ToString());
      for (int i = 0; i < parts->cnt; ++i) parts->elems[i].offset = RD_KAFKA_OFFSET_INVALID;
      if (options_.log_positions != nullptr) options_.log_positions->Unapplied();
    }
    // The assignment that completes a cooperative round which revoked partitions is followed
    // by another JoinGroup (the revoked partitions go to other members in a second round).
    if (rejoin_after_assign_)
      rejoin_after_assign_ = false;
    else
      join_pending_ = false;
    subscription_changed_ = false;
    if (options_.listener != nullptr) options_.listener->OnAssign(ToVector(parts));
    if (cooperative) {
      Status a = FromRdKafkaError(rd_kafka_incremental_assign(rk_.get(), parts), "incremental assign");
      if (!a.ok()) log->error("{}: {}", options_.name, a.ToString());
    } else {
      Status a = FromRdKafka(rd_kafka_assign(rk_.get(), parts), "assign");
      if (!a.ok()) log->error("{}: {}", options_.name, a.ToString());
      NoteFetchStarts(parts);
    }
    return;
  }
  bool lost = rd_kafka_assignment_lost(rk_.get()) != 0;
  // librdkafka rejoins once the partitions are given up (or closes). A cooperative round
  // that revokes partitions (neither lost nor a subscription change, which rejoin at once)
  // assigns the newly added ones first, possibly none, and then rejoins.
  join_pending_ = true;
  rejoin_after_assign_ = cooperative && !lost && !subscription_changed_;
  if (options_.listener != nullptr) options_.listener->OnRevoke(ToVector(parts), lost);
  if (!lost) {
    Status c = CommitSync();
    if (!c.ok()) log->warn("{}: commit before revoke: {}", options_.name, c.ToString());
  }
  if (cooperative) {
    Status a = FromRdKafkaError(rd_kafka_incremental_unassign(rk_.get(), parts), "incremental unassign");
    if (!a.ok()) log->error("{}: {}", options_.name, a.ToString());
  } else {
    Status a = FromRdKafka(rd_kafka_assign(rk_.get(), nullptr), "unassign");
    if (!a.ok()) log->error("{}: {}", options_.name, a.ToString());
    fetch_starts_.clear();
  }
}

}  // namespace kmirror::kafka
