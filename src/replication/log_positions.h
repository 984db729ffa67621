// IndexLogPositions: where the flow's offset-sync log says partitions resume, answered from
// this process's offset index (kafka::LogPositions, used by the consumer at each
// assignment; the rule is src/kafka/resume_rule.h).
//
// The index is a view of the log that trails it by the state reader's latency, so before
// answering it waits (bounded) until the index has applied the log up to the end the
// target reports now; when that cannot be confirmed (the target or the index is slow, the
// log unreadable) the answer says so and the consumer takes the later of commit and log.
//
// Lifecycle and threading: owned by a flow task; Lookup() runs on the task's thread inside
// the consumer's rebalance callback. `end_offset` asks the target for the log's end.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "kmirror/common/status.h"
#include "kmirror/kafka/consumer.h"
#include "kmirror/offsets/offset_index.h"

namespace kmirror::replication {

class IndexLogPositions final : public kafka::LogPositions {
 public:
  using EndOffsetFn = std::function<Result<int64_t>()>;  // the log's end (its one partition)
  IndexLogPositions(const offsets::OffsetIndex* index, offsets::FlowKey flow, EndOffsetFn end_offset,
                    std::chrono::milliseconds wait);
  Answer Lookup(const std::vector<TopicPartition>& partitions) override;

 private:
  // Whether the index has applied the log up to its end now; `why` when not.
  bool WaitCurrent(std::string* why);

  const offsets::OffsetIndex* index_;
  const offsets::FlowKey flow_;
  const EndOffsetFn end_offset_;
  const std::chrono::milliseconds wait_;
};

}  // namespace kmirror::replication
