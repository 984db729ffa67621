// The independent checker: given what the test producers wrote (their ledgers and the
// original topics as the origin clusters hold them) and what every cluster holds in the
// topics that should be copies, it reports per copy partition:
//   lost            a stamp that must be in the copy (acknowledged by the origin, or present
//                   in the original topic) is in no partition of the copy;
//   duplicated      copies of a stamp beyond its first;
//   out of order    a stamp whose first copy comes after the first copy of a later stamp of
//                   the same producer and source partition (re-sends after a rewind are
//                   duplicates, not disorder: a consumer that drops repeats sees the
//                   source's order);
//   aborted copied  a stamp its producer wrote in an aborted transaction;
//   misplaced       a stamp from source partition p in another copy partition;
//   unexpected      a stamp of the origin cluster that its original topic never held;
//   corrupt         a stamp header that does not parse, or a value that does not match it;
// and over every topic read, on every cluster:
//   looped          a record on the cluster it came from, other than its original write:
//                   in any topic there that is not an original (`B.A.orders` on A), or a
//                   second time in its original topic (identity naming); the originals are
//                   the topics the ledgers and copy specs name as origins;
//   lost at source  an acknowledged stamp missing from its original topic (the origin
//                   cluster lost it: a harness or broker problem, not the mirror's).
//
// Check() is a pure function of its input (unit-testable with synthetic topics);
// CheckMirror() reads the input from live clusters first.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "support/kafka_client.h"
#include "support/stamp.h"
#include "support/stamped_producer.h"

namespace kmirror::test {

// `copy_cluster`'s `copy_topic` must hold every record of `origin_cluster`'s `origin_topic`.
struct CopySpec {
  std::string origin_cluster{};
  std::string origin_topic{};
  std::string copy_cluster{};
  std::string copy_topic{};
};

struct CheckInput {
  // Every topic read: the originals, the copies and any other topic that might hold loops.
  // A topic may be both an original and a copy (identity naming).
  std::vector<TopicContents> topics{};
  std::vector<CopySpec> copies{};
  std::vector<ProducerLedger> ledgers{};
};

struct PartitionReport {
  std::string cluster{};  // the copy's
  std::string topic{};
  int32_t partition = 0;
  std::string origin{};  // "<cluster>:<topic>" it copies
  int64_t expected = 0;  // stamps of source partition `partition` that must be in the copy
  int64_t records = 0;   // records of the origin in this copy partition
  int64_t lost = 0;
  int64_t duplicated = 0;
  int64_t out_of_order = 0;
  int64_t aborted_copied = 0;
  int64_t misplaced = 0;
  int64_t unexpected = 0;
  int64_t corrupt = 0;
  std::vector<std::string> examples{};  // the first few problems, readable
  // Where the first problem is, as runs of consecutive sequence numbers around it:
  // "p0/0: seq 0..1706 at @0..1706 | p0/0: seq 2707..3707 at @1707..2707 | ...".
  std::string layout{};
};

struct CheckResult {
  std::vector<PartitionReport> partitions{};
  int64_t expected = 0;
  int64_t lost = 0;
  int64_t duplicated = 0;
  int64_t out_of_order = 0;
  int64_t aborted_copied = 0;
  int64_t misplaced = 0;
  int64_t unexpected = 0;
  int64_t corrupt = 0;
  int64_t looped = 0;
  int64_t lost_at_source = 0;
  std::vector<std::string> examples{};  // loops, source losses, missing topics
  std::vector<std::string> errors{};    // topics that could not be read

  // Totals, then one line per copy partition with a problem (and its first examples).
  std::string Summary() const;
};

CheckResult Check(const CheckInput& input);

// The clusters to read, by the name the stamps use.
using NamedCluster = std::pair<std::string, ClientConfig>;

struct MirrorSpec {
  std::vector<NamedCluster> clusters{};
  std::vector<CopySpec> copies{};
  std::vector<ProducerLedger> ledgers{};
  // Besides the originals and copies, every topic of every cluster whose name ends with
  // the name of an original topic (`B.A.orders`, `A.orders` on A, ...) is read, to find
  // loops. Use names no other test of the binary uses (UniqueName()).
  bool scan_for_loops = true;
};

// Reads every topic the spec names (and, with scan_for_loops, the related ones) and checks.
// A copy topic that does not exist counts as empty (all lost); a read error is in `errors`.
CheckResult CheckMirror(const MirrorSpec& spec);

// Waits until the copies hold every record they must (cheap watermark checks first, then
// full checks every few seconds), or `timeout` passes; returns the last full check.
CheckResult WaitForMirror(const MirrorSpec& spec, std::chrono::milliseconds timeout);

// gtest-friendly assertions; each failure message carries the Summary().
::testing::AssertionResult NothingLost(const CheckResult& r);
::testing::AssertionResult NoLoops(const CheckResult& r);
::testing::AssertionResult OrderKept(const CheckResult& r);
::testing::AssertionResult NothingAbortedCopied(const CheckResult& r);
::testing::AssertionResult DuplicatesAtMost(const CheckResult& r, int64_t bound);
// At-least-once delivery: all of the above, nothing misplaced, unexpected or corrupt, no
// read errors, and at most `max_duplicates` duplicates.
::testing::AssertionResult AtLeastOnce(const CheckResult& r, int64_t max_duplicates);

}  // namespace kmirror::test
