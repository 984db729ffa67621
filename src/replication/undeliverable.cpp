#include "replication/undeliverable.h"

namespace kmirror::replication {

const char* VerdictName(FailureVerdict v) {
  switch (v) {
    case FailureVerdict::kRetry:
      return "retry";
    case FailureVerdict::kSplit:
      return "split";
    case FailureVerdict::kRecord:
      return "undeliverable record";
    case FailureVerdict::kTopic:
      return "topic refused";
  }
  return "?";
}

}  // namespace kmirror::replication
