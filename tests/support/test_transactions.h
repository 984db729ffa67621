// Test-side transactional producer: writes test records in one transaction and commits or
// aborts it, on raw librdkafka (see support/kafka_client.h for why).
//
// Every call opens its own short-lived producer (with a transactional.id unique in the
// process unless one is given) and returns only once the transaction's markers are in every
// partition it wrote to: any thread may call it, concurrently; a read_committed reader
// after the call sees the transaction finished.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "support/client_config.h"
#include "support/test_records.h"

namespace kmirror::test {

enum class TxnEnd { kCommit, kAbort };
// Produces the records in one transaction, flushes them (so they are in the log), then
// commits or aborts. `transactional_id` empty: a unique one.
::testing::AssertionResult ProduceTransaction(const ClientConfig& client, const std::string& topic,
                                              const std::vector<Record>& records, TxnEnd end,
                                              std::string transactional_id = {},
                                              std::chrono::milliseconds timeout = std::chrono::seconds(60));
inline ::testing::AssertionResult ProduceAndCommit(const ClientConfig& client, const std::string& topic,
                                                   const std::vector<Record>& records) {
  return ProduceTransaction(client, topic, records, TxnEnd::kCommit);
}
inline ::testing::AssertionResult ProduceAndAbort(const ClientConfig& client, const std::string& topic,
                                                  const std::vector<Record>& records) {
  return ProduceTransaction(client, topic, records, TxnEnd::kAbort);
}

}  // namespace kmirror::test
