// Internal to the kafka module: running one librdkafka admin request on a private queue and
// waiting for its result event. Shared by Admin, GroupAdmin and Consumer.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "kmirror/common/status.h"
#include "kmirror/kafka/client.h"
#include "kmirror/kafka/groups.h"

namespace kmirror::kafka::internal {

struct AdminOptionsDeleter {
  void operator()(rd_kafka_AdminOptions_t* o) const { rd_kafka_AdminOptions_destroy(o); }
};
using AdminOptionsPtr = std::unique_ptr<rd_kafka_AdminOptions_t, AdminOptionsDeleter>;

// Options for `op` with the request (and, for topic operations, operation) timeout set.
AdminOptionsPtr MakeAdminOptions(rd_kafka_t* rk, rd_kafka_admin_op_t op, std::chrono::milliseconds timeout);

// Calls `issue` with a fresh queue, waits for the reply event and checks its type and
// request-level error. `name` prefixes error messages.
Result<EventPtr> RunAdminRequest(rd_kafka_t* rk, const std::string& name,
                                 const std::function<void(rd_kafka_queue_t*)>& issue, rd_kafka_event_type_t expected,
                                 std::chrono::milliseconds timeout);

// Every committed offset of `group` (ListConsumerGroupOffsets), through any client handle.
// librdkafka 2.0.2 crashes on it while the cluster has no __consumer_offsets topic yet:
// callers make sure the group exists first (see groups.h).
Result<std::vector<GroupOffset>> ListGroupOffsets(rd_kafka_t* rk, const std::string& name, const std::string& group,
                                                  std::chrono::milliseconds timeout);

}  // namespace kmirror::kafka::internal
