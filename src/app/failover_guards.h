// The checks `kmirror failover` makes before it commits a group's translated offsets on the
// target (docs/offset-translation.md, "Failing a group over"):
//   - no partition moves backwards: a group already further on the target than the
//     translation would re-read what it consumed there (refused unless --allow-backwards);
//   - the group has no active members on the source (consumers still running there would go
//     on while their copies start on the target) nor on the target; when the source cannot be
//     asked, "cannot tell" (refused unless --assume-source-inactive).
// Pure; any thread.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "kmirror/common/status.h"
#include "kmirror/common/types.h"
#include "kmirror/kafka/groups.h"

namespace kmirror::app {

struct PlannedOffset {
  TopicPartition partition;        // on the target
  std::optional<int64_t> current;  // the group's committed offset there now; nullopt: none
  int64_t next = 0;                // the translated offset failover would commit
};

// The entries of `plan` whose committed offset is ahead of the translated one.
std::vector<PlannedOffset> BackwardMoves(const std::vector<PlannedOffset>& plan);

// One line per backward move: "  A.orders-0: committed 120, translated 107 (13 back)".
std::string DescribeBackwardMoves(const std::vector<PlannedOffset>& moves);

enum class GroupActivity { kInactive, kActive, kUnknown };

struct ActivityVerdict {
  GroupActivity activity = GroupActivity::kUnknown;
  std::string message;  // for kActive / kUnknown: what to print (names group, cluster, cause)
};

// What a description of `group` on cluster `alias` says (`described` is the describe call's
// result: any failure, unreachable or refused, means "cannot tell").
ActivityVerdict JudgeGroupActivity(const Result<kafka::GroupDescription>& described, const std::string& group,
                                   const std::string& alias);

}  // namespace kmirror::app
