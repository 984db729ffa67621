// Proves the integration-test harness itself: real Kafka clusters start, are independent,
// and the test-side clients round-trip records exactly (keys, values, null vs empty,
// headers with null values, timestamps), see transactions correctly, do admin operations,
// authenticate with SASL/PLAIN, and survive a broker crash and restart.
//
// Cluster B doubles as the SASL cluster (an extra SASL_PLAINTEXT listener) to keep this
// binary at two JVMs.
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "support/kafka_client.h"
#include "support/kafka_env.h"
#include "support/process.h"

namespace kmirror::test {
namespace {

using namespace std::chrono_literals;

[[maybe_unused]] const auto* const kKafka = KafkaEnv::Register({
    {.name = "A"},
    {.name = "B", .sasl_plain_users = {{"alice", "alice-secret"}, {"bob", "b\"ob\\pw"}}},
});

KafkaCluster& A() { return KafkaEnv::Cluster("A"); }
KafkaCluster& B() { return KafkaEnv::Cluster("B"); }

// Records of partition `p`, in the order they were produced.
std::vector<Record> OfPartition(const std::vector<Record>& records, int32_t p) {
  std::vector<Record> out;
  for (const auto& r : records) {
    if (r.partition == p) out.push_back(r);
  }
  return out;
}

TEST(Harness, ClustersAreIndependent) {
  EXPECT_NE(A().cluster_id(), B().cluster_id());
  EXPECT_EQ(A().cluster_id().size(), 22u);
  EXPECT_NE(A().bootstrap(), B().bootstrap());
  EXPECT_TRUE(A().Running());
  EXPECT_EQ(BrokerIds(A().bootstrap()).value(), std::vector<int32_t>{1});
  EXPECT_EQ(BrokerIds(B().bootstrap()).value(), std::vector<int32_t>{1});
}

TEST(Harness, RecordsRoundTripExactly) {
  const std::string topic = UniqueName();
  ASSERT_TRUE(
      CreateTopic(A().bootstrap(), topic, 4, 1, {{"retention.ms", "86400000"}, {"max.message.bytes", "2000000"}}));
  EXPECT_EQ(PartitionCount(A().bootstrap(), topic).value(), 4);
  EXPECT_EQ(DescribeTopicConfigs(A().bootstrap(), topic).value(),
            (std::map<std::string, std::string>{{"max.message.bytes", "2000000"}, {"retention.ms", "86400000"}}));

  const int64_t t0 = 1'700'000'000'000;
  const std::string binary("\0\x01\xff\x7f", 4);
  std::vector<Record> records = {
      {.partition = 0, .key = "k1", .value = "v1", .headers = {{"h", "x"}}, .timestamp_ms = t0},
      {.partition = 0, .key = std::nullopt, .value = "null key", .timestamp_ms = t0 + 1},
      {.partition = 0, .key = "", .value = "", .timestamp_ms = t0 + 2},  // empty, not null
      {.partition = 1, .key = "tombstone", .value = std::nullopt, .timestamp_ms = t0 + 3},
      {.partition = 1, .key = binary, .value = binary, .timestamp_ms = t0 + 4},
      {.partition = 2,
       .key = "headers",
       .value = "v",
       // Order kept, duplicate names kept, null and empty values distinct.
       .headers = {{"a", "1"}, {"b", std::nullopt}, {"a", "2"}, {"c", ""}, {"", "empty name"}},
       .timestamp_ms = t0 + 5},
      {.partition = 3, .key = "big", .value = std::string(500'000, 'x'), .timestamp_ms = 1},
      {.partition = 3, .key = "old", .value = "ts", .timestamp_ms = 86'400'000},
  };
  ASSERT_TRUE(Produce(A().bootstrap(), topic, records));

  for (int32_t p = 0; p < 4; ++p) {
    SCOPED_TRACE("partition " + std::to_string(p));
    const auto expected = OfPartition(records, p);
    auto consumed = ConsumeAll(A().bootstrap(), topic, p).value();
    EXPECT_TRUE(SameRecords(expected, consumed));
    for (std::size_t i = 0; i < consumed.size(); ++i) {
      EXPECT_EQ(consumed[i].offset, static_cast<int64_t>(i));
      EXPECT_EQ(consumed[i].timestamp_type, TimestampType::kCreateTime);
      EXPECT_EQ(consumed[i].timestamp_ms, expected[i].timestamp_ms);
    }
    EXPECT_EQ(Watermarks(A().bootstrap(), topic, p).value(),
              (WatermarkOffsets{0, static_cast<int64_t>(expected.size())}));
  }
  // Null and empty really are told apart (not just equal by accident).
  auto p0 = ConsumeAll(A().bootstrap(), topic, 0).value();
  ASSERT_EQ(p0.size(), 3u);
  EXPECT_FALSE(p0[1].key.has_value());
  EXPECT_EQ(p0[2].key, std::optional<std::string>(""));
  EXPECT_EQ(p0[2].value, std::optional<std::string>(""));
  auto p2 = ConsumeAll(A().bootstrap(), topic, 2).value();
  ASSERT_EQ(p2.size(), 1u);
  EXPECT_FALSE(p2[0].headers[1].second.has_value());
  EXPECT_EQ(p2[0].headers[3].second, std::optional<std::string>(""));

  // The whole topic at once, partition by partition.
  std::vector<Record> by_partition;
  for (int32_t p = 0; p < 4; ++p) {
    for (auto& r : OfPartition(records, p)) by_partition.push_back(r);
  }
  EXPECT_TRUE(SameRecords(by_partition, ConsumeTopic(A().bootstrap(), topic).value()));

  // B is a different cluster: it has no such topic, and asking about it does not create it
  // (B has auto.create.topics.enable=true, as Kafka's default).
  EXPECT_FALSE(PartitionCount(B().bootstrap(), topic).ok());
  EXPECT_FALSE(Watermarks(B().bootstrap(), topic, 0).ok());
  EXPECT_FALSE(ConsumeAll(B().bootstrap(), topic, 0).ok());
  auto b_topics = ListTopics(B().bootstrap()).value();
  EXPECT_EQ(std::count(b_topics.begin(), b_topics.end(), topic), 0);
  auto a_topics = ListTopics(A().bootstrap()).value();
  EXPECT_EQ(std::count(a_topics.begin(), a_topics.end(), topic), 1);
}

TEST(Harness, BulkProduceAndConsumeAreFast) {
  const std::string topic = UniqueName();
  ASSERT_TRUE(CreateTopic(A().bootstrap(), topic, 4));
  constexpr int kCount = 200'000;
  const auto records = MakeRecords(kCount, 4, "bulk");

  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(Produce(A().bootstrap(), topic, records));
  const auto t1 = std::chrono::steady_clock::now();
  auto consumed = ConsumeTopic(A().bootstrap(), topic).value();
  const auto t2 = std::chrono::steady_clock::now();

  std::vector<Record> by_partition;
  for (int32_t p = 0; p < 4; ++p) {
    for (auto& r : OfPartition(records, p)) by_partition.push_back(std::move(r));
  }
  EXPECT_TRUE(SameRecords(by_partition, consumed));
  const auto ms = [](auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
  std::cerr << "[perf] produced " << kCount << " records in " << ms(t1 - t0) << " ms, consumed in " << ms(t2 - t1)
            << " ms\n";
  EXPECT_LT(t2 - t0, 60s);
}

TEST(Harness, AbortedTransactionIsInvisibleToReadCommitted) {
  const std::string topic = UniqueName();
  ASSERT_TRUE(CreateTopic(A().bootstrap(), topic, 1));
  ASSERT_TRUE(ProduceAndAbort(A().bootstrap(), topic, MakeRecords(100, 1, "aborted")));
  const auto committed = MakeRecords(50, 1, "committed");
  ASSERT_TRUE(ProduceAndCommit(A().bootstrap(), topic, committed));

  // 100 aborted + abort marker + 50 committed + commit marker.
  EXPECT_EQ(Watermarks(A().bootstrap(), topic, 0).value(), (WatermarkOffsets{0, 152}));
  auto visible = ConsumeAll(A().bootstrap(), topic, 0, /*read_committed=*/true).value();
  EXPECT_TRUE(SameRecords(committed, visible));
  ASSERT_FALSE(visible.empty());
  EXPECT_EQ(visible.front().offset, 101);
  // read_uncommitted sees the aborted records too (but never the control markers).
  EXPECT_EQ(ConsumeAll(A().bootstrap(), topic, 0, /*read_committed=*/false).value().size(), 150u);

  // Only aborted records: read_committed gets nothing and still terminates.
  const std::string aborted_only = UniqueName();
  ASSERT_TRUE(CreateTopic(A().bootstrap(), aborted_only, 1));
  ASSERT_TRUE(ProduceAndAbort(A().bootstrap(), aborted_only, MakeRecords(10, 1)));
  EXPECT_TRUE(ConsumeAll(A().bootstrap(), aborted_only, 0).value().empty());
}

TEST(Harness, AdminOperations) {
  const std::string topic = UniqueName();
  ASSERT_TRUE(CreateTopic(A().bootstrap(), topic, 1, 1, {{"cleanup.policy", "compact"}}));
  ASSERT_TRUE(CreatePartitions(A().bootstrap(), topic, 3));
  EXPECT_EQ(PartitionCount(A().bootstrap(), topic).value(), 3);

  ASSERT_TRUE(
      AlterTopicConfigs(A().bootstrap(), topic, {{"retention.ms", "3600000"}, {"cleanup.policy", std::nullopt}}));
  EXPECT_EQ(DescribeTopicConfigs(A().bootstrap(), topic).value(),
            (std::map<std::string, std::string>{{"retention.ms", "3600000"}}));

  ASSERT_TRUE(Produce(A().bootstrap(), topic, MakeRecords(30, 3)));
  ASSERT_TRUE(DeleteRecords(A().bootstrap(), topic, 1, 4));
  EXPECT_EQ(Watermarks(A().bootstrap(), topic, 1).value(), (WatermarkOffsets{4, 10}));
  auto rest = ConsumeAll(A().bootstrap(), topic, 1).value();
  ASSERT_EQ(rest.size(), 6u);
  EXPECT_EQ(rest.front().offset, 4);

  const std::string group = UniqueName("group");
  EXPECT_TRUE(CommittedOffsets(A().bootstrap(), group, topic).value().empty());
  ASSERT_TRUE(CommitOffsets(A().bootstrap(), group, topic, {{0, 7}, {2, 3}}));
  EXPECT_EQ(CommittedOffsets(A().bootstrap(), group, topic).value(), (std::map<int32_t, int64_t>{{0, 7}, {2, 3}}));

  ASSERT_TRUE(DeleteTopic(A().bootstrap(), topic));
  EXPECT_FALSE(PartitionCount(A().bootstrap(), topic).ok());
  EXPECT_FALSE(CreateTopic(A().bootstrap(), "bad topic name!", 1));
}

TEST(Harness, SaslPlainAuthentication) {
  ASSERT_TRUE(B().has_sasl());
  const std::string topic = UniqueName();
  // Admin, produce and consume through the SASL listener with either user.
  ASSERT_TRUE(CreateTopic(B().sasl_client("alice"), topic, 1));
  ASSERT_TRUE(Produce(B().sasl_client("bob"), topic, MakeRecords(10)));
  EXPECT_EQ(ConsumeAll(B().sasl_client("alice"), topic, 0).value().size(), 10u);
  // A wrong password or an unknown user is rejected (and said so, quickly).
  for (const auto& [user, password] : {std::pair{"alice", "wrong"}, std::pair{"mallory", "x"}}) {
    auto rejected = BrokerIds(B().sasl_client(user, password), 10s);
    ASSERT_FALSE(rejected.ok()) << user;
    EXPECT_NE(rejected.error().find("_AUTHENTICATION"), std::string::npos) << rejected.error();
  }
  // What an MM2 config would carry for alice.
  EXPECT_EQ(B().sasl_jaas_config("alice"),
            "org.apache.kafka.common.security.plain.PlainLoginModule required "
            "username=\"alice\" password=\"alice-secret\";");
  EXPECT_FALSE(A().has_sasl());
}

TEST(Process, RunToExitAndSignals) {
  auto run = RunToExit({"sh", "-c", "echo out; echo err >&2; exit 3"}, 10s);
  EXPECT_EQ(run.exit_code, 3);
  EXPECT_EQ(run.output, "out\nerr\n");

  auto env = RunToExit({"sh", "-c", "echo \"$KMIRROR_TEST_VAR\""}, 10s, {.env = {{"KMIRROR_TEST_VAR", "hello"}}});
  EXPECT_EQ(env.output, "hello\n");

  auto timed_out = RunToExit({"sleep", "30"}, 200ms);
  EXPECT_FALSE(timed_out.exit_code.has_value());

  auto sleeper = ChildProcess::Start({"sleep", "30"});
  EXPECT_TRUE(sleeper->Running());
  EXPECT_FALSE(sleeper->Wait(50ms).has_value());
  EXPECT_EQ(sleeper->Terminate(), -SIGTERM);
  EXPECT_FALSE(sleeper->Running());

  // SIGTERM ignored: Terminate falls back to SIGKILL after the grace period.
  auto stubborn = ChildProcess::Start({"sh", "-c", "trap '' TERM; echo ready; sleep 30 & wait"});
  ASSERT_TRUE(WaitUntil([&] { return stubborn->Output() == "ready\n"; }, 5s, 10ms));
  EXPECT_EQ(stubborn->Terminate(300ms), -SIGKILL);

  EXPECT_THROW(ChildProcess::Start({"/nonexistent/kmirror"}), std::runtime_error);

  TempDir dir("harness");
  const auto path = dir.path();
  WriteFile(dir / "f", "a\nb\nc\n");
  EXPECT_EQ(TailFile(dir / "f", 2), "b\nc\n");
  EXPECT_EQ(TailFile(dir / "f", 10), "a\nb\nc\n");
  { TempDir moved = std::move(dir); }
  EXPECT_NE(std::filesystem::exists(path), !KeepTestDirs());
}

// Last: it disrupts cluster B for a few seconds.
TEST(Harness, KillAndRestartKeepsData) {
  const std::string topic = UniqueName();
  ASSERT_TRUE(CreateTopic(B().bootstrap(), topic, 2));
  const auto first = MakeRecords(1000, 2, "before");
  ASSERT_TRUE(Produce(B().bootstrap(), topic, first));
  const auto port = B().port();
  const auto id = B().cluster_id();

  B().Kill();
  EXPECT_FALSE(B().Running());
  EXPECT_FALSE(BrokerIds(B().bootstrap(), 500ms).ok());

  const auto t0 = std::chrono::steady_clock::now();
  B().Restart();
  std::cerr << "[perf] restart after kill took "
            << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count()
            << " ms\n";
  EXPECT_TRUE(B().Running());
  EXPECT_EQ(B().port(), port);
  EXPECT_EQ(B().cluster_id(), id);

  // Acknowledged (acks=all) records survive the crash.
  EXPECT_EQ(ConsumeTopic(B().bootstrap(), topic).value().size(), first.size());
  ASSERT_TRUE(Produce(B().bootstrap(), topic, MakeRecords(10, 2, "after")));
  EXPECT_EQ(ConsumeTopic(B().bootstrap(), topic).value().size(), first.size() + 10);
  // SASL still works after the restart.
  EXPECT_TRUE(ListTopics(B().sasl_client("alice")).ok());

  // A clean restart (controlled shutdown) keeps everything too.
  const auto t1 = std::chrono::steady_clock::now();
  B().Restart();
  std::cerr << "[perf] clean restart took "
            << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t1).count()
            << " ms\n";
  EXPECT_EQ(ConsumeTopic(B().bootstrap(), topic).value().size(), first.size() + 10);
}

}  // namespace
}  // namespace kmirror::test
