// TranslationClient: a synchronous client of kmirror's gRPC API, used by the `translate`
// and `failover` commands. Maps gRPC status codes back to kmirror::Status (the inverse of
// api/grpc_status.h), so callers handle one error type.
//
// Lifecycle and threads: one per command; calls block up to `deadline` each; not shared
// between threads.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "kmirror/common/status.h"
#include "kmirror/v1/translation.grpc.pb.h"

namespace kmirror::api {

// TLS to the API (PEM text, as config/tls_files.h reads it). `use_tls` false: plaintext.
// `ca` empty: the system's trusted CAs; `cert_chain` / `private_key` empty: no client
// certificate (a server requiring one refuses the call).
struct ClientTls {
  bool use_tls = false;
  std::string ca{}, cert_chain{}, private_key{};
};

class TranslationClient {
 public:
  // `address` is "host:port". Connecting is lazy: an unreachable server shows on the first call.
  explicit TranslationClient(const std::string& address, std::chrono::milliseconds deadline = std::chrono::seconds(30));
  // Over TLS when `tls.use_tls`. A refused handshake (either side) is Unavailable with a hint
  // naming the flags to check; a plaintext client of a TLS server likewise.
  TranslationClient(const std::string& address, const ClientTls& tls,
                    std::chrono::milliseconds deadline = std::chrono::seconds(30));

  Result<v1::TranslateOffsetResponse> TranslateOffset(const v1::TranslateOffsetRequest& request);
  Result<v1::TranslateGroupResponse> TranslateGroup(const v1::TranslateGroupRequest& request);
  Result<v1::GetReplicationStatusResponse> GetReplicationStatus(const v1::GetReplicationStatusRequest& request);

 private:
  std::string address_;
  std::chrono::milliseconds deadline_;
  bool tls_ = false;
  std::unique_ptr<v1::TranslationService::Stub> stub_;
};

// The Status a gRPC status stands for (UNAVAILABLE/DEADLINE_EXCEEDED retriable).
Status FromGrpcStatus(const grpc::Status& status, const std::string& context);

}  // namespace kmirror::api
