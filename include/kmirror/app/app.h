// App: the running process — one Flow per enabled flow of the configuration, plus the
// offset-translation side shared by all of them: the offset index (RocksDB, one directory
// per process), each flow's state reader feeding it from the target, the checkpoint
// emitters, and the gRPC API.
//
// Lifecycle: main() loads the configuration (which may throw ConfigError before anything
// touches a cluster), constructs the App, Start()s it, waits for a signal or a failure,
// then Stop()s it; Stop stops the metrics endpoint and the API first (no answers from a half-stopped process), then
// the emitters, drains every flow so that no acknowledged record is re-sent and no
// unacknowledged one is skipped, and closes the index last. All methods are called from
// main's thread.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include <prometheus/metric_family.h>

#include "kmirror/common/status.h"
#include "kmirror/config/mirror_config.h"

namespace kmirror::offsets {
class OffsetIndex;
class CheckpointStore;
class FlowStateReader;
class CheckpointEmitter;
}  // namespace kmirror::offsets

namespace kmirror::kafka {
class GroupAdmin;
class DutyLease;
}  // namespace kmirror::kafka

namespace kmirror::replication {
class Flow;
}

namespace kmirror::api {
class TranslationServer;
struct ClusterView;
}  // namespace kmirror::api

namespace kmirror::metrics {
class MetricsServer;
struct Readiness;
}  // namespace kmirror::metrics

namespace kmirror::app {

class App {
 public:
  explicit App(config::MirrorConfig config);
  ~App();

  Status Start();
  void Stop();
  // Non-OK when a flow failed beyond recovery; main then exits non-zero.
  Status failure() const;

  // The port of the metrics endpoint (metrics.listen), 0 when there is none.
  int metrics_port() const;

 private:
  // Connects once to every cluster the flows use (kafka/probe.h), on short-lived threads of
  // its own (one per connection, joined before it returns); fails on a TLS or
  // authentication error.
  Status ProbeClusters();
  // Opens the index and starts the flows' state readers (unless offsets.index.dir is empty),
  // before any flow starts.
  Status StartState();
  // Starts the emitters and the API (when configured and the index is open).
  Status StartTranslation();
  Status StartMetrics();
  // For the metrics endpoint's thread: read only what stays put until StopMetrics.
  std::vector<prometheus::MetricFamily> CollectMetrics() const;
  metrics::Readiness Ready() const;

  // A source cluster's group admin for API look-ups; GroupAdmin is single-threaded, so
  // gRPC handler threads take turns.
  struct SourceGroups {
    std::mutex mu;
    std::unique_ptr<kafka::GroupAdmin> admin;
  };

  // The flow's cluster for the status API: its group on the source, its duty group on the
  // target (gRPC handler threads; each admin is taken in turn).
  static api::ClusterView DescribeCluster(const config::FlowConfig& fc, SourceGroups& source, SourceGroups& target);

  config::MirrorConfig config_;
  // One per flow, same order as config_.flows; stopped after every duty user.
  std::vector<std::unique_ptr<kafka::DutyLease>> leases_;
  std::vector<std::unique_ptr<replication::Flow>> flows_;
  std::unique_ptr<offsets::OffsetIndex> index_;
  std::unique_ptr<offsets::CheckpointStore> checkpoints_;
  std::vector<std::unique_ptr<offsets::FlowStateReader>> readers_;
  std::vector<std::unique_ptr<offsets::CheckpointEmitter>> emitters_;
  std::vector<const offsets::CheckpointEmitter*> emitter_of_;  // per flow (config order); null: none
  std::vector<std::unique_ptr<SourceGroups>> source_groups_;
  std::unique_ptr<api::TranslationServer> server_;
  std::unique_ptr<metrics::MetricsServer> metrics_;
};

}  // namespace kmirror::app
