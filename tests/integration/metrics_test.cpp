// kmirror's Prometheus endpoint scraped by a real Prometheus (Debian's `prometheus`, scrape
// interval 1 s): after N records the records counter reads N and the lag 0 through PromQL;
// `promtool check metrics` accepts the exposition; with the target blackholed (a TcpProxy
// in front of B, kmirror reaches B only through it) M more records show as lag M, and 0
// again after the heal. Also /healthz and /readyz. A second, shorter run: librdkafka's
// statistics series after a scrape (metrics.librdkafka.interval.ms), and log.format=json,
// whose every output line must be a JSON object with node (and flow where it applies).
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <optional>
#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "support/faults.h"
#include "support/kafka_cluster.h"
#include "support/kafka_env.h"
#include "support/kmirror_runner.h"

namespace kmirror::test {
namespace {

using std::chrono::seconds;

[[maybe_unused]] const auto* const kKafka =
    KafkaEnv::Register({{.name = "A"}, {.name = "B", .proxied_listener = true}});

constexpr const char* kPrometheus = "/usr/bin/prometheus";
constexpr const char* kPromtool = "/usr/bin/promtool";

// A port free right now (the kernel's pick; Prometheus cannot take port 0).
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

// The port kmirror logged for its metrics endpoint ("metrics listening on ... (port N)").
std::optional<int> MetricsPort(ChildProcess& km) {
  if (!WaitForLog(km, "metrics listening on", seconds(60))) return std::nullopt;
  const std::string out = km.Output();
  size_t at = out.find("(port ", out.find("metrics listening on"));
  if (at == std::string::npos) return std::nullopt;
  return std::stoi(out.substr(at + 6));
}

// A Prometheus server of its own (temp dir, free port) scraping `target` every second.
class Prometheus {
 public:
  explicit Prometheus(const std::string& target) : dir_("prometheus"), port_(FreePort()) {
    WriteFile(dir_ / "prometheus.yml",
              "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n"
              "  - job_name: kmirror\n    static_configs:\n      - targets: ['" +
                  target + "']\n");
    process_ = ChildProcess::Start({kPrometheus, "--config.file=" + (dir_ / "prometheus.yml").string(),
                                    "--storage.tsdb.path=" + (dir_ / "data").string(),
                                    "--web.listen-address=127.0.0.1:" + std::to_string(port_), "--log.level=warn"},
                                   {.name = "prometheus"});
  }
  ~Prometheus() { process_->Terminate(seconds(10)); }

  // The instant query's single value, or nullopt (no result, Prometheus not up yet).
  std::optional<double> Query(const std::string& promql) {
    httplib::Client client("127.0.0.1", port_);
    auto res = client.Get("/api/v1/query", httplib::Params{{"query", promql}}, httplib::Headers{});
    if (!res || res->status != 200) return std::nullopt;
    static const std::regex value(R"re("value":\[[0-9.e+]+,"([^"]+)"\])re");
    std::smatch m;
    if (!std::regex_search(res->body, m, value)) return std::nullopt;
    return std::stod(m[1].str());
  }
  // Waits until the query reads `expected`; the last value seen (or "none") in the failure.
  ::testing::AssertionResult WaitFor(const std::string& promql, double expected, seconds timeout) {
    std::optional<double> last;
    if (WaitUntil(
            [&] {
              last = Query(promql);
              return last && *last == expected;
            },
            timeout, std::chrono::milliseconds(500))) {
      return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure() << promql << " never read " << expected << "; last "
                                         << (last ? std::to_string(*last) : std::string("none")) << "\n"
                                         << process_->OutputTail(20);
  }

 private:
  TempDir dir_;
  int port_;
  std::unique_ptr<ChildProcess> process_;
};

std::vector<Record> Records(int n, const std::string& tag) {
  std::vector<Record> out;
  for (int i = 0; i < n; ++i) out.push_back(Record{.partition = i % 2, .key = tag + std::to_string(i), .value = "v"});
  return out;
}

TEST(MetricsTest, PrometheusScrapesRecordsAndLag) {
  if (access(kPrometheus, X_OK) != 0 || access(kPromtool, X_OK) != 0) {
    GTEST_SKIP() << kPrometheus << " or " << kPromtool << " missing (Debian package prometheus)";
  }
  KafkaCluster& a = KafkaEnv::Cluster("A");
  KafkaCluster& b = KafkaEnv::Cluster("B");
  const std::string topic = "metrics-orders";
  ASSERT_TRUE(CreateTopic(a.client(), topic, 2));
  constexpr int kN = 1000, kM = 400;
  ASSERT_TRUE(Produce(a.client(), topic, Records(kN, "n")));

  auto proxy = ProxyInFrontOf(b);
  auto km = StartKmirror(FlowConfig("A", a.bootstrap(), "B", b.proxied_bootstrap(), topic, "metrics-flow",
                                    {"metrics.listen = 127.0.0.1:0", "emit.checkpoints.interval.seconds = 1"}),
                         "metrics");
  const std::optional<int> port = MetricsPort(*km);
  ASSERT_TRUE(port) << km->OutputTail(30);
  ASSERT_TRUE(WaitForRecords(b.client(), "A." + topic, kN, seconds(120), km.get()));

  Prometheus prometheus("127.0.0.1:" + std::to_string(*port));
  const std::string sel = "{job=\"kmirror\",topic=\"" + topic + "\"}";
  EXPECT_TRUE(prometheus.WaitFor("sum(kmirror_records_mirrored_total" + sel + ")", kN, seconds(90)));
  EXPECT_TRUE(prometheus.WaitFor("sum(kmirror_lag_records" + sel + ")", 0, seconds(90)));
  EXPECT_TRUE(prometheus.WaitFor("kmirror_offset_index_ready{job=\"kmirror\"}", 1, seconds(60)));
  EXPECT_TRUE(prometheus.WaitFor("sum(kmirror_replication_latency_seconds_count" + sel + ")", kN, seconds(30)));
  EXPECT_TRUE(prometheus.WaitFor("up{job=\"kmirror\"}", 1, seconds(10)));

  // The exposition as promtool sees it, and the health endpoints.
  httplib::Client client("127.0.0.1", *port);
  auto scrape = client.Get("/metrics");
  ASSERT_TRUE(scrape && scrape->status == 200);
  TempDir tmp("promtool");
  WriteFile(tmp / "scrape.txt", scrape->body);
  auto promtool = ChildProcess::Start(
      {"/bin/sh", "-c", std::string(kPromtool) + " check metrics < " + (tmp / "scrape.txt").string()},
      {.name = "promtool"});
  EXPECT_EQ(promtool->Wait(seconds(60)), std::optional<int>(0)) << promtool->Output();
  EXPECT_EQ(promtool->Output(), "") << "promtool check metrics found problems";
  auto healthz = client.Get("/healthz");
  ASSERT_TRUE(healthz);
  EXPECT_EQ(healthz->status, 200);
  auto readyz = client.Get("/readyz");
  ASSERT_TRUE(readyz);
  EXPECT_EQ(readyz->status, 200) << readyz->body;

  // The target goes silent: M more records on the source are lag M (the source's end
  // offsets are still read, the mirrored position cannot move).
  proxy->Blackhole();
  ASSERT_TRUE(Produce(a.client(), topic, Records(kM, "m")));
  EXPECT_TRUE(prometheus.WaitFor("sum(kmirror_lag_records" + sel + ")", kM, seconds(90)));
  EXPECT_TRUE(prometheus.WaitFor("max(kmirror_lag_seconds" + sel + ") > bool 0", 1, seconds(30)));
  proxy->Heal();
  EXPECT_TRUE(prometheus.WaitFor("sum(kmirror_lag_records" + sel + ")", 0, seconds(180)));
  EXPECT_TRUE(WaitForRecords(b.client(), "A." + topic, kN + kM, seconds(60), km.get()));
  EXPECT_EQ(km->Terminate(seconds(60)), 0) << km->OutputTail(30);
}

// The value of the first sample of `text` whose line starts with `series` (name and labels
// up to where the caller stops), or nullopt.
std::optional<double> SampleValue(const std::string& text, const std::string& series) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(series, 0) != 0) continue;
    const size_t space = line.rfind(' ');
    if (space == std::string::npos) continue;
    return std::stod(line.substr(space + 1));
  }
  return std::nullopt;
}

TEST(MetricsTest, LibrdkafkaStatisticsSeriesAndJsonLogLines) {
  if (access(kPromtool, X_OK) != 0) GTEST_SKIP() << kPromtool << " missing (Debian package prometheus)";
  KafkaCluster& a = KafkaEnv::Cluster("A");
  KafkaCluster& b = KafkaEnv::Cluster("B");
  const std::string topic = "metrics-rdkafka";
  ASSERT_TRUE(CreateTopic(a.client(), topic, 2));
  constexpr int kN = 200;
  ASSERT_TRUE(Produce(a.client(), topic, Records(kN, "r")));
  auto km = StartKmirror(FlowConfig("A", a.bootstrap(), "B", b.bootstrap(), topic, "metrics-rdkafka-flow",
                                    {"metrics.listen = 127.0.0.1:0", "metrics.librdkafka.interval.ms = 1000",
                                     "log.format = json", "node.id = json-node"}),
                         "metrics-json");
  const std::optional<int> port = MetricsPort(*km);
  ASSERT_TRUE(port) << km->OutputTail(30);
  ASSERT_TRUE(WaitForRecords(b.client(), "A." + topic, kN, seconds(120), km.get()));

  // Reports come every second; the committed offsets every second too: the consumer's lag
  // reads 0 once both happened after the last record.
  httplib::Client client("127.0.0.1", *port);
  const std::string consumer = "{flow=\"A->B\",role=\"consumer\",broker=\"";
  const std::string producer = "{flow=\"A->B\",role=\"producer\",broker=\"";
  const std::string lag = "kmirror_librdkafka_consumer_lag_records{flow=\"A->B\",topic=\"" + topic + "\"}";
  std::string body;
  const bool seen = WaitUntil(
      [&] {
        auto r = client.Get("/metrics");
        if (!r || r->status != 200) return false;
        body = r->body;
        auto requests_in = SampleValue(body, "kmirror_librdkafka_broker_requests_total" + consumer);
        auto requests_out = SampleValue(body, "kmirror_librdkafka_broker_requests_total" + producer);
        auto rtt = SampleValue(body, "kmirror_librdkafka_broker_rtt_p99_seconds" + producer);
        auto l = SampleValue(body, lag);
        return requests_in && *requests_in > 0 && requests_out && *requests_out > 0 && rtt && l && *l == 0;
      },
      seconds(60), std::chrono::milliseconds(500));
  EXPECT_TRUE(seen) << "librdkafka series missing or lag not 0 in:\n" << body;
  EXPECT_TRUE(SampleValue(body, "kmirror_librdkafka_broker_rtt_avg_seconds" + consumer)) << body;
  EXPECT_TRUE(SampleValue(body, "kmirror_librdkafka_producer_queue_messages{flow=\"A->B\",role=\"producer\"}"));
  EXPECT_TRUE(SampleValue(body, "kmirror_librdkafka_consumer_fetch_queue_messages{flow=\"A->B\",role=\"consumer\"}"));
  EXPECT_TRUE(SampleValue(body, "kmirror_librdkafka_broker_request_timeouts_total" + producer));
  TempDir tmp("promtool-rdkafka");
  WriteFile(tmp / "scrape.txt", body);
  auto promtool = ChildProcess::Start(
      {"/bin/sh", "-c", std::string(kPromtool) + " check metrics < " + (tmp / "scrape.txt").string()},
      {.name = "promtool"});
  EXPECT_EQ(promtool->Wait(seconds(60)), std::optional<int>(0)) << promtool->Output();
  EXPECT_EQ(promtool->Output(), "") << "promtool check metrics found problems";
  EXPECT_EQ(km->Terminate(seconds(60)), 0) << km->OutputTail(30);

  // Every line kmirror wrote is one JSON object with time, level, logger, node and message;
  // the tasks' lines carry the flow, the consumer's start lines the topic and partition.
  std::istringstream lines(km->Output());
  int total = 0, with_flow = 0, with_partition = 0, task_started = 0;
  for (std::string line; std::getline(lines, line);) {
    ++total;
    const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    ASSERT_TRUE(j.is_object()) << "not a JSON object: " << line;
    for (const char* field : {"time", "level", "logger", "node", "message"}) {
      ASSERT_TRUE(j.contains(field) && j[field].is_string()) << field << " missing: " << line;
    }
    EXPECT_EQ(j["node"], "json-node") << line;
    if (j.value("flow", "") == "A->B") ++with_flow;
    if (j.value("topic", "") == topic && j.contains("partition")) ++with_partition;
    if (j.value("message", "").find("task started") != std::string::npos) {
      ++task_started;
      EXPECT_EQ(j.value("flow", ""), "A->B") << line;
      EXPECT_TRUE(j.value("thread", "").starts_with("km-A->B#")) << line;
    }
  }
  EXPECT_GT(total, 10);
  EXPECT_GT(with_flow, 5);
  EXPECT_GE(with_partition, 2) << "the start line of each of the topic's 2 partitions";
  EXPECT_EQ(task_started, 2) << "tasks.max = 2";
}

}  // namespace
}  // namespace kmirror::test
