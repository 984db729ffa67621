// What kind of key or trust store a file is, judged by its first bytes. Java's JKS keystore
// type also reads PKCS12 files (JDK 9+ "compat" mode), so a defaulted ssl.*store.type says
// little; the translator (client_props.h) lets the file itself decide. Reads the file on the
// calling thread; any thread.
#pragma once

#include <optional>
#include <string>

#include "kmirror/common/status.h"

namespace kmirror::config {

enum class StoreFormat {
  kMissing,  // cannot be opened
  kJks,      // JKS or JCEKS: Java-only
  kPkcs12,   // DER (a PKCS12 store starts with an ASN.1 SEQUENCE)
  kPem,
  kUnknown,
};

StoreFormat SniffStore(const std::string& path);

// The certificates of a PKCS12 truststore (Java's trusted-certificate entries, or the
// certificates of a store made with `openssl pkcs12 -export`) as PEM text, for librdkafka's
// ssl.ca.pem: librdkafka reads CA certificates from PEM only. `password` nullopt: the store
// is tried without one and with the empty one (keytool can write certificate-only stores
// without protection). InvalidArgument, naming the path but never the password, when the file
// is no PKCS12 store, the password is wrong or it holds no certificate.
Result<std::string> Pkcs12CertificatesAsPem(const std::string& path, const std::optional<std::string>& password);

}  // namespace kmirror::config
