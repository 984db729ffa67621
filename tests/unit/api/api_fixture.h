// Shared by the API's unit tests: a TranslationServer in-process on 127.0.0.1:<any port>,
// answering from a real OffsetIndex (in a temporary directory) and CheckpointStore, with a
// fake source cluster (read_source_group) and fake runtime observations.
//
// Index contents, flow A->B, topic "orders" -> "A.orders":
//   orders-0: source 0..9 -> target 100..109, 12..16 -> 110..114 (10, 11: a gap)
//   orders-1: source 50..59 -> target 0..9; the source log starts at 50 (0..49 deleted)
// The flow is NOT ready until a test calls CatchUp(), and the checkpoints are not loaded
// until it calls CheckpointsLoaded(): both are what the real reader does at start-up.
// Source group "billing" has committed orders-0@11 and other-0@5 (a topic not mirrored).
#pragma once

#include <grpcpp/grpcpp.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "kmirror/api/translation_server.h"
#include "kmirror/v1/translation.grpc.pb.h"
#include "kmirror/wire/offset_sync_event.h"

namespace kmirror::api::apitest {

inline const offsets::FlowKey kFlow{"A", "B"};
inline constexpr int64_t kSyncWrittenAtMs = 1700000000000;

inline v1::OffsetSyncEvent SyncRun(int32_t partition, int64_t s0, int64_t t0, int64_t count, int64_t log_start = -1) {
  v1::OffsetSyncEvent e;
  e.set_version(wire::kOffsetSyncEventVersion);
  e.mutable_flow()->set_source_alias("A");
  e.mutable_flow()->set_target_alias("B");
  e.set_source_topic("orders");
  e.set_target_topic("A.orders");
  e.set_partition(partition);
  e.set_first_source_offset(s0);
  e.set_first_target_offset(t0);
  e.set_record_count(count);
  e.set_source_log_start_offset(log_start);
  e.set_written_at_ms(kSyncWrittenAtMs);
  return e;
}

inline offsets::CheckpointRecord MakeCheckpoint(const std::string& group, int64_t upstream, int64_t downstream,
                                                const std::string& topic = "orders", int32_t partition = 0) {
  offsets::CheckpointRecord c;
  c.flow = kFlow;
  c.group = group;
  c.source_topic = topic;
  c.target_topic = "A." + topic;
  c.partition = Partition(partition);
  c.upstream = SourceOffset(upstream);
  c.downstream = TargetOffset(downstream);
  return c;
}

class ApiFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "kmirror-api-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    auto index = offsets::OffsetIndex::Open(dir_.string());
    ASSERT_TRUE(index.ok()) << index.status().ToString();
    index_ = std::move(index).value();
    ASSERT_TRUE(index_->Apply(SyncRun(0, 0, 100, 10), {0, 0}).ok());
    ASSERT_TRUE(index_->Apply(SyncRun(0, 12, 110, 5), {0, 1}).ok());
    ASSERT_TRUE(index_->Apply(SyncRun(1, 50, 0, 10, 50), {0, 2}).ok());

    FlowBackend b;
    b.flow = kFlow;
    b.index = index_.get();
    b.checkpoints = &checkpoints_;
    b.read_source_group = [this](const std::string& group) -> Result<std::vector<kafka::GroupOffset>> {
      ++source_reads_;
      if (!source_up_) return Unavailable("source down");
      if (group != "billing") return NotFound("no group " + group);
      return std::vector<kafka::GroupOffset>{{{"orders", Partition(0)}, 11, ""}, {{"other", Partition(0)}, 5, ""}};
    };
    b.runtime = [] {
      FlowRuntime r;
      r.log_end = {{0, 3}};
      r.source_end = {{{"orders", Partition(0)}, 20}};  // orders-1's end: not seen yet
      r.source_end_seen_at_ms = 1700000001000;
      r.last_heartbeat_ms = 1000;
      r.last_heartbeat_seen_at_ms = 1250;
      r.stopped = {{{"orders", Partition(1)},
                    "A.orders",
                    60,
                    "delivery to A.orders: too large (MSG_SIZE_TOO_LARGE)",
                    1700000002000}};
      r.dead_lettered = 2;
      return r;
    };
    backend_ = b;
    Restart(ServerOptions{.listen = "127.0.0.1:0"});
  }

  // Replaces the server with one started with `options` (TLS, limits) on a new port;
  // `stub_` stays a plaintext client.
  void Restart(const ServerOptions& options) {
    if (server_) server_->Stop();
    server_.reset();
    auto server = TranslationServer::Start(options, {backend_});
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
    address_ = "127.0.0.1:" + std::to_string(server_->port());
    channel_ = grpc::CreateChannel(address_, grpc::InsecureChannelCredentials());
    stub_ = v1::TranslationService::NewStub(channel_);
  }

  void TearDown() override {
    if (server_) server_->Stop();
    checkpoints_.Close();
    server_.reset();
    index_.reset();
    std::filesystem::remove_all(dir_);
  }

  void CatchUp() { index_->MarkCaughtUp(kFlow, {{0, 3}}); }
  void CheckpointsLoaded() { checkpoints_.MarkLoaded(kFlow); }

  std::filesystem::path dir_;
  std::unique_ptr<offsets::OffsetIndex> index_;
  offsets::CheckpointStore checkpoints_;
  std::atomic<bool> source_up_{true};
  std::atomic<int> source_reads_{0};
  FlowBackend backend_;
  std::unique_ptr<TranslationServer> server_;
  std::string address_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::TranslationService::Stub> stub_;
};

}  // namespace kmirror::api::apitest
