// Translation of Java Kafka client properties (what MM1/MM2 files contain) into librdkafka
// properties (what kmirror's clients take).
//
// Every input property ends in exactly one of these ways:
//   - translated: same name (linger.ms), renamed (sasl.mechanism -> sasl.mechanisms,
//     max.request.size -> message.max.bytes, ...) or rewritten (sasl.jaas.config with the
//     PLAIN or SCRAM login module -> sasl.username + sasl.password, PEM / PKCS12 stores ->
//     librdkafka's ssl.* locations, Java assignor classes -> librdkafka assignor names);
//   - dropped with an info note: Java-only settings with no librdkafka counterpart
//     (max.poll.records, serializer classes, ...);
//   - taken by the engine: group.id, auto.offset.reset (-> StartPosition), enable.auto.commit,
//     isolation.level, acks, enable.idempotence, partitioner, transactions. kmirror always
//     produces idempotently with acks=all and reads committed records only; asking for less
//     is warned about and overridden. What the engine sets instead, and why, is the engine's
//     table (kafka/engine_props.h), which the notes quote;
//   - rejected with a ConfigProblem saying what to use instead: JKS stores, Kerberos / OAuth
//     JAAS logins, Java classes (interceptors, callback handlers), values librdkafka refuses.
// Properties that are not Java client names pass through as librdkafka names, so librdkafka's
// own settings (e.g. ssl.ca.location) can be written directly. Every resulting property is
// checked by librdkafka itself (kafka/property_check.h), so a typo is a ConfigProblem at the
// line that caused it.
//
// Secrets (passwords, JAAS strings, private keys) never appear in notes or problems.
//
// The parts: the rule table (client_rules.h), the JAAS parser (jaas.h), key/trust store
// sniffing (key_stores.h); the translator itself is client_props.cpp. Pure functions of
// their input (store files are read); any thread.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "config/diagnostics.h"
#include "kmirror/config/mirror_config.h"

namespace kmirror::config {

// The client a property set is for; some properties only exist for some clients.
enum class ClientRole {
  kConsumer,
  kProducer,
  kAdmin,
  kCluster,  // ClusterConfig::client: connection and security settings only
};

// A Java client property's value and where it was written.
struct SourcedValue {
  std::string value;
  Origin origin;
};

// Java property name (without any "<alias>.consumer." style prefix) -> value.
using JavaClientProps = std::map<std::string, SourcedValue>;

struct TranslatedClient {
  ClientProps props;  // librdkafka names, each accepted by librdkafka
  // Consumer only: engine-owned values, for the loader to place into FlowConfig.
  std::optional<SourcedValue> group_id;
  std::optional<StartPosition> start_position;
  std::optional<Origin> start_position_origin;
};

// Translates `java` for `role`, recording problems and notes (each located at the key that
// caused it) in `diag`.
TranslatedClient TranslateClientProps(const JavaClientProps& java, ClientRole role, Diagnostics& diag);

// The properties that describe a cluster connection rather than one client: MM2 applies them
// at cluster level ("<alias>.security.protocol") and at top level. bootstrap.servers,
// security.protocol, ssl.*, sasl.*.
bool IsClusterClientProperty(std::string_view name);

// Passwords, secrets, private keys and JAAS strings (Java or librdkafka names).
bool IsSecretProperty(std::string_view name);

}  // namespace kmirror::config
