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

// TLS to the API (docs/api.md, "TLS"): PEM files, from --api-ca, --api-cert and --api-key or
// the environment (KMIRROR_API_CA, KMIRROR_API_CERT, KMIRROR_API_KEY). All empty: plaintext.
// Any set: TLS; `ca` empty then means the system's trusted CAs. `cert` and `key` go together.
// A file that cannot be read or parsed is a usage error (exit 2) naming it.
struct ApiTlsArgs {
  std::string ca{}, cert{}, key{};
  bool any() const { return !ca.empty() || !cert.empty() || !key.empty(); }
};

struct TranslateArgs {
  std::string api = "127.0.0.1:9190";
  ApiTlsArgs api_tls;
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
  ApiTlsArgs api_tls;
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
  ApiTlsArgs api_tls;
  std::string group, from, to;
  bool dry_run = false;
  // Commit even when some of the group's partitions could not be translated (they keep
  // whatever the group has on the target).
  bool allow_partial = false;
  // Commit even where the group's committed offset on the target is already ahead of the
  // translated one (it then re-reads the records in between).
  bool allow_backwards = false;
  // Go on when the source cluster cannot be asked whether the group still has members there
  // (the operator has made sure its consumers are stopped, or the source is gone).
  bool assume_source_inactive = false;
};

int RunFailover(const FailoverArgs& args, std::ostream& out, std::ostream& err);

// `kmirror status`: one node's view of its flows and of their kmirror cluster (nodes,
// partitions per node, the duty holder, lag, the last heartbeat). Any node can answer.

}  // namespace kmirror::app
