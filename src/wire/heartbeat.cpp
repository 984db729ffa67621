#include "kmirror/wire/heartbeat.h"

#include "kmirror/wire/bytes.h"

namespace kmirror::wire {

std::string EncodeHeartbeatKey(std::string_view source_alias, std::string_view target_alias) {
  std::string out;
  bytes::PutStr16(out, source_alias);
  bytes::PutStr16(out, target_alias);
  return out;
}

std::string EncodeHeartbeatValue(int64_t timestamp_ms) {
  std::string out;
  bytes::PutU16(out, 0);  // version 0
  bytes::PutU64(out, static_cast<uint64_t>(timestamp_ms));
  return out;
}

std::optional<Heartbeat> DecodeHeartbeat(std::string_view key, std::string_view value) {
  bytes::Reader k(key), v(value);
  auto source = k.Str16();
  auto target = k.Str16();
  if (!source || !target || k.remaining() != 0) return std::nullopt;
  auto version = v.U16();
  auto ts = v.U64();
  if (!version || *version != 0 || !ts) return std::nullopt;
  return Heartbeat{std::string(*source), std::string(*target), static_cast<int64_t>(*ts)};
}

}  // namespace kmirror::wire
