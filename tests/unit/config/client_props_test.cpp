#include "config/client_props.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cstdio>

#include "config/client_rules.h"
#include "config/jaas.h"
#include "config_test_util.h"
#include "kmirror/kafka/engine_props.h"

namespace kmirror::config {
namespace {

using Props = std::vector<std::pair<std::string, std::string>>;

struct Translation {
  TranslatedClient out;
  Diagnostics diag;

  bool Has(const std::string& name, const std::string& value) const {
    auto it = out.props.find(name);
    return it != out.props.end() && it->second == value;
  }
  bool Lacks(const std::string& name) const { return out.props.count(name) == 0; }
  std::string Problems() const { return testing::AllText(diag.problems()); }
  // The first problem mentioning `needle`, or nullptr.
  const ConfigProblem* Problem(const std::string& needle) const {
    return testing::FindProblem(diag.problems(), needle);
  }
  bool Note(ConfigNote::Level level, const std::string& needle) const {
    for (const auto& n : diag.notes()) {
      if (n.level == level && n.ToString().find(needle) != std::string::npos) return true;
    }
    return false;
  }
  std::string Everything() const {
    std::string s = Problems();
    for (const auto& n : diag.notes()) s += n.ToString() + "\n";
    return s;
  }
};

// Each property is written as "clusterA.<name>" on its own line of t.properties.
Translation Translate(const Props& props, ClientRole role = ClientRole::kConsumer) {
  Translation t;
  JavaClientProps java;
  int line = 1;
  for (const auto& [name, value] : props) java[name] = {value, Origin{"t.properties", line++, "clusterA." + name}};
  t.out = TranslateClientProps(java, role, t.diag);
  return t;
}

constexpr auto kInfo = ConfigNote::Level::kInfo;
constexpr auto kWarning = ConfigNote::Level::kWarning;

// ---- JAAS parsing ----------------------------------------------------------------------

TEST(JaasTest, PlainLoginWithQuotedValues) {
  auto login = ParseJaasConfig(
      R"(org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="p@ss w0rd";)");
  ASSERT_TRUE(login.ok()) << login.status().ToString();
  EXPECT_EQ(login->login_module, "org.apache.kafka.common.security.plain.PlainLoginModule");
  EXPECT_EQ(login->control_flag, "required");
  EXPECT_EQ(login->options.at("username"), "alice");
  EXPECT_EQ(login->options.at("password"), "p@ss w0rd");
}

TEST(JaasTest, EscapesSingleQuotesBareWordsCommentsAndNoFinalSemicolon) {
  auto login = ParseJaasConfig(
      "  org.apache.kafka.common.security.scram.ScramLoginModule REQUIRED /* note */\n"
      "  username=bob_1 // trailing comment\n"
      "  password='single' extra=\"q\\\"uote\\\\back\\tslash\\101\"");
  ASSERT_TRUE(login.ok()) << login.status().ToString();
  EXPECT_EQ(login->control_flag, "required");
  EXPECT_EQ(login->options.at("username"), "bob_1");
  EXPECT_EQ(login->options.at("extra"), "q\"uote\\back\tslashA");
}

TEST(JaasTest, MalformedConfigsAreRejectedWithoutEchoingValues) {
  const std::string secret = "s3cr3t-value";
  const std::vector<std::string> texts = {"org.Foo",
                                          "org.Foo mandatory;",
                                          "org.Foo required username;",
                                          "org.Foo required username=\"a\" password=\"" + secret,
                                          "org.A required; org.B required;",
                                          "",
                                          "= required;",
                                          "org.Foo required password=;"};
  for (const std::string& text : texts) {
    auto login = ParseJaasConfig(text);
    EXPECT_FALSE(login.ok()) << text;
    EXPECT_EQ(login.status().message().find(secret), std::string::npos) << login.status().message();
  }
}

// ---- Security --------------------------------------------------------------------------

TEST(ClientPropsTest, SaslPlainFromTheSeedBecomesUsernameAndPassword) {
  auto t = Translate({{"sasl.mechanism", "PLAIN"},
                      {"security.protocol", "SASL_PLAINTEXT"},
                      {"sasl.jaas.config",
                       "org.apache.kafka.common.security.plain.PlainLoginModule required "
                       "username=\"your_user\" password=\"your_password\";"}});
  EXPECT_EQ(t.Problems(), "");
  EXPECT_TRUE(t.Has("sasl.mechanisms", "PLAIN"));
  EXPECT_TRUE(t.Has("security.protocol", "sasl_plaintext"));
  EXPECT_TRUE(t.Has("sasl.username", "your_user"));
  EXPECT_TRUE(t.Has("sasl.password", "your_password"));
  EXPECT_TRUE(t.Lacks("sasl.jaas.config"));
  EXPECT_TRUE(t.Lacks("sasl.mechanism"));
}

TEST(ClientPropsTest, ScramLogin) {
  auto t = Translate({{"sasl.mechanism", "SCRAM-SHA-512"},
                      {"sasl.jaas.config",
                       "org.apache.kafka.common.security.scram.ScramLoginModule required "
                       "username=\"svc\" password=\"pw\""}});
  EXPECT_EQ(t.Problems(), "");
  EXPECT_TRUE(t.Has("sasl.mechanisms", "SCRAM-SHA-512"));
  EXPECT_TRUE(t.Has("sasl.username", "svc"));
  EXPECT_TRUE(t.Has("sasl.password", "pw"));
}

TEST(ClientPropsTest, ScramLoginWithoutPasswordOrWithTokens) {
  auto missing = Translate(
      {{"sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"svc\";"}});
  EXPECT_NE(missing.Problem("needs a password"), nullptr) << missing.Problems();
  auto token = Translate({{"sasl.jaas.config",
                           "org.apache.kafka.common.security.scram.ScramLoginModule required "
                           "username=\"svc\" password=\"pw\" tokenauth=\"true\";"}});
  EXPECT_NE(token.Problem("tokenauth"), nullptr) << token.Problems();
}

TEST(ClientPropsTest, KerberosLoginIsRejectedWithTheLibrdkafkaSettingsToUse) {
  auto t = Translate({{"sasl.jaas.config",
                       "com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true "
                       "keyTab=\"/etc/kafka/mm.keytab\" principal=\"mm@EXAMPLE.COM\";"}});
  const ConfigProblem* p = t.Problem("Kerberos");
  ASSERT_NE(p, nullptr) << t.Problems();
  EXPECT_EQ(p->file, "t.properties");
  EXPECT_EQ(p->line, 1);
  EXPECT_EQ(p->key, "clusterA.sasl.jaas.config");
  EXPECT_NE(p->message.find("clusterA.sasl.kerberos.keytab=/etc/kafka/mm.keytab"), std::string::npos) << p->message;
  EXPECT_NE(p->message.find("clusterA.sasl.kerberos.principal=mm@EXAMPLE.COM"), std::string::npos) << p->message;
  EXPECT_NE(p->message.find("GSSAPI"), std::string::npos);
}

TEST(ClientPropsTest, OAuthLoginIsRejectedWithTheLibrdkafkaSettingsToUse) {
  auto t = Translate({{"sasl.jaas.config",
                       "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule "
                       "required clientId=\"id\" clientSecret=\"very-secret\";"}});
  const ConfigProblem* p = t.Problem("sasl.oauthbearer.method=oidc");
  ASSERT_NE(p, nullptr) << t.Problems();
  EXPECT_NE(p->message.find("sasl.oauthbearer.client.secret"), std::string::npos);
  EXPECT_EQ(t.Everything().find("very-secret"), std::string::npos);
}

TEST(ClientPropsTest, UnknownLoginModuleAndBadMechanism) {
  auto t = Translate({{"sasl.jaas.config", "com.example.MyLogin required;"}, {"sasl.mechanism", "plain"}});
  EXPECT_NE(t.Problem("com.example.MyLogin"), nullptr) << t.Problems();
  EXPECT_NE(t.Problem("'plain' is not one of"), nullptr) << t.Problems();
}

TEST(ClientPropsTest, SecurityProtocolIsCheckedAndLowerCased) {
  EXPECT_TRUE(Translate({{"security.protocol", "ssl"}}).Has("security.protocol", "ssl"));
  auto bad = Translate({{"security.protocol", "TLS"}});
  EXPECT_NE(bad.Problem("PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL"), nullptr) << bad.Problems();
}

TEST(ClientPropsTest, JksStoresAreRejectedWithPemAdvice) {
  testing::TempDir dir;
  std::string jks = dir.Write("trust.jks", std::string("\xFE\xED\xFE\xED\x00\x00\x00\x02", 8));
  auto defaulted = Translate({{"ssl.truststore.location", jks}, {"ssl.truststore.password", "changeit"}});
  const ConfigProblem* p = defaulted.Problem("JKS truststore");
  ASSERT_NE(p, nullptr) << defaulted.Problems();
  EXPECT_EQ(p->key, "clusterA.ssl.truststore.location");
  EXPECT_NE(p->message.find("defaults to JKS"), std::string::npos) << p->message;
  EXPECT_NE(p->message.find("keytool -importkeystore -srckeystore " + jks +
                            " -srcstoretype JKS -destkeystore truststore.p12 -deststoretype PKCS12"),
            std::string::npos)
      << p->message;
  EXPECT_NE(p->message.find("clusterA.ssl.truststore.location=truststore.p12"), std::string::npos) << p->message;
  EXPECT_EQ(defaulted.Everything().find("changeit"), std::string::npos);

  // Type defaulted and the file not there: said so, whatever Java's default type.
  auto absent = Translate({{"ssl.keystore.location", dir.Path("missing.jks")}});
  EXPECT_NE(absent.Problem("missing or unreadable"), nullptr) << absent.Problems();

  auto keystore = Translate({{"ssl.keystore.location", jks}, {"ssl.keystore.type", "JKS"}});
  p = keystore.Problem("JKS keystore");
  ASSERT_NE(p, nullptr) << keystore.Problems();
  EXPECT_NE(p->message.find("clusterA.ssl.certificate.location"), std::string::npos) << p->message;
  EXPECT_NE(p->message.find("clusterA.ssl.key.location"), std::string::npos) << p->message;
  EXPECT_NE(p->message.find("ssl.keystore.type=PKCS12"), std::string::npos) << p->message;
  EXPECT_NE(p->message.find("keytool -importkeystore -srckeystore " + jks +
                            " -srcstoretype JKS -destkeystore keystore.p12 -deststoretype PKCS12"),
            std::string::npos)
      << p->message;
}

TEST(ClientPropsTest, Pkcs12KeystoreAndPemTruststore) {
  testing::TempDir dir;
  std::string p12 = dir.Write("client.p12", std::string("\x30\x82\x05\x00", 4));
  std::string pem = dir.Write("ca.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
  auto t = Translate({{"ssl.keystore.location", p12},
                      {"ssl.keystore.type", "PKCS12"},
                      {"ssl.keystore.password", "kpw"},
                      {"ssl.truststore.location", pem},
                      {"ssl.truststore.type", "PEM"}});
  EXPECT_EQ(t.Problems(), "");
  EXPECT_TRUE(t.Has("ssl.keystore.location", p12));
  EXPECT_TRUE(t.Has("ssl.keystore.password", "kpw"));
  EXPECT_TRUE(t.Has("ssl.ca.location", pem));
  EXPECT_TRUE(t.Lacks("ssl.truststore.location"));

  // With the type defaulted the file decides, as Java's JKS type also reads PKCS12 and PEM
  // files are recognised.
  auto sniffed = Translate({{"ssl.keystore.location", p12}, {"ssl.truststore.location", pem}});
  EXPECT_EQ(sniffed.Problems(), "");
  EXPECT_TRUE(sniffed.Has("ssl.keystore.location", p12));
  EXPECT_TRUE(sniffed.Has("ssl.ca.location", pem));

  auto p12_trust = Translate({{"ssl.truststore.location", p12}});
  EXPECT_NE(p12_trust.Problem("is not a PKCS12 store"), nullptr) << p12_trust.Problems();
}

// A PKCS12 truststore holding one CA certificate and no key, as keytool -importcert writes
// one (made here with OpenSSL's API).
std::string WritePkcs12Truststore(const testing::TempDir& dir, const std::string& password) {
  EVP_PKEY* key = EVP_RSA_gen(2048);
  X509* cert = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("unit-ca"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509_sign(cert, key, EVP_sha256());
  STACK_OF(X509)* ca = sk_X509_new_null();
  sk_X509_push(ca, cert);
  PKCS12* p12 = PKCS12_create(password.c_str(), "ca", nullptr, nullptr, ca, 0, 0, 0, 0, 0);
  const std::string path = dir.Path("truststore.p12");
  FILE* f = std::fopen(path.c_str(), "wb");
  i2d_PKCS12_fp(f, p12);
  std::fclose(f);
  PKCS12_free(p12);
  sk_X509_pop_free(ca, X509_free);
  EVP_PKEY_free(key);
  return path;
}

TEST(ClientPropsTest, Pkcs12TruststoreIsReadIntoPem) {
  testing::TempDir dir;
  const std::string store = WritePkcs12Truststore(dir, "trust-pw-1234");
  auto t = Translate({{"ssl.truststore.location", store},
                      {"ssl.truststore.type", "PKCS12"},
                      {"ssl.truststore.password", "trust-pw-1234"}});
  EXPECT_EQ(t.Problems(), "");
  ASSERT_TRUE(t.out.props.count("ssl.ca.pem")) << t.Everything();
  EXPECT_EQ(t.out.props.at("ssl.ca.pem").rfind("-----BEGIN CERTIFICATE-----", 0), 0u);
  EXPECT_TRUE(t.Lacks("ssl.ca.location"));

  auto wrong = Translate({{"ssl.truststore.location", store}, {"ssl.truststore.password", "not-it-5678"}});
  const ConfigProblem* p = wrong.Problem("wrong ssl.truststore.password");
  ASSERT_NE(p, nullptr) << wrong.Problems();
  EXPECT_EQ(p->key, "clusterA.ssl.truststore.location");
  EXPECT_EQ(wrong.Everything().find("not-it-5678"), std::string::npos);
}

TEST(ClientPropsTest, PemKeystoreAndInlinePem) {
  testing::TempDir dir;
  std::string pem = dir.Write("client.pem", "-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n");
  auto t = Translate({{"ssl.keystore.location", pem}, {"ssl.keystore.type", "PEM"}, {"ssl.key.password", "kp"}});
  EXPECT_EQ(t.Problems(), "");
  EXPECT_TRUE(t.Has("ssl.certificate.location", pem));
  EXPECT_TRUE(t.Has("ssl.key.location", pem));
  EXPECT_TRUE(t.Has("ssl.key.password", "kp"));

  auto inline_pem = Translate({{"ssl.keystore.key", "-----BEGIN PRIVATE KEY-----"},
                               {"ssl.keystore.certificate.chain", "-----BEGIN CERTIFICATE-----"},
                               {"ssl.truststore.certificates", "-----BEGIN CERTIFICATE-----"}});
  EXPECT_EQ(inline_pem.Problems(), "");
  EXPECT_TRUE(inline_pem.Has("ssl.key.pem", "-----BEGIN PRIVATE KEY-----"));
  EXPECT_TRUE(inline_pem.Has("ssl.certificate.pem", "-----BEGIN CERTIFICATE-----"));
  EXPECT_TRUE(inline_pem.Has("ssl.ca.pem", "-----BEGIN CERTIFICATE-----"));
}

TEST(ClientPropsTest, OtherSslSettings) {
  auto t = Translate({{"ssl.endpoint.identification.algorithm", ""}, {"ssl.protocol", "TLSv1.3"}});
  EXPECT_TRUE(t.Has("ssl.endpoint.identification.algorithm", "none"));
  EXPECT_TRUE(t.Lacks("ssl.protocol"));
  EXPECT_TRUE(t.Note(kInfo, "clusterA.ssl.protocol"));
  auto https = Translate({{"ssl.endpoint.identification.algorithm", "HTTPS"}});
  EXPECT_TRUE(https.Has("ssl.endpoint.identification.algorithm", "https"));
  auto java_ciphers = Translate({{"ssl.cipher.suites", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"}});
  EXPECT_NE(java_ciphers.Problem("OpenSSL cipher list"), nullptr) << java_ciphers.Problems();
  auto openssl_ciphers = Translate({{"ssl.cipher.suites", "ECDHE-RSA-AES256-GCM-SHA384"}});
  EXPECT_TRUE(openssl_ciphers.Has("ssl.cipher.suites", "ECDHE-RSA-AES256-GCM-SHA384"));
  auto native = Translate({{"ssl.ca.location", "/etc/ssl/ca.pem"}});
  EXPECT_TRUE(native.Has("ssl.ca.location", "/etc/ssl/ca.pem"));
}

// ---- Renames and Java-only settings ------------------------------------------------------

TEST(ClientPropsTest, JavaOnlyNamesWithLibrdkafkaEquivalentsAreRenamed) {
  auto producer = Translate({{"buffer.memory", "33554433"},
                             {"max.request.size", "2097152"},
                             {"send.buffer.bytes", "-1"},
                             {"request.timeout.ms", "20000"},
                             {"linger.ms", "5"},
                             {"compression.type", "zstd"},
                             {"compression.zstd.level", "7"},
                             {"bootstrap.servers", "b1:9092, b2:9092 ,"}},
                            ClientRole::kProducer);
  EXPECT_EQ(producer.Problems(), "");
  EXPECT_TRUE(producer.Has("queue.buffering.max.kbytes", "32769"));
  EXPECT_TRUE(producer.Has("message.max.bytes", "2097152"));
  EXPECT_TRUE(producer.Has("socket.send.buffer.bytes", "0"));
  EXPECT_TRUE(producer.Has("request.timeout.ms", "20000"));
  EXPECT_TRUE(producer.Has("linger.ms", "5"));
  EXPECT_TRUE(producer.Has("compression.level", "7"));
  EXPECT_TRUE(producer.Has("bootstrap.servers", "b1:9092,b2:9092"));

  auto consumer = Translate({{"fetch.max.wait.ms", "100"}, {"request.timeout.ms", "20000"}});
  EXPECT_EQ(consumer.Problems(), "");
  EXPECT_TRUE(consumer.Has("fetch.wait.max.ms", "100"));
  EXPECT_TRUE(consumer.Has("socket.timeout.ms", "20000"));

  auto other_codec = Translate({{"compression.type", "gzip"}, {"compression.zstd.level", "7"}}, ClientRole::kProducer);
  EXPECT_TRUE(other_codec.Lacks("compression.level"));
}

TEST(ClientPropsTest, JavaOnlySettingsAreDroppedWithAnInfoNote) {
  auto t = Translate({{"max.poll.records", "500"},
                      {"key.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer"},
                      {"client.dns.lookup", "use_all_dns_ips"},
                      {"linger.ms", "5"}});
  EXPECT_EQ(t.Problems(), "");
  EXPECT_TRUE(t.Lacks("max.poll.records"));
  EXPECT_TRUE(t.Lacks("key.deserializer"));
  EXPECT_TRUE(t.Lacks("client.dns.lookup"));
  EXPECT_TRUE(t.Lacks("linger.ms"));  // a producer setting on a consumer
  EXPECT_TRUE(t.Note(kInfo, "clusterA.max.poll.records"));
  EXPECT_TRUE(t.Note(kInfo, "does not apply to the consumer"));
}

TEST(ClientPropsTest, AssignorClassesBecomeLibrdkafkaNames) {
  auto t = Translate({{"partition.assignment.strategy",
                       "org.apache.kafka.clients.consumer.RangeAssignor, "
                       "org.apache.kafka.clients.consumer.CooperativeStickyAssignor"}});
  EXPECT_TRUE(t.Has("partition.assignment.strategy", "range,cooperative-sticky")) << t.Everything();
  EXPECT_TRUE(Translate({{"partition.assignment.strategy", "org.apache.kafka.clients.consumer.RoundRobinAssignor"}})
                  .Has("partition.assignment.strategy", "roundrobin"));
  auto sticky = Translate({{"partition.assignment.strategy", "org.apache.kafka.clients.consumer.StickyAssignor"}});
  EXPECT_TRUE(sticky.Has("partition.assignment.strategy", "cooperative-sticky"));
  EXPECT_TRUE(sticky.Note(kWarning, "StickyAssignor"));
  auto custom = Translate({{"partition.assignment.strategy", "com.example.Mine"}});
  EXPECT_NE(custom.Problem("unknown assignor 'com.example.Mine'"), nullptr) << custom.Problems();
}

// ---- Engine-owned settings ---------------------------------------------------------------

TEST(ClientPropsTest, EngineOwnedConsumerSettingsNeverReachTheProps) {
  auto t = Translate({{"group.id", "mirrormaker"},
                      {"enable.auto.commit", "true"},
                      {"auto.offset.reset", "latest"},
                      {"isolation.level", "read_uncommitted"},
                      {"enable.auto.offset.store", "true"},
                      {"group.instance.id", "mm-1"}});
  EXPECT_EQ(t.Problems(), "");
  for (const char* name : {"group.id", "enable.auto.commit", "auto.offset.reset", "isolation.level",
                           "enable.auto.offset.store", "group.instance.id"}) {
    EXPECT_TRUE(t.Lacks(name)) << name;
  }
  ASSERT_TRUE(t.out.group_id.has_value());
  EXPECT_EQ(t.out.group_id->value, "mirrormaker");
  EXPECT_EQ(t.out.start_position, StartPosition::kLatest);
  EXPECT_TRUE(t.Note(kWarning, "read_uncommitted is overridden"));
  EXPECT_TRUE(t.Note(kWarning, "clusterA.group.instance.id"));

  EXPECT_EQ(Translate({{"auto.offset.reset", "earliest"}}).out.start_position, StartPosition::kEarliest);
  EXPECT_FALSE(Translate({}).out.start_position.has_value());
  auto none = Translate({{"auto.offset.reset", "none"}});
  EXPECT_NE(none.Problem("use earliest or latest"), nullptr) << none.Problems();
}

TEST(ClientPropsTest, WeakerProducerGuaranteesAreWarnedAndOverridden) {
  auto t = Translate({{"acks", "1"},
                      {"enable.idempotence", "false"},
                      {"partitioner.class", "org.apache.kafka.clients.producer.RoundRobinPartitioner"},
                      {"transactional.id", "mm"},
                      {"max.in.flight.requests.per.connection", "1"}},
                     ClientRole::kProducer);
  EXPECT_EQ(t.Problems(), "");
  EXPECT_TRUE(t.Lacks("acks"));
  EXPECT_TRUE(t.Lacks("enable.idempotence"));
  EXPECT_TRUE(t.Lacks("partitioner.class"));
  EXPECT_TRUE(t.Lacks("transactional.id"));
  EXPECT_TRUE(t.Has("max.in.flight.requests.per.connection", "1"));
  EXPECT_TRUE(t.Note(kWarning, "acks=1 is overridden by acks=all"));
  EXPECT_TRUE(t.Note(kWarning, "enable.idempotence=false is overridden"));

  auto fine = Translate({{"acks", "all"}, {"enable.idempotence", "true"}}, ClientRole::kProducer);
  EXPECT_TRUE(fine.diag.notes().empty()) << fine.Everything();
}

TEST(ClientPropsTest, EngineOwnedWarningsCiteTheEngineTable) {
  const kafka::EngineProp* acks = kafka::FindEngineProp(kafka::ClientKind::kProducer, "acks");
  ASSERT_NE(acks, nullptr);
  auto weak = Translate({{"acks", "1"}}, ClientRole::kProducer);
  EXPECT_TRUE(weak.Note(kWarning, std::string(acks->reason) + "; acks=1 is overridden by acks=all"))
      << weak.Everything();
  auto legacy = Translate({{"request.required.acks", "0"}}, ClientRole::kProducer);
  EXPECT_TRUE(legacy.Note(kWarning, std::string(acks->reason) + "; request.required.acks=0 is overridden by acks=all"))
      << legacy.Everything();

  const kafka::EngineProp* isolation = kafka::FindEngineProp(kafka::ClientKind::kConsumer, "isolation.level");
  ASSERT_NE(isolation, nullptr);
  auto uncommitted = Translate({{"isolation.level", "read_uncommitted"}});
  EXPECT_TRUE(uncommitted.Note(kWarning, std::string(isolation->reason))) << uncommitted.Everything();

  const kafka::EngineProp* txn = kafka::FindEngineProp(kafka::ClientKind::kProducer, "transactional.id");
  ASSERT_NE(txn, nullptr);
  auto transactional = Translate({{"transactional.id", "mm"}}, ClientRole::kProducer);
  EXPECT_TRUE(transactional.Note(kWarning, std::string(txn->reason) + "; ignored")) << transactional.Everything();
}

TEST(ClientPropsTest, EveryEngineOwnedRuleNamesARowOfTheEngineTable) {
  int owned = 0;
  for (const ClientRule& rule : ClientRules()) {
    if (rule.kind != ClientRule::Kind::kEngine && rule.kind != ClientRule::Kind::kMapped) continue;
    ++owned;
    EXPECT_TRUE(rule.roles == ClientRule::kC || rule.roles == ClientRule::kP) << rule.java;
    EXPECT_NE(
        kafka::FindEngineProp(
            rule.roles == ClientRule::kC ? kafka::ClientKind::kConsumer : kafka::ClientKind::kProducer, rule.target),
        nullptr)
        << rule.java;
    // The reason is the table's; a rule that restated it could drift from it.
    if (rule.kind == ClientRule::Kind::kEngine) {
      EXPECT_STREQ(rule.note, "") << rule.java;
    }
  }
  EXPECT_GT(owned, 20);
  for (const auto& row : ClientPropertyTable()) {
    const ClientRule* rule = FindClientRule(row.java_name);
    ASSERT_NE(rule, nullptr) << row.java_name;
    if (rule->kind == ClientRule::Kind::kEngine) {
      EXPECT_EQ(row.note.rfind(std::string(EnginePropOf(*rule).reason), 0), 0u) << row.java_name << ": " << row.note;
    }
  }
}

TEST(ClientPropsTest, IdempotenceConstraintsAreCheckedAtTheirLine) {
  auto t = Translate({{"max.in.flight.requests.per.connection", "10"}, {"retries", "0"}}, ClientRole::kProducer);
  const ConfigProblem* inflight = t.Problem("at most 5");
  ASSERT_NE(inflight, nullptr) << t.Problems();
  EXPECT_EQ(inflight->key, "clusterA.max.in.flight.requests.per.connection");
  EXPECT_EQ(inflight->line, 1);
  EXPECT_NE(t.Problem("at least 1"), nullptr) << t.Problems();
}

TEST(ClientPropsTest, JavaClassesAreRejected) {
  auto t = Translate({{"interceptor.classes", "com.example.Audit"}, {"sasl.login.callback.handler.class", "x.Y"}});
  EXPECT_NE(t.Problem("clusterA.interceptor.classes"), nullptr) << t.Problems();
  EXPECT_NE(t.Problem("sasl.oauthbearer.method=oidc"), nullptr) << t.Problems();
  EXPECT_EQ(Translate({{"interceptor.classes", ""}}).Problems(), "");
}

// ---- librdkafka's own validation ---------------------------------------------------------

TEST(ClientPropsTest, LibrdkafkaRejectsTyposAndBadValuesAtTheirLine) {
  auto t = Translate({{"fetch.min.bytes", "1"}, {"fetch.min.byts", "1"}, {"session.timeout.ms", "soon"}});
  const ConfigProblem* typo = t.Problem("fetch.min.byts");
  ASSERT_NE(typo, nullptr) << t.Problems();
  EXPECT_EQ(typo->file, "t.properties");
  EXPECT_EQ(typo->line, 2);
  EXPECT_NE(typo->message.find("No such configuration property"), std::string::npos) << typo->message;
  EXPECT_NE(t.Problem("clusterA.session.timeout.ms"), nullptr) << t.Problems();
  EXPECT_TRUE(t.Has("fetch.min.bytes", "1"));
}

TEST(ClientPropsTest, TwoInputsForOneLibrdkafkaPropertyConflict) {
  auto same = Translate({{"max.request.size", "2000000"}, {"message.max.bytes", "2000000"}}, ClientRole::kProducer);
  EXPECT_EQ(same.Problems(), "");
  auto clash = Translate({{"max.request.size", "2000000"}, {"message.max.bytes", "3000000"}}, ClientRole::kProducer);
  EXPECT_NE(clash.Problem("keep one of them"), nullptr) << clash.Problems();
}

TEST(ClientPropsTest, SecretsAreRecognised) {
  for (const char* name :
       {"sasl.password", "sasl.jaas.config", "ssl.keystore.password", "ssl.key.password", "ssl.truststore.password",
        "ssl.key.pem", "ssl.keystore.key", "sasl.oauthbearer.client.secret"}) {
    EXPECT_TRUE(IsSecretProperty(name)) << name;
  }
  EXPECT_FALSE(IsSecretProperty("sasl.username"));
  EXPECT_FALSE(IsSecretProperty("ssl.ca.location"));
  EXPECT_TRUE(IsClusterClientProperty("sasl.jaas.config"));
  EXPECT_TRUE(IsClusterClientProperty("bootstrap.servers"));
  EXPECT_FALSE(IsClusterClientProperty("linger.ms"));
}

TEST(ClientPropsTest, TranslationTableCoversTheSeedsProperties) {
  std::set<std::string> documented;
  for (const auto& row : ClientPropertyTable()) documented.insert(row.java_name);
  for (const char* name : {"sasl.mechanism", "sasl.jaas.config", "security.protocol", "bootstrap.servers", "group.id",
                           "auto.offset.reset", "partition.assignment.strategy", "buffer.memory", "max.request.size",
                           "max.poll.records", "ssl.truststore.location", "ssl.keystore.location"}) {
    EXPECT_EQ(documented.count(name), 1u) << name;
  }
}

}  // namespace
}  // namespace kmirror::config
