#include "replication/partition_ownership.h"

#include <gtest/gtest.h>

namespace kmirror::replication {
namespace {

TEST(PartitionOwnership, NotOwnedUntilAssigned) {
  PartitionOwnership own;
  EXPECT_FALSE(own.owned());
  EXPECT_FALSE(own.Report()) << "a report of a partition never assigned acts on nothing";
  own.Assign();
  EXPECT_TRUE(own.owned());
  EXPECT_TRUE(own.Report());
  EXPECT_TRUE(own.Report());
}

TEST(PartitionOwnership, ReportsAfterTheRevokeAreIgnored) {
  PartitionOwnership own;
  own.Assign();
  own.Revoke(2);
  EXPECT_FALSE(own.owned()) << "records polled before the revoke are not forwarded";
  EXPECT_EQ(own.orphans(), 2);
  EXPECT_FALSE(own.Report());
  EXPECT_FALSE(own.Report());
  EXPECT_EQ(own.orphans(), 0);
  EXPECT_FALSE(own.Report()) << "still not owned";
}

TEST(PartitionOwnership, TheEndedOwnershipsReportsComeFirstWhenThePartitionComesBack) {
  PartitionOwnership own;
  own.Assign();
  own.Revoke(3);
  own.Assign();  // back before the records sent in the ended ownership were reported
  EXPECT_TRUE(own.owned());
  EXPECT_FALSE(own.Report()) << "sent before the revoke: no store, no rewind";
  EXPECT_FALSE(own.Report());
  EXPECT_FALSE(own.Report());
  EXPECT_TRUE(own.Report()) << "the first record of the new ownership";
}

TEST(PartitionOwnership, ASecondRevokeCountsWhatIsInFlightThen) {
  PartitionOwnership own;
  own.Assign();
  own.Revoke(3);
  own.Assign();
  EXPECT_FALSE(own.Report());
  // The window still has the other two in flight (nothing new is sent behind them).
  own.Revoke(2);
  EXPECT_EQ(own.orphans(), 2);
  own.Revoke(-1);
  EXPECT_EQ(own.orphans(), 0) << "never negative";
}

}  // namespace
}  // namespace kmirror::replication
