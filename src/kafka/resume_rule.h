// Where an assigned partition resumes, and why: the offset-sync log on the target is the
// record of truth (docs/architecture.md, "The offset-sync log"), the source-side commit is
// what operators and lag tools see. Kept free of librdkafka so that it can be tested on its
// own; the consumer applies it to every assigned partition before its committed-offset
// checks (consumer.cpp).
//
//   L: one past the last source offset the log says was mirrored (nullopt: the log knows
//      nothing of the partition: never mirrored, `latest`'s first start, an older version
//      that wrote no log, a target replaced with an empty one).
//   C: the group's committed offset (nullopt: none, e.g. expired with the source's
//      offsets.retention.minutes, or deleted).
//   current: the index has read the log up to its end as of the assignment.
//
// With L known the partition resumes at L: a commit behind it (kill -9 before the commit)
// would re-send records the log says are on the target, a commit ahead of it (an older
// version, or events lost) would skip records the log does not hold, and a missing commit
// must not send the partition back to earliest or latest. When the index could not confirm
// it is current, L may be stale (low): max(C, L), which never skips what the commit
// vouches for. Without L the commit decides, and without either the start rule
// (start_rule.h).
//
// Pure functions: any thread may call them.
#pragma once

#include <optional>
#include <string>

#include "kmirror/common/types.h"

namespace kmirror::kafka {

enum class ResumeReason {
  kNoLog,             // the log knows nothing: the commit (or the start rule when none)
  kLogMatchesCommit,  // C == L
  kLogAheadOfCommit,  // C < L: records [C, L) are on the target already
  kCommitAheadOfLog,  // C > L: records [L, C) are mirrored again (warned)
  kCommitMissing,     // no C: the log's position, not earliest/latest
  kLogNotCurrent,     // the index could not confirm it is current: max(C, L)
};

struct ResumeDecision {
  std::optional<SourceOffset> at;  // nullopt: no position, the start rule decides
  ResumeReason reason = ResumeReason::kNoLog;
  bool operator==(const ResumeDecision&) const = default;
};

ResumeDecision DecideResume(std::optional<SourceOffset> committed, std::optional<SourceOffset> log, bool current);

// The log line's explanation ("resumes at ...: <this>").
std::string ExplainResume(const ResumeDecision& d, std::optional<SourceOffset> committed,
                          std::optional<SourceOffset> log);

}  // namespace kmirror::kafka
