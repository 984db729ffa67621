// The JSON log format: escaping (quotes, backslashes, control characters, bytes that are not
// UTF-8), the line's fields, and the formatter end to end on a logger of its own, with the
// thread context (flow, topic, partition) set by the scopes; every line must parse as JSON.
#include "kmirror/common/logging.h"

#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <nlohmann/json.hpp>

#include "kmirror/common/thread_name.h"

namespace kmirror::logging {
namespace {

using nlohmann::json;

std::string Quoted(std::string_view s) {
  std::string out;
  AppendJsonString(out, s);
  return out;
}

TEST(JsonLogTest, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(Quoted("plain"), "\"plain\"");
  EXPECT_EQ(Quoted("say \"hi\""), "\"say \\\"hi\\\"\"");
  EXPECT_EQ(Quoted("C:\\dir"), "\"C:\\\\dir\"");
  EXPECT_EQ(Quoted("a\nb\r\tc"), "\"a\\nb\\r\\tc\"");
  EXPECT_EQ(Quoted(std::string("\b\f\x01\x1f", 4)), "\"\\b\\f\\u0001\\u001f\"");
  EXPECT_EQ(Quoted(std::string("nul\0byte", 8)), "\"nul\\u0000byte\"");
  EXPECT_EQ(Quoted(""), "\"\"");
}

TEST(JsonLogTest, KeepsValidUtf8AndReplacesEveryInvalidByte) {
  const std::string valid = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80";  // é € 😀
  EXPECT_EQ(Quoted(valid), "\"" + valid + "\"");
  const std::string fffd = "\xef\xbf\xbd";
  EXPECT_EQ(Quoted("a\xff"
                   "b"),
            "\"a" + fffd + "b\"");                                                 // never valid
  EXPECT_EQ(Quoted("\x80"), "\"" + fffd + "\"");                                   // stray continuation
  EXPECT_EQ(Quoted("\xc3"), "\"" + fffd + "\"");                                   // truncated at the end
  EXPECT_EQ(Quoted("\xc3(x"), "\"" + fffd + "(x\"");                               // truncated in the middle
  EXPECT_EQ(Quoted("\xc0\xaf"), "\"" + fffd + fffd + "\"");                        // overlong '/'
  EXPECT_EQ(Quoted("\xe0\x80\xaf"), "\"" + fffd + fffd + fffd + "\"");             // overlong, 3 bytes
  EXPECT_EQ(Quoted("\xed\xa0\x80"), "\"" + fffd + fffd + fffd + "\"");             // a UTF-16 surrogate
  EXPECT_EQ(Quoted("\xf4\x90\x80\x80"), "\"" + fffd + fffd + fffd + fffd + "\"");  // beyond U+10FFFF
  // Whatever the bytes, the result is a JSON string that decodes (nlohmann checks UTF-8).
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  json parsed = json::parse(Quoted(all + all));
  ASSERT_TRUE(parsed.is_string());
  EXPECT_EQ(parsed.get<std::string>().substr(0, 128), all.substr(0, 128));  // ASCII round-trips
}

TEST(JsonLogTest, LineHasTheFieldsThatAreKnown) {
  Context c{.flow = "A->B", .topic = "orders", .partition = 3};
  std::string out;
  AppendJsonLine(out, JsonLine{.time_ms = 1'764'788'400'123,
                               .level = "warning",
                               .logger = "replication",
                               .message = "A->B#0: orders-3 will be \"re-read\"",
                               .node = "n1",
                               .thread = "km-A->B#0",
                               .context = &c});
  EXPECT_EQ(out,
            "{\"time\":\"2025-12-03T19:00:00.123Z\",\"level\":\"warning\",\"logger\":\"replication\",\"node\":\"n1\","
            "\"flow\":\"A->B\",\"topic\":\"orders\",\"partition\":3,\"thread\":\"km-A->B#0\","
            "\"message\":\"A->B#0: orders-3 will be \\\"re-read\\\"\"}\n");
  out.clear();
  Context none;
  AppendJsonLine(out, JsonLine{.time_ms = 5, .level = "info", .logger = "app", .message = "m", .context = &none});
  EXPECT_EQ(out, "{\"time\":\"1970-01-01T00:00:00.005Z\",\"level\":\"info\",\"logger\":\"app\",\"message\":\"m\"}\n");
}

TEST(JsonLogTest, ScopesSetAndRestoreTheThreadsContext) {
  EXPECT_EQ(CurrentContext().flow, "");
  {
    FlowScope flow("A->B");
    EXPECT_EQ(CurrentContext().flow, "A->B");
    {
      PartitionScope p("orders", 2);
      EXPECT_EQ(CurrentContext().flow, "A->B");
      EXPECT_EQ(CurrentContext().topic, "orders");
      EXPECT_EQ(CurrentContext().partition, 2);
    }
    EXPECT_EQ(CurrentContext().topic, "");
    EXPECT_EQ(CurrentContext().partition, -1);
    std::thread([] { EXPECT_EQ(CurrentContext().flow, ""); }).join();  // per thread
  }
  EXPECT_EQ(CurrentContext().flow, "");
}

TEST(JsonLogTest, FormatterWritesOneParsableObjectPerLineWithTheThreadsContext) {
  std::ostringstream captured;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(captured);
  sink->set_formatter(std::make_unique<JsonLogFormatter>("node-7"));
  spdlog::logger log("replication", sink);  // not registered: the process's loggers stay as they are
  std::thread([&log] {
    SetThreadName("km-A->B#0");
    FlowScope flow("A->B");
    log.info("task started");
    PartitionScope p("orders", 1);
    log.error("DATA LOSS: \"orders-1\"\n offsets 5..9 \xff");
  }).join();
  log.warn("no context here");

  std::istringstream lines(captured.str());
  std::vector<json> parsed;
  for (std::string line; std::getline(lines, line);) {
    json j = json::parse(line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << line;
    parsed.push_back(j);
  }
  ASSERT_EQ(parsed.size(), 3u);
  EXPECT_EQ(parsed[0]["level"], "info");
  EXPECT_EQ(parsed[0]["logger"], "replication");
  EXPECT_EQ(parsed[0]["node"], "node-7");
  EXPECT_EQ(parsed[0]["flow"], "A->B");
  EXPECT_EQ(parsed[0]["thread"], "km-A->B#0");
  EXPECT_FALSE(parsed[0].contains("topic"));
  EXPECT_EQ(parsed[0]["message"], "task started");
  EXPECT_EQ(parsed[1]["level"], "error");
  EXPECT_EQ(parsed[1]["topic"], "orders");
  EXPECT_EQ(parsed[1]["partition"], 1);
  EXPECT_EQ(parsed[1]["message"], "DATA LOSS: \"orders-1\"\n offsets 5..9 \xef\xbf\xbd");
  EXPECT_EQ(parsed[2]["node"], "node-7");
  EXPECT_FALSE(parsed[2].contains("flow"));
  EXPECT_TRUE(parsed[2]["time"].get<std::string>().ends_with("Z"));
}

TEST(JsonLogTest, ParseFormatKnowsTextAndJsonOnly) {
  EXPECT_EQ(ParseFormat("text"), Format::kText);
  EXPECT_EQ(ParseFormat("json"), Format::kJson);
  EXPECT_EQ(ParseFormat("JSON"), std::nullopt);
  EXPECT_EQ(ParseFormat("xml"), std::nullopt);
}

}  // namespace
}  // namespace kmirror::logging
