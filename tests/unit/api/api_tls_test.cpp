// The API over TLS and mutual TLS (ServerOptions' certificate, key and client CA), as
// kmirror's own client (TranslationClient, `kmirror translate` / `status`) and the Python
// example use it, and the limit on concurrent WatchCheckpoints streams.
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdlib>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "api_fixture.h"
#include "kmirror/api/translation_client.h"
#include "kmirror/app/commands.h"
#include "kmirror/config/tls_files.h"
#include "support/test_pki.h"

namespace kmirror::api {
namespace {

std::string Read(const std::string& path) {
  auto pem =
      config::ReadPemFile(path, path.ends_with(".key") ? config::PemKind::kPrivateKey : config::PemKind::kCertificates);
  EXPECT_TRUE(pem.ok()) << pem.status().ToString();
  return pem.ok() ? *pem : "";
}

class ApiTlsTest : public apitest::ApiFixture {
 protected:
  static void SetUpTestSuite() { pki_ = test::TestPki::Create("pki-api", false).release(); }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }
  const test::TestPki& Pki() const { return *pki_; }

  void ServeTls(bool require_client_certificates) {
    Restart(ServerOptions{.listen = "127.0.0.1:0",
                          .tls_cert_chain = Read(Pki().server_crt()),
                          .tls_private_key = Read(Pki().server_key()),
                          .tls_client_ca = require_client_certificates ? Read(Pki().ca_pem()) : ""});
  }
  ClientTls Tls(const std::string& ca, const std::string& cert = "", const std::string& key = "") const {
    return ClientTls{.use_tls = true,
                     .ca = ca.empty() ? "" : Read(ca),
                     .cert_chain = cert.empty() ? "" : Read(cert),
                     .private_key = key.empty() ? "" : Read(key)};
  }
  Status Call(const ClientTls& tls) {
    TranslationClient client(address_, tls, std::chrono::seconds(10));
    auto r = client.GetReplicationStatus({});
    return r.ok() ? Status::Ok() : r.status();
  }

  static inline test::TestPki* pki_ = nullptr;
};

TEST_F(ApiTlsTest, ServesTlsToClientsThatTrustItsCertificate) {
  ServeTls(false);
  Status ok = Call(Tls(Pki().ca_pem()));
  EXPECT_TRUE(ok.ok()) << ok.ToString();
  // A plaintext client, and one trusting another CA, are refused with what to check.
  Status plain = Call(ClientTls{});
  EXPECT_EQ(plain.code(), StatusCode::kUnavailable) << plain.ToString();
  EXPECT_NE(plain.message().find("give --api-ca"), std::string::npos) << plain.ToString();
  Status other = Call(Tls(Pki().other_ca_pem()));
  EXPECT_EQ(other.code(), StatusCode::kUnavailable) << other.ToString();
  EXPECT_NE(other.message().find("does --api-ca hold the CA of its certificate"), std::string::npos)
      << other.ToString();
}

TEST_F(ApiTlsTest, MutualTlsRefusesClientsWithoutATrustedCertificate) {
  ServeTls(true);
  Status ok = Call(Tls(Pki().ca_pem(), Pki().client_crt(), Pki().client_key()));
  EXPECT_TRUE(ok.ok()) << ok.ToString();
  Status none = Call(Tls(Pki().ca_pem()));
  EXPECT_EQ(none.code(), StatusCode::kUnavailable) << none.ToString();
  EXPECT_NE(none.message().find("--api-cert/--api-key"), std::string::npos) << none.ToString();
  Status stranger = Call(Tls(Pki().ca_pem(), Pki().stranger_crt(), Pki().stranger_key()));
  EXPECT_EQ(stranger.code(), StatusCode::kUnavailable) << stranger.ToString();
  Status plain = Call(ClientTls{});
  EXPECT_EQ(plain.code(), StatusCode::kUnavailable) << plain.ToString();
}

TEST_F(ApiTlsTest, CommandsTakeTheTlsFlagsAndNameABadFile) {
  ServeTls(true);
  CatchUp();
  app::TranslateArgs a;
  a.api = address_;
  a.from = "A";
  a.to = "B";
  a.topic = "orders";
  a.partition = 0;
  a.offset = 5;
  a.api_tls = {.ca = Pki().ca_pem(), .cert = Pki().client_crt(), .key = Pki().client_key()};
  std::ostringstream out, err;
  ASSERT_EQ(app::RunTranslate(a, out, err), 0) << err.str();
  EXPECT_EQ(out.str(), "A:orders-0@5 -> B:A.orders-0@105 (exact)\n");

  app::StatusArgs st;
  st.api = address_;
  st.api_tls = a.api_tls;
  EXPECT_EQ(app::RunStatus(st, out, err), 1) << "answered (orders-1 is stopped): " << err.str();
  EXPECT_NE(out.str().find("STOPPED orders-1"), std::string::npos) << out.str();

  // Without a client certificate: refused at run time, exit 1.
  st.api_tls = {.ca = Pki().ca_pem()};
  err.str("");
  EXPECT_EQ(app::RunStatus(st, out, err), 1);
  EXPECT_NE(err.str().find("Unavailable"), std::string::npos) << err.str();
  // A file that is not there, or is not what the flag wants: exit 2, naming flag and file.
  a.api_tls.ca = Pki().path("missing.pem");
  err.str("");
  EXPECT_EQ(app::RunTranslate(a, out, err), 2);
  EXPECT_EQ(err.str(), "kmirror translate: --api-ca: " + Pki().path("missing.pem") + ": cannot be read\n");
  st.api_tls = {.ca = Pki().ca_pem(), .cert = Pki().client_crt(), .key = Pki().server_key()};
  err.str("");
  EXPECT_EQ(app::RunStatus(st, out, err), 2);
  EXPECT_NE(err.str().find("--api-key: " + Pki().server_key() + " is not the key of the certificate"),
            std::string::npos)
      << err.str();
}

// The Python example client with --ca/--cert/--key against a mutual-TLS server.
TEST_F(ApiTlsTest, PythonClientOverMutualTls) {
  if (std::system("/usr/bin/python3 -c 'import grpc, grpc_tools.protoc' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "python3 with grpcio and grpc_tools is not installed";
  }
  ServeTls(true);
  CatchUp();
  const std::string script = std::string(KMIRROR_SOURCE_DIR) + "/docs/examples/python/kmirror_client.py";
  const std::string base = "/usr/bin/python3 " + script + " --api " + address_ +
                           " --source A --target B --group billing --ca " + Pki().ca_pem();
  test::RunResult ok =
      test::RunToExit({"/bin/sh", "-c", base + " --cert " + Pki().client_crt() + " --key " + Pki().client_key()},
                      std::chrono::seconds(60));
  EXPECT_EQ(ok.exit_code, 1) << "other-0 is not translated: " << ok.output;
  EXPECT_NE(ok.output.find(R"({"topic": "A.orders", "partition": 0, "offset": 110,)"), std::string::npos) << ok.output;
  test::RunResult refused = test::RunToExit({"/bin/sh", "-c", base}, std::chrono::seconds(60));
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find("error: UNAVAILABLE"), std::string::npos) << refused.output;
}

// One stream over api.watch.max.streams is refused with RESOURCE_EXHAUSTED; a place frees
// when a stream ends.
TEST_F(ApiTlsTest, WatchStreamsOverTheLimitAreRefused) {
  Restart(ServerOptions{.listen = "127.0.0.1:0", .max_watch_streams = 1});
  CheckpointsLoaded();
  checkpoints_.Put(apitest::MakeCheckpoint("billing", 7, 107));
  v1::WatchCheckpointsRequest req;
  req.mutable_flow()->set_source_alias("A");
  req.mutable_flow()->set_target_alias("B");

  grpc::ClientContext first_ctx;
  auto first = stub_->WatchCheckpoints(&first_ctx, req);
  v1::CheckpointUpdate u;
  ASSERT_TRUE(first->Read(&u)) << "the first stream gets the initial checkpoints";
  EXPECT_TRUE(u.initial());

  grpc::ClientContext second_ctx;
  auto second = stub_->WatchCheckpoints(&second_ctx, req);
  EXPECT_FALSE(second->Read(&u));
  grpc::Status refused = second->Finish();
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(refused.error_message().find("already serves 1 WatchCheckpoints streams (api.watch.max.streams)"),
            std::string::npos)
      << refused.error_message();

  first_ctx.TryCancel();
  first->Finish().IgnoreError();
  // The handler notices the cancellation within its wait and gives its place back.
  bool reopened = false;
  for (int attempt = 0; attempt < 200 && !reopened; ++attempt) {
    grpc::ClientContext ctx;
    auto again = stub_->WatchCheckpoints(&ctx, req);
    reopened = again->Read(&u);
    ctx.TryCancel();
    again->Finish().IgnoreError();
    if (!reopened) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(reopened);
}

}  // namespace
}  // namespace kmirror::api
