// `kmirror translate` and the parts of `kmirror failover` that run before any Kafka cluster
// is contacted, against the API server in-process (api_fixture.h). The failover paths that
// commit on a real cluster are in tests/integration/translation_test.cpp.
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "api_fixture.h"
#include "kmirror/app/commands.h"

namespace kmirror::app {
namespace {

using api::apitest::MakeCheckpoint;

class CliCommandsTest : public api::apitest::ApiFixture {
 protected:
  TranslateArgs Offset(int64_t offset) const {
    TranslateArgs a;
    a.api = address_;
    a.from = "A";
    a.to = "B";
    a.topic = "orders";
    a.partition = 0;
    a.offset = offset;
    return a;
  }
  TranslateArgs Group(const std::string& group) const {
    TranslateArgs a;
    a.api = address_;
    a.from = "A";
    a.to = "B";
    a.group = group;
    return a;
  }
  int Translate(const TranslateArgs& a) {
    out_.str("");
    err_.str("");
    return RunTranslate(a, out_, err_);
  }
  int Failover(const FailoverArgs& a) {
    out_.str("");
    err_.str("");
    return RunFailover(a, out_, err_);
  }

  // An MM2 configuration whose clusters cannot be reached: a test that got as far as
  // contacting B would hang in its timeouts and fail on the exit code.
  std::string WriteConfig() {
    const auto path = dir_ / "mm2.properties";
    std::ofstream(path) << "clusters = A, B\n"
                           "A.bootstrap.servers = 127.0.0.1:1\n"
                           "B.bootstrap.servers = 127.0.0.1:1\n"
                           "A->B.enabled = true\n";
    return path.string();
  }
  FailoverArgs FailoverOf(const std::string& group) {
    FailoverArgs a;
    a.config = WriteConfig();
    a.api = address_;
    a.group = group;
    a.from = "A";
    a.to = "B";
    return a;
  }

  std::ostringstream out_, err_;
};

TEST_F(CliCommandsTest, TranslateNeedsAGroupOrOneOffsetButNotBoth) {
  TranslateArgs a = Group("billing");
  a.topic = "orders";
  a.partition = 0;
  a.offset = 5;
  EXPECT_EQ(Translate(a), 2);
  EXPECT_NE(err_.str().find("either --group"), std::string::npos) << err_.str();
  a = Offset(5);
  a.offset.reset();
  EXPECT_EQ(Translate(a), 2);
  a = Offset(5);
  a.from.clear();
  EXPECT_EQ(Translate(a), 2);
}

TEST_F(CliCommandsTest, TranslateOneOffset) {
  EXPECT_EQ(Translate(Offset(5)), 1) << "the index is not ready yet";
  EXPECT_NE(err_.str().find("FailedPrecondition"), std::string::npos) << err_.str();
  CatchUp();
  ASSERT_EQ(Translate(Offset(5)), 0) << err_.str();
  EXPECT_EQ(out_.str(), "A:orders-0@5 -> B:A.orders-0@105 (exact)\n");
  ASSERT_EQ(Translate(Offset(11)), 0) << err_.str();
  EXPECT_EQ(out_.str(), "A:orders-0@11 -> B:A.orders-0@110 (gap)\n");

  TranslateArgs json = Offset(5);
  json.json = true;
  ASSERT_EQ(Translate(json), 0) << err_.str();
  // proto3's JSON mapping: int64 as strings, enums by name, every field present.
  EXPECT_NE(out_.str().find("\"target_offset\":\"105\""), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("\"kind\":\"TRANSLATION_KIND_EXACT\""), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("\"deleted_on_source\":false"), std::string::npos) << out_.str();
}

TEST_F(CliCommandsTest, TranslateAGroupPrintsEveryPartitionAndFailsOnUntranslatedOnes) {
  CatchUp();
  EXPECT_EQ(Translate(Group("billing")), 1) << "other-0 could not be translated";
  const std::string table = out_.str();
  EXPECT_NE(table.find("from the group's committed offsets on A"), std::string::npos) << table;
  EXPECT_NE(table.find("A.orders"), std::string::npos) << table;
  EXPECT_NE(table.find("110"), std::string::npos) << table;
  EXPECT_NE(table.find("not translated"), std::string::npos) << table;

  EXPECT_EQ(Translate(Group("nobody")), 1);
  EXPECT_NE(err_.str().find("NotFound"), std::string::npos) << err_.str();
}

TEST_F(CliCommandsTest, TranslateAGroupFromCheckpointsAsJson) {
  CatchUp();
  CheckpointsLoaded();
  checkpoints_.Put(MakeCheckpoint("billing", 7, 107));
  source_up_ = false;
  TranslateArgs a = Group("billing");
  a.json = true;
  ASSERT_EQ(Translate(a), 0) << err_.str();
  EXPECT_NE(out_.str().find("\"from_checkpoints\":true"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("\"target_offset\":\"107\""), std::string::npos) << out_.str();
}

TEST_F(CliCommandsTest, StatusShowsStoppedPartitionsAndFailsOnThem) {
  CatchUp();
  StatusArgs a;
  a.api = address_;
  a.from = "A";
  a.to = "B";
  out_.str("");
  err_.str("");
  EXPECT_EQ(RunStatus(a, out_, err_), 1) << err_.str();
  const std::string text = out_.str();
  EXPECT_NE(text.find("1 partition(s) stopped, 2 record(s) dead-lettered"), std::string::npos) << text;
  EXPECT_NE(text.find("STOPPED orders-1 at offset 60 (to A.orders"), std::string::npos) << text;
  EXPECT_NE(text.find("MSG_SIZE_TOO_LARGE"), std::string::npos) << text;
  a.json = true;
  out_.str("");
  EXPECT_EQ(RunStatus(a, out_, err_), 1);
  EXPECT_NE(out_.str().find("\"stopped_partitions\":[{\"source_topic\":\"orders\",\"partition\":1,\"offset\":\"60\""),
            std::string::npos)
      << out_.str();
  a.to = "";
  EXPECT_EQ(RunStatus(a, out_, err_), 2) << "--from without --to";
}

TEST_F(CliCommandsTest, FailoverRejectsBadInputBeforeTouchingAnything) {
  FailoverArgs a = FailoverOf("billing");
  a.config = (dir_ / "missing.properties").string();
  EXPECT_EQ(Failover(a), 2);
  EXPECT_NE(err_.str().find("config error"), std::string::npos) << err_.str();

  a = FailoverOf("billing");
  a.to = "C";
  EXPECT_EQ(Failover(a), 2);
  EXPECT_NE(err_.str().find("--to C"), std::string::npos) << err_.str();
  a = FailoverOf("billing");
  a.from = "X";
  EXPECT_EQ(Failover(a), 2);
  EXPECT_NE(err_.str().find("--from X"), std::string::npos) << err_.str();
  EXPECT_EQ(source_reads_.load(), 0) << "the API was asked before the input was checked";
}

TEST_F(CliCommandsTest, FailoverCommitsNothingWhenSomePartitionsCannotBeTranslated) {
  CatchUp();
  // billing's other-0 is not mirrored by A->B: refused before the target cluster is contacted
  // (its bootstrap address is unreachable, which would fail differently and slowly).
  EXPECT_EQ(Failover(FailoverOf("billing")), 1);
  EXPECT_NE(err_.str().find("1 partition(s) could not be translated"), std::string::npos) << err_.str();
  EXPECT_NE(err_.str().find("nothing committed"), std::string::npos) << err_.str();
  EXPECT_NE(out_.str().find("not translated"), std::string::npos) << out_.str();
}

TEST_F(CliCommandsTest, FailoverFailsWhenTheApiCannotAnswer) {
  FailoverArgs a = FailoverOf("billing");
  EXPECT_EQ(Failover(a), 1) << "index not ready";
  EXPECT_NE(err_.str().find("FailedPrecondition"), std::string::npos) << err_.str();
  server_->Stop();
  EXPECT_EQ(Failover(a), 1) << "no server";
  EXPECT_NE(err_.str().find("Unavailable"), std::string::npos) << err_.str();
}

}  // namespace
}  // namespace kmirror::app
