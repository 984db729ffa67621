#include "config/key_stores.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <vector>

namespace kmirror::config {

StoreFormat SniffStore(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return StoreFormat::kMissing;
  std::string head(512, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  if (head.size() >= 4 && static_cast<unsigned char>(head[0]) == 0xFE && static_cast<unsigned char>(head[1]) == 0xED &&
      static_cast<unsigned char>(head[2]) == 0xFE && static_cast<unsigned char>(head[3]) == 0xED) {
    return StoreFormat::kJks;
  }
  if (head.size() >= 4 && static_cast<unsigned char>(head[0]) == 0xCE && static_cast<unsigned char>(head[1]) == 0xCE) {
    return StoreFormat::kJks;  // JCEKS, Java-only as well
  }
  if (head.find("-----BEGIN") != std::string::npos) return StoreFormat::kPem;
  if (!head.empty() && static_cast<unsigned char>(head[0]) == 0x30) return StoreFormat::kPkcs12;  // DER SEQUENCE
  return StoreFormat::kUnknown;
}

namespace {

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};
struct Pkcs12Free {
  void operator()(PKCS12* p) const { PKCS12_free(p); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};

}  // namespace

Result<std::string> Pkcs12CertificatesAsPem(const std::string& path, const std::optional<std::string>& password) {
  std::unique_ptr<FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file) return InvalidArgument("'" + path + "' cannot be opened");
  std::unique_ptr<PKCS12, Pkcs12Free> p12(d2i_PKCS12_fp(file.get(), nullptr));
  if (!p12) {
    ERR_clear_error();
    return InvalidArgument("'" + path + "' is not a PKCS12 store");
  }
  std::vector<std::optional<std::string>> tries;
  if (password) {
    tries.push_back(password);
  } else {
    tries = {std::nullopt, std::string()};
  }
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  STACK_OF(X509)* chain = nullptr;
  bool parsed = false;
  for (const auto& pass : tries) {
    if (PKCS12_parse(p12.get(), pass ? pass->c_str() : nullptr, &key, &cert, &chain) == 1) {
      parsed = true;
      break;
    }
  }
  ERR_clear_error();
  if (!parsed) {
    return InvalidArgument("'" + path + "' cannot be read: " +
                           (password ? std::string("wrong ssl.truststore.password, or the store is damaged")
                                     : std::string("it needs ssl.truststore.password")));
  }
  std::unique_ptr<BIO, BioFree> out(BIO_new(BIO_s_mem()));
  int count = 0;
  if (cert != nullptr) count += PEM_write_bio_X509(out.get(), cert);
  for (int i = 0; chain != nullptr && i < sk_X509_num(chain); ++i)
    count += PEM_write_bio_X509(out.get(), sk_X509_value(chain, i));
  EVP_PKEY_free(key);
  X509_free(cert);
  sk_X509_pop_free(chain, X509_free);
  if (count == 0) return InvalidArgument("'" + path + "' holds no certificate");
  char* data = nullptr;
  long size = BIO_get_mem_data(out.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

}  // namespace kmirror::config
