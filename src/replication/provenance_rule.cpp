#include "replication/provenance_rule.h"

#include <algorithm>

namespace kmirror::replication {
namespace {

// A true path never holds a cluster twice (a flow never writes a record back to a cluster
// in its path) and never the cluster the record is on now.
const char* Impossible(const wire::ProvenancePath& path, const wire::ClusterKey& here) {
  const auto& c = path.clusters;
  for (size_t i = 0; i < c.size(); ++i) {
    if (c[i] == here) return "the path names the cluster the record is on";
    if (std::find(c.begin() + static_cast<std::ptrdiff_t>(i) + 1, c.end(), c[i]) != c.end()) {
      return "the path names a cluster twice";
    }
  }
  return nullptr;
}

ProvenanceVerdict Untrusted(wire::ProvenancePath* path, const char* why) {
  path->clusters.clear();
  return {ProvenanceTrust::kUntrusted, why};
}

}  // namespace

ProvenanceVerdict ReadProvenance(std::optional<std::string_view> prov, std::optional<std::string_view> hop,
                                 const wire::ClusterKey& here, std::string_view topic, Partition partition,
                                 wire::ProvenancePath* path) {
  path->clusters.clear();
  if (!prov) {
    if (hop) return Untrusted(path, "a hop header without a provenance path");
    return {ProvenanceTrust::kNone, ""};
  }
  if (!wire::ParseProvenanceInto(*prov, path)) return Untrusted(path, "malformed provenance path");
  if (!hop) {
    if (const char* why = Impossible(*path, here)) return Untrusted(path, why);
    return {ProvenanceTrust::kLegacy, ""};
  }
  const std::optional<wire::ProvenanceHop> h = wire::ParseProvenanceHop(*hop);
  if (!h) return Untrusted(path, "malformed hop header");
  if (h->path_length > path->clusters.size()) return Untrusted(path, "the hop header claims a longer path");
  if (h->path_length < path->clusters.size()) {
    // An older kmirror extended the path and passed the newer one's hop header through.
    if (const char* why = Impossible(*path, here)) return Untrusted(path, why);
    return {ProvenanceTrust::kLegacy, ""};
  }
  if (h->digest != wire::HopDigest(here, topic, partition.value())) {
    path->clusters.clear();  // copied by another writer: the record starts here
    return {ProvenanceTrust::kDerived, ""};
  }
  if (const char* why = Impossible(*path, here)) return Untrusted(path, why);
  return {ProvenanceTrust::kTrusted, ""};
}

const char* ToString(ProvenanceTrust trust) {
  switch (trust) {
    case ProvenanceTrust::kNone:
      return "none";
    case ProvenanceTrust::kTrusted:
      return "trusted";
    case ProvenanceTrust::kLegacy:
      return "legacy";
    case ProvenanceTrust::kDerived:
      return "derived";
    case ProvenanceTrust::kUntrusted:
      return "untrusted";
  }
  return "?";
}

}  // namespace kmirror::replication
