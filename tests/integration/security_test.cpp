// Secure connections against real brokers: TLS with mutual authentication, SASL_SSL with
// SCRAM-SHA-256 and -512, trust and key stores in the forms MM2 users write them (PEM,
// PKCS12 written by keytool or openssl, JKS refused with the conversion command), passwords
// from config providers (${file:...}, ${env:...}), and the faults that must stop kmirror at
// start-up with an error naming the cluster and the cause, before anything is mirrored:
// wrong password, unknown CA, hostname mismatch, expired certificate. No secret may appear
// in kmirror's output, in `kmirror check`'s, in the status API's answer or on its command line.
//
// Two clusters, started once for the binary, each with a PLAINTEXT listener (the harness's
// own clients), an SSL listener requiring client certificates, a SASL_SSL listener (SCRAM
// users created when the storage is formatted), and SSL listeners serving a certificate for
// the wrong host and an expired one. The PKI is made by the test (support/test_pki.h).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "support/kafka_client.h"
#include "support/kafka_cluster.h"
#include "support/kafka_env.h"
#include "support/kmirror_runner.h"
#include "support/process.h"
#include "support/test_pki.h"

namespace kmirror::test {
namespace {

using namespace std::chrono_literals;

const std::string kUser = "kmirror";
const std::string kScramPassword = "scram-pw-Zq8v2LrT";

struct SecureEnv : ::testing::Environment {
  void SetUp() override {
    pki = TestPki::Create("pki");
    KafkaCluster::Options::Tls tls{
        .keystore = pki->broker_p12(),
        .keystore_password = pki->store_password(),
        .client_ca = pki->ca_pem(),
        .extra_keystores = {{"BADHOST", pki->badhost_p12()}, {"EXPIRED", pki->expired_p12()}}};
    clusters = KafkaCluster::StartAll({{.name = "A", .tls = tls, .scram_users = {{kUser, kScramPassword}}},
                                       {.name = "B", .tls = tls, .scram_users = {{kUser, kScramPassword}}}});
  }
  void TearDown() override {
    clusters.clear();
    pki.reset();
  }
  std::unique_ptr<TestPki> pki;
  std::vector<std::unique_ptr<KafkaCluster>> clusters;
};

SecureEnv* const kEnv = static_cast<SecureEnv*>(::testing::AddGlobalTestEnvironment(new SecureEnv));

KafkaCluster& A() { return *kEnv->clusters.at(0); }
KafkaCluster& B() { return *kEnv->clusters.at(1); }
const TestPki& Pki() { return *kEnv->pki; }

// Every secret of this binary: none may appear in anything kmirror prints.
std::vector<std::string> Secrets() { return {kScramPassword, Pki().store_password(), Pki().key_password()}; }

::testing::AssertionResult NoSecretIn(const std::string& what, const std::string& text) {
  for (const auto& s : Secrets()) {
    if (text.find(s) != std::string::npos) {
      return ::testing::AssertionFailure() << what << " shows a secret:\n" << text;
    }
  }
  return ::testing::AssertionSuccess();
}

// A properties file of secrets, for ${file:...}.
std::string SecretsFile() {
  static const std::string path = [] {
    const auto p = ScratchRoot() / "secrets.properties";
    WriteFile(p, "scram.password = " + kScramPassword + "\nstore.password = " + Pki().store_password() +
                     "\nkey.password = " + Pki().key_password() + "\n");
    return p.string();
  }();
  return path;
}

std::string Providers() {
  return "config.providers = file, env\n"
         "config.providers.file.class = org.apache.kafka.common.config.provider.FileConfigProvider\n"
         "config.providers.env.class = org.apache.kafka.common.config.provider.EnvVarConfigProvider\n";
}

std::string FileSecret(const std::string& key) { return "${file:" + SecretsFile() + ":" + key + "}"; }

// Mutual TLS with a PKCS12 keystore and keytool's PKCS12 truststore.
std::vector<std::string> MutualTlsPkcs12(const std::string& alias) {
  return {alias + ".security.protocol = SSL",
          alias + ".ssl.truststore.location = " + Pki().truststore_p12(),
          alias + ".ssl.truststore.type = PKCS12",
          alias + ".ssl.truststore.password = " + FileSecret("store.password"),
          alias + ".ssl.keystore.location = " + Pki().client_p12(),
          alias + ".ssl.keystore.type = PKCS12",
          alias + ".ssl.keystore.password = " + FileSecret("store.password")};
}

// Mutual TLS with Java's PEM keystore (chain and encrypted key in one file) and a PEM CA.
std::vector<std::string> MutualTlsPem(const std::string& alias) {
  return {alias + ".security.protocol = SSL",   alias + ".ssl.truststore.location = " + Pki().ca_pem(),
          alias + ".ssl.truststore.type = PEM", alias + ".ssl.keystore.location = " + Pki().client_pem(),
          alias + ".ssl.keystore.type = PEM",   alias + ".ssl.key.password = " + FileSecret("key.password")};
}

std::vector<std::string> Scram(const std::string& alias, const std::string& mechanism, const std::string& password,
                               const std::string& truststore = "") {
  return {alias + ".security.protocol = SASL_SSL", alias + ".sasl.mechanism = " + mechanism,
          alias + ".sasl.jaas.config = org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" +
              kUser + "\" password=\"" + password + "\";",
          alias + ".ssl.truststore.location = " + (truststore.empty() ? Pki().ca_pem() : truststore)};
}

std::vector<std::string> Concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::string Cmdline(pid_t pid) {
  std::string s = ReadFile("/proc/" + std::to_string(pid) + "/cmdline");
  for (char& c : s) {
    if (c == '\0') c = ' ';
  }
  return s;
}

// Mirrors 300 records A->B with `security` lines and checks that no secret leaks.
void MirrorsSecurely(const std::string& source_bootstrap, const std::string& target_bootstrap,
                     const std::vector<std::string>& security) {
  const std::string topic = UniqueName();
  ASSERT_TRUE(CreateTopic(A().client(), topic, 2));
  ASSERT_TRUE(Produce(A().client(), topic, MakeRecords(300, 2)));
  const std::string config =
      Providers() + FlowConfig("A", source_bootstrap, "B", target_bootstrap, topic, UniqueName("g"), security);

  const auto path = ScratchRoot() / (topic + ".properties");
  WriteFile(path, config);
  RunResult check = RunToExit({KmirrorBinary(), "check", "--config", path.string()}, 60s);
  EXPECT_EQ(check.exit_code, 0) << check.output;
  EXPECT_TRUE(NoSecretIn("kmirror check", check.output));

  auto kmirror = StartKmirror(config, "kmirror-secure");
  EXPECT_TRUE(NoSecretIn("the command line", Cmdline(kmirror->pid())));
  ASSERT_TRUE(WaitForRecords(B().client(), "A." + topic, 300, 120s, kmirror.get()));
  // The status API (its cluster view describes groups on both clusters with these settings).
  auto port = ApiPort(*kmirror, 30s);
  ASSERT_TRUE(port) << kmirror->OutputTail(30);
  RunResult status =
      RunToExit({KmirrorBinary(), "status", "--api", "127.0.0.1:" + std::to_string(*port), "--json"}, 60s);
  EXPECT_EQ(status.exit_code, 0) << status.output;
  EXPECT_NE(status.output.find("\"flows\""), std::string::npos) << status.output;
  EXPECT_TRUE(NoSecretIn("the status API", status.output));
  EXPECT_EQ(kmirror->Terminate(60s), 0) << kmirror->OutputTail(30);
  EXPECT_TRUE(NoSecretIn("kmirror's output", kmirror->Output()));
  auto source = ConsumeAll(A().client(), topic, 1);
  auto target = ConsumeAll(B().client(), "A." + topic, 1);
  ASSERT_TRUE(source.ok() && target.ok());
  EXPECT_EQ(source->size(), target->size());
}

TEST(Security, MirrorsFromMutualTlsToScramSha512WithPasswordsFromConfigProviders) {
  MirrorsSecurely(A().ssl_bootstrap(), B().sasl_ssl_bootstrap(),
                  Concat(MutualTlsPkcs12("A"), Scram("B", "SCRAM-SHA-512", FileSecret("scram.password"))));
}

TEST(Security, MirrorsFromScramSha256ToMutualTlsWithPemKeystore) {
  ::setenv("KMIRROR_TEST_SCRAM_PASSWORD", kScramPassword.c_str(), 1);
  MirrorsSecurely(A().sasl_ssl_bootstrap(), B().ssl_bootstrap(),
                  Concat(Scram("A", "SCRAM-SHA-256", "${env:KMIRROR_TEST_SCRAM_PASSWORD}", Pki().truststore_p12()),
                         Concat({"A.ssl.truststore.password = " + FileSecret("store.password")}, MutualTlsPem("B"))));
  ::unsetenv("KMIRROR_TEST_SCRAM_PASSWORD");
}

// kmirror must exit non-zero at start-up with an error naming cluster A and `cause`, and
// must not have created anything on the target.
void FailsFast(const std::string& source_bootstrap, const std::vector<std::string>& security,
               const std::vector<std::string>& causes) {
  const std::string topic = UniqueName();
  ASSERT_TRUE(CreateTopic(A().client(), topic, 1));
  ASSERT_TRUE(Produce(A().client(), topic, MakeRecords(10)));
  auto kmirror = StartKmirror(
      Providers() + FlowConfig("A", source_bootstrap, "B", B().bootstrap(), topic, UniqueName("g"), security),
      "kmirror-fault");
  // Generous: the probe gives up on a silent cluster after 15 s; a refusal ends it at once.
  auto code = kmirror->Wait(90s);
  ASSERT_TRUE(code.has_value()) << "kmirror kept running:\n" << kmirror->OutputTail(30);
  EXPECT_EQ(*code, 1) << kmirror->OutputTail(30);
  const std::string out = kmirror->Output();
  EXPECT_NE(out.find("cannot connect to cluster A (flow A->B)"), std::string::npos) << out;
  bool named = false;
  for (const auto& c : causes) named = named || out.find(c) != std::string::npos;
  EXPECT_TRUE(named) << "expected one of the causes (" << causes.front() << ", ...) in:\n" << out;
  EXPECT_TRUE(NoSecretIn("kmirror's output", out));
  EXPECT_EQ(RecordCount(B().client(), "A." + topic), 0) << "nothing may be mirrored";
  auto topics = ListTopics(B().client());
  ASSERT_TRUE(topics.ok());
  for (const auto& t : *topics) EXPECT_NE(t, "A." + topic) << "no remote topic may be created";
}

TEST(Security, WrongScramPasswordStopsStartUp) {
  FailsFast(A().sasl_ssl_bootstrap(), Scram("A", "SCRAM-SHA-512", "not-the-password"),
            {"authentication failed", "Authentication failed"});
}

TEST(Security, UnknownCaStopsStartUp) {
  auto security = MutualTlsPem("A");
  security.push_back("A.ssl.truststore.location = " + Pki().other_ca_pem());
  FailsFast(A().ssl_bootstrap(), security,
            {"self-signed certificate in certificate chain", "unable to get local issuer certificate"});
}

TEST(Security, HostnameMismatchStopsStartUpByDefault) {
  // No ssl.endpoint.identification.algorithm: verification is on by default, as in Kafka.
  FailsFast(A().tls_bootstrap("BADHOST"),
            {"A.security.protocol = SSL", "A.ssl.truststore.location = " + Pki().ca_pem()},
            {"hostname mismatch", "IP address mismatch"});
}

TEST(Security, ExpiredCertificateStopsStartUp) {
  FailsFast(A().tls_bootstrap("EXPIRED"),
            {"A.security.protocol = SSL", "A.ssl.truststore.location = " + Pki().ca_pem()},
            {"certificate has expired"});
}

TEST(Security, JksTruststoreIsRefusedWithTheKeytoolCommand) {
  const auto path = ScratchRoot() / "jks.properties";
  WriteFile(path, FlowConfig("A", A().ssl_bootstrap(), "B", B().bootstrap(), "x", "g",
                             {"A.security.protocol = SSL", "A.ssl.truststore.location = " + Pki().truststore_jks(),
                              "A.ssl.truststore.password = " + Pki().store_password()}));
  RunResult check = RunToExit({KmirrorBinary(), "check", "--config", path.string()}, 60s);
  EXPECT_EQ(check.exit_code, 2) << check.output;
  EXPECT_NE(check.output.find("keytool -importkeystore -srckeystore " + Pki().truststore_jks() +
                              " -srcstoretype JKS -destkeystore truststore.p12 -deststoretype PKCS12"),
            std::string::npos)
      << check.output;
  EXPECT_TRUE(NoSecretIn("kmirror check", check.output));
}

}  // namespace
}  // namespace kmirror::test
