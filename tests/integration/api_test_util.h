// Shared by the offset-translation integration tests: a thin synchronous client for
// kmirror's gRPC API (the generated stub, nothing of kmirror's own client code, so the
// tests check the wire contract) and ground-truth helpers.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "kmirror/v1/translation.grpc.pb.h"
#include "support/kafka_client.h"

namespace kmirror::test {

class ApiClient {
 public:
  explicit ApiClient(int port)
      : stub_(v1::TranslationService::NewStub(
            grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()))) {}

  grpc::Status TranslateOffset(const std::string& topic, int32_t partition, int64_t offset, v1::OffsetTranslation* out,
                               const std::string& from = "A", const std::string& to = "B") {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::TranslateOffsetRequest req;
    req.mutable_flow()->set_source_alias(from);
    req.mutable_flow()->set_target_alias(to);
    req.set_topic(topic);
    req.set_partition(partition);
    req.set_offset(offset);
    v1::TranslateOffsetResponse resp;
    grpc::Status s = stub_->TranslateOffset(&ctx, req, &resp);
    if (s.ok()) *out = resp.translation();
    return s;
  }

  grpc::Status TranslateGroup(const std::string& group, bool fallback, v1::TranslateGroupResponse* out,
                              const std::string& from = "A", const std::string& to = "B") {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    v1::TranslateGroupRequest req;
    req.mutable_flow()->set_source_alias(from);
    req.mutable_flow()->set_target_alias(to);
    req.set_group(group);
    req.set_fallback_to_checkpoints(fallback);
    return stub_->TranslateGroup(&ctx, req, out);
  }

  grpc::Status ListCheckpoints(const std::string& group, v1::ListCheckpointsResponse* out,
                               const std::string& from = "A", const std::string& to = "B") {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::ListCheckpointsRequest req;
    req.mutable_flow()->set_source_alias(from);
    req.mutable_flow()->set_target_alias(to);
    req.set_group(group);
    return stub_->ListCheckpoints(&ctx, req, out);
  }

 private:
  std::unique_ptr<v1::TranslationService::Stub> stub_;
};

// (partition, offset) -> value of every record of a topic.
inline std::map<std::pair<int32_t, int64_t>, std::string> ValuesByOffset(const ClientConfig& client,
                                                                         const std::string& topic) {
  std::map<std::pair<int32_t, int64_t>, std::string> out;
  for (const auto& r : ConsumeTopic(client, topic).value()) out[{r.partition, r.offset}] = r.value.value_or("");
  return out;
}

}  // namespace kmirror::test
