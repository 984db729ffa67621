// Stamped records: every record a fault test produces says where it was first written and
// by whom, so that its copies can be recognised on any cluster, in any topic, at any
// offset, without trusting anything kmirror adds (its provenance header, its offset-sync
// log) and without comparing whole topics record by record.
//
// A stamp is (origin cluster, producer id, source partition, sequence number); the
// sequence counts the records one producer wrote to one partition, from 0, without holes
// (aborted transactions use numbers too). It travels in the header kStampHeader as
// "<origin>/<producer>/<partition>/<seq>", and the record's value starts with the same text
// followed by '|' (a copy whose header and value disagree is corrupt).
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/kafka_client.h"

namespace kmirror::test {

inline constexpr std::string_view kStampHeader = "kmirror.test.stamp";

struct Stamp {
  std::string origin{};    // the cluster's name in the test ("A"); no '/'
  std::string producer{};  // unique per producer within a test; no '/'
  int32_t partition = 0;   // the partition it was written to on the origin
  int64_t seq = 0;

  std::string ToString() const;
  // nullopt for anything that is not exactly a stamp's text.
  static std::optional<Stamp> Parse(std::string_view text);
  auto operator<=>(const Stamp&) const = default;
};

// The value of a stamped record: the stamp's text, '|', then filler up to `size` bytes.
std::string StampedValue(const Stamp& stamp, std::size_t size);

// One record of a topic as the checkers see it.
struct StampedRecord {
  int32_t partition = 0;
  int64_t offset = 0;
  std::optional<Stamp> stamp{};  // nullopt: no stamp header (another writer's record)
  bool corrupt = false;          // stamped, but the value does not start with the stamp
};

// Every record of one topic on one cluster, partition by partition, in offset order.
struct TopicContents {
  std::string cluster{};  // the cluster's name in the test, compared with Stamp::origin
  std::string topic{};
  std::vector<StampedRecord> records{};
};

StampedRecord ToStamped(const ConsumedRecord& record);

// Reads the whole topic (read_committed: what a consumer of the copy would see). Fails if
// the topic does not exist or cannot be read.
Outcome<TopicContents> ReadStampedTopic(const ClientConfig& client, const std::string& cluster,
                                        const std::string& topic);

}  // namespace kmirror::test
