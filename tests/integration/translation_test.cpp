// Offset translation end to end (issue 4): a real kmirror mirrors A -> B, its index is fed
// from the offset-sync log on B, and the answers come over gRPC.
//   - exact translation across source gaps (a compacted topic, aborted transactions);
//   - checkpoints in A.checkpoints.internal: MM2's layout, matching the API's answers, group
//     offsets synced to B without ever rewinding;
//   - `kmirror failover` commits the translated offsets on B, refuses while the group has
//     active members there;
//   - the API over mutual TLS; failover refusing a group active on the source or a move
//     backwards;
//   - the index rebuilt from the log after its directory was deleted, "not ready" until then.
//   - MM2's own RemoteClusterUtils (its 3.8.1 jars, run by java) finding kmirror's
//     checkpoints under a custom replication.policy.separator.
// Remote topics on B get a few records of another writer before kmirror starts, so target
// offsets differ from source offsets and an identity answer would fail.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>
#include <thread>

#include "api_test_util.h"
#include "kmirror/wire/mm2_records.h"
#include "support/kafka_env.h"
#include "support/kmirror_runner.h"
#include "support/rdkafka_handles.h"
#include "support/test_pki.h"

namespace kmirror::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// A's log cleaner looks for work often, so the compaction test does not wait 15 s a round.
const auto* const kKafka =
    KafkaEnv::Register({{.name = "A", .broker_properties = {{"log.cleaner.backoff.ms", "300"}}}, {.name = "B"}});

constexpr int kForeignRecords = 7;  // another writer's records at the start of each remote partition

// Creates `remote` on B with `partitions` partitions holding kForeignRecords each.
void PrepareRemote(KafkaCluster& b, const std::string& remote, int partitions) {
  ASSERT_TRUE(CreateTopic(b.client(), remote, partitions));
  std::vector<Record> foreign;
  for (int p = 0; p < partitions; ++p) {
    for (int i = 0; i < kForeignRecords; ++i) foreign.push_back({.partition = p, .key = "x", .value = "foreign"});
  }
  ASSERT_TRUE(Produce(b.client(), remote, foreign));
}

std::string Config(KafkaCluster& a, KafkaCluster& b, const std::string& topics, const std::string& group,
                   std::vector<std::string> extra = {}) {
  return FlowConfig("A", a.bootstrap(), "B", b.bootstrap(), topics, group, extra);
}

// Waits until the API answers (the index is ready) for a partition that has mirrored data.
::testing::AssertionResult WaitReady(ApiClient& api, const std::string& topic, ChildProcess& km) {
  grpc::Status last;
  if (WaitUntil(
          [&] {
            v1::OffsetTranslation t;
            last = api.TranslateOffset(topic, 0, 0, &t);
            return last.ok();
          },
          seconds(60), milliseconds(200))) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "API never answered for " << topic << ": " << last.error_code() << " "
                                       << last.error_message() << "\n"
                                       << km.OutputTail(30);
}

// Checks every source offset of `topic` (partition 0) against ground truth read from both
// clusters: a mirrored record maps to the offset of its copy on B (matched by its unique
// value), an offset in a gap to the next mirrored record, one past the end to the end.
void ExpectExactTranslation(ApiClient& api, KafkaCluster& a, KafkaCluster& b, const std::string& topic) {
  auto src = ConsumeAll(a.client(), topic, 0).value();
  auto dst = ConsumeAll(b.client(), "A." + topic, 0).value();
  std::map<std::string, int64_t> target_of_value;
  for (const auto& r : dst) target_of_value[r.value.value_or("")] = r.offset;
  std::map<int64_t, int64_t> expected;
  for (const auto& r : src) expected[r.offset] = target_of_value.at(r.value.value_or(""));
  const int64_t source_end = Watermarks(a.client(), topic, 0, true).value().high;
  ASSERT_GT(source_end, static_cast<int64_t>(src.size())) << topic << " must have gaps";
  const int64_t target_end = Watermarks(b.client(), "A." + topic, 0).value().high;
  int gaps = 0;
  for (int64_t o = 0; o <= source_end; ++o) {
    v1::OffsetTranslation t;
    grpc::Status s = api.TranslateOffset(topic, 0, o, &t);
    ASSERT_TRUE(s.ok()) << topic << " offset " << o << ": " << s.error_message();
    EXPECT_EQ(t.target_topic(), "A." + topic);
    auto next = expected.lower_bound(o);
    if (next == expected.end()) {
      EXPECT_EQ(t.target_offset(), target_end) << topic << " offset " << o;
      EXPECT_EQ(t.kind(), v1::TRANSLATION_KIND_BEYOND_LAST_RUN) << topic << " offset " << o;
      continue;
    }
    EXPECT_EQ(t.target_offset(), next->second) << topic << " source offset " << o;
    if (next->first == o) {
      EXPECT_EQ(t.kind(), v1::TRANSLATION_KIND_EXACT) << topic << " offset " << o;
    } else {
      ++gaps;
      EXPECT_TRUE(t.kind() == v1::TRANSLATION_KIND_GAP || t.kind() == v1::TRANSLATION_KIND_BEFORE_FIRST_RUN)
          << topic << " offset " << o << " kind " << t.kind();
    }
  }
  EXPECT_GT(gaps, 0) << topic;
}

TEST(Translation, ExactAcrossCompactionAndAbortedTransactions) {
  auto& a = KafkaEnv::Cluster("A");
  auto& b = KafkaEnv::Cluster("B");
  const std::string compacted = UniqueName("compacted");
  const std::string txn = UniqueName("txn");

  // A compacted topic with many updates per key; small segments so the cleaner has work.
  ASSERT_TRUE(CreateTopic(a.client(), compacted, 1, 1,
                          {{"cleanup.policy", "compact"},
                           {"segment.ms", "100"},
                           {"min.cleanable.dirty.ratio", "0.01"},
                           {"min.compaction.lag.ms", "0"},
                           {"delete.retention.ms", "100"}}));
  std::vector<Record> updates;
  for (int i = 0; i < 2000; ++i)
    updates.push_back({.key = "k" + std::to_string(i % 50), .value = "v" + std::to_string(i)});
  ASSERT_TRUE(Produce(a.client(), compacted, updates));
  // New appends roll the segment; wait until the cleaner removed superseded records.
  int filler = 0;
  ASSERT_TRUE(WaitUntil(
      [&] {
        EXPECT_TRUE(Produce(a.client(), compacted,
                            {{.key = "f" + std::to_string(filler), .value = "f" + std::to_string(filler)}}));
        ++filler;
        auto n = ConsumeAll(a.client(), compacted, 0);
        return n.ok() && n->size() < 1000;
      },
      seconds(90), milliseconds(500)))
      << "the log cleaner did not compact " << compacted;

  ASSERT_TRUE(CreateTopic(a.client(), txn, 1));
  ASSERT_TRUE(ProduceAndCommit(a.client(), txn, MakeRecords(10, 1, "c1")));
  ASSERT_TRUE(ProduceAndAbort(a.client(), txn, MakeRecords(10, 1, "aborted")));
  ASSERT_TRUE(Produce(a.client(), txn, MakeRecords(5, 1, "plain")));
  ASSERT_TRUE(ProduceAndCommit(a.client(), txn, MakeRecords(10, 1, "c2")));

  PrepareRemote(b, "A." + compacted, 1);
  PrepareRemote(b, "A." + txn, 1);
  auto km = StartKmirror(Config(a, b, compacted + "|" + txn, UniqueName("g"), {"emit.checkpoints.enabled = false"}),
                         "kmirror-exact");
  const int64_t compacted_count = static_cast<int64_t>(ConsumeAll(a.client(), compacted, 0).value().size());
  ASSERT_TRUE(WaitForRecords(b.client(), "A." + compacted, compacted_count + kForeignRecords, seconds(60), km.get()));
  ASSERT_TRUE(WaitForRecords(b.client(), "A." + txn, 25 + kForeignRecords, seconds(60), km.get()));
  auto port = ApiPort(*km, seconds(30));
  ASSERT_TRUE(port) << km->OutputTail(30);
  ApiClient api(*port);
  ASSERT_TRUE(WaitReady(api, txn, *km));
  // The offset-sync events are written every 500 ms: wait until the last record is known.
  ASSERT_TRUE(WaitUntil(
      [&] {
        v1::OffsetTranslation t;
        return api.TranslateOffset(compacted, 0, Watermarks(a.client(), compacted, 0).value().high - 1, &t).ok() &&
               t.kind() == v1::TRANSLATION_KIND_EXACT;
      },
      seconds(30)));
  ExpectExactTranslation(api, a, b, compacted);
  ExpectExactTranslation(api, a, b, txn);

  // Unknown partitions and flows are errors, never answers.
  v1::OffsetTranslation t;
  EXPECT_EQ(api.TranslateOffset("no-such-topic", 0, 0, &t).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(api.TranslateOffset(txn, 0, 0, &t, "B", "A").error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(km->Terminate(seconds(90)), 0) << km->OutputTail(20);
}

// The latest checkpoint per (group, topic, partition) in A.checkpoints.internal, decoded with
// MM2's layout.
std::map<std::tuple<std::string, std::string, int32_t>, wire::mm2::CheckpointValue> ReadCheckpoints(KafkaCluster& b) {
  std::map<std::tuple<std::string, std::string, int32_t>, wire::mm2::CheckpointValue> out;
  auto records = ConsumeAll(b.client(), wire::mm2::CheckpointsTopic("A"), 0);
  if (!records.ok()) return out;
  for (const auto& r : *records) {
    auto k = wire::mm2::DecodeCheckpointKey(r.key.value_or(""));
    auto v = wire::mm2::DecodeCheckpointValue(r.value.value_or(""));
    EXPECT_TRUE(k.ok() && v.ok()) << "undecodable checkpoint at offset " << r.offset;
    if (!k.ok() || !v.ok()) continue;
    out[{k->group, k->topic, k->partition.value()}] = *v;
  }
  return out;
}

TEST(Translation, CheckpointsMatchTheApiAndSyncGroupOffsetsForward) {
  auto& a = KafkaEnv::Cluster("A");
  auto& b = KafkaEnv::Cluster("B");
  const std::string topic = UniqueName("ckpt");
  const std::string remote = "A." + topic;
  const std::string group = UniqueName("app");
  ASSERT_TRUE(CreateTopic(a.client(), topic, 2));
  ASSERT_TRUE(Produce(a.client(), topic, MakeRecords(1000, 2, "ck")));
  PrepareRemote(b, remote, 2);
  ASSERT_TRUE(CommitOffsets(a.client(), group, topic, {{0, 300}, {1, 450}}));

  auto km = StartKmirror(Config(a, b, topic, UniqueName("g"),
                                {"emit.checkpoints.interval.seconds = 1", "groups = " + group,
                                 "sync.group.offsets.enabled = true", "sync.group.offsets.interval.seconds = 1"}),
                         "kmirror-ckpt");
  ASSERT_TRUE(WaitForRecords(b.client(), remote, 1000 + 2 * kForeignRecords, seconds(60), km.get()));
  auto port = ApiPort(*km, seconds(30));
  ASSERT_TRUE(port);
  ApiClient api(*port);
  const auto src = ValuesByOffset(a.client(), topic);
  const auto dst = ValuesByOffset(b.client(), remote);

  auto check_round = [&](std::map<int32_t, int64_t> committed) {
    std::map<int32_t, int64_t> downstream;
    ASSERT_TRUE(WaitUntil(
        [&] {
          auto c = ReadCheckpoints(b);
          for (const auto& [p, off] : committed) {
            auto it = c.find({group, remote, p});
            if (it == c.end() || it->second.upstream_offset.value() != off) return false;
            downstream[p] = it->second.downstream_offset.value();
          }
          return true;
        },
        seconds(60)))
        << "no checkpoints for " << group << "\n"
        << km->OutputTail(30);
    for (const auto& [p, off] : committed) {
      // The checkpoint points at the copy of the record the group reads next, or, for a
      // group at the end of the partition, one past the copy of its last record.
      if (src.count({p, off})) {
        ASSERT_TRUE(dst.count({p, downstream[p]})) << "partition " << p << " downstream " << downstream[p];
        EXPECT_EQ(dst.at({p, downstream[p]}), src.at({p, off})) << "partition " << p;
      } else {
        EXPECT_EQ(downstream[p], std::prev(dst.lower_bound({p + 1, 0}))->first.second + 1) << "partition " << p;
      }
      v1::OffsetTranslation t;
      ASSERT_TRUE(api.TranslateOffset(topic, p, off, &t).ok());
      EXPECT_EQ(t.target_offset(), downstream[p]);
    }
    // The API lists the same checkpoints and translates the group the same way.
    ASSERT_TRUE(WaitUntil(
        [&] {
          v1::ListCheckpointsResponse list;
          if (!api.ListCheckpoints(group, &list).ok()) return false;
          int matched = 0;
          for (const auto& c : list.checkpoints()) {
            if (c.target_topic() == remote && committed.count(c.partition()) &&
                c.upstream_offset() == committed[c.partition()] && c.downstream_offset() == downstream[c.partition()]) {
              ++matched;
            }
          }
          return matched == static_cast<int>(committed.size());
        },
        seconds(30)));
    v1::TranslateGroupResponse g;
    ASSERT_TRUE(api.TranslateGroup(group, false, &g).ok());
    EXPECT_FALSE(g.from_checkpoints());
    ASSERT_EQ(g.translations_size(), static_cast<int>(committed.size()));
    for (const auto& t : g.translations()) EXPECT_EQ(t.target_offset(), downstream[t.partition()]);
  };

  check_round({{0, 300}, {1, 450}});
  // The Python example client (docs/examples/python) gets the same answers over the wire,
  // and its watch stream starts with the current checkpoints.
  {
    RunResult py = RunToExit(
        {"/usr/bin/python3", std::string(KMIRROR_SOURCE_DIR) + "/docs/examples/python/kmirror_client.py", "--api",
         "127.0.0.1:" + std::to_string(*port), "--source", "A", "--target", "B", "--group", group, "--watch", "2"},
        seconds(60));
    ASSERT_EQ(py.exit_code, 0) << py.output;
    for (const auto& [p, down] : std::map<int32_t, int64_t>{{0, 300 + kForeignRecords}, {1, 450 + kForeignRecords}}) {
      const std::string translated = "\"topic\": \"" + remote + "\", \"partition\": " + std::to_string(p) +
                                     ", \"offset\": " + std::to_string(down) + ",";
      EXPECT_NE(py.output.find(translated), std::string::npos) << translated << "\n" << py.output;
      const std::string watched = "\"initial\": true, \"topic\": \"" + remote +
                                  "\", \"partition\": " + std::to_string(p) +
                                  ", \"upstream\": " + std::to_string(down - kForeignRecords) +
                                  ", \"downstream\": " + std::to_string(down) + "}";
      EXPECT_NE(py.output.find(watched), std::string::npos) << watched << "\n" << py.output;
    }
  }
  // Synced to B: the group has no members there.
  std::map<int32_t, int64_t> synced;
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto c = CommittedOffsets(b.client(), group, remote);
        if (!c.ok()) return false;
        synced = *c;
        return synced.size() == 2 && synced[0] == 300 + kForeignRecords && synced[1] == 450 + kForeignRecords;
      },
      seconds(60)))
      << "group offsets not synced to B\n"
      << km->OutputTail(30);

  // The group moves on (partition 0 to its end: 500 records each): checkpoints follow.
  ASSERT_TRUE(CommitOffsets(a.client(), group, topic, {{0, 500}, {1, 480}}));
  check_round({{0, 500}, {1, 480}});
  // The group rewinds on the source: checkpoints follow it down, the synced group on B is
  // never rewound.
  ASSERT_TRUE(CommitOffsets(a.client(), group, topic, {{0, 100}, {1, 100}}));
  check_round({{0, 100}, {1, 100}});
  std::this_thread::sleep_for(seconds(3));  // several sync rounds
  auto after = CommittedOffsets(b.client(), group, remote).value();
  EXPECT_EQ(after[0], 500 + kForeignRecords);
  EXPECT_EQ(after[1], 480 + kForeignRecords);
  EXPECT_EQ(km->Terminate(seconds(90)), 0) << km->OutputTail(20);
}

// A member of `group` on `client`, subscribed to `topic`, polling on its own thread until
// destroyed: "the group is active there".
class GroupMember {
 public:
  GroupMember(const ClientConfig& client, const std::string& group, const std::string& topic) {
    thread_ = std::thread([=, this] {
      char err[512];
      rd_kafka_conf_t* conf = rd_kafka_conf_new();
      rd_kafka_conf_set(conf, "bootstrap.servers", client.bootstrap.c_str(), err, sizeof err);
      rd_kafka_conf_set(conf, "group.id", group.c_str(), err, sizeof err);
      rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err);
      rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
      rd_kafka_poll_set_consumer(rk);
      rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
      rd_kafka_topic_partition_list_add(topics, topic.c_str(), RD_KAFKA_PARTITION_UA);
      rd_kafka_subscribe(rk, topics);
      rd_kafka_topic_partition_list_destroy(topics);
      while (!stop_) {
        rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
        if (m) rd_kafka_message_destroy(m);
        rd_kafka_topic_partition_list_t* assigned = nullptr;
        if (rd_kafka_assignment(rk, &assigned) == RD_KAFKA_RESP_ERR_NO_ERROR) {
          if (assigned->cnt > 0) joined_ = true;
          rd_kafka_topic_partition_list_destroy(assigned);
        }
      }
      rd_kafka_consumer_close(rk);
      rd_kafka_destroy(rk);
    });
  }
  ~GroupMember() {
    stop_ = true;
    thread_.join();
  }
  bool joined() const { return joined_; }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<bool> joined_{false};
  std::thread thread_;
};

// MM2's refresh.groups.enabled = false: the groups of the first listing are checkpointed from
// then on, a group that appears later is not (with refresh on it would be, next round).
TEST(Translation, RefreshGroupsOffCheckpointsOnlyTheGroupsOfTheFirstListing) {
  auto& a = KafkaEnv::Cluster("A");
  auto& b = KafkaEnv::Cluster("B");
  const std::string topic = UniqueName("rgrp");
  const std::string remote = "A." + topic;
  const std::string base = UniqueName("rgapp");
  const std::string early = base + "-early", late = base + "-late";
  ASSERT_TRUE(CreateTopic(a.client(), topic, 1));
  ASSERT_TRUE(Produce(a.client(), topic, MakeRecords(100, 1, "rg")));
  ASSERT_TRUE(CommitOffsets(a.client(), early, topic, {{0, 40}}));
  auto km = StartKmirror(
      Config(a, b, topic, UniqueName("g"),
             {"emit.checkpoints.interval.seconds = 1", "groups = " + base + "-.*", "refresh.groups.enabled = false"}),
      "kmirror-refresh-groups");
  ASSERT_TRUE(WaitForRecords(b.client(), remote, 100, seconds(60), km.get()));
  auto upstream_of = [&](const std::string& group) -> int64_t {
    auto c = ReadCheckpoints(b);
    auto it = c.find({group, remote, 0});
    return it == c.end() ? -1 : it->second.upstream_offset.value();
  };
  ASSERT_TRUE(WaitUntil([&] { return upstream_of(early) == 40; }, seconds(60))) << km->OutputTail(30);
  ASSERT_TRUE(WaitForLog(*km, "refresh.groups.enabled = false: checkpoints cover these 1 group(s)", seconds(5)));
  ASSERT_TRUE(CommitOffsets(a.client(), late, topic, {{0, 60}}));
  ASSERT_TRUE(CommitOffsets(a.client(), early, topic, {{0, 70}}));
  // The known group is still followed: rounds go on after the late group's commit.
  ASSERT_TRUE(WaitUntil([&] { return upstream_of(early) == 70; }, seconds(60))) << km->OutputTail(30);
  std::this_thread::sleep_for(seconds(4));  // more rounds
  EXPECT_EQ(upstream_of(late), -1) << "a group that appeared after the first listing was checkpointed";
  EXPECT_EQ(km->Terminate(seconds(90)), 0);
}

// MM2 3.8.1's jars (connect-mirror-client and what it needs), fetched once by
// scripts/fetch-kafka.sh --with-mm2 into the same cache as the broker's jars.
std::filesystem::path Mm2Libs() {
  auto fetched = RunToExit({"bash", std::string(KMIRROR_SOURCE_DIR) + "/scripts/fetch-kafka.sh", "--with-mm2"},
                           std::chrono::minutes(30));
  if (fetched.exit_code != 0) ADD_FAILURE() << "scripts/fetch-kafka.sh --with-mm2 failed:\n" << fetched.output;
  const char* cache = std::getenv("KMIRROR_CACHE");
  const char* home = std::getenv("HOME");
  const std::filesystem::path root = cache != nullptr && *cache != '\0'
                                         ? std::filesystem::path(cache)
                                         : std::filesystem::path(home ? home : "/") / ".cache/kmirror";
  return root / "mm2-3.8.1" / "libs";
}

// MM2's RemoteClusterUtils.translateOffsets (tests/integration/Mm2TranslateOffsets.java) for
// `group`, read from B with `separator`: remote partition -> offset. Empty while MM2 finds no
// checkpoint (it answers with nothing rather than an error when the topic is missing).
std::map<std::pair<std::string, int32_t>, int64_t> Mm2Translate(const std::filesystem::path& libs, KafkaCluster& b,
                                                                const std::string& group, const std::string& separator,
                                                                std::string* output) {
  auto run = RunToExit({"java", "-cp", (libs / "*").string(),
                        std::string(KMIRROR_SOURCE_DIR) + "/tests/integration/Mm2TranslateOffsets.java", b.bootstrap(),
                        "A", group, separator},
                       std::chrono::minutes(2));
  *output = run.output;
  std::map<std::pair<std::string, int32_t>, int64_t> out;
  if (run.exit_code != 0) return out;
  std::istringstream lines(run.output);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream f(line);
    std::string tag, topic;
    int32_t partition = 0;
    int64_t offset = 0;
    if (f >> tag >> topic >> partition >> offset && tag == "offset") out[{topic, partition}] = offset;
  }
  return out;
}

// MM2's own client finds kmirror's checkpoints under a custom separator (issue 14): with
// `replication.policy.separator = -` MM2's DefaultReplicationPolicy reads
// A-checkpoints-internal (replication.policy.internal.topic.separator.enabled, on by default) and names the remote
// topic A-<topic>, which is where kmirror writes and mirrors. (Not `_`: Kafka refuses A_checkpoints_internal
// next to the A.checkpoints.internal of this binary's other tests, names that differ only in '.' vs '_'.) The remote
// partitions start with another writer's records, so the right answers (source offset + kForeignRecords) differ from
// the committed offsets.
TEST(Translation, Mm2RemoteClusterUtilsFindsCheckpointsUnderACustomSeparator) {
  auto modules = RunToExit({"java", "--list-modules"}, seconds(60));
  if (modules.output.find("jdk.compiler") == std::string::npos) {
    GTEST_SKIP() << "this java cannot run a source file (no jdk.compiler module): install a JDK";
  }
  const auto libs = Mm2Libs();
  ASSERT_TRUE(std::filesystem::exists(libs / "connect-mirror-client-3.8.1.jar")) << libs;
  auto& a = KafkaEnv::Cluster("A");
  auto& b = KafkaEnv::Cluster("B");
  const std::string topic = UniqueName("sep");
  const std::string remote = "A-" + topic;
  const std::string group = UniqueName("app");
  ASSERT_TRUE(CreateTopic(a.client(), topic, 2));
  ASSERT_TRUE(Produce(a.client(), topic, MakeRecords(400, 2, "sep")));
  PrepareRemote(b, remote, 2);
  const std::map<int32_t, int64_t> committed = {{0, 50}, {1, 120}};
  ASSERT_TRUE(CommitOffsets(a.client(), group, topic, committed));

  auto km = StartKmirror(
      Config(a, b, topic, UniqueName("g"),
             {"replication.policy.separator = -", "emit.checkpoints.interval.seconds = 1", "groups = " + group}),
      "kmirror-sep");
  ASSERT_TRUE(WaitForRecords(b.client(), remote, 400 + 2 * kForeignRecords, seconds(60), km.get()));
  ASSERT_TRUE(WaitUntil([&] { return RecordCount(b.client(), "A-checkpoints-internal") > 0; }, seconds(60)))
      << "no checkpoints in A-checkpoints-internal\n"
      << km->OutputTail(30);

  std::map<std::pair<std::string, int32_t>, int64_t> expected;
  for (const auto& [p, off] : committed) expected[{remote, p}] = off + kForeignRecords;
  std::map<std::pair<std::string, int32_t>, int64_t> answer;
  std::string output;
  // Checkpoints of the two partitions may land in different rounds: ask until both are there.
  EXPECT_TRUE(WaitUntil(
      [&] {
        answer = Mm2Translate(libs, b, group, "-", &output);
        return answer.size() >= expected.size();
      },
      seconds(90), seconds(1)))
      << "MM2's RemoteClusterUtils found no checkpoints of " << group << ":\n"
      << output << "\n"
      << km->OutputTail(30);
  EXPECT_EQ(answer, expected) << output;
  EXPECT_EQ(km->Terminate(seconds(60)), 0);
}

TEST(Translation, FailoverCommitsTranslatedOffsetsAndRefusesActiveGroups) {
  auto& a = KafkaEnv::Cluster("A");
  auto& b = KafkaEnv::Cluster("B");
  const std::string topic = UniqueName("fo");
  const std::string remote = "A." + topic;
  const std::string group = UniqueName("app");
  ASSERT_TRUE(CreateTopic(a.client(), topic, 2));
  ASSERT_TRUE(Produce(a.client(), topic, MakeRecords(500, 2, "fo")));
  PrepareRemote(b, remote, 2);
  ASSERT_TRUE(CommitOffsets(a.client(), group, topic, {{0, 100}, {1, 200}}));
  const std::string config = Config(a, b, topic, UniqueName("g"), {"emit.checkpoints.enabled = false"});
  auto km = StartKmirror(config, "kmirror-failover");
  ASSERT_TRUE(WaitForRecords(b.client(), remote, 500 + 2 * kForeignRecords, seconds(60), km.get()));
  auto port = ApiPort(*km, seconds(30));
  ASSERT_TRUE(port);
  ApiClient api(*port);
  ASSERT_TRUE(WaitUntil(
      [&] {
        v1::OffsetTranslation t;
        return api.TranslateOffset(topic, 1, 249, &t).ok() && t.kind() == v1::TRANSLATION_KIND_EXACT;
      },
      seconds(60)));

  const auto config_path = ScratchRoot() / (group + ".properties");
  WriteFile(config_path, config);
  const std::vector<std::string> failover = {
      KmirrorBinary(), "failover", "--config", config_path.string(),
      "--group",       group,      "--from",   "A",
      "--to",          "B",        "--api",    "127.0.0.1:" + std::to_string(*port)};
  {
    GroupMember member(b.client(), group, remote);
    ASSERT_TRUE(WaitUntil([&] { return member.joined(); }, seconds(60))) << "test consumer never joined";
    RunResult r = RunToExit(failover, seconds(60));
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("active"), std::string::npos) << r.output;
    auto committed = CommittedOffsets(b.client(), group, remote);
    EXPECT_TRUE(!committed.ok() || committed->empty()) << "failover committed while the group was active";
  }
  // Wait until the broker has let the member go (its close leaves the group at once).
  std::vector<std::string> dry = failover;
  dry.push_back("--dry-run");
  RunResult d = RunToExit(dry, seconds(60));
  ASSERT_EQ(d.exit_code, 0) << d.output;
  auto none = CommittedOffsets(b.client(), group, remote);
  EXPECT_TRUE(!none.ok() || none->empty()) << "--dry-run committed";

  RunResult r = RunToExit(failover, seconds(60));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto committed = CommittedOffsets(b.client(), group, remote).value();
  EXPECT_EQ(committed[0], 100 + kForeignRecords);
  EXPECT_EQ(committed[1], 200 + kForeignRecords);
  const auto src = ValuesByOffset(a.client(), topic);
  const auto dst = ValuesByOffset(b.client(), remote);
  EXPECT_EQ(dst.at({0, committed[0]}), src.at({0, 100}));
  EXPECT_EQ(dst.at({1, committed[1]}), src.at({1, 200}));
  EXPECT_EQ(km->Terminate(seconds(90)), 0) << km->OutputTail(20);
}

// The API over mutual TLS (api.tls.*), used by `kmirror translate`, `status`, `failover` and
// the Python client; clients without the CA or without a trusted certificate are refused.
// And failover's guards: refused while the group has a member on the source, refused when it
// would move the group backwards on the target unless --allow-backwards.
TEST(Translation, ApiOverMutualTlsAndFailoverGuards) {
  auto& a = KafkaEnv::Cluster("A");
  auto& b = KafkaEnv::Cluster("B");
  auto pki = TestPki::Create("pki-api", false);
  const std::string topic = UniqueName("tls");
  const std::string remote = "A." + topic;
  const std::string group = UniqueName("app");
  ASSERT_TRUE(CreateTopic(a.client(), topic, 2));
  ASSERT_TRUE(Produce(a.client(), topic, MakeRecords(500, 2, "tl")));
  PrepareRemote(b, remote, 2);
  ASSERT_TRUE(CommitOffsets(a.client(), group, topic, {{0, 100}, {1, 200}}));
  const std::string config =
      Config(a, b, topic, UniqueName("g"),
             {"emit.checkpoints.enabled = false", "api.tls.cert.file = " + pki->server_crt(),
              "api.tls.key.file = " + pki->server_key(), "api.tls.client.ca.file = " + pki->ca_pem()});
  auto km = StartKmirror(config, "kmirror-api-tls");
  ASSERT_TRUE(WaitForRecords(b.client(), remote, 500 + 2 * kForeignRecords, seconds(60), km.get()));
  auto port = ApiPort(*km, seconds(30));
  ASSERT_TRUE(port) << km->OutputTail(30);
  EXPECT_TRUE(WaitForLog(*km, "TLS, client certificates required)", seconds(1)));
  const std::string api = "127.0.0.1:" + std::to_string(*port);
  const std::vector<std::string> tls = {"--api",           api,         "--api-ca",       pki->ca_pem(), "--api-cert",
                                        pki->client_crt(), "--api-key", pki->client_key()};
  auto cli = [&](std::vector<std::string> args, const std::vector<std::string>& conn) {
    args.insert(args.begin(), KmirrorBinary());
    args.insert(args.end(), conn.begin(), conn.end());
    return RunToExit(args, seconds(60));
  };
  ASSERT_TRUE(WaitUntil(
      [&] {
        RunResult r = cli(
            {"translate", "--from", "A", "--to", "B", "--topic", topic, "--partition", "1", "--offset", "249"}, tls);
        return r.exit_code == 0 && r.output.find("(exact)") != std::string::npos;
      },
      seconds(60)))
      << km->OutputTail(30);
  RunResult translated = cli({"translate", "--from", "A", "--to", "B", "--group", group}, tls);
  ASSERT_EQ(translated.exit_code, 0) << translated.output;
  EXPECT_NE(translated.output.find(std::to_string(100 + kForeignRecords)), std::string::npos) << translated.output;
  RunResult status = cli({"status", "--from", "A", "--to", "B"}, tls);
  EXPECT_EQ(status.exit_code, 0) << status.output;
  EXPECT_NE(status.output.find("flow A->B: "), std::string::npos) << status.output;

  // Refused: no client certificate, one from a CA the server does not trust, no TLS at all.
  for (const auto& conn : std::vector<std::vector<std::string>>{{"--api", api, "--api-ca", pki->ca_pem()},
                                                                {"--api", api, "--api-ca", pki->ca_pem(), "--api-cert",
                                                                 pki->stranger_crt(), "--api-key", pki->stranger_key()},
                                                                {"--api", api}}) {
    RunResult r = cli({"status"}, conn);
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("kmirror status: Unavailable: GetReplicationStatus at " + api), std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("--api-"), std::string::npos) << "says which flags to check: " << r.output;
  }
  // The Python client over mutual TLS.
  {
    const std::vector<std::string> py = {"/usr/bin/python3",
                                         std::string(KMIRROR_SOURCE_DIR) + "/docs/examples/python/kmirror_client.py",
                                         "--api",
                                         api,
                                         "--source",
                                         "A",
                                         "--target",
                                         "B",
                                         "--group",
                                         group,
                                         "--ca",
                                         pki->ca_pem()};
    std::vector<std::string> with_cert = py;
    with_cert.insert(with_cert.end(), {"--cert", pki->client_crt(), "--key", pki->client_key()});
    RunResult ok = RunToExit(with_cert, seconds(60));
    ASSERT_EQ(ok.exit_code, 0) << ok.output;
    EXPECT_NE(ok.output.find("\"partition\": 1, \"offset\": " + std::to_string(200 + kForeignRecords) + ","),
              std::string::npos)
        << ok.output;
    RunResult refused = RunToExit(py, seconds(60));
    EXPECT_EQ(refused.exit_code, 1) << refused.output;
    EXPECT_NE(refused.output.find("error: UNAVAILABLE"), std::string::npos) << refused.output;
  }

  const auto config_path = ScratchRoot() / (group + ".properties");
  WriteFile(config_path, config);
  std::vector<std::string> failover = {"failover", "--config", config_path.string(), "--group", group, "--from", "A",
                                       "--to",     "B"};
  auto no_commit_on_b = [&] {
    auto committed = CommittedOffsets(b.client(), group, remote);
    return !committed.ok() || committed->empty();
  };
  // A member of the group still consuming on the source: refused.
  {
    GroupMember member(a.client(), group, topic);
    ASSERT_TRUE(WaitUntil([&] { return member.joined(); }, seconds(60))) << "test consumer never joined";
    RunResult r = cli(failover, tls);
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("refusing: group " + group + " has 1 active member(s) on A"), std::string::npos)
        << r.output;
    EXPECT_TRUE(no_commit_on_b()) << "failover committed while the group was active on the source";
  }
  RunResult r = cli(failover, tls);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto committed = CommittedOffsets(b.client(), group, remote).value();
  EXPECT_EQ(committed[0], 100 + kForeignRecords);
  EXPECT_EQ(committed[1], 200 + kForeignRecords);

  // The group rewinds on the source: the translation is now behind what it committed on B.
  ASSERT_TRUE(CommitOffsets(a.client(), group, topic, {{0, 50}, {1, 250}}));
  r = cli(failover, tls);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("is already ahead of the translation on B in 1 partition(s)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(remote + "-0: committed " + std::to_string(100 + kForeignRecords) + ", translated " +
                          std::to_string(50 + kForeignRecords) + " (50 back)"),
            std::string::npos)
      << r.output;
  EXPECT_EQ(CommittedOffsets(b.client(), group, remote).value(), committed) << "a refused failover committed";
  failover.push_back("--allow-backwards");
  r = cli(failover, tls);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  committed = CommittedOffsets(b.client(), group, remote).value();
  EXPECT_EQ(committed[0], 50 + kForeignRecords);
  EXPECT_EQ(committed[1], 250 + kForeignRecords);
  EXPECT_EQ(km->Terminate(seconds(90)), 0) << km->OutputTail(20);
}

// Last in this binary: it stops and restarts B.
TEST(Translation, IndexRebuildsFromTheLogAndIsNotReadyMeanwhile) {
  auto& a = KafkaEnv::Cluster("A");
  auto& b = KafkaEnv::Cluster("B");
  const std::string topic = UniqueName("rebuild");
  const std::string remote = "A." + topic;
  ASSERT_TRUE(CreateTopic(a.client(), topic, 1));
  ASSERT_TRUE(Produce(a.client(), topic, MakeRecords(300, 1, "rb")));
  PrepareRemote(b, remote, 1);
  const std::string index_dir = (ScratchRoot() / UniqueName("index")).string();
  const std::string config =
      Config(a, b, topic, UniqueName("g"), {"emit.checkpoints.enabled = false", "offsets.index.dir = " + index_dir});
  auto km = StartKmirror(config, "kmirror-rebuild");
  ASSERT_TRUE(WaitForRecords(b.client(), remote, 300 + kForeignRecords, seconds(60), km.get()));
  {
    auto port = ApiPort(*km, seconds(30));
    ASSERT_TRUE(port);
    ApiClient api(*port);
    ASSERT_TRUE(WaitUntil(
        [&] {
          v1::OffsetTranslation t;
          return api.TranslateOffset(topic, 0, 299, &t).ok() && t.kind() == v1::TRANSLATION_KIND_EXACT;
        },
        seconds(60)));
  }
  ASSERT_EQ(km->Terminate(seconds(90)), 0) << km->OutputTail(20);

  // A restart with the index intact resumes from its stored positions.
  km = StartKmirror(config, "kmirror-rebuild-resume");
  ASSERT_TRUE(WaitForLog(*km, "from its stored positions", seconds(60)));
  // Let both tasks join before stopping: librdkafka 2.0.2 can abort in its cooperative-sticky
  // assignor when a member closes in the middle of the initial rebalance (see the issue note).
  ASSERT_TRUE(WaitUntil(
      [&] {
        const std::string out = km->Output();
        size_t n = 0;
        for (size_t at = out.find("rebalance: assigned"); at != std::string::npos;
             at = out.find("rebalance: assigned", at + 1)) {
          ++n;
        }
        return n >= 2;
      },
      seconds(60)));
  ASSERT_EQ(km->Terminate(seconds(90)), 0) << km->OutputTail(20);

  // Delete the index; B (holding the log) is down while kmirror starts: the API must say
  // "not ready" and never answer from the empty index.
  std::filesystem::remove_all(index_dir);
  b.Kill();
  km = StartKmirror(config, "kmirror-rebuild-down");
  auto port = ApiPort(*km, seconds(60));
  ASSERT_TRUE(port) << km->OutputTail(30);
  ApiClient api(*port);
  for (int i = 0; i < 10; ++i) {
    v1::OffsetTranslation t;
    grpc::Status s = api.TranslateOffset(topic, 0, 100, &t);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << "answered " << t.target_offset();
    std::this_thread::sleep_for(milliseconds(300));
  }
  b.Restart();
  ASSERT_TRUE(WaitForLog(*km, "its beginning (rebuilding the index)", seconds(120))) << km->OutputTail(30);
  // From now on every answer is either "not ready" or exact.
  bool answered = false;
  ASSERT_TRUE(WaitUntil(
      [&] {
        v1::OffsetTranslation t;
        grpc::Status s = api.TranslateOffset(topic, 0, 100, &t);
        if (s.ok()) {
          EXPECT_EQ(t.target_offset(), 100 + kForeignRecords);
          EXPECT_EQ(t.kind(), v1::TRANSLATION_KIND_EXACT);
          answered = true;
          return true;
        }
        EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
        return false;
      },
      seconds(120), milliseconds(50)))
      << km->OutputTail(30);
  EXPECT_TRUE(answered);
  EXPECT_EQ(km->Terminate(seconds(90)), 0) << km->OutputTail(20);
}

}  // namespace
}  // namespace kmirror::test
