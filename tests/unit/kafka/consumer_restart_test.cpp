// Consumer::Restart under the eager protocol, against librdkafka's mock cluster: restarting
// one partition's fetcher (which only a whole new assignment can do) leaves every other
// partition where it was.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "kmirror/kafka/consumer.h"

namespace kmirror::kafka {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr const char* kTopic = "restart-t";
constexpr int kRecords = 20;  // per partition

// A one-broker mock cluster (owned by a producer handle) with topic kTopic, two partitions of
// kRecords records each.
class MockCluster {
 public:
  MockCluster() {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    EXPECT_EQ(rd_kafka_conf_set(conf, "test.mock.num.brokers", "1", err, sizeof err), RD_KAFKA_CONF_OK) << err;
    rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (rk_ == nullptr) {
      ADD_FAILURE() << err;
      return;
    }
    rd_kafka_mock_cluster_t* mc = rd_kafka_handle_mock_cluster(rk_);
    bootstraps_ = rd_kafka_mock_cluster_bootstraps(mc);
    EXPECT_EQ(rd_kafka_mock_topic_create(mc, kTopic, 2, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
    for (int p = 0; p < 2; ++p) {
      for (int i = 0; i < kRecords; ++i) {
        const std::string value = "v" + std::to_string(i);
        EXPECT_EQ(rd_kafka_producev(rk_, RD_KAFKA_V_TOPIC(kTopic), RD_KAFKA_V_PARTITION(p),
                                    RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
                  RD_KAFKA_RESP_ERR_NO_ERROR);
      }
    }
    EXPECT_EQ(rd_kafka_flush(rk_, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  ~MockCluster() {
    if (rk_ != nullptr) rd_kafka_destroy(rk_);
  }
  const std::string& bootstraps() const { return bootstraps_; }

 private:
  rd_kafka_t* rk_ = nullptr;
  std::string bootstraps_;
};

// The offsets each partition delivered, in order.
using Seen = std::map<int, std::vector<int64_t>>;

// Polls until `done(seen)` or `timeout`; returns what was seen.
template <typename Done>
Seen PollUntil(Consumer& c, milliseconds timeout, Done done) {
  Seen seen;
  std::vector<Message> out;
  std::vector<ConsumerEvent> events;
  const auto until = Clock::now() + timeout;
  while (Clock::now() < until && !done(seen)) {
    c.Poll(out, events, 100, milliseconds(100));
    for (const auto& m : out) seen[m.partition().value()].push_back(m.offset().value());
    for (const auto& e : events) ADD_FAILURE() << "consumer event: " << e.status.ToString();
    out.clear();
    events.clear();
  }
  return seen;
}

std::vector<int64_t> Range(int64_t from, int64_t to) {
  std::vector<int64_t> v;
  for (int64_t o = from; o < to; ++o) v.push_back(o);
  return v;
}

std::unique_ptr<Consumer> EagerConsumer(const MockCluster& mock, const std::string& group) {
  ConsumerOptions o;
  o.name = "restart-test";
  o.group_id = group;
  o.start_at = StartAt::kEarliest;
  auto c = Consumer::Create({{"bootstrap.servers", mock.bootstraps()}, {"partition.assignment.strategy", "range"}}, o);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  if (!c.ok()) return nullptr;
  EXPECT_TRUE((*c)->Subscribe({kTopic}).ok());
  return std::move(c).value();
}

auto Both(size_t n0, size_t n1) {
  return [n0, n1](const Seen& s) {
    auto count = [&s](int p) { return s.count(p) ? s.at(p).size() : size_t{0}; };
    return count(0) >= n0 && count(1) >= n1;
  };
}

TEST(ConsumerRestartTest, EagerRestartLeavesTheOtherPartitionsWhereTheyWere) {
  MockCluster mock;
  auto c = EagerConsumer(mock, "restart-eager");
  ASSERT_NE(c, nullptr);
  Seen first = PollUntil(*c, milliseconds(30000), Both(kRecords, kRecords));
  ASSERT_EQ(first[0], Range(0, kRecords));
  ASSERT_EQ(first[1], Range(0, kRecords));

  // Nothing was stored or committed: re-reading partition 1 from its committed offset (the
  // old behaviour) starts it at its first record again.
  ASSERT_TRUE(c->Restart({kTopic, Partition(0)}, SourceOffset(5)).ok());
  Seen after = PollUntil(*c, milliseconds(10000), Both(kRecords - 5, 0));
  Seen later = PollUntil(*c, milliseconds(1000), [](const Seen&) { return false; });  // anything re-read
  EXPECT_EQ(after[0], Range(5, kRecords)) << "the restarted partition starts where it was told";
  EXPECT_TRUE(later[0].empty());
  EXPECT_TRUE(after[1].empty() && later[1].empty())
      << "partition 1 was at its end and stays there; re-read " << after[1].size() + later[1].size();
}

TEST(ConsumerRestartTest, EagerRestartKeepsASeekAndAPauseOfAnotherPartition) {
  MockCluster mock;
  auto c = EagerConsumer(mock, "restart-eager-seek");
  ASSERT_NE(c, nullptr);
  Seen first = PollUntil(*c, milliseconds(30000), Both(kRecords, kRecords));
  ASSERT_EQ(first[1], Range(0, kRecords));

  // Partition 1 paused and sought back: it has delivered nothing since the seek, so
  // librdkafka knows no position for it; the restart of partition 0 must keep the seek.
  const TopicPartition p1{kTopic, Partition(1)};
  ASSERT_TRUE(c->Pause(p1).ok());
  ASSERT_TRUE(c->Seek(p1, SourceOffset(12)).ok());
  ASSERT_TRUE(c->Restart({kTopic, Partition(0)}, SourceOffset(15)).ok());
  Seen paused = PollUntil(*c, milliseconds(3000), [](const Seen&) { return false; });
  EXPECT_EQ(paused[0], Range(15, kRecords));
  EXPECT_TRUE(paused[1].empty()) << "the pause outlives the restart";

  ASSERT_TRUE(c->Resume(p1).ok());
  Seen resumed = PollUntil(*c, milliseconds(10000), Both(0, kRecords - 12));
  EXPECT_EQ(resumed[1], Range(12, kRecords)) << "resumes at the seek, not at its first record";
  EXPECT_TRUE(resumed[0].empty());
}

}  // namespace
}  // namespace kmirror::kafka
