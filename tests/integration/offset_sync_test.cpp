// The offset-sync log a flow writes on its target is enough to translate every source
// offset exactly (issue 4's event log, checked through the RocksDB index): a source with
// gaps from transaction markers and aborted records, mirrored by a real kmirror.
#include <gtest/gtest.h>

#include <map>

#include "kmirror/offsets/offset_index.h"
#include "kmirror/wire/offset_sync_event.h"
#include "support/kafka_cluster.h"
#include "support/kmirror_runner.h"

namespace kmirror::test {
namespace {

using std::chrono::seconds;

TEST(OffsetSyncLog, TranslatesEverySourceOffsetExactlyAcrossGaps) {
  auto clusters = KafkaCluster::StartAll({{.name = "A"}, {.name = "B"}});
  KafkaCluster& a = *clusters[0];
  KafkaCluster& b = *clusters[1];
  const std::string topic = "gappy";
  ASSERT_TRUE(CreateTopic(a.client(), topic, 1));
  ASSERT_TRUE(ProduceAndCommit(a.client(), topic, MakeRecords(10, 1, "c1")));
  ASSERT_TRUE(ProduceAndAbort(a.client(), topic, MakeRecords(10, 1, "aborted")));
  ASSERT_TRUE(Produce(a.client(), topic, MakeRecords(5, 1, "plain")));
  ASSERT_TRUE(ProduceAndCommit(a.client(), topic, MakeRecords(10, 1, "c2")));

  auto kmirror =
      StartKmirror(FlowConfig("A", a.bootstrap(), "B", b.bootstrap(), topic, "gappy-group"), "kmirror-gappy");
  ASSERT_TRUE(WaitForRecords(b.client(), "A.gappy", 25, seconds(60), kmirror.get()));
  ASSERT_EQ(kmirror->Terminate(seconds(90)), 0) << kmirror->OutputTail(20);

  // Ground truth: where each mirrored source record landed, by its unique key.
  auto src = ConsumeAll(a.client(), topic, 0).value();
  auto dst = ConsumeAll(b.client(), "A.gappy", 0).value();
  ASSERT_EQ(src.size(), 25u);
  ASSERT_EQ(dst.size(), 25u);
  std::map<std::string, int64_t> target_of_key;
  for (const auto& r : dst) target_of_key[*r.key] = r.offset;
  std::map<int64_t, int64_t> expected;  // source offset of a mirrored record -> target offset
  for (const auto& r : src) expected[r.offset] = target_of_key.at(*r.key);
  const int64_t source_end = Watermarks(a.client(), topic, 0).value().high;
  ASSERT_GT(source_end, 25) << "the source must have gaps (markers, aborted records)";

  // Materialise the log into a fresh index, as a node does.
  TempDir dir("index");
  auto index = offsets::OffsetIndex::Open((dir / "db").string());
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  const offsets::FlowKey flow{"A", "B"};
  const std::string log_topic = wire::OffsetSyncTopic("A");
  auto events = ConsumeAll(b.client(), log_topic, 0, true).value();
  ASSERT_FALSE(events.empty()) << "no offset-sync events in " << log_topic;
  EXPECT_FALSE((*index)->Translate(flow, topic, Partition(0), SourceOffset(0)).ok()) << "not ready yet";
  for (const auto& e : events) {
    auto ev = wire::ParseOffsetSyncEvent(e.value.value_or(""));
    ASSERT_TRUE(ev.ok()) << ev.status().ToString();
    ASSERT_TRUE((*index)->Apply(*ev, {0, e.offset}).ok());
  }
  (*index)->MarkCaughtUp(flow, {{0, events.back().offset + 1}});
  ASSERT_TRUE((*index)->IsReady(flow));

  for (int64_t o = 0; o < source_end; ++o) {
    auto t = (*index)->Translate(flow, topic, Partition(0), SourceOffset(o));
    auto next = expected.lower_bound(o);
    if (next == expected.end()) {
      // After the last mirrored record: where the next one will land.
      ASSERT_TRUE(t.ok()) << t.status().ToString();
      EXPECT_EQ(t->target.value(), static_cast<int64_t>(dst.size())) << "offset " << o;
      continue;
    }
    ASSERT_TRUE(t.ok()) << "offset " << o << ": " << t.status().ToString();
    EXPECT_EQ(t->target.value(), next->second) << "source offset " << o;
    EXPECT_EQ(t->kind, next->first == o ? offsets::TranslationKind::kExact : offsets::TranslationKind::kGap)
        << "source offset " << o;
    EXPECT_EQ(t->target_topic, "A.gappy");
  }
}

}  // namespace
}  // namespace kmirror::test
