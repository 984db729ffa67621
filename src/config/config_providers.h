// Kafka's config providers (KIP-297, KIP-887) in an MM2 properties file: values that name
// their content instead of holding it, so passwords stay out of the file.
//
//   config.providers = file, env, dir
//   config.providers.file.class = org.apache.kafka.common.config.provider.FileConfigProvider
//   config.providers.env.class  = org.apache.kafka.common.config.provider.EnvVarConfigProvider
//   config.providers.dir.class  = org.apache.kafka.common.config.provider.DirectoryConfigProvider
//   A.sasl.jaas.config = ... password="${file:/etc/kmirror/secrets.properties:a.password}";
//
// Placeholders follow Kafka's ConfigTransformer: `${NAME:PATH:KEY}` or `${NAME:KEY}`
// (provider name up to the first ':', path up to the second, the key is the rest), anywhere
// in any value, several per value. The three classes do what Kafka's do:
//   FileConfigProvider       ${file:PATH:KEY}  the value of KEY in the properties file PATH
//   EnvVarConfigProvider     ${env:VAR}        the environment variable VAR (${env::VAR} too)
//   DirectoryConfigProvider  ${dir:PATH:FILE}  the whole content of the file PATH/FILE
// with their parameters `config.providers.<name>.param.allowed.paths` (file, dir: a comma
// list of directories PATH must be inside) and `...param.allowlist.pattern` (env: a regex the
// variable name must fully match). Any other class is refused (kmirror cannot load Java
// classes), as is a configured provider without a class.
//
// Two deliberate differences from Kafka, both because a silently unresolved placeholder
// would be sent to a broker as a password: a missing file, key, variable or disallowed path is
// a problem (Kafka leaves the placeholder text in place), and a placeholder naming a provider
// that config.providers does not list is a warning (Kafka also keeps it literally).
//
// Messages name the key, the line and the placeholder (provider, path, key), never the value a
// placeholder resolves to; every resolved value is registered with Diagnostics as a secret, so
// no later message about the key can quote it either. Runs on the loader's thread; reads files
// and the environment.
#pragma once

#include "config/diagnostics.h"
#include "config/properties.h"

namespace kmirror::config {

// Returns `props` with every placeholder of a configured provider replaced. Problems and
// warnings go to `diag`, located at the key whose value holds the placeholder (or at the
// config.providers key that is wrong). Values without placeholders are untouched.
Properties ResolveConfigProviders(const Properties& props, Diagnostics& diag);

// Kafka's class names, for documentation and tests.
inline constexpr const char* kFileConfigProvider = "org.apache.kafka.common.config.provider.FileConfigProvider";
inline constexpr const char* kEnvVarConfigProvider = "org.apache.kafka.common.config.provider.EnvVarConfigProvider";
inline constexpr const char* kDirectoryConfigProvider =
    "org.apache.kafka.common.config.provider.DirectoryConfigProvider";

}  // namespace kmirror::config
