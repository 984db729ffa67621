#include "replication/acl_sync.h"

#include <algorithm>
#include <chrono>
#include <set>

#include "kmirror/common/logging.h"
#include "kmirror/kafka/errors.h"
#include "replication/flow_stats.h"

namespace kmirror::replication {
namespace {

using kafka::AclBinding;
using kafka::AclOperation;
using kafka::AclPattern;
using kafka::AclPermission;
using kafka::AclResource;

constexpr std::chrono::milliseconds kAdminTimeout{30000};
constexpr size_t kBindingsLogged = 10;  // per round; the rest are counted

void Bump(FlowStats* stats, std::atomic<uint64_t> FlowStats::*counter, uint64_t n = 1) {
  if (stats != nullptr) (stats->*counter).fetch_add(n, std::memory_order_relaxed);
}

}  // namespace

std::vector<AclBinding> TargetTopicAcls(const std::vector<AclBinding>& source,
                                        const std::function<bool(const std::string&)>& mirrored,
                                        const std::function<std::string(const std::string&)>& remote_name) {
  std::set<AclBinding> out;
  for (const AclBinding& b : source) {
    if (b.resource != AclResource::kTopic || b.pattern != AclPattern::kLiteral) continue;
    // MM2's shouldReplicateAcl: the mirror is the only writer of a remote topic.
    if (b.permission == AclPermission::kAllow && b.operation == AclOperation::kWrite) continue;
    if (!mirrored(b.name)) continue;
    AclBinding t = b;
    t.name = remote_name(b.name);
    // MM2's downgradeAllowAllACL: reading is what a remote topic's users may do.
    if (t.permission == AclPermission::kAllow && t.operation == AclOperation::kAll) t.operation = AclOperation::kRead;
    out.insert(std::move(t));
  }
  return {out.begin(), out.end()};
}

std::vector<AclBinding> MissingAcls(const std::vector<AclBinding>& wanted, const std::vector<AclBinding>& have) {
  const std::set<AclBinding> present(have.begin(), have.end());
  std::vector<AclBinding> out;
  for (const AclBinding& b : wanted) {
    if (!present.contains(b)) out.push_back(b);
  }
  return out;
}

bool RefusalNotice::Refused(const std::string& key) {
  if (logged_ == key) return false;
  logged_ = key;
  return true;
}

bool RefusalNotice::Succeeded() {
  if (!logged_) return false;
  logged_.reset();
  return true;
}

void AclSync::Problem(const std::string& where, const std::string& cluster, const Status& s) {
  auto log = logging::Get("replication");
  if (s.code() != StatusCode::kFailedPrecondition && s.code() != StatusCode::kInvalidArgument) {
    // Unreachable, timed out: transient, said every round (one per interval).
    log->warn("{}: topic ACL sync: {} ({}): {}; trying again next round", o_.flow, where, cluster, s.ToString());
    return;
  }
  Bump(o_.stats, &FlowStats::acl_refusals);
  const bool no_authorizer = kafka::IsKafkaError(s, "SECURITY_DISABLED");
  if (!notice_.Refused(where + ":" + std::string(no_authorizer ? "no authorizer" : StatusCodeName(s.code())))) return;
  if (no_authorizer && cluster == o_.source) {
    // MM2 says this at info too: a source without ACLs has nothing to copy.
    log->info(
        "{}: topic ACLs are not synced: the source cluster {} has no ACL authorizer (SECURITY_DISABLED); mirroring "
        "goes on (sync.topic.acls.enabled = false stops trying); said once",
        o_.flow, cluster);
    return;
  }
  log->warn(
      "{}: topic ACLs are not synced: {} refused ({}): {}; mirroring goes on, ACL sync is tried again every round "
      "(sync.topic.acls.enabled = false stops it); said once",
      o_.flow, cluster, where, s.ToString());
}

void AclSync::SyncOnce() {
  auto log = logging::Get("replication");
  Bump(o_.stats, &FlowStats::acl_rounds);
  auto source = o_.source_admin->DescribeTopicAcls(kAdminTimeout);
  if (!source.ok()) return Problem("describing the source's topic ACLs", o_.source, source.status());
  const std::vector<AclBinding> wanted = TargetTopicAcls(*source, o_.mirrored, o_.remote_name);
  auto target = o_.target_admin->DescribeTopicAcls(kAdminTimeout);
  if (!target.ok()) return Problem("describing the target's topic ACLs", o_.target, target.status());
  const std::vector<AclBinding> missing = MissingAcls(wanted, *target);
  if (!missing.empty()) {
    if (o_.holds_duties && !o_.holds_duties()) return;  // lost the duties meanwhile: the new holder does it
    Status s = o_.target_admin->CreateAcls(missing, kAdminTimeout);
    if (!s.ok()) return Problem("creating topic ACLs", o_.target, s);
    Bump(o_.stats, &FlowStats::acl_created, missing.size());
    std::string listed;
    for (size_t i = 0; i < missing.size() && i < kBindingsLogged; ++i) {
      listed += (i == 0 ? "" : "; ") + kafka::ToString(missing[i]);
    }
    if (missing.size() > kBindingsLogged)
      listed += "; and " + std::to_string(missing.size() - kBindingsLogged) + " more";
    log->info("{}: created {} topic ACL binding(s) on {} ({} wanted from {}'s {}): {}", o_.flow, missing.size(),
              o_.target, wanted.size(), o_.source, source->size(), listed);
  }
  if (notice_.Succeeded()) {
    log->info("{}: topic ACL sync works again ({} binding(s) wanted, all on {})", o_.flow, wanted.size(), o_.target);
  }
}

}  // namespace kmirror::replication
