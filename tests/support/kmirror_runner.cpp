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
  s += "checkpoints.topic.replication.factor = 1\n";
  s += "refresh.topics.interval.seconds = 2\n";
  s += "tasks.max = 2\n";
  for (const auto& line : extra) s += line + "\n";
  return s;
}

std::unique_ptr<ChildProcess> StartKmirror(const std::string& config_text, const std::string& name) {
  static std::atomic<int> counter{0};
  const std::string stem = name + "-" + std::to_string(counter++);
  auto path = ScratchRoot() / (stem + ".properties");
  std::string text = config_text;
  // Processes of one test run side by side: each gets its own index and a free API port,
  // unless the test chose them.
  if (text.find("api.listen") == std::string::npos) text += "\napi.listen = 127.0.0.1:0\n";
  if (text.find("offsets.index.dir") == std::string::npos) {
    text += "\noffsets.index.dir = " + (ScratchRoot() / (stem + "-index")).string() + "\n";
  }
  WriteFile(path, text);
  ProcessOptions opts;
  opts.name = name;
  return ChildProcess::Start({KmirrorBinary(), "run", "--config", path.string()}, opts);
}

std::optional<int> ApiPort(ChildProcess& process, std::chrono::milliseconds timeout) {
  if (!WaitForLog(process, "API listening on", timeout)) return std::nullopt;
  const std::string out = process.Output();
  const std::string needle = "(port ";
  size_t at = out.find("API listening on");
  at = out.find(needle, at);
  if (at == std::string::npos) return std::nullopt;
  return std::stoi(out.substr(at + needle.size()));
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
