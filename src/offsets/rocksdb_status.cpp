#include "offsets/rocksdb_status.h"

#include <string>

namespace kmirror::offsets {

Status FromRocksDb(const rocksdb::Status& s, std::string_view context) {
  if (s.ok()) return Status::Ok();
  const std::string message = std::string(context) + ": " + s.ToString();
  using Code = rocksdb::Status::Code;
  switch (s.code()) {
    case Code::kNotFound:
      return {StatusCode::kNotFound, message};
    case Code::kInvalidArgument:
    case Code::kNotSupported:
      return {StatusCode::kInvalidArgument, message};
    case Code::kCorruption:
      return {StatusCode::kDataLoss, message + " (the index can be rebuilt from the log: delete its directory)"};
    case Code::kBusy:
    case Code::kTryAgain:
    case Code::kIncomplete:
    case Code::kMergeInProgress:
      return {StatusCode::kUnavailable, message, Status::Retry::kYes};
    case Code::kTimedOut:
    case Code::kExpired:
      return {StatusCode::kTimedOut, message, Status::Retry::kYes};
    case Code::kShutdownInProgress:
    case Code::kAborted:
      return {StatusCode::kCancelled, message};
    case Code::kIOError:
      if (s.IsNoSpace()) return {StatusCode::kUnavailable, message, Status::Retry::kYes};
      // RocksDB reports a held LOCK file as a plain IOError; its message is the only tell.
      if (s.ToString().find("lock") != std::string::npos) {
        return {StatusCode::kFailedPrecondition, message + " (is another process using this directory?)"};
      }
      return {StatusCode::kInternal, message};
    default:
      return {StatusCode::kInternal, message};
  }
}

}  // namespace kmirror::offsets
