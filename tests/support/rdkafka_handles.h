// RAII owners for raw librdkafka handles, for the test clients (client_internal.h and the
// test_*.cpp files). Tests verify kmirror with librdkafka used directly, never through the
// wrappers under test, so a bug in those wrappers cannot hide itself.
//
// Types only: each owner is used by one thread, like the handle it belongs to.
#pragma once

#include <librdkafka/rdkafka.h>

#include <map>
#include <memory>
#include <string>

namespace kmirror::test::rdk {

template <auto Destroy>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    if (p != nullptr) Destroy(p);
  }
};

using Handle = std::unique_ptr<rd_kafka_t, Deleter<rd_kafka_destroy>>;
using Conf = std::unique_ptr<rd_kafka_conf_t, Deleter<rd_kafka_conf_destroy>>;
using Queue = std::unique_ptr<rd_kafka_queue_t, Deleter<rd_kafka_queue_destroy>>;
using Event = std::unique_ptr<rd_kafka_event_t, Deleter<rd_kafka_event_destroy>>;
using Topic = std::unique_ptr<rd_kafka_topic_t, Deleter<rd_kafka_topic_destroy>>;
using Message = std::unique_ptr<rd_kafka_message_t, Deleter<rd_kafka_message_destroy>>;
using Error = std::unique_ptr<rd_kafka_error_t, Deleter<rd_kafka_error_destroy>>;
using Headers = std::unique_ptr<rd_kafka_headers_t, Deleter<rd_kafka_headers_destroy>>;
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, Deleter<rd_kafka_topic_partition_list_destroy>>;
using AdminOptions = std::unique_ptr<rd_kafka_AdminOptions_t, Deleter<rd_kafka_AdminOptions_destroy>>;
using NewTopic = std::unique_ptr<rd_kafka_NewTopic_t, Deleter<rd_kafka_NewTopic_destroy>>;
using DeleteTopic = std::unique_ptr<rd_kafka_DeleteTopic_t, Deleter<rd_kafka_DeleteTopic_destroy>>;
using NewPartitions = std::unique_ptr<rd_kafka_NewPartitions_t, Deleter<rd_kafka_NewPartitions_destroy>>;
using ConfigResource = std::unique_ptr<rd_kafka_ConfigResource_t, Deleter<rd_kafka_ConfigResource_destroy>>;
using DeleteRecords = std::unique_ptr<rd_kafka_DeleteRecords_t, Deleter<rd_kafka_DeleteRecords_destroy>>;

// metadata is const in librdkafka's API; the deleter needs the const overload.
struct MetadataDeleter {
  void operator()(const rd_kafka_metadata_t* md) const {
    if (md != nullptr) rd_kafka_metadata_destroy(md);
  }
};
using Metadata = std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter>;

}  // namespace kmirror::test::rdk
