// The one mapping from kmirror::Status to gRPC status codes, used by every RPC handler so
// clients see one consistent meaning per code (documented in proto/kmirror/v1/translation.proto).
// Stateless; safe from any thread.
#pragma once

#include <grpcpp/support/status.h>

#include <string>

#include "kmirror/common/status.h"

namespace kmirror::api {

// kOk -> OK, kInvalidArgument -> INVALID_ARGUMENT, kNotFound -> NOT_FOUND,
// kAlreadyExists -> ALREADY_EXISTS, kFailedPrecondition -> FAILED_PRECONDITION (e.g. an
// index that has not caught up: retry later), kUnavailable -> UNAVAILABLE,
// kTimedOut -> DEADLINE_EXCEEDED, kDataLoss -> DATA_LOSS, kCancelled -> CANCELLED,
// kInternal -> INTERNAL. The message is the Status's message.
grpc::Status ToGrpcStatus(const kmirror::Status& status);

// RESOURCE_EXHAUSTED: a limit of the API itself (api.watch.max.streams), which no other
// module has, so kmirror::Status has no code for it. Clients retry later.
grpc::Status ResourceExhausted(const std::string& message);

}  // namespace kmirror::api
