#include "config/client_rules.h"

#include <cstdio>
#include <cstdlib>

namespace kmirror::config {
namespace {

using Kind = ClientRule::Kind;
using enum ClientRule::Roles;

constexpr const char* kJavaClass = "a Java class; kmirror cannot load Java code";
constexpr const char* kLoginTuning = "Java's login refresh tuning; librdkafka refreshes on its own schedule";
constexpr const char* kOauthValidation = "token validation of Java's OAuth callback handler";
constexpr const char* kMetrics = "Java client metrics; kmirror reports its own";
constexpr const char* kBytes = "kmirror copies keys and values as bytes";

}  // namespace

// The documented translation. Order is the documentation order.
const std::vector<ClientRule>& ClientRules() {
  static const std::vector<ClientRule> rules = {
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
      {"ssl.truststore.location", Kind::kCustom, "ssl.ca.location or ssl.ca.pem", kAll,
       "PEM (ssl.truststore.type=PEM, or a file that is PEM): ssl.ca.location. PKCS12: its certificates are "
       "read at start-up and passed as ssl.ca.pem. JKS (Java's default type) is rejected with the keytool "
       "command that converts it to PKCS12"},
      {"ssl.truststore.type", Kind::kCustom, "", kAll, "read together with ssl.truststore.location"},
      {"ssl.truststore.password", Kind::kCustom, "", kAll,
       "opens a PKCS12 truststore; dropped with a PEM one (PEM CA files have no password)"},
      {"ssl.truststore.certificates", Kind::kRename, "ssl.ca.pem", kAll, ""},
      {"ssl.keystore.location", Kind::kCustom, "ssl.keystore.location or ssl.certificate.location + ssl.key.location",
       kAll,
       "PKCS12 (ssl.keystore.type=PKCS12, or a file that is PKCS12): ssl.keystore.location + "
       "ssl.keystore.password. PEM: ssl.certificate.location and ssl.key.location, both the file. JKS (Java's "
       "default type) is rejected with the keytool command that converts it to PKCS12"},
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
      {"ssl.enabled.protocols", Kind::kDrop, "", kAll, "librdkafka negotiates the TLS version with OpenSSL's defaults"},
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
      {"zookeeper.connect", Kind::kReject, "", kAll, "the ZooKeeper-based clients are gone: use bootstrap.servers"},
      {"plugin.library.paths", Kind::kReject, "", kAll, "kmirror loads no librdkafka plugins"},
      // Consumer.
      {"group.id", Kind::kMapped, "group.id", kC,
       "MM2: the flow's group is flow.group.id. MirrorMaker 1: becomes the flow's consumer group"},
      {"group.instance.id", Kind::kEngine, "group.instance.id", kC, ""},
      {"group.protocol", Kind::kDrop, "", kC, "librdkafka 2.0 speaks the classic group protocol"},
      {"group.remote.assignor", Kind::kDrop, "", kC, "librdkafka 2.0 speaks the classic group protocol"},
      {"session.timeout.ms", Kind::kSame, "session.timeout.ms", kC, ""},
      {"heartbeat.interval.ms", Kind::kSame, "heartbeat.interval.ms", kC, ""},
      {"max.poll.interval.ms", Kind::kSame, "max.poll.interval.ms", kC, ""},
      {"rebalance.timeout.ms", Kind::kDrop, "", kC, "a Kafka Connect worker setting"},
      {"partition.assignment.strategy", Kind::kCustom, "partition.assignment.strategy", kC,
       "Java assignor classes become range, roundrobin or cooperative-sticky"},
      {"enable.auto.commit", Kind::kEngine, "enable.auto.commit", kC, ""},
      {"auto.commit.interval.ms", Kind::kSame, "auto.commit.interval.ms", kC, ""},
      {"auto.offset.reset", Kind::kMapped, "auto.offset.reset", kC,
       "where a flow starts on partitions without a committed offset: earliest, or latest for the partitions of "
       "the flow's first start only (later ones start at their first record)"},
      {"isolation.level", Kind::kEngine, "isolation.level", kC, ""},
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
      {"acks", Kind::kEngine, "acks", kP, ""},
      {"enable.idempotence", Kind::kEngine, "enable.idempotence", kP, ""},
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
      {"partitioner.class", Kind::kEngine, "partitioner", kP, ""},
      {"partitioner.ignore.keys", Kind::kEngine, "partitioner", kP, ""},
      {"partitioner.adaptive.partitioning.enable", Kind::kEngine, "partitioner", kP, ""},
      {"partitioner.availability.timeout.ms", Kind::kEngine, "partitioner", kP, ""},
      {"transactional.id", Kind::kEngine, "transactional.id", kP, ""},
      {"transaction.timeout.ms", Kind::kEngine, "transaction.timeout.ms", kP, ""},
      {"key.serializer", Kind::kDrop, "", kP, kBytes},
      {"value.serializer", Kind::kDrop, "", kP, kBytes},
      {"producer.type", Kind::kDrop, "", kP,
       "MirrorMaker 1's sync/async switch; kmirror's producer is asynchronous and offsets are committed after "
       "acknowledgement"},
      // librdkafka names of engine-owned settings, for users who write librdkafka names.
      {"enable.auto.offset.store", Kind::kEngine, "enable.auto.offset.store", kC, ""},
      {"auto.commit.enable", Kind::kEngine, "auto.commit.enable", kC, ""},
      {"enable.partition.eof", Kind::kEngine, "enable.partition.eof", kC, ""},
      {"offset.store.method", Kind::kEngine, "offset.store.method", kC, ""},
      {"request.required.acks", Kind::kEngine, "request.required.acks", kP, ""},
      {"enable.gapless.guarantee", Kind::kEngine, "enable.gapless.guarantee", kP, ""},
      {"queuing.strategy", Kind::kEngine, "queuing.strategy", kP, ""},
      {"produce.offset.report", Kind::kEngine, "produce.offset.report", kP, ""},
      {"partitioner", Kind::kEngine, "partitioner", kP, ""},
  };
  return rules;
}

const ClientRule* FindClientRule(std::string_view java) {
  for (const auto& r : ClientRules()) {
    if (java == r.java) return &r;
  }
  return nullptr;
}

unsigned RoleBitOf(ClientRole role) {
  switch (role) {
    case ClientRole::kConsumer:
      return kC;
    case ClientRole::kProducer:
      return kP;
    case ClientRole::kAdmin:
      return kA;
    case ClientRole::kCluster:
      return kK;
  }
  return kK;
}

const char* RoleName(ClientRole role) {
  switch (role) {
    case ClientRole::kConsumer:
      return "consumer";
    case ClientRole::kProducer:
      return "producer";
    case ClientRole::kAdmin:
      return "admin client";
    case ClientRole::kCluster:
      return "cluster connection";
  }
  return "client";
}

const kafka::EngineProp& EnginePropOf(const ClientRule& rule) {
  const kafka::EngineProp* row = nullptr;
  if (rule.roles == kC) row = kafka::FindEngineProp(kafka::ClientKind::kConsumer, rule.target);
  if (rule.roles == kP) row = kafka::FindEngineProp(kafka::ClientKind::kProducer, rule.target);
  if (row == nullptr) {
    std::fprintf(stderr, "kmirror: client rule '%s' names no engine-owned property\n", rule.java);
    std::abort();
  }
  return *row;
}

std::vector<ClientPropertyDoc> ClientPropertyTable() {
  std::vector<ClientPropertyDoc> rows;
  for (const auto& r : ClientRules()) {
    std::string outcome;
    switch (r.kind) {
      case Kind::kSame:
      case Kind::kRename:
      case Kind::kCustom:
        outcome = r.target[0] != '\0' ? std::string("`") + r.target + "`" : "see note";
        break;
      case Kind::kDrop:
        outcome = "ignored (info)";
        break;
      case Kind::kEngine:
      case Kind::kMapped:
        outcome = "decided by kmirror";
        break;
      case Kind::kReject:
        outcome = "rejected";
        break;
    }
    std::string note = r.kind == Kind::kEngine ? std::string(EnginePropOf(r).reason) : r.note;
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
