#include "support/kafka_env.h"

#include <atomic>
#include <chrono>
#include <future>
#include <iostream>
#include <stdexcept>

namespace kmirror::test {
namespace {
KafkaEnv* g_env = nullptr;
}

KafkaEnv* KafkaEnv::Register(std::vector<KafkaCluster::Options> clusters) {
  if (g_env != nullptr) throw std::logic_error("KafkaEnv::Register called twice");
  g_env = new KafkaEnv(std::move(clusters));
  ::testing::AddGlobalTestEnvironment(g_env);  // GoogleTest deletes it at exit
  return g_env;
}

KafkaCluster& KafkaEnv::Cluster(std::string_view name) {
  if (g_env == nullptr) throw std::logic_error("KafkaEnv::Register was not called in this binary");
  for (auto& c : g_env->clusters_) {
    if (c->name() == name) return *c;
  }
  throw std::invalid_argument("no Kafka cluster named '" + std::string(name) +
                              "' (not registered, or the environment failed to start)");
}

void KafkaEnv::SetUp() {
  const auto start = std::chrono::steady_clock::now();
  try {
    clusters_ = KafkaCluster::StartAll(options_);
  } catch (const std::exception& e) {
    // A fatal failure in a global SetUp makes GoogleTest skip every test.
    GTEST_FAIL() << "starting Kafka clusters failed:\n" << e.what();
  }
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  std::string summary;
  for (const auto& c : clusters_) summary += " " + c->name() + "=" + c->bootstrap();
  std::cerr << "[kafka] started " << clusters_.size() << " cluster(s) in " << ms << " ms:" << summary << "\n";
}

void KafkaEnv::TearDown() {
  // Stop concurrently: each controlled shutdown takes about a second.
  std::vector<std::future<void>> stopped;
  for (auto& c : clusters_) {
    stopped.push_back(std::async(std::launch::async, [&c] { c->Stop(); }));
  }
  for (auto& f : stopped) f.get();
  clusters_.clear();  // removes the data directories
}

std::string UniqueName(std::string_view prefix) {
  static std::atomic<int> counter{0};
  std::string name(prefix);
  if (const auto* info = ::testing::UnitTest::GetInstance()->current_test_info(); info != nullptr) {
    name += std::string("-") + info->test_suite_name() + "-" + info->name();
  }
  name += "-" + std::to_string(++counter);
  // Legal topic characters: [a-zA-Z0-9._-]; parameterized test names contain '/'.
  for (char& ch : name) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
                    ch == '_' || ch == '-';
    if (!ok) ch = '_';
  }
  return name.substr(0, 200);
}

}  // namespace kmirror::test
