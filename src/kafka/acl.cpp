#include "kmirror/kafka/acl.h"

namespace kmirror::kafka {

std::string_view AclResourceName(AclResource r) {
  switch (r) {
    case AclResource::kTopic:
      return "TOPIC";
    case AclResource::kGroup:
      return "GROUP";
    case AclResource::kCluster:
      return "CLUSTER";
    case AclResource::kUnknown:
      break;
  }
  return "UNKNOWN";
}

std::string_view AclPatternName(AclPattern p) {
  switch (p) {
    case AclPattern::kLiteral:
      return "LITERAL";
    case AclPattern::kPrefixed:
      return "PREFIXED";
    case AclPattern::kUnknown:
      break;
  }
  return "UNKNOWN";
}

std::string_view AclOperationName(AclOperation o) {
  switch (o) {
    case AclOperation::kAll:
      return "ALL";
    case AclOperation::kRead:
      return "READ";
    case AclOperation::kWrite:
      return "WRITE";
    case AclOperation::kCreate:
      return "CREATE";
    case AclOperation::kDelete:
      return "DELETE";
    case AclOperation::kAlter:
      return "ALTER";
    case AclOperation::kDescribe:
      return "DESCRIBE";
    case AclOperation::kClusterAction:
      return "CLUSTER_ACTION";
    case AclOperation::kDescribeConfigs:
      return "DESCRIBE_CONFIGS";
    case AclOperation::kAlterConfigs:
      return "ALTER_CONFIGS";
    case AclOperation::kIdempotentWrite:
      return "IDEMPOTENT_WRITE";
    case AclOperation::kUnknown:
      break;
  }
  return "UNKNOWN";
}

std::string_view AclPermissionName(AclPermission p) {
  switch (p) {
    case AclPermission::kAllow:
      return "ALLOW";
    case AclPermission::kDeny:
      return "DENY";
    case AclPermission::kUnknown:
      break;
  }
  return "UNKNOWN";
}

std::string ToString(const AclBinding& b) {
  std::string out(AclPermissionName(b.permission));
  out += " " + b.principal + " from " + b.host + " ";
  out += AclOperationName(b.operation);
  out += " on ";
  out += AclResourceName(b.resource);
  out += " ";
  out += AclPatternName(b.pattern);
  out += " " + b.name;
  return out;
}

}  // namespace kmirror::kafka
