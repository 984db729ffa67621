#include "kmirror/common/status.h"

#include <gtest/gtest.h>

#include "kmirror/kafka/errors.h"

namespace kmirror {
namespace {

TEST(Status, CarriesCodeMessageAndRetriability) {
  Status s = Unavailable("broker down");
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(s.retriable());
  EXPECT_EQ(s.ToString(), "Unavailable: broker down (retriable)");
  Status a = s.Annotate("A->B");
  EXPECT_EQ(a.message(), "A->B: broker down");
  EXPECT_TRUE(a.retriable());
}

TEST(Result, HoldsValueOrStatus) {
  Result<int> ok(5);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 5);
  Result<int> bad(NotFound("nope"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kNotFound);
}

TEST(KafkaErrors, MapsByMeaning) {
  EXPECT_TRUE(kafka::FromRdKafka(RD_KAFKA_RESP_ERR_NO_ERROR, "x").ok());
  Status t = kafka::FromRdKafka(RD_KAFKA_RESP_ERR__TRANSPORT, "fetch");
  EXPECT_EQ(t.code(), StatusCode::kUnavailable);
  EXPECT_TRUE(t.retriable());
  Status d = kafka::FromRdKafka(RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE, "fetch");
  EXPECT_EQ(d.code(), StatusCode::kDataLoss);
  EXPECT_FALSE(d.retriable());
  Status e = kafka::FromRdKafka(RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS, "create");
  EXPECT_EQ(e.code(), StatusCode::kAlreadyExists);
  EXPECT_NE(e.message().find("TOPIC_ALREADY_EXISTS"), std::string::npos);
}

}  // namespace
}  // namespace kmirror
