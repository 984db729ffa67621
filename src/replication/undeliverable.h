// What the flow task does when the target does not take a record, and how large a
// partition's produce batches may be.
//
// ClassifyFailure: a failed delivery is either transient (rewind and send again, today's
// path), a batch the target rejects as a whole although its records may each be fine (too
// large, or one invalid record among several: split it, never stop for it), a record the
// target refuses by itself (its batch held only it: stop the partition there, or
// dead-letter it, by undeliverable.records), or a topic the target refuses altogether
// (authorization, policy: stop; dead-lettering would drain the whole topic into the
// dead-letter topic).
//
// BatchLimit: one produce request's worth for a partition. librdkafka 2.0 does not split
// a batch the broker rejects as larger than the topic's max.message.bytes (Kafka's Java
// producer does), so the task forms its batches no larger than the remote topic accepts
// (ForTopic, from the route), and halves a partition's batches after a rejection anyway
// (user headers are not in the estimate, the topic's limit changed), down to one record,
// so that a batch alone never stops a partition.
//
// Value types and free functions, used on the task's thread only.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>

#include "kmirror/kafka/producer.h"
#include "replication/produce_window.h"

namespace kmirror::replication {

enum class FailureVerdict {
  kRetry,   // transient: rewind, send again
  kSplit,   // the batch as a whole: rewind with smaller batches
  kRecord,  // this record cannot be delivered: stop the partition (or dead-letter it)
  kTopic,   // the target refuses the topic: stop the partition (never dead-lettered)
};

// `batch_records`: how many records of the partition the failed record's batch held.
constexpr FailureVerdict ClassifyFailure(kafka::DeliveryError error, int64_t batch_records) {
  switch (error) {
    case kafka::DeliveryError::kTooLarge:
    case kafka::DeliveryError::kInvalid:
      return batch_records > 1 ? FailureVerdict::kSplit : FailureVerdict::kRecord;
    case kafka::DeliveryError::kNotAllowed:
      return FailureVerdict::kTopic;
    case kafka::DeliveryError::kNone:
    case kafka::DeliveryError::kRetriable:
    case kafka::DeliveryError::kOther:
      break;
  }
  return FailureVerdict::kRetry;
}

const char* VerdictName(FailureVerdict v);

// A record batch's own header (magic 2) in a produce request.
constexpr int64_t kRecordBatchOverhead = 61;

class BatchLimit {
 public:
  // The task's request limit capped by the remote topic's max.message.bytes (0: unknown),
  // with the same 10% margin ClientLimits keeps below the producer's limits, after the
  // record batch header.
  static constexpr RequestLimit ForTopic(const RequestLimit& task, int64_t max_message_bytes) {
    if (max_message_bytes <= 0) return task;
    const int64_t cap = std::max<int64_t>(1, (max_message_bytes - kRecordBatchOverhead) * 9 / 10);
    return {std::min(task.bytes, cap), task.records};
  }

  // The limit for the partition's next batch: the topic's, fewer records after a split.
  RequestLimit Get(const RequestLimit& topic) const {
    return max_records_ > 0 ? RequestLimit{topic.bytes, std::min(topic.records, max_records_)} : topic;
  }
  // The target rejected a batch of `records` records as a whole: later batches hold at most
  // half as many, at least one. Lasts for the partition's time in this task.
  void Split(int64_t records) { max_records_ = std::max<int64_t>(1, records / 2); }
  int64_t max_records() const { return max_records_; }  // 0: not split

 private:
  int64_t max_records_ = 0;
};

}  // namespace kmirror::replication
