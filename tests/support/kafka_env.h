// Kafka clusters shared by all tests of one integration test binary: started (in
// parallel) before the first test, stopped after the last. Declare them once per binary,
// at namespace scope:
//
//   const auto* const kKafka = kmirror::test::KafkaEnv::Register({{.name = "A"}, {.name = "B"}});
//
//   TEST(Mirror, Copies) {
//     auto& a = kmirror::test::KafkaEnv::Cluster("A");
//     ASSERT_TRUE(CreateTopic(a.bootstrap(), "t", 4));
//   }
//
// If a cluster cannot start, the environment's SetUp fails and GoogleTest runs no test (the
// failure message quotes the broker log). After the last test TearDown stops every cluster
// (concurrently) and removes its data directory. GoogleTest calls SetUp and TearDown on the
// main thread; tests call Cluster() from theirs. Tests share the clusters, so each should use its
// own topic and group names (e.g. derived from the test name, see UniqueName()).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "support/kafka_cluster.h"

namespace kmirror::test {

class KafkaEnv : public ::testing::Environment {
 public:
  // Registers the environment with GoogleTest (which owns it). Call once per binary.
  static KafkaEnv* Register(std::vector<KafkaCluster::Options> clusters);
  // A running cluster by name; throws (failing the test) for an unknown name or if the
  // environment did not start.
  static KafkaCluster& Cluster(std::string_view name);

  void SetUp() override;
  void TearDown() override;

 private:
  explicit KafkaEnv(std::vector<KafkaCluster::Options> options) : options_(std::move(options)) {}

  std::vector<KafkaCluster::Options> options_;
  std::vector<std::unique_ptr<KafkaCluster>> clusters_;
};

// "<prefix>-<TestSuite>-<Test>-<n>" with characters Kafka rejects in names replaced: a
// topic or group name no other test (or repetition of this one) uses.
std::string UniqueName(std::string_view prefix = "t");

}  // namespace kmirror::test
