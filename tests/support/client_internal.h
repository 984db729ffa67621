// Internals shared by the test clients (test_admin, test_producer, test_transactions,
// test_consumer, test_groups .cpp): librdkafka handles with the harness's defaults, metadata
// lookups, error formatting, and the few reading/producing steps two concerns need (the
// transaction check reads watermarks; transactions produce like Produce does). Each
// declaration says which file defines it. Tests do not include this header: they use
// support/kafka_client.h or one of the test_*.h headers.
//
// Lifecycle and threads: a Client lives for one call of a test-client function and is used
// only by the thread making that call; nothing here is shared between calls (so the public
// functions may run concurrently on any threads). Delivery reports and error_cb are served
// inside the rd_kafka_poll/flush calls that thread makes; log_cb runs on librdkafka's own
// threads (it only prints). ClientState locks anyway, so that no caller has to reason about
// which call serves error_cb.
#pragma once

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "support/client_config.h"
#include "support/rdkafka_handles.h"
#include "support/test_consumer.h"
#include "support/test_records.h"

namespace kmirror::test::detail {

// The vocabulary of the test clients' files, which each bring in with `using namespace detail`.
using namespace std::chrono_literals;
using ::testing::AssertionFailure;
using ::testing::AssertionResult;
using ::testing::AssertionSuccess;
using Props = std::map<std::string, std::string>;
using Millis = std::chrono::milliseconds;

// ---- Error formatting (client_internal.cpp) ---------------------------------------------

// A timeout as librdkafka's int milliseconds; negative (a passed deadline) becomes 0.
int TimeoutMs(Millis timeout);
// "NAME (description)" of a librdkafka error code.
std::string ErrText(rd_kafka_resp_err_t err);
// "cluster <bootstrap>", for failure messages.
std::string Describe(const ClientConfig& client);

// ---- Handles (client_internal.cpp) ------------------------------------------------------

// What a producer's delivery reports add up to (filled by test_producer.cpp's callback on
// the thread calling rd_kafka_poll/flush, which is the Client's own: no locking).
struct DeliveryState {
  std::size_t delivered = 0;
  std::size_t failed = 0;
  std::string first_error;
  std::map<int32_t, int64_t> last_offset;  // partition -> offset of its last delivered record
};

// What a handle's callbacks record. Owned next to the handle (see Client).
struct ClientState {
  DeliveryState* delivery = nullptr;  // producers that track delivery reports
  mutable std::mutex mu;
  // The last error librdkafka reported asynchronously (error_cb): a refused connection,
  // a failed SASL handshake... Quoted in failure messages; stops waits that cannot succeed.
  rd_kafka_resp_err_t last_error = RD_KAFKA_RESP_ERR_NO_ERROR;
  std::string last_error_text;
  // Sticky: the follow-up "all brokers down" must not hide why.
  std::string authentication_error;
};

// A librdkafka handle plus the state its callbacks write to. Members are destroyed in
// reverse order: the handle (and its threads) before the state they use.
class Client {
 public:
  Client(std::unique_ptr<ClientState> state, rdk::Handle handle)
      : state_(std::move(state)), handle_(std::move(handle)) {}
  rd_kafka_t* get() const { return handle_.get(); }
  ClientState& state() const { return *state_; }
  std::string LastError() const;
  bool AuthenticationFailed() const;

 private:
  std::unique_ptr<ClientState> state_;
  rdk::Handle handle_;
};

// A client of the given type: test-friendly defaults (never auto-create topics, reconnect
// quickly, quiet logs), then `defaults`, then the caller's ClientConfig::properties.
// `customize` may add callbacks to the conf; `delivery` is where they may record reports.
Outcome<Client> NewClient(rd_kafka_type_t type, const ClientConfig& client, const Props& defaults = {},
                          const std::function<void(rd_kafka_conf_t*)>& customize = {},
                          DeliveryState* delivery = nullptr);

// ---- Metadata (client_internal.cpp) -----------------------------------------------------

// Fresh cluster metadata: all topics (an all-topics request never auto-creates), or none
// (just the brokers). Asks in short slices so a failed SASL handshake ends the wait early.
Outcome<rdk::Metadata> FetchMetadata(const Client& rk, Millis timeout = std::chrono::seconds(10),
                                     bool all_topics = true);
// The topic's entry in `md`, or nullptr.
const rd_kafka_metadata_topic_t* FindTopic(const rd_kafka_metadata_t& md, std::string_view topic);

// One topic's entry, together with the metadata that owns it.
struct TopicMetadata {
  rdk::Metadata metadata;
  const rd_kafka_metadata_topic_t* topic = nullptr;  // points into `metadata`, never null
};
// Fresh metadata of `topic`; fails (naming the cluster) if the request fails or the topic
// does not exist. A topic-level error in the entry is left for the caller.
Outcome<TopicMetadata> FetchTopic(const Client& rk, const ClientConfig& client, const std::string& topic);

// ---- Reading (test_consumer.cpp) --------------------------------------------------------

// A consumer handle without group.id: no group coordinator, so verification never creates
// __consumer_offsets or touches any group. It is used with the "legacy" per-partition
// consume API, which needs no group (rd_kafka_assign() would).
Outcome<Client> NewGrouplessConsumer(const ClientConfig& client, bool read_committed);
// Fails fast (instead of waiting for a leader that never comes) if the partition is absent.
::testing::AssertionResult CheckPartitionExists(const Client& rk, const ClientConfig& client, const std::string& topic,
                                                int32_t partition);
// The partition's low and high watermark (last stable offset for a read_committed handle).
Outcome<WatermarkOffsets> QueryWatermarks(rd_kafka_t* rk, const std::string& topic, int32_t partition);

// ---- Producing (test_producer.cpp) ------------------------------------------------------

// acks=all, idempotent, big batches with a short linger, and a message timeout of `timeout`.
Props ProducerDefaults(Millis timeout);
// A producer whose delivery reports land in `state`.
Outcome<Client> NewReportingProducer(const ClientConfig& client, DeliveryState* state, const Props& props);
// Produces `records` to `topic` and flushes; fails with the first produce or delivery error.
::testing::AssertionResult ProduceWith(rd_kafka_t* rk, const std::string& topic, const std::vector<Record>& records,
                                       DeliveryState& state, std::chrono::steady_clock::time_point deadline);

}  // namespace kmirror::test::detail
