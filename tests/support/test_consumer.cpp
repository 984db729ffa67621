// Groupless reading for the test clients (test_consumer.h), plus the reading internals
// that test_transactions.cpp shares (client_internal.h).
#include "support/test_consumer.h"

#include <algorithm>
#include <iterator>
#include <map>

#include "support/client_internal.h"
#include "support/test_admin.h"

namespace kmirror::test {
namespace {

using namespace detail;

// Stops the legacy consumer on every started partition before the topic and handle go.
class PartitionConsumers {
 public:
  explicit PartitionConsumers(rd_kafka_topic_t* rkt) : rkt_(rkt) {}
  ~PartitionConsumers() {
    for (int32_t p : started_) rd_kafka_consume_stop(rkt_, p);
  }
  PartitionConsumers(const PartitionConsumers&) = delete;
  PartitionConsumers& operator=(const PartitionConsumers&) = delete;
  bool Start(int32_t partition, int64_t offset, rd_kafka_queue_t* queue) {
    if (rd_kafka_consume_start_queue(rkt_, partition, offset, queue) != 0) return false;
    started_.push_back(partition);
    return true;
  }

 private:
  rd_kafka_topic_t* rkt_;
  std::vector<int32_t> started_;
};

// The message as a ConsumedRecord: copies of key, value and headers (nullness kept).
ConsumedRecord ToRecord(const rd_kafka_message_t* msg) {
  ConsumedRecord r;
  r.partition = msg->partition;
  r.offset = msg->offset;
  if (msg->key != nullptr) r.key.emplace(static_cast<const char*>(msg->key), msg->key_len);
  if (msg->payload != nullptr) r.value.emplace(static_cast<const char*>(msg->payload), msg->len);
  rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
  r.timestamp_ms = rd_kafka_message_timestamp(msg, &type);
  r.timestamp_type = type == RD_KAFKA_TIMESTAMP_CREATE_TIME       ? TimestampType::kCreateTime
                     : type == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME ? TimestampType::kLogAppendTime
                                                                  : TimestampType::kNotAvailable;
  rd_kafka_headers_t* headers = nullptr;  // owned by the message
  if (rd_kafka_message_headers(msg, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR && headers != nullptr) {
    const char* name = nullptr;
    const void* value = nullptr;
    size_t size = 0;
    for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
      r.headers.emplace_back(name, value != nullptr
                                       ? std::optional<std::string>(std::string(static_cast<const char*>(value), size))
                                       : std::nullopt);
    }
  }
  return r;
}

// What ConsumeAll returns, for several partitions of one topic read through one queue:
// grouped by partition in ascending order.
Outcome<std::vector<ConsumedRecord>> ConsumePartitions(const ClientConfig& client, const std::string& topic,
                                                       std::vector<int32_t> partitions, bool read_committed,
                                                       Millis timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto rk = NewGrouplessConsumer(client, read_committed);
  if (!rk.ok()) return Failure{rk.error()};
  for (int32_t p : partitions) {
    if (auto r = CheckPartitionExists(*rk, client, topic, p); !r) return Failure{r.message()};
  }
  // The range to read is fixed up front; records produced meanwhile are not returned.
  struct Range {
    int64_t low, end;
    bool done;
    std::vector<ConsumedRecord> records;
  };
  std::map<int32_t, Range> ranges;
  for (int32_t p : partitions) {
    auto wm = QueryWatermarks(rk->get(), topic, p);
    if (!wm.ok()) return Failure{wm.error()};
    ranges[p] = Range{wm->low, wm->high, wm->high <= wm->low, {}};
    ranges[p].records.reserve(static_cast<std::size_t>(std::max<int64_t>(0, wm->high - wm->low)));
  }
  rdk::Topic rkt(rd_kafka_topic_new(rk->get(), topic.c_str(), nullptr));
  if (!rkt) return Failure{"rd_kafka_topic_new " + topic + ": " + ErrText(rd_kafka_last_error())};
  rdk::Queue queue(rd_kafka_queue_new(rk->get()));
  std::size_t pending = 0;
  {
    PartitionConsumers consumers(rkt.get());
    for (auto& [p, range] : ranges) {
      if (range.done) continue;
      if (!consumers.Start(p, range.low, queue.get())) {
        return Failure{"consume_start " + topic + "[" + std::to_string(p) + "]: " + ErrText(rd_kafka_last_error())};
      }
      ++pending;
    }
    constexpr std::size_t kBatch = 10000;
    std::vector<rd_kafka_message_t*> batch(kBatch);
    while (pending > 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        std::string state;
        for (const auto& [p, range] : ranges) {
          if (!range.done) {
            state += " [" + std::to_string(p) + "] got " + std::to_string(range.records.size()) + " records, reading " +
                     std::to_string(range.low) + ".." + std::to_string(range.end) + ";";
          }
        }
        return Failure{"ConsumeAll " + topic + " timed out after " + std::to_string(timeout.count()) + " ms:" + state};
      }
      // Returns when the batch is full or the timeout passes, whichever is first: a short
      // timeout, or every small read would take the whole of it.
      const ssize_t n = rd_kafka_consume_batch_queue(queue.get(), 10, batch.data(), kBatch);
      if (n < 0) return Failure{"consume_batch_queue: " + ErrText(rd_kafka_last_error())};
      std::string error;
      for (ssize_t i = 0; i < n; ++i) {
        rdk::Message msg(batch[static_cast<std::size_t>(i)]);
        auto it = ranges.find(msg->partition);
        if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
          // EOF at the high watermark (LSO when read_committed) as of that fetch; done once
          // it is at or past the end fixed above.
          if (it != ranges.end() && !it->second.done && msg->offset >= it->second.end) {
            it->second.done = true;
            --pending;
          }
          continue;
        }
        if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
          if (error.empty()) {
            error = "consuming " + topic + "[" + std::to_string(msg->partition) + "]: " + ErrText(msg->err);
          }
          continue;
        }
        if (it == ranges.end() || it->second.done || msg->offset >= it->second.end) continue;
        it->second.records.push_back(ToRecord(msg.get()));
      }
      if (!error.empty()) return Failure{error};
    }
  }
  std::vector<ConsumedRecord> out;
  std::size_t total = 0;
  for (const auto& [p, range] : ranges) total += range.records.size();
  out.reserve(total);
  for (auto& [p, range] : ranges) {
    std::move(range.records.begin(), range.records.end(), std::back_inserter(out));
  }
  return out;
}

}  // namespace

namespace detail {

Outcome<Client> NewGrouplessConsumer(const ClientConfig& client, bool read_committed) {
  return NewClient(RD_KAFKA_CONSUMER, client,
                   {
                       {"isolation.level", read_committed ? "read_committed" : "read_uncommitted"},
                       {"enable.partition.eof", "true"},
                       {"enable.auto.commit", "false"},
                       {"enable.auto.offset.store", "false"},
                       // A fetch at the end of the log returns after 10 ms: quick end detection.
                       {"fetch.wait.max.ms", "10"},
                       {"fetch.message.max.bytes", "8388608"},
                       {"queued.max.messages.kbytes", "262144"},
                       {"queued.min.messages", "200000"},
                   });
}

AssertionResult CheckPartitionExists(const Client& rk, const ClientConfig& client, const std::string& topic,
                                     int32_t partition) {
  auto md = FetchTopic(rk, client, topic);
  if (!md.ok()) return AssertionFailure() << md.error();
  if (partition < 0 || partition >= md->topic->partition_cnt) {
    return AssertionFailure() << "topic " << topic << " has no partition " << partition << " on " << Describe(client);
  }
  return AssertionSuccess();
}

Outcome<WatermarkOffsets> QueryWatermarks(rd_kafka_t* rk, const std::string& topic, int32_t partition) {
  WatermarkOffsets wm;
  const rd_kafka_resp_err_t err =
      rd_kafka_query_watermark_offsets(rk, topic.c_str(), partition, &wm.low, &wm.high, 10000);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Failure{"watermarks of " + topic + "[" + std::to_string(partition) + "]: " + ErrText(err)};
  }
  return wm;
}

}  // namespace detail

Outcome<WatermarkOffsets> Watermarks(const ClientConfig& client, const std::string& topic, int32_t partition,
                                     bool read_committed) {
  auto rk = NewGrouplessConsumer(client, read_committed);
  if (!rk.ok()) return Failure{rk.error()};
  if (auto r = CheckPartitionExists(*rk, client, topic, partition); !r) return Failure{r.message()};
  return QueryWatermarks(rk->get(), topic, partition);
}

Outcome<std::vector<ConsumedRecord>> ConsumeAll(const ClientConfig& client, const std::string& topic, int32_t partition,
                                                bool read_committed, Millis timeout) {
  return ConsumePartitions(client, topic, {partition}, read_committed, timeout);
}

Outcome<std::vector<ConsumedRecord>> ConsumeTopic(const ClientConfig& client, const std::string& topic,
                                                  bool read_committed, Millis timeout) {
  auto count = PartitionCount(client, topic);
  if (!count.ok()) return Failure{count.error()};
  std::vector<int32_t> partitions;
  for (int32_t p = 0; p < *count; ++p) partitions.push_back(p);
  return ConsumePartitions(client, topic, std::move(partitions), read_committed, timeout);
}

}  // namespace kmirror::test
