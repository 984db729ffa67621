// LogReader: reads kmirror's own log topics (offset syncs, checkpoints, heartbeats) from
// chosen offsets, without a consumer group: nothing is committed, no group is created, and
// the reader decides where every partition starts (its position lives in the offset index
// or is simply "the beginning").
//
// Uses librdkafka's per-partition consume API on one queue. A start offset that no longer
// exists (retention) continues at the log start; callers see it as a jump in offsets.
//
// Lifecycle and threads: created, used and destroyed by one thread (a flow's state reader).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "kmirror/common/status.h"
#include "kmirror/common/types.h"
#include "kmirror/kafka/client.h"
#include "kmirror/kafka/consumer.h"
#include "kmirror/kafka/message.h"

namespace kmirror::kafka {

class LogReader {
 public:
  // Starts at the first record still in the log.
  static constexpr int64_t kBeginning = -2;

  static Result<std::unique_ptr<LogReader>> Create(const ClientProps& props, const std::string& name);
  ~LogReader();
  LogReader(const LogReader&) = delete;
  LogReader& operator=(const LogReader&) = delete;

  // The topic's partition count; NotFound when the topic does not exist.
  Result<int> PartitionCount(const std::string& topic, std::chrono::milliseconds timeout);
  // Starts reading `tp` at `offset` (or kBeginning). A partition already being read fails.
  Status Start(const TopicPartition& tp, int64_t offset);
  bool Started(const TopicPartition& tp) const { return started_.count(tp) > 0; }
  // Appends up to `max` records to `out`, waiting at most `timeout` for the first one.
  // Errors reported by librdkafka for a partition go to `errors`.
  void Poll(std::vector<Message>& out, std::vector<Status>& errors, size_t max, std::chrono::milliseconds timeout);
  Result<Watermarks> QueryWatermarks(const TopicPartition& tp, std::chrono::milliseconds timeout);
  // The id of the cluster this reader is connected to.
  Result<std::string> ClusterId(std::chrono::milliseconds timeout);

 private:
  LogReader() = default;
  HandlePtr rk_;
  QueuePtr queue_;
  std::string name_;
  std::map<std::string, TopicPtr> topics_;
  std::map<TopicPartition, bool> started_;
};

}  // namespace kmirror::kafka
