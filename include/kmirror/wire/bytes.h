// Big-endian byte encoding shared by the offset index's keys (where big-endian makes
// bytewise order equal numeric order, which SeekForPrev relies on) and MM2's record formats
// (Kafka's protocol types are big-endian). Used by the wire formats and by the offset index (src/offsets).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kmirror::wire::bytes {

inline void PutU8(std::string& out, uint8_t v) { out.push_back(static_cast<char>(v)); }

inline void PutU16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v));
}

inline void PutU32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}

inline void PutU64(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}

// Length (u16) then bytes. The caller checks the length fits.
inline void PutStr16(std::string& out, std::string_view s) {
  PutU16(out, static_cast<uint16_t>(s.size()));
  out.append(s);
}

// Reads from a byte string front to back; every getter returns nullopt (and leaves the
// reader failed) when the input is too short.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  std::optional<uint8_t> U8() { return Take<uint8_t>(1); }
  std::optional<uint16_t> U16() { return Take<uint16_t>(2); }
  std::optional<uint32_t> U32() { return Take<uint32_t>(4); }
  std::optional<uint64_t> U64() { return Take<uint64_t>(8); }
  // `n` raw bytes.
  std::optional<std::string_view> Bytes(size_t n) {
    if (in_.size() - pos_ < n) return std::nullopt;
    std::string_view out = in_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  // A u16 length then that many bytes.
  std::optional<std::string_view> Str16() {
    auto n = U16();
    if (!n) return std::nullopt;
    return Bytes(*n);
  }
  size_t remaining() const { return in_.size() - pos_; }

 private:
  template <typename T>
  std::optional<T> Take(size_t n) {
    if (in_.size() - pos_ < n) return std::nullopt;
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<uint8_t>(in_[pos_ + i]);
    pos_ += n;
    return static_cast<T>(v);
  }

  std::string_view in_;
  size_t pos_ = 0;
};

}  // namespace kmirror::wire::bytes
