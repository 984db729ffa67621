// MetricsServer: kmirror's HTTP endpoint for operations, on `metrics.listen`:
//   GET /metrics  the Prometheus text exposition format (prometheus-cpp's serializer over
//                 the families `collect` returns, built at scrape time);
//   GET /healthz  200 "ok" while the process serves HTTP at all (liveness);
//   GET /readyz   200 when `readiness` says ready, else 503 with the reason (readiness:
//                 every flow running and every offset index caught up).
//
// Lifecycle: Start() binds (failing with FailedPrecondition when it cannot) and spawns two
// threads, "km-metrics" (accepts connections) and "km-metrics-http" (answers requests one
// at a time: a scrape every few seconds needs no more); Stop() (idempotent, destructor too)
// closes the socket and joins both. `collect` and `readiness` run on "km-metrics-http" and
// must be safe to call from there until Stop() returns.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <prometheus/metric_family.h>

#include "kmirror/common/status.h"

namespace httplib {
class Server;
}

namespace kmirror::metrics {

struct Readiness {
  bool ready = false;
  std::string reason;  // why not, for the 503 body
};

struct Endpoints {
  std::function<std::vector<prometheus::MetricFamily>()> collect;
  std::function<Readiness()> readiness;
};

class MetricsServer {
 public:
  // `listen` is "host:port"; port 0 picks a free port (see port()).
  static Result<std::unique_ptr<MetricsServer>> Start(const std::string& listen, Endpoints endpoints);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  int port() const { return port_; }
  void Stop();

 private:
  MetricsServer() = default;

  Endpoints endpoints_;
  std::unique_ptr<httplib::Server> http_;
  std::thread listener_;
  std::atomic<bool> listener_done_{false};
  int port_ = 0;
  bool stopped_ = false;
};

}  // namespace kmirror::metrics
