// The one mapping from librdkafka error codes into kmirror::Status.
#pragma once

#include <string_view>

#include <librdkafka/rdkafka.h>

#include "kmirror/common/status.h"

namespace kmirror::kafka {

// OK for RD_KAFKA_RESP_ERR_NO_ERROR; otherwise a Status whose code and retriability follow
// the error's meaning (e.g. broker transport failures are Unavailable and retriable,
// offset-out-of-range is DataLoss). `context` says what was being done.
Status FromRdKafka(rd_kafka_resp_err_t err, std::string_view context, std::string_view detail = {});

// Whether `s` came from librdkafka error `name` ("SECURITY_DISABLED"): FromRdKafka ends every
// message with the error's name in parentheses.
bool IsKafkaError(const Status& s, std::string_view name);

// Same, for librdkafka's rich error objects (which know their own retriability). Takes
// ownership of `error` and destroys it.
Status FromRdKafkaError(rd_kafka_error_t* error, std::string_view context);

// What a delivery report's error means for the record (producer.h). Unknown topic or
// partition is retriable: the flow's topic sync re-creates a remote topic that was deleted.
enum class DeliveryError;
DeliveryError DeliveryErrorOf(rd_kafka_resp_err_t err);

}  // namespace kmirror::kafka
