// Group offsets for the test clients (test_groups.h), through a handle that never joins.
#include "support/test_groups.h"

#include <functional>
#include <thread>

#include "support/client_internal.h"

namespace kmirror::test {
namespace {

using namespace detail;

// A consumer handle whose group.id is `group`, only for OffsetFetch/OffsetCommit: it never
// subscribes, so it never joins the group.
//
// Not the admin API (ListConsumerGroupOffsets/AlterConsumerGroupOffsets): in librdkafka
// 2.0.2 those crash the process when the coordinator answers NOT_COORDINATOR, as it does
// for a group on a cluster that has no __consumer_offsets yet (the handler hands the error
// to the handle's consumer group, which an admin-only handle does not have).
Outcome<Client> NewGroupClient(const ClientConfig& client, const std::string& group) {
  return NewClient(RD_KAFKA_CONSUMER, client,
                   {{"group.id", group}, {"enable.auto.commit", "false"}, {"enable.auto.offset.store", "false"}});
}

// Coordinator errors that go away once __consumer_offsets is created and loaded.
bool CoordinatorNotReady(rd_kafka_resp_err_t err) {
  return err == RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE || err == RD_KAFKA_RESP_ERR_NOT_COORDINATOR ||
         err == RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS || err == RD_KAFKA_RESP_ERR__TIMED_OUT ||
         err == RD_KAFKA_RESP_ERR__WAIT_COORD || err == RD_KAFKA_RESP_ERR__TRANSPORT;
}

// Runs `op` until it succeeds, fails for good, or 30 s pass.
rd_kafka_resp_err_t RetryWhileCoordinatorNotReady(const std::function<rd_kafka_resp_err_t()>& op) {
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (true) {
    const rd_kafka_resp_err_t err = op();
    if (!CoordinatorNotReady(err) || std::chrono::steady_clock::now() > deadline) return err;
    std::this_thread::sleep_for(100ms);
  }
}

}  // namespace

Outcome<std::map<int32_t, int64_t>> CommittedOffsets(const ClientConfig& client, const std::string& group,
                                                     const std::string& topic) {
  auto rk = NewGroupClient(client, group);
  if (!rk.ok()) return Failure{rk.error()};
  auto md = FetchTopic(*rk, client, topic);
  if (!md.ok()) return Failure{md.error()};
  const auto* t = md->topic;
  rdk::PartitionList partitions(rd_kafka_topic_partition_list_new(t->partition_cnt));
  for (int p = 0; p < t->partition_cnt; ++p) {
    rd_kafka_topic_partition_list_add(partitions.get(), topic.c_str(), p);
  }
  const rd_kafka_resp_err_t err =
      RetryWhileCoordinatorNotReady([&] { return rd_kafka_committed(rk->get(), partitions.get(), 10000); });
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Failure{"committed offsets of group " + group + " on " + Describe(client) + ": " + ErrText(err)};
  }
  std::map<int32_t, int64_t> out;
  for (int i = 0; i < partitions->cnt; ++i) {
    const auto& tp = partitions->elems[i];
    if (tp.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Failure{"committed offset of group " + group + " for " + topic + "[" + std::to_string(tp.partition) +
                     "]: " + ErrText(tp.err)};
    }
    if (tp.offset >= 0) out[tp.partition] = tp.offset;  // RD_KAFKA_OFFSET_INVALID: none
  }
  return out;
}

AssertionResult CommitOffsets(const ClientConfig& client, const std::string& group, const std::string& topic,
                              const std::map<int32_t, int64_t>& offsets) {
  auto rk = NewGroupClient(client, group);
  if (!rk.ok()) return AssertionFailure() << rk.error();
  rdk::PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
  for (const auto& [p, offset] : offsets) {
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p)->offset = offset;
  }
  // A commit outside any generation, which the coordinator accepts while the group has no
  // members (like kafka-consumer-groups --reset-offsets).
  const rd_kafka_resp_err_t err =
      RetryWhileCoordinatorNotReady([&] { return rd_kafka_commit(rk->get(), list.get(), /*async=*/0); });
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return AssertionFailure() << "CommitOffsets " << group << " on " << Describe(client) << ": " << ErrText(err);
  }
  for (int i = 0; i < list->cnt; ++i) {
    if (list->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return AssertionFailure() << "CommitOffsets " << group << " " << topic << "[" << list->elems[i].partition
                                << "]: " << ErrText(list->elems[i].err);
    }
  }
  return AssertionSuccess();
}

AssertionResult DeleteGroupOffsets(const ClientConfig& client, const std::string& group, const std::string& topic,
                                   int partitions) {
  // The admin API, unlike above: the group exists (it has offsets), so its coordinator
  // answers and librdkafka 2.0.2's NOT_COORDINATOR crash cannot happen.
  auto rk = NewClient(RD_KAFKA_PRODUCER, client);
  if (!rk.ok()) return AssertionFailure() << rk.error();
  rdk::PartitionList list(rd_kafka_topic_partition_list_new(partitions));
  for (int p = 0; p < partitions; ++p) rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p);
  rd_kafka_DeleteConsumerGroupOffsets_t* del = rd_kafka_DeleteConsumerGroupOffsets_new(group.c_str(), list.get());
  rdk::Queue queue(rd_kafka_queue_new(rk->get()));
  rd_kafka_DeleteConsumerGroupOffsets(rk->get(), &del, 1, nullptr, queue.get());
  rd_kafka_DeleteConsumerGroupOffsets_destroy(del);
  rdk::Event event(rd_kafka_queue_poll(queue.get(), 40000));
  if (!event) return AssertionFailure() << "DeleteConsumerGroupOffsets " << group << ": no result";
  if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return AssertionFailure() << "DeleteConsumerGroupOffsets " << group << ": "
                              << rd_kafka_event_error_string(event.get());
  }
  size_t count = 0;
  const rd_kafka_group_result_t** results = rd_kafka_DeleteConsumerGroupOffsets_result_groups(
      rd_kafka_event_DeleteConsumerGroupOffsets_result(event.get()), &count);
  for (size_t i = 0; i < count; ++i) {
    if (const rd_kafka_error_t* err = rd_kafka_group_result_error(results[i]); err != nullptr) {
      return AssertionFailure() << "DeleteConsumerGroupOffsets " << group << ": " << rd_kafka_error_string(err);
    }
    const rd_kafka_topic_partition_list_t* parts = rd_kafka_group_result_partitions(results[i]);
    for (int j = 0; parts != nullptr && j < parts->cnt; ++j) {
      if (parts->elems[j].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return AssertionFailure() << "DeleteConsumerGroupOffsets " << group << " " << topic << "["
                                  << parts->elems[j].partition << "]: " << ErrText(parts->elems[j].err);
      }
    }
  }
  return AssertionSuccess();
}

}  // namespace kmirror::test
