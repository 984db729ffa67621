// Admin operations of the test clients (test_admin.h); every one waits for its result.
#include "support/test_admin.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <thread>

#include "support/client_internal.h"
#include "support/process.h"

namespace kmirror::test {
namespace {

using namespace detail;

// Bounds every admin request; the operations here finish in well under a second.
constexpr Millis kAdminTimeout = 30s;

// librdkafka's admin requests share one shape: (handle, items, item count, options, queue).
template <typename Item>
using AdminRequest = void (*)(rd_kafka_t*, Item**, size_t, const rd_kafka_AdminOptions_t*, rd_kafka_queue_t*);

// Runs one admin request for one item and returns its result event (with the request-level
// error checked; per-item errors are for the caller).
template <typename Item>
Outcome<rdk::Event> RunAdmin(rd_kafka_t* rk, rd_kafka_admin_op_t op_type, const char* what, AdminRequest<Item> request,
                             Item* item) {
  rdk::Queue queue(rd_kafka_queue_new(rk));
  rdk::AdminOptions options(rd_kafka_AdminOptions_new(rk, op_type));
  char errstr[512];
  if (rd_kafka_AdminOptions_set_request_timeout(options.get(), TimeoutMs(kAdminTimeout), errstr, sizeof errstr) !=
      RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Failure{std::string(what) + ": " + errstr};
  }
  // Only some operations support an operation timeout; ignore the error for the others.
  rd_kafka_AdminOptions_set_operation_timeout(options.get(), TimeoutMs(kAdminTimeout), errstr, sizeof errstr);
  Item* items[] = {item};
  request(rk, items, 1, options.get(), queue.get());
  // The request timeout bounds the operation; the extra second lets its result arrive.
  rdk::Event event(rd_kafka_queue_poll(queue.get(), TimeoutMs(kAdminTimeout + 1s)));
  if (!event) {
    return Failure{std::string(what) + ": no result within " + std::to_string(kAdminTimeout.count()) + " ms"};
  }
  if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Failure{std::string(what) + ": " + rd_kafka_event_error_string(event.get())};
  }
  return event;
}

AssertionResult CheckTopicResults(const rd_kafka_topic_result_t** results, size_t count, const std::string& what) {
  for (size_t i = 0; i < count; ++i) {
    const rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* msg = rd_kafka_topic_result_error_string(results[i]);
      return AssertionFailure() << what << ": " << rd_kafka_err2name(err) << ": "
                                << (msg != nullptr ? msg : rd_kafka_err2str(err));
    }
  }
  return AssertionSuccess();
}

// "ERR (text): message" of a config resource's result, or "" if it has none.
std::string ConfigResourceError(const rd_kafka_ConfigResource_t* result) {
  const rd_kafka_resp_err_t err = rd_kafka_ConfigResource_error(result);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return {};
  const char* msg = rd_kafka_ConfigResource_error_string(result);
  return ErrText(err) + (msg != nullptr ? std::string(": ") + msg : "");
}

// True once the topic has exactly `partitions` partitions, each with a leader.
bool TopicReady(const rd_kafka_metadata_t& md, std::string_view topic, int partitions) {
  const auto* t = FindTopic(md, topic);
  if (t == nullptr || t->err != RD_KAFKA_RESP_ERR_NO_ERROR || t->partition_cnt != partitions) {
    return false;
  }
  for (int i = 0; i < t->partition_cnt; ++i) {
    if (t->partitions[i].err != RD_KAFKA_RESP_ERR_NO_ERROR || t->partitions[i].leader < 0) {
      return false;
    }
  }
  return true;
}

// Polls metadata until `ready` holds (or 30 s pass).
AssertionResult WaitForMetadata(const Client& rk, const std::string& what,
                                const std::function<bool(const rd_kafka_metadata_t&)>& ready, Millis timeout = 30s) {
  std::string last_error;
  const bool ok = WaitUntil(
      [&] {
        auto md = FetchMetadata(rk, 5s);
        if (!md.ok()) {
          last_error = md.error();
          return false;
        }
        return ready(**md);
      },
      timeout, 50ms);
  if (ok) return AssertionSuccess();
  return AssertionFailure() << "timed out after " << timeout.count() << " ms waiting for " << what
                            << (last_error.empty() ? "" : " (last error: " + last_error + ")");
}

// The topic's overrides, asked on an existing handle (AlterTopicConfigs reuses its own).
Outcome<Props> DescribeTopicConfigsWith(rd_kafka_t* rk, const std::string& topic) {
  rdk::ConfigResource resource(rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str()));
  auto event =
      RunAdmin(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, "DescribeConfigs", rd_kafka_DescribeConfigs, resource.get());
  if (!event.ok()) return Failure{event.error()};
  size_t count = 0;
  const auto** results =
      rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(event->get()), &count);
  if (count != 1) return Failure{"DescribeConfigs " + topic + ": no result"};
  if (const std::string error = ConfigResourceError(results[0]); !error.empty()) {
    return Failure{"DescribeConfigs " + topic + ": " + error};
  }
  size_t entry_count = 0;
  const auto** entries = rd_kafka_ConfigResource_configs(results[0], &entry_count);
  Props out;
  for (size_t i = 0; i < entry_count; ++i) {
    if (rd_kafka_ConfigEntry_source(entries[i]) != RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG) continue;
    const char* value = rd_kafka_ConfigEntry_value(entries[i]);
    out[rd_kafka_ConfigEntry_name(entries[i])] = value != nullptr ? value : "";
  }
  return out;
}

}  // namespace

// ---- Cluster ---------------------------------------------------------------------------

Outcome<std::vector<int32_t>> BrokerIds(const ClientConfig& client, Millis timeout) {
  auto rk = NewClient(RD_KAFKA_PRODUCER, client);
  if (!rk.ok()) return Failure{rk.error()};
  // all_topics=0 and no topic: a metadata request for no topics, which still lists brokers.
  auto md = FetchMetadata(*rk, timeout, /*all_topics=*/false);
  if (!md.ok()) return Failure{md.error() + " on " + Describe(client)};
  std::vector<int32_t> ids;
  for (int i = 0; i < (*md)->broker_cnt; ++i) ids.push_back((*md)->brokers[i].id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

// ---- Topics ----------------------------------------------------------------------------

AssertionResult CreateTopic(const ClientConfig& client, const std::string& topic, int partitions,
                            int replication_factor, const Props& configs) {
  auto rk = NewClient(RD_KAFKA_PRODUCER, client);
  if (!rk.ok()) return AssertionFailure() << rk.error();
  char errstr[512];
  rdk::NewTopic new_topic(rd_kafka_NewTopic_new(topic.c_str(), partitions, replication_factor, errstr, sizeof errstr));
  if (!new_topic) return AssertionFailure() << "CreateTopic " << topic << ": " << errstr;
  for (const auto& [k, v] : configs) {
    if (rd_kafka_NewTopic_set_config(new_topic.get(), k.c_str(), v.c_str()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return AssertionFailure() << "CreateTopic " << topic << ": bad config " << k;
    }
  }
  auto event =
      RunAdmin(rk->get(), RD_KAFKA_ADMIN_OP_CREATETOPICS, "CreateTopics", rd_kafka_CreateTopics, new_topic.get());
  if (!event.ok()) return AssertionFailure() << event.error();
  size_t count = 0;
  const auto** results = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event->get()), &count);
  if (auto r = CheckTopicResults(results, count, "CreateTopic " + topic + " on " + Describe(client)); !r) {
    return r;
  }
  auto ready =
      WaitForMetadata(*rk, "topic " + topic + " to have " + std::to_string(partitions) + " partitions with leaders",
                      [&](const rd_kafka_metadata_t& md) { return TopicReady(md, topic, partitions); });
  if (!ready) return ready;
  // And each leader serves the partition's log (ListOffsets answers): the stamped producers
  // start right after this, and twice their first acknowledged records of a just-created
  // topic were missing from it (SigstopPastTheSessionTimeout, the cluster zombie test).
  for (int p = 0; p < partitions; ++p) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (;;) {
      int64_t low = 0, high = 0;
      const rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(rk->get(), topic.c_str(), p, &low, &high, 5000);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (std::chrono::steady_clock::now() >= until) {
        return AssertionFailure() << "CreateTopic " << topic << ": partition " << p
                                  << " does not answer ListOffsets: " << rd_kafka_err2name(err);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  return AssertionSuccess();
}

AssertionResult DeleteTopic(const ClientConfig& client, const std::string& topic) {
  auto rk = NewClient(RD_KAFKA_PRODUCER, client);
  if (!rk.ok()) return AssertionFailure() << rk.error();
  rdk::DeleteTopic del(rd_kafka_DeleteTopic_new(topic.c_str()));
  auto event = RunAdmin(rk->get(), RD_KAFKA_ADMIN_OP_DELETETOPICS, "DeleteTopics", rd_kafka_DeleteTopics, del.get());
  if (!event.ok()) return AssertionFailure() << event.error();
  size_t count = 0;
  const auto** results = rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(event->get()), &count);
  if (auto r = CheckTopicResults(results, count, "DeleteTopic " + topic + " on " + Describe(client)); !r) {
    return r;
  }
  return WaitForMetadata(*rk, "topic " + topic + " to disappear",
                         [&](const rd_kafka_metadata_t& md) { return FindTopic(md, topic) == nullptr; });
}

AssertionResult CreatePartitions(const ClientConfig& client, const std::string& topic, int total_partitions) {
  auto rk = NewClient(RD_KAFKA_PRODUCER, client);
  if (!rk.ok()) return AssertionFailure() << rk.error();
  char errstr[512];
  rdk::NewPartitions np(
      rd_kafka_NewPartitions_new(topic.c_str(), static_cast<size_t>(total_partitions), errstr, sizeof errstr));
  if (!np) return AssertionFailure() << "CreatePartitions " << topic << ": " << errstr;
  auto event =
      RunAdmin(rk->get(), RD_KAFKA_ADMIN_OP_CREATEPARTITIONS, "CreatePartitions", rd_kafka_CreatePartitions, np.get());
  if (!event.ok()) return AssertionFailure() << event.error();
  size_t count = 0;
  const auto** results =
      rd_kafka_CreatePartitions_result_topics(rd_kafka_event_CreatePartitions_result(event->get()), &count);
  if (auto r = CheckTopicResults(results, count, "CreatePartitions " + topic); !r) return r;
  return WaitForMetadata(*rk, "topic " + topic + " to have " + std::to_string(total_partitions) + " partitions",
                         [&](const rd_kafka_metadata_t& md) { return TopicReady(md, topic, total_partitions); });
}

Outcome<std::vector<std::string>> ListTopics(const ClientConfig& client, bool include_internal) {
  auto rk = NewClient(RD_KAFKA_PRODUCER, client);
  if (!rk.ok()) return Failure{rk.error()};
  auto md = FetchMetadata(*rk);
  if (!md.ok()) return Failure{md.error() + " on " + Describe(client)};
  std::vector<std::string> names;
  for (int i = 0; i < (*md)->topic_cnt; ++i) {
    std::string name = (*md)->topics[i].topic;
    // Kafka's internal topics start with "__" (__consumer_offsets, __transaction_state).
    if (!include_internal && name.starts_with("__")) continue;
    names.push_back(std::move(name));
  }
  std::sort(names.begin(), names.end());
  return names;
}

Outcome<int> PartitionCount(const ClientConfig& client, const std::string& topic) {
  auto rk = NewClient(RD_KAFKA_PRODUCER, client);
  if (!rk.ok()) return Failure{rk.error()};
  auto md = FetchTopic(*rk, client, topic);
  if (!md.ok()) return Failure{md.error()};
  const auto* t = md->topic;
  if (t->err != RD_KAFKA_RESP_ERR_NO_ERROR) return Failure{"topic " + topic + ": " + ErrText(t->err)};
  return t->partition_cnt;
}

Outcome<Props> DescribeTopicConfigs(const ClientConfig& client, const std::string& topic) {
  auto rk = NewClient(RD_KAFKA_PRODUCER, client);
  if (!rk.ok()) return Failure{rk.error()};
  return DescribeTopicConfigsWith(rk->get(), topic);
}

AssertionResult AlterTopicConfigs(const ClientConfig& client, const std::string& topic,
                                  const std::map<std::string, std::optional<std::string>>& changes) {
  auto rk = NewClient(RD_KAFKA_PRODUCER, client);
  if (!rk.ok()) return AssertionFailure() << rk.error();
  auto current = DescribeTopicConfigsWith(rk->get(), topic);
  if (!current.ok()) return AssertionFailure() << current.error();
  Props merged = *current;
  for (const auto& [k, v] : changes) {
    if (v) {
      merged[k] = *v;
    } else {
      merged.erase(k);
    }
  }
  rdk::ConfigResource resource(rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str()));
  for (const auto& [k, v] : merged) {
    if (rd_kafka_ConfigResource_set_config(resource.get(), k.c_str(), v.c_str()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return AssertionFailure() << "AlterTopicConfigs " << topic << ": bad config " << k;
    }
  }
  auto event =
      RunAdmin(rk->get(), RD_KAFKA_ADMIN_OP_ALTERCONFIGS, "AlterConfigs", rd_kafka_AlterConfigs, resource.get());
  if (!event.ok()) return AssertionFailure() << event.error();
  size_t count = 0;
  const auto** results =
      rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(event->get()), &count);
  for (size_t i = 0; i < count; ++i) {
    if (const std::string error = ConfigResourceError(results[i]); !error.empty()) {
      return AssertionFailure() << "AlterTopicConfigs " << topic << ": " << error;
    }
  }
  return AssertionSuccess();
}

// ---- Records ---------------------------------------------------------------------------

AssertionResult DeleteRecords(const ClientConfig& client, const std::string& topic, int32_t partition,
                              int64_t before_offset) {
  auto rk = NewClient(RD_KAFKA_PRODUCER, client);
  if (!rk.ok()) return AssertionFailure() << rk.error();
  rdk::PartitionList offsets(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(offsets.get(), topic.c_str(), partition)->offset = before_offset;
  rdk::DeleteRecords del(rd_kafka_DeleteRecords_new(offsets.get()));
  auto event = RunAdmin(rk->get(), RD_KAFKA_ADMIN_OP_DELETERECORDS, "DeleteRecords", rd_kafka_DeleteRecords, del.get());
  if (!event.ok()) return AssertionFailure() << event.error();
  const rd_kafka_topic_partition_list_t* result =
      rd_kafka_DeleteRecords_result_offsets(rd_kafka_event_DeleteRecords_result(event->get()));
  for (int i = 0; result != nullptr && i < result->cnt; ++i) {
    if (result->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return AssertionFailure() << "DeleteRecords " << topic << "[" << result->elems[i].partition << "] before "
                                << before_offset << ": " << ErrText(result->elems[i].err);
    }
  }
  return AssertionSuccess();
}

}  // namespace kmirror::test

// ---- ACLs ------------------------------------------------------------------------------

namespace kmirror::test {
namespace {

using namespace detail;
using AclBindingPtr = std::unique_ptr<rd_kafka_AclBinding_t, rdk::Deleter<rd_kafka_AclBinding_destroy>>;

// Kafka's name -> librdkafka's enum value, by librdkafka's own names for its values.
template <typename Enum>
std::optional<Enum> EnumNamed(const std::string& name, const char* (*name_of)(Enum), int count) {
  for (int i = 0; i < count; ++i) {
    if (name == name_of(static_cast<Enum>(i))) return static_cast<Enum>(i);
  }
  return std::nullopt;
}

}  // namespace

std::string ToString(const TopicAcl& acl) {
  return acl.permission + " " + acl.principal + " from " + acl.host + " " + acl.operation + " on " + acl.pattern + " " +
         acl.name;
}

void PrintTo(const TopicAcl& acl, std::ostream* os) { *os << ToString(acl); }

AssertionResult CreateTopicAcls(const ClientConfig& client, const std::vector<TopicAcl>& acls) {
  auto rk = NewClient(RD_KAFKA_PRODUCER, client);
  if (!rk.ok()) return AssertionFailure() << rk.error();
  std::vector<AclBindingPtr> owned;
  std::vector<rd_kafka_AclBinding_t*> items;
  for (const TopicAcl& acl : acls) {
    auto pattern = EnumNamed(acl.pattern, rd_kafka_ResourcePatternType_name, RD_KAFKA_RESOURCE_PATTERN_TYPE__CNT);
    auto operation = EnumNamed(acl.operation, rd_kafka_AclOperation_name, RD_KAFKA_ACL_OPERATION__CNT);
    auto permission = EnumNamed(acl.permission, rd_kafka_AclPermissionType_name, RD_KAFKA_ACL_PERMISSION_TYPE__CNT);
    if (!pattern || !operation || !permission) return AssertionFailure() << "bad test ACL " << ToString(acl);
    char errstr[512];
    AclBindingPtr b(rd_kafka_AclBinding_new(RD_KAFKA_RESOURCE_TOPIC, acl.name.c_str(), *pattern, acl.principal.c_str(),
                                            acl.host.c_str(), *operation, *permission, errstr, sizeof errstr));
    if (!b) return AssertionFailure() << "AclBinding " << ToString(acl) << ": " << errstr;
    items.push_back(b.get());
    owned.push_back(std::move(b));
  }
  rdk::Queue queue(rd_kafka_queue_new(rk->get()));
  rdk::AdminOptions options(rd_kafka_AdminOptions_new(rk->get(), RD_KAFKA_ADMIN_OP_CREATEACLS));
  char errstr[512];
  rd_kafka_AdminOptions_set_request_timeout(options.get(), TimeoutMs(kAdminTimeout), errstr, sizeof errstr);
  rd_kafka_CreateAcls(rk->get(), items.data(), items.size(), options.get(), queue.get());
  rdk::Event event(rd_kafka_queue_poll(queue.get(), TimeoutMs(kAdminTimeout + 1s)));
  if (!event) return AssertionFailure() << "CreateAcls: no result";
  if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return AssertionFailure() << "CreateAcls: " << rd_kafka_event_error_string(event.get());
  }
  size_t count = 0;
  const rd_kafka_acl_result_t** results =
      rd_kafka_CreateAcls_result_acls(rd_kafka_event_CreateAcls_result(event.get()), &count);
  for (size_t i = 0; i < count; ++i) {
    const rd_kafka_error_t* e = rd_kafka_acl_result_error(results[i]);
    if (e != nullptr && rd_kafka_error_code(e) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return AssertionFailure() << "CreateAcls " << (i < acls.size() ? ToString(acls[i]) : "?") << ": "
                                << rd_kafka_error_name(e) << ": " << rd_kafka_error_string(e);
    }
  }
  return AssertionSuccess();
}

Outcome<std::vector<TopicAcl>> DescribeTopicAcls(const ClientConfig& client) {
  auto rk = NewClient(RD_KAFKA_PRODUCER, client);
  if (!rk.ok()) return Failure{rk.error()};
  char errstr[512];
  AclBindingPtr filter(rd_kafka_AclBindingFilter_new(RD_KAFKA_RESOURCE_TOPIC, nullptr, RD_KAFKA_RESOURCE_PATTERN_ANY,
                                                     nullptr, nullptr, RD_KAFKA_ACL_OPERATION_ANY,
                                                     RD_KAFKA_ACL_PERMISSION_TYPE_ANY, errstr, sizeof errstr));
  if (!filter) return Failure{std::string("AclBindingFilter: ") + errstr};
  rdk::Queue queue(rd_kafka_queue_new(rk->get()));
  rdk::AdminOptions options(rd_kafka_AdminOptions_new(rk->get(), RD_KAFKA_ADMIN_OP_DESCRIBEACLS));
  rd_kafka_AdminOptions_set_request_timeout(options.get(), TimeoutMs(kAdminTimeout), errstr, sizeof errstr);
  rd_kafka_DescribeAcls(rk->get(), filter.get(), options.get(), queue.get());
  rdk::Event event(rd_kafka_queue_poll(queue.get(), TimeoutMs(kAdminTimeout + 1s)));
  if (!event) return Failure{"DescribeAcls: no result"};
  if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Failure{std::string("DescribeAcls: ") + rd_kafka_event_error_string(event.get())};
  }
  size_t count = 0;
  const rd_kafka_AclBinding_t** acls =
      rd_kafka_DescribeAcls_result_acls(rd_kafka_event_DescribeAcls_result(event.get()), &count);
  std::vector<TopicAcl> out;
  for (size_t i = 0; i < count; ++i) {
    out.push_back({.pattern = rd_kafka_ResourcePatternType_name(rd_kafka_AclBinding_resource_pattern_type(acls[i])),
                   .name = rd_kafka_AclBinding_name(acls[i]),
                   .principal = rd_kafka_AclBinding_principal(acls[i]),
                   .host = rd_kafka_AclBinding_host(acls[i]),
                   .operation = rd_kafka_AclOperation_name(rd_kafka_AclBinding_operation(acls[i])),
                   .permission = rd_kafka_AclPermissionType_name(rd_kafka_AclBinding_permission_type(acls[i]))});
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace kmirror::test
