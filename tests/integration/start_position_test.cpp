// Start positions with `auto.offset.reset=latest` (MirrorMaker 1's consumer.properties, the
// Java default): `kmirror legacy` skips what was written before the flow's first start, as
// MirrorMaker 1 did, but never the first records of a partition that appears later: one
// added to a mirrored topic while kmirror runs, a new topic matching the whitelist while it
// runs (also when nothing matched at the first start), and a topic created while kmirror was
// down (docs/architecture.md, "Durability", start positions).
#include <gtest/gtest.h>

#include <thread>

#include "support/kafka_cluster.h"
#include "support/kafka_env.h"
#include "support/kmirror_runner.h"

namespace kmirror::test {
namespace {

using std::chrono::seconds;

[[maybe_unused]] const auto* const kKafka = KafkaEnv::Register({{.name = "source"}, {.name = "target"}});

class StartPositionTest : public ::testing::Test {
 protected:
  // `kmirror legacy --whitelist "<prefix>.*"` with auto.offset.reset=latest and a 2 s
  // metadata refresh (new topics and partitions are seen within seconds).
  std::unique_ptr<ChildProcess> StartLegacy(const std::string& group, const std::string& prefix,
                                            const std::string& name) {
    WriteFile(dir_ / "consumer.properties", "bootstrap.servers=" + src_->bootstrap() + "\ngroup.id=" + group +
                                                "\nauto.offset.reset=latest\nmetadata.max.age.ms=2000\n");
    WriteFile(dir_ / "producer.properties", "bootstrap.servers=" + dst_->bootstrap() + "\n");
    ProcessOptions opts;
    opts.name = name;
    return ChildProcess::Start(
        {KmirrorBinary(), "legacy", "--consumer.config", (dir_ / "consumer.properties").string(), "--producer.config",
         (dir_ / "producer.properties").string(), "--num.streams", "2", "--whitelist", prefix + ".*"},
        opts);
  }

  // `records` with every record's partition set to `partition`.
  static std::vector<Record> On(int32_t partition, std::vector<Record> records) {
    for (auto& r : records) r.partition = partition;
    return records;
  }

  // The target's copy of `topic` partition `p` is exactly the source's, from offset 0.
  void ExpectWholePartitionCopied(const std::string& topic, int p) const {
    auto src = ConsumeAll(src_->client(), topic, p);
    auto dst = ConsumeAll(dst_->client(), topic, p);
    ASSERT_TRUE(src.ok()) << src.error();
    ASSERT_TRUE(dst.ok()) << dst.error();
    ASSERT_FALSE(src->empty());
    EXPECT_EQ(src->front().offset, 0);
    ASSERT_EQ(dst->size(), src->size()) << topic << "-" << p << ": records skipped or duplicated";
    for (size_t i = 0; i < src->size(); ++i) {
      ASSERT_EQ((*dst)[i].key, (*src)[i].key) << topic << "-" << p << " record " << i;
      ASSERT_EQ((*dst)[i].value, (*src)[i].value) << topic << "-" << p << " record " << i;
    }
  }

  // What the target holds of `topic` partition `p` is exactly `expected`, in order.
  void ExpectTargetHolds(const std::string& topic, int p, const std::vector<Record>& expected) const {
    auto dst = ConsumeAll(dst_->client(), topic, p);
    ASSERT_TRUE(dst.ok()) << dst.error();
    ASSERT_EQ(dst->size(), expected.size()) << topic << "-" << p;
    for (size_t i = 0; i < expected.size(); ++i) ASSERT_EQ((*dst)[i].key, expected[i].key) << topic << "-" << p;
  }

  // Waits until the flow started every partition of `topic` (0..partitions-1) at the end of
  // its log: the first start's decisions, logged before the partitions are read.
  static void WaitForLatestStart(ChildProcess& kmirror, const std::string& topic, int partitions) {
    for (int p = 0; p < partitions; ++p) {
      ASSERT_TRUE(WaitForLog(kmirror,
                             topic + "-" + std::to_string(p) +
                                 " has no committed offset, starts at the end "
                                 "of its log",
                             seconds(60)));
    }
  }

  KafkaCluster* src_ = &KafkaEnv::Cluster("source");
  KafkaCluster* dst_ = &KafkaEnv::Cluster("target");
  TempDir dir_{"start-position"};
};

TEST_F(StartPositionTest, LatestSkipsOnlyWhatPrecededTheFirstStartNotLaterPartitionsOrTopics) {
  const std::string prefix = UniqueName("sp");
  const std::string topic = prefix + "-old";
  const std::string group = prefix + "-group";
  ASSERT_TRUE(CreateTopic(src_->client(), topic, 2));
  ASSERT_TRUE(Produce(src_->client(), topic, On(0, MakeRecords(100, 1, "before"))));
  ASSERT_TRUE(Produce(src_->client(), topic, On(1, MakeRecords(100, 1, "before1"))));

  auto kmirror = StartLegacy(group, prefix, "kmirror-latest");
  ASSERT_NO_FATAL_FAILURE(WaitForLatestStart(*kmirror, topic, 2));
  const auto after0 = On(0, MakeRecords(50, 1, "after0"));
  const auto after1 = On(1, MakeRecords(50, 1, "after1"));
  ASSERT_TRUE(Produce(src_->client(), topic, after0));
  ASSERT_TRUE(Produce(src_->client(), topic, after1));
  ASSERT_TRUE(WaitForRecords(dst_->client(), topic, 100, seconds(60), kmirror.get()));

  // (a) Partitions added while running: produced to before kmirror has even seen them.
  ASSERT_TRUE(CreatePartitions(src_->client(), topic, 4));
  ASSERT_TRUE(Produce(src_->client(), topic, On(2, MakeRecords(30, 1, "grown2"))));
  ASSERT_TRUE(Produce(src_->client(), topic, On(3, MakeRecords(30, 1, "grown3"))));
  // (b) A new topic matching the whitelist while running, likewise.
  const std::string fresh = prefix + "-new";
  ASSERT_TRUE(CreateTopic(src_->client(), fresh, 2));
  ASSERT_TRUE(Produce(src_->client(), fresh, MakeRecords(40, 2, "fresh")));

  ASSERT_TRUE(WaitForRecords(dst_->client(), topic, 160, seconds(90), kmirror.get()));
  ASSERT_TRUE(WaitForRecords(dst_->client(), fresh, 40, seconds(90), kmirror.get()));
  // Let anything that would be copied twice or late arrive before comparing.
  std::this_thread::sleep_for(seconds(3));
  EXPECT_EQ(kmirror->Terminate(seconds(90)), 0) << kmirror->OutputTail(30);

  ExpectTargetHolds(topic, 0, after0);  // nothing from before the first start
  ExpectTargetHolds(topic, 1, after1);
  ExpectWholePartitionCopied(topic, 2);
  ExpectWholePartitionCopied(topic, 3);
  ExpectWholePartitionCopied(fresh, 0);
  ExpectWholePartitionCopied(fresh, 1);
  const std::string out = kmirror->Output();
  for (const std::string& tp : {topic + "-2", topic + "-3", fresh + "-0", fresh + "-1"}) {
    EXPECT_NE(out.find(tp + " has no committed offset, starts at its first record, offset 0 (the group has "
                            "committed offsets"),
              std::string::npos)
        << tp << "\n"
        << kmirror->OutputTail(40);
  }
}

TEST_F(StartPositionTest, ATopicCreatedWhileKmirrorWasDownIsCopiedWhole) {
  const std::string prefix = UniqueName("sp");
  const std::string topic = prefix + "-old";
  const std::string group = prefix + "-group";
  ASSERT_TRUE(CreateTopic(src_->client(), topic, 1));
  ASSERT_TRUE(Produce(src_->client(), topic, MakeRecords(100, 1, "before")));

  auto first = StartLegacy(group, prefix, "kmirror-first");
  ASSERT_NO_FATAL_FAILURE(WaitForLatestStart(*first, topic, 1));
  const auto after = MakeRecords(50, 1, "after");
  ASSERT_TRUE(Produce(src_->client(), topic, after));
  ASSERT_TRUE(WaitForRecords(dst_->client(), topic, 50, seconds(60), first.get()));
  EXPECT_EQ(first->Terminate(seconds(90)), 0) << first->OutputTail(30);

  // (c) While kmirror is down: a new topic, and more records for the old one.
  const std::string fresh = prefix + "-new";
  ASSERT_TRUE(CreateTopic(src_->client(), fresh, 2));
  ASSERT_TRUE(Produce(src_->client(), fresh, MakeRecords(40, 2, "fresh")));
  const auto down = MakeRecords(20, 1, "down");
  ASSERT_TRUE(Produce(src_->client(), topic, down));

  auto second = StartLegacy(group, prefix, "kmirror-second");
  ASSERT_TRUE(WaitForRecords(dst_->client(), fresh, 40, seconds(90), second.get()));
  ASSERT_TRUE(WaitForRecords(dst_->client(), topic, 70, seconds(60), second.get()));
  std::this_thread::sleep_for(seconds(3));
  EXPECT_EQ(second->Terminate(seconds(90)), 0) << second->OutputTail(30);

  ExpectWholePartitionCopied(fresh, 0);
  ExpectWholePartitionCopied(fresh, 1);
  std::vector<Record> old = after;
  old.insert(old.end(), down.begin(), down.end());
  ExpectTargetHolds(topic, 0, old);
  const std::string out = second->Output();
  EXPECT_NE(out.find(topic + "-0 resumes at committed offset"), std::string::npos) << second->OutputTail(40);
  EXPECT_NE(out.find(fresh + "-0 has no committed offset, starts at its first record, offset 0 (the group has "
                             "committed offsets"),
            std::string::npos)
      << second->OutputTail(40);
}

TEST_F(StartPositionTest, ATopicCreatedAfterAFirstStartWithNothingToMirrorIsCopiedWhole) {
  // The group has no committed offset at all when the topic appears: it is still not part of
  // the first start, because it did not exist when kmirror started.
  const std::string prefix = UniqueName("sp");
  auto kmirror = StartLegacy(prefix + "-group", prefix, "kmirror-empty-start");
  ASSERT_TRUE(WaitForLog(*kmirror, "source->target#1: task started", seconds(60)));
  std::this_thread::sleep_for(seconds(2));  // the tasks have listed the source by now

  const std::string fresh = prefix + "-new";
  ASSERT_TRUE(CreateTopic(src_->client(), fresh, 2));
  ASSERT_TRUE(Produce(src_->client(), fresh, MakeRecords(40, 2, "fresh")));
  ASSERT_TRUE(WaitForRecords(dst_->client(), fresh, 40, seconds(90), kmirror.get()));
  std::this_thread::sleep_for(seconds(3));
  EXPECT_EQ(kmirror->Terminate(seconds(90)), 0) << kmirror->OutputTail(30);

  ExpectWholePartitionCopied(fresh, 0);
  ExpectWholePartitionCopied(fresh, 1);
  EXPECT_NE(kmirror->Output().find(fresh + "-0 has no committed offset, starts at its first record, offset 0 (the "
                                           "partition was created after kmirror started"),
            std::string::npos)
      << kmirror->OutputTail(40);
}

}  // namespace
}  // namespace kmirror::test
