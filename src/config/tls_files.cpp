#include "kmirror/config/tls_files.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <fstream>
#include <memory>
#include <sstream>

namespace kmirror::config {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyFree>;

BioPtr MemBio(const std::string& text) { return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size()))); }

// A password callback that gives none: an encrypted key fails to load instead of OpenSSL
// prompting on the terminal.
int NoPassword(char*, int, int, void*) { return -1; }

X509Ptr FirstCertificate(const std::string& pem) {
  BioPtr bio = MemBio(pem);
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, NoPassword, nullptr));
}

int CountCertificates(const std::string& pem) {
  BioPtr bio = MemBio(pem);
  int n = 0;
  while (X509Ptr c{PEM_read_bio_X509(bio.get(), nullptr, NoPassword, nullptr)}) ++n;
  ERR_clear_error();  // the loop ends on "no start line"
  return n;
}

}  // namespace

Result<std::string> ReadPemFile(const std::string& path, PemKind kind) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidArgument(path + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  const std::string pem = text.str();
  if (kind == PemKind::kCertificates) {
    const bool ok = CountCertificates(pem) > 0;
    if (!ok) return InvalidArgument(path + ": holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
    return pem;
  }
  if (pem.find("ENCRYPTED") != std::string::npos) {
    return InvalidArgument(path +
                           ": the private key is encrypted; the gRPC API takes an unencrypted PEM key "
                           "(protect the file instead: e.g. `openssl pkey -in KEY -out plain.key`, mode 0600)");
  }
  BioPtr bio = MemBio(pem);
  KeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassword, nullptr));
  ERR_clear_error();
  if (!key) return InvalidArgument(path + ": holds no PEM private key (-----BEGIN PRIVATE KEY-----)");
  return pem;
}

Result<TlsPem> ReadTlsFiles(const std::string& cert, const std::string& key, const std::string& ca,
                            const std::string& cert_name, const std::string& key_name, const std::string& ca_name) {
  if (cert.empty() != key.empty()) {
    return InvalidArgument(cert.empty() ? key_name + " is set without " + cert_name + ": give both or neither"
                                        : cert_name + " is set without " + key_name + ": give both or neither");
  }
  TlsPem out;
  if (!cert.empty()) {
    auto c = ReadPemFile(cert, PemKind::kCertificates);
    if (!c.ok()) return c.status().Annotate(cert_name);
    auto k = ReadPemFile(key, PemKind::kPrivateKey);
    if (!k.ok()) return k.status().Annotate(key_name);
    X509Ptr leaf = FirstCertificate(*c);
    BioPtr bio = MemBio(*k);
    KeyPtr pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassword, nullptr));
    const bool matches = leaf && pkey && X509_check_private_key(leaf.get(), pkey.get()) == 1;
    ERR_clear_error();
    if (!matches) {
      return InvalidArgument(key_name + ": " + key + " is not the key of the certificate in " + cert_name + " (" +
                             cert + ")");
    }
    out.cert_chain = std::move(c).value();
    out.private_key = std::move(k).value();
  }
  if (!ca.empty()) {
    auto c = ReadPemFile(ca, PemKind::kCertificates);
    if (!c.ok()) return c.status().Annotate(ca_name);
    out.ca = std::move(c).value();
  }
  return out;
}

}  // namespace kmirror::config
