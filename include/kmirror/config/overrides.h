// Per-node settings for a kmirror cluster whose nodes share one configuration file
// (docs/cluster.md): the node's identity and the overrides given on the command line or in
// the environment.
//
//   kmirror run --config F --node-id n2 --set api.listen=127.0.0.1:9191 --set offsets.index.dir=/var/lib/n2
//   KMIRROR_NODE_ID=n2 KMIRROR_SET_API_LISTEN=127.0.0.1:9191 kmirror run --config F
//
// An environment variable KMIRROR_SET_<NAME> sets the top-level key spelled by <NAME> in
// lower case with '_' read as '.', '__' as '_' and '___' as '-' (the convention of Kafka's
// container images): KMIRROR_SET_OFFSETS_INDEX_DIR is offsets.index.dir. Keys that need
// upper case or "->" (cluster and flow keys) go through --set. Precedence, highest first:
// --node-id, --set (the last of a key wins), KMIRROR_NODE_ID, KMIRROR_SET_*, the file.
//
// Pure functions; any thread.
#pragma once

#include <string>
#include <vector>

#include "kmirror/common/status.h"
#include "kmirror/config/mirror_config.h"

namespace kmirror::config {

// The node id used when node.id is not set: the host name, with characters a node id may
// not contain replaced by '_' ("kmirror" when the host has no name).
std::string DefaultNodeId();

// "" when `id` can be a node id, else what is wrong. A node id becomes part of client ids
// and static group member ids (group.instance.id), which Kafka limits to ASCII letters,
// digits, '.', '_' and '-'.
std::string CheckNodeId(const std::string& id);

// The environment variable's key ("API_LISTEN" -> "api.listen"), by the rule above.
std::string KeyOfEnvironmentName(const std::string& name);

// The overrides of one start, lowest precedence first: from `environment` (entries
// "NAME=value", as in environ), then each `--set key=value` of `set_flags`, then
// `node_id_flag` when not empty. InvalidArgument naming the flag or variable when one is
// malformed (a --set without '=' or with an empty key, an empty KMIRROR_SET_ name).
Result<std::vector<ConfigOverride>> CollectOverrides(const std::vector<std::string>& environment,
                                                     const std::vector<std::string>& set_flags,
                                                     const std::string& node_id_flag);

// This process's environment as "NAME=value" entries (for CollectOverrides).
std::vector<std::string> ProcessEnvironment();

}  // namespace kmirror::config
