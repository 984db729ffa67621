// A test producer that writes stamped records (support/stamp.h) and keeps a ledger of what
// its cluster acknowledged: the ground truth the checker (support/stamp_checker.h)
// compares every copy with. Raw librdkafka, acks=all, idempotent: the broker holds each
// acknowledged stamp exactly once and in sequence order per partition, so any record
// missing, repeated or reordered in a copy is the mirror's doing.
//
// Records go round robin over the partitions, explicitly (the stamp names its partition);
// every `key_every`-th record of a partition has a key. Optionally transactional: each
// transaction holds `transaction_records` records, is flushed (its records are in the log)
// and then committed, or aborted when it is one of every `abort_every`.
//
// Lifecycle and threads: Start() runs the producer on a thread of its own until Stop()
// (or the destructor) or `max_records`; Produce(n) runs it on the calling thread instead.
// Stop() finishes the open transaction and waits for every delivery report (bounded by
// message_timeout). ledger() and the counters may be read from any thread at any time.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support/kafka_client.h"
#include "support/stamp.h"

namespace kmirror::test {

// What one producer wrote to one topic.
struct ProducerLedger {
  std::string origin{};    // the cluster's name in the test
  std::string producer{};  // the stamps' producer id
  std::string topic{};
  // partition -> sequence numbers the cluster acknowledged (committed, if transactional),
  // ascending.
  std::map<int32_t, std::vector<int64_t>> acknowledged{};
  // partition -> sequence numbers written in transactions that were aborted, ascending.
  std::map<int32_t, std::vector<int64_t>> aborted{};
  int64_t sent = 0;
  // Records whose delivery failed: not acknowledged, but they may still be in the log (a
  // timed-out request can have been written). Not required in copies unless the origin
  // topic holds them.
  int64_t failed = 0;

  int64_t acknowledged_count() const;
  int64_t aborted_count() const;
};

struct StampedProducerOptions {
  std::string origin = "A";
  std::string producer_id = "p0";
  std::string topic{};
  int partitions = 1;
  double records_per_second = 0;     // 0: as fast as the producer queue takes them
  int64_t max_records = 10'000'000;  // the background thread stops by itself after this many
  int key_every = 2;                 // 0: no keys
  std::size_t value_bytes = 100;
  std::chrono::milliseconds message_timeout{300'000};
  int transaction_records = 0;                      // > 0: transactional
  int abort_every = 0;                              // with transactions: 2 aborts every other one
  std::map<std::string, std::string> properties{};  // extra librdkafka settings
};

class StampedProducer {
 public:
  StampedProducer(ClientConfig client, StampedProducerOptions options);
  ~StampedProducer();  // Stop()
  StampedProducer(const StampedProducer&) = delete;
  StampedProducer& operator=(const StampedProducer&) = delete;

  // Produces on a background thread until Stop().
  void Start();
  // Stops producing and waits for every outstanding delivery report. Fails (once Stop()
  // has returned) when the producer could not be created or a transaction step failed.
  ::testing::AssertionResult Stop();
  // Waits until at least `count` records are acknowledged in all; fails at once when the
  // background thread has stopped with an error (a bad setting, a failed transaction).
  ::testing::AssertionResult WaitForAcknowledged(int64_t count, std::chrono::milliseconds timeout) const;
  // Produces `count` records on the calling thread and waits for their delivery reports;
  // fails if any was not acknowledged.
  ::testing::AssertionResult Produce(int64_t count);

  ProducerLedger ledger() const;
  int64_t sent() const { return sent_.load(); }
  int64_t acknowledged() const { return acknowledged_.load(); }
  int64_t failed() const { return failed_.load(); }
  const StampedProducerOptions& options() const { return options_; }

  // Internal: called from librdkafka's delivery report callback.
  void OnDelivery(int32_t partition, int64_t seq, bool ok);

 private:
  // Produces until `stop_` or `limit` records in all; returns the first error.
  ::testing::AssertionResult Run(int64_t limit);

  ClientConfig client_;
  StampedProducerOptions options_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  ::testing::AssertionResult thread_result_ = ::testing::AssertionSuccess();  // guarded by mu_
  bool thread_done_ = false;                                                  // guarded by mu_
  std::atomic<int64_t> sent_{0};
  std::atomic<int64_t> acknowledged_{0};
  std::atomic<int64_t> failed_{0};
  std::vector<int64_t> next_seq_;  // per partition; only the producing thread touches it

  mutable std::mutex mu_;
  ProducerLedger ledger_;
  // Delivered records of the open transaction: acknowledged or aborted when it ends.
  std::map<int32_t, std::vector<int64_t>> txn_delivered_;
  std::map<int32_t, std::vector<int64_t>> txn_sent_;
};

}  // namespace kmirror::test
