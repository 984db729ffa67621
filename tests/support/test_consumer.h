// Test-side reader: a partition's watermarks and its records, on raw librdkafka (see
// support/kafka_client.h for why). It reads without a consumer group (the per-partition
// "legacy" consume API), so verifying a cluster never creates __consumer_offsets or
// touches a group.
//
// Every call opens its own short-lived consumer and reads a range fixed when the call
// starts: any thread may call it, concurrently; records produced meanwhile are not returned.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "support/client_config.h"
#include "support/test_records.h"

namespace kmirror::test {

struct WatermarkOffsets {
  int64_t low = 0;
  int64_t high = 0;  // the high watermark, or the last stable offset if read_committed
  bool operator==(const WatermarkOffsets&) const = default;
};
// Fails fast if the partition does not exist.
Outcome<WatermarkOffsets> Watermarks(const ClientConfig& client, const std::string& topic, int32_t partition,
                                     bool read_committed = false);

// Every record of the partition from the low to the high watermark (last stable offset if
// read_committed) as of the call, in offset order. Control records and, with
// read_committed, aborted records are not returned (so offsets may have gaps).
Outcome<std::vector<ConsumedRecord>> ConsumeAll(const ClientConfig& client, const std::string& topic, int32_t partition,
                                                bool read_committed = true,
                                                std::chrono::milliseconds timeout = std::chrono::seconds(120));
// The same for every partition of the topic, partition by partition.
Outcome<std::vector<ConsumedRecord>> ConsumeTopic(const ClientConfig& client, const std::string& topic,
                                                  bool read_committed = true,
                                                  std::chrono::milliseconds timeout = std::chrono::seconds(120));

}  // namespace kmirror::test
