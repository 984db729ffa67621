// Asks librdkafka whether it accepts a configuration property, without creating a client.
// The config module uses it so that a typo in a property name or value is reported at
// start-up with the file and line it came from, instead of failing later when a client is
// built (raw rd_kafka_* calls are kept inside src/kafka, hence this small bridge).
#pragma once

#include <string>

#include "kmirror/common/status.h"

namespace kmirror::kafka {

// OK when librdkafka (the linked version) knows `name` and accepts `value` for it; otherwise
// InvalidArgument carrying librdkafka's own explanation (unknown property, value out of
// range, feature not built in, ...). Cross-property rules that librdkafka only checks when a
// client is created (e.g. idempotence constraints) are not covered.
Status CheckClientProperty(const std::string& name, const std::string& value);

}  // namespace kmirror::kafka
