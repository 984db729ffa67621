#include "kmirror/metrics/server.h"

#include <sys/socket.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>

#include <httplib.h>

#include "kmirror/common/logging.h"
#include "kmirror/common/thread_name.h"
#include "kmirror/metrics/render.h"

namespace kmirror::metrics {
namespace {

// httplib's request queue: one named worker instead of its default pool of
// hardware_concurrency() unnamed threads.
class OneWorker : public httplib::TaskQueue {
 public:
  OneWorker() : thread_([this] { Run(); }) {}
  ~OneWorker() override { shutdown(); }

  void enqueue(std::function<void()> fn) override {
    std::lock_guard lock(mu_);
    jobs_.push_back(std::move(fn));
    cv_.notify_one();
  }
  void shutdown() override {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
      cv_.notify_one();
    }
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Run() {
    SetThreadName("km-metrics-http");
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
        if (jobs_.empty()) return;  // stopping, and every accepted connection answered
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace

Result<std::unique_ptr<MetricsServer>> MetricsServer::Start(const std::string& listen, Endpoints endpoints) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return InvalidArgument("metrics.listen: expected host:port, got '" + listen + "'");
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int port = 0;
  try {
    port = std::stoi(listen.substr(colon + 1));
  } catch (const std::exception&) {
    return InvalidArgument("metrics.listen: bad port in '" + listen + "'");
  }

  std::unique_ptr<MetricsServer> s(new MetricsServer());
  s->endpoints_ = std::move(endpoints);
  s->http_ = std::make_unique<httplib::Server>();
  httplib::Server& http = *s->http_;
  http.new_task_queue = [] { return new OneWorker(); };
  // httplib's default sets SO_REUSEPORT: a second kmirror on the same port would then share
  // it silently and answer for flows it may not run. Only SO_REUSEADDR (restarts).
  http.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  // One request per connection: httplib keeps a kept-alive connection on its worker until
  // the client closes it, so a scraper that keeps its connection (Prometheus does) would
  // hold the one worker and starve the probes.
  http.set_keep_alive_max_count(1);
  http.set_read_timeout(std::chrono::seconds(5));
  MetricsServer* self = s.get();
  http.Get("/metrics", [self](const httplib::Request&, httplib::Response& res) {
    std::string body = SerializeText(self->endpoints_.collect());
    res.set_content(std::move(body), "text/plain; version=0.0.4; charset=utf-8");
  });
  http.Get("/healthz", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok\n", "text/plain"); });
  http.Get("/readyz", [self](const httplib::Request&, httplib::Response& res) {
    Readiness r = self->endpoints_.readiness ? self->endpoints_.readiness() : Readiness{true, ""};
    res.status = r.ready ? 200 : 503;
    res.set_content(r.ready ? std::string("ready\n") : "not ready: " + r.reason + "\n", "text/plain");
  });

  if (port == 0) {
    port = http.bind_to_any_port(host);
    if (port <= 0) return FailedPrecondition("metrics.listen: cannot listen on " + listen);
  } else if (!http.bind_to_port(host, port)) {
    return FailedPrecondition("metrics.listen: cannot listen on " + listen + " (address in use or not local?)");
  }
  s->port_ = port;
  s->listener_ = std::thread([self] {
    SetThreadName("km-metrics");
    if (!self->http_->listen_after_bind()) logging::Get("metrics")->debug("metrics listener ended");
    self->listener_done_ = true;
  });
  return s;
}

MetricsServer::~MetricsServer() { Stop(); }

void MetricsServer::Stop() {
  if (stopped_) return;
  stopped_ = true;
  // httplib's stop() does nothing before its listen loop runs: wait until it does (or ended).
  if (listener_.joinable()) {
    while (!http_->is_running() && !listener_done_) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (http_) http_->stop();
  if (listener_.joinable()) listener_.join();
}

}  // namespace kmirror::metrics
