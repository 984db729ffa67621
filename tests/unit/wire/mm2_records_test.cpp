#include "kmirror/wire/mm2_records.h"

#include <string>

#include <gtest/gtest.h>

namespace kmirror::wire::mm2 {
namespace {

std::string Hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

std::string Unhex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

// Test vectors produced by MirrorMaker 2 itself (Kafka 3.8.1 jars from Maven Central, as
// fetched by `scripts/fetch-kafka.sh --with-mm2` into ~/.cache/kmirror/mm2-3.8.1/libs): a
// throwaway Java program built `new org.apache.kafka.connect.mirror.Checkpoint(group,
// new TopicPartition(topic, partition), upstream, downstream, metadata)` and
// `new OffsetSync(new TopicPartition(topic, partition), upstream, downstream)`, called their
// package-private recordKey()/recordValue() by reflection, and printed the bytes as hex
// (run with `java -cp '<libs>/*' Vec` on OpenJDK 17). Do not edit them by hand: regenerate.
struct CheckpointVector {
  const char* group;
  const char* topic;
  int32_t partition;
  int64_t upstream;
  int64_t downstream;
  const char* metadata;
  const char* key_hex;
  const char* value_hex;
};

const CheckpointVector kCheckpoints[] = {
    {"console-consumer-42", "orders", 7, 123456789012LL, 98765, "",
     "0013636f6e736f6c652d636f6e73756d65722d343200066f726465727300000007", "00000000001cbe991a1400000000000181cd0000"},
    // Non-ASCII: lengths are UTF-8 byte counts ("grp-\u00e9", "m\u20acta").
    {"grp-\xc3\xa9", "A.payments", 0, 0, 0,
     "m\xe2\x82\xac"
     "ta",
     "00066772702dc3a9000a412e7061796d656e747300000000", "00000000000000000000000000000000000000066de282ac7461"},
    {"g", "t", 2147483647, 9223372036854775807LL, 1, "x", "0001670001747fffffff",
     "00007fffffffffffffff0000000000000001000178"},
};

TEST(Mm2Checkpoint, EncodesExactlyLikeMirrorMaker2) {
  for (const auto& v : kCheckpoints) {
    SCOPED_TRACE(v.group);
    auto key = EncodeCheckpointKey(v.group, v.topic, Partition(v.partition));
    ASSERT_TRUE(key.ok()) << key.status().ToString();
    EXPECT_EQ(Hex(*key), v.key_hex);
    auto value = EncodeCheckpointValue(SourceOffset(v.upstream), TargetOffset(v.downstream), v.metadata);
    ASSERT_TRUE(value.ok()) << value.status().ToString();
    EXPECT_EQ(Hex(*value), v.value_hex);
  }
}

TEST(Mm2Checkpoint, DecodesMirrorMaker2sBytes) {
  for (const auto& v : kCheckpoints) {
    SCOPED_TRACE(v.group);
    auto key = DecodeCheckpointKey(Unhex(v.key_hex));
    ASSERT_TRUE(key.ok()) << key.status().ToString();
    EXPECT_EQ(*key, (CheckpointKey{v.group, v.topic, Partition(v.partition)}));
    auto value = DecodeCheckpointValue(Unhex(v.value_hex));
    ASSERT_TRUE(value.ok()) << value.status().ToString();
    EXPECT_EQ(*value, (CheckpointValue{SourceOffset(v.upstream), TargetOffset(v.downstream), v.metadata}));
  }
}

TEST(Mm2Checkpoint, RejectsWhatMirrorMaker2CannotRepresentOrRead) {
  EXPECT_EQ(EncodeCheckpointKey(std::string(32768, 'g'), "t", Partition(0)).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(EncodeCheckpointKey(std::string(32767, 'g'), "t", Partition(0)).ok());
  EXPECT_EQ(EncodeCheckpointValue(SourceOffset(0), TargetOffset(0), std::string(40000, 'm')).status().code(),
            StatusCode::kInvalidArgument);

  const std::string key = Unhex(kCheckpoints[0].key_hex);
  EXPECT_EQ(DecodeCheckpointKey(key.substr(0, key.size() - 1)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeCheckpointKey(Unhex("ffff")).status().code(), StatusCode::kInvalidArgument);  // negative length
  std::string value = Unhex(kCheckpoints[0].value_hex);
  EXPECT_EQ(DecodeCheckpointValue(value.substr(0, 10)).status().code(), StatusCode::kInvalidArgument);
  value[1] = 1;  // version 1: unknown layout
  EXPECT_EQ(DecodeCheckpointValue(value).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(DecodeCheckpointKey(key + "trailing").ok()) << "MM2 ignores trailing bytes too";
}

TEST(Mm2Checkpoint, TopicNameFollowsMirrorMaker2) {
  EXPECT_EQ(CheckpointsTopic("A"), "A.checkpoints.internal");
  // The second argument is what replication.policy.internal.topic.separator.enabled selects:
  // the flow's separator when true, "." when false.
  // DefaultReplicationPolicy.checkpointsTopic with a custom internal-topic separator.
  EXPECT_EQ(CheckpointsTopic("A", "_"), "A_checkpoints_internal");
  EXPECT_EQ(CheckpointsTopic("us-west", "__"), "us-west__checkpoints__internal");
}

// Same provenance as kCheckpoints: OffsetSync(new TopicPartition("orders", 3), 1000, 420).
TEST(Mm2OffsetSync, EncodesAndDecodesExactlyLikeMirrorMaker2) {
  const std::string key_hex = "00066f726465727300000003";
  const std::string value_hex = "00000000000003e800000000000001a4";
  auto key = EncodeOffsetSyncKey("orders", Partition(3));
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(Hex(*key), key_hex);
  EXPECT_EQ(Hex(EncodeOffsetSyncValue(SourceOffset(1000), TargetOffset(420))), value_hex);
  auto dk = DecodeOffsetSyncKey(Unhex(key_hex));
  ASSERT_TRUE(dk.ok());
  EXPECT_EQ(*dk, (OffsetSyncKey{"orders", Partition(3)}));
  auto dv = DecodeOffsetSyncValue(Unhex(value_hex));
  ASSERT_TRUE(dv.ok());
  EXPECT_EQ(*dv, (OffsetSyncValue{SourceOffset(1000), TargetOffset(420)}));
  EXPECT_FALSE(DecodeOffsetSyncValue(Unhex(value_hex).substr(0, 15)).ok());
}

}  // namespace
}  // namespace kmirror::wire::mm2
