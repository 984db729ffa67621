// IndexLogPositions: where the flow's offset-sync log says partitions resume, answered from
// this process's offset index (kafka::LogPositions, used by the consumer at each
// assignment; the rule is src/kafka/resume_rule.h).
//
// The index is a view of the log that trails it by the state reader's latency, so before
// answering it waits (bounded) until the index has applied the log up to the end the
// target reports now; when that cannot be confirmed (the target or the index is slow, the
// log unreadable) the answer says so and the consumer takes the later of commit and log.
//
// It also checks that the target still holds the copy the log describes (defect 2 of the
// fault work, docs/reliability.md): a remote partition that ends below the end of the copy
// the log knows, or no longer exists, was recreated (or the target lost it), and a flow whose
// target cluster was replaced (OffsetIndex::TargetReplaced) holds nothing of what was
// mirrored. Such a partition is re-seeded (mirrored again from the source's first record)
// or reported to be stopped, by target.history.change; the task takes the findings with
// TakeHistoryChanges() in its assignment callback. One end-offset request per partition
// with runs, per assignment.
//
// Lifecycle and threading: owned by a flow task; Lookup() and TakeHistoryChanges() run on the
// task's thread inside the consumer's rebalance callback. `end_offset` asks the target for
// the log's end, `target_end` for a remote partition's end (NotFound: it does not exist).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "kmirror/common/status.h"
#include "kmirror/kafka/consumer.h"
#include "kmirror/offsets/offset_index.h"

namespace kmirror::replication {

class IndexLogPositions final : public kafka::LogPositions {
 public:
  using EndOffsetFn = std::function<Result<int64_t>()>;  // the log's end (its one partition)
  using TargetEndFn = std::function<Result<int64_t>(const std::string& topic, Partition partition)>;
  struct HistoryChange {
    TopicPartition partition;  // the source partition
    std::string why;
    bool reseed = true;  // false: stop the partition (target.history.change = stop)
    // Only if the group has a commit for it (a replaced target): the consumer decides.
    bool needs_commit = false;
  };
  IndexLogPositions(const offsets::OffsetIndex* index, offsets::FlowKey flow, EndOffsetFn end_offset,
                    std::chrono::milliseconds wait, TargetEndFn target_end = nullptr, bool reseed = true);
  Answer Lookup(const std::vector<TopicPartition>& partitions) override;
  // What the last Lookup() found; cleared.
  std::vector<HistoryChange> TakeHistoryChanges() { return std::exchange(changes_, {}); }
  // The consumer could not apply the last answer (start offsets failed): nothing was re-seeded.
  void Unapplied() override { changes_.clear(); }
  void NotChanged(const TopicPartition& partition) override {
    std::erase_if(changes_, [&](const HistoryChange& c) { return c.partition == partition; });
  }

 private:
  // Whether the index has applied the log up to its end now; `why` when not.
  bool WaitCurrent(std::string* why);

  const offsets::OffsetIndex* index_;
  const offsets::FlowKey flow_;
  const EndOffsetFn end_offset_;
  const std::chrono::milliseconds wait_;
  const TargetEndFn target_end_;
  const bool reseed_;
  std::vector<HistoryChange> changes_;
};

}  // namespace kmirror::replication
