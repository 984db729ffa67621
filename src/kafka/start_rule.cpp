#include "kafka/start_rule.h"

namespace kmirror::kafka {

StartDecision DecideStart(StartAt configured, bool group_has_offsets, Presence presence) {
  if (configured == StartAt::kEarliest) return {StartAt::kEarliest, StartReason::kConfiguredEarliest};
  if (group_has_offsets) return {StartAt::kEarliest, StartReason::kGroupHasOffsets};
  switch (presence) {
    case Presence::kAtStart:
      return {StartAt::kLatest, StartReason::kFirstStart};
    case Presence::kUnknown:
      return {StartAt::kLatest, StartReason::kFirstStartUnlisted};
    case Presence::kSinceStart:
      break;
  }
  return {StartAt::kEarliest, StartReason::kCreatedWhileRunning};
}

std::string Explain(StartReason reason) {
  switch (reason) {
    case StartReason::kConfiguredEarliest:
      return "auto.offset.reset=earliest";
    case StartReason::kFirstStart:
      return "auto.offset.reset=latest and this is the flow's first start (its group has no committed offset yet)";
    case StartReason::kFirstStartUnlisted:
      return "auto.offset.reset=latest and this is the flow's first start (its group has no committed offset "
             "yet); the source's partitions could not be listed at start-up, so this one is taken as existing then";
    case StartReason::kGroupHasOffsets:
      return "the group has committed offsets, so the partition is new since the flow first started "
             "(auto.offset.reset=latest applies only to the partitions of that first start)";
    case StartReason::kCreatedWhileRunning:
      return "the partition was created after kmirror started (auto.offset.reset=latest applies only to the "
             "partitions of the flow's first start)";
  }
  return "";
}

}  // namespace kmirror::kafka
