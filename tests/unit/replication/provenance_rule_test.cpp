#include "replication/provenance_rule.h"

#include <gtest/gtest.h>

#include <random>

namespace kmirror::replication {
namespace {

using wire::ClusterKey;
using wire::ClusterKeyOf;

const ClusterKey kA = ClusterKeyOf("AAAAAAAAAAAAAAAAAAAAAA");
const ClusterKey kB = ClusterKeyOf("BBBBBBBBBBBBBBBBBBBBBA");
const ClusterKey kC = ClusterKeyOf("CCCCCCCCCCCCCCCCCCCCCA");

// The headers a flow `from`->`into` writes on a record whose path was `path`, into
// `topic`-`partition` of `into`.
struct Written {
  std::string prov, hop;
};
Written Write(const wire::ProvenancePath& path, const ClusterKey& from, const ClusterKey& into, std::string_view topic,
              int32_t partition) {
  Written w;
  EXPECT_TRUE(wire::EncodeProvenance(path, from, &w.prov));
  EXPECT_TRUE(
      wire::EncodeProvenanceHop(static_cast<uint8_t>(path.clusters.size() + 1), into, topic, partition, &w.hop));
  return w;
}

ProvenanceVerdict Read(const Written& w, const ClusterKey& here, std::string_view topic, int32_t partition,
                       wire::ProvenancePath* path) {
  return ReadProvenance(w.prov, w.hop, here, topic, Partition(partition), path);
}

TEST(ProvenanceRule, NoHeadersIsARecordMadeHere) {
  wire::ProvenancePath path;
  path.clusters.push_back(kC);  // reused storage is cleared
  EXPECT_EQ(ReadProvenance(std::nullopt, std::nullopt, kA, "orders", Partition(0), &path).trust,
            ProvenanceTrust::kNone);
  EXPECT_TRUE(path.clusters.empty());
}

TEST(ProvenanceRule, TheRecordKmirrorWroteHereKeepsItsPath) {
  // A->B wrote orders-2 on B (identity naming); B->A reads it there: a true loop.
  const Written w = Write({}, kA, kB, "orders", 2);
  wire::ProvenancePath path;
  EXPECT_EQ(Read(w, kB, "orders", 2, &path).trust, ProvenanceTrust::kTrusted);
  ASSERT_EQ(path.clusters.size(), 1u);
  EXPECT_TRUE(path.Contains(kA));
}

TEST(ProvenanceRule, PrefixNamingAndMultiHopKeepThePath) {
  // A->B writes A.orders on B; B->C reads it and writes B.A.orders on C; C->D reads that.
  const Written ab = Write({}, kA, kB, "A.orders", 0);
  wire::ProvenancePath path;
  ASSERT_EQ(Read(ab, kB, "A.orders", 0, &path).trust, ProvenanceTrust::kTrusted);
  const Written bc = Write(path, kB, kC, "B.A.orders", 0);
  ASSERT_EQ(Read(bc, kC, "B.A.orders", 0, &path).trust, ProvenanceTrust::kTrusted);
  ASSERT_EQ(path.clusters.size(), 2u);
  EXPECT_EQ(path.clusters[0], kA);
  EXPECT_EQ(path.clusters[1], kB);
}

TEST(ProvenanceRule, HeadersCopiedToAnotherTopicOrPartitionMakeADerivedRecord) {
  // A stream processor on B read the mirrored orders-2 and wrote enriched-2 (or orders-5)
  // with all of its input's headers: new records of B, whose old path says nothing.
  const Written w = Write({}, kA, kB, "orders", 2);
  wire::ProvenancePath path;
  EXPECT_EQ(Read(w, kB, "enriched", 2, &path).trust, ProvenanceTrust::kDerived);
  EXPECT_TRUE(path.clusters.empty());
  EXPECT_EQ(Read(w, kB, "orders", 5, &path).trust, ProvenanceTrust::kDerived);
  // Copied to another cluster by a processor reading B and writing C.
  EXPECT_EQ(Read(w, kC, "orders", 2, &path).trust, ProvenanceTrust::kDerived);
  EXPECT_TRUE(path.clusters.empty());
}

TEST(ProvenanceRule, APathWithoutHopHeaderIsTrustedAsBefore) {
  // Written by a kmirror before the hop header: a mixed-version pair must not loop.
  std::string prov;
  ASSERT_TRUE(wire::EncodeProvenance({}, kB, &prov));
  wire::ProvenancePath path;
  EXPECT_EQ(ReadProvenance(prov, std::nullopt, kA, "orders", Partition(0), &path).trust, ProvenanceTrust::kLegacy);
  EXPECT_TRUE(path.Contains(kB));
}

TEST(ProvenanceRule, AnOlderKmirrorExtendingThePathMakesTheHopStale) {
  // New A->B wrote hop (B, A.orders, N=1); an old B->C extended the path to [A, B] and
  // passed the hop header through: the path is trusted as the old kmirror wrote it.
  const Written ab = Write({}, kA, kB, "A.orders", 0);
  wire::ProvenancePath path;
  ASSERT_TRUE(wire::ParseProvenanceInto(ab.prov, &path));
  std::string extended;
  ASSERT_TRUE(wire::EncodeProvenance(path, kB, &extended));
  EXPECT_EQ(ReadProvenance(extended, ab.hop, kC, "B.A.orders", Partition(0), &path).trust, ProvenanceTrust::kLegacy);
  EXPECT_EQ(path.clusters.size(), 2u);
}

TEST(ProvenanceRule, MalformedOrImpossibleHeadersAreUntrusted) {
  wire::ProvenancePath path;
  auto read = [&](std::optional<std::string_view> prov, std::optional<std::string_view> hop) {
    return ReadProvenance(prov, hop, kA, "orders", Partition(0), &path);
  };
  const Written good = Write({}, kB, kA, "orders", 0);
  const std::string key_b(reinterpret_cast<const char*>(kB.data()), 16);
  const std::string key_a(reinterpret_cast<const char*>(kA.data()), 16);
  EXPECT_EQ(read("", std::nullopt).trust, ProvenanceTrust::kUntrusted);
  EXPECT_EQ(read(std::string("\x02\x01", 2) + key_b, std::nullopt).trust, ProvenanceTrust::kUntrusted);
  EXPECT_EQ(read(std::string("\x01\x03", 2) + key_b, std::nullopt).trust, ProvenanceTrust::kUntrusted);
  EXPECT_EQ(read(std::string("\x01\x02", 2) + key_b + key_b, std::nullopt).trust, ProvenanceTrust::kUntrusted);
  EXPECT_EQ(read(std::string("\x01\x01", 2) + key_a, std::nullopt).trust, ProvenanceTrust::kUntrusted);  // on A
  EXPECT_EQ(read(std::nullopt, good.hop).trust, ProvenanceTrust::kUntrusted);  // a hop, no path
  EXPECT_EQ(read(good.prov, "\x01").trust, ProvenanceTrust::kUntrusted);
  std::string longer = good.hop;
  longer[1] = 9;  // claims a path of 9
  EXPECT_EQ(read(good.prov, longer).trust, ProvenanceTrust::kUntrusted);
  const ProvenanceVerdict v = read("", std::nullopt);
  EXPECT_STRNE(v.why, "");
  EXPECT_TRUE(path.clusters.empty());
}

TEST(ProvenanceRule, RandomBytesNeverCrashAndNeverKeepAnImpossiblePath) {
  std::mt19937 rng(15);
  wire::ProvenancePath path;
  const Written good = Write({}, kB, kA, "orders", 0);
  for (int i = 0; i < 20000; ++i) {
    auto random_bytes = [&](size_t max) {
      std::string s(rng() % max, '\0');
      for (auto& c : s) c = static_cast<char>(rng());
      return s;
    };
    std::string prov = random_bytes(80), hop = random_bytes(60);
    // Mutations of valid headers reach the deeper checks.
    if (i % 3 == 1) {
      prov = good.prov;
      prov[rng() % prov.size()] ^= static_cast<char>(1 + rng() % 255);
    }
    if (i % 3 == 2) {
      hop = good.hop;
      hop[rng() % hop.size()] ^= static_cast<char>(1 + rng() % 255);
      prov = good.prov;
    }
    if (i % 4 == 0 && prov.size() >= 2) prov[0] = 1;
    const std::optional<std::string_view> p = i % 5 == 0 ? std::nullopt : std::optional<std::string_view>(prov);
    const std::optional<std::string_view> h = i % 2 == 0 ? std::nullopt : std::optional<std::string_view>(hop);
    const ProvenanceVerdict v = ReadProvenance(p, h, kA, "orders", Partition(0), &path);
    if (v.trust == ProvenanceTrust::kTrusted || v.trust == ProvenanceTrust::kLegacy) {
      EXPECT_FALSE(path.Contains(kA));
      for (size_t x = 0; x < path.clusters.size(); ++x)
        for (size_t y = x + 1; y < path.clusters.size(); ++y) EXPECT_NE(path.clusters[x], path.clusters[y]);
    } else {
      EXPECT_TRUE(path.clusters.empty());
    }
  }
}

}  // namespace
}  // namespace kmirror::replication
