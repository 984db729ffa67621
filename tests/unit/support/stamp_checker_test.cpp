// The fault harness's checkers on synthetic topics, no brokers: each must report the
// defect it exists for (lost, duplicated, reordered, looped, aborted copied, skipped on
// failover) and stay quiet on a clean copy. A checker that cannot fail proves nothing.
#include <gtest/gtest.h>

#include "support/stamp_checker.h"
#include "support/translation_checker.h"

namespace kmirror::test {
namespace {

Stamp S(const std::string& origin, int32_t partition, int64_t seq, const std::string& producer = "p0") {
  return Stamp{origin, producer, partition, seq};
}

// A topic whose partition `p` holds the given stamps at offsets 0, 1, 2... (a gap before
// each entry of `skip_before`, as markers or aborted records leave on a source).
TopicContents Topic(const std::string& cluster, const std::string& topic,
                    const std::map<int32_t, std::vector<Stamp>>& partitions) {
  TopicContents t{.cluster = cluster, .topic = topic};
  for (const auto& [p, stamps] : partitions) {
    int64_t offset = 0;
    for (const auto& s : stamps) t.records.push_back({.partition = p, .offset = offset++, .stamp = s});
  }
  return t;
}

std::vector<Stamp> Seqs(const std::string& origin, int32_t partition, std::initializer_list<int64_t> seqs) {
  std::vector<Stamp> out;
  for (int64_t s : seqs) out.push_back(S(origin, partition, s));
  return out;
}

ProducerLedger Ledger(const std::string& origin, const std::string& topic,
                      std::map<int32_t, std::vector<int64_t>> acknowledged,
                      std::map<int32_t, std::vector<int64_t>> aborted = {}) {
  ProducerLedger l{.origin = origin, .producer = "p0", .topic = topic};
  l.acknowledged = std::move(acknowledged);
  l.aborted = std::move(aborted);
  return l;
}

const CopySpec kAtoB{.origin_cluster = "A", .origin_topic = "orders", .copy_cluster = "B", .copy_topic = "A.orders"};

CheckResult CheckOneWay(const std::map<int32_t, std::vector<Stamp>>& copy, std::vector<TopicContents> extra = {}) {
  CheckInput in;
  in.topics.push_back(Topic("A", "orders", {{0, Seqs("A", 0, {0, 1, 2, 3, 4})}, {1, Seqs("A", 1, {0, 1, 2})}}));
  in.topics.push_back(Topic("B", "A.orders", copy));
  for (auto& t : extra) in.topics.push_back(std::move(t));
  in.copies = {kAtoB};
  in.ledgers = {Ledger("A", "orders", {{0, {0, 1, 2, 3, 4}}, {1, {0, 1, 2}}})};
  return Check(in);
}

TEST(StampTest, RoundTripsAndRejectsAnythingElse) {
  const Stamp s = S("A", 3, 12345, "load-1");
  EXPECT_EQ(s.ToString(), "A/load-1/3/12345");
  EXPECT_EQ(Stamp::Parse(s.ToString()), s);
  for (const char* bad : {"", "A/p/1", "A/p/1/x", "A/p/-1/2", "/p/1/2", "A//1/2", "A/p/1/2/3", "A/p/1/2 "}) {
    EXPECT_FALSE(Stamp::Parse(bad).has_value()) << bad;
  }
  EXPECT_TRUE(StampedValue(s, 100).starts_with("A/load-1/3/12345|"));
  EXPECT_EQ(StampedValue(s, 100).size(), 100u);
}

TEST(StampTest, ACopyWhoseValueDisagreesWithItsStampIsCorrupt) {
  ConsumedRecord r{.partition = 1,
                   .offset = 7,
                   .value = StampedValue(S("A", 1, 5), 40),
                   .headers = {{std::string(kStampHeader), S("A", 1, 5).ToString()}}};
  EXPECT_FALSE(ToStamped(r).corrupt);
  EXPECT_EQ(ToStamped(r).stamp, S("A", 1, 5));
  r.value = StampedValue(S("A", 1, 6), 40);
  EXPECT_TRUE(ToStamped(r).corrupt);
  r.headers = {{std::string(kStampHeader), "garbage"}};
  EXPECT_TRUE(ToStamped(r).corrupt);
  r.headers = {{"other", "x"}};
  EXPECT_FALSE(ToStamped(r).stamp.has_value());
  EXPECT_FALSE(ToStamped(r).corrupt) << "another writer's record is not corrupt";
}

TEST(StampCheckerTest, AnExactCopyIsClean) {
  auto r = CheckOneWay({{0, Seqs("A", 0, {0, 1, 2, 3, 4})}, {1, Seqs("A", 1, {0, 1, 2})}});
  EXPECT_TRUE(AtLeastOnce(r, 0)) << r.Summary();
  EXPECT_EQ(r.expected, 8);
  EXPECT_EQ(r.partitions.size(), 2u);
}

TEST(StampCheckerTest, ReportsALostRecord) {
  auto r = CheckOneWay({{0, Seqs("A", 0, {0, 1, 3, 4})}, {1, Seqs("A", 1, {0, 1, 2})}});
  EXPECT_EQ(r.lost, 1);
  EXPECT_FALSE(NothingLost(r));
  EXPECT_FALSE(AtLeastOnce(r, 100));
  EXPECT_NE(r.Summary().find("first seq 2"), std::string::npos) << r.Summary();
  EXPECT_TRUE(OrderKept(r)) << "a hole is not disorder";
}

TEST(StampCheckerTest, AMissingCopyTopicLosesEverything) {
  CheckInput in;
  in.topics.push_back(Topic("A", "orders", {{0, Seqs("A", 0, {0, 1, 2})}}));
  in.copies = {kAtoB};
  auto r = Check(in);
  EXPECT_EQ(r.lost, 3);
}

TEST(StampCheckerTest, AnAcknowledgedRecordMissingFromTheSourceIsLostTwice) {
  CheckInput in;
  in.topics.push_back(Topic("A", "orders", {{0, Seqs("A", 0, {0, 1})}}));
  in.topics.push_back(Topic("B", "A.orders", {{0, Seqs("A", 0, {0, 1})}}));
  in.copies = {kAtoB};
  in.ledgers = {Ledger("A", "orders", {{0, {0, 1, 2}}})};
  auto r = Check(in);
  EXPECT_EQ(r.lost_at_source, 1);
  EXPECT_EQ(r.lost, 1);
  EXPECT_FALSE(NothingLost(r));
}

TEST(StampCheckerTest, CountsDuplicatesOfARewindWithoutCallingThemDisorder) {
  // A rewind re-sent 2, 3, 4 of partition 0 and a second one 1, 2 of partition 1.
  auto r = CheckOneWay({{0, Seqs("A", 0, {0, 1, 2, 3, 4, 2, 3, 4})}, {1, Seqs("A", 1, {0, 1, 2, 1, 2})}});
  EXPECT_EQ(r.duplicated, 5);
  EXPECT_TRUE(OrderKept(r)) << r.Summary();
  EXPECT_TRUE(NothingLost(r));
  EXPECT_TRUE(AtLeastOnce(r, 5));
  EXPECT_FALSE(DuplicatesAtMost(r, 4));
  EXPECT_FALSE(AtLeastOnce(r, 4));
}

TEST(StampCheckerTest, ReportsAReorder) {
  // 3 first arrives after 4: a consumer that drops repeats still sees 4 before 3.
  auto r = CheckOneWay({{0, Seqs("A", 0, {0, 1, 2, 4, 3})}, {1, Seqs("A", 1, {0, 1, 2})}});
  EXPECT_EQ(r.out_of_order, 1);
  EXPECT_FALSE(OrderKept(r));
  EXPECT_TRUE(NothingLost(r));
  EXPECT_FALSE(AtLeastOnce(r, 100));
  // The summary shows the copy's layout around it, as runs of consecutive records.
  ASSERT_EQ(r.partitions.size(), 2u);
  EXPECT_EQ(r.partitions[0].layout, "p0/0: seq 0..2 at @0..2 | p0/0: seq 4..4 at @3..3 | p0/0: seq 3..3 at @4..4");
  EXPECT_EQ(r.partitions[1].layout, "") << "a clean partition has no layout";
}

TEST(StampCheckerTest, ReportsARecordInTheWrongPartition) {
  auto r = CheckOneWay({{0, Seqs("A", 0, {0, 1, 2, 3, 4})}, {1, Seqs("A", 1, {0, 1})}, {2, Seqs("A", 1, {2})}});
  EXPECT_EQ(r.misplaced, 1);
  EXPECT_FALSE(OrderKept(r));
}

TEST(StampCheckerTest, IgnoresOtherWritersButReportsStampsTheSourceNeverHeld) {
  std::map<int32_t, std::vector<Stamp>> copy = {{0, Seqs("A", 0, {0, 1, 2, 3, 4})}, {1, Seqs("A", 1, {0, 1, 2})}};
  copy[0].push_back(S("C", 0, 0));  // a record another writer put on B
  auto clean = CheckOneWay(copy);
  EXPECT_TRUE(AtLeastOnce(clean, 0)) << clean.Summary();
  copy[1].push_back(S("A", 1, 99));  // from A, but not from A's orders
  auto r = CheckOneWay(copy);
  EXPECT_EQ(r.unexpected, 1);
  EXPECT_FALSE(AtLeastOnce(r, 100));
}

TEST(StampCheckerTest, ReportsALoopInARemoteTopicBackOnTheOrigin) {
  // Two-way with prefixes: A's records came back to A as B.A.orders.
  auto r = CheckOneWay({{0, Seqs("A", 0, {0, 1, 2, 3, 4})}, {1, Seqs("A", 1, {0, 1, 2})}},
                       {Topic("A", "B.A.orders", {{0, Seqs("A", 0, {0, 1})}})});
  EXPECT_EQ(r.looped, 2);
  EXPECT_FALSE(NoLoops(r));
  EXPECT_FALSE(AtLeastOnce(r, 100));
  EXPECT_NE(r.Summary().find("B.A.orders"), std::string::npos) << r.Summary();
}

TEST(StampCheckerTest, ReportsALoopIntoTheOriginalTopicWithIdentityNaming) {
  // Identity naming both ways: "orders" on each cluster holds its own records and a copy
  // of the other's. One of A's records came back into A's orders.
  CheckInput in;
  std::vector<Stamp> a = Seqs("A", 0, {0, 1, 2});
  std::vector<Stamp> b = Seqs("B", 0, {0, 1});
  std::vector<Stamp> on_a = a;
  on_a.insert(on_a.end(), b.begin(), b.end());
  std::vector<Stamp> on_b = b;
  on_b.insert(on_b.end(), a.begin(), a.end());
  in.copies = {{.origin_cluster = "A", .origin_topic = "orders", .copy_cluster = "B", .copy_topic = "orders"},
               {.origin_cluster = "B", .origin_topic = "orders", .copy_cluster = "A", .copy_topic = "orders"}};
  in.topics = {Topic("A", "orders", {{0, on_a}}), Topic("B", "orders", {{0, on_b}})};
  auto clean = Check(in);
  EXPECT_TRUE(AtLeastOnce(clean, 0)) << clean.Summary();
  EXPECT_EQ(clean.expected, 5);

  on_a.push_back(S("A", 0, 1));
  in.topics = {Topic("A", "orders", {{0, on_a}}), Topic("B", "orders", {{0, on_b}})};
  auto r = Check(in);
  EXPECT_EQ(r.looped, 1);
  EXPECT_FALSE(NoLoops(r));
}

TEST(StampCheckerTest, ReportsARecordOfAnAbortedTransactionInTheCopy) {
  // The source (read_committed) holds 0, 1, 4, 5; 2 and 3 were aborted.
  CheckInput in;
  in.topics.push_back(Topic("A", "orders", {{0, Seqs("A", 0, {0, 1, 4, 5})}}));
  in.copies = {kAtoB};
  in.ledgers = {Ledger("A", "orders", {{0, {0, 1, 4, 5}}}, {{0, {2, 3}}})};
  in.topics.push_back(Topic("B", "A.orders", {{0, Seqs("A", 0, {0, 1, 4, 5})}}));
  auto clean = Check(in);
  EXPECT_TRUE(AtLeastOnce(clean, 0)) << clean.Summary();

  in.topics.back() = Topic("B", "A.orders", {{0, Seqs("A", 0, {0, 1, 2, 4, 5})}});
  auto r = Check(in);
  EXPECT_EQ(r.aborted_copied, 1);
  EXPECT_FALSE(NothingAbortedCopied(r));
  EXPECT_FALSE(AtLeastOnce(r, 100));
  EXPECT_EQ(r.unexpected, 0) << "an aborted stamp is reported as such, not as unexpected";
}

TEST(StampCheckerTest, ReportsCorruptCopies) {
  CheckInput in;
  in.topics.push_back(Topic("A", "orders", {{0, Seqs("A", 0, {0})}}));
  TopicContents copy = Topic("B", "A.orders", {{0, Seqs("A", 0, {0})}});
  copy.records.push_back({.partition = 0, .offset = 1, .stamp = S("A", 0, 0), .corrupt = true});
  in.topics.push_back(copy);
  in.copies = {kAtoB};
  auto r = Check(in);
  EXPECT_EQ(r.corrupt, 1);
  EXPECT_FALSE(AtLeastOnce(r, 100));
}

TEST(StampCheckerTest, NothingToCheckIsAFailure) {
  CheckInput in;
  in.copies = {kAtoB};
  in.topics = {Topic("A", "orders", {}), Topic("B", "A.orders", {})};
  EXPECT_FALSE(AtLeastOnce(Check(in), 0)) << "a test that mirrored nothing must not pass";
}

// ---- Translation -------------------------------------------------------------------------

// Source partition 0: stamps 0..9 at offsets 0..9. Copy: 3 foreign records, then 0..9 at
// offsets 3..12.
struct TranslationFixture {
  TopicContents source = Topic("A", "orders", {{0, Seqs("A", 0, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9})}});
  TopicContents copy = [] {
    std::vector<Stamp> stamps = Seqs("X", 0, {0, 1, 2});
    for (int64_t i = 0; i < 10; ++i) stamps.push_back(S("A", 0, i));
    return Topic("B", "A.orders", {{0, stamps}});
  }();
};

TEST(TranslationCheckerTest, AnExactTranslationSkipsAndRereadsNothing) {
  TranslationFixture f;
  auto r = CheckTranslation("g", f.source, f.copy, {{0, 4}}, {{0, 7}});
  EXPECT_TRUE(NothingSkipped(r)) << r.Summary();
  EXPECT_TRUE(RereadAtMost(r, 0)) << r.Summary();
  ASSERT_EQ(r.partitions.size(), 1u);
  EXPECT_EQ(r.partitions[0].exact, 7);
}

TEST(TranslationCheckerTest, ReportsSkippedRecordsWhenTheTranslationIsAhead) {
  TranslationFixture f;
  auto r = CheckTranslation("g", f.source, f.copy, {{0, 4}}, {{0, 9}});  // exact is 7
  EXPECT_EQ(r.skipped, 2);
  EXPECT_FALSE(NothingSkipped(r));
  EXPECT_NE(r.Summary().find("A/p0/0/4"), std::string::npos) << r.Summary();
}

TEST(TranslationCheckerTest, CountsRereadRecordsWhenTheTranslationIsBehind) {
  TranslationFixture f;
  auto r = CheckTranslation("g", f.source, f.copy, {{0, 4}}, {{0, 5}});
  EXPECT_TRUE(NothingSkipped(r)) << r.Summary();
  EXPECT_EQ(r.reread, 2);
  EXPECT_FALSE(RereadAtMost(r, 1));
}

TEST(TranslationCheckerTest, ARecordCopiedAgainLaterIsNotSkipped) {
  // The copy holds 4 twice (a rewind re-sent it after 9): a consumer starting past the
  // first copy still reads it.
  TranslationFixture f;
  f.copy.records.push_back({.partition = 0, .offset = 13, .stamp = S("A", 0, 4)});
  auto r = CheckTranslation("g", f.source, f.copy, {{0, 4}}, {{0, 8}});
  EXPECT_TRUE(NothingSkipped(r)) << r.Summary();
}

TEST(TranslationCheckerTest, AGroupAtTheEndAndMissingTranslations) {
  TranslationFixture f;
  auto end = CheckTranslation("g", f.source, f.copy, {{0, 10}}, {{0, 13}});
  EXPECT_TRUE(NothingSkipped(end)) << end.Summary();
  EXPECT_FALSE(end.partitions[0].exact.has_value());
  auto missing = CheckTranslation("g", f.source, f.copy, {{0, 4}}, {});
  EXPECT_FALSE(NothingSkipped(missing));
  // Unread records not mirrored yet are not judged as skips, but the check is not done.
  TopicContents partial = Topic("B", "A.orders", {{0, Seqs("A", 0, {0, 1, 2, 3, 4})}});
  auto early = CheckTranslation("g", f.source, partial, {{0, 4}}, {{0, 4}});
  EXPECT_EQ(early.unmirrored, 5);
  EXPECT_EQ(early.skipped, 0);
  EXPECT_FALSE(NothingSkipped(early));
}

}  // namespace
}  // namespace kmirror::test
