#include "kmirror/kafka/groups.h"

#include <cstring>

#include "admin_request.h"
#include "kmirror/kafka/engine_props.h"
#include "kmirror/kafka/errors.h"

namespace kmirror::kafka {
namespace {

struct ListOffsetsRequestDeleter {
  void operator()(rd_kafka_ListConsumerGroupOffsets_t* r) const { rd_kafka_ListConsumerGroupOffsets_destroy(r); }
};

std::string StateName(rd_kafka_consumer_group_state_t state) {
  const char* n = rd_kafka_consumer_group_state_name(state);
  return n ? n : "Unknown";
}

}  // namespace

GroupAdmin::~GroupAdmin() = default;

Result<std::unique_ptr<GroupAdmin>> GroupAdmin::Create(const ClientProps& props, const std::string& name) {
  KM_ASSIGN_OR_RETURN(conf, MakeConf(props, name));
  KM_ASSIGN_OR_RETURN(rk, MakeHandle(RD_KAFKA_PRODUCER, std::move(conf)));
  std::unique_ptr<GroupAdmin> g(new GroupAdmin());
  g->props_ = props;
  g->name_ = name;
  g->admin_ = std::move(rk);
  return g;
}

Result<std::vector<GroupListing>> GroupAdmin::ListGroups(std::chrono::milliseconds timeout) {
  auto opts = internal::MakeAdminOptions(admin_.get(), RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS, timeout);
  KM_ASSIGN_OR_RETURN(ev, internal::RunAdminRequest(
                              admin_.get(), name_,
                              [&](rd_kafka_queue_t* q) { rd_kafka_ListConsumerGroups(admin_.get(), opts.get(), q); },
                              RD_KAFKA_EVENT_LISTCONSUMERGROUPS_RESULT, timeout));
  const rd_kafka_ListConsumerGroups_result_t* res = rd_kafka_event_ListConsumerGroups_result(ev.get());
  size_t nerr = 0;
  const rd_kafka_error_t** errors = rd_kafka_ListConsumerGroups_result_errors(res, &nerr);
  if (nerr > 0) {
    // A broker that did not answer: the list would be partial, and a caller deciding
    // "group absent" from it could act wrongly.
    return Status(StatusCode::kUnavailable, name_ + ": list groups: " + rd_kafka_error_string(errors[0]),
                  Status::Retry::kYes);
  }
  size_t n = 0;
  const rd_kafka_ConsumerGroupListing_t** valid = rd_kafka_ListConsumerGroups_result_valid(res, &n);
  std::vector<GroupListing> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    out.push_back({rd_kafka_ConsumerGroupListing_group_id(valid[i]),
                   StateName(rd_kafka_ConsumerGroupListing_state(valid[i])),
                   rd_kafka_ConsumerGroupListing_is_simple_consumer_group(valid[i]) != 0});
  }
  return out;
}

Result<GroupDescription> GroupAdmin::DescribeGroup(const std::string& group, std::chrono::milliseconds timeout) {
  auto opts = internal::MakeAdminOptions(admin_.get(), RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, timeout);
  const char* groups[] = {group.c_str()};
  KM_ASSIGN_OR_RETURN(
      ev, internal::RunAdminRequest(
              admin_.get(), name_,
              [&](rd_kafka_queue_t* q) { rd_kafka_DescribeConsumerGroups(admin_.get(), groups, 1, opts.get(), q); },
              RD_KAFKA_EVENT_DESCRIBECONSUMERGROUPS_RESULT, timeout));
  const rd_kafka_DescribeConsumerGroups_result_t* res = rd_kafka_event_DescribeConsumerGroups_result(ev.get());
  size_t n = 0;
  const rd_kafka_ConsumerGroupDescription_t** descs = rd_kafka_DescribeConsumerGroups_result_groups(res, &n);
  if (n != 1) return Internal(name_ + ": describe group " + group + ": " + std::to_string(n) + " results");
  const rd_kafka_error_t* err = rd_kafka_ConsumerGroupDescription_error(descs[0]);
  if (err != nullptr) {
    return FromRdKafka(rd_kafka_error_code(err), name_ + ": describe group " + group, rd_kafka_error_string(err));
  }
  GroupDescription d;
  d.group_id = group;
  d.state = StateName(rd_kafka_ConsumerGroupDescription_state(descs[0]));
  d.members = static_cast<int>(rd_kafka_ConsumerGroupDescription_member_count(descs[0]));
  for (int i = 0; i < d.members; ++i) {
    const rd_kafka_MemberDescription_t* m = rd_kafka_ConsumerGroupDescription_member(descs[0], i);
    if (m == nullptr) continue;
    auto text = [](const char* s) { return std::string(s == nullptr ? "" : s); };
    GroupMember gm{text(rd_kafka_MemberDescription_client_id(m)),
                   text(rd_kafka_MemberDescription_group_instance_id(m)),
                   text(rd_kafka_MemberDescription_host(m)),
                   {}};
    if (const rd_kafka_MemberAssignment_t* a = rd_kafka_MemberDescription_assignment(m)) {
      if (const rd_kafka_topic_partition_list_t* parts = rd_kafka_MemberAssignment_partitions(a)) {
        for (int j = 0; j < parts->cnt; ++j) {
          gm.assignment.push_back({parts->elems[j].topic, Partition(parts->elems[j].partition)});
        }
      }
    }
    d.member_list.push_back(std::move(gm));
  }
  return d;
}

namespace internal {

Result<std::vector<GroupOffset>> ListGroupOffsets(rd_kafka_t* rk, const std::string& name, const std::string& group,
                                                  std::chrono::milliseconds timeout) {
  std::unique_ptr<rd_kafka_ListConsumerGroupOffsets_t, ListOffsetsRequestDeleter> req(
      rd_kafka_ListConsumerGroupOffsets_new(group.c_str(), nullptr));
  rd_kafka_ListConsumerGroupOffsets_t* reqs[] = {req.get()};
  auto opts = internal::MakeAdminOptions(rk, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, timeout);
  KM_ASSIGN_OR_RETURN(
      ev, internal::RunAdminRequest(
              rk, name, [&](rd_kafka_queue_t* q) { rd_kafka_ListConsumerGroupOffsets(rk, reqs, 1, opts.get(), q); },
              RD_KAFKA_EVENT_LISTCONSUMERGROUPOFFSETS_RESULT, timeout));
  const rd_kafka_ListConsumerGroupOffsets_result_t* res = rd_kafka_event_ListConsumerGroupOffsets_result(ev.get());
  size_t n = 0;
  const rd_kafka_group_result_t** results = rd_kafka_ListConsumerGroupOffsets_result_groups(res, &n);
  if (n != 1) return Internal(name + ": list offsets of group " + group + ": " + std::to_string(n) + " results");
  if (const rd_kafka_error_t* err = rd_kafka_group_result_error(results[0]); err != nullptr) {
    return FromRdKafka(rd_kafka_error_code(err), name + ": list offsets of group " + group, rd_kafka_error_string(err));
  }
  const rd_kafka_topic_partition_list_t* parts = rd_kafka_group_result_partitions(results[0]);
  std::vector<GroupOffset> out;
  for (int i = 0; parts != nullptr && i < parts->cnt; ++i) {
    const rd_kafka_topic_partition_t& p = parts->elems[i];
    if (p.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return FromRdKafka(p.err,
                         name + ": offset of group " + group + " for " + p.topic + "-" + std::to_string(p.partition));
    }
    if (p.offset < 0) continue;  // no commit for this partition
    GroupOffset g{{p.topic, Partition(p.partition)}, p.offset, {}};
    if (p.metadata != nullptr && p.metadata_size > 0) {
      g.metadata.assign(static_cast<const char*>(p.metadata), p.metadata_size);
    }
    out.push_back(std::move(g));
  }
  return out;
}

}  // namespace internal

Result<std::vector<GroupOffset>> GroupAdmin::ListOffsets(const std::string& group, std::chrono::milliseconds timeout) {
  // Only ask for the offsets of a group the cluster lists: then __consumer_offsets exists
  // and librdkafka 2.0.2's ListConsumerGroupOffsets is safe (see the header).
  KM_ASSIGN_OR_RETURN(groups, ListGroups(timeout));
  bool known = false;
  for (const auto& g : groups) known = known || g.group_id == group;
  if (!known) return NotFound("consumer group " + group + " is not known to " + name_);

  return internal::ListGroupOffsets(admin_.get(), name_, group, timeout);
}

namespace {

// A consumer handle that carries the group's id for committed()/commit() and never joins.
Result<HandlePtr> GroupHandle(const ClientProps& props, const std::string& name, const std::string& group) {
  KM_ASSIGN_OR_RETURN(conf, MakeConf(WithEngineProps(ClientKind::kGroupHandle, props, {{"group.id", group}}), name));
  return MakeHandle(RD_KAFKA_CONSUMER, std::move(conf));
}

}  // namespace

Result<std::vector<std::optional<int64_t>>> GroupAdmin::Committed(const std::string& group,
                                                                  const std::vector<TopicPartition>& partitions,
                                                                  std::chrono::milliseconds timeout) {
  KM_ASSIGN_OR_RETURN(rk, GroupHandle(props_, name_ + "-committed", group));
  PartitionListPtr list = MakePartitionList(partitions);
  rd_kafka_resp_err_t err = rd_kafka_committed(rk.get(), list.get(), static_cast<int>(timeout.count()));
  Status s = FromRdKafka(err, name_ + ": committed offsets of group " + group);
  std::vector<std::optional<int64_t>> out;
  if (s.ok()) {
    for (int i = 0; i < list->cnt; ++i) {
      if (list->elems[i].offset >= 0)
        out.emplace_back(list->elems[i].offset);
      else
        out.emplace_back(std::nullopt);
    }
  }
  rd_kafka_consumer_close(rk.get());
  if (!s.ok()) return s;
  return out;
}

Status GroupAdmin::Commit(const std::string& group, const std::vector<GroupOffset>& offsets,
                          std::chrono::milliseconds timeout) {
  if (offsets.empty()) return Status::Ok();
  KM_ASSIGN_OR_RETURN(rk, GroupHandle(props_, name_ + "-commit", group));
  PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
  for (const GroupOffset& o : offsets) {
    rd_kafka_topic_partition_t* p =
        rd_kafka_topic_partition_list_add(list.get(), o.partition.topic.c_str(), o.partition.partition.value());
    p->offset = o.offset;
    if (!o.metadata.empty()) {
      // librdkafka frees the metadata with the list.
      p->metadata = rd_kafka_mem_malloc(nullptr, o.metadata.size());
      std::memcpy(p->metadata, o.metadata.data(), o.metadata.size());
      p->metadata_size = o.metadata.size();
    }
  }
  // rd_kafka_commit has no timeout of its own: a missing coordinator retries inside
  // librdkafka; socket.timeout.ms bounds each request.
  (void)timeout;
  rd_kafka_resp_err_t err = rd_kafka_commit(rk.get(), list.get(), 0);
  Status s = FromRdKafka(err, name_ + ": commit offsets of group " + group);
  if (s.ok()) {
    for (int i = 0; i < list->cnt; ++i) {
      if (list->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        s = FromRdKafka(list->elems[i].err, name_ + ": commit offset of group " + group + " for " +
                                                list->elems[i].topic + "-" + std::to_string(list->elems[i].partition));
        break;
      }
    }
  }
  rd_kafka_consumer_close(rk.get());
  if (!s.ok() && (err == RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID || err == RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION ||
                  err == RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS)) {
    return FailedPrecondition("group " + group + " has active members on " + name_ + ": " + s.message());
  }
  return s;
}

}  // namespace kmirror::kafka
