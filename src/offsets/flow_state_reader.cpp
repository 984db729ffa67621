#include "kmirror/offsets/flow_state_reader.h"

#include "kmirror/common/logging.h"
#include "kmirror/common/thread_name.h"
#include "kmirror/kafka/log_reader.h"
#include "kmirror/wire/heartbeat.h"
#include "kmirror/wire/mm2_records.h"
#include "kmirror/wire/offset_sync_event.h"

namespace kmirror::offsets {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr milliseconds kAttachRetry{2000};
constexpr milliseconds kMetadataTimeout{5000};
constexpr milliseconds kPollTimeout{200};
constexpr size_t kBatch = 2000;
// Only the newest heartbeats matter for status; don't replay a long uncompacted history.
constexpr int64_t kHeartbeatTail = 100;

int64_t NowMs() {
  return std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

FlowStateReader::FlowStateReader(FlowStateReaderOptions options, OffsetIndex& index, CheckpointStore& checkpoints)
    : options_(std::move(options)), index_(index), checkpoints_(checkpoints) {}

FlowStateReader::~FlowStateReader() { Stop(); }

void FlowStateReader::Start() {
  thread_ = std::thread([this] { Run(); });
  source_thread_ = std::thread([this] { RunSourcePoller(); });
}

void FlowStateReader::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (source_thread_.joinable()) source_thread_.join();
}

FlowObservations FlowStateReader::Observations() const {
  std::lock_guard lock(mu_);
  return observed_;
}

void FlowStateReader::Run() {
  SetThreadName("km-state-" + options_.flow.source_alias);
  const logging::FlowScope log_flow(options_.flow.ToString());  // JSON log lines' flow field
  auto log = logging::Get("offsets");
  const std::string flow = options_.flow.ToString();

  std::unique_ptr<kafka::LogReader> reader;
  auto next_attach = Clock::now();
  std::vector<kafka::Message> batch;
  std::vector<Status> errors;
  while (!stop_) {
    if (!reader) {
      auto r = kafka::LogReader::Create(options_.target, "kmirror-state-" + flow);
      if (!r.ok()) {
        log->error("{}: cannot create the log reader: {}", flow, r.status().ToString());
        std::this_thread::sleep_for(kAttachRetry);
        continue;
      }
      reader = std::move(r).value();
    }
    if (Clock::now() >= next_attach &&
        (!syncs_attached_ || !checkpoints_attached_ || !heartbeats_attached_ || !caught_up_marked_)) {
      AttachLogs(*reader);
      if (syncs_attached_ && !caught_up_marked_) CheckCaughtUp(*reader);
      next_attach = Clock::now() + kAttachRetry;
    }
    batch.clear();
    errors.clear();
    reader->Poll(batch, errors, kBatch, kPollTimeout);
    for (const Status& e : errors) log->warn("{}: {}", flow, e.ToString());
    for (const kafka::Message& m : batch) Handle(m);
    if (checkpoints_attached_ && !checkpoints_.IsLoaded(options_.flow)) {
      bool loaded = true;
      for (const auto& [p, end] : checkpoints_end_) loaded = loaded && checkpoints_next_[p] >= end;
      if (loaded) {
        checkpoints_.MarkLoaded(options_.flow);
        log->info("{}: checkpoints loaded from {}", flow, options_.checkpoints_topic);
      }
    }
  }
}

bool FlowStateReader::AttachLogs(kafka::LogReader& reader) {
  auto log = logging::Get("offsets");
  const std::string flow = options_.flow.ToString();
  if (!syncs_attached_) {
    auto n = reader.PartitionCount(options_.offset_sync_topic, kMetadataTimeout);
    if (n.ok()) {
      // Same aliases, another cluster (rebuilt, or the aliases now name different clusters):
      // the stored positions and runs describe another log.
      auto cluster = reader.ClusterId(kMetadataTimeout);
      if (!cluster.ok()) {
        log->warn("{}: {}", flow, cluster.status().ToString());
        return false;
      }
      const std::string known = index_.LogCluster(options_.flow);
      if (!known.empty() && known != *cluster) {
        log->error(
            "{}: the index was built from the offset-sync log of cluster {}, {} is now cluster {}: rebuilding "
            "this flow's index",
            flow, known, options_.flow.target_alias, *cluster);
        // The new target holds none of what the old one did: its partitions are mirrored again
        // from the source, not resumed from the source-side commit (log_positions.h). The
        // mark is written with the reset, atomically.
        Status r = index_.ResetFlow(
            options_.flow, options_.flow.target_alias + " was cluster " + known + " and is now cluster " + *cluster);
        if (!r.ok()) {
          log->error("{}: {}", flow, r.ToString());
          return false;
        }
      }
      if (known != *cluster) {
        Status w = index_.SetLogCluster(options_.flow, *cluster);
        if (!w.ok()) {
          log->error("{}: {}", flow, w.ToString());
          return false;
        }
      }
      std::map<int32_t, int64_t> positions = index_.LogPositions(options_.flow);
      // A log shorter than what the index already applied on the same cluster was deleted
      // and created again: the runs applied stay (they describe copies still on the
      // target) and the new log is read from its beginning, on top of them.
      for (auto& [p, next] : positions) {
        int64_t high = 0;
        if (p < *n) {
          auto wm = reader.QueryWatermarks({options_.offset_sync_topic, Partition(p)}, kMetadataTimeout);
          if (!wm.ok()) {
            log->warn("{}: {}", flow, wm.status().ToString());
            return false;
          }
          high = wm->high.value();
        }
        if (next > high) {
          log->error(
              "{}: the offset-sync log {} ends before the position the index applied (partition {}: {} > {}); "
              "the log was recreated: reading it from its beginning, keeping the runs applied before",
              flow, options_.offset_sync_topic, p, next, high);
          Status r = index_.RestartLog(options_.flow, p);
          if (!r.ok()) {
            log->error("{}: {}", flow, r.ToString());
            return false;
          }
          next = -1;
        }
      }
      std::erase_if(positions, [](const auto& e) { return e.second < 0; });
      for (int32_t p = 0; p < *n; ++p) {
        auto it = positions.find(p);
        int64_t from = it == positions.end() ? kafka::LogReader::kBeginning : it->second;
        Status s = reader.Start({options_.offset_sync_topic, Partition(p)}, from);
        if (!s.ok()) {
          log->error("{}: {}", flow, s.ToString());
          return false;
        }
        expected_next_[p] = it == positions.end() ? 0 : it->second;
      }
      syncs_attached_ = true;
      log->info("{}: index reads {} from {}", flow, options_.offset_sync_topic,
                positions.empty() ? std::string("its beginning (rebuilding the index)")
                                  : std::string("its stored positions"));
    } else if (n.status().code() != StatusCode::kNotFound) {
      log->warn("{}: {}", flow, n.status().ToString());
    }
  }
  if (!checkpoints_attached_) {
    auto n = reader.PartitionCount(options_.checkpoints_topic, kMetadataTimeout);
    if (n.ok()) {
      for (int32_t p = 0; p < *n; ++p) {
        TopicPartition tp{options_.checkpoints_topic, Partition(p)};
        auto wm = reader.QueryWatermarks(tp, kMetadataTimeout);
        if (!wm.ok()) {
          log->warn("{}: {}", flow, wm.status().ToString());
          return false;
        }
        checkpoints_end_[p] = wm->high.value();
        checkpoints_next_[p] = wm->low.value();
      }
      for (int32_t p = 0; p < *n; ++p) {
        Status s = reader.Start({options_.checkpoints_topic, Partition(p)}, kafka::LogReader::kBeginning);
        if (!s.ok()) log->error("{}: {}", flow, s.ToString());
      }
      checkpoints_attached_ = true;
    } else if (n.status().code() == StatusCode::kNotFound) {
      // No checkpoints written yet for this source: nothing to load.
      checkpoints_.MarkLoaded(options_.flow);
    }
  }
  if (!heartbeats_attached_) {
    auto n = reader.PartitionCount(options_.heartbeats_topic, kMetadataTimeout);
    if (n.ok()) {
      for (int32_t p = 0; p < *n; ++p) {
        TopicPartition tp{options_.heartbeats_topic, Partition(p)};
        auto wm = reader.QueryWatermarks(tp, kMetadataTimeout);
        int64_t from = kafka::LogReader::kBeginning;
        if (wm.ok() && wm->high.value() - kHeartbeatTail > wm->low.value()) from = wm->high.value() - kHeartbeatTail;
        Status s = reader.Start(tp, from);
        if (!s.ok()) log->warn("{}: {}", flow, s.ToString());
      }
      heartbeats_attached_ = true;
    }
  }
  return syncs_attached_;
}

void FlowStateReader::CheckCaughtUp(kafka::LogReader& reader) {
  std::map<int32_t, int64_t> ends;
  for (const auto& [p, next] : expected_next_) {
    auto wm = reader.QueryWatermarks({options_.offset_sync_topic, Partition(p)}, kMetadataTimeout);
    if (!wm.ok()) {
      logging::Get("offsets")->warn("{}: {}", options_.flow.ToString(), wm.status().ToString());
      return;
    }
    ends[p] = wm->high.value();
  }
  {
    std::lock_guard lock(mu_);
    observed_.log_end = ends;
  }
  index_.MarkCaughtUp(options_.flow, ends);
  caught_up_marked_ = true;
  logging::Get("offsets")->info("{}: index catching up to the offset-sync log end {}", options_.flow.ToString(), [&] {
    std::string s;
    for (const auto& [p, e] : ends) s += (s.empty() ? "" : ",") + std::to_string(p) + ":" + std::to_string(e);
    return s;
  }());
}

void FlowStateReader::Handle(const kafka::Message& msg) {
  if (msg.topic() == options_.offset_sync_topic) {
    ApplyOffsetSync(msg);
  } else if (msg.topic() == options_.checkpoints_topic) {
    ApplyCheckpoint(msg);
    int64_t& next = checkpoints_next_[msg.partition().value()];
    next = std::max(next, msg.offset().value() + 1);
  } else if (msg.topic() == options_.heartbeats_topic) {
    ApplyHeartbeat(msg);
  }
}

void FlowStateReader::ApplyOffsetSync(const kafka::Message& msg) {
  auto log = logging::Get("offsets");
  const std::string flow = options_.flow.ToString();
  const int32_t p = msg.partition().value();
  const int64_t off = msg.offset().value();
  int64_t& expected = expected_next_[p];
  // Offset 0 after more: the reader was sent back to the start of the log (auto.offset.reset
  // = earliest after its position vanished); the log is kept forever, so only a recreated
  // one starts at 0 again. A re-delivered record of an intact log is ignored by Apply.
  if (off == 0 && expected > 1 && [&] {
        const auto positions = index_.LogPositions(options_.flow);
        const auto it = positions.find(p);
        return it != positions.end() && it->second > 1;
      }()) {
    // The reader went back to the start of a log shorter than what it read: the log was
    // deleted and created again while this node ran (TopicSync recreates it). Its records
    // are new events; the runs applied from the old log stay.
    log->error(
        "{}: offset-sync log {}-{} was recreated (offset {} read after {}): reading it from its beginning, "
        "keeping the runs applied before",
        flow, options_.offset_sync_topic, p, off, expected - 1);
    Status r = index_.RestartLog(options_.flow, p);
    if (!r.ok()) log->error("{}: {}", flow, r.ToString());
    expected = off;
  }
  if (off > expected) {
    // Retention or delete-records removed log records the index never applied: translations
    // of the runs they held are lost. Loud, because failover answers may now be missing.
    log->error(
        "{}: offset-sync log {}-{}: records {}..{} were deleted before this node applied them; "
        "translations they described are missing from the index",
        flow, options_.offset_sync_topic, p, expected, off - 1);
  }
  expected = off + 1;
  Status s;
  auto value = msg.value();
  auto event = wire::ParseOffsetSyncEvent(value.value_or(std::string_view()));
  if (!event.ok()) {
    s = event.status();
  } else if (event->flow().source_alias() != options_.flow.source_alias ||
             event->flow().target_alias() != options_.flow.target_alias) {
    s = InvalidArgument("event of flow " + event->flow().source_alias() + "->" + event->flow().target_alias() +
                        " in this flow's log");
  } else {
    s = index_.Apply(*event, LogPosition{p, off});
    if (s.ok()) return;
  }
  log->error("{}: offset-sync log {}-{} offset {} skipped: {}", flow, options_.offset_sync_topic, p, off, s.ToString());
  Status a = index_.AdvanceLogPosition(options_.flow, p, off + 1);
  if (!a.ok()) log->error("{}: {}", flow, a.ToString());
}

void FlowStateReader::ApplyCheckpoint(const kafka::Message& msg) {
  auto log = logging::Get("offsets");
  auto key = wire::mm2::DecodeCheckpointKey(msg.key().value_or(std::string_view()));
  auto value = wire::mm2::DecodeCheckpointValue(msg.value().value_or(std::string_view()));
  if (!key.ok() || !value.ok()) {
    log->warn("{}: unreadable checkpoint at {}-{}@{}: {}", options_.flow.ToString(), options_.checkpoints_topic,
              msg.partition().value(), msg.offset().value(), (!key.ok() ? key.status() : value.status()).ToString());
    return;
  }
  CheckpointRecord r;
  r.flow = options_.flow;
  r.group = key->group;
  r.target_topic = key->topic;
  r.source_topic = options_.source_topic_of(key->topic);
  r.partition = key->partition;
  r.upstream = value->upstream_offset;
  r.downstream = value->downstream_offset;
  r.metadata = value->metadata;
  r.written_at_ms = msg.timestamp_ms();
  checkpoints_.Put(std::move(r));
}

void FlowStateReader::ApplyHeartbeat(const kafka::Message& msg) {
  auto hb = wire::DecodeHeartbeat(msg.key().value_or(std::string_view()), msg.value().value_or(std::string_view()));
  if (!hb || hb->source_alias != options_.flow.source_alias || hb->target_alias != options_.flow.target_alias) return;
  std::lock_guard lock(mu_);
  if (hb->timestamp_ms >= observed_.last_heartbeat_ms) {
    observed_.last_heartbeat_ms = hb->timestamp_ms;
    observed_.last_heartbeat_seen_at_ms = NowMs();
  }
}

void FlowStateReader::RunSourcePoller() {
  SetThreadName("km-lag-" + options_.flow.source_alias);
  const logging::FlowScope log_flow(options_.flow.ToString());  // JSON log lines' flow field
  auto s = kafka::LogReader::Create(options_.source, "kmirror-lag-" + options_.flow.ToString());
  if (!s.ok()) {
    logging::Get("offsets")->error("{}: no lag reporting: {}", options_.flow.ToString(), s.status().ToString());
    return;
  }
  source_ = std::move(s).value();
  while (!stop_) {
    PollSourceEnds();
    for (auto until = Clock::now() + options_.source_poll_interval; !stop_ && Clock::now() < until;) {
      std::this_thread::sleep_for(milliseconds(100));
    }
  }
  source_.reset();
}

void FlowStateReader::PollSourceEnds() {
  auto summaries = index_.Summaries(options_.flow);
  if (!summaries.ok()) return;
  std::map<TopicPartition, int64_t> ends;
  for (const PartitionSummary& s : *summaries) {
    if (stop_) return;
    auto wm = source_->QueryWatermarks(s.source, std::chrono::milliseconds(2000));
    if (!wm.ok()) return;  // source unreachable: keep the last observation and its time
    ends[s.source] = wm->high.value();
  }
  std::lock_guard lock(mu_);
  observed_.source_end = std::move(ends);
  observed_.source_end_seen_at_ms = NowMs();
}

}  // namespace kmirror::offsets
