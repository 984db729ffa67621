// TranslationServer: kmirror's gRPC API (kmirror.v1.TranslationService, proto/kmirror/v1/
// translation.proto) plus gRPC's standard health service and server reflection.
//
// It holds no Kafka clients and no state of its own: every answer comes from the flows'
// backends (api/flow_backend.h), so an answer is exactly what the offset index and the
// checkpoint store say at that moment, and "not ready" while they say so.
//
// Health: "kmirror.v1.TranslationService" (and "") is SERVING once every flow's index is
// ready, NOT_SERVING before (a load balancer then keeps failover clients away from a node
// that is still rebuilding its index). A background thread re-checks readiness.
//
// WatchCheckpoints streams are counted: each holds one of gRPC's threads while open, so a
// client opening many cannot exhaust them (ServerOptions::max_watch_streams).
//
// Lifecycle and threads: Start() binds and starts gRPC's own thread pool, which runs the
// handlers; Stop() (idempotent, also from the destructor) ends open WatchCheckpoints
// streams, shuts the server down and joins the readiness thread. Start/Stop from one thread.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "kmirror/api/flow_backend.h"
#include "kmirror/common/status.h"

namespace grpc {
class Server;
}

namespace kmirror::api {

class TranslationService;

// How the server listens. TLS: with a certificate and key (PEM text) the port serves TLS only;
// with a client CA as well, every client must present a certificate signed by it (mutual
// TLS) or the handshake fails. No certificate: plaintext.
struct ServerOptions {
  std::string listen{};  // "host:port" (port 0: any free port)
  std::string tls_cert_chain{}, tls_private_key{}, tls_client_ca{};
  // Concurrent WatchCheckpoints streams; one more is answered RESOURCE_EXHAUSTED.
  int max_watch_streams = 16;
};

class TranslationServer {
 public:
  // FailedPrecondition naming the address when it cannot be bound (or gRPC refuses the
  // TLS material; config/tls_files.h checks it before).
  static Result<std::unique_ptr<TranslationServer>> Start(const ServerOptions& options, std::vector<FlowBackend> flows);
  // Plaintext, default limits.
  static Result<std::unique_ptr<TranslationServer>> Start(const std::string& listen, std::vector<FlowBackend> flows);
  ~TranslationServer();
  TranslationServer(const TranslationServer&) = delete;
  TranslationServer& operator=(const TranslationServer&) = delete;

  int port() const { return port_; }
  void Stop();

 private:
  TranslationServer() = default;
  void WatchReadiness();

  std::unique_ptr<TranslationService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::thread readiness_;
  std::atomic<bool> stopping_{false};
  int port_ = 0;
};

}  // namespace kmirror::api
