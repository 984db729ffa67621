#include "config/key_stores.h"

#include <fstream>

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

}  // namespace kmirror::config
