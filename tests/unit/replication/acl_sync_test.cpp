// MM2's topic ACL rules (MirrorSourceConnector.syncTopicAcls / shouldReplicateAcl /
// targetAclBinding, and its MirrorSourceConnectorTest.testAclFiltering and
// testAclTransformation), on kmirror's naming policies and topic filter.
#include "replication/acl_sync.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "kmirror/replication/naming_policy.h"
#include "kmirror/replication/topic_filter.h"

namespace kmirror::kafka {
// Readable failure messages (found by GoogleTest through ADL).
void PrintTo(const AclBinding& b, std::ostream* os) { *os << ToString(b); }
}  // namespace kmirror::kafka

namespace kmirror::replication {
namespace {

using kafka::AclBinding;
using kafka::AclOperation;
using kafka::AclPattern;
using kafka::AclPermission;
using kafka::AclResource;

AclBinding Topic(const std::string& name, AclOperation op, AclPermission perm,
                 const std::string& principal = "User:alice", AclPattern pattern = AclPattern::kLiteral) {
  return {.resource = AclResource::kTopic,
          .name = name,
          .pattern = pattern,
          .principal = principal,
          .host = "*",
          .operation = op,
          .permission = perm};
}

// What TopicSync::Selects asks: MM2's shouldReplicateTopic.
struct TestFlow {
  TestFlow(config::RemoteTopicNaming naming, const std::string& separator, std::vector<std::string> topics = {".*"},
           std::vector<std::string> exclude = {})
      : policy(MakeNamingPolicy(naming, separator)), filter(*TopicFilter::Create(topics, exclude)) {}
  std::vector<AclBinding> Target(const std::vector<AclBinding>& source) const {
    return TargetTopicAcls(
        source,
        [this](const std::string& t) {
          return !policy->IsInternalTopic(t) && (filter->Matches(t) || policy->IsHeartbeatsTopic(t)) &&
                 !policy->IsCycle(t, "B");
        },
        [this](const std::string& t) { return policy->RemoteTopic("A", t); });
  }
  std::unique_ptr<NamingPolicy> policy;
  std::shared_ptr<const TopicFilter> filter;
};

TEST(TargetTopicAcls, AllowWriteIsNotCopiedAllowAllBecomesReadDenyIsCopiedAsItIs) {
  TestFlow flow(config::RemoteTopicNaming::kPrefix, ".");
  auto out = flow.Target({
      Topic("orders", AclOperation::kRead, AclPermission::kAllow),
      Topic("orders", AclOperation::kWrite, AclPermission::kAllow),
      Topic("orders", AclOperation::kAll, AclPermission::kAllow, "User:bob"),
      Topic("orders", AclOperation::kWrite, AclPermission::kDeny, "User:carol"),
      Topic("orders", AclOperation::kAll, AclPermission::kDeny, "User:dave"),
      Topic("orders", AclOperation::kDescribe, AclPermission::kAllow),
  });
  std::vector<AclBinding> want = {
      Topic("A.orders", AclOperation::kRead, AclPermission::kAllow),
      Topic("A.orders", AclOperation::kDescribe, AclPermission::kAllow),
      Topic("A.orders", AclOperation::kRead, AclPermission::kAllow, "User:bob"),
      Topic("A.orders", AclOperation::kWrite, AclPermission::kDeny, "User:carol"),
      Topic("A.orders", AclOperation::kAll, AclPermission::kDeny, "User:dave"),
  };
  std::sort(want.begin(), want.end());
  EXPECT_EQ(out, want);
}

TEST(TargetTopicAcls, OnlyLiteralTopicBindingsOfMirroredTopics) {
  TestFlow flow(config::RemoteTopicNaming::kPrefix, ".", {"orders.*"}, {"orders-secret"});
  AclBinding group = Topic("orders", AclOperation::kRead, AclPermission::kAllow);
  group.resource = AclResource::kGroup;
  auto out = flow.Target({
      Topic("orders", AclOperation::kRead, AclPermission::kAllow, "User:a", AclPattern::kPrefixed),  // MM2: skipped
      Topic("payments", AclOperation::kRead, AclPermission::kAllow),                                 // not mirrored
      Topic("orders-secret", AclOperation::kRead, AclPermission::kAllow),                            // excluded
      Topic("__consumer_offsets", AclOperation::kRead, AclPermission::kAllow),
      Topic("B.orders", AclOperation::kRead, AclPermission::kAllow),  // came from the target: a cycle
      group,
      Topic("orders-eu", AclOperation::kRead, AclPermission::kAllow),
  });
  EXPECT_EQ(out, (std::vector<AclBinding>{Topic("A.orders-eu", AclOperation::kRead, AclPermission::kAllow)}));
}

TEST(TargetTopicAcls, NamesFollowThePolicyIdentityAndCustomSeparators) {
  const std::vector<AclBinding> source = {Topic("orders", AclOperation::kRead, AclPermission::kAllow),
                                          Topic("heartbeats", AclOperation::kRead, AclPermission::kAllow)};
  EXPECT_EQ(TestFlow(config::RemoteTopicNaming::kPrefix, "__").Target(source),
            (std::vector<AclBinding>{Topic("A__heartbeats", AclOperation::kRead, AclPermission::kAllow),
                                     Topic("A__orders", AclOperation::kRead, AclPermission::kAllow)}));
  // Identity keeps names; heartbeats keep their prefix (MM2's IdentityReplicationPolicy).
  EXPECT_EQ(TestFlow(config::RemoteTopicNaming::kIdentity, ".").Target(source),
            (std::vector<AclBinding>{Topic("A.heartbeats", AclOperation::kRead, AclPermission::kAllow),
                                     Topic("orders", AclOperation::kRead, AclPermission::kAllow)}));
}

TEST(TargetTopicAcls, TheLiteralWildcardIsCopiedLikeAnyNameAsMm2Does) {
  // MM2 runs "*" through the topic filter and the policy like a topic name: ".*" matches it.
  const std::vector<AclBinding> source = {Topic("*", AclOperation::kRead, AclPermission::kAllow)};
  EXPECT_EQ(TestFlow(config::RemoteTopicNaming::kPrefix, ".").Target(source),
            (std::vector<AclBinding>{Topic("A.*", AclOperation::kRead, AclPermission::kAllow)}));
  EXPECT_EQ(TestFlow(config::RemoteTopicNaming::kIdentity, ".").Target(source), source);
  EXPECT_TRUE(TestFlow(config::RemoteTopicNaming::kPrefix, ".", {"orders"}).Target(source).empty());
}

TEST(TargetTopicAcls, BindingsThatMeetAreListedOnce) {
  TestFlow flow(config::RemoteTopicNaming::kPrefix, ".");
  auto out = flow.Target(
      {Topic("t", AclOperation::kAll, AclPermission::kAllow), Topic("t", AclOperation::kRead, AclPermission::kAllow)});
  EXPECT_EQ(out, (std::vector<AclBinding>{Topic("A.t", AclOperation::kRead, AclPermission::kAllow)}));
}

TEST(MissingAcls, OnlyWhatTheTargetLacksHostAndPrincipalCount) {
  const AclBinding read = Topic("A.t", AclOperation::kRead, AclPermission::kAllow);
  AclBinding from_host = read;
  from_host.host = "10.0.0.1";
  const AclBinding bob = Topic("A.t", AclOperation::kRead, AclPermission::kAllow, "User:bob");
  EXPECT_EQ(MissingAcls({read, from_host, bob}, {read, Topic("A.t", AclOperation::kWrite, AclPermission::kAllow)}),
            (std::vector<AclBinding>{from_host, bob}));
  EXPECT_TRUE(MissingAcls({read}, {read}).empty());
  EXPECT_TRUE(MissingAcls({}, {read}).empty());
}

TEST(RefusalNotice, SaysEachCauseOnceAndWhenItWorksAgain) {
  RefusalNotice n;
  EXPECT_FALSE(n.Succeeded());
  EXPECT_TRUE(n.Refused("target:FailedPrecondition"));
  EXPECT_FALSE(n.Refused("target:FailedPrecondition"));
  EXPECT_FALSE(n.Refused("target:FailedPrecondition"));
  EXPECT_TRUE(n.Refused("source:FailedPrecondition"));  // another cause
  EXPECT_TRUE(n.Succeeded());
  EXPECT_FALSE(n.Succeeded());
  EXPECT_TRUE(n.Refused("source:FailedPrecondition"));  // refused again after working
}

TEST(AclNames, KafkasSpelling) {
  EXPECT_EQ(kafka::ToString(Topic("t", AclOperation::kIdempotentWrite, AclPermission::kDeny)),
            "DENY User:alice from * IDEMPOTENT_WRITE on TOPIC LITERAL t");
  EXPECT_EQ(kafka::AclOperationName(AclOperation::kDescribeConfigs), "DESCRIBE_CONFIGS");
  EXPECT_EQ(kafka::AclPatternName(AclPattern::kPrefixed), "PREFIXED");
}

}  // namespace
}  // namespace kmirror::replication
