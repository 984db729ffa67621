#include "replication/client_limits.h"

#include "kmirror/kafka/engine_props.h"

#include <gtest/gtest.h>

namespace kmirror::replication {
namespace {

using std::chrono::milliseconds;

TEST(ClientLimits, DefaultsSplitTheBudget) {
  const config::FlowConfig flow;  // 16 MiB, 20,000 records, topics refreshed every 10 minutes
  const ClientLimits l = ClientLimits::For(flow);
  EXPECT_EQ(l.metadata_refresh_ms, 30000) << "at most 30 s";
  EXPECT_EQ(l.fetch_max_bytes, 2 << 20) << "an eighth of the budget";
  EXPECT_EQ(l.prefetch_kbytes, 8192) << "half";
  EXPECT_EQ(l.prefetch_bytes(), 8 << 20);
  EXPECT_EQ(l.prefetch_records, 10000);
  EXPECT_EQ(l.producer_queue_kbytes, 4096) << "a quarter";
  EXPECT_EQ(l.producer_queue_bytes(), 4 << 20);
  EXPECT_EQ(l.producer_queue_records, 10000);
  EXPECT_EQ(l.request_bytes, 900000) << "librdkafka's 1 MB batch.size and message.max.bytes, less 10%";
  EXPECT_EQ(l.request_records, 10000);

  const kafka::ClientProps consumer = l.ConsumerProps(flow.source_consumer);
  EXPECT_EQ(consumer, (kafka::ClientProps{{"topic.metadata.refresh.interval.ms", "30000"},
                                          {"fetch.max.bytes", "2097152"},
                                          {"queued.max.messages.kbytes", "8192"},
                                          {"queued.min.messages", "10000"}}));
  const kafka::ClientProps producer = l.ProducerProps(flow.target_producer);
  EXPECT_EQ(producer,
            (kafka::ClientProps{{"queue.buffering.max.kbytes", "4096"}, {"queue.buffering.max.messages", "10000"}}));
  // The flow producer's static defaults come from the engine's table when the wrapper
  // builds the client: linger.ms 5 (the task batches itself), the producer's rows after it.
  const kafka::ClientProps built = kafka::WithEngineProps(kafka::ClientKind::kFlowProducer, producer);
  EXPECT_EQ(built.at("linger.ms"), "5");
  EXPECT_EQ(built.at("acks"), "all");
  EXPECT_EQ(built.at("batch.size"), "1000000") << "what request_bytes was derived from";
}

// max_inflight_bytes / max_inflight_records are task.max.inflight.bytes / task.max.inflight.records.
TEST(ClientLimits, TheBudgetAndTheTopicRefreshScaleTheDefaults) {
  config::FlowConfig flow;
  flow.max_inflight_bytes = 64 << 20;
  flow.max_inflight_records = 40000;
  flow.refresh_topics_interval = milliseconds(5000);
  const ClientLimits l = ClientLimits::For(flow);
  EXPECT_EQ(l.metadata_refresh_ms, 5000);
  EXPECT_EQ(l.fetch_max_bytes, 8 << 20);
  EXPECT_EQ(l.prefetch_kbytes, 32768);
  EXPECT_EQ(l.prefetch_records, 20000);
  EXPECT_EQ(l.producer_queue_kbytes, 16384);
  EXPECT_EQ(l.producer_queue_records, 20000);
}

TEST(ClientLimits, TheUsersSettingsWin) {
  config::FlowConfig flow;
  flow.source_consumer = {{"bootstrap.servers", "a:9092"},
                          {"queued.min.messages", "123"},
                          {"queued.max.messages.kbytes", "2048"},
                          {"fetch.max.bytes", "555555"},
                          {"topic.metadata.refresh.interval.ms", "1000"}};
  flow.target_producer = {{"linger.ms", "20"},
                          {"batch.size", "16384"},
                          {"batch.num.messages", "5"},
                          {"queue.buffering.max.kbytes", "1024"},
                          {"queue.buffering.max.messages", "77"}};
  const ClientLimits l = ClientLimits::For(flow);
  EXPECT_EQ(l.prefetch_records, 123);
  EXPECT_EQ(l.prefetch_bytes(), 2048 * 1024);
  EXPECT_EQ(l.fetch_max_bytes, 555555);
  EXPECT_EQ(l.metadata_refresh_ms, 1000);
  EXPECT_EQ(l.request_bytes, 16384 * 9 / 10);
  EXPECT_EQ(l.request_records, 5);
  EXPECT_EQ(l.producer_queue_bytes(), 1024 * 1024);
  EXPECT_EQ(l.producer_queue_records, 77);
  EXPECT_EQ(l.ConsumerProps(flow.source_consumer), flow.source_consumer) << "nothing left to add";
  EXPECT_EQ(l.ProducerProps(flow.target_producer), flow.target_producer);
}

TEST(ClientLimits, AUserValueThatIsNotAPositiveIntegerGoesToLibrdkafkaAsWritten) {
  config::FlowConfig flow;
  flow.source_consumer = {{"queued.min.messages", "0"}};
  const ClientLimits l = ClientLimits::For(flow);
  EXPECT_EQ(l.prefetch_records, 10000) << "the task's own arithmetic uses the default";
  EXPECT_EQ(l.ConsumerProps(flow.source_consumer).at("queued.min.messages"), "0");
}

TEST(ClientLimits, FetchesAndTheProducerQueueHoldTheLargestRecord) {
  config::FlowConfig flow;
  flow.max_inflight_bytes = 1 << 20;  // an eighth is 128 KiB, a quarter 256 KiB
  ClientLimits l = ClientLimits::For(flow);
  EXPECT_EQ(l.fetch_max_bytes, 1000000) << "fetch.max.bytes >= message.max.bytes";
  EXPECT_EQ(l.producer_queue_kbytes, 2 * 1000000 / 1024) << "two records of message.max.bytes";

  flow.source_consumer = {{"message.max.bytes", "4000000"}};
  flow.target_producer = {{"message.max.bytes", "500000"}};
  l = ClientLimits::For(flow);
  EXPECT_EQ(l.fetch_max_bytes, 4000000);
  EXPECT_EQ(l.producer_queue_kbytes, 2 * 500000 / 1024) << "the producer's own message.max.bytes";
  EXPECT_EQ(l.request_bytes, 450000) << "a request is bounded by message.max.bytes too";
}

TEST(ClientLimits, TheBudgetHasAFloor) {
  config::FlowConfig flow;
  flow.max_inflight_bytes = 1000;
  const ClientLimits l = ClientLimits::For(flow);
  EXPECT_EQ(l.prefetch_kbytes, 32) << "half of the 64 KiB floor";
}

}  // namespace
}  // namespace kmirror::replication
