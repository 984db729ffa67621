// Admin: the cluster-management calls a flow needs (metadata, topic creation, partition
// growth, topic configs, topic ACLs). Every call blocks the calling thread up to its timeout; the
// class holds no state besides the handle, so any single thread may own and use it.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "kmirror/common/status.h"
#include "kmirror/kafka/acl.h"
#include "kmirror/kafka/client.h"

namespace kmirror::kafka {

struct TopicInfo {
  std::string name;
  int partitions = 0;
};

struct ClusterInfo {
  std::string cluster_id;
  int brokers = 0;
  std::vector<TopicInfo> topics;
};

struct NewTopic {
  std::string name;
  int partitions = 1;
  int replication_factor = -1;  // -1: the broker's default.replication.factor
  std::map<std::string, std::string> configs;
};

class Admin {
 public:
  static Result<std::unique_ptr<Admin>> Create(const ClientProps& props, const std::string& name);

  // All topics (internal ones included) with their partition counts, and the cluster id.
  Result<ClusterInfo> Describe(std::chrono::milliseconds timeout);
  // kAlreadyExists when the topic is there.
  Status CreateTopic(const NewTopic& topic, std::chrono::milliseconds timeout);
  // Grows `topic` to `total` partitions.
  Status CreatePartitions(const std::string& topic, int total, std::chrono::milliseconds timeout);
  // The topic's explicitly set (non-default) configs; sensitive values are left out.
  Result<std::map<std::string, std::string>> DescribeTopicOverrides(const std::string& topic,
                                                                    std::chrono::milliseconds timeout);
  // The effective value of config `name` (whatever its source: the topic's own, the
  // broker's, the default) for each of `topics`, in one request. A topic the cluster does
  // not know, or whose value it does not report, is left out.
  Result<std::map<std::string, std::string>> DescribeTopicsConfig(const std::vector<std::string>& topics,
                                                                  const std::string& name,
                                                                  std::chrono::milliseconds timeout);
  // Replaces the topic's explicitly set configs with `configs` (librdkafka 2.0 has no
  // incremental variant: pass every override the topic should keep).
  Status ReplaceTopicOverrides(const std::string& topic, const std::map<std::string, std::string>& configs,
                               std::chrono::milliseconds timeout);

  // Every ACL binding whose resource is a topic (any name, LITERAL and PREFIXED). A cluster
  // without an authorizer answers SECURITY_DISABLED, a principal that may not describe ACLs
  // CLUSTER_AUTHORIZATION_FAILED: both kFailedPrecondition, not retriable.
  Result<std::vector<AclBinding>> DescribeTopicAcls(std::chrono::milliseconds timeout);
  // Creates `bindings` in one request (a binding that exists already is a no-op for the
  // broker). Fails with the first binding's error and how many of them were refused.
  Status CreateAcls(const std::vector<AclBinding>& bindings, std::chrono::milliseconds timeout);

 private:
  Admin() = default;
  // Runs an admin request that delivers one event on a private queue; returns the event.
  template <typename Issue>
  Result<EventPtr> Call(Issue&& issue, rd_kafka_event_type_t expected, std::chrono::milliseconds timeout);

  HandlePtr rk_;
  std::string name_;
};

}  // namespace kmirror::kafka
