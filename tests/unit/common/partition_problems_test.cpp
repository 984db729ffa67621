#include "kmirror/common/partition_problems.h"

#include <thread>

#include <gtest/gtest.h>

namespace kmirror {
namespace {

TEST(PartitionProblems, AStopIsShownUntilClearedAndReplacesAnEarlierOne) {
  PartitionProblems board;
  EXPECT_TRUE(board.stopped().empty());
  const TopicPartition tp{"orders", Partition(2)};
  board.Stopped({tp, "A.orders", 50, "first", 1});
  board.Stopped({tp, "A.orders", 50, "MSG_SIZE_TOO_LARGE", 2});
  board.Stopped({{"orders", Partition(0)}, "A.orders", 7, "other", 3});
  auto s = board.stopped();
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[1].source, tp);
  EXPECT_EQ(s[1].offset, 50);
  EXPECT_EQ(s[1].reason, "MSG_SIZE_TOO_LARGE");
  board.Cleared(tp);
  board.Cleared({"nothing", Partition(9)});
  ASSERT_EQ(board.stopped().size(), 1u);
  EXPECT_EQ(board.stopped()[0].source.partition, Partition(0));
}

TEST(PartitionProblems, WritersAndReadersOnDifferentThreads) {
  PartitionProblems board;
  std::thread writer([&] {
    for (int i = 0; i < 1000; ++i) {
      board.Stopped({{"t", Partition(i % 8)}, "r", i, "x", i});
      board.DeadLettered();
      if (i % 3 == 0) board.Cleared({"t", Partition(i % 8)});
    }
  });
  size_t seen = 0;
  for (int i = 0; i < 1000; ++i) seen = std::max(seen, board.stopped().size());
  writer.join();
  EXPECT_LE(seen, 8u);
  EXPECT_EQ(board.dead_lettered(), 1000u);
}

}  // namespace
}  // namespace kmirror
