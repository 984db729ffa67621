// Real Apache Kafka 3.8.1 clusters for integration tests: one JVM per cluster, KRaft mode,
// the node being both broker and controller, on loopback ports of its own, with its own
// data directory and cluster id.
//
// The broker settings are scripts/kafka/server.properties.in and log4j.properties.in, and
// the JVM is launched through `scripts/kafka-cluster.sh run DIR`, the same files and script
// the demo and benchmarks use. Broker logs go to <dir>/broker.log (INFO), JVM output to
// <dir>/stdout.log; neither reaches the test's own output.
//
// The JVM is a ChildProcess: it dies with the test process, however that ends. The data
// directory is a TempDir under ScratchRoot(), removed with the object.
//
// Threads: one thread at a time uses a KafkaCluster (the test's, or KafkaEnv's); StartAll
// waits for the clusters on threads of its own, one per cluster.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/client_config.h"
#include "support/process.h"

namespace kmirror::test {

class KafkaCluster {
 public:
  struct Options {
    std::string name = "kafka";  // for messages and directory names
    // Extra server.properties entries; override the defaults of the template.
    std::map<std::string, std::string> broker_properties{};
    // user -> password. Non-empty: an extra SASL_PLAINTEXT listener accepting these users
    // with the PLAIN mechanism (the PLAINTEXT listener stays, for the harness itself).
    std::map<std::string, std::string> sasl_plain_users{};
    // An extra PLAINTEXT listener ("PROXIED") that advertises another port, proxy_port(),
    // where nothing listens until a test puts a TcpProxy there forwarding to
    // proxy_backend_port(). Clients bootstrapped at proxied_bootstrap() (kmirror) then reach
    // the broker only through the proxy, which can cut or delay them, while the harness's
    // own clients keep the direct PLAINTEXT listener.
    bool proxied_listener = false;
    // TLS listeners (support/test_pki.h makes the files). With a keystore: an "SSL" listener
    // that requires a client certificate signed by `client_ca` (mutual TLS), plus one SSL
    // listener without client authentication per `extra_keystores` entry (listener name ->
    // PKCS12 keystore, e.g. a certificate for the wrong host, an expired one), all with
    // `keystore_password`. The PLAINTEXT listener stays, for the harness itself.
    struct Tls {
      std::string keystore;  // PKCS12: the broker's key and certificate chain
      std::string keystore_password;
      std::string client_ca;  // PEM
      std::map<std::string, std::string> extra_keystores{};
    };
    std::optional<Tls> tls{};
    // user -> password: SCRAM-SHA-256 and SCRAM-SHA-512 credentials, written into the
    // metadata log when the storage is formatted (kafka-storage format --add-scram), served
    // on a SASL_SSL listener. Needs `tls`.
    std::map<std::string, std::string> scram_users{};
    std::chrono::seconds start_timeout{120};
  };

  // Starts a cluster and waits until its broker is registered and answers metadata
  // requests. Throws std::runtime_error (with the tail of the broker log) on failure.
  static std::unique_ptr<KafkaCluster> Start(const Options& options);
  // Starts several clusters concurrently (same result as Start for each, but the JVMs boot
  // in parallel). If any fails, the others are stopped and the first error is thrown.
  static std::vector<std::unique_ptr<KafkaCluster>> StartAll(const std::vector<Options>& options);

  ~KafkaCluster();  // Stop(), then removes the data directory
  KafkaCluster(const KafkaCluster&) = delete;
  KafkaCluster& operator=(const KafkaCluster&) = delete;

  const std::string& name() const { return options_.name; }
  // "127.0.0.1:PORT" of the PLAINTEXT listener.
  std::string bootstrap() const;
  // A ClientConfig for the test-side helpers: plaintext.
  ClientConfig client() const { return ClientConfig(bootstrap()); }
  const std::string& cluster_id() const { return cluster_id_; }
  int port() const { return port_; }
  int controller_port() const { return controller_port_; }

  // SASL_PLAINTEXT listener (only with Options::sasl_plain_users).
  bool has_sasl() const { return sasl_port_ > 0; }
  std::string sasl_bootstrap() const;  // "127.0.0.1:PORT"
  // librdkafka client settings for `user` (password from the options; a wrong one can be
  // given explicitly to test rejection).
  ClientConfig sasl_client(const std::string& user) const;
  ClientConfig sasl_client(const std::string& user, const std::string& password) const;
  // The JAAS line a Java client (MirrorMaker 2) needs for `user`:
  // org.apache.kafka.common.security.plain.PlainLoginModule required username="..." password="...";
  // (a Java string: written into a .properties file, its backslashes must be doubled).
  std::string sasl_jaas_config(const std::string& user) const;

  // TLS listeners (only with Options::tls): "127.0.0.1:PORT" of the SSL listener (mutual
  // TLS), of the SASL_SSL one (SCRAM, with Options::scram_users) and of an extra one by name.
  std::string ssl_bootstrap() const;
  std::string sasl_ssl_bootstrap() const;
  std::string tls_bootstrap(const std::string& listener) const;

  // PROXIED listener (only with Options::proxied_listener).
  bool has_proxied_listener() const { return proxy_port_ > 0; }
  std::string proxied_bootstrap() const;                          // "127.0.0.1:<proxy_port()>"
  int proxy_port() const { return proxy_port_; }                  // where the proxy listens
  int proxy_backend_port() const { return proxy_backend_port_; }  // where the broker listens

  const std::filesystem::path& dir() const { return dir_.path(); }
  std::filesystem::path broker_log() const { return dir() / "broker.log"; }
  std::string LogTail(std::size_t lines = 40) const;

  bool Running();
  // SIGTERM (controlled shutdown), SIGKILL if still alive after `grace`. Idempotent.
  void Stop(std::chrono::milliseconds grace = std::chrono::seconds(15));
  // SIGKILL: a crash, for failover tests. Data stays for Restart().
  void Kill();
  // SIGSTOP / SIGCONT: the broker freezes with its connections open (clients see no error,
  // only silence, until their own timeouts). Stop(), Kill() and Restart() work on a paused
  // broker.
  void Pause();
  void Resume();
  // Stops the broker if it runs, starts it again on the same ports and data, and waits until
  // it is ready. Throws std::runtime_error on failure.
  void Restart();

 private:
  explicit KafkaCluster(Options options);
  void PickPorts();
  void WriteConfig() const;
  void Launch();
  // Waits until ready. On a port clash during the first start (another process took a
  // port between our check and the broker's bind), picks new ports and starts over.
  void WaitReady(bool first_start);
  std::string FailureMessage(const std::string& what) const;

  Options options_;
  TempDir dir_;
  std::string cluster_id_;
  int port_ = 0;
  int controller_port_ = 0;
  int sasl_port_ = 0;
  int proxy_port_ = 0;
  int proxy_backend_port_ = 0;
  int ssl_port_ = 0;
  int sasl_ssl_port_ = 0;
  std::map<std::string, int> tls_ports_;  // extra TLS listener -> port
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace kmirror::test
