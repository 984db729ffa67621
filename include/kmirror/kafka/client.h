// Building librdkafka clients from kmirror's resolved client properties, with librdkafka's
// own log lines routed into the "kafka" spdlog logger (tagged with the client's name, and in
// JSON lines with the flow of the thread that created the client: logging.h), optionally
// librdkafka's statistics for the metrics endpoint (statistics.h), and the handle types
// shared by the Producer, Consumer and Admin wrappers.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <librdkafka/rdkafka.h>

#include "kmirror/common/status.h"
#include "kmirror/common/types.h"
#include "kmirror/kafka/props.h"
#include "kmirror/kafka/statistics.h"

namespace kmirror::kafka {

// rd_kafka_destroy, and forgets what MakeHandle registered for the handle.
void DestroyHandle(rd_kafka_t* rk);

struct HandleDeleter {
  void operator()(rd_kafka_t* rk) const { DestroyHandle(rk); }
};
using HandlePtr = std::unique_ptr<rd_kafka_t, HandleDeleter>;

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
};
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;

struct TopicDeleter {
  void operator()(rd_kafka_topic_t* t) const { rd_kafka_topic_destroy(t); }
};
using TopicPtr = std::unique_ptr<rd_kafka_topic_t, TopicDeleter>;

struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};
using PartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

struct QueueDeleter {
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
};
using QueuePtr = std::unique_ptr<rd_kafka_queue_t, QueueDeleter>;

struct EventDeleter {
  void operator()(rd_kafka_event_t* e) const { rd_kafka_event_destroy(e); }
};
using EventPtr = std::unique_ptr<rd_kafka_event_t, EventDeleter>;

// A partition list naming `tps` (offsets unset).
PartitionListPtr MakePartitionList(const std::vector<TopicPartition>& tps);

// A librdkafka configuration with `props` applied and logging routed to spdlog. `name`
// becomes client.id unless the props set one, and tags every log line of the client.
Result<ConfPtr> MakeConf(const ClientProps& props, const std::string& name);

// The librdkafka version the process runs on ("2.0.2").
std::string LibraryVersion();

// Creates the handle; on success librdkafka owns `conf`. With a non-empty `statistics` tag
// and statistics enabled on the board (StatisticsBoard::SetInterval), the client reports
// librdkafka's statistics every interval into the board: only for clients whose owner polls
// them regularly (the report is served by the owner's Poll).
Result<HandlePtr> MakeHandle(rd_kafka_type_t type, ConfPtr conf, const StatisticsTag& statistics = {});

}  // namespace kmirror::kafka
