// Test-side Kafka clients: admin, produce, consume and group-offset helpers on raw
// librdkafka. They are the ground truth for integration tests, so they deliberately do not
// use kmirror's own Kafka wrappers (a bug there must not be able to hide itself).
//
// Every call opens its own short-lived client: simple, no state shared between tests, and
// cheap enough on loopback (a few ms). Errors never abort: operations return a
// ::testing::AssertionResult (use ASSERT_TRUE(CreateTopic(...)) to fail with the message),
// queries return an Outcome<T> that can be polled inside WaitUntil without failing the test
// (e.g. while a mirrored topic does not exist yet).
//
// All clients set allow.auto.create.topics=false: a verification query must never create
// the topic it is looking for. ClientConfig::properties can override any default.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace kmirror::test {

// Where and how to connect: bootstrap servers plus librdkafka properties (e.g. SASL).
struct ClientConfig {
  ClientConfig(std::string bootstrap_servers)  // NOLINT: implicit, a bootstrap is enough
      : bootstrap(std::move(bootstrap_servers)) {}
  ClientConfig(const char* bootstrap_servers) : bootstrap(bootstrap_servers) {}  // NOLINT
  ClientConfig(std::string bootstrap_servers, std::map<std::string, std::string> props)
      : bootstrap(std::move(bootstrap_servers)), properties(std::move(props)) {}

  std::string bootstrap;
  std::map<std::string, std::string> properties;  // librdkafka names, override defaults
};

// The error half of an Outcome.
struct Failure {
  std::string message;
};

// A value, or a message saying why there is none. value() on a failed Outcome throws
// std::runtime_error, which GoogleTest reports as a failure of the running test.
template <typename T>
class [[nodiscard]] Outcome {
 public:
  Outcome(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design
  Outcome(Failure failure) : v_(std::move(failure)) {}  // NOLINT

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }
  const std::string& error() const {
    static const std::string kNone;
    return ok() ? kNone : std::get<Failure>(v_).message;
  }
  const T& value() const& {
    if (!ok()) throw std::runtime_error(error());
    return std::get<T>(v_);
  }
  T value() && {
    if (!ok()) throw std::runtime_error(error());
    return std::move(std::get<T>(v_));
  }
  T value_or(T fallback) const& { return ok() ? std::get<T>(v_) : std::move(fallback); }
  const T& operator*() const& { return value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Failure> v_;
};

// A header value may be null (distinct from empty).
using Header = std::pair<std::string, std::optional<std::string>>;

// A record to produce. Every member has a default initializer, so designated initializers
// may leave any out ({.key = "k", .value = "v"}) without GCC 12's
// -Wmissing-field-initializers (an error under -Werror). The same holds for the other
// option structs of the test support code.
struct Record {
  int32_t partition = 0;
  std::optional<std::string> key{};    // nullopt: null key
  std::optional<std::string> value{};  // nullopt: null value (a tombstone)
  std::vector<Header> headers{};
  int64_t timestamp_ms = 0;  // CreateTime; 0 = let the producer stamp the current time
};

enum class TimestampType { kNotAvailable, kCreateTime, kLogAppendTime };

// A record as read back from a partition.
struct ConsumedRecord {
  int32_t partition = 0;
  int64_t offset = 0;
  std::optional<std::string> key{};
  std::optional<std::string> value{};
  std::vector<Header> headers{};
  int64_t timestamp_ms = 0;
  TimestampType timestamp_type = TimestampType::kNotAvailable;

  bool operator==(const ConsumedRecord&) const = default;
};

void PrintTo(const Record& r, std::ostream* os);
void PrintTo(const ConsumedRecord& r, std::ostream* os);
std::ostream& operator<<(std::ostream& os, TimestampType t);

// Checks that `consumed` holds exactly `produced`, in order: key, value, headers, partition
// and (where the producer set one) timestamp. Reports the first difference. Records of
// several partitions must be given in the same order in both, e.g. grouped by partition.
::testing::AssertionResult SameRecords(const std::vector<Record>& produced,
                                       const std::vector<ConsumedRecord>& consumed);

// `count` records "<prefix>-key-<i>" / "<prefix>-value-<i>", spread round robin over
// `partitions`, with a header "i" = "<i>" and no explicit timestamp.
std::vector<Record> MakeRecords(int count, int partitions = 1, std::string_view prefix = "r");

// ---- Cluster ---------------------------------------------------------------------------

// Node ids of the live (registered, unfenced) brokers, from a metadata request.
Outcome<std::vector<int32_t>> BrokerIds(const ClientConfig& client,
                                        std::chrono::milliseconds timeout = std::chrono::seconds(5));

// ---- Topics ---------------------------------------------------------------------------

// Creates a topic and waits until every partition has a leader, so producing to it right
// away works.
::testing::AssertionResult CreateTopic(const ClientConfig& client, const std::string& topic,
                                       int partitions, int replication_factor = 1,
                                       const std::map<std::string, std::string>& configs = {});
// Deletes a topic and waits until metadata no longer lists it.
::testing::AssertionResult DeleteTopic(const ClientConfig& client, const std::string& topic);
// Grows a topic to `total_partitions` and waits until metadata shows them.
::testing::AssertionResult CreatePartitions(const ClientConfig& client, const std::string& topic,
                                            int total_partitions);
// Sets (value) or removes (nullopt) topic config overrides, keeping the others. librdkafka
// 2.0.2 has no IncrementalAlterConfigs, so this reads the overrides and writes the merged set.
::testing::AssertionResult AlterTopicConfigs(
    const ClientConfig& client, const std::string& topic,
    const std::map<std::string, std::optional<std::string>>& changes);

// Sorted topic names; internal topics (__consumer_offsets, ...) only if asked for.
Outcome<std::vector<std::string>> ListTopics(const ClientConfig& client,
                                             bool include_internal = false);
// Fails if the topic does not exist.
Outcome<int> PartitionCount(const ClientConfig& client, const std::string& topic);
// The topic's overrides: configs whose source is DYNAMIC_TOPIC_CONFIG.
Outcome<std::map<std::string, std::string>> DescribeTopicConfigs(const ClientConfig& client,
                                                                 const std::string& topic);

// ---- Offsets --------------------------------------------------------------------------

struct WatermarkOffsets {
  int64_t low = 0;
  int64_t high = 0;  // the high watermark, or the last stable offset if read_committed
  bool operator==(const WatermarkOffsets&) const = default;
};
Outcome<WatermarkOffsets> Watermarks(const ClientConfig& client, const std::string& topic,
                                     int32_t partition, bool read_committed = false);
// Deletes records before `before_offset` (the new low watermark).
::testing::AssertionResult DeleteRecords(const ClientConfig& client, const std::string& topic,
                                         int32_t partition, int64_t before_offset);

// ---- Producing ------------------------------------------------------------------------

// Produces all records (acks=all, idempotent, order kept per partition) and waits for every
// delivery report. Fails with the first delivery error.
::testing::AssertionResult Produce(const ClientConfig& client, const std::string& topic,
                                   const std::vector<Record>& records,
                                   std::chrono::milliseconds timeout = std::chrono::seconds(120));

enum class TxnEnd { kCommit, kAbort };
// Produces the records in one transaction, flushes them (so they are in the log), then
// commits or aborts. `transactional_id` empty: a unique one.
::testing::AssertionResult ProduceTransaction(
    const ClientConfig& client, const std::string& topic, const std::vector<Record>& records,
    TxnEnd end, std::string transactional_id = {},
    std::chrono::milliseconds timeout = std::chrono::seconds(60));
inline ::testing::AssertionResult ProduceAndCommit(const ClientConfig& client,
                                                   const std::string& topic,
                                                   const std::vector<Record>& records) {
  return ProduceTransaction(client, topic, records, TxnEnd::kCommit);
}
inline ::testing::AssertionResult ProduceAndAbort(const ClientConfig& client,
                                                  const std::string& topic,
                                                  const std::vector<Record>& records) {
  return ProduceTransaction(client, topic, records, TxnEnd::kAbort);
}

// ---- Consuming ------------------------------------------------------------------------

// Every record of the partition from the low to the high watermark (last stable offset if
// read_committed) as of the call, in offset order. Control records and, with
// read_committed, aborted records are not returned (so offsets may have gaps).
Outcome<std::vector<ConsumedRecord>> ConsumeAll(
    const ClientConfig& client, const std::string& topic, int32_t partition,
    bool read_committed = true, std::chrono::milliseconds timeout = std::chrono::seconds(120));
// The same for every partition of the topic, partition by partition.
Outcome<std::vector<ConsumedRecord>> ConsumeTopic(
    const ClientConfig& client, const std::string& topic, bool read_committed = true,
    std::chrono::milliseconds timeout = std::chrono::seconds(120));

// ---- Consumer groups ------------------------------------------------------------------

// partition -> committed offset of `group` for `topic` (partitions without one omitted).
// The topic must exist on the cluster asked.
Outcome<std::map<int32_t, int64_t>> CommittedOffsets(const ClientConfig& client,
                                                     const std::string& group,
                                                     const std::string& topic);
// Commits offsets for a group that has no active members (as a test's "source consumer").
::testing::AssertionResult CommitOffsets(const ClientConfig& client, const std::string& group,
                                         const std::string& topic,
                                         const std::map<int32_t, int64_t>& offsets);

}  // namespace kmirror::test
