// The gRPC server in-process, called through real channels: answers come from a real
// OffsetIndex (in a temporary directory) and CheckpointStore; the source cluster is a fake.
#include "kmirror/api/translation_server.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <map>
#include <thread>

#include <gtest/gtest.h>

#include "api_fixture.h"
#include "kmirror/api/translation_client.h"

namespace kmirror::api {
namespace {

using apitest::kFlow;
using apitest::MakeCheckpoint;
using std::chrono::milliseconds;

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

class TranslationServerTest : public apitest::ApiFixture {
 protected:
  grpc::Status Translate(int64_t offset, v1::TranslateOffsetResponse* r, const std::string& from = "A",
                         int32_t partition = 0) {
    grpc::ClientContext ctx;
    v1::TranslateOffsetRequest req;
    req.mutable_flow()->set_source_alias(from);
    req.mutable_flow()->set_target_alias("B");
    req.set_topic("orders");
    req.set_partition(partition);
    req.set_offset(offset);
    return stub_->TranslateOffset(&ctx, req, r);
  }

  static v1::TranslateGroupRequest GroupRequest(const std::string& group, bool fallback) {
    v1::TranslateGroupRequest req;
    req.mutable_flow()->set_source_alias("A");
    req.mutable_flow()->set_target_alias("B");
    req.set_group(group);
    req.set_fallback_to_checkpoints(fallback);
    return req;
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
};

int64_t NowMs() {
  return std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

TEST_F(TranslationServerTest, NotReadyUntilTheIndexCaughtUpThenExact) {
  v1::TranslateOffsetResponse r;
  EXPECT_EQ(Translate(5, &r).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Health(), 2) << "NOT_SERVING while the index catches up";
  CatchUp();
  ASSERT_TRUE(Translate(5, &r).ok());
  EXPECT_EQ(r.translation().target_offset(), 105);
  EXPECT_EQ(r.translation().kind(), v1::TRANSLATION_KIND_EXACT);
  EXPECT_EQ(r.translation().target_topic(), "A.orders");
  EXPECT_EQ(r.translation().source_offset(), 5);
  EXPECT_FALSE(r.translation().deleted_on_source());
  ASSERT_TRUE(Translate(10, &r).ok());
  EXPECT_EQ(r.translation().target_offset(), 110);
  EXPECT_EQ(r.translation().kind(), v1::TRANSLATION_KIND_GAP);
  ASSERT_TRUE(Translate(40, &r).ok());
  EXPECT_EQ(r.translation().target_offset(), 115) << "where the next mirrored record lands";
  EXPECT_EQ(r.translation().kind(), v1::TRANSLATION_KIND_BEYOND_LAST_RUN);
  bool serving = false;
  for (int i = 0; i < 50 && !serving; ++i) {
    serving = Health() == 1;
    if (!serving) std::this_thread::sleep_for(milliseconds(100));
  }
  EXPECT_TRUE(serving) << "SERVING once every index is ready";
}

TEST_F(TranslationServerTest, OffsetsDeletedOnTheSourceAreSaidToBe) {
  CatchUp();
  v1::TranslateOffsetResponse r;
  ASSERT_TRUE(Translate(10, &r, "A", 1).ok());
  EXPECT_EQ(r.translation().kind(), v1::TRANSLATION_KIND_BEFORE_FIRST_RUN);
  EXPECT_EQ(r.translation().target_offset(), 0);
  EXPECT_TRUE(r.translation().deleted_on_source());
  EXPECT_EQ(r.translation().source_log_start_offset(), 50);
  ASSERT_TRUE(Translate(55, &r, "A", 1).ok());
  EXPECT_EQ(r.translation().target_offset(), 5);
  EXPECT_FALSE(r.translation().deleted_on_source());
}

TEST_F(TranslationServerTest, ErrorsAreStatusCodes) {
  CatchUp();
  v1::TranslateOffsetResponse r;
  EXPECT_EQ(Translate(5, &r, "C").error_code(), grpc::StatusCode::NOT_FOUND) << "unknown flow";
  EXPECT_EQ(Translate(-1, &r).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Translate(5, &r, "A", 7).error_code(), grpc::StatusCode::NOT_FOUND) << "partition never synced";
  // The client maps them back.
  TranslationClient client(address_);
  EXPECT_EQ(client.TranslateGroup(GroupRequest("nobody", true)).status().code(), StatusCode::kNotFound)
      << "the source answered: no such group, and the checkpoints are not asked";
  EXPECT_EQ(client.TranslateGroup(GroupRequest("", true)).status().code(), StatusCode::kInvalidArgument);
  auto other_flow = GroupRequest("billing", true);
  other_flow.mutable_flow()->set_target_alias("C");
  EXPECT_EQ(client.TranslateGroup(other_flow).status().code(), StatusCode::kNotFound);
}

TEST_F(TranslationServerTest, TranslateGroupFromTheSourceOrFromCheckpointsWhenItIsDown) {
  CatchUp();
  CheckpointsLoaded();
  // A checkpoint that disagrees with the source: the source's answer must win while it is up.
  checkpoints_.Put(MakeCheckpoint("billing", 7, 107));
  TranslationClient client(address_);
  auto req = GroupRequest("billing", true);
  auto r = client.TranslateGroup(req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->from_checkpoints());
  ASSERT_EQ(r->translations_size(), 1);
  EXPECT_EQ(r->translations(0).source_offset(), 11);
  EXPECT_EQ(r->translations(0).target_offset(), 110);  // 11 is in the gap: the next record
  EXPECT_EQ(r->translations(0).kind(), v1::TRANSLATION_KIND_GAP);
  ASSERT_EQ(r->errors_size(), 1) << "a topic this flow does not mirror is reported, not dropped";
  EXPECT_EQ(r->errors(0).source_topic(), "other");
  EXPECT_EQ(r->errors(0).source_offset(), 5);
  EXPECT_EQ(r->errors(0).code(), static_cast<int>(grpc::StatusCode::NOT_FOUND));

  source_up_ = false;
  r = client.TranslateGroup(req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->from_checkpoints());
  ASSERT_EQ(r->translations_size(), 1);
  EXPECT_EQ(r->translations(0).source_offset(), 7);
  EXPECT_EQ(r->translations(0).target_offset(), 107);
  EXPECT_EQ(r->translations(0).target_topic(), "A.orders");
  EXPECT_EQ(r->errors_size(), 0);

  EXPECT_EQ(client.TranslateGroup(GroupRequest("audit", true)).status().code(), StatusCode::kNotFound)
      << "source down and no checkpoints of that group";
  EXPECT_EQ(client.TranslateGroup(GroupRequest("billing", false)).status().code(), StatusCode::kUnavailable)
      << "no fallback asked for";
}

TEST_F(TranslationServerTest, TranslateGroupIsRefusedWhileTheIndexCatchesUp) {
  CheckpointsLoaded();
  checkpoints_.Put(MakeCheckpoint("billing", 7, 107));
  TranslationClient client(address_);
  EXPECT_EQ(client.TranslateGroup(GroupRequest("billing", true)).status().code(), StatusCode::kFailedPrecondition);
  source_up_ = false;
  EXPECT_EQ(client.TranslateGroup(GroupRequest("billing", true)).status().code(), StatusCode::kFailedPrecondition)
      << "not even from checkpoints";
  EXPECT_EQ(source_reads_.load(), 0) << "readiness is checked before the source is asked";
}

TEST_F(TranslationServerTest, CheckpointFallbackWaitsUntilTheCheckpointsAreLoaded) {
  CatchUp();
  source_up_ = false;
  // The reader has read only part of the checkpoints topic: the store may hold an older
  // checkpoint or miss partitions, and a failover would commit that.
  checkpoints_.Put(MakeCheckpoint("billing", 7, 107));
  TranslationClient client(address_);
  auto r = client.TranslateGroup(GroupRequest("billing", true));
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition) << (r.ok() ? "answered" : r.status().ToString());
  grpc::ClientContext ctx;
  v1::ListCheckpointsRequest list;
  list.mutable_flow()->set_source_alias("A");
  list.mutable_flow()->set_target_alias("B");
  v1::ListCheckpointsResponse resp;
  EXPECT_EQ(stub_->ListCheckpoints(&ctx, list, &resp).error_code(), grpc::StatusCode::FAILED_PRECONDITION);

  CheckpointsLoaded();
  r = client.TranslateGroup(GroupRequest("billing", true));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->from_checkpoints());
}

TEST_F(TranslationServerTest, CheckpointsAreListedAndWatched) {
  CheckpointsLoaded();
  checkpoints_.Put(MakeCheckpoint("billing", 7, 107));
  checkpoints_.Put(MakeCheckpoint("billing", 3, 3, "payments"));
  checkpoints_.Put(MakeCheckpoint("audit", 8, 108));
  auto list = [&](const std::string& group, const std::string& topic) {
    grpc::ClientContext ctx;
    v1::ListCheckpointsRequest req;
    req.mutable_flow()->set_source_alias("A");
    req.mutable_flow()->set_target_alias("B");
    req.set_group(group);
    req.set_topic(topic);
    v1::ListCheckpointsResponse resp;
    EXPECT_TRUE(stub_->ListCheckpoints(&ctx, req, &resp).ok());
    return resp;
  };
  EXPECT_EQ(list("", "").checkpoints_size(), 3);
  EXPECT_EQ(list("billing", "").checkpoints_size(), 2);
  auto one = list("billing", "orders");
  ASSERT_EQ(one.checkpoints_size(), 1);
  EXPECT_EQ(one.checkpoints(0).group(), "billing");
  EXPECT_EQ(one.checkpoints(0).target_topic(), "A.orders");
  EXPECT_EQ(one.checkpoints(0).upstream_offset(), 7);
  EXPECT_EQ(one.checkpoints(0).downstream_offset(), 107);
  EXPECT_EQ(one.checkpoints(0).flow().source_alias(), "A");
  EXPECT_EQ(list("", "payments").checkpoints_size(), 1);

  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::WatchCheckpointsRequest req;
  req.mutable_flow()->set_source_alias("A");
  req.mutable_flow()->set_target_alias("B");
  req.set_group("billing");
  auto reader = stub_->WatchCheckpoints(&ctx, req);
  v1::CheckpointUpdate u;
  std::map<std::string, int64_t> initial;
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(reader->Read(&u));
    EXPECT_TRUE(u.initial());
    initial[u.checkpoint().source_topic()] = u.checkpoint().upstream_offset();
  }
  EXPECT_EQ(initial, (std::map<std::string, int64_t>{{"orders", 7}, {"payments", 3}}));
  checkpoints_.Put(MakeCheckpoint("audit", 9, 109));  // another group: not sent
  checkpoints_.Put(MakeCheckpoint("billing", 9, 109));
  ASSERT_TRUE(reader->Read(&u));
  EXPECT_FALSE(u.initial());
  EXPECT_EQ(u.checkpoint().group(), "billing");
  EXPECT_EQ(u.checkpoint().downstream_offset(), 109);
  ctx.TryCancel();
}

TEST_F(TranslationServerTest, StopEndsOpenWatchesPromptly) {
  CheckpointsLoaded();
  checkpoints_.Put(MakeCheckpoint("billing", 7, 107));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::WatchCheckpointsRequest req;
  req.mutable_flow()->set_source_alias("A");
  req.mutable_flow()->set_target_alias("B");
  auto reader = stub_->WatchCheckpoints(&ctx, req);
  v1::CheckpointUpdate u;
  ASSERT_TRUE(reader->Read(&u));
  // The store stays open (it is shared with the rest of the process): only the server's
  // own stop flag can end the stream, and Stop() must not sit out its shutdown grace period.
  const auto t0 = std::chrono::steady_clock::now();
  server_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, milliseconds(1500));
  EXPECT_FALSE(reader->Read(&u));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
  server_->Stop();  // idempotent
}

TEST_F(TranslationServerTest, AClosedCheckpointStoreEndsWatches) {
  CheckpointsLoaded();
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::WatchCheckpointsRequest req;
  req.mutable_flow()->set_source_alias("A");
  req.mutable_flow()->set_target_alias("B");
  auto reader = stub_->WatchCheckpoints(&ctx, req);
  std::this_thread::sleep_for(milliseconds(300));  // the handler is waiting for changes
  const auto t0 = std::chrono::steady_clock::now();
  checkpoints_.Close();
  v1::CheckpointUpdate u;
  EXPECT_FALSE(reader->Read(&u));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
}

TEST_F(TranslationServerTest, ReplicationStatusReportsLagAndHeartbeat) {
  CatchUp();
  grpc::ClientContext ctx;
  v1::GetReplicationStatusRequest req;
  v1::GetReplicationStatusResponse resp;
  const int64_t before = NowMs();
  ASSERT_TRUE(stub_->GetReplicationStatus(&ctx, req, &resp).ok());
  const int64_t after = NowMs();
  ASSERT_EQ(resp.flows_size(), 1);
  const auto& f = resp.flows(0);
  EXPECT_EQ(f.flow().source_alias(), "A");
  EXPECT_EQ(f.flow().target_alias(), "B");
  EXPECT_TRUE(f.index_ready());
  EXPECT_EQ(f.last_heartbeat_ms(), 1000);
  EXPECT_EQ(f.last_heartbeat_lag_ms(), 250);
  ASSERT_EQ(f.log_positions_size(), 1);
  EXPECT_EQ(f.log_positions(0).next_offset(), 3);
  EXPECT_EQ(f.log_positions(0).end_offset(), 3);
  ASSERT_EQ(f.partitions_size(), 2);
  const auto& p0 = f.partitions(0).partition() == 0 ? f.partitions(0) : f.partitions(1);
  const auto& p1 = f.partitions(0).partition() == 0 ? f.partitions(1) : f.partitions(0);
  EXPECT_EQ(p0.target_topic(), "A.orders");
  EXPECT_EQ(p0.mirrored_source_end(), 17);
  EXPECT_EQ(p0.mirrored_target_end(), 115);
  EXPECT_EQ(p0.source_end_offset(), 20);
  EXPECT_EQ(p0.source_end_seen_at_ms(), 1700000001000);
  EXPECT_EQ(p0.last_sync_written_at_ms(), apitest::kSyncWrittenAtMs);
  EXPECT_EQ(p0.lag_records(), 3);
  // Behind: the lag in time is the age of the partition's last offset sync.
  EXPECT_GE(p0.lag_ms(), before - apitest::kSyncWrittenAtMs);
  EXPECT_LE(p0.lag_ms(), after - apitest::kSyncWrittenAtMs);
  EXPECT_EQ(p1.source_log_start_offset(), 50);
  EXPECT_EQ(p1.mirrored_source_end(), 60);
  EXPECT_EQ(p1.source_end_offset(), -1) << "its source end was never seen";
  EXPECT_EQ(p1.lag_records(), -1);
  EXPECT_EQ(p1.lag_ms(), -1);
  EXPECT_EQ(f.lag_records(), 3) << "the sum over partitions whose lag is known";
  ASSERT_EQ(f.stopped_partitions_size(), 1);
  const auto& st = f.stopped_partitions(0);
  EXPECT_EQ(st.source_topic(), "orders");
  EXPECT_EQ(st.partition(), 1);
  EXPECT_EQ(st.offset(), 60);
  EXPECT_EQ(st.target_topic(), "A.orders");
  EXPECT_NE(st.reason().find("MSG_SIZE_TOO_LARGE"), std::string::npos);
  EXPECT_EQ(st.since_ms(), 1700000002000);
  EXPECT_EQ(f.dead_lettered_records(), 2);

  grpc::ClientContext ctx2;
  req.mutable_flow()->set_source_alias("B");
  req.mutable_flow()->set_target_alias("A");
  EXPECT_EQ(stub_->GetReplicationStatus(&ctx2, req, &resp).error_code(), grpc::StatusCode::NOT_FOUND);
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
