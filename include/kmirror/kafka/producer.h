// Producer: an idempotent librdkafka producer that forwards consumed records without
// copying their payloads.
//
// Lifecycle: created by a flow task, used only from that task's thread (Forward, Poll,
// Flush and the DeliveryHandler all run there), destroyed by it after Flush.
// Ownership: Forward() moves the consumed Message into librdkafka; it comes back, still
// alive, in the Delivery passed to the handler from Poll/Flush, and dies after that.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "kmirror/common/status.h"
#include "kmirror/common/types.h"
#include "kmirror/kafka/client.h"
#include "kmirror/kafka/engine_props.h"
#include "kmirror/kafka/message.h"

namespace kmirror::kafka {

// What a failed delivery means for the record (errors.h: DeliveryErrorOf).
enum class DeliveryError {
  kNone,        // delivered
  kRetriable,   // transient (timeouts, leadership, replicas, network, unknown partition): send again
  kTooLarge,    // the batch the record was in is larger than the target topic accepts
  kInvalid,     // the target refuses this record itself (corrupt, invalid record or timestamp)
  kNotAllowed,  // the target refuses the topic (authorization, policy): every record of it
  kOther,       // anything else: send again
};

// The outcome of one forwarded record.
struct Delivery {
  Message source;       // the consumed record; empty for records produced by copy
  Partition partition;  // target partition
  TargetOffset offset;  // target offset, when status is OK
  Status status;
  rd_kafka_topic_t* topic = nullptr;  // the target topic (the handle Producer::Topic returned)
  DeliveryError error = DeliveryError::kNone;
  // Failed deliveries only: a copy of the headers that were sent (the produced record's
  // own die with it), so that the record can be written elsewhere (a dead-letter topic).
  HeadersPtr headers;
  uint64_t copy_tag = 0;        // for a record produced by copy: the tag given to ProduceCopy
  std::string_view error_name;  // librdkafka's name of the error ("_MSG_TIMED_OUT"); empty when OK
};

class DeliveryHandler {
 public:
  virtual ~DeliveryHandler() = default;
  // Called on the thread that calls Producer::Poll/Flush. Must not throw.
  virtual void OnDelivery(Delivery& delivery) noexcept = 0;
};

class Producer {
 public:
  // A target topic handle, owned by the Producer and valid for its lifetime.
  using TopicRef = rd_kafka_topic_t*;

  // `props` are the user's client properties; the producer forces idempotence and acks=all.
  // `kind` is kProducer or kFlowProducer (a flow task's producer, engine_props.h).
  // `statistics`: whose librdkafka statistics these are (kafka/statistics.h); empty: none.
  static Result<std::unique_ptr<Producer>> Create(const ClientProps& props, const std::string& name,
                                                  DeliveryHandler* handler, ClientKind kind = ClientKind::kProducer,
                                                  const StatisticsTag& statistics = {});
  ~Producer();

  Result<TopicRef> Topic(const std::string& name);

  // Sends `msg`'s key, value and timestamp to (topic, partition) with `headers`. On success
  // both `msg` and `headers` are taken (left empty); on failure both stay with the caller.
  // A full local queue is kUnavailable (retriable): Poll, then try again.
  Status Forward(TopicRef topic, Partition partition, Message& msg, HeadersPtr& headers);

  // Produces a record whose bytes are copied (for records kmirror makes itself). `tag`
  // (at most 2^62) comes back in its Delivery's copy_tag.
  Status ProduceCopy(TopicRef topic, Partition partition, std::string_view key, std::string_view value,
                     HeadersPtr headers, uint64_t tag = 0);

  // Serves delivery reports; returns how many were served.
  int Poll(std::chrono::milliseconds timeout);
  // Waits for every outstanding record's delivery report.
  Status Flush(std::chrono::milliseconds timeout);
  int OutstandingCount() const;
  // The offset the next record of (topic, partition) on the target will get.
  Result<TargetOffset> EndOffset(const std::string& topic, Partition partition, std::chrono::milliseconds timeout);
  // Forces a metadata refresh for `topic` (after its partition count grew).
  Status RefreshMetadata(TopicRef topic);
  // Non-OK once the idempotent producer hit an unrecoverable error.
  Status FatalError() const;

 private:
  Producer() = default;
  static void DeliveryCallback(rd_kafka_t* rk, const rd_kafka_message_t* m, void* opaque) noexcept;

  HandlePtr rk_;
  DeliveryHandler* handler_ = nullptr;
  std::string name_;
  std::unordered_map<std::string, TopicPtr> topics_;
};

}  // namespace kmirror::kafka
