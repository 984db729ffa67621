// CheckpointEmitter: MM2-compatible checkpoints and group offset sync for one flow.
//
// Every `interval` it reads the committed offsets of the source's consumer groups (those
// `group_selected` accepts; the list is read again as refresh.groups.* say, GroupRefresh), translates each through the
// flow's offset index and writes a checkpoint record in MM2's exact format (wire/mm2_records.h) to
// "<source>.checkpoints.internal" on the target, where MM2's RemoteClusterUtils and
// kmirror's API find it. Nothing is written while the index is not ready or before the
// existing checkpoints were loaded (CheckpointStore::IsLoaded): a checkpoint must never
// come from a stale view. A checkpoint never goes backwards: a lower translation for the
// same or a later committed offset is held back; only a source group that rewinds (a lower
// committed offset) moves it down. Offsets beyond what the index knows as mirrored are held
// back too, except a group sitting exactly at the end of the mirrored data.
//
// With sync_group_offsets, every `sync_interval` the latest checkpoints are committed to the
// same group on the target when that group has no active members there, and only where
// they are ahead of what the group already committed on the target (never rewound).
//
// In a kmirror cluster (docs/cluster.md) only the node holding the flow's duties emits and
// syncs: `duty_term` (kafka::DutyLease::Term; unset: always this node) is asked before each
// round and right before each checkpoint record and each group commit. A node that takes the
// duties over (a new term) first reloads the latest checkpoints from the store (written by
// the previous holder, read back by this node's state reader), so it continues from them.
//
// Lifecycle: Start() spawns "km-ckpt-<source>", Stop() (idempotent, destructor too) joins it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "kmirror/kafka/client.h"
#include "kmirror/offsets/checkpoint_store.h"
#include "kmirror/offsets/offset_index.h"

namespace kmirror::kafka {
class GroupAdmin;
class Producer;
}  // namespace kmirror::kafka

namespace kmirror::offsets {

struct CheckpointEmitterOptions {
  FlowKey flow;
  kafka::ClientProps source_admin;
  kafka::ClientProps target_producer;
  kafka::ClientProps target_admin;
  std::string checkpoints_topic;
  int checkpoints_replication_factor = -1;
  std::chrono::milliseconds interval{std::chrono::seconds(60)};
  std::function<bool(const std::string& group)> group_selected;
  // refresh.groups.enabled / refresh.groups.interval.seconds (0: every round).
  bool refresh_groups = true;
  std::chrono::milliseconds refresh_groups_interval{0};
  bool sync_group_offsets = false;
  std::chrono::milliseconds sync_interval{std::chrono::seconds(60)};
  std::function<uint64_t()> duty_term;
};

// Decides whether a new checkpoint replaces the previous one for the same key: the rule
// that keeps checkpoints from going backwards. Exposed for unit tests.
bool CheckpointAdvances(const CheckpointRecord* previous, SourceOffset upstream, TargetOffset downstream);

// When a checkpoint round lists the source's groups again instead of using the list it has
// (MM2's refresh.groups.*): until a listing succeeded, always; then never when refresh is
// off, at every round when the interval is 0, else once the interval has passed since the
// last successful listing. Exposed for unit tests.
class GroupRefresh {
 public:
  using Clock = std::chrono::steady_clock;
  GroupRefresh(bool refresh, std::chrono::milliseconds interval) : refresh_(refresh), interval_(interval) {}
  bool Due(Clock::time_point now) const;
  void Listed(Clock::time_point now);  // a listing succeeded at `now`
  void Forget() { listed_ = false; }   // list again (this node took the flow's duties over)

 private:
  bool refresh_;
  std::chrono::milliseconds interval_;
  bool listed_ = false;
  Clock::time_point last_{};
};

// What an emitter has done since it started, for metrics. Times are wall clock in ms since
// the epoch; 0: never.
struct CheckpointEmitterStats {
  uint64_t rounds = 0;          // rounds that completed: every checkpoint written was confirmed
  uint64_t round_failures = 0;  // rounds that could not list the groups or confirm their checkpoints
  uint64_t checkpoints = 0;     // checkpoint records written and confirmed
  int64_t last_round_duration_ms = 0;
  int64_t last_success_ms = 0;
  uint64_t group_sync_commits = 0;   // offsets committed to target groups
  uint64_t group_sync_failures = 0;  // describe/read/commit calls that failed
  int64_t group_sync_last_success_ms = 0;
};

class CheckpointEmitter {
 public:
  CheckpointEmitter(CheckpointEmitterOptions options, const OffsetIndex& index, const CheckpointStore& store);
  ~CheckpointEmitter();

  void Start();
  void Stop();
  // Any thread.
  CheckpointEmitterStats Stats() const;

 private:
  void Run();
  bool EnsureTopic();
  // False when the round failed (groups not listed, checkpoints not confirmed).
  bool EmitRound();
  void SyncGroupOffsets();

  const CheckpointEmitterOptions options_;
  const OffsetIndex& index_;
  const CheckpointStore& store_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;

  // Emitter-thread state.
  class Deliveries;
  std::unique_ptr<Deliveries> deliveries_;  // outlives producer_ (declared before it)
  std::unique_ptr<kafka::GroupAdmin> source_groups_;
  std::unique_ptr<kafka::GroupAdmin> target_groups_;
  std::unique_ptr<kafka::Producer> producer_;
  GroupRefresh group_refresh_;
  std::vector<std::string> groups_;  // the selected source groups of the last listing
  bool topic_ready_ = false;
  std::string last_topic_error_;
  bool seeded_ = false;
  using Key = std::tuple<std::string, std::string, int32_t>;  // group, source topic, partition
  std::map<Key, CheckpointRecord> last_;
  std::chrono::steady_clock::time_point next_sync_{};
  uint64_t term_ = 0;  // the duty term of the last round
  bool HoldsDuties() const { return !options_.duty_term || options_.duty_term() == term_; }

  mutable std::mutex stats_mu_;  // the emitter thread updates it once per round
  CheckpointEmitterStats stats_;
};

}  // namespace kmirror::offsets
