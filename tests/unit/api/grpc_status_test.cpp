#include "api/grpc_status.h"

#include <gtest/gtest.h>

namespace kmirror::api {
namespace {

TEST(GrpcStatus, MapsEveryCodeByMeaning) {
  EXPECT_TRUE(ToGrpcStatus(Status::Ok()).ok());
  const std::pair<Status, grpc::StatusCode> cases[] = {
      {InvalidArgument("m"), grpc::StatusCode::INVALID_ARGUMENT},
      {NotFound("m"), grpc::StatusCode::NOT_FOUND},
      {Status(StatusCode::kAlreadyExists, "m"), grpc::StatusCode::ALREADY_EXISTS},
      {FailedPrecondition("m"), grpc::StatusCode::FAILED_PRECONDITION},
      {Unavailable("m"), grpc::StatusCode::UNAVAILABLE},
      {Status(StatusCode::kTimedOut, "m"), grpc::StatusCode::DEADLINE_EXCEEDED},
      {DataLoss("m"), grpc::StatusCode::DATA_LOSS},
      {Cancelled("m"), grpc::StatusCode::CANCELLED},
      {Internal("m"), grpc::StatusCode::INTERNAL},
  };
  for (const auto& [status, code] : cases) {
    grpc::Status g = ToGrpcStatus(status);
    EXPECT_EQ(g.error_code(), code) << status.ToString();
    EXPECT_EQ(g.error_message(), "m");
  }
}

TEST(GrpcStatus, ResourceExhaustedForTheApisOwnLimits) {
  grpc::Status g = ResourceExhausted("too many streams");
  EXPECT_EQ(g.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(g.error_message(), "too many streams");
}

TEST(GrpcStatus, KeepsTheMessage) {
  grpc::Status g =
      ToGrpcStatus(FailedPrecondition("the offset index of flow A->B has not caught up with its offset-sync log yet"));
  EXPECT_EQ(g.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(g.error_message(), "the offset index of flow A->B has not caught up with its offset-sync log yet");
}

}  // namespace
}  // namespace kmirror::api
