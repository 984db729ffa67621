// Running the kmirror binary under test against real clusters: writing its configuration,
// starting it, and waiting until the target holds what the test expects.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "support/kafka_client.h"
#include "support/process.h"

namespace kmirror::test {

// An MM2-format configuration for a one-way flow `source`->`target`, mirroring the topics
// matching `topics`, with settings suited to tests (replication factor 1, a 2 s refresh).
// `extra` lines are appended verbatim (later keys win).
std::string FlowConfig(const std::string& source, const std::string& source_bootstrap, const std::string& target,
                       const std::string& target_bootstrap, const std::string& topics, const std::string& group,
                       const std::vector<std::string>& extra = {});

// Writes `config_text` to a file under ScratchRoot() and starts `kmirror run --config` on it.
std::unique_ptr<ChildProcess> StartKmirror(const std::string& config_text, const std::string& name);

// Sum over the topic's partitions of (high - low) on `client`; 0 when it does not exist.
int64_t RecordCount(const ClientConfig& client, const std::string& topic);

// Waits until `topic` on `client` holds at least `expected` records; on timeout returns a
// failure that includes the count it saw and the tail of `process`'s log (if given).
::testing::AssertionResult WaitForRecords(const ClientConfig& client, const std::string& topic, int64_t expected,
                                          std::chrono::milliseconds timeout, ChildProcess* process = nullptr);

// Waits until `process`'s output contains `needle`.
::testing::AssertionResult WaitForLog(ChildProcess& process, const std::string& needle,
                                      std::chrono::milliseconds timeout);

}  // namespace kmirror::test
