#include "kmirror/wire/provenance.h"

#include <gtest/gtest.h>

#include <random>

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

TEST(Provenance, HopHeaderByteExactTestVector) {
  // FNV-1a-64 over ff x 16, 00 00 01 02, "A.orders" (docs/provenance.md).
  EXPECT_EQ(HopDigest(ClusterKeyOf("_____________________w"), "A.orders", 258), 0x00c532ed9c99379cULL);
  std::string v;
  ASSERT_TRUE(EncodeProvenanceHop(2, ClusterKeyOf("_____________________w"), "A.orders", 258, &v));
  EXPECT_EQ(Hex(v),
            "0202"
            "00c532ed9c99379c");
  auto hop = ParseProvenanceHop(v);
  ASSERT_TRUE(hop.has_value());
  EXPECT_EQ(hop->path_length, 2);
  EXPECT_EQ(hop->digest, HopDigest(ClusterKeyOf("_____________________w"), "A.orders", 258));
}

TEST(Provenance, HopDigestTellsPlacesApart) {
  const ClusterKey a = ClusterKeyOf("AAAAAAAAAAAAAAAAAAAAAA"), b = ClusterKeyOf("_____________________w");
  const uint64_t d = HopDigest(a, "A.orders", 3);
  EXPECT_NE(d, HopDigest(b, "A.orders", 3));
  EXPECT_NE(d, HopDigest(a, "A.orders2", 3));
  EXPECT_NE(d, HopDigest(a, "A.orders", 4));
  EXPECT_EQ(d, HopDigest(a, "A.orders", 3));
}

TEST(Provenance, VersionOneHopHeadersAreStillRead) {
  // Written by development builds before the digest: the place spelled out.
  const std::string v1 = std::string("\x01\x01", 2) + std::string(16, 'k') + std::string(4, '\0') + "t";
  auto hop = ParseProvenanceHop(v1);
  ASSERT_TRUE(hop.has_value());
  EXPECT_EQ(hop->path_length, 1);
  ClusterKey k;
  k.fill('k');
  EXPECT_EQ(hop->digest, HopDigest(k, "t", 0));
  EXPECT_EQ(hop->digest, 0x987f38a59a3ead43ULL);
}

TEST(Provenance, HopHeaderRejectsMalformedValues) {
  std::string good;
  ASSERT_TRUE(EncodeProvenanceHop(1, ClusterKey{}, "t", 0, &good));
  EXPECT_TRUE(ParseProvenanceHop(good).has_value());
  EXPECT_FALSE(ParseProvenanceHop("").has_value());
  EXPECT_FALSE(ParseProvenanceHop(good.substr(0, 9)).has_value());  // digest cut short
  EXPECT_FALSE(ParseProvenanceHop(good + "x").has_value());         // trailing bytes
  std::string v = good;
  v[0] = 3;  // unknown version
  EXPECT_FALSE(ParseProvenanceHop(v).has_value());
  v = good;
  v[1] = 0;  // no path
  EXPECT_FALSE(ParseProvenanceHop(v).has_value());
  // Version 1's own checks.
  const std::string fixed = std::string("\x01\x01", 2) + std::string(16, 'k') + std::string(4, '\0');
  EXPECT_FALSE(ParseProvenanceHop(fixed).has_value());                          // no topic
  EXPECT_FALSE(ParseProvenanceHop(fixed + std::string(250, 't')).has_value());  // topic too long
  v = fixed + "t";
  v[18] = static_cast<char>(0x80);  // negative partition
  EXPECT_FALSE(ParseProvenanceHop(v).has_value());
  std::string out;
  EXPECT_FALSE(EncodeProvenanceHop(1, ClusterKey{}, "", 0, &out));
  EXPECT_FALSE(EncodeProvenanceHop(1, ClusterKey{}, "t", -1, &out));
  EXPECT_FALSE(EncodeProvenanceHop(0, ClusterKey{}, "t", 0, &out));
}

TEST(Provenance, RandomBytesNeverCrashTheParsers) {
  std::mt19937 rng(3);
  ProvenancePath path;
  for (int i = 0; i < 50000; ++i) {
    std::string s(rng() % 300, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    if (i % 2 == 0 && !s.empty()) s[0] = 1;
    if (ParseProvenanceInto(s, &path)) {
      EXPECT_EQ(s.size(), 2 + path.clusters.size() * 16);
    } else {
      EXPECT_TRUE(path.clusters.empty());
    }
    if (i % 3 == 0 && s.size() > 1) s[0] = 2;
    if (auto hop = ParseProvenanceHop(s)) {
      EXPECT_GE(hop->path_length, 1);
      EXPECT_TRUE(s.size() == 10 || s.size() > 22) << s.size();
    }
  }
}

}  // namespace
}  // namespace kmirror::wire
