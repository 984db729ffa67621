#include "app/failover_guards.h"

namespace kmirror::app {

std::vector<PlannedOffset> BackwardMoves(const std::vector<PlannedOffset>& plan) {
  std::vector<PlannedOffset> out;
  for (const auto& p : plan) {
    if (p.current && *p.current > p.next) out.push_back(p);
  }
  return out;
}

std::string DescribeBackwardMoves(const std::vector<PlannedOffset>& moves) {
  std::string s;
  for (const auto& m : moves) {
    s += "  " + m.partition.ToString() + ": committed " + std::to_string(m.current.value_or(-1)) + ", translated " +
         std::to_string(m.next) + " (" + std::to_string(m.current.value_or(0) - m.next) + " back)\n";
  }
  return s;
}

ActivityVerdict JudgeGroupActivity(const Result<kafka::GroupDescription>& described, const std::string& group,
                                   const std::string& alias) {
  if (!described.ok()) {
    return {GroupActivity::kUnknown,
            "cannot tell whether group " + group + " is active on " + alias + ": " + described.status().ToString()};
  }
  if (described->members > 0) {
    return {GroupActivity::kActive, "group " + group + " has " + std::to_string(described->members) +
                                        " active member(s) on " + alias + " (state " + described->state + ")"};
  }
  return {GroupActivity::kInactive, ""};
}

}  // namespace kmirror::app
