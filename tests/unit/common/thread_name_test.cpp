#include "kmirror/common/thread_name.h"

#include <pthread.h>

#include <thread>

#include <gtest/gtest.h>

namespace kmirror {
namespace {

TEST(ThreadName, IsCutToWhatLinuxKeeps) {
  EXPECT_EQ(ThreadName("km-api-health"), "km-api-health");
  EXPECT_EQ(ThreadName("km-ckpt-a-very-long-alias"), "km-ckpt-a-very-");
  EXPECT_EQ(ThreadName("km-ckpt-a-very-long-alias").size(), kMaxThreadNameLength);
}

TEST(ThreadName, NamesTheCallingThreadEvenWhenTooLong) {
  std::string seen;
  std::thread t([&seen] {
    SetThreadName("km-state-a-cluster-alias-longer-than-fifteen");
    char buf[32] = {};
    ASSERT_EQ(pthread_getname_np(pthread_self(), buf, sizeof buf), 0);
    seen = buf;
  });
  t.join();
  EXPECT_EQ(seen, "km-state-a-clus");
}

}  // namespace
}  // namespace kmirror
