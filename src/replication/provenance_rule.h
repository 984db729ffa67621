// ProvenanceRule: which provenance path a record read by a flow X->Y carries, i.e. whether
// kmirror's headers on it can be trusted for loop detection (docs/provenance.md).
//
// A hop header that names the very cluster, topic and partition the flow reads the record
// from means kmirror wrote this record there: its path is the record's path. One that names
// anything else means a processor copied kmirror's headers from its input to a record of
// its own (Kafka Streams does by default): the record is new on X, its path starts afresh.
// A path without a hop header was written by a kmirror version before the hop header, or by
// a kmirror that extended the path after a newer one wrote the hop (the hop's path length
// then differs from the path's): trusted as before, so a mixed-version pair never loops.
// Anything malformed or impossible (a cluster twice, the path naming the cluster the record
// is on) is untrusted input: the record is mirrored as made on X, and counted.
//
// A pure function; safe from any thread. No allocation once `path` has held as many clusters.
#pragma once

#include <optional>
#include <string_view>

#include "kmirror/common/types.h"
#include "kmirror/wire/provenance.h"

namespace kmirror::replication {

enum class ProvenanceTrust {
  kNone,       // no kmirror header: produced on X
  kTrusted,    // written by kmirror into exactly this partition: its path holds
  kLegacy,     // a path without (a matching-length) hop header: trusted, as kmirror always did
  kDerived,    // kmirror's headers copied onto a record of another topic/partition: new on X
  kUntrusted,  // malformed or impossible headers: treated as made on X, counted and logged
};

struct ProvenanceVerdict {
  ProvenanceTrust trust = ProvenanceTrust::kNone;
  const char* why = "";  // for kUntrusted: what is wrong, for the log line
};

// `prov` and `hop` are the values of the record's last kProvenanceHeader and
// kProvenanceHopHeader (nullopt: absent); `here` is the cluster it is read from (X),
// `topic`/`partition` where on X. `path` receives the path to extend: the record's for
// kTrusted and kLegacy, empty otherwise.
ProvenanceVerdict ReadProvenance(std::optional<std::string_view> prov, std::optional<std::string_view> hop,
                                 const wire::ClusterKey& here, std::string_view topic, Partition partition,
                                 wire::ProvenancePath* path);

const char* ToString(ProvenanceTrust trust);

}  // namespace kmirror::replication
