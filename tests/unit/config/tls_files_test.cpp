// The API's TLS files (config/tls_files.h) and the api.tls.* settings: a wrong file is an
// error naming the file and the setting (and its line), never its content.
#include "kmirror/config/tls_files.h"

#include <gtest/gtest.h>

#include "config_test_util.h"
#include "kmirror/config/mirror_config.h"
#include "support/test_pki.h"

namespace kmirror::config {
namespace {

using testing::FindProblem;
using testing::ProblemsOf;

class TlsFilesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { pki_ = test::TestPki::Create("pki-config", false).release(); }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }
  const test::TestPki& Pki() const { return *pki_; }
  std::vector<ConfigProblem> Fail(const std::string& lines) {
    const std::string path = dir_.Write("mm2.properties", kFlow + lines);
    return ProblemsOf([&] { LoadMm2Properties(path); });
  }

  static inline test::TestPki* pki_ = nullptr;
  const std::string kFlow =
      "clusters = A, B\nA.bootstrap.servers = a:9092\nB.bootstrap.servers = b:9092\n"
      "A->B.enabled = true\n";
  testing::TempDir dir_;
};

TEST_F(TlsFilesTest, ReadsAMatchingCertificateKeyAndCa) {
  auto tls = ReadTlsFiles(Pki().server_crt(), Pki().server_key(), Pki().ca_pem(), "cert", "key", "ca");
  ASSERT_TRUE(tls.ok()) << tls.status().ToString();
  EXPECT_NE(tls->cert_chain.find("BEGIN CERTIFICATE"), std::string::npos);
  EXPECT_NE(tls->private_key.find("PRIVATE KEY"), std::string::npos);
  EXPECT_NE(tls->ca.find("BEGIN CERTIFICATE"), std::string::npos);
  EXPECT_TRUE(tls->has_identity());
  auto ca_only = ReadTlsFiles("", "", Pki().ca_pem(), "cert", "key", "ca");
  ASSERT_TRUE(ca_only.ok()) << ca_only.status().ToString();
  EXPECT_FALSE(ca_only->has_identity());
}

TEST_F(TlsFilesTest, NamesTheFileThatIsWrong) {
  auto missing = ReadTlsFiles(Pki().path("nope.crt"), Pki().server_key(), "", "--api-cert", "--api-key", "--api-ca");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(), "--api-cert: " + Pki().path("nope.crt") + ": cannot be read");

  auto not_a_key = ReadTlsFiles(Pki().server_crt(), Pki().ca_pem(), "", "--api-cert", "--api-key", "--api-ca");
  ASSERT_FALSE(not_a_key.ok());
  EXPECT_EQ(not_a_key.status().message(), "--api-key: " + Pki().ca_pem() +
                                              ": holds no PEM private key (-----BEGIN "
                                              "PRIVATE KEY-----)");

  auto not_a_cert = ReadTlsFiles("", "", Pki().server_key(), "--api-cert", "--api-key", "--api-ca");
  ASSERT_FALSE(not_a_cert.ok());
  EXPECT_NE(not_a_cert.status().message().find("--api-ca: " + Pki().server_key() + ": holds no PEM certificate"),
            std::string::npos)
      << not_a_cert.status().message();

  auto mismatch = ReadTlsFiles(Pki().server_crt(), Pki().client_key(), "", "--api-cert", "--api-key", "--api-ca");
  ASSERT_FALSE(mismatch.ok());
  EXPECT_NE(mismatch.status().message().find("is not the key of the certificate"), std::string::npos)
      << mismatch.status().message();

  auto encrypted = ReadTlsFiles(Pki().client_crt(), Pki().path("client.key.enc"), "", "--api-cert", "--api-key", "");
  ASSERT_FALSE(encrypted.ok());
  EXPECT_NE(encrypted.status().message().find("is encrypted"), std::string::npos) << encrypted.status().message();
  EXPECT_EQ(encrypted.status().message().find(Pki().key_password()), std::string::npos);

  auto half = ReadTlsFiles(Pki().client_crt(), "", "", "--api-cert", "--api-key", "--api-ca");
  ASSERT_FALSE(half.ok());
  EXPECT_EQ(half.status().message(), "--api-cert is set without --api-key: give both or neither");
}

TEST_F(TlsFilesTest, SettingsLoadTheFilesAtStartUp) {
  const std::string path =
      dir_.Write("mm2.properties",
                 kFlow + "api.tls.cert.file = " + Pki().server_crt() + "\napi.tls.key.file = " + Pki().server_key() +
                     "\napi.tls.client.ca.file = " + Pki().ca_pem() + "\napi.watch.max.streams = 3\n");
  MirrorConfig c = LoadMm2Properties(path);
  EXPECT_TRUE(c.api_tls.has_identity());
  EXPECT_FALSE(c.api_tls.ca.empty());
  EXPECT_EQ(c.api_watch_max_streams, 3);
  MirrorConfig plain = LoadMm2Properties(dir_.Write("plain.properties", kFlow));
  EXPECT_FALSE(plain.api_tls.has_identity());
  EXPECT_TRUE(plain.api_tls.ca.empty());
  EXPECT_EQ(plain.api_watch_max_streams, 16);
}

TEST_F(TlsFilesTest, BadSettingsAreLocated) {
  auto problems =
      Fail("api.tls.cert.file = " + Pki().server_crt() + "\napi.tls.key.file = " + Pki().path("gone") + "\n");
  const ConfigProblem* p = FindProblem(problems, "mm2.properties:6: api.tls.key.file: " + Pki().path("gone"));
  EXPECT_NE(p, nullptr) << testing::AllText(problems);

  problems = Fail("api.tls.cert.file = " + Pki().server_crt() + "\n");
  EXPECT_NE(FindProblem(problems,
                        "mm2.properties:5: api.tls.cert.file: api.tls.cert.file is set without "
                        "api.tls.key.file"),
            nullptr)
      << testing::AllText(problems);

  problems = Fail("api.tls.client.ca.file = " + Pki().ca_pem() + "\n");
  EXPECT_NE(FindProblem(problems, "mm2.properties:5: api.tls.client.ca.file: needs api.tls.cert.file"), nullptr)
      << testing::AllText(problems);

  problems = Fail("api.watch.max.streams = 0\n");
  EXPECT_NE(FindProblem(problems, "mm2.properties:5: api.watch.max.streams"), nullptr) << testing::AllText(problems);
}

}  // namespace
}  // namespace kmirror::config
