// Strong types for the values that are easy to mix up on the replication path: a partition
// number, an offset on the source, an offset on the target. All are int32/int64 on the wire;
// the wrappers cost nothing and turn a swapped argument into a compile error.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <string>

namespace kmirror {

template <typename Tag, typename Rep>
class StrongInt {
 public:
  constexpr StrongInt() = default;
  constexpr explicit StrongInt(Rep v) : v_(v) {}
  constexpr Rep value() const { return v_; }
  constexpr auto operator<=>(const StrongInt&) const = default;

 private:
  Rep v_{};
};

using Partition = StrongInt<struct PartitionTag, int32_t>;
using SourceOffset = StrongInt<struct SourceOffsetTag, int64_t>;
using TargetOffset = StrongInt<struct TargetOffsetTag, int64_t>;

// A topic and one of its partitions, on one named cluster side.
struct TopicPartition {
  std::string topic;
  Partition partition;
  bool operator==(const TopicPartition&) const = default;
  auto operator<=>(const TopicPartition&) const = default;
  std::string ToString() const { return topic + "-" + std::to_string(partition.value()); }
};

}  // namespace kmirror

template <>
struct std::hash<kmirror::TopicPartition> {
  size_t operator()(const kmirror::TopicPartition& tp) const noexcept {
    return std::hash<std::string>()(tp.topic) * 31 + static_cast<size_t>(tp.partition.value());
  }
};
