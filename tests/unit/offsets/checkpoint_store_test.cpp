#include "kmirror/offsets/checkpoint_store.h"

#include <thread>

#include <gtest/gtest.h>

#include "kmirror/offsets/checkpoint_emitter.h"

namespace kmirror::offsets {
namespace {

using std::chrono::milliseconds;

CheckpointRecord Make(const std::string& group, const std::string& topic, int32_t p, int64_t up, int64_t down,
                      FlowKey flow = {"A", "B"}) {
  CheckpointRecord r;
  r.flow = std::move(flow);
  r.group = group;
  r.source_topic = topic;
  r.target_topic = "A." + topic;
  r.partition = Partition(p);
  r.upstream = SourceOffset(up);
  r.downstream = TargetOffset(down);
  return r;
}

TEST(CheckpointStoreTest, KeepsTheLatestPerGroupTopicPartitionAndFilters) {
  CheckpointStore store;
  const FlowKey ab{"A", "B"}, ca{"C", "A"};
  store.Put(Make("g1", "orders", 0, 10, 12));
  store.Put(Make("g1", "orders", 0, 20, 22));  // replaces
  store.Put(Make("g1", "orders", 1, 5, 5));
  store.Put(Make("g2", "payments", 0, 7, 9));
  store.Put(Make("g1", "orders", 0, 99, 99, ca));  // another flow
  auto all = store.List(ab);
  ASSERT_EQ(all.size(), 3u);
  auto g1 = store.List(ab, "g1");
  ASSERT_EQ(g1.size(), 2u);
  EXPECT_EQ(g1[0].upstream, SourceOffset(20));
  EXPECT_EQ(g1[0].downstream, TargetOffset(22));
  EXPECT_EQ(store.List(ab, "", "payments").size(), 1u);
  EXPECT_EQ(store.List(ca).size(), 1u);
  auto one = store.Get(ab, "g2", {"payments", Partition(0)});
  ASSERT_TRUE(one);
  EXPECT_EQ(one->downstream, TargetOffset(9));
  EXPECT_FALSE(store.Get(ab, "g3", {"payments", Partition(0)}));
  EXPECT_EQ(store.LastSeq(), 5u);
}

TEST(CheckpointStoreTest, WaitForChangesReturnsOnlyNewerRecordsAndWakesOnPut) {
  CheckpointStore store;
  const FlowKey ab{"A", "B"};
  uint64_t s1 = store.Put(Make("g1", "orders", 0, 1, 1));
  EXPECT_EQ(store.WaitForChanges(ab, "", 0, milliseconds(0)).size(), 1u);
  EXPECT_TRUE(store.WaitForChanges(ab, "", s1, milliseconds(10)).empty());
  std::thread writer([&] {
    std::this_thread::sleep_for(milliseconds(50));
    store.Put(Make("g2", "orders", 0, 2, 2));
    store.Put(Make("g1", "orders", 0, 3, 3));
  });
  std::vector<CheckpointRecord> got;
  for (int i = 0; i < 100 && got.empty(); ++i) got = store.WaitForChanges(ab, "g1", s1, milliseconds(100));
  writer.join();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].group, "g1");
  EXPECT_EQ(got[0].upstream, SourceOffset(3));
}

TEST(CheckpointStoreTest, CloseReleasesWaiters) {
  CheckpointStore store;
  std::thread closer([&] {
    std::this_thread::sleep_for(milliseconds(50));
    store.Close();
  });
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(store.WaitForChanges({"A", "B"}, "", 0, std::chrono::seconds(30)).empty());
  closer.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST(CheckpointStoreTest, LoadedIsPerFlow) {
  CheckpointStore store;
  EXPECT_FALSE(store.IsLoaded({"A", "B"}));
  store.MarkLoaded({"A", "B"});
  EXPECT_TRUE(store.IsLoaded({"A", "B"}));
  EXPECT_FALSE(store.IsLoaded({"B", "A"}));
}

TEST(CheckpointAdvancesTest, NeverBackwardsUnlessTheSourceGroupRewinds) {
  CheckpointRecord prev = Make("g", "t", 0, 100, 150);
  EXPECT_TRUE(CheckpointAdvances(nullptr, SourceOffset(0), TargetOffset(0)));
  EXPECT_FALSE(CheckpointAdvances(&prev, SourceOffset(100), TargetOffset(150))) << "unchanged";
  EXPECT_TRUE(CheckpointAdvances(&prev, SourceOffset(120), TargetOffset(170)));
  EXPECT_TRUE(CheckpointAdvances(&prev, SourceOffset(120), TargetOffset(150))) << "a gap: same target, later source";
  EXPECT_FALSE(CheckpointAdvances(&prev, SourceOffset(120), TargetOffset(140))) << "would go backwards";
  EXPECT_FALSE(CheckpointAdvances(&prev, SourceOffset(100), TargetOffset(149)));
  EXPECT_TRUE(CheckpointAdvances(&prev, SourceOffset(50), TargetOffset(60))) << "the group rewound on the source";
}

}  // namespace
}  // namespace kmirror::offsets
