// Faults of the brokers under a steady stamped load, judged by the independent checker:
// kill -9 and restart, and SIGSTOP for 45 s (longer than librdkafka's request timeouts,
// shorter than the delivery timeout), of the target's broker and of the source's.
// docs/reliability.md has the matrix and the duplicate bound.
#include "fault_test_util.h"

namespace kmirror::test {
namespace {

[[maybe_unused]] const auto* const kKafka = KafkaEnv::Register({{.name = "A"}, {.name = "B"}});

constexpr int kPartitions = 4;
constexpr double kRate = 2000;  // records/s

class BrokerFaultTest : public ::testing::Test {
 protected:
  // Mirrors under load, applies `fault` once the flow runs steadily, then checks that
  // everything arrived with at most one fault's duplicates.
  void Run(const std::string& what, const std::function<void()>& fault, std::vector<std::string> extra = {}) {
    const auto start = std::chrono::steady_clock::now();
    OneWayFlow flow(a_, b_, kPartitions, {}, std::move(extra));
    ASSERT_TRUE(flow.CreateSource());
    StampedProducer producer(a_.client(), flow.ProducerOptions(kRate));
    producer.Start();
    ASSERT_TRUE(producer.WaitForAcknowledged(1000, seconds(60)));
    auto km = flow.StartKmirror();
    ASSERT_TRUE(WaitForSettledGroup(*km, seconds(60)));
    ASSERT_TRUE(flow.WaitForProgress(2000, seconds(60), km.get()));
    std::this_thread::sleep_for(seconds(3));
    fault();
    ASSERT_TRUE(flow.WaitForProgress(5000, seconds(180), km.get())) << "no progress after the fault";
    std::this_thread::sleep_for(seconds(3));
    ASSERT_TRUE(producer.Stop());
    auto r = WaitForMirror(flow.Spec({&producer}), seconds(180));
    Report(what, r, start);
    EXPECT_TRUE(AtLeastOnce(r, DuplicateBound(1, kRate, kTasks, kMaxInflightRecords)));
    EXPECT_TRUE(km->Running()) << km->OutputTail(30);
    EXPECT_EQ(km->Terminate(seconds(60)), 0) << km->OutputTail(30);
  }

  KafkaCluster& a_ = KafkaEnv::Cluster("A");
  KafkaCluster& b_ = KafkaEnv::Cluster("B");
};

TEST_F(BrokerFaultTest, TargetKilledAndRestartedUnderLoad) {
  Run("target broker kill -9, restart after 5 s", [&] {
    b_.Kill();
    std::this_thread::sleep_for(seconds(5));
    b_.Restart();
  });
}

TEST_F(BrokerFaultTest, TargetPausedFor45SecondsUnderLoad) {
  Run("target broker SIGSTOP 45 s", [&] {
    b_.Pause();
    std::this_thread::sleep_for(seconds(45));
    b_.Resume();
  });
}

TEST_F(BrokerFaultTest, SourceKilledAndRestartedUnderLoad) {
  Run("source broker kill -9, restart after 5 s", [&] {
    a_.Kill();
    std::this_thread::sleep_for(seconds(5));
    a_.Restart();
  });
}

TEST_F(BrokerFaultTest, SourcePausedFor45SecondsUnderLoad) {
  Run("source broker SIGSTOP 45 s", [&] {
    a_.Pause();
    std::this_thread::sleep_for(seconds(45));
    a_.Resume();
  });
}

}  // namespace
}  // namespace kmirror::test
