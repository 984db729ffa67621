// Records as the test clients write them (Record) and read them back (ConsumedRecord), how
// GoogleTest prints them, and the exact-copy check tests make between the two.
//
// Plain values and pure functions: any thread may call them.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kmirror::test {

// A header value may be null (distinct from empty).
using Header = std::pair<std::string, std::optional<std::string>>;

// A record to produce. Every member has a default initializer, so designated initializers
// may leave any out ({.key = "k", .value = "v"}) without GCC 12's
// -Wmissing-field-initializers (an error under -Werror). The same holds for the other
// option structs of the test support code.
struct Record {
  int32_t partition = 0;
  std::optional<std::string> key{};    // nullopt: null key
  std::optional<std::string> value{};  // nullopt: null value (a tombstone)
  std::vector<Header> headers{};
  int64_t timestamp_ms = 0;  // CreateTime; 0 = let the producer stamp the current time
};

enum class TimestampType { kNotAvailable, kCreateTime, kLogAppendTime };

// A record as read back from a partition.
struct ConsumedRecord {
  int32_t partition = 0;
  int64_t offset = 0;
  std::optional<std::string> key{};
  std::optional<std::string> value{};
  std::vector<Header> headers{};
  int64_t timestamp_ms = 0;
  TimestampType timestamp_type = TimestampType::kNotAvailable;

  bool operator==(const ConsumedRecord&) const = default;
};

void PrintTo(const Record& r, std::ostream* os);
void PrintTo(const ConsumedRecord& r, std::ostream* os);
std::ostream& operator<<(std::ostream& os, TimestampType t);

// Checks that `consumed` holds exactly `produced`, in order: key, value, headers, partition
// and (where the producer set one) timestamp. Reports the first difference. Records of
// several partitions must be given in the same order in both, e.g. grouped by partition.
::testing::AssertionResult SameRecords(const std::vector<Record>& produced,
                                       const std::vector<ConsumedRecord>& consumed);

// `count` records "<prefix>-key-<i>" / "<prefix>-value-<i>", spread round robin over
// `partitions`, with a header "i" = "<i>" and no explicit timestamp.
std::vector<Record> MakeRecords(int count, int partitions = 1, std::string_view prefix = "r");

}  // namespace kmirror::test
