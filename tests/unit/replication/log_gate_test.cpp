#include "replication/log_gate.h"

#include <optional>

#include <gtest/gtest.h>

namespace kmirror::replication {
namespace {

using Kind = GatedStore::Kind;
constexpr std::optional<SourceOffset> kNone;

TEST(GateStore, EverythingInTheLogStoresTheRecord) {
  EXPECT_EQ(GateStore(SourceOffset(41), kNone, kNone).kind, Kind::kRecord);
  EXPECT_EQ(GateStore(SourceOffset(41), SourceOffset(42), kNone).kind, Kind::kRecord)
      << "the first uncovered record is after the pending one";
}

TEST(GateStore, ARecordNotInTheLogHoldsTheStoreAtIt) {
  const GatedStore g = GateStore(SourceOffset(41), SourceOffset(30), kNone);
  EXPECT_EQ(g.kind, Kind::kOffset);
  EXPECT_EQ(g.next, SourceOffset(30)) << "the store stops at the copy of the first record the log does not hold";
  EXPECT_EQ(GateStore(SourceOffset(41), SourceOffset(41), kNone).next, SourceOffset(41));
}

TEST(GateStore, NeverStoresTheSameOrAnEarlierOffsetAgain) {
  EXPECT_EQ(GateStore(SourceOffset(41), SourceOffset(30), SourceOffset(30)).kind, Kind::kWait);
  EXPECT_EQ(GateStore(SourceOffset(41), SourceOffset(10), SourceOffset(30)).kind, Kind::kWait)
      << "a rewind re-records offsets the log held already";
  EXPECT_EQ(GateStore(SourceOffset(41), SourceOffset(35), SourceOffset(30)).next, SourceOffset(35));
}

}  // namespace
}  // namespace kmirror::replication
