// Test-side producer: writes test records to a topic and waits until every one is
// acknowledged, on raw librdkafka (see support/kafka_client.h for why). Transactions are
// in support/test_transactions.h.
//
// Every call opens its own short-lived producer and flushes it before returning: any thread
// may call it, concurrently; nothing stays in flight after the call.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "support/client_config.h"
#include "support/test_records.h"

namespace kmirror::test {

// Produces all records (acks=all, idempotent, order kept per partition) and waits for every
// delivery report. Fails with the first delivery error.
::testing::AssertionResult Produce(const ClientConfig& client, const std::string& topic,
                                   const std::vector<Record>& records,
                                   std::chrono::milliseconds timeout = std::chrono::seconds(120));

}  // namespace kmirror::test
