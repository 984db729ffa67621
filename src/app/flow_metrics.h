// The translation side's numbers for the metrics scrape: lag per source partition from the
// offset index's summaries and the source end offsets the state reader last saw (the same
// rule as the API's replication status), and the checkpoint emitter's counters. Pure
// functions; the app calls them on the scraping thread.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "kmirror/common/types.h"
#include "kmirror/metrics/samples.h"
#include "kmirror/offsets/checkpoint_emitter.h"
#include "kmirror/offsets/offset_index.h"

namespace kmirror::app {

// Partitions with both a mirrored position and a known source end; others are left out
// (nothing mirrored yet, or the source's end not read yet) rather than reported as 0.
std::vector<metrics::LagSample> LagOf(const std::vector<offsets::PartitionSummary>& summaries,
                                      const std::map<TopicPartition, int64_t>& source_end, int64_t now_ms);

metrics::CheckpointSample CheckpointSampleOf(const offsets::CheckpointEmitterStats& stats, bool group_sync_enabled);

}  // namespace kmirror::app
