#include "kmirror/kafka/admin.h"

#include "admin_request.h"
#include "kmirror/kafka/errors.h"

namespace kmirror::kafka {

namespace internal {

AdminOptionsPtr MakeAdminOptions(rd_kafka_t* rk, rd_kafka_admin_op_t op, std::chrono::milliseconds timeout) {
  AdminOptionsPtr o(rd_kafka_AdminOptions_new(rk, op));
  char err[256];
  int ms = static_cast<int>(timeout.count());
  (void)rd_kafka_AdminOptions_set_request_timeout(o.get(), ms, err, sizeof err);
  if (op == RD_KAFKA_ADMIN_OP_CREATETOPICS || op == RD_KAFKA_ADMIN_OP_CREATEPARTITIONS) {
    (void)rd_kafka_AdminOptions_set_operation_timeout(o.get(), ms, err, sizeof err);
  }
  return o;
}

Result<EventPtr> RunAdminRequest(rd_kafka_t* rk, const std::string& name,
                                 const std::function<void(rd_kafka_queue_t*)>& issue, rd_kafka_event_type_t expected,
                                 std::chrono::milliseconds timeout) {
  QueuePtr q(rd_kafka_queue_new(rk));
  issue(q.get());
  // The request itself times out at `timeout`; allow a little more for the reply event.
  EventPtr ev(rd_kafka_queue_poll(q.get(), static_cast<int>(timeout.count()) + 5000));
  if (!ev) return Status(StatusCode::kTimedOut, name + ": admin request timed out", Status::Retry::kYes);
  if (rd_kafka_event_error(ev.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return FromRdKafka(rd_kafka_event_error(ev.get()), name, rd_kafka_event_error_string(ev.get()));
  }
  if (rd_kafka_event_type(ev.get()) != expected) return Internal(name + ": unexpected admin event");
  return ev;
}

}  // namespace internal

namespace {

struct NewTopicDeleter {
  void operator()(rd_kafka_NewTopic_t* t) const { rd_kafka_NewTopic_destroy(t); }
};
struct NewPartitionsDeleter {
  void operator()(rd_kafka_NewPartitions_t* p) const { rd_kafka_NewPartitions_destroy(p); }
};
struct ConfigResourceDeleter {
  void operator()(rd_kafka_ConfigResource_t* r) const { rd_kafka_ConfigResource_destroy(r); }
};

// CreateTopics and CreatePartitions both answer with per-topic results.
Status TopicResults(const rd_kafka_topic_result_t** results, size_t n, const std::string& context) {
  for (size_t i = 0; i < n; ++i) {
    rd_kafka_resp_err_t e = rd_kafka_topic_result_error(results[i]);
    const char* es = rd_kafka_topic_result_error_string(results[i]);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) return FromRdKafka(e, context, es ? es : "");
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Admin>> Admin::Create(const ClientProps& props, const std::string& name) {
  auto conf = MakeConf(props, name);
  if (!conf.ok()) return conf.status();
  auto rk = MakeHandle(RD_KAFKA_PRODUCER, std::move(conf).value());
  if (!rk.ok()) return rk.status();
  std::unique_ptr<Admin> a(new Admin());
  a->rk_ = std::move(rk).value();
  a->name_ = name;
  return a;
}

template <typename Issue>
Result<EventPtr> Admin::Call(Issue&& issue, rd_kafka_event_type_t expected, std::chrono::milliseconds timeout) {
  return internal::RunAdminRequest(rk_.get(), name_, issue, expected, timeout);
}

Result<ClusterInfo> Admin::Describe(std::chrono::milliseconds timeout) {
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk_.get(), 1, nullptr, &md, static_cast<int>(timeout.count()));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return FromRdKafka(err, name_ + ": metadata");
  ClusterInfo info;
  info.brokers = md->broker_cnt;
  for (int i = 0; i < md->topic_cnt; ++i) {
    const auto& t = md->topics[i];
    // A topic being deleted or with a leader election in progress is reported with an
    // error; skip it this round rather than act on partial data.
    if (t.err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    info.topics.push_back({t.topic, t.partition_cnt});
  }
  rd_kafka_metadata_destroy(md);
  char* id = rd_kafka_clusterid(rk_.get(), static_cast<int>(timeout.count()));
  if (id == nullptr) return Unavailable(name_ + ": cluster id not available");
  info.cluster_id = id;
  rd_kafka_mem_free(rk_.get(), id);
  return info;
}

Status Admin::CreateTopic(const NewTopic& topic, std::chrono::milliseconds timeout) {
  char err[512];
  std::unique_ptr<rd_kafka_NewTopic_t, NewTopicDeleter> nt(
      rd_kafka_NewTopic_new(topic.name.c_str(), topic.partitions, topic.replication_factor, err, sizeof err));
  if (!nt) return InvalidArgument("create topic " + topic.name + ": " + err);
  for (const auto& [k, v] : topic.configs) {
    rd_kafka_resp_err_t e = rd_kafka_NewTopic_set_config(nt.get(), k.c_str(), v.c_str());
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) return FromRdKafka(e, "create topic " + topic.name + ": config " + k);
  }
  auto opts = internal::MakeAdminOptions(rk_.get(), RD_KAFKA_ADMIN_OP_CREATETOPICS, timeout);
  rd_kafka_NewTopic_t* arr[] = {nt.get()};
  auto ev = Call([&](rd_kafka_queue_t* q) { rd_kafka_CreateTopics(rk_.get(), arr, 1, opts.get(), q); },
                 RD_KAFKA_EVENT_CREATETOPICS_RESULT, timeout);
  if (!ev.ok()) return ev.status().Annotate("create topic " + topic.name);
  const rd_kafka_CreateTopics_result_t* res = rd_kafka_event_CreateTopics_result(ev->get());
  size_t n = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(res, &n);
  return TopicResults(results, n, "create topic " + topic.name);
}

Status Admin::CreatePartitions(const std::string& topic, int total, std::chrono::milliseconds timeout) {
  char err[512];
  std::unique_ptr<rd_kafka_NewPartitions_t, NewPartitionsDeleter> np(
      rd_kafka_NewPartitions_new(topic.c_str(), static_cast<size_t>(total), err, sizeof err));
  if (!np) return InvalidArgument("create partitions " + topic + ": " + err);
  auto opts = internal::MakeAdminOptions(rk_.get(), RD_KAFKA_ADMIN_OP_CREATEPARTITIONS, timeout);
  rd_kafka_NewPartitions_t* arr[] = {np.get()};
  auto ev = Call([&](rd_kafka_queue_t* q) { rd_kafka_CreatePartitions(rk_.get(), arr, 1, opts.get(), q); },
                 RD_KAFKA_EVENT_CREATEPARTITIONS_RESULT, timeout);
  if (!ev.ok()) return ev.status().Annotate("create partitions " + topic);
  const rd_kafka_CreatePartitions_result_t* res = rd_kafka_event_CreatePartitions_result(ev->get());
  size_t n = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_CreatePartitions_result_topics(res, &n);
  return TopicResults(results, n, "create partitions " + topic);
}

Result<std::map<std::string, std::string>> Admin::DescribeTopicOverrides(const std::string& topic,
                                                                         std::chrono::milliseconds timeout) {
  std::unique_ptr<rd_kafka_ConfigResource_t, ConfigResourceDeleter> res(
      rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str()));
  auto opts = internal::MakeAdminOptions(rk_.get(), RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, timeout);
  rd_kafka_ConfigResource_t* arr[] = {res.get()};
  auto ev = Call([&](rd_kafka_queue_t* q) { rd_kafka_DescribeConfigs(rk_.get(), arr, 1, opts.get(), q); },
                 RD_KAFKA_EVENT_DESCRIBECONFIGS_RESULT, timeout);
  if (!ev.ok()) return ev.status().Annotate("describe configs of " + topic);
  const rd_kafka_DescribeConfigs_result_t* result = rd_kafka_event_DescribeConfigs_result(ev->get());
  size_t nres = 0;
  const rd_kafka_ConfigResource_t** resources = rd_kafka_DescribeConfigs_result_resources(result, &nres);
  std::map<std::string, std::string> out;
  for (size_t i = 0; i < nres; ++i) {
    rd_kafka_resp_err_t e = rd_kafka_ConfigResource_error(resources[i]);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* es = rd_kafka_ConfigResource_error_string(resources[i]);
      return FromRdKafka(e, "describe configs of " + topic, es ? es : "");
    }
    size_t nentries = 0;
    const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(resources[i], &nentries);
    for (size_t j = 0; j < nentries; ++j) {
      const rd_kafka_ConfigEntry_t* ce = entries[j];
      if (rd_kafka_ConfigEntry_source(ce) != RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG) continue;
      if (rd_kafka_ConfigEntry_is_sensitive(ce)) continue;
      const char* v = rd_kafka_ConfigEntry_value(ce);
      if (v == nullptr) continue;
      out[rd_kafka_ConfigEntry_name(ce)] = v;
    }
  }
  return out;
}

Result<std::map<std::string, std::string>> Admin::DescribeTopicsConfig(const std::vector<std::string>& topics,
                                                                       const std::string& name,
                                                                       std::chrono::milliseconds timeout) {
  std::map<std::string, std::string> out;
  if (topics.empty()) return out;
  std::vector<std::unique_ptr<rd_kafka_ConfigResource_t, ConfigResourceDeleter>> owned;
  std::vector<rd_kafka_ConfigResource_t*> arr;
  for (const auto& t : topics) {
    owned.emplace_back(rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, t.c_str()));
    arr.push_back(owned.back().get());
  }
  auto opts = internal::MakeAdminOptions(rk_.get(), RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, timeout);
  auto ev =
      Call([&](rd_kafka_queue_t* q) { rd_kafka_DescribeConfigs(rk_.get(), arr.data(), arr.size(), opts.get(), q); },
           RD_KAFKA_EVENT_DESCRIBECONFIGS_RESULT, timeout);
  if (!ev.ok()) return ev.status().Annotate("describe " + name + " of " + std::to_string(topics.size()) + " topic(s)");
  const rd_kafka_DescribeConfigs_result_t* result = rd_kafka_event_DescribeConfigs_result(ev->get());
  size_t nres = 0;
  const rd_kafka_ConfigResource_t** resources = rd_kafka_DescribeConfigs_result_resources(result, &nres);
  for (size_t i = 0; i < nres; ++i) {
    if (rd_kafka_ConfigResource_error(resources[i]) != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    size_t nentries = 0;
    const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(resources[i], &nentries);
    for (size_t j = 0; j < nentries; ++j) {
      const char* v = rd_kafka_ConfigEntry_value(entries[j]);
      if (v != nullptr && name == rd_kafka_ConfigEntry_name(entries[j])) {
        out[rd_kafka_ConfigResource_name(resources[i])] = v;
      }
    }
  }
  return out;
}

}  // namespace kmirror::kafka

namespace kmirror::kafka {

Status Admin::ReplaceTopicOverrides(const std::string& topic, const std::map<std::string, std::string>& configs,
                                    std::chrono::milliseconds timeout) {
  std::unique_ptr<rd_kafka_ConfigResource_t, ConfigResourceDeleter> res(
      rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str()));
  for (const auto& [k, v] : configs) {
    KM_RETURN_IF_ERROR(FromRdKafka(rd_kafka_ConfigResource_set_config(res.get(), k.c_str(), v.c_str()),
                                   "alter configs of " + topic + ": " + k));
  }
  auto opts = internal::MakeAdminOptions(rk_.get(), RD_KAFKA_ADMIN_OP_ALTERCONFIGS, timeout);
  rd_kafka_ConfigResource_t* arr[] = {res.get()};
  auto ev = Call([&](rd_kafka_queue_t* q) { rd_kafka_AlterConfigs(rk_.get(), arr, 1, opts.get(), q); },
                 RD_KAFKA_EVENT_ALTERCONFIGS_RESULT, timeout);
  if (!ev.ok()) return ev.status().Annotate("alter configs of " + topic);
  const rd_kafka_AlterConfigs_result_t* result = rd_kafka_event_AlterConfigs_result(ev->get());
  size_t n = 0;
  const rd_kafka_ConfigResource_t** resources = rd_kafka_AlterConfigs_result_resources(result, &n);
  for (size_t i = 0; i < n; ++i) {
    rd_kafka_resp_err_t e = rd_kafka_ConfigResource_error(resources[i]);
    const char* es = rd_kafka_ConfigResource_error_string(resources[i]);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) return FromRdKafka(e, "alter configs of " + topic, es ? es : "");
  }
  return Status::Ok();
}

}  // namespace kmirror::kafka

namespace kmirror::kafka {
namespace {

struct AclBindingDeleter {
  void operator()(rd_kafka_AclBinding_t* b) const { rd_kafka_AclBinding_destroy(b); }
};
using AclBindingPtr = std::unique_ptr<rd_kafka_AclBinding_t, AclBindingDeleter>;

rd_kafka_ResourceType_t ToRd(AclResource r) {
  switch (r) {
    case AclResource::kTopic:
      return RD_KAFKA_RESOURCE_TOPIC;
    case AclResource::kGroup:
      return RD_KAFKA_RESOURCE_GROUP;
    case AclResource::kCluster:
      return RD_KAFKA_RESOURCE_BROKER;  // Kafka's CLUSTER (4); librdkafka calls it BROKER
    case AclResource::kUnknown:
      break;
  }
  return RD_KAFKA_RESOURCE_UNKNOWN;
}

AclResource FromRd(rd_kafka_ResourceType_t r) {
  switch (r) {
    case RD_KAFKA_RESOURCE_TOPIC:
      return AclResource::kTopic;
    case RD_KAFKA_RESOURCE_GROUP:
      return AclResource::kGroup;
    case RD_KAFKA_RESOURCE_BROKER:
      return AclResource::kCluster;
    default:
      return AclResource::kUnknown;
  }
}

rd_kafka_ResourcePatternType_t ToRd(AclPattern p) {
  switch (p) {
    case AclPattern::kLiteral:
      return RD_KAFKA_RESOURCE_PATTERN_LITERAL;
    case AclPattern::kPrefixed:
      return RD_KAFKA_RESOURCE_PATTERN_PREFIXED;
    case AclPattern::kUnknown:
      break;
  }
  return RD_KAFKA_RESOURCE_PATTERN_UNKNOWN;
}

AclPattern FromRd(rd_kafka_ResourcePatternType_t p) {
  switch (p) {
    case RD_KAFKA_RESOURCE_PATTERN_LITERAL:
      return AclPattern::kLiteral;
    case RD_KAFKA_RESOURCE_PATTERN_PREFIXED:
      return AclPattern::kPrefixed;
    default:
      return AclPattern::kUnknown;
  }
}

// AclOperation and rd_kafka_AclOperation_t list the operations in the same order, from
// ALL (2) to IDEMPOTENT_WRITE (12); kUnknown is UNKNOWN (0).
rd_kafka_AclOperation_t ToRd(AclOperation o) {
  if (o == AclOperation::kUnknown) return RD_KAFKA_ACL_OPERATION_UNKNOWN;
  return static_cast<rd_kafka_AclOperation_t>(static_cast<int>(o) - static_cast<int>(AclOperation::kAll) +
                                              RD_KAFKA_ACL_OPERATION_ALL);
}

AclOperation FromRd(rd_kafka_AclOperation_t o) {
  if (o < RD_KAFKA_ACL_OPERATION_ALL || o > RD_KAFKA_ACL_OPERATION_IDEMPOTENT_WRITE) return AclOperation::kUnknown;
  return static_cast<AclOperation>(static_cast<int>(o) - RD_KAFKA_ACL_OPERATION_ALL +
                                   static_cast<int>(AclOperation::kAll));
}

rd_kafka_AclPermissionType_t ToRd(AclPermission p) {
  switch (p) {
    case AclPermission::kAllow:
      return RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW;
    case AclPermission::kDeny:
      return RD_KAFKA_ACL_PERMISSION_TYPE_DENY;
    case AclPermission::kUnknown:
      break;
  }
  return RD_KAFKA_ACL_PERMISSION_TYPE_UNKNOWN;
}

AclPermission FromRd(rd_kafka_AclPermissionType_t p) {
  switch (p) {
    case RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW:
      return AclPermission::kAllow;
    case RD_KAFKA_ACL_PERMISSION_TYPE_DENY:
      return AclPermission::kDeny;
    default:
      return AclPermission::kUnknown;
  }
}

const char* Text(const char* s) { return s != nullptr ? s : ""; }

}  // namespace

Result<std::vector<AclBinding>> Admin::DescribeTopicAcls(std::chrono::milliseconds timeout) {
  char err[512];
  AclBindingPtr filter(rd_kafka_AclBindingFilter_new(RD_KAFKA_RESOURCE_TOPIC, nullptr, RD_KAFKA_RESOURCE_PATTERN_ANY,
                                                     nullptr, nullptr, RD_KAFKA_ACL_OPERATION_ANY,
                                                     RD_KAFKA_ACL_PERMISSION_TYPE_ANY, err, sizeof err));
  if (!filter) return Internal("describe topic ACLs: " + std::string(err));
  auto opts = internal::MakeAdminOptions(rk_.get(), RD_KAFKA_ADMIN_OP_DESCRIBEACLS, timeout);
  auto ev = Call([&](rd_kafka_queue_t* q) { rd_kafka_DescribeAcls(rk_.get(), filter.get(), opts.get(), q); },
                 RD_KAFKA_EVENT_DESCRIBEACLS_RESULT, timeout);
  if (!ev.ok()) return ev.status().Annotate("describe topic ACLs");
  size_t n = 0;
  const rd_kafka_AclBinding_t** acls =
      rd_kafka_DescribeAcls_result_acls(rd_kafka_event_DescribeAcls_result(ev->get()), &n);
  std::vector<AclBinding> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const rd_kafka_AclBinding_t* a = acls[i];
    out.push_back({.resource = FromRd(rd_kafka_AclBinding_restype(a)),
                   .name = Text(rd_kafka_AclBinding_name(a)),
                   .pattern = FromRd(rd_kafka_AclBinding_resource_pattern_type(a)),
                   .principal = Text(rd_kafka_AclBinding_principal(a)),
                   .host = Text(rd_kafka_AclBinding_host(a)),
                   .operation = FromRd(rd_kafka_AclBinding_operation(a)),
                   .permission = FromRd(rd_kafka_AclBinding_permission_type(a))});
  }
  return out;
}

Status Admin::CreateAcls(const std::vector<AclBinding>& bindings, std::chrono::milliseconds timeout) {
  if (bindings.empty()) return Status::Ok();
  std::vector<AclBindingPtr> owned;
  std::vector<rd_kafka_AclBinding_t*> arr;
  for (const AclBinding& b : bindings) {
    char err[512];
    AclBindingPtr nb(rd_kafka_AclBinding_new(ToRd(b.resource), b.name.c_str(), ToRd(b.pattern), b.principal.c_str(),
                                             b.host.c_str(), ToRd(b.operation), ToRd(b.permission), err, sizeof err));
    if (!nb) return InvalidArgument("create ACL " + ToString(b) + ": " + err);
    arr.push_back(nb.get());
    owned.push_back(std::move(nb));
  }
  auto opts = internal::MakeAdminOptions(rk_.get(), RD_KAFKA_ADMIN_OP_CREATEACLS, timeout);
  auto ev = Call([&](rd_kafka_queue_t* q) { rd_kafka_CreateAcls(rk_.get(), arr.data(), arr.size(), opts.get(), q); },
                 RD_KAFKA_EVENT_CREATEACLS_RESULT, timeout);
  const std::string what = "create " + std::to_string(bindings.size()) + " ACL binding(s)";
  if (!ev.ok()) return ev.status().Annotate(what);
  size_t n = 0;
  const rd_kafka_acl_result_t** results =
      rd_kafka_CreateAcls_result_acls(rd_kafka_event_CreateAcls_result(ev->get()), &n);
  Status first;
  size_t refused = 0;
  for (size_t i = 0; i < n; ++i) {
    const rd_kafka_error_t* e = rd_kafka_acl_result_error(results[i]);
    if (e == nullptr || rd_kafka_error_code(e) == RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    ++refused;
    // Results come in the order of the request.
    if (first.ok()) {
      first = FromRdKafka(rd_kafka_error_code(e), i < bindings.size() ? "create ACL " + ToString(bindings[i]) : what,
                          Text(rd_kafka_error_string(e)));
    }
  }
  if (first.ok()) return first;
  return first.Annotate(std::to_string(refused) + " of " + std::to_string(bindings.size()) + " ACL binding(s) refused");
}

}  // namespace kmirror::kafka
