// The names by which Kafka sees a kmirror node's clients (docs/cluster.md), built and read in
// one place so that `kmirror status` can tell which node a group member belongs to.
//
//   client.id          "<base>@<node>"                    e.g. kmirror-A->B#0-consumer@n1
//   group.instance.id  "kmirror.<node>.<source>-<target>.<task>" for a flow task's consumer,
//                      "kmirror.<node>.<source>-<target>.duties" for the duty lease
//   duty group         "<flow.group.id>.duties"            on the target cluster
//   duty topic         "kmirror-duties.<source>.internal"  on the target cluster, 1 partition
//
// Kafka allows only ASCII letters, digits, '.', '_' and '-' in group.instance.id; node ids
// and cluster aliases are already limited to those (config/overrides.h, the loaders).
//
// Pure functions; any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kmirror::kafka {

std::string NodeClientId(std::string_view base, std::string_view node);
// The node of a client id built by NodeClientId; nullopt for any other client id.
std::optional<std::string> NodeOfClientId(std::string_view client_id);

// Static group membership (KIP-345) of the flow tasks' consumers: a node restarted within
// session.timeout.ms gets its partitions back and no other member's move. With librdkafka
// 2.0.2 a static member can be fenced (FENCED_INSTANCE_ID, a fatal error of the whole
// consumer): by another live member with the same group.instance.id (two nodes with one
// node.id), and by librdkafka itself after a session timeout, when it rejoins under a new
// member id and then commits under the old one (defect F1, docs/reliability.md). A task
// re-creates its consumer after a fatal error (FlowTask::RecoverConsumer), so neither stops
// it for good.
inline constexpr bool kStaticMembership = true;
// The duty lease's consumer stays a dynamic member: a clean stop gives the duties up at once
// anyway (DutyLease::Stop leaves its group, static or not), so a static one gains nothing on
// a restart, and the lease does not re-create its consumer after a fatal error (a fenced duty
// consumer would keep the node from ever holding the duties again until it is restarted).
inline constexpr bool kStaticDutyMembership = false;

// `task` >= 0: a flow task's consumer; kDutiesMember: the duty lease's consumer.
constexpr int kDutiesMember = -1;
std::string StaticMemberId(std::string_view node, std::string_view source, std::string_view target, int task);
// The node of a static member id of flow source->target; nullopt when it is not kmirror's.
std::optional<std::string> NodeOfStaticMemberId(std::string_view id, std::string_view source, std::string_view target);

std::string DutyGroupId(std::string_view flow_group);
std::string DutyTopic(std::string_view source_alias);

}  // namespace kmirror::kafka
