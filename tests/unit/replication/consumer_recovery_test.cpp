#include "replication/consumer_recovery.h"

#include <gtest/gtest.h>

namespace kmirror::replication {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(ConsumerRecovery, AOneOffFatalErrorRecreatesAtOnce) {
  ConsumerRecovery r;
  const auto t0 = ConsumerRecovery::Clock::time_point{} + seconds(1000);
  const auto d = r.OnFatal(t0);
  EXPECT_EQ(d.wait, milliseconds(0));
  EXPECT_FALSE(d.repeating());
  EXPECT_EQ(d.in_a_row, 1);
}

TEST(ConsumerRecovery, FastRepeatsBackOffDoublingUpToTheCap) {
  ConsumerRecovery r;
  auto t = ConsumerRecovery::Clock::time_point{} + seconds(1000);
  EXPECT_EQ(r.OnFatal(t).wait, milliseconds(0));
  const milliseconds expected[] = {milliseconds(1000),  milliseconds(2000),  milliseconds(4000),  milliseconds(8000),
                                   milliseconds(16000), milliseconds(32000), milliseconds(60000), milliseconds(60000)};
  int n = 1;
  for (milliseconds want : expected) {
    t += seconds(5);  // another member fences this one seconds after each join
    const auto d = r.OnFatal(t);
    ++n;
    EXPECT_TRUE(d.repeating());
    EXPECT_EQ(d.in_a_row, n);
    EXPECT_EQ(d.wait, want) << "fatal error #" << n;
  }
}

TEST(ConsumerRecovery, WaitStaysCappedHoweverLongItRepeats) {
  ConsumerRecovery r;
  auto t = ConsumerRecovery::Clock::time_point{} + seconds(1000);
  for (int i = 0; i < 1000; ++i) {
    t += seconds(61);  // the capped wait plus a join: still within the quiet period
    const auto d = r.OnFatal(t);
    EXPECT_LE(d.wait, ConsumerRecovery::kMaxWait);
    if (i > 0) {
      EXPECT_TRUE(d.repeating());
    }
  }
  EXPECT_EQ(r.OnFatal(t + seconds(1)).wait, ConsumerRecovery::kMaxWait);
}

TEST(ConsumerRecovery, AQuietPeriodStartsOver) {
  ConsumerRecovery r;
  auto t = ConsumerRecovery::Clock::time_point{} + seconds(1000);
  (void)r.OnFatal(t);
  (void)r.OnFatal(t += seconds(3));
  EXPECT_EQ(r.OnFatal(t += seconds(3)).wait, milliseconds(2000));
  const auto d = r.OnFatal(t += ConsumerRecovery::kQuiet);  // ran a whole quiet period without one
  EXPECT_FALSE(d.repeating());
  EXPECT_EQ(d.wait, milliseconds(0));
  EXPECT_EQ(r.OnFatal(t += seconds(1)).wait, milliseconds(1000));
}

}  // namespace
}  // namespace kmirror::replication
