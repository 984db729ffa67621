#include "kmirror/kafka/property_check.h"

#include <librdkafka/rdkafka.h>

#include "kmirror/common/strings.h"
#include "kmirror/kafka/client.h"

namespace kmirror::kafka {

Status CheckClientProperty(const std::string& name, const std::string& value) {
  ConfPtr conf(rd_kafka_conf_new());
  char err[512] = {};
  if (rd_kafka_conf_set(conf.get(), name.c_str(), value.c_str(), err, sizeof(err)) == RD_KAFKA_CONF_OK) {
    return Status::Ok();
  }
  return InvalidArgument("librdkafka rejects it: " + Trim(err, " \n"));
}

}  // namespace kmirror::kafka
