#include "kmirror/kafka/producer.h"

#include "kmirror/kafka/errors.h"

namespace kmirror::kafka {

Result<std::unique_ptr<Producer>> Producer::Create(const ClientProps& props, const std::string& name,
                                                   DeliveryHandler* handler, ClientKind kind,
                                                   const StatisticsTag& statistics) {
  // Idempotence and acks=all are forced (engine_props.h): durability is not negotiable.
  auto conf = MakeConf(WithEngineProps(kind, props), name);
  if (!conf.ok()) return conf.status();
  std::unique_ptr<Producer> producer(new Producer());
  producer->handler_ = handler;
  producer->name_ = name;
  rd_kafka_conf_set_opaque(conf->get(), producer.get());
  rd_kafka_conf_set_dr_msg_cb(conf->get(), &Producer::DeliveryCallback);
  auto rk = MakeHandle(RD_KAFKA_PRODUCER, std::move(conf).value(), statistics);
  if (!rk.ok()) return rk.status();
  producer->rk_ = std::move(rk).value();
  return producer;
}

Producer::~Producer() {
  // Delivery reports of records still queued come back with _PURGE_QUEUE during destroy;
  // release the consumed messages they carry.
  if (rk_) {
    rd_kafka_purge(rk_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(rk_.get(), 0);
  }
  topics_.clear();
}

void Producer::DeliveryCallback(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) noexcept {
  auto* self = static_cast<Producer*>(opaque);
  Delivery d;
  // A forwarded record's opaque is its consumed message (aligned, so even); a copy's is its
  // tag shifted left with the low bit set (ProduceCopy).
  const auto raw = reinterpret_cast<uintptr_t>(m->_private);
  if ((raw & 1U) != 0)
    d.copy_tag = raw >> 1;
  else
    d.source = Message(static_cast<rd_kafka_message_t*>(m->_private));
  d.partition = Partition(m->partition);
  d.offset = TargetOffset(m->offset);
  d.topic = m->rkt;
  if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    d.status = FromRdKafka(m->err, "delivery to " + std::string(rd_kafka_topic_name(m->rkt)));
    d.error = DeliveryErrorOf(m->err);
    d.error_name = rd_kafka_err2name(m->err);  // a static string
    rd_kafka_headers_t* h = nullptr;
    if (rd_kafka_message_headers(m, &h) == RD_KAFKA_RESP_ERR_NO_ERROR && h != nullptr) {
      d.headers.reset(rd_kafka_headers_copy(h));
    }
  }
  if (self->handler_ != nullptr) self->handler_->OnDelivery(d);
}

Result<Producer::TopicRef> Producer::Topic(const std::string& name) {
  auto it = topics_.find(name);
  if (it != topics_.end()) return it->second.get();
  rd_kafka_topic_t* t = rd_kafka_topic_new(rk_.get(), name.c_str(), nullptr);
  if (t == nullptr) return FromRdKafka(rd_kafka_last_error(), "topic handle " + name);
  topics_.emplace(name, TopicPtr(t));
  return t;
}

Status Producer::Forward(TopicRef topic, Partition partition, Message& msg, HeadersPtr& headers) {
  rd_kafka_message_t* src = msg.raw();
  int64_t ts = msg.timestamp_ms();
  rd_kafka_resp_err_t err;
  // No RD_KAFKA_MSG_F_COPY: librdkafka points at the consumed payload, which `src` keeps
  // alive until the delivery report hands it back.
  if (headers) {
    err = rd_kafka_producev(rk_.get(), RD_KAFKA_V_RKT(topic), RD_KAFKA_V_PARTITION(partition.value()),
                            RD_KAFKA_V_MSGFLAGS(0), RD_KAFKA_V_VALUE(src->payload, src->len),
                            RD_KAFKA_V_KEY(src->key, src->key_len), RD_KAFKA_V_TIMESTAMP(ts < 0 ? 0 : ts),
                            RD_KAFKA_V_HEADERS(headers.get()), RD_KAFKA_V_OPAQUE(src), RD_KAFKA_V_END);
  } else {
    err = rd_kafka_producev(rk_.get(), RD_KAFKA_V_RKT(topic), RD_KAFKA_V_PARTITION(partition.value()),
                            RD_KAFKA_V_MSGFLAGS(0), RD_KAFKA_V_VALUE(src->payload, src->len),
                            RD_KAFKA_V_KEY(src->key, src->key_len), RD_KAFKA_V_TIMESTAMP(ts < 0 ? 0 : ts),
                            RD_KAFKA_V_OPAQUE(src), RD_KAFKA_V_END);
  }
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    return FromRdKafka(err, "produce to " + std::string(rd_kafka_topic_name(topic)));
  msg.release();
  (void)headers.release();
  return Status::Ok();
}

Status Producer::ProduceCopy(TopicRef topic, Partition partition, std::string_view key, std::string_view value,
                             HeadersPtr headers, uint64_t tag) {
  rd_kafka_headers_t* h = headers.get();
  void* opaque = reinterpret_cast<void*>(static_cast<uintptr_t>((tag << 1) | 1U));
  rd_kafka_resp_err_t err = rd_kafka_producev(
      rk_.get(), RD_KAFKA_V_RKT(topic), RD_KAFKA_V_PARTITION(partition.value()),
      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
      RD_KAFKA_V_KEY(key.data(), key.size()), RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    return FromRdKafka(err, "produce to " + std::string(rd_kafka_topic_name(topic)));
  (void)headers.release();
  return Status::Ok();
}

int Producer::Poll(std::chrono::milliseconds timeout) {
  return rd_kafka_poll(rk_.get(), static_cast<int>(timeout.count()));
}

Status Producer::Flush(std::chrono::milliseconds timeout) {
  return FromRdKafka(rd_kafka_flush(rk_.get(), static_cast<int>(timeout.count())), "flush " + name_);
}

int Producer::OutstandingCount() const { return rd_kafka_outq_len(rk_.get()); }

Result<TargetOffset> Producer::EndOffset(const std::string& topic, Partition partition,
                                         std::chrono::milliseconds timeout) {
  int64_t low = 0, high = 0;
  rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(rk_.get(), topic.c_str(), partition.value(), &low, &high,
                                                             static_cast<int>(timeout.count()));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return FromRdKafka(err, "end offset of " + topic);
  return TargetOffset(high);
}

Status Producer::RefreshMetadata(TopicRef topic) {
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk_.get(), 0, topic, &md, 10000);
  if (md != nullptr) rd_kafka_metadata_destroy(md);
  return FromRdKafka(err, "metadata for " + std::string(rd_kafka_topic_name(topic)));
}

Status Producer::FatalError() const {
  char buf[512];
  rd_kafka_resp_err_t err = rd_kafka_fatal_error(rk_.get(), buf, sizeof buf);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::Ok();
  return Status(StatusCode::kInternal, "producer " + name_ + " fatal: " + buf);
}

}  // namespace kmirror::kafka
