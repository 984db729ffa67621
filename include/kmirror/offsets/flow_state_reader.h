// FlowStateReader: keeps this node's view of one flow current by reading the flow's logs on
// the target cluster, the event-sourced half of offset translation:
//   - the offset-sync log (kmirror-offset-syncs.<source>.internal) -> the OffsetIndex, from
//     the positions the index stored (an empty or deleted index directory starts from the
//     log's beginning and rebuilds it); the flow's look-ups answer "not ready" until the
//     index has reached the log end seen at start-up;
//   - the checkpoints topic (<source>.checkpoints.internal, compacted) -> the CheckpointStore,
//     from the beginning on every start;
//   - the mirrored heartbeats topic -> the last heartbeat of the flow (replication status).
// Every few seconds it also reads the source's end offsets of the partitions the index
// knows, for lag reporting.
//
// Lifecycle: Start() spawns two threads, "km-state-<source>" for the logs and
// "km-lag-<source>" for the source's end offsets; Stop() (idempotent, also from the
// destructor) joins them. Observations() may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "kmirror/common/status.h"
#include "kmirror/kafka/client.h"
#include "kmirror/offsets/checkpoint_store.h"
#include "kmirror/offsets/offset_index.h"

namespace kmirror::kafka {
class LogReader;
class Message;
}  // namespace kmirror::kafka

namespace kmirror::offsets {

struct FlowStateReaderOptions {
  FlowKey flow;
  kafka::ClientProps target;  // where the logs are
  kafka::ClientProps source;  // for the source's end offsets
  std::string offset_sync_topic;
  std::string checkpoints_topic;
  std::string heartbeats_topic;  // the mirrored heartbeats topic on the target
  // The source topic a target topic named in a checkpoint was mirrored from.
  std::function<std::string(std::string_view target_topic)> source_topic_of;
  std::chrono::milliseconds source_poll_interval{std::chrono::seconds(5)};
};

// What the reader last observed; -1 / 0 where unknown.
struct FlowObservations {
  std::map<int32_t, int64_t> log_end;  // offset-sync log end per partition
  std::map<TopicPartition, int64_t> source_end;
  int64_t source_end_seen_at_ms = 0;
  int64_t last_heartbeat_ms = 0;  // the heartbeat's own timestamp (source clock)
  int64_t last_heartbeat_seen_at_ms = 0;
};

class FlowStateReader {
 public:
  FlowStateReader(FlowStateReaderOptions options, OffsetIndex& index, CheckpointStore& checkpoints);
  ~FlowStateReader();

  void Start();
  void Stop();
  FlowObservations Observations() const;

 private:
  void Run();
  // Starts reading every partition of the logs not read yet (topics appear while the flow
  // starts). Returns true once the offset-sync log is being read.
  bool AttachLogs(kafka::LogReader& reader);
  void CheckCaughtUp(kafka::LogReader& reader);
  void Handle(const kafka::Message& msg);
  void ApplyOffsetSync(const kafka::Message& msg);
  void ApplyCheckpoint(const kafka::Message& msg);
  void ApplyHeartbeat(const kafka::Message& msg);
  // The "km-lag-<source>" thread: reads the source's end offsets, which may block for
  // seconds while the source is down, so it never delays the logs.
  void RunSourcePoller();
  void PollSourceEnds();

  const FlowStateReaderOptions options_;
  OffsetIndex& index_;
  CheckpointStore& checkpoints_;
  std::thread thread_;
  std::thread source_thread_;
  std::atomic<bool> stop_{false};

  // Reader-thread state.
  bool syncs_attached_ = false, checkpoints_attached_ = false, heartbeats_attached_ = false;
  bool caught_up_marked_ = false;
  std::map<int32_t, int64_t> checkpoints_end_;  // checkpoints topic end seen when attached
  std::map<int32_t, int64_t> checkpoints_next_;
  std::map<int32_t, int64_t> expected_next_;  // offset-sync log: next offset expected
  std::unique_ptr<kafka::LogReader> source_;  // the lag thread's

  mutable std::mutex mu_;
  FlowObservations observed_;
};

}  // namespace kmirror::offsets
