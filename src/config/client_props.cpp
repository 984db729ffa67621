#include "config/client_props.h"

#include <algorithm>
#include <cctype>
#include <fstream>

#include "kmirror/common/strings.h"
#include "kmirror/config/settings.h"
#include "kmirror/kafka/property_check.h"

namespace kmirror::config {
namespace {

enum RoleBit : unsigned { kC = 1, kP = 2, kA = 4, kK = 8, kAll = kC | kP | kA | kK };

enum class Kind {
  kSame,    // same name in librdkafka
  kRename,  // another name in librdkafka, same value
  kDrop,    // Java-only, no librdkafka counterpart: info note
  kEngine,  // decided by kmirror's replication engine
  kReject,  // cannot be honoured: ConfigProblem
  kCustom,  // value or name rewritten, see Translator
};

struct Rule {
  const char* java;
  Kind kind;
  const char* target;  // librdkafka name (kSame/kRename/kCustom), for docs and renames
  unsigned roles;      // clients it means something for; elsewhere it is dropped with a note
  const char* note;    // why (kDrop/kEngine/kReject) or how (kCustom); shown in docs and notes
};

constexpr const char* kJavaClass = "a Java class; kmirror cannot load Java code";
constexpr const char* kLoginTuning = "Java's login refresh tuning; librdkafka refreshes on its own schedule";
constexpr const char* kOauthValidation = "token validation of Java's OAuth callback handler";
constexpr const char* kMetrics = "Java client metrics; kmirror reports its own";
constexpr const char* kBytes = "kmirror copies keys and values as bytes";
constexpr const char* kPartitioner = "kmirror writes each record to the partition number it had on the source";
constexpr const char* kTransactions =
    "kmirror does not write transactionally: its producer is idempotent and it commits source offsets only "
    "after the target acknowledged";

// The documented translation. Order is the documentation order.
const std::vector<Rule>& Rules() {
  static const std::vector<Rule> rules = {
      // Connection and security.
      {"bootstrap.servers", Kind::kCustom, "bootstrap.servers", kAll, "blanks around commas removed"},
      {"security.protocol", Kind::kCustom, "security.protocol", kAll,
       "PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL (case-insensitive)"},
      {"sasl.mechanism", Kind::kCustom, "sasl.mechanisms", kAll,
       "GSSAPI, PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER"},
      {"sasl.jaas.config", Kind::kCustom, "sasl.username, sasl.password", kAll,
       "PlainLoginModule and ScramLoginModule: username and password options. Kerberos (Krb5LoginModule) and "
       "OAuth (OAuthBearerLoginModule) logins are rejected with the librdkafka settings to use instead "
       "(sasl.kerberos.principal / sasl.kerberos.keytab, sasl.oauthbearer.method=oidc with "
       "sasl.oauthbearer.client.id / client.secret / token.endpoint.url / scope)"},
      {"sasl.kerberos.service.name", Kind::kSame, "sasl.kerberos.service.name", kAll, ""},
      {"sasl.kerberos.kinit.cmd", Kind::kSame, "sasl.kerberos.kinit.cmd", kAll,
       "librdkafka's meaning: the whole kinit command line, not just the program"},
      {"sasl.kerberos.min.time.before.relogin", Kind::kSame, "sasl.kerberos.min.time.before.relogin", kAll, ""},
      {"sasl.kerberos.ticket.renew.window.factor", Kind::kDrop, "", kAll, kLoginTuning},
      {"sasl.kerberos.ticket.renew.jitter", Kind::kDrop, "", kAll, kLoginTuning},
      {"sasl.login.refresh.window.factor", Kind::kDrop, "", kAll, kLoginTuning},
      {"sasl.login.refresh.window.jitter", Kind::kDrop, "", kAll, kLoginTuning},
      {"sasl.login.refresh.min.period.seconds", Kind::kDrop, "", kAll, kLoginTuning},
      {"sasl.login.refresh.buffer.seconds", Kind::kDrop, "", kAll, kLoginTuning},
      {"sasl.login.connect.timeout.ms", Kind::kDrop, "", kAll, kLoginTuning},
      {"sasl.login.read.timeout.ms", Kind::kDrop, "", kAll, kLoginTuning},
      {"sasl.login.retry.backoff.ms", Kind::kDrop, "", kAll, kLoginTuning},
      {"sasl.login.retry.backoff.max.ms", Kind::kDrop, "", kAll, kLoginTuning},
      {"sasl.login.callback.handler.class", Kind::kReject, "", kAll,
       "a Java class; for OAuth/OIDC use sasl.oauthbearer.method=oidc and the other sasl.oauthbearer.* settings"},
      {"sasl.client.callback.handler.class", Kind::kReject, "", kAll, kJavaClass},
      {"sasl.login.class", Kind::kReject, "", kAll, kJavaClass},
      {"sasl.oauthbearer.token.endpoint.url", Kind::kSame, "sasl.oauthbearer.token.endpoint.url", kAll, ""},
      {"sasl.oauthbearer.scope.claim.name", Kind::kDrop, "", kAll, kOauthValidation},
      {"sasl.oauthbearer.sub.claim.name", Kind::kDrop, "", kAll, kOauthValidation},
      {"sasl.oauthbearer.jwks.endpoint.url", Kind::kDrop, "", kAll, kOauthValidation},
      {"sasl.oauthbearer.jwks.endpoint.refresh.ms", Kind::kDrop, "", kAll, kOauthValidation},
      {"sasl.oauthbearer.jwks.endpoint.retry.backoff.ms", Kind::kDrop, "", kAll, kOauthValidation},
      {"sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms", Kind::kDrop, "", kAll, kOauthValidation},
      {"sasl.oauthbearer.clock.skew.seconds", Kind::kDrop, "", kAll, kOauthValidation},
      {"sasl.oauthbearer.expected.audience", Kind::kDrop, "", kAll, kOauthValidation},
      {"sasl.oauthbearer.expected.issuer", Kind::kDrop, "", kAll, kOauthValidation},
      {"ssl.truststore.location", Kind::kCustom, "ssl.ca.location", kAll,
       "a PEM file (ssl.truststore.type=PEM, or a file that is PEM). JKS (Java's default type) and PKCS12 "
       "truststores are rejected: export the CA certificates to a PEM file"},
      {"ssl.truststore.type", Kind::kCustom, "", kAll, "read together with ssl.truststore.location"},
      {"ssl.truststore.password", Kind::kCustom, "", kAll, "dropped: PEM CA files have no password"},
      {"ssl.truststore.certificates", Kind::kRename, "ssl.ca.pem", kAll, ""},
      {"ssl.keystore.location", Kind::kCustom, "ssl.keystore.location or ssl.certificate.location + ssl.key.location",
       kAll,
       "PKCS12 (ssl.keystore.type=PKCS12, or a file that is PKCS12): ssl.keystore.location + "
       "ssl.keystore.password. PEM: ssl.certificate.location and ssl.key.location, both the file. JKS (Java's "
       "default type) is rejected: use PEM files or a PKCS12 keystore"},
      {"ssl.keystore.type", Kind::kCustom, "", kAll, "read together with ssl.keystore.location"},
      {"ssl.keystore.password", Kind::kCustom, "ssl.keystore.password", kAll, "with a PKCS12 keystore"},
      {"ssl.key.password", Kind::kRename, "ssl.key.password", kAll, ""},
      {"ssl.keystore.key", Kind::kRename, "ssl.key.pem", kAll, ""},
      {"ssl.keystore.certificate.chain", Kind::kRename, "ssl.certificate.pem", kAll, ""},
      {"ssl.endpoint.identification.algorithm", Kind::kCustom, "ssl.endpoint.identification.algorithm", kAll,
       "https, or empty (Java's way to turn it off) which becomes none"},
      {"ssl.cipher.suites", Kind::kCustom, "ssl.cipher.suites", kAll,
       "OpenSSL cipher names; Java/IANA names (TLS_...) are rejected"},
      {"ssl.protocol", Kind::kDrop, "", kAll, "librdkafka negotiates the TLS version with OpenSSL's defaults"},
      {"ssl.enabled.protocols", Kind::kDrop, "", kAll,
       "librdkafka negotiates the TLS version with OpenSSL's defaults"},
      {"ssl.provider", Kind::kDrop, "", kAll, "a Java security provider choice"},
      {"ssl.keymanager.algorithm", Kind::kDrop, "", kAll, "a Java security provider choice"},
      {"ssl.trustmanager.algorithm", Kind::kDrop, "", kAll, "a Java security provider choice"},
      {"ssl.secure.random.implementation", Kind::kDrop, "", kAll, "a Java security provider choice"},
      {"ssl.engine.factory.class", Kind::kReject, "", kAll, kJavaClass},
      {"security.providers", Kind::kReject, "", kAll, kJavaClass},
      // All clients.
      {"client.id", Kind::kSame, "client.id", kAll, ""},
      {"client.rack", Kind::kSame, "client.rack", kAll, ""},
      {"client.dns.lookup", Kind::kDrop, "", kAll, "librdkafka 2.0 has no such setting; it tries every address"},
      {"metadata.max.age.ms", Kind::kSame, "metadata.max.age.ms", kAll, ""},
      {"metadata.max.idle.ms", Kind::kDrop, "", kAll, "Java producer metadata caching"},
      {"metadata.recovery.strategy", Kind::kDrop, "", kAll, "not in librdkafka 2.0"},
      {"send.buffer.bytes", Kind::kCustom, "socket.send.buffer.bytes", kAll, "-1 (system default) becomes 0"},
      {"receive.buffer.bytes", Kind::kCustom, "socket.receive.buffer.bytes", kAll, "-1 (system default) becomes 0"},
      {"reconnect.backoff.ms", Kind::kSame, "reconnect.backoff.ms", kAll, ""},
      {"reconnect.backoff.max.ms", Kind::kSame, "reconnect.backoff.max.ms", kAll, ""},
      {"retry.backoff.ms", Kind::kSame, "retry.backoff.ms", kP, ""},
      {"retry.backoff.max.ms", Kind::kDrop, "", kAll, "not in librdkafka 2.0"},
      {"retries", Kind::kSame, "retries", kP, "at least 1: the idempotent producer needs retries"},
      {"request.timeout.ms", Kind::kCustom, "request.timeout.ms (producer), socket.timeout.ms (others)", kC | kP | kA,
       ""},
      {"socket.connection.setup.timeout.ms", Kind::kSame, "socket.connection.setup.timeout.ms", kAll, ""},
      {"socket.connection.setup.timeout.max.ms", Kind::kDrop, "", kAll, "not in librdkafka 2.0"},
      {"connections.max.idle.ms", Kind::kSame, "connections.max.idle.ms", kAll, ""},
      {"default.api.timeout.ms", Kind::kDrop, "", kAll, "kmirror sets its own timeouts per call"},
      {"metric.reporters", Kind::kDrop, "", kAll, kMetrics},
      {"metrics.num.samples", Kind::kDrop, "", kAll, kMetrics},
      {"metrics.recording.level", Kind::kDrop, "", kAll, kMetrics},
      {"metrics.sample.window.ms", Kind::kDrop, "", kAll, kMetrics},
      {"auto.include.jmx.reporter", Kind::kDrop, "", kAll, kMetrics},
      {"enable.metrics.push", Kind::kDrop, "", kAll, kMetrics},
      {"interceptor.classes", Kind::kReject, "", kAll, "Java interceptors would run Java code on every record"},
      {"bootstrap.controllers", Kind::kReject, "", kAll, "kmirror connects to brokers: use bootstrap.servers"},
      {"zookeeper.connect", Kind::kReject, "", kAll,
       "the ZooKeeper-based clients are gone: use bootstrap.servers"},
      {"plugin.library.paths", Kind::kReject, "", kAll, "kmirror loads no librdkafka plugins"},
      // Consumer.
      {"group.id", Kind::kEngine, "", kC,
       "MM2: the flow's group is flow.group.id. MirrorMaker 1: becomes the flow's consumer group"},
      {"group.instance.id", Kind::kEngine, "", kC,
       "kmirror runs several consumers per flow, which one static member id would fence"},
      {"group.protocol", Kind::kDrop, "", kC, "librdkafka 2.0 speaks the classic group protocol"},
      {"group.remote.assignor", Kind::kDrop, "", kC, "librdkafka 2.0 speaks the classic group protocol"},
      {"session.timeout.ms", Kind::kSame, "session.timeout.ms", kC, ""},
      {"heartbeat.interval.ms", Kind::kSame, "heartbeat.interval.ms", kC, ""},
      {"max.poll.interval.ms", Kind::kSame, "max.poll.interval.ms", kC, ""},
      {"rebalance.timeout.ms", Kind::kDrop, "", kC, "a Kafka Connect worker setting"},
      {"partition.assignment.strategy", Kind::kCustom, "partition.assignment.strategy", kC,
       "Java assignor classes become range, roundrobin or cooperative-sticky"},
      {"enable.auto.commit", Kind::kEngine, "", kC,
       "kmirror commits offsets itself, only for records the target acknowledged"},
      {"auto.commit.interval.ms", Kind::kSame, "auto.commit.interval.ms", kC, ""},
      {"auto.offset.reset", Kind::kEngine, "", kC,
       "where a flow starts on partitions without a committed offset: earliest or latest"},
      {"isolation.level", Kind::kEngine, "", kC,
       "kmirror reads committed records only; records of aborted transactions are never mirrored"},
      {"fetch.min.bytes", Kind::kSame, "fetch.min.bytes", kC, ""},
      {"fetch.max.bytes", Kind::kSame, "fetch.max.bytes", kC, ""},
      {"fetch.max.wait.ms", Kind::kRename, "fetch.wait.max.ms", kC, ""},
      {"max.partition.fetch.bytes", Kind::kSame, "max.partition.fetch.bytes", kC, ""},
      {"check.crcs", Kind::kSame, "check.crcs", kC, ""},
      {"allow.auto.create.topics", Kind::kSame, "allow.auto.create.topics", kC, ""},
      {"max.poll.records", Kind::kDrop, "", kC, "librdkafka has no per-poll record limit; kmirror batches itself"},
      {"exclude.internal.topics", Kind::kDrop, "", kC,
       "internal topics are excluded by topics.exclude (MM2) or always (MirrorMaker 1)"},
      {"internal.leave.group.on.close", Kind::kDrop, "", kC, "a Java-internal setting"},
      {"key.deserializer", Kind::kDrop, "", kC, kBytes},
      {"value.deserializer", Kind::kDrop, "", kC, kBytes},
      // Producer.
      {"acks", Kind::kEngine, "", kP, "kmirror always waits for all in-sync replicas (acks=all)"},
      {"enable.idempotence", Kind::kEngine, "", kP, "kmirror's producer is always idempotent"},
      {"linger.ms", Kind::kSame, "linger.ms", kP, ""},
      {"batch.size", Kind::kSame, "batch.size", kP, ""},
      {"compression.type", Kind::kSame, "compression.type", kP, ""},
      {"compression.gzip.level", Kind::kCustom, "compression.level", kP, "when compression.type is gzip"},
      {"compression.lz4.level", Kind::kCustom, "compression.level", kP, "when compression.type is lz4"},
      {"compression.zstd.level", Kind::kCustom, "compression.level", kP, "when compression.type is zstd"},
      {"delivery.timeout.ms", Kind::kSame, "delivery.timeout.ms", kP, ""},
      {"max.in.flight.requests.per.connection", Kind::kSame, "max.in.flight.requests.per.connection", kP,
       "at most 5: the idempotent producer keeps order only up to 5"},
      {"buffer.memory", Kind::kCustom, "queue.buffering.max.kbytes", kP, "bytes become KiB, rounded up"},
      {"max.request.size", Kind::kRename, "message.max.bytes", kP, ""},
      {"max.block.ms", Kind::kDrop, "", kP, "librdkafka's produce call does not block"},
      {"partitioner.class", Kind::kEngine, "", kP, kPartitioner},
      {"partitioner.ignore.keys", Kind::kEngine, "", kP, kPartitioner},
      {"partitioner.adaptive.partitioning.enable", Kind::kEngine, "", kP, kPartitioner},
      {"partitioner.availability.timeout.ms", Kind::kEngine, "", kP, kPartitioner},
      {"transactional.id", Kind::kEngine, "", kP, kTransactions},
      {"transaction.timeout.ms", Kind::kEngine, "", kP, kTransactions},
      {"key.serializer", Kind::kDrop, "", kP, kBytes},
      {"value.serializer", Kind::kDrop, "", kP, kBytes},
      {"producer.type", Kind::kDrop, "", kP,
       "MirrorMaker 1's sync/async switch; kmirror's producer is asynchronous and offsets are committed after "
       "acknowledgement"},
      // librdkafka names of engine-owned settings, for users who write librdkafka names.
      {"enable.auto.offset.store", Kind::kEngine, "", kC, "kmirror stores offsets after acknowledgement"},
      {"auto.commit.enable", Kind::kEngine, "", kC, "kmirror commits offsets itself"},
      {"enable.partition.eof", Kind::kEngine, "", kC, "kmirror's consumer loop owns it"},
      {"offset.store.method", Kind::kEngine, "", kC, "offsets are stored in the consumer group"},
      {"request.required.acks", Kind::kEngine, "", kP, "kmirror always waits for all in-sync replicas (acks=all)"},
      {"enable.gapless.guarantee", Kind::kEngine, "", kP, "kmirror's producer owns it"},
      {"queuing.strategy", Kind::kEngine, "", kP, "kmirror's producer owns it"},
      {"produce.offset.report", Kind::kEngine, "", kP, "kmirror's producer owns it"},
      {"partitioner", Kind::kEngine, "", kP, kPartitioner},
  };
  return rules;
}

const Rule* FindRule(std::string_view java) {
  for (const auto& r : Rules()) {
    if (java == r.java) return &r;
  }
  return nullptr;
}

unsigned RoleBitOf(ClientRole role) {
  switch (role) {
    case ClientRole::kConsumer: return kC;
    case ClientRole::kProducer: return kP;
    case ClientRole::kAdmin: return kA;
    case ClientRole::kCluster: return kK;
  }
  return kK;
}

const char* RoleName(ClientRole role) {
  switch (role) {
    case ClientRole::kConsumer: return "consumer";
    case ClientRole::kProducer: return "producer";
    case ClientRole::kAdmin: return "admin client";
    case ClientRole::kCluster: return "cluster connection";
  }
  return "client";
}

// The key prefix under which the user wrote `java` ("clusterA." for "clusterA.ssl.x"), so
// advice can name the exact key to write instead.
std::string PrefixOf(const SourcedValue& v, std::string_view java) {
  const std::string& key = v.origin.key;
  if (key.size() >= java.size() && key.compare(key.size() - java.size(), java.size(), java) == 0) {
    return key.substr(0, key.size() - java.size());
  }
  return "";
}

enum class StoreFormat { kMissing, kJks, kPkcs12, kPem, kUnknown };

// Looks at a key/trust store's first bytes. Java's JKS keystore type also reads PKCS12 files
// (JDK 9+ "compat" mode), so a defaulted type says little; the file itself decides.
StoreFormat SniffStore(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return StoreFormat::kMissing;
  std::string head(512, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  if (head.size() >= 4 && static_cast<unsigned char>(head[0]) == 0xFE && static_cast<unsigned char>(head[1]) == 0xED &&
      static_cast<unsigned char>(head[2]) == 0xFE && static_cast<unsigned char>(head[3]) == 0xED) {
    return StoreFormat::kJks;
  }
  if (head.size() >= 4 && static_cast<unsigned char>(head[0]) == 0xCE && static_cast<unsigned char>(head[1]) == 0xCE) {
    return StoreFormat::kJks;  // JCEKS, Java-only as well
  }
  if (head.find("-----BEGIN") != std::string::npos) return StoreFormat::kPem;
  if (!head.empty() && static_cast<unsigned char>(head[0]) == 0x30) return StoreFormat::kPkcs12;  // DER SEQUENCE
  return StoreFormat::kUnknown;
}

class Translator {
 public:
  Translator(const JavaClientProps& java, ClientRole role, Diagnostics& diag)
      : java_(java), role_(role), diag_(diag) {}

  TranslatedClient Run() {
    for (const auto& [name, value] : java_) Translate(name, value);
    TranslateStores();
    CheckProducerInvariants();
    CheckWithLibrdkafka();
    return std::move(out_);
  }

 private:
  void Set(const std::string& name, const std::string& value, const Origin& origin) {
    auto it = origins_.find(name);
    if (it != origins_.end() && out_.props[name] != value) {
      diag_.Problem(origin, "sets librdkafka's " + name + ", which " + it->second.key +
                                " (line " + std::to_string(it->second.line) + ") also sets; keep one of them");
      return;
    }
    out_.props[name] = value;
    origins_[name] = origin;
  }

  const SourcedValue* Get(const std::string& java) const {
    auto it = java_.find(java);
    return it == java_.end() ? nullptr : &it->second;
  }

  void Drop(const Origin& at, const std::string& why) { diag_.Info(at, why + "; ignored"); }

  void Translate(const std::string& name, const SourcedValue& v) {
    const Rule* rule = FindRule(name);
    const Origin& at = v.origin;
    if (rule == nullptr) {  // not a Java name kmirror knows: taken as a librdkafka property
      Set(name, v.value, at);
      return;
    }
    if (rule->kind == Kind::kReject) {
      if (Trim(v.value).empty()) return;  // an empty class list asks for nothing
      diag_.Problem(at, std::string("cannot be used: ") + rule->note);
      return;
    }
    if (rule->kind == Kind::kEngine) {
      Engine(name, v);
      return;
    }
    if ((rule->roles & RoleBitOf(role_)) == 0) {
      Drop(at, std::string("does not apply to the ") + RoleName(role_));
      return;
    }
    switch (rule->kind) {
      case Kind::kSame: Set(name, v.value, at); return;
      case Kind::kRename: Set(rule->target, v.value, at); return;
      case Kind::kDrop: Drop(at, std::string("Java-only client setting (") + rule->note + ")"); return;
      case Kind::kCustom: Custom(name, v); return;
      case Kind::kEngine:
      case Kind::kReject: return;  // handled above
    }
  }

  void Engine(const std::string& name, const SourcedValue& v) {
    const Origin& at = v.origin;
    std::string value = ToLower(Trim(v.value));
    bool consumer = role_ == ClientRole::kConsumer;
    bool producer = role_ == ClientRole::kProducer;
    if (name == "group.id" && consumer) {
      out_.group_id = v;
    } else if (name == "auto.offset.reset" && consumer) {
      if (value == "earliest" || value == "smallest" || value == "beginning") {
        out_.start_position = StartPosition::kEarliest;
        out_.start_position_origin = at;
      } else if (value == "latest" || value == "largest" || value == "end") {
        out_.start_position = StartPosition::kLatest;
        out_.start_position_origin = at;
      } else if (value == "none" || value == "error") {
        diag_.Problem(at, "'" + v.value + "' (fail when there is no committed offset) is not supported: use earliest "
                          "or latest");
      } else {
        diag_.Problem(at, "'" + v.value + "' is not one of earliest, latest");
      }
    } else if (name == "isolation.level" && consumer) {
      if (value == "read_uncommitted") {
        diag_.Warning(at, "kmirror always reads committed records only (records of aborted transactions are never "
                          "mirrored); read_uncommitted is overridden");
      } else if (value != "read_committed") {
        diag_.Problem(at, "'" + v.value + "' is not one of read_committed, read_uncommitted");
      }
    } else if ((name == "acks" || name == "request.required.acks") && producer) {
      if (value != "all" && value != "-1") {
        diag_.Warning(at, "kmirror always waits for all in-sync replicas; acks=" + v.value + " is overridden by acks=all");
      }
    } else if (name == "enable.idempotence" && producer) {
      auto b = ParseBool(value);
      if (!b) diag_.Problem(at, "'" + v.value + "' is not a boolean: use true or false");
      else if (!*b) diag_.Warning(at, "kmirror's producer is always idempotent; enable.idempotence=false is overridden");
    } else if (name == "enable.auto.commit" || name == "auto.commit.enable") {
      diag_.Info(at, "kmirror commits offsets itself, only for records the target acknowledged; ignored");
    } else if (name == "group.instance.id" || name == "transactional.id" || name == "transaction.timeout.ms") {
      diag_.Warning(at, std::string(FindRule(name)->note) + "; ignored");
    } else {
      const Rule* rule = FindRule(name);
      diag_.Info(at, std::string("decided by kmirror (") + rule->note + "); ignored");
    }
  }

  void Custom(const std::string& name, const SourcedValue& v) {
    const Origin& at = v.origin;
    std::string value = Trim(v.value);
    if (name == "bootstrap.servers") {
      std::string joined;
      for (const auto& s : SplitList(value)) joined += (joined.empty() ? "" : ",") + s;
      if (joined.empty()) diag_.Problem(at, "is empty: list at least one host:port");
      else Set("bootstrap.servers", joined, at);
    } else if (name == "security.protocol") {
      std::string u = ToUpper(value);
      if (u != "PLAINTEXT" && u != "SSL" && u != "SASL_PLAINTEXT" && u != "SASL_SSL") {
        diag_.Problem(at, "'" + v.value + "' is not one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL");
      } else {
        Set("security.protocol", ToLower(u), at);
      }
    } else if (name == "sasl.mechanism") {
      static const std::vector<std::string> kMechanisms = {"GSSAPI", "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512",
                                                           "OAUTHBEARER"};
      if (std::find(kMechanisms.begin(), kMechanisms.end(), value) == kMechanisms.end()) {
        diag_.Problem(at, "'" + v.value + "' is not one of GSSAPI, PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER");
      } else {
        Set("sasl.mechanisms", value, at);
      }
    } else if (name == "sasl.jaas.config") {
      Jaas(v);
    } else if (name == "ssl.endpoint.identification.algorithm") {
      Set(name, value.empty() ? "none" : ToLower(value), at);
    } else if (name == "ssl.cipher.suites") {
      if (value.rfind("TLS_", 0) == 0 || value.rfind("SSL_", 0) == 0 || value.find(", TLS_") != std::string::npos ||
          value.find(",TLS_") != std::string::npos) {
        diag_.Problem(at, "uses Java (IANA) cipher suite names; librdkafka takes an OpenSSL cipher list such as "
                          "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256");
      } else {
        Set(name, value, at);
      }
    } else if (name == "partition.assignment.strategy") {
      Assignors(v);
    } else if (name == "send.buffer.bytes" || name == "receive.buffer.bytes") {
      std::string target = name == "send.buffer.bytes" ? "socket.send.buffer.bytes" : "socket.receive.buffer.bytes";
      Set(target, value == "-1" ? "0" : value, at);
    } else if (name == "request.timeout.ms") {
      Set(role_ == ClientRole::kProducer ? "request.timeout.ms" : "socket.timeout.ms", value, at);
    } else if (name == "buffer.memory") {
      auto bytes = ParseInteger(value);
      if (!bytes || *bytes < 1) {
        diag_.Problem(at, "'" + v.value + "' is not a positive number of bytes");
      } else {
        Set("queue.buffering.max.kbytes", std::to_string((*bytes + 1023) / 1024), at);
      }
    } else if (name.rfind("compression.", 0) == 0 && name.size() > 18) {  // compression.<codec>.level
      std::string codec = name.substr(12, name.size() - 12 - 6);
      const SourcedValue* type = Get("compression.type");
      if (type != nullptr && ToLower(Trim(type->value)) == codec) {
        Set("compression.level", value, at);
      } else {
        Drop(at, "applies only when compression.type is " + codec);
      }
    } else if (name.rfind("ssl.truststore.", 0) == 0 || name.rfind("ssl.keystore.", 0) == 0) {
      // Handled as a group by TranslateStores: type, location and password only make sense together.
    }
  }

  void Assignors(const SourcedValue& v) {
    static const std::map<std::string, std::string> kAssignors = {
        {"org.apache.kafka.clients.consumer.RangeAssignor", "range"},
        {"org.apache.kafka.clients.consumer.RoundRobinAssignor", "roundrobin"},
        {"org.apache.kafka.clients.consumer.CooperativeStickyAssignor", "cooperative-sticky"},
        {"range", "range"},
        {"roundrobin", "roundrobin"},
        {"cooperative-sticky", "cooperative-sticky"},
    };
    std::string joined;
    for (const auto& item : SplitList(v.value)) {
      auto it = kAssignors.find(item);
      std::string mapped;
      if (it != kAssignors.end()) {
        mapped = it->second;
      } else if (item == "org.apache.kafka.clients.consumer.StickyAssignor") {
        // Eager sticky has no librdkafka counterpart; the cooperative variant keeps the same
        // "move as few partitions as possible" goal, and kmirror is the group's only user.
        diag_.Warning(v.origin, "StickyAssignor has no librdkafka counterpart; cooperative-sticky is used instead");
        mapped = "cooperative-sticky";
      } else {
        diag_.Problem(v.origin, "unknown assignor '" + item +
                                    "': use RangeAssignor, RoundRobinAssignor or CooperativeStickyAssignor "
                                    "(librdkafka: range, roundrobin, cooperative-sticky)");
        return;
      }
      if (joined.find(mapped) == std::string::npos) joined += (joined.empty() ? "" : ",") + mapped;
    }
    if (joined.empty()) {
      diag_.Problem(v.origin, "is empty: name at least one assignor");
      return;
    }
    Set("partition.assignment.strategy", joined, v.origin);
  }

  void Jaas(const SourcedValue& v) {
    const Origin& at = v.origin;
    auto login = ParseJaasConfig(v.value);
    if (!login.ok()) {
      diag_.Problem(at, login.status().message());
      return;
    }
    const std::string& module = login->login_module;
    std::string prefix = PrefixOf(v, "sasl.jaas.config");
    if (module == "org.apache.kafka.common.security.plain.PlainLoginModule" ||
        module == "org.apache.kafka.common.security.scram.ScramLoginModule") {
      auto& opts = login->options;
      for (const char* required : {"username", "password"}) {
        if (opts.find(required) == opts.end()) {
          diag_.Problem(at, std::string("the login module needs a ") + required + " option");
        }
      }
      for (const auto& [key, value] : opts) {
        if (key == "username" || key == "password") continue;
        if (key == "tokenauth" && ToLower(value) == "true") {
          diag_.Problem(at, "delegation-token authentication (tokenauth=true) is not supported");
        } else {
          diag_.Warning(at, "JAAS option '" + key + "' has no librdkafka counterpart; ignored");
        }
      }
      if (opts.count("username") != 0 && opts.count("password") != 0) {
        Set("sasl.username", opts["username"], at);
        Set("sasl.password", opts["password"], at);
      }
    } else if (module == "com.sun.security.auth.module.Krb5LoginModule") {
      std::string advice = "Kerberos logins are not configured through JAAS in librdkafka: remove sasl.jaas.config "
                           "and set " + prefix + "sasl.mechanism=GSSAPI, " + prefix + "sasl.kerberos.service.name";
      auto principal = login->options.find("principal");
      auto keytab = login->options.find("keyTab");
      advice += ", " + prefix + "sasl.kerberos.principal" +
                (principal != login->options.end() ? "=" + principal->second : std::string()) + " and " + prefix +
                "sasl.kerberos.keytab" + (keytab != login->options.end() ? "=" + keytab->second : std::string());
      diag_.Problem(at, advice);
    } else if (module == "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule" ||
               module == "org.apache.kafka.common.security.oauthbearer.internals.OAuthBearerLoginModule") {
      std::string advice = "OAuth logins are not configured through JAAS in librdkafka: remove sasl.jaas.config and "
                           "set " + prefix + "sasl.mechanism=OAUTHBEARER, " + prefix +
                           "sasl.oauthbearer.method=oidc, " + prefix + "sasl.oauthbearer.client.id, " + prefix +
                           "sasl.oauthbearer.client.secret, " + prefix + "sasl.oauthbearer.token.endpoint.url and " +
                           "optionally " + prefix + "sasl.oauthbearer.scope";
      Status oidc = kafka::CheckClientProperty("sasl.oauthbearer.method", "oidc");
      if (!oidc.ok()) advice += " (note: this librdkafka build cannot do OIDC: " + oidc.message() + ")";
      diag_.Problem(at, advice);
    } else {
      diag_.Problem(at, "login module '" + module +
                            "' is not supported: kmirror understands PlainLoginModule and ScramLoginModule");
    }
  }

  void TranslateStores() {
    const SourcedValue* trust_location = Get("ssl.truststore.location");
    const SourcedValue* trust_type = Get("ssl.truststore.type");
    const SourcedValue* trust_password = Get("ssl.truststore.password");
    if (trust_location != nullptr) {
      const Origin& at = trust_location->origin;
      std::string path = Trim(trust_location->value);
      std::string type = trust_type != nullptr ? ToUpper(Trim(trust_type->value)) : "";
      StoreFormat format = SniffStore(path);
      std::string prefix = PrefixOf(*trust_location, "ssl.truststore.location");
      if (type == "PEM" || format == StoreFormat::kPem) {
        Set("ssl.ca.location", path, at);
      } else if (type == "PKCS12" || format == StoreFormat::kPkcs12) {
        diag_.Problem(at, "'" + path + "' is a PKCS12 truststore, which librdkafka cannot use for CA certificates. "
                          "Convert it to PEM (openssl pkcs12 -in " + path + " -nokeys -out ca.pem) and set " + prefix +
                          "ssl.ca.location=ca.pem instead");
      } else {
        diag_.Problem(at, "'" + path + "' is a JKS truststore (" +
                              (type.empty() ? std::string("ssl.truststore.type defaults to JKS")
                                            : "ssl.truststore.type=" + type) +
                              "), which librdkafka cannot read. Export the CA certificate(s) to PEM (keytool "
                              "-exportcert -rfc -keystore " + path + " -alias <alias> -file ca.pem) and set " + prefix +
                              "ssl.ca.location=ca.pem instead");
      }
      if (trust_password != nullptr) diag_.Info(trust_password->origin, "PEM CA files have no password; ignored");
    } else {
      for (const SourcedValue* v : {trust_type, trust_password}) {
        if (v != nullptr) Drop(v->origin, "has no effect without ssl.truststore.location");
      }
    }

    const SourcedValue* key_location = Get("ssl.keystore.location");
    const SourcedValue* key_type = Get("ssl.keystore.type");
    const SourcedValue* key_password = Get("ssl.keystore.password");
    if (key_location != nullptr) {
      const Origin& at = key_location->origin;
      std::string path = Trim(key_location->value);
      std::string type = key_type != nullptr ? ToUpper(Trim(key_type->value)) : "";
      StoreFormat format = SniffStore(path);
      std::string prefix = PrefixOf(*key_location, "ssl.keystore.location");
      if (type == "PEM" || format == StoreFormat::kPem) {
        // Java's PEM keystore holds key and certificate chain in one file; OpenSSL's PEM
        // readers skip blocks of the other kind, so the same file serves both settings.
        Set("ssl.certificate.location", path, at);
        Set("ssl.key.location", path, at);
        if (key_password != nullptr) Drop(key_password->origin, "a PEM keystore has no store password");
      } else if (type == "PKCS12" || format == StoreFormat::kPkcs12) {
        Set("ssl.keystore.location", path, at);
        if (key_password != nullptr) Set("ssl.keystore.password", key_password->value, key_password->origin);
      } else {
        diag_.Problem(at, "'" + path + "' is a JKS keystore (" +
                              (type.empty() ? std::string("ssl.keystore.type defaults to JKS")
                                            : "ssl.keystore.type=" + type) +
                              "), which librdkafka cannot read. Use PEM files (" + prefix +
                              "ssl.certificate.location, " + prefix + "ssl.key.location and, if the key is "
                              "encrypted, " + prefix + "ssl.key.password) or convert to PKCS12 (keytool "
                              "-importkeystore -srckeystore " + path + " -destkeystore client.p12 -deststoretype "
                              "PKCS12) and set " + prefix + "ssl.keystore.type=PKCS12");
      }
    } else {
      for (const SourcedValue* v : {key_type, key_password}) {
        if (v != nullptr) Drop(v->origin, "has no effect without ssl.keystore.location");
      }
    }
  }

  void CheckProducerInvariants() {
    if (role_ != ClientRole::kProducer) return;
    // librdkafka refuses these combinations only when the client is created; the engine always
    // enables idempotence, so they are reported here, at the line that set them.
    for (const char* name : {"max.in.flight.requests.per.connection", "max.in.flight"}) {
      auto it = out_.props.find(name);
      if (it == out_.props.end()) continue;
      auto n = ParseInteger(it->second);
      if (n && *n > 5) {
        diag_.Problem(origins_[name], "is " + it->second + ", but kmirror's idempotent producer allows at most 5 "
                                      "requests in flight (it keeps record order up to 5)");
      }
    }
    for (const char* name : {"retries", "message.send.max.retries"}) {
      auto it = out_.props.find(name);
      if (it == out_.props.end()) continue;
      auto n = ParseInteger(it->second);
      if (n && *n < 1) {
        diag_.Problem(origins_[name], "is " + it->second + ", but kmirror's idempotent producer needs at least 1 "
                                      "retry; leave it unset");
      }
    }
  }

  void CheckWithLibrdkafka() {
    for (const auto& [name, value] : out_.props) {
      Status s = kafka::CheckClientProperty(name, value);
      if (s.ok()) continue;
      std::string message = s.message();
      if (IsSecretProperty(name) && !value.empty()) {
        for (size_t p = message.find(value); p != std::string::npos; p = message.find(value, p)) {
          message.replace(p, value.size(), "***");
        }
      }
      // When the key was translated, say which librdkafka property was refused.
      const Origin& at = origins_[name];
      diag_.Problem(at, (at.key.ends_with(name) ? "" : "(as librdkafka's " + name + ") ") + message);
    }
  }

  const JavaClientProps& java_;
  ClientRole role_;
  Diagnostics& diag_;
  TranslatedClient out_;
  std::map<std::string, Origin> origins_;  // librdkafka name -> where its value came from
};

// A tokenizer following java.io.StreamTokenizer as Kafka's JaasConfig configures it.
class JaasTokenizer {
 public:
  enum class Type { kWord, kQuoted, kChar, kEnd };
  struct Token {
    Type type = Type::kEnd;
    std::string text;
  };

  explicit JaasTokenizer(std::string_view s) : s_(s) {}

  Result<Token> Next() {
    SkipBlanksAndComments();
    if (pos_ >= s_.size()) return Token{Type::kEnd, ""};
    char c = s_[pos_];
    if (IsWordChar(c)) {
      size_t start = pos_;
      while (pos_ < s_.size() && IsWordChar(s_[pos_])) ++pos_;
      return Token{Type::kWord, std::string(s_.substr(start, pos_ - start))};
    }
    if (c == '"' || c == '\'') return Quoted(c);
    ++pos_;
    return Token{Type::kChar, std::string(1, c)};
  }

 private:
  static bool IsWordChar(char c) {
    unsigned char u = static_cast<unsigned char>(c);
    return std::isalnum(u) || c == '.' || c == '-' || c == '_' || c == '$' || u >= 0x80;
  }

  void SkipBlanksAndComments() {
    while (pos_ < s_.size()) {
      if (std::isspace(static_cast<unsigned char>(s_[pos_]))) {
        ++pos_;
      } else if (s_.compare(pos_, 2, "//") == 0) {
        while (pos_ < s_.size() && s_[pos_] != '\n' && s_[pos_] != '\r') ++pos_;
      } else if (s_.compare(pos_, 2, "/*") == 0) {
        size_t end = s_.find("*/", pos_ + 2);
        pos_ = end == std::string_view::npos ? s_.size() : end + 2;
      } else {
        return;
      }
    }
  }

  Result<Token> Quoted(char quote) {
    std::string text;
    ++pos_;
    while (pos_ < s_.size()) {
      char c = s_[pos_++];
      if (c == quote) return Token{Type::kQuoted, std::move(text)};
      if (c == '\n' || c == '\r') break;
      if (c != '\\' || pos_ >= s_.size()) {
        text += c;
        continue;
      }
      char e = s_[pos_++];
      switch (e) {
        case 'a': text += '\a'; break;
        case 'b': text += '\b'; break;
        case 'f': text += '\f'; break;
        case 'n': text += '\n'; break;
        case 'r': text += '\r'; break;
        case 't': text += '\t'; break;
        case 'v': text += '\v'; break;
        default:
          if (e >= '0' && e <= '7') {  // up to three octal digits, as StreamTokenizer
            int v = e - '0';
            int max_digits = e <= '3' ? 3 : 2;
            for (int d = 1; d < max_digits && pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '7'; ++d) {
              v = v * 8 + (s_[pos_++] - '0');
            }
            text += static_cast<char>(v);
          } else {
            text += e;
          }
      }
    }
    return InvalidArgument("sasl.jaas.config has an unterminated quoted value");
  }

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

bool IsClusterClientProperty(std::string_view name) {
  return name == "bootstrap.servers" || name == "security.protocol" || name.rfind("ssl.", 0) == 0 ||
         name.rfind("sasl.", 0) == 0;
}

bool IsSecretProperty(std::string_view name) {
  return name.find("password") != std::string_view::npos || name.find("secret") != std::string_view::npos ||
         name == "sasl.jaas.config" || name == "ssl.key.pem" || name == "ssl.keystore.key" ||
         name == "sasl.oauthbearer.config";
}

Result<JaasLogin> ParseJaasConfig(std::string_view text) {
  JaasTokenizer tok(text);
  std::vector<JaasLogin> entries;
  while (true) {
    auto t = tok.Next();
    if (!t.ok()) return t.status();
    if (t->type == JaasTokenizer::Type::kEnd) break;
    if (t->type != JaasTokenizer::Type::kWord) {
      return InvalidArgument("sasl.jaas.config must start with a login module class name");
    }
    JaasLogin login;
    login.login_module = t->text;
    auto flag = tok.Next();
    if (!flag.ok()) return flag.status();
    std::string f = ToLower(flag->text);
    if (flag->type != JaasTokenizer::Type::kWord ||
        (f != "required" && f != "requisite" && f != "sufficient" && f != "optional")) {
      return InvalidArgument("sasl.jaas.config: the login module must be followed by a control flag (required, "
                             "requisite, sufficient or optional)");
    }
    login.control_flag = f;
    while (true) {
      auto key = tok.Next();
      if (!key.ok()) return key.status();
      if (key->type == JaasTokenizer::Type::kEnd) break;  // Java insists on ';', kmirror does not
      if (key->type == JaasTokenizer::Type::kChar && key->text == ";") break;
      if (key->type != JaasTokenizer::Type::kWord) {
        return InvalidArgument("sasl.jaas.config: expected an option name or ';'");
      }
      auto eq = tok.Next();
      if (!eq.ok()) return eq.status();
      if (eq->type != JaasTokenizer::Type::kChar || eq->text != "=") {
        return InvalidArgument("sasl.jaas.config: option '" + key->text + "' has no '=' and value");
      }
      auto value = tok.Next();
      if (!value.ok()) return value.status();
      if (value->type != JaasTokenizer::Type::kWord && value->type != JaasTokenizer::Type::kQuoted) {
        return InvalidArgument("sasl.jaas.config: option '" + key->text + "' has no value");
      }
      login.options[key->text] = value->text;
    }
    entries.push_back(std::move(login));
  }
  if (entries.size() != 1) {
    return InvalidArgument("sasl.jaas.config must contain exactly one login module, found " +
                           std::to_string(entries.size()));
  }
  return std::move(entries.front());
}

TranslatedClient TranslateClientProps(const JavaClientProps& java, ClientRole role, Diagnostics& diag) {
  return Translator(java, role, diag).Run();
}

std::vector<ClientPropertyDoc> ClientPropertyTable() {
  std::vector<ClientPropertyDoc> rows;
  for (const auto& r : Rules()) {
    std::string outcome;
    switch (r.kind) {
      case Kind::kSame:
      case Kind::kRename:
      case Kind::kCustom:
        outcome = r.target[0] != '\0' ? std::string("`") + r.target + "`" : "see note";
        break;
      case Kind::kDrop: outcome = "ignored (info)"; break;
      case Kind::kEngine: outcome = "decided by kmirror"; break;
      case Kind::kReject: outcome = "rejected"; break;
    }
    std::string note = r.note;
    if (r.roles != kAll && r.kind != Kind::kReject) {
      std::string only;
      if (r.roles & kC) only += "consumer";
      if (r.roles & kP) only += std::string(only.empty() ? "" : ", ") + "producer";
      if (r.roles & kA) only += std::string(only.empty() ? "" : ", ") + "admin";
      note = (note.empty() ? "" : note + ". ") + "Applies to: " + only;
    }
    rows.push_back({r.java, outcome, note});
  }
  return rows;
}

}  // namespace kmirror::config
