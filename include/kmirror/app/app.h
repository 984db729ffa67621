// App: the running process — one Flow per enabled flow of the configuration.
//
// Lifecycle: main() loads the configuration (which may throw ConfigError before anything
// touches a cluster), constructs the App, Start()s it, waits for a signal or a failure,
// then Stop()s it; Stop drains every flow so that no acknowledged record is re-sent and
// no unacknowledged one is skipped. All methods are called from main's thread.
#pragma once

#include <memory>
#include <vector>

#include "kmirror/common/status.h"
#include "kmirror/config/mirror_config.h"
#include "kmirror/replication/flow.h"

namespace kmirror::app {

class App {
 public:
  explicit App(config::MirrorConfig config);
  ~App();

  Status Start();
  void Stop();
  // Non-OK when a flow failed beyond recovery; main then exits non-zero.
  Status failure() const;

 private:
  config::MirrorConfig config_;
  std::vector<std::unique_ptr<replication::Flow>> flows_;
};

}  // namespace kmirror::app
