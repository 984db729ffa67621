#include "kmirror/kafka/consumer.h"

#include <cstring>

#include "kmirror/common/logging.h"
#include "kmirror/kafka/engine_props.h"
#include "kmirror/kafka/errors.h"

namespace kmirror::kafka {
namespace {

std::vector<TopicPartition> ToVector(const rd_kafka_topic_partition_list_t* parts) {
  std::vector<TopicPartition> v;
  v.reserve(parts->cnt);
  for (int i = 0; i < parts->cnt; ++i) v.push_back({parts->elems[i].topic, Partition(parts->elems[i].partition)});
  return v;
}


}  // namespace

Result<std::unique_ptr<Consumer>> Consumer::Create(const ClientProps& props, const ConsumerOptions& options) {
  // Offsets are stored explicitly and auto-committed from the store; a committed offset the
  // broker no longer has is reported, never reset (engine_props.h).
  auto conf = MakeConf(WithEngineProps(ClientKind::kConsumer, props, {{"group.id", options.group_id}}), options.name);
  if (!conf.ok()) return conf.status();
  std::unique_ptr<Consumer> c(new Consumer());
  c->options_ = options;
  rd_kafka_conf_set_opaque(conf->get(), c.get());
  rd_kafka_conf_set_rebalance_cb(conf->get(), &Consumer::RebalanceCallback);
  auto rk = MakeHandle(RD_KAFKA_CONSUMER, std::move(conf).value());
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
  if (topics.empty()) return FromRdKafka(rd_kafka_unsubscribe(rk_.get()), "unsubscribe");
  PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(topics.size())));
  for (const auto& t : topics) rd_kafka_topic_partition_list_add(list.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
  return FromRdKafka(rd_kafka_subscribe(rk_.get(), list.get()), "subscribe");
}

void Consumer::Poll(std::vector<Message>& out, std::vector<ConsumerEvent>& events, size_t max,
                    std::chrono::milliseconds timeout) {
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

Status Consumer::Seek(const TopicPartition& tp, SourceOffset offset) {
  PartitionListPtr list = MakePartitionList({tp});
  list->elems[0].offset = offset.value();
  rd_kafka_error_t* err = rd_kafka_seek_partitions(rk_.get(), list.get(), 10000);
  if (err != nullptr) return FromRdKafkaError(err, "seek " + tp.ToString());
  return FromRdKafka(list->elems[0].err, "seek " + tp.ToString());
}

Status Consumer::Restart(const TopicPartition& tp, SourceOffset offset) {
  PartitionListPtr list = MakePartitionList({tp});
  list->elems[0].offset = offset.value();
  if (std::strcmp(rd_kafka_rebalance_protocol(rk_.get()), "COOPERATIVE") == 0) {
    KM_RETURN_IF_ERROR(FromRdKafkaError(rd_kafka_incremental_unassign(rk_.get(), list.get()), "restart " + tp.ToString()));
    return FromRdKafkaError(rd_kafka_incremental_assign(rk_.get(), list.get()), "restart " + tp.ToString());
  }
  // Eager protocol: re-assign everything; the other partitions resume from their
  // committed offsets (a few records may be sent again, none skipped).
  rd_kafka_topic_partition_list_t* current = nullptr;
  KM_RETURN_IF_ERROR(FromRdKafka(rd_kafka_assignment(rk_.get(), &current), "assignment"));
  PartitionListPtr all(current);
  for (int i = 0; i < all->cnt; ++i) {
    auto& e = all->elems[i];
    e.offset = (tp.topic == e.topic && tp.partition.value() == e.partition) ? offset.value() : RD_KAFKA_OFFSET_INVALID;
  }
  KM_RETURN_IF_ERROR(FromRdKafka(rd_kafka_assign(rk_.get(), nullptr), "restart " + tp.ToString()));
  KM_RETURN_IF_ERROR(SetStartOffsets(all.get()));
  return FromRdKafka(rd_kafka_assign(rk_.get(), all.get()), "restart " + tp.ToString());
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
  return FromRdKafka(rd_kafka_pause_partitions(rk_.get(), list.get()), "pause " + std::to_string(tps.size()) + " partition(s)");
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
    if (list->elems[i].err == RD_KAFKA_RESP_ERR_NO_ERROR) continue;
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
  rd_kafka_resp_err_t err = rd_kafka_commit(rk_.get(), nullptr, 0);
  // Nothing stored since the last commit is not an error.
  if (err == RD_KAFKA_RESP_ERR__NO_OFFSET) return Status::Ok();
  return FromRdKafka(err, "commit");
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
    if (list->elems[i].offset >= 0) out.emplace_back(SourceOffset(list->elems[i].offset));
    else out.emplace_back(std::nullopt);
  }
  return out;
}

Status Consumer::Close() {
  if (closed_ || !rk_) return Status::Ok();
  closed_ = true;
  Status s = FromRdKafka(rd_kafka_consumer_close(rk_.get()), "close consumer " + options_.name);
  if (!s.ok()) logging::Get("kafka")->warn("{}", s.ToString());
  return s;
}

void Consumer::RebalanceCallback(rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                                 void* opaque) noexcept {
  try {
    static_cast<Consumer*>(opaque)->OnRebalance(err, parts);
  } catch (const std::exception& e) {
    logging::Get("kafka")->critical("rebalance handling failed: {}", e.what());
  }
}

Status Consumer::SetStartOffsets(rd_kafka_topic_partition_list_t* parts) {
  // Fetch committed offsets ourselves so that partitions without one start where the
  // operator asked, while out-of-range committed offsets still hit auto.offset.reset=error.
  rd_kafka_resp_err_t err = rd_kafka_committed(rk_.get(), parts, 30000);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return FromRdKafka(err, "committed offsets for assignment");
  auto log = logging::Get("kafka");
  for (int i = 0; i < parts->cnt; ++i) {
    auto& e = parts->elems[i];
    if (e.offset >= 0) {
      // A committed position outside the log (deleted by retention or delete-records, or
      // the topic truncated/recreated) must be reported, not reset silently.
      int64_t low = 0, high = 0;
      rd_kafka_resp_err_t werr =
          rd_kafka_query_watermark_offsets(rk_.get(), e.topic, e.partition, &low, &high, 10000);
      if (werr == RD_KAFKA_RESP_ERR_NO_ERROR && (e.offset < low || e.offset > high)) {
        ConsumerEvent ev;
        ev.partition = {e.topic, Partition(e.partition)};
        ev.offset = SourceOffset(e.offset);
        ev.status = DataLoss("committed offset " + std::to_string(e.offset) + " of " + ev.partition.ToString() +
                             " is outside the log [" + std::to_string(low) + ", " + std::to_string(high) + ")");
        ev.log_range = Watermarks{SourceOffset(low), SourceOffset(high)};
        pending_.push_back(std::move(ev));
        e.offset = low;
        continue;
      }
      log->info("{}: {}-{} resumes at committed offset {}", options_.name, e.topic, e.partition, e.offset);
    } else {
      e.offset = options_.start_at == StartAt::kEarliest ? RD_KAFKA_OFFSET_BEGINNING : RD_KAFKA_OFFSET_END;
      log->info("{}: {}-{} has no committed offset, starts at {}", options_.name, e.topic, e.partition,
                options_.start_at == StartAt::kEarliest ? "earliest" : "latest");
    }
  }
  return Status::Ok();
}

void Consumer::OnRebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts) {
  bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk_.get()), "COOPERATIVE") == 0;
  auto log = logging::Get("kafka");
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    Status s = SetStartOffsets(parts);
    if (!s.ok()) {
      // Without committed offsets we cannot start safely. Leaving the offsets unset makes
      // librdkafka fetch them itself; a missing one then surfaces as a data-loss event
      // rather than a silent reset.
      log->warn("{}: {}", options_.name, s.ToString());
      for (int i = 0; i < parts->cnt; ++i) parts->elems[i].offset = RD_KAFKA_OFFSET_INVALID;
    }
    if (options_.listener != nullptr) options_.listener->OnAssign(ToVector(parts));
    if (cooperative) {
      Status a = FromRdKafkaError(rd_kafka_incremental_assign(rk_.get(), parts), "incremental assign");
      if (!a.ok()) log->error("{}: {}", options_.name, a.ToString());
    } else {
      Status a = FromRdKafka(rd_kafka_assign(rk_.get(), parts), "assign");
      if (!a.ok()) log->error("{}: {}", options_.name, a.ToString());
    }
    return;
  }
  bool lost = rd_kafka_assignment_lost(rk_.get()) != 0;
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
  }
}

}  // namespace kmirror::kafka
