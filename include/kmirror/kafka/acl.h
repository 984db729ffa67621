// ACL bindings (KIP-140) as plain values: what Admin::DescribeTopicAcls returns and
// Admin::CreateAcls takes (admin.h), and what the flows' ACL sync computes with
// (replication/acl_sync.h) without Kafka. No state, no threads.
#pragma once

#include <compare>
#include <string>
#include <string_view>

namespace kmirror::kafka {

enum class AclResource { kUnknown, kTopic, kGroup, kCluster };
enum class AclPattern { kUnknown, kLiteral, kPrefixed };
enum class AclOperation {
  kUnknown,
  kAll,
  kRead,
  kWrite,
  kCreate,
  kDelete,
  kAlter,
  kDescribe,
  kClusterAction,
  kDescribeConfigs,
  kAlterConfigs,
  kIdempotentWrite,
};
enum class AclPermission { kUnknown, kDeny, kAllow };

// One binding: `permission` for `principal` ("User:alice") from `host` ("*" = any) to do
// `operation` on the resources `pattern` selects (LITERAL: the one named `name`, or every
// one for "*"; PREFIXED: every name starting with `name`).
struct AclBinding {
  AclResource resource = AclResource::kUnknown;
  std::string name;
  AclPattern pattern = AclPattern::kUnknown;
  std::string principal;
  std::string host = "*";
  AclOperation operation = AclOperation::kUnknown;
  AclPermission permission = AclPermission::kUnknown;

  auto operator<=>(const AclBinding&) const = default;
};

// Kafka's names: "TOPIC", "LITERAL", "READ", "ALLOW", ...
std::string_view AclResourceName(AclResource r);
std::string_view AclPatternName(AclPattern p);
std::string_view AclOperationName(AclOperation o);
std::string_view AclPermissionName(AclPermission p);
// "ALLOW User:alice from * READ on TOPIC LITERAL orders", for logs and test messages.
std::string ToString(const AclBinding& b);

}  // namespace kmirror::kafka
