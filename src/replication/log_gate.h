// Whether a partition's pending offset store may go to the consumer now: the commit never
// passes the offset-sync log (docs/architecture.md, "The offset-sync log").
//
// A source offset is stored (and so committed) only once the log on the target holds an
// event covering every record mirrored before it. The recorder knows the first source
// offset it recorded that no acknowledged event covers yet; a pending store at or past it
// waits, and meanwhile the offset that is covered is stored instead, so the commit keeps
// moving while the log trails the mirror by its flush interval. Stores never go backwards
// (a rewind re-records offsets below what was stored already: those are covered by the
// events written the first time).
//
// Pure function: any thread may call it.
#pragma once

#include <optional>

#include "kmirror/common/types.h"

namespace kmirror::replication {

struct GatedStore {
  enum class Kind {
    kRecord,  // store the pending record (everything up to it is in the log)
    kOffset,  // store `next` (the first record not in the log), keep the record pending
    kWait,    // store nothing new, keep the record pending
  };
  Kind kind = Kind::kRecord;
  SourceOffset next{-1};  // kOffset: the next record to read, as stored
};

// `pending`: the offset of the record whose store is pending (its store means "next read is
// pending + 1"). `first_uncovered`: the first recorded source offset the log does not hold
// (nullopt: it holds everything recorded). `stored`: the last next-offset stored for this
// partition since it was assigned (nullopt: none).
inline GatedStore GateStore(SourceOffset pending, std::optional<SourceOffset> first_uncovered,
                            std::optional<SourceOffset> stored) {
  if (!first_uncovered || pending < *first_uncovered) return {GatedStore::Kind::kRecord, SourceOffset(-1)};
  if (stored && *first_uncovered <= *stored) return {GatedStore::Kind::kWait, SourceOffset(-1)};
  return {GatedStore::Kind::kOffset, *first_uncovered};
}

}  // namespace kmirror::replication
