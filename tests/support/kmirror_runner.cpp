#include "support/kmirror_runner.h"

#include <atomic>

namespace kmirror::test {

std::string FlowConfig(const std::string& source, const std::string& source_bootstrap, const std::string& target,
                       const std::string& target_bootstrap, const std::string& topics, const std::string& group,
                       const std::vector<std::string>& extra) {
  std::string s;
  s += "clusters = " + source + ", " + target + "\n";
  s += source + ".bootstrap.servers = " + source_bootstrap + "\n";
  s += target + ".bootstrap.servers = " + target_bootstrap + "\n";
  s += source + "->" + target + ".enabled = true\n";
  s += target + "->" + source + ".enabled = false\n";
  s += source + "->" + target + ".topics = " + topics + "\n";
  s += source + "->" + target + ".flow.group.id = " + group + "\n";
  s += "replication.factor = 1\n";
  s += "heartbeats.topic.replication.factor = 1\n";
  s += "refresh.topics.interval.seconds = 2\n";
  s += "tasks.max = 2\n";
  for (const auto& line : extra) s += line + "\n";
  return s;
}

std::unique_ptr<ChildProcess> StartKmirror(const std::string& config_text, const std::string& name) {
  static std::atomic<int> counter{0};
  auto path = ScratchRoot() / (name + "-" + std::to_string(counter++) + ".properties");
  WriteFile(path, config_text);
  ProcessOptions opts;
  opts.name = name;
  return ChildProcess::Start({KmirrorBinary(), "run", "--config", path.string()}, opts);
}

int64_t RecordCount(const ClientConfig& client, const std::string& topic) {
  auto partitions = PartitionCount(client, topic);
  if (!partitions.ok()) return 0;
  int64_t total = 0;
  for (int p = 0; p < *partitions; ++p) {
    auto wm = Watermarks(client, topic, p);
    if (!wm.ok()) return 0;
    total += wm->high - wm->low;
  }
  return total;
}

::testing::AssertionResult WaitForRecords(const ClientConfig& client, const std::string& topic, int64_t expected,
                                          std::chrono::milliseconds timeout, ChildProcess* process) {
  int64_t seen = 0;
  bool ok = WaitUntil([&] { return (seen = RecordCount(client, topic)) >= expected; }, timeout,
                      std::chrono::milliseconds(250));
  if (ok) return ::testing::AssertionSuccess();
  auto r = ::testing::AssertionFailure() << topic << " holds " << seen << " records, expected " << expected;
  if (process != nullptr) r << "\n--- kmirror log tail ---\n" << process->OutputTail(40);
  return r;
}

::testing::AssertionResult WaitForLog(ChildProcess& process, const std::string& needle,
                                      std::chrono::milliseconds timeout) {
  if (WaitUntil([&] { return process.Output().find(needle) != std::string::npos; }, timeout,
                std::chrono::milliseconds(200))) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "log never contained '" << needle << "'\n--- kmirror log tail ---\n"
                                       << process.OutputTail(40);
}

}  // namespace kmirror::test
