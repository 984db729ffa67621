#include "kmirror/api/translation_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include <chrono>
#include <map>

#include "api/grpc_status.h"
#include "api/stream_limit.h"
#include "kmirror/common/logging.h"
#include "kmirror/common/thread_name.h"
#include "kmirror/v1/translation.grpc.pb.h"

namespace kmirror::api {
namespace {

using std::chrono::milliseconds;
constexpr char kServiceName[] = "kmirror.v1.TranslationService";

int64_t NowMs() {
  return std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

v1::TranslationKind ToProto(offsets::TranslationKind k) {
  switch (k) {
    case offsets::TranslationKind::kExact:
      return v1::TRANSLATION_KIND_EXACT;
    case offsets::TranslationKind::kGap:
      return v1::TRANSLATION_KIND_GAP;
    case offsets::TranslationKind::kBeforeFirstRun:
      return v1::TRANSLATION_KIND_BEFORE_FIRST_RUN;
    case offsets::TranslationKind::kBeyondLastRun:
      return v1::TRANSLATION_KIND_BEYOND_LAST_RUN;
  }
  return v1::TRANSLATION_KIND_UNSPECIFIED;
}

void Fill(v1::OffsetTranslation* out, const std::string& topic, int32_t partition, int64_t offset,
          const offsets::Translation& t) {
  out->set_source_topic(topic);
  out->set_partition(partition);
  out->set_source_offset(offset);
  out->set_target_topic(t.target_topic);
  out->set_target_offset(t.target.value());
  out->set_kind(ToProto(t.kind));
  out->set_deleted_on_source(t.deleted_on_source);
  out->set_source_log_start_offset(t.source_log_start.value());
}

void Fill(v1::Checkpoint* out, const offsets::CheckpointRecord& r) {
  out->mutable_flow()->set_source_alias(r.flow.source_alias);
  out->mutable_flow()->set_target_alias(r.flow.target_alias);
  out->set_group(r.group);
  out->set_source_topic(r.source_topic);
  out->set_target_topic(r.target_topic);
  out->set_partition(r.partition.value());
  out->set_upstream_offset(r.upstream.value());
  out->set_downstream_offset(r.downstream.value());
  out->set_metadata(r.metadata);
  out->set_written_at_ms(r.written_at_ms);
}

// TLS when a certificate is given; client certificates required (and verified against the
// client CA) when a client CA is given: the handshake refuses a client without one.
std::shared_ptr<grpc::ServerCredentials> ServerCredentials(const ServerOptions& o) {
  if (o.tls_cert_chain.empty()) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions ssl(o.tls_client_ca.empty()
                                            ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
                                            : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  ssl.pem_root_certs = o.tls_client_ca;
  ssl.pem_key_cert_pairs.push_back({o.tls_private_key, o.tls_cert_chain});
  return grpc::SslServerCredentials(ssl);
}

bool IsUnreachable(const Status& s) {
  return s.code() == StatusCode::kUnavailable || s.code() == StatusCode::kTimedOut;
}

}  // namespace

// The service implementation. Handlers run on gRPC's threads; the backends are thread-safe.
class TranslationService final : public v1::TranslationService::Service {
 public:
  TranslationService(std::vector<FlowBackend> flows, const std::atomic<bool>& stopping, int max_watch_streams)
      : flows_(std::move(flows)), stopping_(stopping), watches_(max_watch_streams) {}

  bool AllReady() const {
    for (const auto& f : flows_) {
      if (!f.index->IsReady(f.flow)) return false;
    }
    return true;
  }

  grpc::Status TranslateOffset(grpc::ServerContext*, const v1::TranslateOffsetRequest* req,
                               v1::TranslateOffsetResponse* resp) override {
    auto flow = Find(req->flow());
    if (!flow.ok()) return ToGrpcStatus(flow.status());
    if (req->topic().empty()) return ToGrpcStatus(InvalidArgument("topic is empty"));
    auto t = (*flow)->index->Translate((*flow)->flow, req->topic(), Partition(req->partition()),
                                       SourceOffset(req->offset()));
    if (!t.ok()) return ToGrpcStatus(t.status());
    Fill(resp->mutable_translation(), req->topic(), req->partition(), req->offset(), *t);
    return grpc::Status::OK;
  }

  grpc::Status TranslateGroup(grpc::ServerContext*, const v1::TranslateGroupRequest* req,
                              v1::TranslateGroupResponse* resp) override {
    auto flow = Find(req->flow());
    if (!flow.ok()) return ToGrpcStatus(flow.status());
    const FlowBackend& f = **flow;
    if (req->group().empty()) return ToGrpcStatus(InvalidArgument("group is empty"));
    resp->set_group(req->group());
    // Readiness first: neither the source's offsets nor the checkpoints are answered from
    // an index that has not caught up.
    if (!f.index->IsReady(f.flow)) {
      return ToGrpcStatus(FailedPrecondition("the offset index of flow " + f.flow.ToString() +
                                             " has not caught up with its offset-sync log yet"));
    }
    auto committed = f.read_source_group(req->group());
    if (committed.ok()) {
      bool any = false;
      for (const kafka::GroupOffset& o : *committed) {
        auto t = f.index->Translate(f.flow, o.partition.topic, o.partition.partition, SourceOffset(o.offset));
        if (t.ok()) {
          Fill(resp->add_translations(), o.partition.topic, o.partition.partition.value(), o.offset, *t);
          any = true;
        } else if (t.status().code() == StatusCode::kNotFound) {
          // A topic the group reads that this flow does not mirror: not an error of the
          // call, but reported so the caller sees the partition was not translated.
          auto* e = resp->add_errors();
          e->set_source_topic(o.partition.topic);
          e->set_partition(o.partition.partition.value());
          e->set_source_offset(o.offset);
          e->set_code(static_cast<int32_t>(grpc::StatusCode::NOT_FOUND));
          e->set_message(t.status().message());
        } else {
          return ToGrpcStatus(t.status());
        }
      }
      if (!any && resp->errors_size() == 0) {
        return ToGrpcStatus(NotFound("group " + req->group() + " has no committed offsets on " + f.flow.source_alias));
      }
      return grpc::Status::OK;
    }
    if (!IsUnreachable(committed.status()) || !req->fallback_to_checkpoints()) {
      return ToGrpcStatus(committed.status());
    }
    // The source is down (the failover case): the latest checkpoints are the best knowledge.
    // Each was an exact translation of the group's committed offset when it was written.
    // Until the store has read the checkpoints topic to its end it may hold older
    // checkpoints or miss partitions, and a failover would commit that partial plan.
    if (Status loaded = CheckpointsLoaded(f); !loaded.ok()) {
      return ToGrpcStatus(
          loaded.Annotate("source " + f.flow.source_alias + " unreachable (" + committed.status().message() + ")"));
    }
    auto checkpoints = f.checkpoints->List(f.flow, req->group());
    if (checkpoints.empty()) {
      return ToGrpcStatus(NotFound("source " + f.flow.source_alias + " unreachable (" + committed.status().message() +
                                   ") and no checkpoints of group " + req->group()));
    }
    resp->set_from_checkpoints(true);
    for (const auto& c : checkpoints) {
      auto* t = resp->add_translations();
      t->set_source_topic(c.source_topic);
      t->set_partition(c.partition.value());
      t->set_source_offset(c.upstream.value());
      t->set_target_topic(c.target_topic);
      t->set_target_offset(c.downstream.value());
      t->set_kind(v1::TRANSLATION_KIND_EXACT);
      t->set_source_log_start_offset(-1);
    }
    return grpc::Status::OK;
  }

  grpc::Status ListCheckpoints(grpc::ServerContext*, const v1::ListCheckpointsRequest* req,
                               v1::ListCheckpointsResponse* resp) override {
    auto flow = Find(req->flow());
    if (!flow.ok()) return ToGrpcStatus(flow.status());
    if (Status loaded = CheckpointsLoaded(**flow); !loaded.ok()) return ToGrpcStatus(loaded);
    for (const auto& c : (*flow)->checkpoints->List((*flow)->flow, req->group(), req->topic())) {
      Fill(resp->add_checkpoints(), c);
    }
    return grpc::Status::OK;
  }

  grpc::Status WatchCheckpoints(grpc::ServerContext* ctx, const v1::WatchCheckpointsRequest* req,
                                grpc::ServerWriter<v1::CheckpointUpdate>* writer) override {
    StreamSlot slot(watches_);
    if (!slot.held()) {
      WarnStreamsFull();
      return ResourceExhausted("this kmirror node already serves " + std::to_string(watches_.max()) +
                               " WatchCheckpoints streams (api.watch.max.streams); retry later");
    }
    auto flow = Find(req->flow());
    if (!flow.ok()) return ToGrpcStatus(flow.status());
    const FlowBackend& f = **flow;
    // The initial set must be complete: a client takes it as "the checkpoints now".
    if (Status loaded = CheckpointsLoaded(f); !loaded.ok()) return ToGrpcStatus(loaded);
    uint64_t seen = f.checkpoints->LastSeq();
    for (const auto& c : f.checkpoints->List(f.flow, req->group())) {
      v1::CheckpointUpdate u;
      Fill(u.mutable_checkpoint(), c);
      u.set_initial(true);
      if (!writer->Write(u)) return grpc::Status::OK;
      seen = std::max(seen, c.seq);
    }
    // Short waits so cancellation and shutdown are noticed promptly.
    constexpr milliseconds kWait{250};
    while (!ctx->IsCancelled() && !stopping_) {
      const auto waited_from = std::chrono::steady_clock::now();
      auto changes = f.checkpoints->WaitForChanges(f.flow, req->group(), seen, kWait);
      // WaitForChanges only returns early and empty once the store is closed (the process
      // is shutting down); looping on it would spin.
      if (changes.empty() && std::chrono::steady_clock::now() - waited_from < kWait / 2) break;
      for (const auto& c : changes) {
        seen = std::max(seen, c.seq);
        v1::CheckpointUpdate u;
        Fill(u.mutable_checkpoint(), c);
        if (!writer->Write(u)) return grpc::Status::OK;
      }
    }
    if (ctx->IsCancelled()) return grpc::Status::CANCELLED;
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "kmirror is shutting down");
  }

  grpc::Status GetReplicationStatus(grpc::ServerContext*, const v1::GetReplicationStatusRequest* req,
                                    v1::GetReplicationStatusResponse* resp) override {
    const bool all = req->flow().source_alias().empty() && req->flow().target_alias().empty();
    const int64_t now = NowMs();
    bool matched = false;
    for (const auto& f : flows_) {
      if (!all &&
          (f.flow.source_alias != req->flow().source_alias() || f.flow.target_alias != req->flow().target_alias())) {
        continue;
      }
      matched = true;
      FlowRuntime rt = f.runtime ? f.runtime() : FlowRuntime{};
      v1::FlowStatus* fs = resp->add_flows();
      fs->mutable_flow()->set_source_alias(f.flow.source_alias);
      fs->mutable_flow()->set_target_alias(f.flow.target_alias);
      fs->set_index_ready(f.index->IsReady(f.flow));
      for (const auto& [p, next] : f.index->LogPositions(f.flow)) {
        auto* lp = fs->add_log_positions();
        lp->set_log_partition(p);
        lp->set_next_offset(next);
        auto e = rt.log_end.find(p);
        lp->set_end_offset(e == rt.log_end.end() ? -1 : e->second);
      }
      fs->set_last_heartbeat_ms(rt.last_heartbeat_ms);
      fs->set_last_heartbeat_lag_ms(rt.last_heartbeat_ms > 0 ? rt.last_heartbeat_seen_at_ms - rt.last_heartbeat_ms
                                                             : -1);
      auto summaries = f.index->Summaries(f.flow);
      if (!summaries.ok()) return ToGrpcStatus(summaries.status());
      int64_t total_lag = 0;
      for (const auto& s : *summaries) {
        if (!req->topic().empty() && s.source.topic != req->topic()) continue;
        auto* ps = fs->add_partitions();
        ps->set_source_topic(s.source.topic);
        ps->set_target_topic(s.target_topic);
        ps->set_partition(s.source.partition.value());
        ps->set_source_log_start_offset(s.source_log_start.value());
        ps->set_mirrored_source_end(s.mirrored_source_end.value());
        ps->set_mirrored_target_end(s.mirrored_target_end.value());
        ps->set_last_sync_written_at_ms(s.last_written_at_ms);
        auto end = rt.source_end.find(s.source);
        const int64_t source_end = end == rt.source_end.end() ? -1 : end->second;
        ps->set_source_end_offset(source_end);
        ps->set_source_end_seen_at_ms(rt.source_end_seen_at_ms);
        int64_t lag = -1, lag_ms = -1;
        if (source_end >= 0 && s.mirrored_source_end.value() >= 0) {
          lag = std::max<int64_t>(0, source_end - s.mirrored_source_end.value());
          lag_ms = lag == 0 ? 0 : (s.last_written_at_ms > 0 ? now - s.last_written_at_ms : -1);
          total_lag += lag;
        }
        ps->set_lag_records(lag);
        ps->set_lag_ms(lag_ms);
      }
      fs->set_lag_records(total_lag);
      for (const auto& st : rt.stopped) {
        if (!req->topic().empty() && st.source.topic != req->topic()) continue;
        auto* sp = fs->add_stopped_partitions();
        sp->set_source_topic(st.source.topic);
        sp->set_partition(st.source.partition.value());
        sp->set_offset(st.offset);
        sp->set_target_topic(st.target_topic);
        sp->set_reason(st.reason);
        sp->set_since_ms(st.since_ms);
      }
      fs->set_dead_lettered_records(static_cast<int64_t>(rt.dead_lettered));
      fs->set_last_heartbeat_age_ms(rt.last_heartbeat_ms > 0 ? now - rt.last_heartbeat_ms : -1);
      if (f.duties_held_here) fs->set_duties_held_here(f.duties_held_here());
      if (f.cluster) {
        ClusterView view = f.cluster();
        fs->set_duty_holder(view.duty_holder);
        fs->set_cluster_error(view.error);
        for (const ClusterNode& n : view.nodes) {
          v1::ClusterNode* cn = fs->add_nodes();
          cn->set_node_id(n.node_id);
          cn->set_host(n.host);
          cn->set_tasks(n.tasks);
          cn->set_partitions(n.partitions);
          cn->set_holds_duties(n.holds_duties);
          cn->set_in_duty_group(n.in_duty_group);
        }
      }
    }
    if (!flows_.empty()) resp->set_node_id(flows_.front().node_id);
    if (!matched) return ToGrpcStatus(NotFound("this node serves no flow " + FlowName(req->flow())));
    return grpc::Status::OK;
  }

 private:
  static std::string FlowName(const v1::FlowSelector& s) { return s.source_alias() + "->" + s.target_alias(); }

  // Logged at most once a minute: a client retrying in a loop must not flood the log.
  void WarnStreamsFull() {
    const int64_t now = NowMs();
    int64_t last = last_full_warning_ms_.load();
    if (now - last < 60000 || !last_full_warning_ms_.compare_exchange_strong(last, now)) return;
    logging::Get("api")->warn("refused a WatchCheckpoints stream: {} are open (api.watch.max.streams)", watches_.max());
  }

  static Status CheckpointsLoaded(const FlowBackend& f) {
    if (f.checkpoints->IsLoaded(f.flow)) return Status::Ok();
    return FailedPrecondition("the checkpoints of flow " + f.flow.ToString() +
                              " are still being read from the target cluster; retry");
  }

  Result<const FlowBackend*> Find(const v1::FlowSelector& sel) const {
    for (const auto& f : flows_) {
      if (f.flow.source_alias == sel.source_alias() && f.flow.target_alias == sel.target_alias()) return &f;
    }
    return NotFound("this node serves no flow " + FlowName(sel));
  }

  const std::vector<FlowBackend> flows_;
  const std::atomic<bool>& stopping_;
  StreamLimit watches_;
  std::atomic<int64_t> last_full_warning_ms_{0};
};

Result<std::unique_ptr<TranslationServer>> TranslationServer::Start(const std::string& listen,
                                                                    std::vector<FlowBackend> flows) {
  return Start(ServerOptions{.listen = listen}, std::move(flows));
}

Result<std::unique_ptr<TranslationServer>> TranslationServer::Start(const ServerOptions& options,
                                                                    std::vector<FlowBackend> flows) {
  const std::string& listen = options.listen;
  std::unique_ptr<TranslationServer> s(new TranslationServer());
  s->service_ = std::make_unique<TranslationService>(std::move(flows), s->stopping_, options.max_watch_streams);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  // gRPC binds with SO_REUSEPORT by default: a second kmirror on the same address would
  // then silently share the port and answer for flows it may not run.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddListeningPort(listen, ServerCredentials(options), &s->port_);
  builder.RegisterService(s->service_.get());
  s->server_ = builder.BuildAndStart();
  if (!s->server_ || s->port_ == 0) {
    return FailedPrecondition("cannot listen on " + listen + " (address in use or not local?)");
  }
  s->readiness_ = std::thread([p = s.get()] { p->WatchReadiness(); });
  return s;
}

TranslationServer::~TranslationServer() { Stop(); }

void TranslationServer::WatchReadiness() {
  SetThreadName("km-api-health");
  bool last = false;
  bool first = true;
  while (!stopping_) {
    const bool ready = service_->AllReady();
    if (first || ready != last) {
      auto* health = server_->GetHealthCheckService();
      if (health != nullptr) {
        health->SetServingStatus(kServiceName, ready);
        health->SetServingStatus(ready);
      }
      if (ready) logging::Get("api")->info("every flow's offset index is ready: health SERVING");
      last = ready;
      first = false;
    }
    std::this_thread::sleep_for(milliseconds(200));
  }
}

void TranslationServer::Stop() {
  if (stopping_.exchange(true)) return;
  if (readiness_.joinable()) readiness_.join();
  if (server_) {
    // Open streams notice `stopping_` within their wait; give them a moment, then cut.
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
    server_->Wait();
  }
}

}  // namespace kmirror::api
