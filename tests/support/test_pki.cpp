#include "support/test_pki.h"

#include <random>
#include <stdexcept>

namespace kmirror::test {
namespace {

using namespace std::chrono_literals;

std::string RandomSecret(const std::string& prefix) {
  std::random_device rd;
  static constexpr char kAlphabet[] = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  std::string s = prefix;
  for (int i = 0; i < 16; ++i) s += kAlphabet[rd() % (sizeof kAlphabet - 1)];
  return s;
}

}  // namespace

TestPki::TestPki(const std::string& name)
    : dir_(name), store_password_(RandomSecret("store-")), key_password_(RandomSecret("key-")) {}

std::unique_ptr<TestPki> TestPki::Create(const std::string& name, bool java_stores) {
  std::unique_ptr<TestPki> pki(new TestPki(name));
  pki->Make(java_stores);
  return pki;
}

void TestPki::Run(std::vector<std::string> args) const {
  const std::string command = args[0] + " " + (args.size() > 1 ? args[1] : "");
  ProcessOptions options;
  options.working_dir = dir_.path();
  options.log_file = dir_.path() / "tools.log";
  options.dump_log_on_test_failure = false;
  RunResult r = RunToExit(std::move(args), 120s, options);
  if (r.exit_code != 0) throw std::runtime_error("test PKI: " + command + " failed:\n" + r.output);
}

void TestPki::Make(bool java_stores) {
  const std::string store = "pass:" + store_password_;
  const std::string key = "pass:" + key_password_;
  // CAs: self-signed, valid for a month (longer than any test run).
  for (const std::string ca : {"ca", "other-ca"}) {
    Run({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca + ".key", "-out", ca + ".pem",
         "-days", "30", "-subj", "/CN=kmirror-test-" + ca, "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
         "keyUsage=critical,keyCertSign,cRLSign"});
  }
  WriteFile(dir_.path() / "broker.ext", "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  WriteFile(dir_.path() / "badhost.ext", "subjectAltName=DNS:wrong.invalid\n");
  WriteFile(dir_.path() / "client.ext", "extendedKeyUsage=clientAuth\n");
  // Leaf certificates signed by the CA; "-days -1" ends validity yesterday: expired.
  // "stranger": a client certificate from the CA nobody trusts.
  struct Leaf {
    std::string name, cn, ext, days, ca = "ca";
  };
  for (const Leaf& leaf : {Leaf{"broker", "broker", "broker.ext", "30"}, Leaf{"badhost", "broker", "badhost.ext", "30"},
                           Leaf{"expired", "broker", "broker.ext", "-1"}, Leaf{"client", "kmirror", "client.ext", "30"},
                           Leaf{"stranger", "stranger", "client.ext", "30", "other-ca"}}) {
    Run({"openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", leaf.name + ".key", "-out", leaf.name + ".csr",
         "-subj", "/CN=" + leaf.cn});
    Run({"openssl", "x509", "-req", "-in", leaf.name + ".csr", "-CA", leaf.ca + ".pem", "-CAkey", leaf.ca + ".key",
         "-CAcreateserial", "-days", leaf.days, "-extfile", leaf.ext, "-out", leaf.name + ".crt"});
    Run({"openssl", "pkcs12", "-export", "-in", leaf.name + ".crt", "-inkey", leaf.name + ".key", "-certfile", "ca.pem",
         "-name", leaf.name, "-out", leaf.name + ".p12", "-passout", store});
  }
  // Java's PEM keystore form: the certificate chain and the encrypted PKCS8 key in one file.
  Run({"openssl", "pkcs8", "-topk8", "-in", "client.key", "-out", "client.key.enc", "-v2", "aes-256-cbc", "-passout",
       key});
  WriteFile(dir_.path() / "client.pem", ReadFile(dir_.path() / "client.crt") + ReadFile(dir_.path() / "ca.pem") +
                                            ReadFile(dir_.path() / "client.key.enc"));
  if (!java_stores) return;
  // Truststores the way keytool writes them (a trusted-certificate entry).
  Run({"keytool", "-importcert", "-noprompt", "-alias", "ca", "-file", "ca.pem", "-keystore", "truststore.p12",
       "-storetype", "PKCS12", "-storepass", store_password_});
  Run({"keytool", "-importcert", "-noprompt", "-alias", "ca", "-file", "ca.pem", "-keystore", "truststore.jks",
       "-storetype", "JKS", "-storepass", store_password_});
}

}  // namespace kmirror::test
