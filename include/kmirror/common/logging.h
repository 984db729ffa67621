// One spdlog logger per module ("config", "kafka", "replication", "app", ...), all writing
// to the same sink so lines interleave in order. Loggers are created on first use.
//
// Two line formats (log.format): human-readable text, the default, and JSON, one object per
// line for log pipelines (JsonLogFormatter below): time, level, logger, message, node,
// thread, and flow / topic / partition / client when the line's thread knows them.
//
// Context: a thread that works for one flow says so once, at its start (FlowScope); code
// about to log a line about one partition wraps it in a PartitionScope. The context lives in
// a thread_local that only the JSON formatter reads, when a line is written: nothing is
// done per record, and the text format ignores it (its lines already name flow and
// partition in their text). librdkafka's lines carry the flow of the thread that created
// the client (kafka/client.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <spdlog/formatter.h>
#include <spdlog/spdlog.h>

namespace kmirror::logging {

// The logger for `module`; creates it with the process-wide sink and level on first call.
std::shared_ptr<spdlog::logger> Get(const std::string& module);

// Sets the level of every existing and future module logger ("info", "debug", ...).
// Returns false for an unknown level name.
bool SetLevel(const std::string& level);

enum class Format { kText, kJson };
// "text" or "json"; nullopt for anything else.
std::optional<Format> ParseFormat(std::string_view name);
// Switches every logger's line format (they share the sink); any thread, any time.
void SetFormat(Format format);
Format CurrentFormat();
// This process's node id (node.id), a field of every JSON line; "" leaves it out.
void SetNode(const std::string& node);

// What the calling thread's lines are about. Empty strings and partition -1: not known.
struct Context {
  std::string flow{};   // "A->B"
  std::string topic{};  // source topic
  int32_t partition = -1;
  std::string client{};  // librdkafka's name of the client a librdkafka line comes from
};
// The calling thread's context (empty unless a scope below is alive on this thread).
const Context& CurrentContext();

// Replaces the calling thread's context with `context` until destroyed, then restores the
// previous one. Used on one thread only (not copyable, not movable).
class ContextScope {
 public:
  explicit ContextScope(Context context);
  ~ContextScope();
  ContextScope(const ContextScope&) = delete;
  ContextScope& operator=(const ContextScope&) = delete;

 private:
  Context saved_;
};

// The thread works for `flow` (topic and partition cleared): set once where a flow's thread
// starts, or around code on a shared thread that starts a flow's parts (their librdkafka
// clients take the flow from the creating thread).
class FlowScope : public ContextScope {
 public:
  explicit FlowScope(std::string_view flow);
};

// The lines logged while it lives are about `topic`-`partition` (the flow is kept).
class PartitionScope : public ContextScope {
 public:
  PartitionScope(std::string_view topic, int32_t partition);
};

// ---- The JSON format (pure parts, unit-tested) -------------------------------------------

// Appends `s` as a JSON string (quotes included): `"` and `\` escaped, control characters as
// \n, \t, ... or \u00XX, and every byte that is not part of valid UTF-8 (a stray
// continuation byte, a truncated or overlong sequence, a surrogate, beyond U+10FFFF) as
// U+FFFD, so that any message, whatever bytes a record key or a broker put in it, is one
// valid JSON line.
void AppendJsonString(std::string& out, std::string_view s);

struct JsonLine {
  int64_t time_ms = 0;  // Unix time in milliseconds, written as UTC ISO 8601 ("...T19:10:00.123Z")
  std::string_view level{};
  std::string_view logger{};
  std::string_view message{};
  std::string_view node{};
  std::string_view thread{};
  const Context* context = nullptr;
};
// One JSON object and '\n'. Fields in a fixed order; empty ones (and partition -1) left out.
void AppendJsonLine(std::string& out, const JsonLine& line);

// The spdlog formatter of the JSON format (SetFormat(kJson) installs it on the sink). Runs
// on the thread that logs (the loggers are synchronous), so it sees that thread's context.
class JsonLogFormatter : public spdlog::formatter {
 public:
  explicit JsonLogFormatter(std::string node) : node_(std::move(node)) {}
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
  std::unique_ptr<spdlog::formatter> clone() const override;

 private:
  std::string node_;
};

}  // namespace kmirror::logging
