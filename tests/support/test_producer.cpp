// Producing for the test clients (test_producer.h), plus the delivery-tracking producer
// that test_transactions.cpp shares (client_internal.h).
#include "support/test_producer.h"

#include <algorithm>

#include "support/client_internal.h"

namespace kmirror::test {
namespace {

using namespace detail;

// Runs on the thread calling rd_kafka_poll/flush, i.e. ours: no locking needed.
void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
  auto* state = static_cast<ClientState*>(opaque)->delivery;
  if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    ++state->delivered;
    auto [it, inserted] = state->last_offset.emplace(msg->partition, msg->offset);
    if (!inserted) it->second = std::max(it->second, msg->offset);
    return;
  }
  if (state->failed++ == 0) {
    state->first_error = "delivery to " + std::string(rd_kafka_topic_name(msg->rkt)) + "[" +
                         std::to_string(msg->partition) + "] failed: " + ErrText(msg->err);
  }
}

// rd_kafka_producev with our Record; retries while the local queue is full.
rd_kafka_resp_err_t ProduceOne(rd_kafka_t* rk, rd_kafka_topic_t* rkt, const Record& r,
                               std::chrono::steady_clock::time_point deadline) {
  while (true) {
    rdk::Headers headers;
    if (!r.headers.empty()) {
      headers.reset(rd_kafka_headers_new(r.headers.size()));
      for (const auto& [name, value] : r.headers) {
        // A null pointer value makes a null header (distinct from an empty one).
        rd_kafka_header_add(headers.get(), name.data(), static_cast<ssize_t>(name.size()),
                            value ? value->data() : nullptr, value ? value->size() : 0);
      }
    }
    // Pointers from std::string::data() are never null, even when empty: librdkafka encodes a
    // non-null pointer with length 0 as an empty key/value, and a null pointer as null.
    // (Plain variables: the RD_KAFKA_V_* macros cast their arguments textually.)
    const void* key = r.key ? r.key->data() : nullptr;
    const size_t key_len = r.key ? r.key->size() : 0;
    void* value = r.value ? const_cast<char*>(r.value->data()) : nullptr;  // copied (F_COPY)
    const size_t value_len = r.value ? r.value->size() : 0;
    const int32_t partition = r.partition < 0 ? RD_KAFKA_PARTITION_UA : r.partition;
    const int64_t timestamp = r.timestamp_ms;
    const rd_kafka_resp_err_t err = rd_kafka_producev(
        rk, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_PARTITION(partition), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_KEY(key, key_len), RD_KAFKA_V_VALUE(value, value_len), RD_KAFKA_V_HEADERS(headers.get()),
        RD_KAFKA_V_TIMESTAMP(timestamp), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      headers.release();  // owned by the message now
      return err;
    }
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || std::chrono::steady_clock::now() > deadline) return err;
    rd_kafka_poll(rk, 10);  // serve delivery reports to make room
  }
}

}  // namespace

namespace detail {

Props ProducerDefaults(Millis timeout) {
  return {
      {"acks", "all"},
      {"enable.idempotence", "true"},
      // Big batches, short linger: tests push 100k+ records and then wait for all of them.
      {"linger.ms", "5"},
      {"batch.num.messages", "10000"},
      {"batch.size", "1000000"},
      {"queue.buffering.max.messages", "1000000"},
      {"queue.buffering.max.kbytes", "1048576"},
      {"message.timeout.ms", std::to_string(std::max<Millis::rep>(1000, timeout.count()))},
  };
}

AssertionResult ProduceWith(rd_kafka_t* rk, const std::string& topic, const std::vector<Record>& records,
                            DeliveryState& state, std::chrono::steady_clock::time_point deadline) {
  rdk::Topic rkt(rd_kafka_topic_new(rk, topic.c_str(), nullptr));
  if (!rkt) return AssertionFailure() << "rd_kafka_topic_new " << topic << ": " << ErrText(rd_kafka_last_error());
  for (std::size_t i = 0; i < records.size(); ++i) {
    const rd_kafka_resp_err_t err = ProduceOne(rk, rkt.get(), records[i], deadline);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return AssertionFailure() << "producing record #" << i << " to " << topic << ": " << ErrText(err);
    }
    if (i % 1024 == 0) rd_kafka_poll(rk, 0);
  }
  const auto remaining = std::chrono::duration_cast<Millis>(deadline - std::chrono::steady_clock::now());
  const rd_kafka_resp_err_t flush_err = rd_kafka_flush(rk, TimeoutMs(remaining));
  if (state.failed > 0) {
    return AssertionFailure() << state.failed << " of " << records.size()
                              << " records failed; first: " << state.first_error;
  }
  if (flush_err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return AssertionFailure() << "flush: " << ErrText(flush_err) << " with " << rd_kafka_outq_len(rk)
                              << " records undelivered";
  }
  return AssertionSuccess();
}

Outcome<Client> NewReportingProducer(const ClientConfig& client, DeliveryState* state, const Props& props) {
  return NewClient(
      RD_KAFKA_PRODUCER, client, props, [](rd_kafka_conf_t* conf) { rd_kafka_conf_set_dr_msg_cb(conf, OnDelivery); },
      state);
}

}  // namespace detail

AssertionResult Produce(const ClientConfig& client, const std::string& topic, const std::vector<Record>& records,
                        Millis timeout) {
  DeliveryState state;
  auto rk = NewReportingProducer(client, &state, ProducerDefaults(timeout));
  if (!rk.ok()) return AssertionFailure() << rk.error();
  auto r = ProduceWith(rk->get(), topic, records, state, std::chrono::steady_clock::now() + timeout);
  if (!r) return AssertionFailure() << "Produce to " << topic << " on " << Describe(client) << ": " << r.message();
  return r;
}

}  // namespace kmirror::test
