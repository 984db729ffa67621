// Builds a flow's ClusterView (flow_backend.h) from the descriptions of its two groups: the
// flow's consumer group on the source (which node has which partitions) and its duty group
// on the target (which node holds the duties). Nodes are told apart by the static member ids
// kmirror gives its consumers (kafka/node_names.h), falling back to the client id.
// Pure; any thread.
#pragma once

#include <string>

#include "kmirror/api/flow_backend.h"
#include "kmirror/kafka/groups.h"

namespace kmirror::api {

// `flow_group` / `duty_group`: nullptr when it could not be described (the reason is in
// `error`, copied into the view).
ClusterView MakeClusterView(const std::string& source, const std::string& target, const std::string& duty_topic,
                            const kafka::GroupDescription* flow_group, const kafka::GroupDescription* duty_group,
                            std::string error);

}  // namespace kmirror::api
