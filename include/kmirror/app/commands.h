// The command-line clients of the gRPC API: `kmirror translate`, `kmirror status` and
// `kmirror failover`.
// main() parses the flags into these structs; the functions print to stdout (results) and
// stderr (errors) and return the process exit code: 0 done, 1 refused or failed at run time,
// 2 bad input (nothing was touched). Called from main's thread only.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

namespace kmirror::app {

struct TranslateArgs {
  std::string api = "127.0.0.1:9190";
  std::string from, to;
  std::string group;  // either a group ...
  std::string topic;  // ... or one (topic, partition, offset)
  std::optional<int32_t> partition;
  std::optional<int64_t> offset;
  // Print the API's response message as JSON (proto field names) instead of a table.
  bool json = false;
};

int RunTranslate(const TranslateArgs& args, std::ostream& out, std::ostream& err);

struct StatusArgs {
  std::string api = "127.0.0.1:9190";
  std::string from, to;  // both empty: every flow the node runs
  std::string topic;     // source topic; empty: all
  bool json = false;
};

// Prints each flow's partitions (mirrored position, source end, lag), the partitions
// stopped on a record the target cannot take, and the flow's cluster (nodes, partitions per
// node, the duty holder, the last heartbeat). Exit code 1 when a partition is stopped.
int RunStatus(const StatusArgs& args, std::ostream& out, std::ostream& err);

struct FailoverArgs {
  std::string config;  // the MM2 properties file: where cluster `to` is and how to reach it
  std::string api = "127.0.0.1:9190";
  std::string group, from, to;
  bool dry_run = false;
  // Commit even when some of the group's partitions could not be translated (they keep
  // whatever the group has on the target).
  bool allow_partial = false;
};

int RunFailover(const FailoverArgs& args, std::ostream& out, std::ostream& err);

// `kmirror status`: one node's view of its flows and of their kmirror cluster (nodes,
// partitions per node, the duty holder, lag, the last heartbeat). Any node can answer.

}  // namespace kmirror::app
