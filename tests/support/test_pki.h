// A throw-away PKI for tests against TLS listeners, made with openssl(1) and the JDK's
// keytool in a scratch directory: a CA, broker certificates (a good one with SAN
// IP:127.0.0.1 and DNS:localhost, one whose SAN names another host, one that has expired),
// a client certificate for mutual TLS in the forms MM2 users write (PKCS12 keystore, PEM
// keystore with an encrypted key), truststores (PEM, a PKCS12 one written by keytool, a JKS
// one), and a second CA nobody trusts (with a client certificate of its own). Passwords are random per run, so tests
// can grep kmirror's output and command line for them.
//
// Create() blocks while the tools run (a few seconds, most of it keytool's JVM). The object
// only names files; the directory is removed with it. One thread at a time.
#pragma once

#include <memory>
#include <string>

#include "support/process.h"

namespace kmirror::test {

class TestPki {
 public:
  // Throws std::runtime_error (with the tool's output) when a tool fails. `java_stores`
  // false: openssl only (well under a second of work, for unit tests): no truststore_p12() or
  // truststore_jks().
  static std::unique_ptr<TestPki> Create(const std::string& name = "pki", bool java_stores = true);

  std::string path(const std::string& file) const { return (dir_.path() / file).string(); }

  // PEM CA certificates.
  std::string ca_pem() const { return path("ca.pem"); }
  std::string other_ca_pem() const { return path("other-ca.pem"); }
  // Broker keystores, PKCS12 with store_password().
  std::string broker_p12() const { return path("broker.p12"); }
  std::string badhost_p12() const { return path("badhost.p12"); }  // SAN: DNS:wrong.invalid only
  std::string expired_p12() const { return path("expired.p12"); }  // valid until yesterday
  // The client's certificate (CN=kmirror, signed by the CA) and key.
  std::string client_p12() const { return path("client.p12"); }  // PKCS12, store_password()
  std::string client_pem() const { return path("client.pem"); }  // certificate + key encrypted with key_password()
  // The same as separate PEM files, the key unencrypted (for gRPC, which takes no password),
  // and the good broker certificate's (for a TLS server on 127.0.0.1 / localhost).
  std::string client_crt() const { return path("client.crt"); }
  std::string client_key() const { return path("client.key"); }
  std::string server_crt() const { return path("broker.crt"); }
  std::string server_key() const { return path("broker.key"); }
  // A client certificate and key signed by other_ca_pem(), which nobody trusts.
  std::string stranger_crt() const { return path("stranger.crt"); }
  std::string stranger_key() const { return path("stranger.key"); }
  // The CA as Java users ship it: a PKCS12 truststore written by keytool (store_password()),
  // and a JKS one (which kmirror refuses with the conversion command).
  std::string truststore_p12() const { return path("truststore.p12"); }
  std::string truststore_jks() const { return path("truststore.jks"); }

  const std::string& store_password() const { return store_password_; }
  const std::string& key_password() const { return key_password_; }

 private:
  TestPki(const std::string& name);
  void Make(bool java_stores);
  void Run(std::vector<std::string> args) const;

  TempDir dir_;
  std::string store_password_;
  std::string key_password_;
};

}  // namespace kmirror::test
