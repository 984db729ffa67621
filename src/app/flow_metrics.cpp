#include "app/flow_metrics.h"

#include <algorithm>

namespace kmirror::app {

std::vector<metrics::LagSample> LagOf(const std::vector<offsets::PartitionSummary>& summaries,
                                      const std::map<TopicPartition, int64_t>& source_end, int64_t now_ms) {
  std::vector<metrics::LagSample> out;
  for (const offsets::PartitionSummary& s : summaries) {
    auto end = source_end.find(s.source);
    if (end == source_end.end() || end->second < 0 || s.mirrored_source_end.value() < 0) continue;
    metrics::LagSample l;
    l.topic = s.source.topic;
    l.partition = s.source.partition.value();
    // The source end is read every few seconds, the mirrored end follows the log: a source
    // end older than the mirror reads as caught up, never as negative lag.
    l.records = std::max<int64_t>(0, end->second - s.mirrored_source_end.value());
    l.seconds = l.records == 0 || s.last_written_at_ms <= 0
                    ? 0
                    : static_cast<double>(std::max<int64_t>(0, now_ms - s.last_written_at_ms)) / 1000.0;
    out.push_back(std::move(l));
  }
  return out;
}

metrics::CheckpointSample CheckpointSampleOf(const offsets::CheckpointEmitterStats& st, bool group_sync_enabled) {
  metrics::CheckpointSample c;
  c.rounds = st.rounds;
  c.round_failures = st.round_failures;
  c.checkpoints = st.checkpoints;
  c.last_round_seconds = static_cast<double>(st.last_round_duration_ms) / 1000.0;
  c.last_success_ms = st.last_success_ms;
  c.group_sync_commits = st.group_sync_commits;
  c.group_sync_failures = st.group_sync_failures;
  c.group_sync_last_success_ms = st.group_sync_last_success_ms;
  c.group_sync_enabled = group_sync_enabled;
  return c;
}

}  // namespace kmirror::app
