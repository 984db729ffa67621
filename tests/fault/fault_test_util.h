// Shared by the fault tests (tests/fault/*_test.cpp, one binary each): a one-way flow A->B
// of one stamped topic that kmirror can be killed and restarted on (same configuration,
// same index directory), the checker's view of it, and the translation check through
// kmirror's gRPC API. docs/reliability.md lists the scenarios and what each asserts.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "integration/api_test_util.h"
#include "support/faults.h"
#include "support/kafka_cluster.h"
#include "support/kafka_env.h"
#include "support/kmirror_runner.h"
#include "support/stamp_checker.h"
#include "support/stamped_producer.h"
#include "support/translation_checker.h"

namespace kmirror::test {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Small in-flight windows keep the duplicate bound tight (support/faults.h); the default
// (40,000 records per task) would allow more duplicates than these tests send. kTasks is
// FlowConfig's tasks.max.
constexpr int kTasks = 2;
constexpr int64_t kMaxInflightRecords = 2000;

// A stamped topic on A, its copy on B, and how kmirror is started for it. Used from the
// test's thread only; the kmirror processes it starts belong to the caller.
class OneWayFlow {
 public:
  // `target_bootstrap`: how kmirror reaches B (b.bootstrap(), or b.proxied_bootstrap()
  // behind a TcpProxy). `extra`: more configuration lines (later keys win).
  OneWayFlow(KafkaCluster& a, KafkaCluster& b, int partitions, std::string target_bootstrap = {},
             std::vector<std::string> extra = {})
      : a_(a),
        b_(b),
        partitions_(partitions),
        topic_(UniqueName("t")),
        remote_("A." + topic_),
        group_(UniqueName("flow")),
        index_dir_((ScratchRoot() / UniqueName("index")).string()),
        target_bootstrap_(target_bootstrap.empty() ? b.bootstrap() : std::move(target_bootstrap)),
        extra_(std::move(extra)) {}

  const std::string& topic() const { return topic_; }
  const std::string& remote() const { return remote_; }
  const std::string& group() const { return group_; }

  ::testing::AssertionResult CreateSource(const std::map<std::string, std::string>& configs = {}) const {
    return CreateTopic(a_.client(), topic_, partitions_, 1, configs);
  }

  // `node`: for several kmirror processes running the flow together, each with an index of
  // its own.
  std::string Config(const std::string& node = {}) const {
    std::vector<std::string> extra = {
        "task.max.inflight.records = " + std::to_string(kMaxInflightRecords),
        "offsets.index.dir = " + index_dir_ + (node.empty() ? "" : "-" + node),
        "shutdown.timeout.seconds = 30",
        "emit.checkpoints.interval.seconds = 1",
    };
    extra.insert(extra.end(), extra_.begin(), extra_.end());
    // For post-mortems: e.g. KMIRROR_FAULT_EXTRA_CONFIG='A.consumer.debug = cgrp' adds
    // librdkafka's group protocol debug log to every kmirror the fault tests start.
    if (const char* more = std::getenv("KMIRROR_FAULT_EXTRA_CONFIG"); more != nullptr) {
      std::stringstream lines(more);
      for (std::string line; std::getline(lines, line, ';');) extra.push_back(line);
    }
    return FlowConfig("A", a_.bootstrap(), "B", target_bootstrap_, topic_, group_, extra);
  }

  // Starts (or starts again) kmirror on the same configuration and index; `node_extra`
  // lines are appended for this process only (e.g. another B.bootstrap.servers).
  // KMIRROR_FAULT_LOG_LEVEL=debug runs it with --log-level debug (with
  // KMIRROR_FAULT_EXTRA_CONFIG, librdkafka's debug contexts reach its log).
  std::unique_ptr<ChildProcess> StartKmirror(const std::string& node = {},
                                             const std::vector<std::string>& node_extra = {}) {
    const std::string name = "kmirror-" + std::to_string(++starts_) + (node.empty() ? "" : "-" + node);
    const auto path = ScratchRoot() / (UniqueName(name) + ".properties");
    std::string text = Config(node) + "\napi.listen = 127.0.0.1:0\n";
    for (const auto& line : node_extra) text += line + "\n";
    WriteFile(path, text);
    std::vector<std::string> args = {KmirrorBinary(), "run", "--config", path.string()};
    // Every node its own node id, as docs/cluster.md asks: two processes with one id share
    // their static group members' ids and fence each other.
    if (!node.empty()) args.insert(args.end(), {"--node-id", node});
    if (const char* level = std::getenv("KMIRROR_FAULT_LOG_LEVEL"); level != nullptr && *level != '\0') {
      args.insert(args.end(), {"--log-level", level});
    }
    return ChildProcess::Start(args, {.name = name});
  }

  StampedProducerOptions ProducerOptions(double records_per_second, const std::string& id = "p0") const {
    return {.origin = "A",
            .producer_id = id,
            .topic = topic_,
            .partitions = partitions_,
            .records_per_second = records_per_second,
            .value_bytes = 200};
  }

  MirrorSpec Spec(const std::vector<const StampedProducer*>& producers) const {
    MirrorSpec spec{
        .clusters = {{"A", a_.client()}, {"B", b_.client()}},
        .copies = {{.origin_cluster = "A", .origin_topic = topic_, .copy_cluster = "B", .copy_topic = remote_}}};
    for (const auto* p : producers) spec.ledgers.push_back(p->ledger());
    return spec;
  }

  // Records on B's copy now (watermarks), for "mirroring is moving" waits.
  int64_t CopyCount() const { return RecordCount(b_.client(), remote_); }

  // Waits until the copy grew by `more` records past what it holds now.
  ::testing::AssertionResult WaitForProgress(int64_t more, seconds timeout, ChildProcess* km) const {
    return WaitForRecords(b_.client(), remote_, CopyCount() + more, timeout, km);
  }

 private:
  KafkaCluster& a_;
  KafkaCluster& b_;
  int partitions_;
  std::string topic_;
  std::string remote_;
  std::string group_;
  std::string index_dir_;
  std::string target_bootstrap_;
  std::vector<std::string> extra_;
  int starts_ = 0;
};

// Partitions each task of kmirror's flow owns, from its log ("A->B#0: rebalance: assigned 5
// partition(s)", "... giving up 2 partition(s)"): the group's state as kmirror saw it.
inline std::map<int, int> OwnedPartitions(const std::string& log) {
  std::map<int, int> owned;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    const auto hash = line.find("A->B#");
    const auto what = line.find(": rebalance: ");
    if (hash == std::string::npos || what == std::string::npos || what < hash) continue;
    const int task = std::atoi(line.c_str() + hash + 5);
    const std::string rest = line.substr(what + 13);
    if (rest.starts_with("assigned ")) owned[task] += std::atoi(rest.c_str() + 9);
    if (rest.starts_with("giving up ")) owned[task] -= std::atoi(rest.c_str() + 10);
  }
  return owned;
}

// Waits until every one of the process's `tasks` tasks owns partitions: the group's
// rebalances after a start (cooperative: a revoke round, then the assignment round) are over.
inline ::testing::AssertionResult WaitForSettledGroup(ChildProcess& km, seconds timeout, int tasks = kTasks) {
  std::map<int, int> owned;
  if (WaitUntil(
          [&] {
            owned = OwnedPartitions(km.Output());
            int busy = 0;
            for (const auto& [task, n] : owned) busy += n > 0;
            return busy == tasks;
          },
          timeout, milliseconds(100))) {
    return ::testing::AssertionSuccess();
  }
  auto r = ::testing::AssertionFailure() << "the flow's tasks never all owned partitions:";
  for (const auto& [task, n] : owned) r << " #" << task << " " << n;
  return r << "\n" << km.OutputTail(30);
}

// One line per scenario in the test output (and as a test property), so a run's numbers
// can be read without digging through logs.
inline void Report(const std::string& what, const CheckResult& r, std::chrono::steady_clock::time_point start) {
  const auto secs = std::chrono::duration_cast<seconds>(std::chrono::steady_clock::now() - start).count();
  std::cout << "[fault] " << what << ": " << r.Summary() << " (" << secs << " s)\n";
  ::testing::Test::RecordProperty("lost", std::to_string(r.lost));
  ::testing::Test::RecordProperty("duplicated", std::to_string(r.duplicated));
  ::testing::Test::RecordProperty("seconds", std::to_string(secs));
}

// Waits until kmirror's index knows the last record of every partition of `topic` (so a
// translation reflects everything mirrored), then translates `group` through the API and
// judges it by stamps against what the group committed on A.
inline TranslationResult TranslateAndCheck(ApiClient& api, KafkaCluster& a, KafkaCluster& b, const std::string& topic,
                                           const std::string& remote, const std::string& group) {
  TranslationResult failed{.group = group};
  auto source = ReadStampedTopic(a.client(), "A", topic);
  if (!source.ok()) {
    failed.errors.push_back("reading " + topic + ": " + source.error());
    return failed;
  }
  std::map<int32_t, int64_t> last;  // partition -> offset of its last record
  for (const auto& r : source->records) last[r.partition] = r.offset;
  const bool caught_up = WaitUntil(
      [&] {
        for (const auto& [p, offset] : last) {
          v1::OffsetTranslation t;
          if (!api.TranslateOffset(topic, p, offset, &t).ok() || t.kind() != v1::TRANSLATION_KIND_EXACT) return false;
        }
        return true;
      },
      seconds(60), milliseconds(500));
  if (!caught_up) {
    failed.errors.push_back("kmirror's index never knew the last records of " + topic);
    return failed;
  }
  v1::TranslateGroupResponse g;
  grpc::Status s = api.TranslateGroup(group, /*fallback=*/false, &g);
  if (!s.ok()) {
    failed.errors.push_back("TranslateGroup: " + s.error_message());
    return failed;
  }
  std::map<int32_t, int64_t> translated;
  for (const auto& t : g.translations()) translated[t.partition()] = t.target_offset();
  auto committed = CommittedOffsets(a.client(), group, topic);
  auto copy = ReadStampedTopic(b.client(), "B", remote);
  if (!committed.ok() || !copy.ok()) {
    failed.errors.push_back("reading ground truth: " + committed.error() + copy.error());
    return failed;
  }
  TranslationResult r = CheckTranslation(group, *source, *copy, *committed, translated);
  for (const auto& e : g.errors()) r.errors.push_back("[" + std::to_string(e.partition()) + "] " + e.message());
  return r;
}

// Commits `group` on A at `fraction` of each partition's current end: a consumer that has
// read part of the topic.
inline ::testing::AssertionResult ConsumePart(KafkaCluster& a, const std::string& topic, const std::string& group,
                                              int partitions, double fraction) {
  std::map<int32_t, int64_t> offsets;
  for (int p = 0; p < partitions; ++p) {
    auto wm = Watermarks(a.client(), topic, p);
    if (!wm.ok()) return ::testing::AssertionFailure() << wm.error();
    offsets[p] = static_cast<int64_t>(static_cast<double>(wm->high) * fraction);
  }
  return CommitOffsets(a.client(), group, topic, offsets);
}

}  // namespace kmirror::test
