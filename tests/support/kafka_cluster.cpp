#include "support/kafka_cluster.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <future>
#include <iostream>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/test_admin.h"

namespace kmirror::test {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr int kNodeId = 1;  // node.id in server.properties.in

fs::path SourceDir() { return fs::path(KMIRROR_SOURCE_DIR); }

// The Kafka jars, fetched (once per machine, cached) by scripts/fetch-kafka.sh, which
// prints the libs directory last. KMIRROR_KAFKA_LIBS overrides. Resolved once per process,
// before any broker starts, so parallel starts never race to fill the cache.
const std::string& KafkaLibs() {
  static std::once_flag once;
  static std::string libs;
  std::call_once(once, [] {
    if (const char* env = std::getenv("KMIRROR_KAFKA_LIBS"); env != nullptr && *env != '\0') {
      libs = env;
      return;
    }
    // A first fetch downloads ~100 jars from Maven Central; later ones only print the path.
    auto result = RunToExit({"bash", (SourceDir() / "scripts/fetch-kafka.sh").string()}, 30min);
    std::string last_line;
    std::istringstream lines(result.output);
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty()) last_line = line;
    }
    if (result.exit_code != 0 || !fs::is_directory(last_line)) {
      throw std::runtime_error("scripts/fetch-kafka.sh failed (exit " +
                               (result.exit_code ? std::to_string(*result.exit_code) : "timeout") + "):\n" +
                               result.output);
    }
    libs = last_line;
  });
  if (libs.empty()) throw std::runtime_error("Kafka jars unavailable (an earlier fetch failed)");
  return libs;
}

// A Kafka cluster id: a random 16-byte UUID, base64url without padding (22 characters),
// what `kafka-storage random-uuid` prints, without starting a JVM for it.
std::string RandomClusterId() {
  std::random_device rd;
  std::array<unsigned char, 16> bytes{};
  for (auto& b : bytes) b = static_cast<unsigned char>(rd());
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  unsigned int buffer = 0;
  int bits = 0;
  for (unsigned char b : bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(buffer >> bits) & 0x3f];
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (6 - bits)) & 0x3f];
  return out;  // 22 characters
}

bool CanBind(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

int KernelPickedPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  if (fd >= 0) ::close(fd);
  if (port == 0) throw std::runtime_error("cannot find a free port");
  return port;
}

// A free loopback port, never handed out twice by this process.
//
// Not simply bind(port 0): the kernel picks those from the ephemeral range, the same range
// outgoing connections use, so after Kill() a client's socket could take the broker's port
// before Restart() binds it again. Ports below that range only go to explicit binds; we
// pick one at random (other test binaries may run at the same time) and check it binds.
int PickFreePort() {
  static std::mutex mu;
  static std::set<int> handed_out;
  static std::mt19937 rng(std::random_device{}());
  std::lock_guard lock(mu);
  int ephemeral_low = 32768;
  std::ifstream("/proc/sys/net/ipv4/ip_local_port_range") >> ephemeral_low;
  constexpr int kLow = 20000;
  if (ephemeral_low > kLow + 1000) {
    std::uniform_int_distribution<int> dist(kLow, ephemeral_low - 1);
    for (int attempt = 0; attempt < 500; ++attempt) {
      const int port = dist(rng);
      if (!handed_out.contains(port) && CanBind(port)) {
        handed_out.insert(port);
        return port;
      }
    }
  }
  for (int attempt = 0; attempt < 100; ++attempt) {
    const int port = KernelPickedPort();
    if (handed_out.insert(port).second) return port;
  }
  throw std::runtime_error("cannot find a free port");
}

std::string Render(std::string text, const std::map<std::string, std::string>& vars) {
  for (const auto& [key, value] : vars) {
    const std::string placeholder = "@" + key + "@";
    for (auto pos = text.find(placeholder); pos != std::string::npos;
         pos = text.find(placeholder, pos + value.size())) {
      text.replace(pos, placeholder.size(), value);
    }
  }
  return text;
}

std::string ReadTemplate(const std::string& name) {
  const fs::path path = SourceDir() / "scripts/kafka" / name;
  std::string text = ReadFile(path);
  if (text.empty()) throw std::runtime_error("cannot read " + path.string());
  return text;
}

// A value as java.util.Properties.load() reads it back: backslash is its escape character.
std::string PropertiesEscape(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// The first ERROR/FATAL of a broker log with the lines after it (usually the exception
// that stopped the broker), or "" if there is none.
std::string FirstError(const std::string& log, std::size_t lines) {
  std::size_t pos = log.find("] ERROR ");
  if (const auto fatal = log.find("] FATAL "); fatal < pos) pos = fatal;
  if (pos == std::string::npos) return {};
  pos = log.rfind('\n', pos);
  pos = pos == std::string::npos ? 0 : pos + 1;
  std::size_t end = pos;
  for (std::size_t n = 0; n < lines && end != std::string::npos; ++n) end = log.find('\n', end + 1);
  return log.substr(pos, end == std::string::npos ? std::string::npos : end - pos + 1);
}

// Drops template lines whose key an override replaces, so the rendered file says each key
// once (Java's Properties would let the later one win anyway).
std::string WithOverrides(const std::string& text, const std::map<std::string, std::string>& overrides) {
  std::ostringstream out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    const auto eq = line.find('=');
    if (eq != std::string::npos && !line.starts_with("#") && overrides.contains(line.substr(0, eq))) {
      continue;
    }
    out << line << '\n';
  }
  if (!overrides.empty()) out << "\n# Set by the test (KafkaCluster::Options)\n";
  for (const auto& [k, v] : overrides) out << k << '=' << PropertiesEscape(v) << '\n';
  return out.str();
}

// A string for a JAAS option value: quoted, with \ and " escaped.
std::string JaasQuote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

// -----------------------------------------------------------------------------------------

KafkaCluster::KafkaCluster(Options options)
    : options_(std::move(options)), dir_("kafka-" + options_.name), cluster_id_(RandomClusterId()) {}

KafkaCluster::~KafkaCluster() {
  try {
    Stop();
  } catch (const std::exception& e) {
    std::cerr << "stopping Kafka cluster " << name() << ": " << e.what() << "\n";
  }
}

std::unique_ptr<KafkaCluster> KafkaCluster::Start(const Options& options) {
  auto clusters = StartAll({options});
  return std::move(clusters.front());
}

std::vector<std::unique_ptr<KafkaCluster>> KafkaCluster::StartAll(const std::vector<Options>& options) {
  KafkaLibs();  // fetch once, before any JVM starts
  std::vector<std::unique_ptr<KafkaCluster>> clusters;
  for (const auto& o : options) {
    std::unique_ptr<KafkaCluster> cluster(new KafkaCluster(o));
    cluster->PickPorts();
    cluster->WriteConfig();
    cluster->Launch();
    clusters.push_back(std::move(cluster));
  }
  // The JVMs boot concurrently; wait for each on its own thread (forking, if a restart is
  // needed, still happens on the process's fork thread; see process.h).
  std::vector<std::future<void>> ready;
  for (auto& c : clusters) {
    ready.push_back(std::async(std::launch::async, [&c] { c->WaitReady(/*first_start=*/true); }));
  }
  std::string errors;
  for (auto& f : ready) {
    try {
      f.get();
    } catch (const std::exception& e) {
      errors += std::string(errors.empty() ? "" : "\n") + e.what();
    }
  }
  if (!errors.empty()) throw std::runtime_error(errors);  // ~KafkaCluster stops the rest
  return clusters;
}

std::string KafkaCluster::bootstrap() const { return "127.0.0.1:" + std::to_string(port_); }

std::string KafkaCluster::proxied_bootstrap() const {
  if (!has_proxied_listener()) throw std::logic_error("cluster " + name() + " has no proxied listener");
  return "127.0.0.1:" + std::to_string(proxy_port_);
}

std::string KafkaCluster::ssl_bootstrap() const {
  if (ssl_port_ == 0) throw std::logic_error("cluster " + name() + " has no TLS listener");
  return "127.0.0.1:" + std::to_string(ssl_port_);
}

std::string KafkaCluster::sasl_ssl_bootstrap() const {
  if (sasl_ssl_port_ == 0) throw std::logic_error("cluster " + name() + " has no SASL_SSL listener");
  return "127.0.0.1:" + std::to_string(sasl_ssl_port_);
}

std::string KafkaCluster::tls_bootstrap(const std::string& listener) const {
  auto it = tls_ports_.find(listener);
  if (it == tls_ports_.end()) throw std::logic_error("cluster " + name() + " has no TLS listener " + listener);
  return "127.0.0.1:" + std::to_string(it->second);
}

std::string KafkaCluster::sasl_bootstrap() const {
  if (!has_sasl()) throw std::logic_error("cluster " + name() + " has no SASL listener");
  return "127.0.0.1:" + std::to_string(sasl_port_);
}

ClientConfig KafkaCluster::sasl_client(const std::string& user) const {
  const auto it = options_.sasl_plain_users.find(user);
  if (it == options_.sasl_plain_users.end()) {
    throw std::invalid_argument("cluster " + name() + " has no SASL user " + user);
  }
  return sasl_client(user, it->second);
}

ClientConfig KafkaCluster::sasl_client(const std::string& user, const std::string& password) const {
  return ClientConfig(sasl_bootstrap(), {{"security.protocol", "SASL_PLAINTEXT"},
                                         {"sasl.mechanism", "PLAIN"},
                                         {"sasl.username", user},
                                         {"sasl.password", password}});
}

std::string KafkaCluster::sasl_jaas_config(const std::string& user) const {
  const auto it = options_.sasl_plain_users.find(user);
  if (it == options_.sasl_plain_users.end()) {
    throw std::invalid_argument("cluster " + name() + " has no SASL user " + user);
  }
  return "org.apache.kafka.common.security.plain.PlainLoginModule required username=" + JaasQuote(user) +
         " password=" + JaasQuote(it->second) + ";";
}

std::string KafkaCluster::LogTail(std::size_t lines) const {
  std::string out = TailFile(broker_log(), lines);
  const std::string jvm = TailFile(dir() / "stdout.log", 15);
  if (!jvm.empty()) out += "\n-- JVM output (" + (dir() / "stdout.log").string() + "):\n" + jvm;
  return out;
}

void KafkaCluster::PickPorts() {
  port_ = PickFreePort();
  controller_port_ = PickFreePort();
  sasl_port_ = options_.sasl_plain_users.empty() ? 0 : PickFreePort();
  proxy_port_ = options_.proxied_listener ? PickFreePort() : 0;
  proxy_backend_port_ = options_.proxied_listener ? PickFreePort() : 0;
  ssl_port_ = options_.tls ? PickFreePort() : 0;
  sasl_ssl_port_ = options_.tls && !options_.scram_users.empty() ? PickFreePort() : 0;
  tls_ports_.clear();
  if (options_.tls) {
    for (const auto& [listener, keystore] : options_.tls->extra_keystores) tls_ports_[listener] = PickFreePort();
  }
}

void KafkaCluster::WriteConfig() const {
  std::string listeners =
      "PLAINTEXT://127.0.0.1:" + std::to_string(port_) + ",CONTROLLER://127.0.0.1:" + std::to_string(controller_port_);
  std::string advertised = "PLAINTEXT://127.0.0.1:" + std::to_string(port_);
  std::string protocols = "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT";
  std::map<std::string, std::string> overrides;
  if (has_sasl()) {
    const std::string sasl = "SASL_PLAINTEXT://127.0.0.1:" + std::to_string(sasl_port_);
    listeners += "," + sasl;
    advertised += "," + sasl;
    protocols += ",SASL_PLAINTEXT:SASL_PLAINTEXT";
    // Server side of PLAIN: one user_<name>="<password>" option per accepted user. The
    // inter-broker listener stays PLAINTEXT, so no client credentials are needed here.
    std::string jaas = "org.apache.kafka.common.security.plain.PlainLoginModule required";
    for (const auto& [user, password] : options_.sasl_plain_users) {
      jaas += " user_" + user + "=" + JaasQuote(password);
    }
    overrides["sasl.enabled.mechanisms"] = "PLAIN";
    overrides["listener.name.sasl_plaintext.plain.sasl.jaas.config"] = jaas + ";";
  }
  if (has_proxied_listener()) {
    listeners += ",PROXIED://127.0.0.1:" + std::to_string(proxy_backend_port_);
    advertised += ",PROXIED://127.0.0.1:" + std::to_string(proxy_port_);
    protocols += ",PROXIED:PLAINTEXT";
  }
  if (options_.tls) {
    const Options::Tls& tls = *options_.tls;
    auto add = [&](const std::string& listener, int port, const std::string& protocol) {
      const std::string l = listener + "://127.0.0.1:" + std::to_string(port);
      listeners += "," + l;
      advertised += "," + l;
      protocols += "," + listener + ":" + protocol;
    };
    add("SSL", ssl_port_, "SSL");
    overrides["ssl.keystore.type"] = "PKCS12";
    overrides["ssl.keystore.location"] = tls.keystore;
    overrides["ssl.keystore.password"] = tls.keystore_password;
    overrides["ssl.key.password"] = tls.keystore_password;
    overrides["ssl.truststore.type"] = "PEM";
    overrides["ssl.truststore.location"] = tls.client_ca;
    overrides["listener.name.ssl.ssl.client.auth"] = "required";
    for (const auto& [listener, keystore] : tls.extra_keystores) {
      add(listener, tls_ports_.at(listener), "SSL");
      std::string lower = listener;
      std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
      const std::string prefix = "listener.name." + lower + ".";
      overrides[prefix + "ssl.keystore.type"] = "PKCS12";
      overrides[prefix + "ssl.keystore.location"] = keystore;
      overrides[prefix + "ssl.keystore.password"] = tls.keystore_password;
      overrides[prefix + "ssl.key.password"] = tls.keystore_password;
    }
    if (!options_.scram_users.empty()) {
      add("SASL_SSL", sasl_ssl_port_, "SASL_SSL");
      overrides["listener.name.sasl_ssl.sasl.enabled.mechanisms"] = "SCRAM-SHA-256,SCRAM-SHA-512";
      for (const char* mechanism : {"scram-sha-256", "scram-sha-512"}) {
        overrides[std::string("listener.name.sasl_ssl.") + mechanism + ".sasl.jaas.config"] =
            "org.apache.kafka.common.security.scram.ScramLoginModule required;";
      }
    }
  }
  // SCRAM credentials go into the first metadata records; scripts/kafka-cluster.sh passes
  // each line of format.args to kafka-storage format.
  std::string format_args;
  for (const auto& [user, password] : options_.scram_users) {
    for (const char* mechanism : {"SCRAM-SHA-256", "SCRAM-SHA-512"}) {
      format_args += "--add-scram\n" + std::string(mechanism) + "=[name=" + user + ",password=" + password + "]\n";
    }
  }
  if (!format_args.empty()) {
    WriteFile(dir() / "format.args", format_args);
  }
  for (const auto& [k, v] : options_.broker_properties) overrides[k] = v;

  const std::string server =
      Render(ReadTemplate("server.properties.in"), {{"CONTROLLER_PORT", std::to_string(controller_port_)},
                                                    {"LISTENERS", listeners},
                                                    {"ADVERTISED_LISTENERS", advertised},
                                                    {"PROTOCOL_MAP", protocols},
                                                    {"DATA_DIR", (dir() / "data").string()}});
  WriteFile(dir() / "server.properties", WithOverrides(server, overrides));
  WriteFile(dir() / "log4j.properties",
            Render(ReadTemplate("log4j.properties.in"), {{"LOG_FILE", broker_log().string()}}));
  WriteFile(dir() / "cluster.id", cluster_id_ + "\n");
}

void KafkaCluster::Launch() {
  ProcessOptions options;
  options.name = "kafka-" + name();
  options.log_file = dir() / "stdout.log";
  options.env["KMIRROR_KAFKA_LIBS"] = KafkaLibs();
  // C1 only: on 2 cores shared with the tests, C2's compiler threads slow the start (~30%)
  // more than they speed up the short runs of a test binary. (kafka-cluster.sh keeps full
  // tiered compilation for humans and benchmarks.)
  options.env["KAFKA_BROKER_JVM_OPTS"] = "-XX:TieredStopAtLevel=1";
  // A failed test prints the broker log tail only if the cluster itself failed; a broker
  // log is rarely why a mirror test failed and would drown the kmirror output.
  options.dump_log_on_test_failure = false;
  process_ = ChildProcess::Start({"bash", (SourceDir() / "scripts/kafka-cluster.sh").string(), "run", dir().string()},
                                 options);
}

std::string KafkaCluster::FailureMessage(const std::string& what) const {
  std::string message = "Kafka cluster " + name() + " (" + bootstrap() + ", " + dir().string() + ") " + what;
  if (const std::string error = FirstError(ReadFile(broker_log()), 12); !error.empty()) {
    message += "\n-- first error in " + broker_log().string() + ":\n" + error;
  }
  return message + "\n-- last lines of " + broker_log().string() + ":\n" + LogTail(25);
}

void KafkaCluster::WaitReady(bool first_start) {
  for (int attempt = 1;; ++attempt) {
    const auto deadline = std::chrono::steady_clock::now() + options_.start_timeout;
    bool exited = false;
    std::string last_error;
    const bool ready = WaitUntil(
        [&] {
          if (!process_->Running()) {
            exited = true;
            return true;
          }
          // Registered and unfenced brokers are the ones metadata lists.
          auto ids = BrokerIds(client(), 1s);
          if (!ids.ok()) {
            last_error = ids.error();
            return false;
          }
          return std::find(ids->begin(), ids->end(), kNodeId) != ids->end();
        },
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()), 100ms);
    if (ready && !exited) return;
    if (exited) {
      const bool port_clash = ReadFile(broker_log()).find("Address already in use") != std::string::npos ||
                              ReadFile(dir() / "stdout.log").find("Address already in use") != std::string::npos;
      if (first_start && port_clash && attempt < 3) {
        // Someone took a port between PickFreePort() and the broker's bind: start over with
        // new ports and a fresh data directory (the old one may hold the old addresses).
        std::cerr << "Kafka cluster " << name() << ": port clash, retrying with new ports\n";
        std::error_code ignored;
        fs::remove_all(dir() / "data", ignored);
        fs::rename(broker_log(), dir() / ("broker.log.attempt" + std::to_string(attempt)), ignored);
        PickPorts();
        WriteConfig();
        Launch();
        continue;
      }
      throw std::runtime_error(
          FailureMessage("exited during start with code " + std::to_string(process_->exit_code().value_or(-1))));
    }
    process_->Kill9();
    throw std::runtime_error(FailureMessage("not ready after " + std::to_string(options_.start_timeout.count()) +
                                            " s (last metadata error: " + last_error + ")"));
  }
}

bool KafkaCluster::Running() { return process_ != nullptr && process_->Running(); }

void KafkaCluster::Stop(std::chrono::milliseconds grace) {
  if (process_ != nullptr) process_->Terminate(grace);
}

void KafkaCluster::Kill() {
  if (process_ != nullptr) process_->Kill9();
}

void KafkaCluster::Pause() {
  if (process_ != nullptr) process_->Pause();
}

void KafkaCluster::Resume() {
  if (process_ != nullptr) process_->Resume();
}

void KafkaCluster::Restart() {
  Stop();
  Launch();
  WaitReady(/*first_start=*/false);
}

}  // namespace kmirror::test
