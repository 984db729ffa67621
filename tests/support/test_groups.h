// Test-side consumer-group offsets: read what a group has committed, and commit offsets for
// a group that has no members (a test's stand-in for a source application), on raw
// librdkafka (see support/kafka_client.h for why).
//
// Every call opens its own short-lived handle with the group's group.id that never
// subscribes, so it never joins the group or disturbs its members: any thread may call it,
// concurrently. Calls wait (up to 30 s) while the group coordinator is not ready yet, as on
// a cluster whose __consumer_offsets is still being created.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <string>

#include "support/client_config.h"

namespace kmirror::test {

// partition -> committed offset of `group` for `topic` (partitions without one omitted).
// The topic must exist on the cluster asked.
Outcome<std::map<int32_t, int64_t>> CommittedOffsets(const ClientConfig& client, const std::string& group,
                                                     const std::string& topic);
// Commits offsets for a group that has no active members (as a test's "source consumer").
::testing::AssertionResult CommitOffsets(const ClientConfig& client, const std::string& group, const std::string& topic,
                                         const std::map<int32_t, int64_t>& offsets);
// Deletes the committed offsets of `group` for every partition of `topic` (the group must
// have no members), as kafka-consumer-groups --delete-offsets, or as the source's
// offsets.retention.minutes does to an empty group.
::testing::AssertionResult DeleteGroupOffsets(const ClientConfig& client, const std::string& group,
                                              const std::string& topic, int partitions);

}  // namespace kmirror::test
