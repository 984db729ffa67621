#include <gtest/gtest.h>

#include "kmirror/kafka/errors.h"
#include "kmirror/kafka/producer.h"

namespace kmirror::kafka {
namespace {

TEST(DeliveryErrorOf, SizeErrorsAreTooLarge) {
  EXPECT_EQ(DeliveryErrorOf(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE), DeliveryError::kTooLarge);
  EXPECT_EQ(DeliveryErrorOf(RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE), DeliveryError::kTooLarge);
}

TEST(DeliveryErrorOf, RecordsTheTargetRefusesAreInvalid) {
  EXPECT_EQ(DeliveryErrorOf(RD_KAFKA_RESP_ERR_INVALID_RECORD), DeliveryError::kInvalid);
  EXPECT_EQ(DeliveryErrorOf(RD_KAFKA_RESP_ERR_INVALID_MSG), DeliveryError::kInvalid);
  EXPECT_EQ(DeliveryErrorOf(RD_KAFKA_RESP_ERR_INVALID_TIMESTAMP), DeliveryError::kInvalid);
}

TEST(DeliveryErrorOf, RefusedTopicsAreNotAllowed) {
  EXPECT_EQ(DeliveryErrorOf(RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED), DeliveryError::kNotAllowed);
  EXPECT_EQ(DeliveryErrorOf(RD_KAFKA_RESP_ERR_POLICY_VIOLATION), DeliveryError::kNotAllowed);
}

TEST(DeliveryErrorOf, TransientErrorsAreRetriable) {
  for (auto e :
       {RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE,
        RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
        RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND, RD_KAFKA_RESP_ERR__TRANSPORT,
        RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION}) {
    EXPECT_EQ(DeliveryErrorOf(e), DeliveryError::kRetriable) << rd_kafka_err2name(e);
  }
  EXPECT_EQ(DeliveryErrorOf(RD_KAFKA_RESP_ERR_NO_ERROR), DeliveryError::kNone);
}

}  // namespace
}  // namespace kmirror::kafka
