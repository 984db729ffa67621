#include "kmirror/wire/provenance.h"

#include <gtest/gtest.h>

namespace kmirror::wire {
namespace {

std::string Hex(std::string_view s) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(d[c >> 4]);
    out.push_back(d[c & 15]);
  }
  return out;
}

TEST(Provenance, ClusterIdDecodesToItsUuidBytes) {
  // A KRaft cluster id as `kafka-storage random-uuid` prints it.
  ClusterKey k = ClusterKeyOf("MkU3OEVBNTcwNTJENDM2Qg");
  EXPECT_EQ(Hex(std::string_view(reinterpret_cast<const char*>(k.data()), k.size())),
            "32453738454135373035324434333642");
  EXPECT_EQ(ClusterKeyToString(k), "MkU3OEVBNTcwNTJENDM2Qg");
}

TEST(Provenance, NonUuidIdsHashStably) {
  ClusterKey a = ClusterKeyOf("my-redpanda-cluster");
  EXPECT_EQ(a, ClusterKeyOf("my-redpanda-cluster"));
  EXPECT_NE(a, ClusterKeyOf("my-redpanda-clustex"));
}

TEST(Provenance, ByteExactTestVector) {
  ProvenancePath origin;  // a record produced directly on cluster A
  std::string v;
  ASSERT_TRUE(EncodeProvenance(origin, ClusterKeyOf("AAAAAAAAAAAAAAAAAAAAAA"), &v));
  EXPECT_EQ(Hex(v),
            "0101"
            "00000000000000000000000000000000");

  auto parsed = ParseProvenance(v);
  ASSERT_TRUE(parsed.has_value());
  ASSERT_TRUE(EncodeProvenance(*parsed, ClusterKeyOf("_____________________w"), &v));  // then via B
  EXPECT_EQ(Hex(v),
            "0102"
            "00000000000000000000000000000000"
            "ffffffffffffffffffffffffffffffff");
  auto two = ParseProvenance(v);
  ASSERT_TRUE(two.has_value());
  EXPECT_EQ(two->clusters.size(), 2u);
  EXPECT_TRUE(two->Contains(ClusterKeyOf("AAAAAAAAAAAAAAAAAAAAAA")));
  EXPECT_FALSE(two->Contains(ClusterKeyOf("MkU3OEVBNTcwNTJENDM2Qg")));
}

TEST(Provenance, RejectsMalformedValues) {
  EXPECT_FALSE(ParseProvenance("").has_value());
  EXPECT_FALSE(ParseProvenance(std::string("\x02\x01", 2) + std::string(16, 'a')).has_value());  // version
  EXPECT_FALSE(ParseProvenance(std::string("\x01\x02", 2) + std::string(16, 'a')).has_value());  // length
  EXPECT_FALSE(ParseProvenance(std::string("\x01\x00", 2)).has_value());
}

}  // namespace
}  // namespace kmirror::wire
