#include "replication/client_limits.h"

#include "kmirror/common/strings.h"
#include "kmirror/kafka/engine_props.h"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace kmirror::replication {
namespace {

// librdkafka's defaults for what the limits are derived from, where the engine sets none.
constexpr int64_t kDefaultMessageMaxBytes = 1000000;
constexpr int64_t kDefaultBatchNumMessages = 10000;

// A positive decimal integer, or nullopt.
std::optional<int64_t> PositiveInt(std::string_view text) {
  auto v = ParseInteger(text);
  return v && *v > 0 ? v : std::nullopt;
}

// The user's value of `key` when it is a positive decimal integer.
std::optional<int64_t> UserInt(const kafka::ClientProps& props, const std::string& key) {
  auto it = props.find(key);
  return it == props.end() ? std::nullopt : PositiveInt(it->second);
}

// The flow producer's engine default for `key` (engine_props.h), which the limits must match.
int64_t EngineDefault(std::string_view key) {
  const kafka::EngineProp* row = kafka::FindEngineProp(kafka::ClientKind::kFlowProducer, key);
  return row != nullptr ? PositiveInt(row->value).value_or(0) : 0;
}

void SetUnlessUser(kafka::ClientProps& props, const std::string& key, int64_t value) {
  props.try_emplace(key, std::to_string(value));
}

}  // namespace

ClientLimits ClientLimits::For(const config::FlowConfig& flow) {
  const kafka::ClientProps& consumer = flow.source_consumer;
  const kafka::ClientProps& producer = flow.target_producer;
  const int64_t budget_kb = std::max<int64_t>(flow.max_inflight_bytes / 1024, 64);
  ClientLimits l;
  // The consumer notices new source partitions through its metadata refresh; keep that in
  // step with the topic refresh instead of librdkafka's 5 minute default.
  l.metadata_refresh_ms = UserInt(consumer, "topic.metadata.refresh.interval.ms")
                              .value_or(std::min<int64_t>(flow.refresh_topics_interval.count(), 30000));
  // librdkafka wants a fetch to hold at least one record of the largest size.
  const int64_t consumer_max_record = UserInt(consumer, "message.max.bytes").value_or(kDefaultMessageMaxBytes);
  l.fetch_max_bytes =
      UserInt(consumer, "fetch.max.bytes").value_or(std::max(budget_kb / 8 * 1024, consumer_max_record));
  l.prefetch_kbytes = UserInt(consumer, "queued.max.messages.kbytes").value_or(budget_kb / 2);
  l.prefetch_records = UserInt(consumer, "queued.min.messages").value_or(flow.max_inflight_records / 2);

  // The producer's queue holds at least two records of the largest size.
  const int64_t producer_max_record = UserInt(producer, "message.max.bytes").value_or(kDefaultMessageMaxBytes);
  l.producer_queue_kbytes =
      UserInt(producer, "queue.buffering.max.kbytes").value_or(std::max(budget_kb / 4, 2 * producer_max_record / 1024));
  l.producer_queue_records = UserInt(producer, "queue.buffering.max.messages").value_or(flow.max_inflight_records / 2);
  // Records carry a provenance header and per-record framing, so a request's worth is
  // counted with a margin below the broker's limit.
  l.request_bytes =
      std::min(UserInt(producer, "batch.size").value_or(EngineDefault("batch.size")), producer_max_record) * 9 / 10;
  l.request_records = UserInt(producer, "batch.num.messages").value_or(kDefaultBatchNumMessages);
  return l;
}

kafka::ClientProps ClientLimits::ConsumerProps(const kafka::ClientProps& user) const {
  kafka::ClientProps props = user;
  SetUnlessUser(props, "topic.metadata.refresh.interval.ms", metadata_refresh_ms);
  SetUnlessUser(props, "fetch.max.bytes", fetch_max_bytes);
  SetUnlessUser(props, "queued.max.messages.kbytes", prefetch_kbytes);
  SetUnlessUser(props, "queued.min.messages", prefetch_records);
  return props;
}

kafka::ClientProps ClientLimits::ProducerProps(const kafka::ClientProps& user) const {
  kafka::ClientProps props = user;
  SetUnlessUser(props, "queue.buffering.max.kbytes", producer_queue_kbytes);
  SetUnlessUser(props, "queue.buffering.max.messages", producer_queue_records);
  return props;
}

}  // namespace kmirror::replication
