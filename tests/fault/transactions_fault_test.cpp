// A transactional source with half of its transactions aborted (their records flushed to
// the log before the abort, so they are there for a reader that ignores isolation),
// mirrored while it is written: nothing aborted may be copied, nothing committed lost, and
// a consumer group's translated position skips nothing across the transaction markers.
// docs/reliability.md has the matrix.
#include "fault_test_util.h"

#include <signal.h>

namespace kmirror::test {
namespace {

[[maybe_unused]] const auto* const kKafka = KafkaEnv::Register({{.name = "A"}, {.name = "B"}});

constexpr int kPartitions = 4;
constexpr double kRate = 2000;  // records/s

class TransactionsFaultTest : public ::testing::Test {
 protected:
  StampedProducerOptions Transactional(const OneWayFlow& flow) const {
    StampedProducerOptions o = flow.ProducerOptions(kRate);
    o.transaction_records = 40;
    o.abort_every = 2;
    return o;
  }

  KafkaCluster& a_ = KafkaEnv::Cluster("A");
  KafkaCluster& b_ = KafkaEnv::Cluster("B");
  const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

TEST_F(TransactionsFaultTest, HalfTheTransactionsAbortedNoneCopied) {
  OneWayFlow flow(a_, b_, kPartitions, {}, {"groups = app.*"});
  ASSERT_TRUE(flow.CreateSource());
  StampedProducer producer(a_.client(), Transactional(flow));
  producer.Start();
  ASSERT_TRUE(producer.WaitForAcknowledged(1000, seconds(60)));
  auto km = flow.StartKmirror();
  ASSERT_TRUE(flow.WaitForProgress(2000, seconds(60), km.get()));
  std::this_thread::sleep_for(seconds(8));
  const std::string app = UniqueName("app");
  ASSERT_TRUE(ConsumePart(a_, flow.topic(), app, kPartitions, 0.5));
  std::this_thread::sleep_for(seconds(8));
  ASSERT_TRUE(producer.Stop());
  const auto ledger = producer.ledger();
  ASSERT_GT(ledger.aborted_count(), 1000) << "the test must abort transactions";
  auto r = WaitForMirror(flow.Spec({&producer}), seconds(120));
  Report("transactional source, every other transaction aborted", r, start_);
  EXPECT_TRUE(AtLeastOnce(r, 0));
  EXPECT_EQ(r.expected, ledger.acknowledged_count());

  auto port = ApiPort(*km, seconds(30));
  ASSERT_TRUE(port) << km->OutputTail(30);
  ApiClient api(*port);
  auto t = TranslateAndCheck(api, a_, b_, flow.topic(), flow.remote(), app);
  std::cout << "[fault] transactional source, translation: " << t.Summary() << "\n";
  EXPECT_TRUE(NothingSkipped(t));
  EXPECT_TRUE(RereadAtMost(t, 0));
  EXPECT_EQ(km->Terminate(seconds(60)), 0) << km->OutputTail(30);
}

// kill -9 while transactions (committed and aborted) are being mirrored: the restart
// resumes between transaction markers and aborted records without copying any.
TEST_F(TransactionsFaultTest, KillNineWhileMirroringTransactions) {
  OneWayFlow flow(a_, b_, kPartitions, {},
                  {"A.consumer.session.timeout.ms = 10000", "A.consumer.heartbeat.interval.ms = 1000"});
  ASSERT_TRUE(flow.CreateSource());
  StampedProducer producer(a_.client(), Transactional(flow));
  producer.Start();
  ASSERT_TRUE(producer.WaitForAcknowledged(1000, seconds(60)));
  auto km = flow.StartKmirror();
  ASSERT_TRUE(flow.WaitForProgress(2000, seconds(60), km.get()));
  std::this_thread::sleep_for(seconds(5));
  ASSERT_EQ(km->Kill9(), -SIGKILL);
  km = flow.StartKmirror();
  ASSERT_TRUE(flow.WaitForProgress(2000, seconds(60), km.get()));
  std::this_thread::sleep_for(seconds(5));
  ASSERT_TRUE(producer.Stop());
  auto r = WaitForMirror(flow.Spec({&producer}), seconds(120));
  Report("transactional source, kill -9", r, start_);
  EXPECT_TRUE(AtLeastOnce(r, DuplicateBound(1, kRate, kTasks, kMaxInflightRecords)));
  EXPECT_EQ(km->Terminate(seconds(60)), 0) << km->OutputTail(30);
}

}  // namespace
}  // namespace kmirror::test
