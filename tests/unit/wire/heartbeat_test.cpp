#include "kmirror/wire/heartbeat.h"

#include <gtest/gtest.h>

namespace kmirror::wire {
namespace {

TEST(Heartbeat, Mm2ByteLayout) {
  // MM2's Heartbeat(sourceClusterAlias "A", targetClusterAlias "B", timestamp 1) serialises
  // to STRING "A", STRING "B" and INT16 0, INT64 1.
  EXPECT_EQ(EncodeHeartbeatKey("A", "B"), std::string("\x00\x01"
                                                      "A"
                                                      "\x00\x01"
                                                      "B",
                                                      6));
  EXPECT_EQ(EncodeHeartbeatValue(1), std::string("\x00\x00"
                                                 "\x00\x00\x00\x00\x00\x00\x00\x01",
                                                 10));
  auto hb = DecodeHeartbeat(EncodeHeartbeatKey("clusterA", "clusterB"), EncodeHeartbeatValue(1700000000123));
  ASSERT_TRUE(hb.has_value());
  EXPECT_EQ(hb->source_alias, "clusterA");
  EXPECT_EQ(hb->target_alias, "clusterB");
  EXPECT_EQ(hb->timestamp_ms, 1700000000123);
  EXPECT_FALSE(DecodeHeartbeat("\x00\x05"
                               "A",
                               EncodeHeartbeatValue(1))
                   .has_value());
}

}  // namespace
}  // namespace kmirror::wire
