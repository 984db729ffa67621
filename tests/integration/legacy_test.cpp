// MirrorMaker 1's command line on the first seed's scenario: a 4-partition topic `test` on
// the source, `kmirror legacy --consumer.config --producer.config --num.streams 4
// --whitelist ".*"`, and on the target the same topic name with the same 4 partitions and
// the same per-partition counts (not the 1-partition topic broker auto-creation gives).
#include <gtest/gtest.h>

#include "support/kafka_cluster.h"
#include "support/kmirror_runner.h"

namespace kmirror::test {
namespace {

using std::chrono::seconds;

TEST(LegacyCommandLine, FirstSeedScenarioKeepsPartitionLayout) {
  auto clusters = KafkaCluster::StartAll({{.name = "source"}, {.name = "target"}});
  KafkaCluster& src = *clusters[0];
  KafkaCluster& dst = *clusters[1];

  const int kCount = 20000;
  ASSERT_TRUE(CreateTopic(src.client(), "test", 4));
  ASSERT_TRUE(Produce(src.client(), "test", MakeRecords(kCount, 4, "seed")));

  TempDir dir("legacy");
  // The seed's files, pointed at the local clusters.
  WriteFile(dir / "consumer.properties",
            "bootstrap.servers=" + src.bootstrap() + "\ngroup.id=mirrormaker\nauto.offset.reset=earliest\n");
  WriteFile(dir / "producer.properties", "bootstrap.servers=" + dst.bootstrap() + "\n");
  ProcessOptions opts;
  opts.name = "kmirror-legacy";
  auto kmirror = ChildProcess::Start(
      {KmirrorBinary(), "legacy", "--consumer.config", (dir / "consumer.properties").string(), "--producer.config",
       (dir / "producer.properties").string(), "--num.streams", "4", "--whitelist", ".*"},
      opts);
  ASSERT_TRUE(WaitForRecords(dst.client(), "test", kCount, seconds(120), kmirror.get()));
  EXPECT_EQ(kmirror->Terminate(seconds(90)), 0) << kmirror->OutputTail(30);

  auto partitions = PartitionCount(dst.client(), "test");
  ASSERT_TRUE(partitions.ok()) << partitions.error();
  EXPECT_EQ(*partitions, 4);
  for (int p = 0; p < 4; ++p) {
    auto s = Watermarks(src.client(), "test", p);
    auto d = Watermarks(dst.client(), "test", p);
    ASSERT_TRUE(s.ok() && d.ok());
    EXPECT_EQ(d->high - d->low, s->high - s->low) << "partition " << p;  // GetOffsetShell --time -1 minus -2
  }
  // The group from the consumer file holds the position, as MirrorMaker 1's did.
  auto committed = CommittedOffsets(src.client(), "mirrormaker", "test");
  ASSERT_TRUE(committed.ok()) << committed.error();
  EXPECT_EQ(committed->size(), 4u);
  // Four streams share the partitions through the group.
  auto out = kmirror->Output();
  for (int i = 0; i < 4; ++i) {
    EXPECT_NE(out.find("source->target#" + std::to_string(i) + ": task started"), std::string::npos) << out;
  }
}

}  // namespace
}  // namespace kmirror::test
