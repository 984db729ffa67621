// Test-side admin client: the cluster's brokers, topics (create, delete, grow, configs,
// list), record deletion and topic ACLs, on raw librdkafka (see support/kafka_client.h for why).
//
// Every call opens its own short-lived client and waits for its result: any thread may call
// any function, concurrently. Operations that change the cluster wait until metadata shows
// the change, so the next step of a test can rely on it.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "support/client_config.h"

namespace kmirror::test {

// ---- Cluster ---------------------------------------------------------------------------

// Node ids of the live (registered, unfenced) brokers, from a metadata request.
Outcome<std::vector<int32_t>> BrokerIds(const ClientConfig& client,
                                        std::chrono::milliseconds timeout = std::chrono::seconds(5));

// ---- Topics ---------------------------------------------------------------------------

// Creates a topic and waits until every partition has a leader, so producing to it right
// away works.
::testing::AssertionResult CreateTopic(const ClientConfig& client, const std::string& topic, int partitions,
                                       int replication_factor = 1,
                                       const std::map<std::string, std::string>& configs = {});
// Deletes a topic and waits until metadata no longer lists it.
::testing::AssertionResult DeleteTopic(const ClientConfig& client, const std::string& topic);
// Grows a topic to `total_partitions` and waits until metadata shows them.
::testing::AssertionResult CreatePartitions(const ClientConfig& client, const std::string& topic, int total_partitions);
// Sets (value) or removes (nullopt) topic config overrides, keeping the others. librdkafka
// 2.0.2 has no IncrementalAlterConfigs, so this reads the overrides and writes the merged set.
::testing::AssertionResult AlterTopicConfigs(const ClientConfig& client, const std::string& topic,
                                             const std::map<std::string, std::optional<std::string>>& changes);

// Sorted topic names; internal topics (__consumer_offsets, ...) only if asked for.
Outcome<std::vector<std::string>> ListTopics(const ClientConfig& client, bool include_internal = false);
// Fails if the topic does not exist.
Outcome<int> PartitionCount(const ClientConfig& client, const std::string& topic);
// The topic's overrides: configs whose source is DYNAMIC_TOPIC_CONFIG.
Outcome<std::map<std::string, std::string>> DescribeTopicConfigs(const ClientConfig& client, const std::string& topic);

// ---- Records --------------------------------------------------------------------------

// Deletes records before `before_offset` (the new low watermark).
::testing::AssertionResult DeleteRecords(const ClientConfig& client, const std::string& topic, int32_t partition,
                                         int64_t before_offset);

// ---- ACLs -----------------------------------------------------------------------------

// A topic ACL binding in Kafka's words (kafka-acls.sh's): pattern "LITERAL" / "PREFIXED",
// operation "READ", "WRITE", "ALL", ..., permission "ALLOW" / "DENY".
struct TopicAcl {
  std::string pattern = "LITERAL";
  std::string name;
  std::string principal;  // "User:alice"
  std::string host = "*";
  std::string operation;
  std::string permission = "ALLOW";
  auto operator<=>(const TopicAcl&) const = default;
};
// "ALLOW User:alice from * READ on LITERAL t"
std::string ToString(const TopicAcl& acl);
void PrintTo(const TopicAcl& acl, std::ostream* os);

// Creates the bindings in one request; fails on the first refused one.
::testing::AssertionResult CreateTopicAcls(const ClientConfig& client, const std::vector<TopicAcl>& acls);
// Every binding on topics, sorted.
Outcome<std::vector<TopicAcl>> DescribeTopicAcls(const ClientConfig& client);

}  // namespace kmirror::test
