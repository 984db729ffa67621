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
    default:
      return Internal(msg);
  }
}

TranslationClient::TranslationClient(const std::string& address, std::chrono::milliseconds deadline)
    : address_(address),
      deadline_(deadline),
      stub_(v1::TranslationService::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()))) {}

namespace {

template <typename Response, typename Call>
Result<Response> Invoke(const std::string& what, std::chrono::milliseconds deadline, Call&& call) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + deadline);
  Response response;
  grpc::Status s = call(&ctx, &response);
  if (!s.ok()) return FromGrpcStatus(s, what);
  return response;
}

}  // namespace

Result<v1::TranslateOffsetResponse> TranslationClient::TranslateOffset(const v1::TranslateOffsetRequest& request) {
  return Invoke<v1::TranslateOffsetResponse>("TranslateOffset at " + address_, deadline_,
                                             [&](grpc::ClientContext* ctx, v1::TranslateOffsetResponse* r) {
                                               return stub_->TranslateOffset(ctx, request, r);
                                             });
}

Result<v1::TranslateGroupResponse> TranslationClient::TranslateGroup(const v1::TranslateGroupRequest& request) {
  return Invoke<v1::TranslateGroupResponse>(
      "TranslateGroup at " + address_, deadline_,
      [&](grpc::ClientContext* ctx, v1::TranslateGroupResponse* r) { return stub_->TranslateGroup(ctx, request, r); });
}

Result<v1::GetReplicationStatusResponse> TranslationClient::GetReplicationStatus(
    const v1::GetReplicationStatusRequest& request) {
  return Invoke<v1::GetReplicationStatusResponse>("GetReplicationStatus at " + address_, deadline_,
                                                  [&](grpc::ClientContext* ctx, v1::GetReplicationStatusResponse* r) {
                                                    return stub_->GetReplicationStatus(ctx, request, r);
                                                  });
}

}  // namespace kmirror::api
