#include "config/client_props.h"

#include <algorithm>

#include "config/client_rules.h"
#include "config/jaas.h"
#include "config/key_stores.h"
#include "config/value_parsers.h"
#include "kmirror/common/strings.h"
#include "kmirror/kafka/property_check.h"

namespace kmirror::config {
namespace {

using Kind = ClientRule::Kind;

// The key prefix under which the user wrote `java` ("clusterA." for "clusterA.ssl.x"), so
// advice can name the exact key to write instead.
std::string PrefixOf(const SourcedValue& v, std::string_view java) {
  const std::string& key = v.origin.key;
  if (key.size() >= java.size() && key.compare(key.size() - java.size(), java.size(), java) == 0) {
    return key.substr(0, key.size() - java.size());
  }
  return "";
}

// One translation of one client's properties: built, Run() once, discarded, all on the
// loader's thread. Rules come from client_rules.h; this class carries out the kCustom,
// kEngine and kMapped ones and checks the result with librdkafka.
class Translator {
 public:
  Translator(const JavaClientProps& java, ClientRole role, Diagnostics& diag) : java_(java), role_(role), diag_(diag) {}

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
      diag_.Problem(origin, "sets librdkafka's " + name + ", which " + it->second.key + " (line " +
                                std::to_string(it->second.line) + ") also sets; keep one of them");
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
    const ClientRule* rule = FindClientRule(name);
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
    if (rule->kind == Kind::kMapped) {
      Mapped(*rule, name, v);
      return;
    }
    if (rule->kind == Kind::kEngine) {
      Engine(*rule, name, v);
      return;
    }
    if ((rule->roles & RoleBitOf(role_)) == 0) {
      Drop(at, std::string("does not apply to the ") + RoleName(role_));
      return;
    }
    switch (rule->kind) {
      case Kind::kSame:
        Set(name, v.value, at);
        return;
      case Kind::kRename:
        Set(rule->target, v.value, at);
        return;
      case Kind::kDrop:
        Drop(at, std::string("Java-only client setting (") + rule->note + ")");
        return;
      case Kind::kCustom:
        Custom(name, v);
        return;
      case Kind::kEngine:
      case Kind::kMapped:
      case Kind::kReject:
        return;  // handled above
    }
  }

  // group.id and auto.offset.reset: the engine owns the client property, and the user's value
  // goes to the loader, which places it into FlowConfig.
  void Mapped(const ClientRule& rule, const std::string& name, const SourcedValue& v) {
    const Origin& at = v.origin;
    std::string value = ToLower(Trim(v.value));
    if ((rule.roles & RoleBitOf(role_)) == 0) {
      diag_.Info(at, std::string("decided by kmirror (") + rule.note + "); ignored");
    } else if (name == "group.id") {
      out_.group_id = v;
    } else if (value == "earliest" || value == "smallest" || value == "beginning") {  // auto.offset.reset
      out_.start_position = StartPosition::kEarliest;
      out_.start_position_origin = at;
    } else if (value == "latest" || value == "largest" || value == "end") {
      out_.start_position = StartPosition::kLatest;
      out_.start_position_origin = at;
    } else if (value == "none" || value == "error") {
      diag_.Problem(at, "'" + v.value +
                            "' (fail when there is no committed offset) is not supported: use earliest "
                            "or latest");
    } else {
      diag_.Problem(at, "'" + v.value + "' is not one of earliest, latest");
    }
  }

  // A property the engine owns (kafka/engine_props.h): its table says why, and for a forced
  // one which value kmirror uses. Asking for what the engine does anyway passes silently;
  // asking for a weaker guarantee or a feature kmirror does not offer is a warning.
  void Engine(const ClientRule& rule, const std::string& name, const SourcedValue& v) {
    const Origin& at = v.origin;
    const kafka::EngineProp& owned = EnginePropOf(rule);
    const std::string reason(owned.reason);
    std::string value = ToLower(Trim(v.value));
    bool applies = (rule.roles & RoleBitOf(role_)) != 0;
    if (applies && name == "isolation.level") {
      if (value == "read_uncommitted") {
        diag_.Warning(at, Overridden(owned, name, v));
      } else if (value != owned.value) {
        diag_.Problem(at, "'" + v.value + "' is not one of read_committed, read_uncommitted");
      }
    } else if (applies && (name == "acks" || name == "request.required.acks")) {
      if (value != owned.value && value != "-1") diag_.Warning(at, Overridden(owned, name, v));  // -1: all
    } else if (applies && name == "enable.idempotence") {
      auto b = ParseBool(value);
      if (!b)
        diag_.Problem(at, "'" + v.value + "' is not a boolean: use true or false");
      else if (*b != ParseBool(owned.value))
        diag_.Warning(at, Overridden(owned, name, v));
    } else if (name == "enable.auto.commit" || name == "auto.commit.enable") {
      // auto.commit.enable is librdkafka's legacy spelling of the same setting.
      const kafka::EngineProp* commit = kafka::FindEngineProp(kafka::ClientKind::kConsumer, "enable.auto.commit");
      diag_.Info(at, std::string(commit->reason) + "; ignored");
    } else if (name == "group.instance.id" || name == "transactional.id" || name == "transaction.timeout.ms") {
      diag_.Warning(at, reason + "; ignored");
    } else {
      diag_.Info(at, "decided by kmirror (" + reason + "); ignored");
    }
  }

  static std::string Overridden(const kafka::EngineProp& owned, const std::string& name, const SourcedValue& v) {
    return std::string(owned.reason) + "; " + name + "=" + v.value + " is overridden by " + std::string(owned.name) +
           "=" + std::string(owned.value);
  }

  void Custom(const std::string& name, const SourcedValue& v) {
    const Origin& at = v.origin;
    std::string value = Trim(v.value);
    if (name == "bootstrap.servers") {
      std::string joined;
      for (const auto& s : SplitList(value)) joined += (joined.empty() ? "" : ",") + s;
      if (joined.empty())
        diag_.Problem(at, "is empty: list at least one host:port");
      else
        Set("bootstrap.servers", joined, at);
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
        diag_.Problem(at,
                      "uses Java (IANA) cipher suite names; librdkafka takes an OpenSSL cipher list such as "
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
      std::string advice =
          "Kerberos logins are not configured through JAAS in librdkafka: remove sasl.jaas.config "
          "and set " +
          prefix + "sasl.mechanism=GSSAPI, " + prefix + "sasl.kerberos.service.name";
      auto principal = login->options.find("principal");
      auto keytab = login->options.find("keyTab");
      advice += ", " + prefix + "sasl.kerberos.principal" +
                (principal != login->options.end() ? "=" + principal->second : std::string()) + " and " + prefix +
                "sasl.kerberos.keytab" + (keytab != login->options.end() ? "=" + keytab->second : std::string());
      diag_.Problem(at, advice);
    } else if (module == "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule" ||
               module == "org.apache.kafka.common.security.oauthbearer.internals.OAuthBearerLoginModule") {
      std::string advice =
          "OAuth logins are not configured through JAAS in librdkafka: remove sasl.jaas.config and "
          "set " +
          prefix + "sasl.mechanism=OAUTHBEARER, " + prefix + "sasl.oauthbearer.method=oidc, " + prefix +
          "sasl.oauthbearer.client.id, " + prefix + "sasl.oauthbearer.client.secret, " + prefix +
          "sasl.oauthbearer.token.endpoint.url and " + "optionally " + prefix + "sasl.oauthbearer.scope";
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
        if (trust_password != nullptr) diag_.Info(trust_password->origin, "PEM CA files have no password; ignored");
      } else if (type == "PKCS12" || format == StoreFormat::kPkcs12) {
        // librdkafka reads CA certificates from PEM only: the store's certificates are read
        // here, once, and handed over as PEM text (they are public; the password is not kept).
        std::optional<std::string> password;
        if (trust_password != nullptr) password = trust_password->value;
        auto pem = Pkcs12CertificatesAsPem(path, password);
        if (pem.ok()) {
          Set("ssl.ca.pem", *pem, at);
        } else {
          diag_.Problem(at, pem.status().message());
        }
      } else if (type == "JKS" || format == StoreFormat::kJks) {
        diag_.Problem(
            at,
            "'" + path + "' is a JKS truststore (" +
                (type.empty() ? std::string("ssl.truststore.type defaults to JKS") : "ssl.truststore.type=" + type) +
                "), which librdkafka cannot read. Convert it to PKCS12 (keytool -importkeystore -srckeystore " + path +
                " -srcstoretype JKS -destkeystore truststore.p12 -deststoretype PKCS12) and set " + prefix +
                "ssl.truststore.location=truststore.p12 and " + prefix +
                "ssl.truststore.type=PKCS12, or export the CA certificate to PEM (keytool -exportcert -rfc "
                "-keystore " +
                path + " -alias <alias> -file ca.pem) and set " + prefix + "ssl.truststore.location=ca.pem");
      } else {
        diag_.Problem(at, "'" + path + "' is " +
                              (format == StoreFormat::kMissing ? std::string("missing or unreadable")
                                                               : std::string("neither PEM nor PKCS12")) +
                              ": set " + prefix + "ssl.truststore.location to a PEM or PKCS12 file");
      }
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
      } else if (type == "JKS" || format == StoreFormat::kJks) {
        diag_.Problem(
            at, "'" + path + "' is a JKS keystore (" +
                    (type.empty() ? std::string("ssl.keystore.type defaults to JKS") : "ssl.keystore.type=" + type) +
                    "), which librdkafka cannot read. Convert it to PKCS12 (keytool -importkeystore -srckeystore " +
                    path + " -srcstoretype JKS -destkeystore keystore.p12 -deststoretype PKCS12) and set " + prefix +
                    "ssl.keystore.location=keystore.p12 and " + prefix +
                    "ssl.keystore.type=PKCS12, or use PEM files (" + prefix + "ssl.certificate.location, " + prefix +
                    "ssl.key.location and, if the key is encrypted, " + prefix + "ssl.key.password)");
      } else {
        diag_.Problem(at, "'" + path + "' is " +
                              (format == StoreFormat::kMissing ? std::string("missing or unreadable")
                                                               : std::string("neither PEM nor PKCS12")) +
                              ": set " + prefix + "ssl.keystore.location to a PEM or PKCS12 file");
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
        diag_.Problem(origins_[name], "is " + it->second +
                                          ", but kmirror's idempotent producer allows at most 5 "
                                          "requests in flight (it keeps record order up to 5)");
      }
    }
    for (const char* name : {"retries", "message.send.max.retries"}) {
      auto it = out_.props.find(name);
      if (it == out_.props.end()) continue;
      auto n = ParseInteger(it->second);
      if (n && *n < 1) {
        diag_.Problem(origins_[name], "is " + it->second +
                                          ", but kmirror's idempotent producer needs at least 1 "
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

TranslatedClient TranslateClientProps(const JavaClientProps& java, ClientRole role, Diagnostics& diag) {
  return Translator(java, role, diag).Run();
}

}  // namespace kmirror::config
