#include "kafka/resume_rule.h"

#include <algorithm>

namespace kmirror::kafka {
namespace {

std::string Str(std::optional<SourceOffset> o) { return o ? std::to_string(o->value()) : std::string("none"); }

}  // namespace

ResumeDecision DecideResume(std::optional<SourceOffset> committed, std::optional<SourceOffset> log, bool current) {
  if (!log) return {committed, ResumeReason::kNoLog};
  if (!committed) return {log, ResumeReason::kCommitMissing};
  if (!current) return {std::max(*committed, *log), ResumeReason::kLogNotCurrent};
  if (*committed == *log) return {log, ResumeReason::kLogMatchesCommit};
  if (*committed < *log) return {log, ResumeReason::kLogAheadOfCommit};
  return {log, ResumeReason::kCommitAheadOfLog};
}

std::string ExplainResume(const ResumeDecision& d, std::optional<SourceOffset> committed,
                          std::optional<SourceOffset> log) {
  const std::string c = Str(committed), l = Str(log);
  switch (d.reason) {
    case ResumeReason::kNoLog:
      return "the offset-sync log knows nothing of it, committed offset " + c;
    case ResumeReason::kLogMatchesCommit:
      return "the offset-sync log and the committed offset agree";
    case ResumeReason::kLogAheadOfCommit:
      return "the offset-sync log's position; the committed offset " + c + " is behind it (records [" + c + ", " + l +
             ") are on the target already)";
    case ResumeReason::kCommitAheadOfLog:
      return "the offset-sync log's position; the committed offset " + c + " is ahead of it: records [" + l + ", " + c +
             ") are mirrored again (a commit by an older version, records not copied by provenance, or log "
             "events lost)";
    case ResumeReason::kCommitMissing:
      return "the offset-sync log's position; the group has no committed offset (expired with the source's "
             "offsets.retention.minutes, or deleted), so not earliest/latest";
    case ResumeReason::kLogNotCurrent:
      return "the later of the committed offset " + c + " and the offset-sync log's " + l +
             ": the offset index could not confirm it has read the log to its end";
  }
  return "";
}

}  // namespace kmirror::kafka
