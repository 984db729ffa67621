// The one mapping from RocksDB's status into kmirror::Status (see common/status.h: foreign
// error codes are converted next to the library they come from, once).
#pragma once

#include <string_view>

#include <rocksdb/status.h>

#include "kmirror/common/status.h"

namespace kmirror::offsets {

// OK for an OK status; otherwise a Status whose code follows the error's meaning:
//   NotFound -> kNotFound; InvalidArgument/NotSupported -> kInvalidArgument;
//   Corruption -> kDataLoss (the index is damaged; it can be rebuilt from the log);
//   another process holding the directory's lock -> kFailedPrecondition;
//   Busy/TryAgain/Incomplete/MergeInProgress, IOError "no space" -> kUnavailable (retriable);
//   TimedOut/Expired -> kTimedOut (retriable); ShutdownInProgress/Aborted -> kCancelled;
//   anything else (other I/O errors included) -> kInternal.
// `context` says what was being done ("open offset index /var/lib/kmirror/index").
Status FromRocksDb(const rocksdb::Status& status, std::string_view context);

}  // namespace kmirror::offsets
