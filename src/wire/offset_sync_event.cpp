#include "kmirror/wire/offset_sync_event.h"

#include <limits>
#include <string>

namespace kmirror::wire {

std::string OffsetSyncTopic(std::string_view source_alias) {
  return "kmirror-offset-syncs." + std::string(source_alias) + ".internal";
}

std::string OffsetSyncRecordKey(const TopicPartition& source) { return source.ToString(); }

v1::OffsetSyncEvent MakeOffsetSyncEvent(const OffsetSyncWriterInfo& info, std::string_view target_topic,
                                        const OffsetSyncRun& run, int64_t written_at_ms) {
  v1::OffsetSyncEvent e;
  e.set_version(kOffsetSyncEventVersion);
  v1::FlowId* flow = e.mutable_flow();
  flow->set_source_alias(info.source_alias);
  flow->set_target_alias(info.target_alias);
  flow->set_source_cluster_id(info.source_cluster_id);
  flow->set_target_cluster_id(info.target_cluster_id);
  e.set_source_topic(run.partition->topic);
  e.set_target_topic(std::string(target_topic));
  e.set_partition(run.partition->partition.value());
  e.set_first_source_offset(run.first_source.value());
  e.set_first_target_offset(run.first_target.value());
  e.set_record_count(run.count);
  e.set_reset(run.reset || run.target_restart);
  e.set_target_restart(run.target_restart);
  e.set_source_log_start_offset(run.source_log_start.value());
  e.set_written_at_ms(written_at_ms);
  e.set_writer(info.writer);
  return e;
}

std::string SerializeOffsetSyncEvent(const v1::OffsetSyncEvent& event) {
  std::string out;
  event.SerializeToString(&out);
  return out;
}

Status ValidateOffsetSyncEvent(const v1::OffsetSyncEvent& e) {
  if (e.version() == 0) return InvalidArgument("offset-sync event without a version");
  if (e.version() > kOffsetSyncEventVersion) {
    return FailedPrecondition("offset-sync event version " + std::to_string(e.version()) +
                              " was written by a newer kmirror (this one reads up to " +
                              std::to_string(kOffsetSyncEventVersion) + ")");
  }
  if (e.flow().source_alias().empty() || e.flow().target_alias().empty()) {
    return InvalidArgument("offset-sync event without flow aliases");
  }
  if (e.source_topic().empty()) return InvalidArgument("offset-sync event without a source topic");
  if (e.partition() < 0) return InvalidArgument("offset-sync event with a negative partition");
  if (e.record_count() < 0) return InvalidArgument("offset-sync event with a negative record count");
  if (e.source_log_start_offset() < -1) return InvalidArgument("offset-sync event with an invalid source log start");
  if (e.record_count() > 0) {
    if (e.target_topic().empty()) return InvalidArgument("offset-sync run without a target topic");
    if (e.first_source_offset() < 0 || e.first_target_offset() < 0) {
      return InvalidArgument("offset-sync run with a negative offset");
    }
    constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
    if (e.first_source_offset() > kMax - e.record_count() || e.first_target_offset() > kMax - e.record_count()) {
      return InvalidArgument("offset-sync run overflows the offset range");
    }
  }
  return Status::Ok();
}

Result<v1::OffsetSyncEvent> ParseOffsetSyncEvent(std::string_view bytes) {
  v1::OffsetSyncEvent e;
  if (!e.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return InvalidArgument("offset-sync record is not a valid OffsetSyncEvent");
  }
  KM_RETURN_IF_ERROR(ValidateOffsetSyncEvent(e));
  return e;
}

}  // namespace kmirror::wire
