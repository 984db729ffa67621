#include "kmirror/kafka/engine_props.h"

#include <set>
#include <string>
#include <utility>

#include <gtest/gtest.h>

namespace kmirror::kafka {
namespace {

constexpr ClientKind kKinds[] = {ClientKind::kConsumer, ClientKind::kProducer, ClientKind::kLogReader,
                                 ClientKind::kGroupHandle};

TEST(EnginePropsTest, EveryRowSaysWhyAndHasTheValueItsOwnershipNeeds) {
  std::set<std::pair<ClientKind, std::string>> seen;
  for (const EngineProp& row : EngineProps()) {
    std::string name(row.name);
    EXPECT_FALSE(row.reason.empty()) << name;
    EXPECT_TRUE(seen.emplace(row.client, name).second) << name << " is listed twice for one client";
    if (!row.alias.empty()) {
      EXPECT_TRUE(seen.emplace(row.client, std::string(row.alias)).second) << row.alias;
      EXPECT_EQ(row.ownership, Ownership::kForced) << name;
    }
    switch (row.ownership) {
      case Ownership::kForced:
      case Ownership::kDefault:
      case Ownership::kPerClient:
        EXPECT_FALSE(row.value.empty()) << name;
        break;
      case Ownership::kWithheld:
        EXPECT_TRUE(row.value.empty()) << name;
        break;
    }
    EXPECT_EQ(FindEngineProp(row.client, row.name), &row) << name;
  }
  EXPECT_EQ(FindEngineProp(ClientKind::kProducer, "request.required.acks"),
            FindEngineProp(ClientKind::kProducer, "acks"));
  EXPECT_EQ(FindEngineProp(ClientKind::kProducer, "compression.type"), nullptr);
  EXPECT_EQ(FindEngineProp(ClientKind::kProducer, "isolation.level"), nullptr);  // a consumer's row
}

// What the wrappers built before the table existed, with nothing set by the caller.
TEST(EnginePropsTest, WrappersBuildWhatTheyAlwaysBuilt) {
  EXPECT_EQ(WithEngineProps(ClientKind::kProducer, {}), (ClientProps{{"enable.idempotence", "true"},
                                                                     {"acks", "all"},
                                                                     {"allow.auto.create.topics", "false"},
                                                                     {"linger.ms", "20"},
                                                                     {"batch.size", "1000000"},
                                                                     {"queue.buffering.max.kbytes", "32768"}}));
  // A flow task's producer: its own linger default, every producer row after it.
  EXPECT_EQ(WithEngineProps(ClientKind::kFlowProducer, {}), (ClientProps{{"enable.idempotence", "true"},
                                                                         {"acks", "all"},
                                                                         {"allow.auto.create.topics", "false"},
                                                                         {"linger.ms", "5"},
                                                                         {"batch.size", "1000000"},
                                                                         {"queue.buffering.max.kbytes", "32768"}}));
  EXPECT_EQ(WithEngineProps(ClientKind::kFlowProducer, {{"linger.ms", "50"}, {"acks", "1"}}).at("linger.ms"), "50");
  EXPECT_EQ(WithEngineProps(ClientKind::kFlowProducer, {{"acks", "1"}}).at("acks"), "all");
  ASSERT_NE(FindEngineProp(ClientKind::kFlowProducer, "acks"), nullptr) << "the producer's row";
  EXPECT_EQ(FindEngineProp(ClientKind::kFlowProducer, "linger.ms")->value, "5");
  EXPECT_EQ(WithEngineProps(ClientKind::kConsumer, {}, {{"group.id", "g"}}),
            (ClientProps{{"group.id", "g"},
                         {"enable.auto.commit", "true"},
                         {"enable.auto.offset.store", "false"},
                         {"auto.commit.interval.ms", "1000"},
                         {"auto.offset.reset", "error"},
                         {"isolation.level", "read_committed"},
                         {"enable.partition.eof", "false"},
                         {"partition.assignment.strategy", "cooperative-sticky"},
                         {"queued.max.messages.kbytes", "16384"},
                         {"fetch.max.bytes", "16777216"}}));
  EXPECT_EQ(WithEngineProps(ClientKind::kLogReader, {{"group.id", "g"}}),
            (ClientProps{{"enable.auto.commit", "false"},
                         {"enable.auto.offset.store", "false"},
                         {"enable.partition.eof", "false"},
                         {"allow.auto.create.topics", "false"},
                         {"isolation.level", "read_committed"},
                         {"fetch.wait.max.ms", "100"},
                         {"queued.max.messages.kbytes", "4096"},
                         {"auto.offset.reset", "earliest"}}));
  EXPECT_EQ(WithEngineProps(ClientKind::kGroupHandle, {}, {{"group.id", "g"}}),
            (ClientProps{{"group.id", "g"}, {"enable.auto.commit", "false"}, {"allow.auto.create.topics", "false"}}));
}

TEST(EnginePropsTest, ForcedWinsWithheldGoesDefaultsYieldToTheCaller) {
  ClientProps caller = {{"acks", "1"},
                        {"request.required.acks", "0"},
                        {"enable.idempotence", "false"},
                        {"transactional.id", "t"},
                        {"linger.ms", "5"},  // what a flow task sets
                        {"compression.type", "lz4"}};
  ClientProps p = WithEngineProps(ClientKind::kProducer, caller);
  EXPECT_EQ(p["acks"], "all");
  EXPECT_EQ(p.count("request.required.acks"), 0u);  // the alias cannot override acks=all
  EXPECT_EQ(p["enable.idempotence"], "true");
  EXPECT_EQ(p.count("transactional.id"), 0u);
  EXPECT_EQ(p["linger.ms"], "5");
  EXPECT_EQ(p["batch.size"], "1000000");
  EXPECT_EQ(p["compression.type"], "lz4");  // not the engine's: passed through

  for (ClientKind kind : kKinds) {
    ClientProps everything;
    for (const EngineProp& row : EngineProps()) {
      if (row.client == kind) everything[std::string(row.name)] = "caller's";
    }
    ClientProps per_client;
    for (const EngineProp& row : EngineProps()) {
      if (row.client == kind && row.ownership == Ownership::kPerClient) per_client[std::string(row.name)] = "given";
    }
    ClientProps out = WithEngineProps(kind, everything, per_client);
    for (const EngineProp& row : EngineProps()) {
      if (row.client != kind) continue;
      std::string name(row.name);
      switch (row.ownership) {
        case Ownership::kForced:
          EXPECT_EQ(out[name], row.value) << name;
          break;
        case Ownership::kPerClient:
          EXPECT_EQ(out[name], "given") << name;
          break;
        case Ownership::kWithheld:
          EXPECT_EQ(out.count(name), 0u) << name;
          break;
        case Ownership::kDefault:
          EXPECT_EQ(out[name], "caller's") << name;
          break;
      }
    }
  }
}

TEST(EnginePropsDeathTest, APerClientValueIsRequired) {
  EXPECT_DEATH((void)WithEngineProps(ClientKind::kConsumer, {}), "no per-client value for group.id");
}

}  // namespace
}  // namespace kmirror::kafka
