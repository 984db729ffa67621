// The gRPC server in-process, called through real channels: answers come from a real
// OffsetIndex (in a temporary directory) and CheckpointStore; the source cluster is a fake.
#include "kmirror/api/translation_server.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "kmirror/api/translation_client.h"
#include "kmirror/offsets/offset_sync_event.h"

namespace kmirror::api {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

const offsets::FlowKey kFlow{"A", "B"};

v1::OffsetSyncEvent SyncRun(int32_t partition, int64_t s0, int64_t t0, int64_t count) {
  v1::OffsetSyncEvent e;
  e.set_version(offsets::kOffsetSyncEventVersion);
  e.mutable_flow()->set_source_alias("A");
  e.mutable_flow()->set_target_alias("B");
  e.set_source_topic("orders");
  e.set_target_topic("A.orders");
  e.set_partition(partition);
  e.set_first_source_offset(s0);
  e.set_first_target_offset(t0);
  e.set_record_count(count);
  e.set_source_log_start_offset(-1);
  e.set_written_at_ms(1700000000000);
  return e;
}

// Raw bytes over a generic call: the health and reflection services have no C++ stubs in
// Debian's gRPC packages, and their messages are tiny.
std::string RawCall(const std::shared_ptr<grpc::Channel>& channel, const std::string& method, const std::string& req,
                    grpc::Status* status) {
  grpc::GenericStub stub(channel);
  grpc::CompletionQueue cq;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto call = stub.PrepareCall(&ctx, method, &cq);
  void* tag = nullptr;
  bool ok = false;
  auto step = [&](int id) {
    EXPECT_TRUE(cq.Next(&tag, &ok));
    EXPECT_EQ(tag, reinterpret_cast<void*>(static_cast<intptr_t>(id)));
    return ok;
  };
  call->StartCall(reinterpret_cast<void*>(1));
  step(1);
  grpc::Slice slice(req);
  grpc::ByteBuffer request(&slice, 1);
  call->Write(request, reinterpret_cast<void*>(2));
  step(2);
  call->WritesDone(reinterpret_cast<void*>(3));
  step(3);
  grpc::ByteBuffer response;
  call->Read(&response, reinterpret_cast<void*>(4));
  std::string out;
  if (step(4)) {
    std::vector<grpc::Slice> slices;
    (void)response.Dump(&slices);
    for (const auto& s : slices) out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  call->Finish(status, reinterpret_cast<void*>(5));
  step(5);
  return out;
}

class TranslationServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "kmirror-api-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    auto index = offsets::OffsetIndex::Open(dir_.string());
    ASSERT_TRUE(index.ok()) << index.status().ToString();
    index_ = std::move(index).value();
    // orders-0: 0..9 -> 100..109, 12..16 -> 110..114 (10, 11: a gap)
    ASSERT_TRUE(index_->Apply(SyncRun(0, 0, 100, 10), {0, 0}).ok());
    ASSERT_TRUE(index_->Apply(SyncRun(0, 12, 110, 5), {0, 1}).ok());

    FlowBackend b;
    b.flow = kFlow;
    b.index = index_.get();
    b.checkpoints = &checkpoints_;
    b.read_source_group = [this](const std::string& group) -> Result<std::vector<kafka::GroupOffset>> {
      if (!source_up_) return Unavailable("source down");
      if (group != "billing") return NotFound("no group " + group);
      return std::vector<kafka::GroupOffset>{{{"orders", Partition(0)}, 11, ""}, {{"other", Partition(0)}, 5, ""}};
    };
    b.runtime = [] {
      FlowRuntime r;
      r.log_end = {{0, 2}};
      r.source_end = {{{"orders", Partition(0)}, 20}};
      r.last_heartbeat_ms = 1000;
      r.last_heartbeat_seen_at_ms = 1250;
      return r;
    };
    auto server = TranslationServer::Start("127.0.0.1:0", {b});
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
    address_ = "127.0.0.1:" + std::to_string(server_->port());
    channel_ = grpc::CreateChannel(address_, grpc::InsecureChannelCredentials());
    stub_ = v1::TranslationService::NewStub(channel_);
  }
  void TearDown() override {
    checkpoints_.Close();
    if (server_) server_->Stop();
    server_.reset();
    index_.reset();
    fs::remove_all(dir_);
  }

  grpc::Status Translate(int64_t offset, v1::TranslateOffsetResponse* r, const std::string& from = "A") {
    grpc::ClientContext ctx;
    v1::TranslateOffsetRequest req;
    req.mutable_flow()->set_source_alias(from);
    req.mutable_flow()->set_target_alias("B");
    req.set_topic("orders");
    req.set_partition(0);
    req.set_offset(offset);
    return stub_->TranslateOffset(&ctx, req, r);
  }

  // Health/Check for the service: the HealthCheckResponse's status byte (1 SERVING, 2 NOT_SERVING).
  int Health() {
    const std::string name = "kmirror.v1.TranslationService";
    std::string req = std::string(1, '\x0a') + static_cast<char>(name.size()) + name;
    grpc::Status s;
    std::string resp = RawCall(channel_, "/grpc.health.v1.Health/Check", req, &s);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp.size() == 2 && resp[0] == '\x08' ? resp[1] : -1;
  }

  fs::path dir_;
  std::unique_ptr<offsets::OffsetIndex> index_;
  offsets::CheckpointStore checkpoints_;
  bool source_up_ = true;
  std::unique_ptr<TranslationServer> server_;
  std::string address_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::TranslationService::Stub> stub_;
};

TEST_F(TranslationServerTest, NotReadyUntilTheIndexCaughtUpThenExact) {
  v1::TranslateOffsetResponse r;
  EXPECT_EQ(Translate(5, &r).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Health(), 2) << "NOT_SERVING while the index catches up";
  index_->MarkCaughtUp(kFlow, {{0, 2}});
  ASSERT_TRUE(Translate(5, &r).ok());
  EXPECT_EQ(r.translation().target_offset(), 105);
  EXPECT_EQ(r.translation().kind(), v1::TRANSLATION_KIND_EXACT);
  EXPECT_EQ(r.translation().target_topic(), "A.orders");
  ASSERT_TRUE(Translate(10, &r).ok());
  EXPECT_EQ(r.translation().target_offset(), 110);
  EXPECT_EQ(r.translation().kind(), v1::TRANSLATION_KIND_GAP);
  bool serving = false;
  for (int i = 0; i < 50 && !serving; ++i) {
    serving = Health() == 1;
    if (!serving) std::this_thread::sleep_for(milliseconds(100));
  }
  EXPECT_TRUE(serving) << "SERVING once every index is ready";
}

TEST_F(TranslationServerTest, ErrorsAreStatusCodes) {
  index_->MarkCaughtUp(kFlow, {{0, 2}});
  v1::TranslateOffsetResponse r;
  EXPECT_EQ(Translate(5, &r, "C").error_code(), grpc::StatusCode::NOT_FOUND) << "unknown flow";
  EXPECT_EQ(Translate(-1, &r).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  // The client maps them back.
  TranslationClient client(address_);
  v1::TranslateGroupRequest req;
  req.mutable_flow()->set_source_alias("A");
  req.mutable_flow()->set_target_alias("B");
  req.set_group("nobody");
  EXPECT_EQ(client.TranslateGroup(req).status().code(), StatusCode::kNotFound);
}

TEST_F(TranslationServerTest, TranslateGroupFromTheSourceOrFromCheckpointsWhenItIsDown) {
  index_->MarkCaughtUp(kFlow, {{0, 2}});
  TranslationClient client(address_);
  v1::TranslateGroupRequest req;
  req.mutable_flow()->set_source_alias("A");
  req.mutable_flow()->set_target_alias("B");
  req.set_group("billing");
  req.set_fallback_to_checkpoints(true);
  auto r = client.TranslateGroup(req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->from_checkpoints());
  ASSERT_EQ(r->translations_size(), 1);
  EXPECT_EQ(r->translations(0).target_offset(), 110);  // 11 is in the gap: the next record
  ASSERT_EQ(r->errors_size(), 1) << "a topic this flow does not mirror is reported, not dropped";
  EXPECT_EQ(r->errors(0).source_topic(), "other");

  source_up_ = false;
  EXPECT_EQ(client.TranslateGroup(req).status().code(), StatusCode::kNotFound) << "no checkpoints yet";
  offsets::CheckpointRecord c;
  c.flow = kFlow;
  c.group = "billing";
  c.source_topic = "orders";
  c.target_topic = "A.orders";
  c.partition = Partition(0);
  c.upstream = SourceOffset(7);
  c.downstream = TargetOffset(107);
  checkpoints_.Put(c);
  r = client.TranslateGroup(req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->from_checkpoints());
  ASSERT_EQ(r->translations_size(), 1);
  EXPECT_EQ(r->translations(0).source_offset(), 7);
  EXPECT_EQ(r->translations(0).target_offset(), 107);
  req.set_fallback_to_checkpoints(false);
  EXPECT_EQ(client.TranslateGroup(req).status().code(), StatusCode::kUnavailable);
}

TEST_F(TranslationServerTest, CheckpointsAreListedAndWatched) {
  offsets::CheckpointRecord c;
  c.flow = kFlow;
  c.group = "billing";
  c.source_topic = "orders";
  c.target_topic = "A.orders";
  c.partition = Partition(0);
  c.upstream = SourceOffset(7);
  c.downstream = TargetOffset(107);
  checkpoints_.Put(c);
  c.group = "audit";
  checkpoints_.Put(c);
  {
    grpc::ClientContext ctx;
    v1::ListCheckpointsRequest req;
    req.mutable_flow()->set_source_alias("A");
    req.mutable_flow()->set_target_alias("B");
    req.set_group("billing");
    v1::ListCheckpointsResponse resp;
    ASSERT_TRUE(stub_->ListCheckpoints(&ctx, req, &resp).ok());
    ASSERT_EQ(resp.checkpoints_size(), 1);
    EXPECT_EQ(resp.checkpoints(0).downstream_offset(), 107);
  }
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::WatchCheckpointsRequest req;
  req.mutable_flow()->set_source_alias("A");
  req.mutable_flow()->set_target_alias("B");
  req.set_group("billing");
  auto reader = stub_->WatchCheckpoints(&ctx, req);
  v1::CheckpointUpdate u;
  ASSERT_TRUE(reader->Read(&u));
  EXPECT_TRUE(u.initial());
  EXPECT_EQ(u.checkpoint().upstream_offset(), 7);
  c.group = "billing";
  c.upstream = SourceOffset(9);
  c.downstream = TargetOffset(109);
  checkpoints_.Put(c);
  ASSERT_TRUE(reader->Read(&u));
  EXPECT_FALSE(u.initial());
  EXPECT_EQ(u.checkpoint().downstream_offset(), 109);
  ctx.TryCancel();
}

TEST_F(TranslationServerTest, ReplicationStatusReportsLagAndHeartbeat) {
  index_->MarkCaughtUp(kFlow, {{0, 2}});
  grpc::ClientContext ctx;
  v1::GetReplicationStatusRequest req;
  v1::GetReplicationStatusResponse resp;
  ASSERT_TRUE(stub_->GetReplicationStatus(&ctx, req, &resp).ok());
  ASSERT_EQ(resp.flows_size(), 1);
  const auto& f = resp.flows(0);
  EXPECT_TRUE(f.index_ready());
  EXPECT_EQ(f.last_heartbeat_ms(), 1000);
  EXPECT_EQ(f.last_heartbeat_lag_ms(), 250);
  ASSERT_EQ(f.log_positions_size(), 1);
  EXPECT_EQ(f.log_positions(0).next_offset(), 2);
  EXPECT_EQ(f.log_positions(0).end_offset(), 2);
  ASSERT_EQ(f.partitions_size(), 1);
  EXPECT_EQ(f.partitions(0).mirrored_source_end(), 17);
  EXPECT_EQ(f.partitions(0).source_end_offset(), 20);
  EXPECT_EQ(f.partitions(0).lag_records(), 3);
  EXPECT_EQ(f.lag_records(), 3);
}

TEST_F(TranslationServerTest, ReflectionListsTheService) {
  // ServerReflectionRequest{list_services: ""} is field 7, an empty string.
  grpc::Status s;
  std::string resp = RawCall(channel_, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
                             std::string("\x3a\x00", 2), &s);
  EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_NE(resp.find("kmirror.v1.TranslationService"), std::string::npos);
  EXPECT_NE(resp.find("grpc.health.v1.Health"), std::string::npos);
}

TEST(TranslationServerStartTest, AnAddressInUseIsAClearError) {
  auto first = TranslationServer::Start("127.0.0.1:0", {});
  ASSERT_TRUE(first.ok());
  auto second = TranslationServer::Start("127.0.0.1:" + std::to_string((*first)->port()), {});
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("127.0.0.1:"), std::string::npos) << second.status().ToString();
}

}  // namespace
}  // namespace kmirror::api
