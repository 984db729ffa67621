// AclSync: MirrorMaker 2's topic ACL sync (`sync.topic.acls.enabled`, MirrorSourceConnector's
// syncTopicAcls) for one flow: the source's ACL bindings of the topics the flow mirrors are
// created on the target for their remote topics, every `sync.topic.acls.interval.seconds`.
//
// The rules are MM2's (TargetTopicAcls, a pure function): only bindings on a topic's LITERAL
// name (PREFIXED ones are skipped) whose name the flow mirrors; ALLOW WRITE is not copied
// (only the mirror writes remote topics); ALLOW ALL becomes ALLOW READ; DENY bindings are
// copied as they are (MM2 copies them; DENY ALL stays DENY ALL); the name becomes the remote
// topic's, by the flow's naming policy. Like MM2, kmirror only adds bindings: it never
// deletes one from the target, also not after it was deleted on the source.
//
// A round creates only the bindings the target lacks (it describes the target's topic ACLs
// first), so it is idempotent, and a round that overlaps with another node's in a duty
// handover creates nothing twice (the broker treats an existing binding as a no-op anyway).
//
// A cluster that refuses (no authorizer: SECURITY_DISABLED; a principal without the right:
// CLUSTER_AUTHORIZATION_FAILED) is logged once per flow and cause (RefusalNotice), counted,
// and tried again next round; mirroring is never affected.
//
// Lifecycle: owned by the Flow, SyncOnce() called from the flow's controller thread only,
// when this node holds the flow's duties. The admin clients are TopicSync's (same thread).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "kmirror/common/status.h"
#include "kmirror/kafka/acl.h"
#include "kmirror/kafka/admin.h"

namespace kmirror::replication {

struct FlowStats;

// The target bindings for the source's `source` bindings (MM2's rules, above). `mirrored`:
// whether the flow mirrors a topic of that name (MM2's shouldReplicateTopic: the topic filter,
// heartbeats, no internal topics, no cycles); `remote_name`: its name on the target. Sorted,
// duplicates removed (ALLOW ALL and ALLOW READ of one principal both give ALLOW READ).
std::vector<kafka::AclBinding> TargetTopicAcls(const std::vector<kafka::AclBinding>& source,
                                               const std::function<bool(const std::string&)>& mirrored,
                                               const std::function<std::string(const std::string&)>& remote_name);

// The bindings of `wanted` that `have` lacks, in `wanted`'s order.
std::vector<kafka::AclBinding> MissingAcls(const std::vector<kafka::AclBinding>& wanted,
                                           const std::vector<kafka::AclBinding>& have);

// Says a refusal once: Refused(key) is true the first time `key` (where and why, e.g.
// "target:FailedPrecondition") is seen since the last logged one or success; Succeeded() is
// true once after refusals were logged (to say it works again). Single-threaded.
class RefusalNotice {
 public:
  bool Refused(const std::string& key);
  bool Succeeded();

 private:
  std::optional<std::string> logged_;
};

class AclSync {
 public:
  struct Options {
    std::string flow;    // "A->B", for logs
    std::string source;  // cluster aliases, for logs
    std::string target;
    kafka::Admin* source_admin = nullptr;
    kafka::Admin* target_admin = nullptr;
    std::function<bool(const std::string&)> mirrored;
    std::function<std::string(const std::string&)> remote_name;
    // Asked right before creating bindings; unset: always allowed.
    std::function<bool()> holds_duties;
    FlowStats* stats = nullptr;  // acl_* counters; may be null
  };
  explicit AclSync(Options options) : o_(std::move(options)) {}

  // One round; problems are logged and counted, never returned: the flow goes on.
  void SyncOnce();

 private:
  // Logs a refusal once (see RefusalNotice) or a transient problem every time.
  void Problem(const std::string& where, const std::string& cluster, const Status& s);

  Options o_;
  RefusalNotice notice_;
};

}  // namespace kmirror::replication
