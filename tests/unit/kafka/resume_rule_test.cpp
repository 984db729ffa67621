#include "kafka/resume_rule.h"

#include <optional>

#include <gtest/gtest.h>

namespace kmirror::kafka {
namespace {

constexpr std::optional<SourceOffset> kNone;
std::optional<SourceOffset> At(int64_t o) { return SourceOffset(o); }

TEST(DecideResume, WithoutTheLogTheCommitDecides) {
  EXPECT_EQ(DecideResume(At(40), kNone, true), (ResumeDecision{At(40), ResumeReason::kNoLog}));
  EXPECT_EQ(DecideResume(kNone, kNone, true), (ResumeDecision{kNone, ResumeReason::kNoLog}))
      << "neither: the start rule decides";
  EXPECT_EQ(DecideResume(At(40), kNone, false).at, At(40));
}

TEST(DecideResume, TheLogWinsOverTheCommit) {
  EXPECT_EQ(DecideResume(At(40), At(40), true), (ResumeDecision{At(40), ResumeReason::kLogMatchesCommit}));
  EXPECT_EQ(DecideResume(At(30), At(40), true), (ResumeDecision{At(40), ResumeReason::kLogAheadOfCommit}))
      << "records [30, 40) are on the target: not sent again";
  EXPECT_EQ(DecideResume(At(50), At(40), true), (ResumeDecision{At(40), ResumeReason::kCommitAheadOfLog}))
      << "the log does not hold [40, 50): mirrored again rather than skipped";
}

TEST(DecideResume, AMissingCommitResumesAtTheLogNotAtEarliestOrLatest) {
  EXPECT_EQ(DecideResume(kNone, At(40), true), (ResumeDecision{At(40), ResumeReason::kCommitMissing}));
  EXPECT_EQ(DecideResume(kNone, At(40), false), (ResumeDecision{At(40), ResumeReason::kCommitMissing}))
      << "a stale log position only repeats records";
}

TEST(DecideResume, ALogNotConfirmedCurrentTakesTheLaterOfBoth) {
  EXPECT_EQ(DecideResume(At(50), At(40), false), (ResumeDecision{At(50), ResumeReason::kLogNotCurrent}));
  EXPECT_EQ(DecideResume(At(30), At(40), false), (ResumeDecision{At(40), ResumeReason::kLogNotCurrent}));
}

TEST(ExplainResume, NamesTheRangeMirroredAgain) {
  const std::string s = ExplainResume(DecideResume(At(50), At(40), true), At(50), At(40));
  EXPECT_NE(s.find("[40, 50)"), std::string::npos) << s;
}

}  // namespace
}  // namespace kmirror::kafka
