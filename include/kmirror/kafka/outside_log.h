// Where a partition continues when its position is no longer in the source log (issue 15,
// defect 6). The consumer uses it for a committed position outside the log, the flow task
// for a fetch that ran out of range; replication/data_loss.h turns it into the report.
//
//   position < log start       records [position, start) were deleted unmirrored
//                              (retention, delete-records): continue at the log start
//   position > log end         the log was truncated under kmirror (unclean leader
//                              election, topic recreated): records [end, position) were
//                              mirrored but no longer exist; continue at the log end, the
//                              first offset the log does not know, so that nothing from the
//                              log start is mirrored again and every record written from
//                              now on is
//   inside [start, end]        nothing to decide: continue at the position
//   negative (no position)     continue at the log start (never skip what may be unmirrored)
//
// A pure function; safe from any thread.
#pragma once

#include "kmirror/common/types.h"

namespace kmirror::kafka {

struct OutsideLog {
  enum class Kind { kDeleted, kTruncated, kInLog, kNoPosition };
  Kind kind = Kind::kInLog;
  SourceOffset resume_at{-1};
};

OutsideLog DecideOutsideLog(SourceOffset position, SourceOffset log_start, SourceOffset log_end);

}  // namespace kmirror::kafka
