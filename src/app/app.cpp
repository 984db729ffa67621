#include "kmirror/app/app.h"

#include "kmirror/common/logging.h"

namespace kmirror::app {

App::App(config::MirrorConfig config) : config_(std::move(config)) {}

App::~App() { Stop(); }

Status App::Start() {
  auto log = logging::Get("app");
  log->info("kmirror starting: {} flow(s) from {}", config_.flows.size(), config_.origin);
  for (const auto& fc : config_.flows) {
    auto flow = std::make_unique<replication::Flow>(fc);
    Status s = flow->Start();
    if (!s.ok()) return s;
    flows_.push_back(std::move(flow));
  }
  return Status::Ok();
}

void App::Stop() {
  if (flows_.empty()) return;
  logging::Get("app")->info("kmirror stopping: draining {} flow(s)", flows_.size());
  for (auto& f : flows_) f->Stop();
  flows_.clear();
  logging::Get("app")->info("kmirror stopped");
}

Status App::failure() const {
  for (const auto& f : flows_) {
    Status s = f->failure();
    if (!s.ok()) return s.Annotate(f->name());
  }
  return Status::Ok();
}

}  // namespace kmirror::app
