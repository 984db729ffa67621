// What kind of key or trust store a file is, judged by its first bytes. Java's JKS keystore
// type also reads PKCS12 files (JDK 9+ "compat" mode), so a defaulted ssl.*store.type says
// little; the translator (client_props.h) lets the file itself decide. Reads the file on the
// calling thread; any thread.
#pragma once

#include <string>

namespace kmirror::config {

enum class StoreFormat {
  kMissing,  // cannot be opened
  kJks,      // JKS or JCEKS: Java-only
  kPkcs12,   // DER (a PKCS12 store starts with an ASN.1 SEQUENCE)
  kPem,
  kUnknown,
};

StoreFormat SniffStore(const std::string& path);

}  // namespace kmirror::config
