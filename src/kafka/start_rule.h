// Where a partition without a committed offset starts, and why: the decision the consumer
// makes for each such partition when it is assigned (consumer.cpp), kept free of librdkafka
// so that it can be tested on its own.
//
// The rule is an experienced Kafka operator's expectation of auto.offset.reset=latest on a
// replicator: "mirror what is written from the flow's very first start on". So `latest`
// applies only to partitions that existed at the flow's first start, which is while the
// group has no committed offset at all and the partition was there when the consumer first
// listed the source. Any other partition without a committed offset was created after the
// flow started (while kmirror ran, or while it was down once the group had recorded
// positions); starting it at `latest` would skip its first records silently, so it starts at
// its first record. `earliest` applies to every partition without a committed offset.
//
// Pure functions: any thread may call them.
#pragma once

#include <string>

#include "kmirror/kafka/consumer.h"

namespace kmirror::kafka {

// Whether the partition was in the source's metadata when the consumer first listed it.
enum class Presence {
  kAtStart,     // listed then
  kSinceStart,  // not listed then: created after the consumer started
  kUnknown,     // the source could not be listed (taken as present: the configured start applies)
};

enum class StartReason {
  kConfiguredEarliest,   // auto.offset.reset=earliest
  kFirstStart,           // latest: the flow's first start, and the partition existed then
  kFirstStartUnlisted,   // latest: the flow's first start, the source's partitions are unknown
  kGroupHasOffsets,      // earliest: the group has committed offsets, the partition is newer
  kCreatedWhileRunning,  // earliest: no offsets in the group yet, but created after start-up
};

struct StartDecision {
  StartAt at = StartAt::kEarliest;
  StartReason reason = StartReason::kConfiguredEarliest;
  bool operator==(const StartDecision&) const = default;
};

// `group_has_offsets`: the group has a committed offset for any partition at all.
StartDecision DecideStart(StartAt configured, bool group_has_offsets, Presence presence);

// Why the decision was made, for the log line naming the partition and its start offset.
std::string Explain(StartReason reason);

}  // namespace kmirror::kafka
