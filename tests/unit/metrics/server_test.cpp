// The HTTP endpoint on loopback: /metrics in the text format, /healthz, /readyz (200/503),
// 404 elsewhere, a busy address refused.
#include "kmirror/metrics/server.h"

#include <atomic>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include "kmirror/metrics/render.h"

namespace kmirror::metrics {
namespace {

using ::testing::HasSubstr;

TEST(MetricsServerTest, ServesMetricsHealthAndReadiness) {
  std::atomic<bool> ready{false};
  std::atomic<int> scrapes{0};
  Endpoints e;
  e.collect = [&scrapes] {
    ++scrapes;
    FlowSample f;
    f.flow = "A->B";
    f.records = 42;
    f.partitions.push_back(PartitionSample{"orders", 0, 42, 420, {}, {}});
    return RenderFlows({f}, {});
  };
  e.readiness = [&ready] { return Readiness{ready.load(), "index catching up"}; };
  auto server = MetricsServer::Start("127.0.0.1:0", e);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  const int port = (*server)->port();
  ASSERT_GT(port, 0);

  httplib::Client client("127.0.0.1", port);
  auto m = client.Get("/metrics");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->status, 200);
  EXPECT_THAT(m->get_header_value("Content-Type"), HasSubstr("text/plain; version=0.0.4"));
  EXPECT_THAT(m->body, HasSubstr("kmirror_records_mirrored_total{flow=\"A->B\",topic=\"orders\"} 42"));
  EXPECT_EQ(scrapes.load(), 1);

  auto h = client.Get("/healthz");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
  auto r = client.Get("/readyz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_THAT(r->body, HasSubstr("index catching up"));
  ready = true;
  r = client.Get("/readyz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  auto other = client.Get("/other");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 404);

  // The port is taken: a second server on it fails instead of sharing it.
  auto second = MetricsServer::Start("127.0.0.1:" + std::to_string(port), e);
  EXPECT_FALSE(second.ok());
  (*server)->Stop();
  (*server)->Stop();  // idempotent
}

TEST(MetricsServerTest, StopRightAfterStart) {
  auto server =
      MetricsServer::Start("127.0.0.1:0", Endpoints{[] { return std::vector<prometheus::MetricFamily>{}; }, nullptr});
  ASSERT_TRUE(server.ok());
  server->reset();  // the destructor stops and joins
}

TEST(MetricsServerTest, BadAddress) {
  EXPECT_FALSE(MetricsServer::Start("nonsense", {}).ok());
  EXPECT_FALSE(MetricsServer::Start("127.0.0.1:x", {}).ok());
}

}  // namespace
}  // namespace kmirror::metrics
