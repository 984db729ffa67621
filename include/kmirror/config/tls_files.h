// PEM files for TLS on kmirror's gRPC API: the server's certificate, key and client CA
// (api.tls.*), and the CLI clients' CA, certificate and key (--api-ca, --api-cert,
// --api-key). Each file is read and parsed with OpenSSL when it is named, so a wrong file is
// an error naming it (at start-up, before any cluster is touched), not a failed handshake
// later. Messages name the file, never its content. Reads files on the calling thread; any
// thread.
#pragma once

#include <string>

#include "kmirror/common/status.h"

namespace kmirror::config {

enum class PemKind {
  kCertificates,  // one or more certificates (a chain, or the CAs to trust)
  kPrivateKey,    // one unencrypted private key (gRPC takes no key password)
};

// The file's text when it holds what `kind` asks for. InvalidArgument naming `path` when it
// cannot be read, holds no such PEM block, or (kPrivateKey) the key is encrypted.
Result<std::string> ReadPemFile(const std::string& path, PemKind kind);

// The certificate, key and CA of one TLS end, read and checked together.
struct TlsPem {
  std::string cert_chain{};  // PEM; empty: none (a client without a certificate)
  std::string private_key{};
  std::string ca{};  // PEM CAs to verify the other end with; empty: none given

  bool has_identity() const { return !cert_chain.empty(); }
};

// Reads the files whose path is not empty. `cert` and `key` go together (one without the
// other is InvalidArgument naming both), and the key must belong to the certificate's first
// (leaf) certificate. `cert_name` / `key_name` / `ca_name` are how the caller names the
// settings in messages (e.g. "api.tls.cert.file" or "--api-cert").
Result<TlsPem> ReadTlsFiles(const std::string& cert, const std::string& key, const std::string& ca,
                            const std::string& cert_name, const std::string& key_name, const std::string& ca_name);

}  // namespace kmirror::config
