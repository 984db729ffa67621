#include "kafka/start_rule.h"

#include <gtest/gtest.h>

namespace kmirror::kafka {
namespace {

TEST(StartRule, EarliestStartsEveryPartitionWithoutACommitAtItsFirstRecord) {
  for (bool group_has_offsets : {false, true}) {
    for (Presence p : {Presence::kAtStart, Presence::kSinceStart, Presence::kUnknown}) {
      EXPECT_EQ(DecideStart(StartAt::kEarliest, group_has_offsets, p),
                (StartDecision{StartAt::kEarliest, StartReason::kConfiguredEarliest}));
    }
  }
}

TEST(StartRule, LatestAppliesOnlyToThePartitionsOfTheFlowsFirstStart) {
  EXPECT_EQ(DecideStart(StartAt::kLatest, false, Presence::kAtStart),
            (StartDecision{StartAt::kLatest, StartReason::kFirstStart}));
  // The source could not be listed: the configured start is kept for the first start.
  EXPECT_EQ(DecideStart(StartAt::kLatest, false, Presence::kUnknown),
            (StartDecision{StartAt::kLatest, StartReason::kFirstStartUnlisted}));
}

TEST(StartRule, APartitionCreatedAfterKmirrorStartedStartsAtItsFirstRecord) {
  // First start, no offsets committed yet, but the topic or partition appeared meanwhile.
  EXPECT_EQ(DecideStart(StartAt::kLatest, false, Presence::kSinceStart),
            (StartDecision{StartAt::kEarliest, StartReason::kCreatedWhileRunning}));
}

TEST(StartRule, OnceTheGroupHasOffsetsEveryNewPartitionStartsAtItsFirstRecord) {
  // Created while kmirror ran, or while it was down: in the start-up listing or not.
  for (Presence p : {Presence::kAtStart, Presence::kSinceStart, Presence::kUnknown}) {
    EXPECT_EQ(DecideStart(StartAt::kLatest, true, p),
              (StartDecision{StartAt::kEarliest, StartReason::kGroupHasOffsets}));
  }
}

TEST(StartRule, EveryReasonIsExplained) {
  for (StartReason r : {StartReason::kConfiguredEarliest, StartReason::kFirstStart, StartReason::kFirstStartUnlisted,
                        StartReason::kGroupHasOffsets, StartReason::kCreatedWhileRunning}) {
    EXPECT_NE(Explain(r), "");
  }
  EXPECT_NE(Explain(StartReason::kCreatedWhileRunning).find("created after kmirror started"), std::string::npos);
  EXPECT_NE(Explain(StartReason::kGroupHasOffsets).find("committed offsets"), std::string::npos);
}

}  // namespace
}  // namespace kmirror::kafka
