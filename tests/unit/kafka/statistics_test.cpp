// librdkafka's statistics: the parser on reports captured from librdkafka 2.0.2 against a real
// Kafka 3.8.1 broker (tests/unit/kafka/data/, see its README), on odd documents, and the
// board that keeps each client's latest report and the counters of clients that are gone.
#include "kmirror/kafka/statistics.h"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace kmirror::kafka {
namespace {

std::string Sample(const std::string& name) {
  std::ifstream in(std::string(KMIRROR_SOURCE_DIR) + "/tests/unit/kafka/data/" + name);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

const BrokerStatistics* BrokerOf(const ClientStatistics& s, int32_t id) {
  for (const auto& b : s.brokers) {
    if (b.node_id == id) return &b;
  }
  return nullptr;
}

// A report of the shape librdkafka writes, small enough to read in the test.
std::string Report(uint64_t tx, int64_t rtt_cnt) {
  return R"({"name":"c#consumer-1","type":"consumer","replyq":0,"msg_cnt":0,"msg_size":0,
    "brokers":{
      "127.0.0.1:9092/bootstrap":{"name":"127.0.0.1:9092/bootstrap","nodeid":-1,"source":"configured","tx":1},
      "GroupCoordinator":{"name":"GroupCoordinator","nodeid":1,"source":"logical","tx":50},
      "127.0.0.1:9092/1":{"name":"127.0.0.1:9092/1","nodeid":1,"source":"learned","tx":)" +
         std::to_string(tx) + R"(,"txerrs":2,"rxerrs":3,"req_timeouts":4,"outbuf_cnt":5,"outbuf_msg_cnt":6,
        "waitresp_cnt":7,"waitresp_msg_cnt":8,"rtt":{"avg":1500,"p99":4000,"cnt":)" +
         std::to_string(rtt_cnt) + R"(}}},
    "topics":{"orders":{"topic":"orders","partitions":{
      "0":{"partition":0,"fetch_state":"active","fetchq_cnt":10,"fetchq_size":100,"consumer_lag":12},
      "1":{"partition":1,"fetch_state":"none","fetchq_cnt":0,"fetchq_size":0,"consumer_lag":-1},
      "-1":{"partition":-1,"fetchq_cnt":0,"consumer_lag":-1}}}}})";
}

TEST(ParseStatisticsTest, ReadsTheSelectedFieldsAndAddsTheCoordinatorToItsNode) {
  auto s = ParseStatistics(Report(100, 9));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->type, "consumer");
  ASSERT_EQ(s->brokers.size(), 1u);
  const BrokerStatistics& b = s->brokers[0];
  EXPECT_EQ(b.node_id, 1);
  EXPECT_EQ(b.requests, 150u);  // its own connection and the coordinator's
  EXPECT_EQ(b.tx_errors, 2u);
  EXPECT_EQ(b.rx_errors, 3u);
  EXPECT_EQ(b.request_timeouts, 4u);
  EXPECT_EQ(b.outbuf_requests, 5);
  EXPECT_EQ(b.outbuf_messages, 6);
  EXPECT_EQ(b.waitresp_requests, 7);
  EXPECT_EQ(b.waitresp_messages, 8);
  EXPECT_EQ(b.rtt_samples, 9);
  EXPECT_DOUBLE_EQ(b.rtt_avg_seconds, 0.0015);  // microseconds -> seconds
  EXPECT_DOUBLE_EQ(b.rtt_p99_seconds, 0.004);
  EXPECT_EQ(s->fetch_queue_messages, 10);
  EXPECT_EQ(s->fetch_queue_bytes, 100);
  ASSERT_EQ(s->lags.size(), 1u);  // partition 1 is not fetched here, -1 is no partition
  EXPECT_EQ(s->lags[0].topic, "orders");
  EXPECT_EQ(s->lags[0].partition, 0);
  EXPECT_EQ(s->lags[0].lag, 12);
}

TEST(ParseStatisticsTest, CapturedConsumerReport) {
  auto s = ParseStatistics(Sample("librdkafka-2.0.2-consumer.json"));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->type, "consumer");
  EXPECT_EQ(s->name, "kmirror-A->B#0-consumer@n1#consumer-2");
  ASSERT_EQ(s->brokers.size(), 3u);  // three nodes; the coordinator (node 3) added to node 3
  const BrokerStatistics* b3 = BrokerOf(*s, 3);
  ASSERT_NE(b3, nullptr);
  EXPECT_EQ(b3->requests, 11u);
  EXPECT_EQ(b3->rtt_samples, 1);
  EXPECT_DOUBLE_EQ(b3->rtt_avg_seconds, 58e-6);
  ASSERT_NE(BrokerOf(*s, 2), nullptr);
  EXPECT_EQ(BrokerOf(*s, 2)->requests, 12u);
  EXPECT_EQ(BrokerOf(*s, 2)->rtt_samples, 0);
  // Partitions 0..2 have a lag (50 left on partition 1), 3 none yet, -1 is no partition.
  ASSERT_EQ(s->lags.size(), 3u);
  int64_t lag = 0;
  for (const auto& l : s->lags) {
    EXPECT_EQ(l.topic, "orders");
    lag += l.lag;
  }
  EXPECT_EQ(lag, 50);
}

TEST(ParseStatisticsTest, CapturedProducerReport) {
  auto s = ParseStatistics(Sample("librdkafka-2.0.2-producer.json"));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->type, "producer");
  EXPECT_EQ(s->queue_messages, 0);  // flushed
  ASSERT_EQ(s->brokers.size(), 3u);
  EXPECT_EQ(BrokerOf(*s, 1)->requests, 6u);
  EXPECT_EQ(BrokerOf(*s, 2)->requests, 4u);
  EXPECT_TRUE(s->lags.empty()) << "a producer has no consumer lag";
}

TEST(ParseStatisticsTest, NoRoundTripInTheWindowIsNotAZeroRoundTrip) {
  auto s = ParseStatistics(Report(100, 0));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->brokers[0].rtt_samples, 0);
  EXPECT_EQ(s->brokers[0].rtt_avg_seconds, 0);
}

TEST(ParseStatisticsTest, OddDocumentsAreErrorsOrEmptyNeverACrash) {
  EXPECT_FALSE(ParseStatistics("").ok());
  EXPECT_FALSE(ParseStatistics("{\"name\":").ok());
  EXPECT_FALSE(ParseStatistics("[1,2]").ok());
  auto empty = ParseStatistics("{}");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->brokers.empty());
  // Wrong types where numbers or objects belong read as absent.
  auto odd = ParseStatistics(R"({"msg_cnt":"many","brokers":[1],"topics":{"t":{"partitions":"x"}}})");
  ASSERT_TRUE(odd.ok());
  EXPECT_EQ(odd->queue_messages, 0);
  EXPECT_TRUE(odd->brokers.empty());
}

// rd_kafka_t handles are only addresses to the board: any distinct pointers do.
const rd_kafka_s* Handle(int i) { return reinterpret_cast<const rd_kafka_s*>(static_cast<uintptr_t>(0x1000 + i)); }

TEST(StatisticsBoardTest, KeepsTheLatestReportPerClientAndRetiresCountersOfGoneClients) {
  StatisticsBoard board;
  board.Register(Handle(1), {"A->B", "consumer"});
  board.Register(Handle(2), {"A->B", "consumer"});
  EXPECT_TRUE(board.Collect().empty()) << "no report yet";
  board.Publish(Handle(1), Report(10, 1));
  board.Publish(Handle(1), Report(20, 1));  // the latest wins
  board.Publish(Handle(2), Report(5, 1));
  board.Publish(Handle(3), Report(99, 1));  // not registered: dropped
  std::vector<ClientReport> r = board.Collect();
  ASSERT_EQ(r.size(), 2u);
  uint64_t total = 0;
  for (const auto& c : r) {
    EXPECT_FALSE(c.retired);
    EXPECT_EQ(c.tag.flow, "A->B");
    total += c.stats.brokers.at(0).requests;
  }
  EXPECT_EQ(total, 25u + 2 * 50u);

  // Client 1 goes away (a task re-created its consumer): its counters stay, as retired.
  board.Unregister(Handle(1));
  board.Register(Handle(1), {"A->B", "consumer"});  // the same address, a new client
  board.Publish(Handle(1), Report(3, 1));
  r = board.Collect();
  ASSERT_EQ(r.size(), 3u);
  uint64_t live = 0, retired = 0;
  for (const auto& c : r) (c.retired ? retired : live) += c.stats.brokers.at(0).requests;
  EXPECT_EQ(live, 8u + 2 * 50u);
  EXPECT_EQ(retired, 20u + 50u);
  EXPECT_TRUE(r.back().retired);
  EXPECT_EQ(r.back().tag.role, "consumer");

  // A report that does not parse is left out and counted.
  board.Publish(Handle(2), "not json");
  uint64_t failures = 0;
  r = board.Collect(&failures);
  EXPECT_EQ(failures, 1u);
  EXPECT_EQ(r.size(), 2u);
}

TEST(StatisticsBoardTest, IntervalIsOffUntilSet) {
  StatisticsBoard board;
  EXPECT_EQ(board.interval().count(), 0);
  board.SetInterval(std::chrono::milliseconds(1000));
  EXPECT_EQ(board.interval().count(), 1000);
}

}  // namespace
}  // namespace kmirror::kafka
