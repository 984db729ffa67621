#include "kmirror/wire/provenance.h"

#include <algorithm>

namespace kmirror::wire {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int DecodeChar(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-' || c == '+') return 62;
  if (c == '_' || c == '/') return 63;
  return -1;
}

// FNV-1a over the id with two different offset bases: only for ids that are not UUIDs
// (Kafka-compatible brokers), where any stable 16 bytes will do.
ClusterKey HashKey(std::string_view id) {
  ClusterKey key{};
  uint64_t bases[2] = {14695981039346656037ULL, 0x84222325cbf29ce4ULL};
  for (int half = 0; half < 2; ++half) {
    uint64_t h = bases[half];
    for (unsigned char c : id) {
      h ^= c;
      h *= 1099511628211ULL;
    }
    for (int i = 0; i < 8; ++i) key[half * 8 + i] = static_cast<uint8_t>(h >> (56 - 8 * i));
  }
  return key;
}

}  // namespace

ClusterKey ClusterKeyOf(std::string_view id) {
  std::string_view s = id;
  while (!s.empty() && s.back() == '=') s.remove_suffix(1);
  if (s.size() != 22) return HashKey(id);
  ClusterKey key{};
  uint32_t acc = 0;
  int bits = 0;
  size_t n = 0;
  for (char c : s) {
    int v = DecodeChar(c);
    if (v < 0) return HashKey(id);
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (n < key.size()) key[n++] = static_cast<uint8_t>(acc >> bits);
    }
  }
  return n == key.size() ? key : HashKey(id);
}

std::string ClusterKeyToString(const ClusterKey& key) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (uint8_t b : key) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(acc >> bits) & 63]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 63]);
  return out;
}

bool ProvenancePath::Contains(const ClusterKey& key) const {
  return std::find(clusters.begin(), clusters.end(), key) != clusters.end();
}

bool ParseProvenanceInto(std::string_view value, ProvenancePath* out) {
  out->clusters.clear();
  if (value.size() < 2 || static_cast<uint8_t>(value[0]) != kProvenanceVersion) return false;
  size_t n = static_cast<uint8_t>(value[1]);
  if (n == 0 || value.size() != 2 + n * 16) return false;
  out->clusters.resize(n);
  for (size_t i = 0; i < n; ++i) {
    std::copy_n(reinterpret_cast<const uint8_t*>(value.data()) + 2 + i * 16, 16, out->clusters[i].begin());
  }
  return true;
}

std::optional<ProvenancePath> ParseProvenance(std::string_view value) {
  ProvenancePath path;
  if (!ParseProvenanceInto(value, &path)) return std::nullopt;
  return path;
}

namespace {
constexpr size_t kHopV1Fixed = 2 + 16 + 4;  // version, N, cluster, partition; then the topic
constexpr size_t kHopV2Size = 2 + 8;        // version, N, digest

uint64_t Fnv1a(uint64_t h, const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}
}  // namespace

uint64_t HopDigest(const ClusterKey& cluster, std::string_view topic, int32_t partition) {
  const auto p = static_cast<uint32_t>(partition);
  const uint8_t be[4] = {static_cast<uint8_t>(p >> 24), static_cast<uint8_t>(p >> 16), static_cast<uint8_t>(p >> 8),
                         static_cast<uint8_t>(p)};
  uint64_t h = Fnv1a(0xcbf29ce484222325ULL, cluster.data(), cluster.size());
  h = Fnv1a(h, be, sizeof be);
  return Fnv1a(h, reinterpret_cast<const uint8_t*>(topic.data()), topic.size());
}

std::optional<ProvenanceHop> ParseProvenanceHop(std::string_view value) {
  const auto* b = reinterpret_cast<const uint8_t*>(value.data());
  if (value.size() < 2 || b[1] == 0) return std::nullopt;
  ProvenanceHop hop;
  hop.path_length = b[1];
  if (b[0] == kProvenanceHopVersion) {
    if (value.size() != kHopV2Size) return std::nullopt;
    for (size_t i = 2; i < kHopV2Size; ++i) hop.digest = (hop.digest << 8) | b[i];
    return hop;
  }
  if (b[0] != 1 || value.size() <= kHopV1Fixed || value.size() > kHopV1Fixed + kMaxTopicLength) return std::nullopt;
  ClusterKey cluster;
  std::copy_n(b + 2, 16, cluster.begin());
  const uint32_t p = (uint32_t{b[18]} << 24) | (uint32_t{b[19]} << 16) | (uint32_t{b[20]} << 8) | uint32_t{b[21]};
  if (p > 0x7fffffffU) return std::nullopt;
  hop.digest = HopDigest(cluster, value.substr(kHopV1Fixed), static_cast<int32_t>(p));
  return hop;
}

bool EncodeProvenanceHop(uint8_t path_length, const ClusterKey& cluster, std::string_view topic, int32_t partition,
                         std::string* out) {
  if (path_length == 0 || partition < 0 || topic.empty() || topic.size() > kMaxTopicLength) return false;
  const uint64_t d = HopDigest(cluster, topic, partition);
  out->clear();
  out->push_back(static_cast<char>(kProvenanceHopVersion));
  out->push_back(static_cast<char>(path_length));
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>((d >> shift) & 0xff));
  return true;
}

bool EncodeProvenance(const ProvenancePath& path, const ClusterKey& via, std::string* out) {
  size_t n = path.clusters.size() + 1;
  if (n > 255) return false;
  out->clear();
  out->reserve(2 + n * 16);
  out->push_back(static_cast<char>(kProvenanceVersion));
  out->push_back(static_cast<char>(n));
  for (const auto& c : path.clusters) out->append(reinterpret_cast<const char*>(c.data()), c.size());
  out->append(reinterpret_cast<const char*>(via.data()), via.size());
  return true;
}

}  // namespace kmirror::wire
