// Provenance: where a mirrored record has been. Every record kmirror writes carries one
// header, kProvenanceHeader, listing the clusters the record was on before the one it is
// on now, oldest (its origin) first. A flow X->Y never writes a record whose path already
// contains Y, so no record returns to a cluster it came from — whatever the topic names
// (identity naming) and whatever aliases different deployments give the same cluster,
// because clusters are identified by their Kafka cluster id, not by alias.
//
// Wire format (version 1), the header's value:
//   byte 0      version, 0x01
//   byte 1      N, the number of clusters in the path (1..255)
//   N x 16 B    cluster keys, origin first: the 16 bytes of the Kafka cluster id (a
//               base64url-encoded UUID); an id that is not one is hashed to 16 bytes
//
// A second header, kProvenanceHopHeader, says where the hop that wrote the record wrote it
// INTO: the cluster, topic and partition, as a 64-bit digest. A reader checks it against
// the digest of where it reads the record: if they differ, something else (a stream
// processor copying its input's headers) wrote this record, which is then new where it is,
// and its path is not trusted. The hop is a separate header so that kmirror.prov stays
// version 1, which kmirror versions without the hop header read (docs/provenance.md,
// "Upgrading").
//
// Hop header, version 2, the header's value (10 bytes: it is on every mirrored record):
//   byte 0      version, 0x02
//   byte 1      N, the number of clusters of the kmirror.prov path written with it (1..255)
//   8 B         HopDigest(cluster, topic, partition) written into, big-endian
// Version 1 (22 bytes + the topic: the same three spelled out; written by development
// builds before the digest) is still read.
// docs/provenance.md describes it for other tools. Pure functions; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kmirror::wire {

inline constexpr std::string_view kProvenanceHeader = "kmirror.prov";
inline constexpr uint8_t kProvenanceVersion = 1;
inline constexpr std::string_view kProvenanceHopHeader = "kmirror.hop";  // short: no allocation for its name
inline constexpr uint8_t kProvenanceHopVersion = 2;
inline constexpr size_t kMaxTopicLength = 249;  // Kafka's limit

using ClusterKey = std::array<uint8_t, 16>;

// The 16-byte key of a Kafka cluster id ("MkU3OEVBNTcwNTJENDM2Qk" style base64url UUID).
ClusterKey ClusterKeyOf(std::string_view cluster_id);
std::string ClusterKeyToString(const ClusterKey& key);  // back to base64url, for logs

// A parsed path; empty for a record produced directly on its cluster.
struct ProvenancePath {
  std::vector<ClusterKey> clusters;  // origin first
  bool Contains(const ClusterKey& key) const;
};

// nullopt when `value` is not a valid version-1 header (the record is then treated as
// having no provenance, and the header is replaced).
std::optional<ProvenancePath> ParseProvenance(std::string_view value);
// The same into `out`, reusing its storage (no allocation once it has held as many
// clusters); false (and `out` empty) when malformed.
bool ParseProvenanceInto(std::string_view value, ProvenancePath* out);

// Appends `via` (the cluster the record is being copied from) to `path` and encodes it.
// `out` is reused to avoid allocating per record. False if the path would exceed 255.
bool EncodeProvenance(const ProvenancePath& path, const ClusterKey& via, std::string* out);

// Where a hop wrote a record, as one number: FNV-1a-64 over the 16-byte cluster key, the
// partition (4 bytes, big-endian) and the topic's bytes. Equal digests mean the same place
// (a different place matching has a chance of 2^-64).
uint64_t HopDigest(const ClusterKey& cluster, std::string_view topic, int32_t partition);

// Where the hop that wrote a record wrote it.
struct ProvenanceHop {
  uint8_t path_length = 0;  // clusters in the kmirror.prov path written with this hop
  uint64_t digest = 0;      // HopDigest of the cluster, topic and partition written into
};

// nullopt when `value` is not a valid version-2 (or version-1) hop header.
std::optional<ProvenanceHop> ParseProvenanceHop(std::string_view value);

// Encodes a version-2 hop into `out` (reused). False (nothing written) when the topic is
// empty or longer than Kafka allows, the partition is negative or path_length is 0.
bool EncodeProvenanceHop(uint8_t path_length, const ClusterKey& cluster, std::string_view topic, int32_t partition,
                         std::string* out);

}  // namespace kmirror::wire
