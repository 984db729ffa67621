// Running the kmirror binary under test against real clusters: writing its configuration,
// starting it, and waiting until the target holds what the test expects. Includes the test
// clients (support/kafka_client.h), which every test that runs kmirror checks the target with.
//
// Each kmirror is a ChildProcess (support/process.h): it dies with the test process, and
// its config file, offset index and log stay under ScratchRoot() until the process exits.
// Any thread may call these functions; a ChildProcess is used by one thread at a time.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
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
// Unless the text sets them, adds `api.listen = 127.0.0.1:0` and an `offsets.index.dir` of
// its own under ScratchRoot().
std::unique_ptr<ChildProcess> StartKmirror(const std::string& config_text, const std::string& name);

// The API port a kmirror process bound (it logs "API listening on ... (port N)"); nullopt
// when it did not log it within `timeout`.
std::optional<int> ApiPort(ChildProcess& process, std::chrono::milliseconds timeout);

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
