// GroupAdmin: consumer-group administration on one cluster: which groups exist, whether a
// group has active members, its committed offsets, and committing offsets for a group from
// outside it (what offset sync and failover do on the target).
//
// librdkafka 2.0.2 crashes in ListConsumerGroupOffsets and AlterConsumerGroupOffsets on a
// cluster whose __consumer_offsets topic does not exist yet, so this class reads and writes
// group offsets through a consumer handle configured with the group's id that never joins
// the group (rd_kafka_committed / rd_kafka_commit), and lists a group's partitions from
// ListConsumerGroupOffsets only after ListGroups showed the group exists.
//
// Lifecycle and threads: every call blocks its caller up to `timeout`; the object may be
// used from one thread at a time (callers serialise); destroyed by its owner.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kmirror/common/status.h"
#include "kmirror/common/types.h"
#include "kmirror/kafka/client.h"

namespace kmirror::kafka {

// A group's committed offset for one partition (offsets of the cluster the group is on).
struct GroupOffset {
  TopicPartition partition;
  int64_t offset = -1;
  std::string metadata;
  bool operator==(const GroupOffset&) const = default;
};

struct GroupListing {
  std::string group_id;
  std::string state;    // "Stable", "Empty", "PreparingRebalance", ... ("Unknown" when not reported)
  bool simple = false;  // a group used only for offset storage (no members ever)
};

// One member of a group as the coordinator describes it.
struct GroupMember {
  std::string client_id;
  std::string group_instance_id;  // empty for a dynamic member
  std::string host;
  std::vector<TopicPartition> assignment;
};

struct GroupDescription {
  std::string group_id;
  std::string state;  // "Dead" for a group the cluster does not know
  int members = 0;
  std::vector<GroupMember> member_list;
};

class GroupAdmin {
 public:
  static Result<std::unique_ptr<GroupAdmin>> Create(const ClientProps& props, const std::string& name);
  ~GroupAdmin();

  Result<std::vector<GroupListing>> ListGroups(std::chrono::milliseconds timeout);
  Result<GroupDescription> DescribeGroup(const std::string& group, std::chrono::milliseconds timeout);
  // Every committed offset of `group`. NotFound when the cluster does not know the group.
  Result<std::vector<GroupOffset>> ListOffsets(const std::string& group, std::chrono::milliseconds timeout);
  // The committed offsets of `group` for `partitions`; nullopt where there is none.
  Result<std::vector<std::optional<int64_t>>> Committed(const std::string& group,
                                                        const std::vector<TopicPartition>& partitions,
                                                        std::chrono::milliseconds timeout);
  // Commits `offsets` for `group` without joining it. FailedPrecondition when the group
  // has active members (the broker refuses commits from outside a live generation).
  Status Commit(const std::string& group, const std::vector<GroupOffset>& offsets, std::chrono::milliseconds timeout);

 private:
  GroupAdmin() = default;
  ClientProps props_;
  std::string name_;
  HandlePtr admin_;
};

}  // namespace kmirror::kafka
