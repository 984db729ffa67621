#include "kmirror/replication/heartbeat.h"

namespace kmirror::replication {
namespace {

void PutInt(std::string* out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

bool GetInt(std::string_view* in, int bytes, uint64_t* v) {
  if (in->size() < static_cast<size_t>(bytes)) return false;
  *v = 0;
  for (int i = 0; i < bytes; ++i) *v = (*v << 8) | static_cast<uint8_t>((*in)[i]);
  in->remove_prefix(bytes);
  return true;
}

bool GetString(std::string_view* in, std::string* out) {
  uint64_t len = 0;
  if (!GetInt(in, 2, &len) || in->size() < len) return false;
  out->assign(in->substr(0, len));
  in->remove_prefix(len);
  return true;
}

}  // namespace

std::string EncodeHeartbeatKey(std::string_view source_alias, std::string_view target_alias) {
  std::string out;
  PutInt(&out, source_alias.size(), 2);
  out.append(source_alias);
  PutInt(&out, target_alias.size(), 2);
  out.append(target_alias);
  return out;
}

std::string EncodeHeartbeatValue(int64_t timestamp_ms) {
  std::string out;
  PutInt(&out, 0, 2);  // version 0
  PutInt(&out, static_cast<uint64_t>(timestamp_ms), 8);
  return out;
}

std::optional<Heartbeat> DecodeHeartbeat(std::string_view key, std::string_view value) {
  Heartbeat hb;
  if (!GetString(&key, &hb.source_alias) || !GetString(&key, &hb.target_alias) || !key.empty()) return std::nullopt;
  uint64_t version = 0, ts = 0;
  if (!GetInt(&value, 2, &version) || version != 0 || !GetInt(&value, 8, &ts)) return std::nullopt;
  hb.timestamp_ms = static_cast<int64_t>(ts);
  return hb;
}

}  // namespace kmirror::replication
