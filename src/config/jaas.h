// sasl.jaas.config values: the login module entry Kafka's Java clients read, parsed as
// Kafka's JaasConfig does so the translator (client_props.h) can turn PLAIN and SCRAM logins
// into librdkafka's sasl.username / sasl.password. Pure functions; any thread.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "kmirror/common/status.h"

namespace kmirror::config {

// One JAAS login module entry: "<class> <flag> key=value ...;".
struct JaasLogin {
  std::string login_module;
  std::string control_flag;  // lower case: required, requisite, sufficient or optional
  std::map<std::string, std::string> options;
};

// Parses a sasl.jaas.config value as Kafka's JaasConfig does (quoted values with backslash
// escapes, // and /* */ comments); exactly one entry; the final ';' may be omitted. Error
// messages never contain option values.
Result<JaasLogin> ParseJaasConfig(std::string_view text);

}  // namespace kmirror::config
