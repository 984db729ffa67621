#include "kmirror/api/translation_client.h"

#include <grpcpp/grpcpp.h>

namespace kmirror::api {

Status FromGrpcStatus(const grpc::Status& s, const std::string& context) {
  if (s.ok()) return Status::Ok();
  const std::string msg = context + ": " + s.error_message();
  switch (s.error_code()) {
    case grpc::StatusCode::INVALID_ARGUMENT:
      return InvalidArgument(msg);
    case grpc::StatusCode::NOT_FOUND:
      return NotFound(msg);
    case grpc::StatusCode::ALREADY_EXISTS:
      return Status(StatusCode::kAlreadyExists, msg);
    case grpc::StatusCode::FAILED_PRECONDITION:
      return FailedPrecondition(msg);
    case grpc::StatusCode::UNAVAILABLE:
      return Unavailable(msg);
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return Status(StatusCode::kTimedOut, msg, Status::Retry::kYes);
    case grpc::StatusCode::DATA_LOSS:
      return DataLoss(msg);
    case grpc::StatusCode::CANCELLED:
      return Cancelled(msg);
    case grpc::StatusCode::RESOURCE_EXHAUSTED:  // a limit of the API (api.watch.max.streams)
      return Unavailable(msg);
    default:
      return Internal(msg);
  }
}

TranslationClient::TranslationClient(const std::string& address, std::chrono::milliseconds deadline)
    : TranslationClient(address, ClientTls{}, deadline) {}

namespace {

std::shared_ptr<grpc::ChannelCredentials> ChannelCredentials(const ClientTls& tls) {
  if (!tls.use_tls) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = tls.ca;
  ssl.pem_cert_chain = tls.cert_chain;
  ssl.pem_private_key = tls.private_key;
  return grpc::SslCredentials(ssl);
}

// gRPC reports a refused TLS handshake, and a plaintext client of a TLS server, as a plain
// UNAVAILABLE ("failed to connect to all addresses"), the same as a server that is down:
// the hint says what to check.
std::string Hint(bool tls) {
  return tls ? " (if the server is up: does --api-ca hold the CA of its certificate, does the certificate name "
               "this address, and, if it requires client certificates, are --api-cert/--api-key one signed by "
               "its api.tls.client.ca.file?)"
             : " (if the server is up and uses TLS (api.tls.cert.file): give --api-ca, and --api-cert/--api-key "
               "if it requires client certificates)";
}

// UNAVAILABLE made by gRPC's client (no connection), not a kmirror answer such as "the
// source cluster could not be reached": gRPC's own messages, as of gRPC 1.51.
bool FromTheServer(const grpc::Status& s) {
  const std::string& m = s.error_message();
  for (const char* transport :
       {"failed to connect", "connections to all backends failing", "Socket closed", "Connection reset", "handshake",
        "Handshake", "Connection refused", "recvmsg", "Broken pipe", "GOAWAY"}) {
    if (m.find(transport) != std::string::npos) return false;
  }
  return true;
}

template <typename Response, typename Call>
Result<Response> Invoke(const std::string& what, std::chrono::milliseconds deadline, bool tls, Call&& call) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + deadline);
  Response response;
  grpc::Status s = call(&ctx, &response);
  if (s.error_code() == grpc::StatusCode::UNAVAILABLE && !FromTheServer(s)) {
    return FromGrpcStatus(grpc::Status(s.error_code(), s.error_message() + Hint(tls)), what);
  }
  if (!s.ok()) return FromGrpcStatus(s, what);
  return response;
}

}  // namespace

TranslationClient::TranslationClient(const std::string& address, const ClientTls& tls,
                                     std::chrono::milliseconds deadline)
    : address_(address),
      deadline_(deadline),
      tls_(tls.use_tls),
      stub_(v1::TranslationService::NewStub(grpc::CreateChannel(address, ChannelCredentials(tls)))) {}

Result<v1::TranslateOffsetResponse> TranslationClient::TranslateOffset(const v1::TranslateOffsetRequest& request) {
  return Invoke<v1::TranslateOffsetResponse>("TranslateOffset at " + address_, deadline_, tls_,
                                             [&](grpc::ClientContext* ctx, v1::TranslateOffsetResponse* r) {
                                               return stub_->TranslateOffset(ctx, request, r);
                                             });
}

Result<v1::TranslateGroupResponse> TranslationClient::TranslateGroup(const v1::TranslateGroupRequest& request) {
  return Invoke<v1::TranslateGroupResponse>(
      "TranslateGroup at " + address_, deadline_, tls_,
      [&](grpc::ClientContext* ctx, v1::TranslateGroupResponse* r) { return stub_->TranslateGroup(ctx, request, r); });
}

Result<v1::GetReplicationStatusResponse> TranslationClient::GetReplicationStatus(
    const v1::GetReplicationStatusRequest& request) {
  return Invoke<v1::GetReplicationStatusResponse>("GetReplicationStatus at " + address_, deadline_, tls_,
                                                  [&](grpc::ClientContext* ctx, v1::GetReplicationStatusResponse* r) {
                                                    return stub_->GetReplicationStatus(ctx, request, r);
                                                  });
}

}  // namespace kmirror::api
