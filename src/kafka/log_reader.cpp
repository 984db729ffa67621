#include "kmirror/kafka/log_reader.h"

#include "kmirror/kafka/engine_props.h"
#include "kmirror/kafka/errors.h"

namespace kmirror::kafka {

Result<std::unique_ptr<LogReader>> LogReader::Create(const ClientProps& props, const std::string& name) {
  // No group, nothing committed, small prefetch (engine_props.h).
  KM_ASSIGN_OR_RETURN(conf, MakeConf(WithEngineProps(ClientKind::kLogReader, props), name));
  KM_ASSIGN_OR_RETURN(rk, MakeHandle(RD_KAFKA_CONSUMER, std::move(conf)));
  std::unique_ptr<LogReader> r(new LogReader());
  r->rk_ = std::move(rk);
  r->queue_.reset(rd_kafka_queue_new(r->rk_.get()));
  r->name_ = name;
  return r;
}

LogReader::~LogReader() {
  for (const auto& [tp, on] : started_) {
    auto it = topics_.find(tp.topic);
    if (on && it != topics_.end()) rd_kafka_consume_stop(it->second.get(), tp.partition.value());
  }
  queue_.reset();
  topics_.clear();
}

Result<int> LogReader::PartitionCount(const std::string& topic, std::chrono::milliseconds timeout) {
  const rd_kafka_metadata_t* md = nullptr;
  TopicPtr t(rd_kafka_topic_new(rk_.get(), topic.c_str(), nullptr));
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk_.get(), 0, t.get(), &md, static_cast<int>(timeout.count()));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return FromRdKafka(err, name_ + ": metadata of " + topic);
  Result<int> out = NotFound(name_ + ": topic " + topic + " does not exist");
  if (md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR)
    out = md->topics[0].partition_cnt;
  else if (md->topic_cnt == 1 && md->topics[0].err != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
    out = FromRdKafka(md->topics[0].err, name_ + ": metadata of " + topic);
  }
  rd_kafka_metadata_destroy(md);
  return out;
}

Status LogReader::Start(const TopicPartition& tp, int64_t offset) {
  if (started_.count(tp)) return FailedPrecondition(name_ + ": " + tp.ToString() + " is already being read");
  auto it = topics_.find(tp.topic);
  if (it == topics_.end()) {
    rd_kafka_topic_conf_t* tc = rd_kafka_topic_conf_new();
    char err[256];
    (void)rd_kafka_topic_conf_set(tc, "auto.offset.reset", "earliest", err, sizeof err);
    it = topics_.emplace(tp.topic, TopicPtr(rd_kafka_topic_new(rk_.get(), tp.topic.c_str(), tc))).first;
  }
  int64_t start = offset == kBeginning ? RD_KAFKA_OFFSET_BEGINNING : offset;
  if (rd_kafka_consume_start_queue(it->second.get(), tp.partition.value(), start, queue_.get()) != 0) {
    return FromRdKafka(rd_kafka_last_error(), name_ + ": start reading " + tp.ToString());
  }
  started_[tp] = true;
  return Status::Ok();
}

void LogReader::Poll(std::vector<Message>& out, std::vector<Status>& errors, size_t max,
                     std::chrono::milliseconds timeout) {
  int wait = static_cast<int>(timeout.count());
  for (size_t n = 0; n < max; ++n) {
    rd_kafka_message_t* m = rd_kafka_consume_queue(queue_.get(), wait);
    if (m == nullptr) return;
    wait = 0;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      out.emplace_back(m);
      continue;
    }
    Message holder(m);
    std::string where = m->rkt ? std::string(rd_kafka_topic_name(m->rkt)) + "-" + std::to_string(m->partition) : "";
    if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      errors.push_back(FromRdKafka(m->err, name_ + ": read " + where, rd_kafka_message_errstr(m)));
    }
  }
}

Result<Watermarks> LogReader::QueryWatermarks(const TopicPartition& tp, std::chrono::milliseconds timeout) {
  int64_t low = 0, high = 0;
  rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(rk_.get(), tp.topic.c_str(), tp.partition.value(), &low,
                                                             &high, static_cast<int>(timeout.count()));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return FromRdKafka(err, name_ + ": watermarks of " + tp.ToString());
  return Watermarks{SourceOffset(low), SourceOffset(high)};
}

Result<std::string> LogReader::ClusterId(std::chrono::milliseconds timeout) {
  char* id = rd_kafka_clusterid(rk_.get(), static_cast<int>(timeout.count()));
  if (id == nullptr) return Unavailable(name_ + ": cluster id not available");
  std::string out(id);
  rd_kafka_mem_free(rk_.get(), id);
  return out;
}

}  // namespace kmirror::kafka
