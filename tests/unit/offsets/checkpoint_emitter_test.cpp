#include "kmirror/offsets/checkpoint_emitter.h"

#include <gtest/gtest.h>

namespace kmirror::offsets {
namespace {

using std::chrono::seconds;
using Clock = GroupRefresh::Clock;

TEST(GroupRefresh, UntilAListingSucceededEveryRoundLists) {
  const Clock::time_point t0{};
  for (bool refresh : {true, false}) {
    GroupRefresh r(refresh, seconds(600));
    EXPECT_TRUE(r.Due(t0)) << refresh;
    EXPECT_TRUE(r.Due(t0 + seconds(1))) << refresh << ": a failed listing is tried again next round";
  }
}

// GroupRefresh(refresh.groups.enabled, refresh.groups.interval.seconds).
TEST(GroupRefresh, RefreshOffListsOncePerDutyTerm) {
  const Clock::time_point t0{};
  GroupRefresh r(false, seconds(1));
  r.Listed(t0);
  EXPECT_FALSE(r.Due(t0 + seconds(1)));
  EXPECT_FALSE(r.Due(t0 + seconds(100000)));
  r.Forget();  // this node took the duties over
  EXPECT_TRUE(r.Due(t0 + seconds(100001)));
}

TEST(GroupRefresh, RefreshOnListsOnceTheIntervalPassed) {
  const Clock::time_point t0{};
  GroupRefresh r(true, seconds(300));
  r.Listed(t0);
  EXPECT_FALSE(r.Due(t0 + seconds(60)));
  EXPECT_FALSE(r.Due(t0 + seconds(299)));
  EXPECT_TRUE(r.Due(t0 + seconds(300)));
  r.Listed(t0 + seconds(310));
  EXPECT_FALSE(r.Due(t0 + seconds(500)));
  EXPECT_TRUE(r.Due(t0 + seconds(610)));
}

TEST(GroupRefresh, ZeroIntervalListsEveryRound) {
  const Clock::time_point t0{};
  GroupRefresh r(true, seconds(0));
  r.Listed(t0);
  EXPECT_TRUE(r.Due(t0));
  EXPECT_TRUE(r.Due(t0 + seconds(1)));
}

}  // namespace
}  // namespace kmirror::offsets
