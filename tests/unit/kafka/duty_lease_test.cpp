// The duty lease's decisions (kafka/duty_lease.h) on an injected clock, and the node names
// the cluster view reads back (kafka/node_names.h).
#include "kmirror/kafka/duty_lease.h"

#include <gtest/gtest.h>

#include "kmirror/kafka/node_names.h"

namespace kmirror::kafka {
namespace {

using std::chrono::milliseconds;
using TimePoint = LeaseState::TimePoint;

class LeaseStateTest : public ::testing::Test {
 protected:
  // Session timeout 10 s: ttl 8 s, a proof every 2 s.
  LeaseTiming timing_ = LeaseTiming::ForSessionTimeout(milliseconds(10000));
  LeaseState lease_{timing_};
  TimePoint t0_ = TimePoint() + std::chrono::hours(1);
  TimePoint At(int64_t ms) const { return t0_ + milliseconds(ms); }

  // Sends the due proof at `sent` and answers it at `answered`.
  void Prove(int64_t sent, int64_t answered, bool ok = true) {
    auto id = lease_.ProofDue(At(sent));
    ASSERT_TRUE(id.has_value()) << "a proof is due at " << sent;
    if (ok) {
      lease_.ProofSucceeded(*id, At(answered));
    } else {
      lease_.ProofFailed(*id, At(answered));
    }
  }
};

TEST_F(LeaseStateTest, TimingLeavesAMarginBelowTheSessionTimeout) {
  EXPECT_EQ(timing_.ttl, milliseconds(8000));
  EXPECT_EQ(timing_.proof_every, milliseconds(2000));
}

TEST_F(LeaseStateTest, NothingIsHeldOrProvenWithoutTheAssignment) {
  EXPECT_EQ(lease_.Term(At(0)), 0u);
  EXPECT_FALSE(lease_.ProofDue(At(0)).has_value());
}

TEST_F(LeaseStateTest, AnAssignmentIsHeldOnlyOnceProven) {
  lease_.Assigned();
  EXPECT_EQ(lease_.Term(At(0)), 0u) << "assigned but not proven";
  Prove(0, 50);
  EXPECT_NE(lease_.Term(At(50)), 0u);
}

TEST_F(LeaseStateTest, TheLeaseRunsOutTtlAfterTheLastProofWasSentNotAnswered) {
  lease_.Assigned();
  Prove(0, 3000);  // a slow answer proves only the send time
  EXPECT_NE(lease_.Term(At(7999)), 0u);
  EXPECT_EQ(lease_.Term(At(8000)), 0u);
}

TEST_F(LeaseStateTest, RegularProofsKeepTheSameTerm) {
  lease_.Assigned();
  Prove(0, 10);
  const uint64_t term = lease_.Term(At(10));
  EXPECT_FALSE(lease_.ProofDue(At(1000)).has_value()) << "not due before proof_every";
  for (int64_t t = 2000; t <= 20000; t += 2000) {
    Prove(t, t + 10);
    EXPECT_EQ(lease_.Term(At(t + 10)), term);
  }
}

TEST_F(LeaseStateTest, OneProofInFlightAtATimeAndAStaleAnswerIsIgnored) {
  lease_.Assigned();
  auto first = lease_.ProofDue(At(0));
  ASSERT_TRUE(first);
  EXPECT_FALSE(lease_.ProofDue(At(100)).has_value()) << "one in flight";
  // Never answered: given up after ttl, a new one goes out.
  auto second = lease_.ProofDue(At(8000));
  ASSERT_TRUE(second);
  lease_.ProofSucceeded(*first, At(8001));  // the late answer of the first
  EXPECT_EQ(lease_.Term(At(8001)), 0u);
  lease_.ProofSucceeded(*second, At(8002));
  EXPECT_NE(lease_.Term(At(8002)), 0u);
}

// SIGSTOP for longer than the session timeout: the coordinator gave the partition to another
// node. On SIGCONT the lease has run out before any callback says so.
TEST_F(LeaseStateTest, AZombieThatResumesHoldsNothing) {
  lease_.Assigned();
  Prove(0, 10);
  EXPECT_NE(lease_.Term(At(1000)), 0u);
  // Paused from 1 s to 30 s; its first look at the clock after resuming:
  EXPECT_EQ(lease_.Term(At(30000)), 0u);
  // A proof now would be refused by the coordinator (not a member any more).
  Prove(30000, 30010, /*ok=*/false);
  EXPECT_EQ(lease_.Term(At(30010)), 0u);
  lease_.Revoked();  // librdkafka reports the assignment lost
  EXPECT_EQ(lease_.Term(At(30020)), 0u);
}

TEST_F(LeaseStateTest, AFailedProofIsRetriedAfterHalfTheProofInterval) {
  lease_.Assigned();
  Prove(0, 10, /*ok=*/false);
  EXPECT_FALSE(lease_.ProofDue(At(500)).has_value());
  EXPECT_TRUE(lease_.ProofDue(At(1010)).has_value());
}

TEST_F(LeaseStateTest, EveryNewHoldingHasANewTerm) {
  lease_.Assigned();
  Prove(0, 10);
  const uint64_t first = lease_.Term(At(10));
  lease_.Revoked();
  EXPECT_EQ(lease_.Term(At(20)), 0u);
  lease_.Assigned();
  Prove(100, 110);
  const uint64_t second = lease_.Term(At(110));
  EXPECT_NE(second, 0u);
  EXPECT_NE(second, first);
  // Proofs failing past the ttl while still assigned (coordinator unreachable), then again:
  Prove(2100, 2110, /*ok=*/false);
  Prove(3200, 3210, /*ok=*/false);
  EXPECT_EQ(lease_.Term(At(8200)), 0u);
  Prove(9000, 9010);
  const uint64_t third = lease_.Term(At(9010));
  EXPECT_NE(third, 0u);
  EXPECT_NE(third, second) << "another node may have acted meanwhile";
}

TEST_F(LeaseStateTest, ARevocationDropsTheProofInFlight) {
  lease_.Assigned();
  auto id = lease_.ProofDue(At(0));
  ASSERT_TRUE(id);
  lease_.Revoked();
  lease_.ProofSucceeded(*id, At(10));
  EXPECT_EQ(lease_.Term(At(10)), 0u);
}

// The node is node.id (or --node-id / KMIRROR_NODE_ID).
TEST(NodeNamesTest, ClientAndMemberIdsCarryTheNode) {
  EXPECT_EQ(NodeClientId("kmirror-A->B#0-consumer", "n1"), "kmirror-A->B#0-consumer@n1");
  EXPECT_EQ(NodeOfClientId("kmirror-A->B#0-consumer@n1"), "n1");
  EXPECT_FALSE(NodeOfClientId("rdkafka").has_value());
  EXPECT_FALSE(NodeOfClientId("kmirror-A->B#0-consumer").has_value());

  const std::string member = StaticMemberId("dc1.n-2", "A", "B", 3);
  EXPECT_EQ(member, "kmirror.dc1.n-2.A-B.3");
  EXPECT_EQ(NodeOfStaticMemberId(member, "A", "B"), "dc1.n-2");
  EXPECT_EQ(NodeOfStaticMemberId(StaticMemberId("n1", "A", "B", kDutiesMember), "A", "B"), "n1");
  EXPECT_FALSE(NodeOfStaticMemberId(member, "A", "C").has_value());
  EXPECT_FALSE(NodeOfStaticMemberId("", "A", "B").has_value());
  // Kafka's rule for group.instance.id: ASCII letters, digits, '.', '_', '-'.
  for (char c : member) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_');

  EXPECT_EQ(DutyGroupId("kmirror-A-B"), "kmirror-A-B.duties");
  EXPECT_EQ(DutyTopic("A"), "kmirror-duties.A.internal");
}

}  // namespace
}  // namespace kmirror::kafka
