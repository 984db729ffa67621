#include "kmirror/wire/mm2_records.h"

#include <cstdint>
#include <optional>

#include "kmirror/wire/bytes.h"

namespace kmirror::wire::mm2 {
namespace {

// Kafka's STRING: int16 length, so at most Short.MAX_VALUE bytes (MM2 throws beyond).
constexpr size_t kMaxString = 32767;
constexpr int16_t kCheckpointVersion = 0;

Status PutKafkaString(std::string& out, std::string_view what, std::string_view s) {
  if (s.size() > kMaxString) {
    return InvalidArgument(std::string(what) + " is " + std::to_string(s.size()) +
                           " bytes; MirrorMaker 2's record format allows at most 32767");
  }
  bytes::PutStr16(out, s);
  return Status::Ok();
}

void PutInt32(std::string& out, int32_t v) { bytes::PutU32(out, static_cast<uint32_t>(v)); }
void PutInt64(std::string& out, int64_t v) { bytes::PutU64(out, static_cast<uint64_t>(v)); }

// Reads Kafka protocol types; the first failure sticks and names the field.
class KafkaReader {
 public:
  KafkaReader(std::string_view in, std::string_view record) : r_(in), record_(record) {}

  std::string String(std::string_view field) {
    auto n = r_.U16();
    if (!n) return Fail(field);
    if (static_cast<int16_t>(*n) < 0) {
      if (error_.ok()) error_ = InvalidArgument(record_ + ": " + std::string(field) + " has a negative length");
      return {};
    }
    auto s = r_.Bytes(*n);
    if (!s) return Fail(field);
    return std::string(*s);
  }
  int16_t Int16(std::string_view field) {
    auto v = r_.U16();
    if (!v) Fail(field);
    return static_cast<int16_t>(v.value_or(0));
  }
  int32_t Int32(std::string_view field) {
    auto v = r_.U32();
    if (!v) Fail(field);
    return static_cast<int32_t>(v.value_or(0));
  }
  int64_t Int64(std::string_view field) {
    auto v = r_.U64();
    if (!v) Fail(field);
    return static_cast<int64_t>(v.value_or(0));
  }
  const Status& status() const { return error_; }

 private:
  std::string Fail(std::string_view field) {
    if (error_.ok()) error_ = InvalidArgument(record_ + ": truncated at " + std::string(field));
    return {};
  }

  bytes::Reader r_;
  std::string record_;
  Status error_;
};

}  // namespace

std::string CheckpointsTopic(std::string_view source_alias, std::string_view internal_separator) {
  std::string t(source_alias);
  t.append(internal_separator).append("checkpoints").append(internal_separator).append("internal");
  return t;
}

Result<std::string> EncodeCheckpointKey(std::string_view group, std::string_view topic, Partition partition) {
  std::string out;
  KM_RETURN_IF_ERROR(PutKafkaString(out, "consumer group id", group));
  KM_RETURN_IF_ERROR(PutKafkaString(out, "topic", topic));
  PutInt32(out, partition.value());
  return out;
}

Result<std::string> EncodeCheckpointValue(SourceOffset upstream_offset, TargetOffset downstream_offset,
                                          std::string_view metadata) {
  std::string out;
  bytes::PutU16(out, static_cast<uint16_t>(kCheckpointVersion));
  PutInt64(out, upstream_offset.value());
  PutInt64(out, downstream_offset.value());
  KM_RETURN_IF_ERROR(PutKafkaString(out, "offset metadata", metadata));
  return out;
}

Result<CheckpointKey> DecodeCheckpointKey(std::string_view in) {
  KafkaReader r(in, "checkpoint key");
  CheckpointKey key;
  key.group = r.String("group");
  key.topic = r.String("topic");
  key.partition = Partition(r.Int32("partition"));
  if (!r.status().ok()) return r.status();
  return key;
}

Result<CheckpointValue> DecodeCheckpointValue(std::string_view in) {
  KafkaReader r(in, "checkpoint value");
  const int16_t version = r.Int16("version");
  if (r.status().ok() && version != kCheckpointVersion) {
    return InvalidArgument("checkpoint value version " + std::to_string(version) + " is not supported (only 0)");
  }
  CheckpointValue value;
  value.upstream_offset = SourceOffset(r.Int64("upstreamOffset"));
  value.downstream_offset = TargetOffset(r.Int64("offset"));
  value.metadata = r.String("metadata");
  if (!r.status().ok()) return r.status();
  return value;
}

Result<std::string> EncodeOffsetSyncKey(std::string_view topic, Partition partition) {
  std::string out;
  KM_RETURN_IF_ERROR(PutKafkaString(out, "topic", topic));
  PutInt32(out, partition.value());
  return out;
}

std::string EncodeOffsetSyncValue(SourceOffset upstream_offset, TargetOffset downstream_offset) {
  std::string out;
  PutInt64(out, upstream_offset.value());
  PutInt64(out, downstream_offset.value());
  return out;
}

Result<OffsetSyncKey> DecodeOffsetSyncKey(std::string_view in) {
  KafkaReader r(in, "offset-sync key");
  OffsetSyncKey key;
  key.topic = r.String("topic");
  key.partition = Partition(r.Int32("partition"));
  if (!r.status().ok()) return r.status();
  return key;
}

Result<OffsetSyncValue> DecodeOffsetSyncValue(std::string_view in) {
  KafkaReader r(in, "offset-sync value");
  OffsetSyncValue value;
  value.upstream_offset = SourceOffset(r.Int64("upstreamOffset"));
  value.downstream_offset = TargetOffset(r.Int64("offset"));
  if (!r.status().ok()) return r.status();
  return value;
}

}  // namespace kmirror::wire::mm2
