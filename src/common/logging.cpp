#include "kmirror/common/logging.h"

#include <ctime>
#include <mutex>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include "kmirror/common/thread_name.h"

namespace kmirror::logging {
namespace {

constexpr const char* kTextPattern = "%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ [%n] %v";

struct Registry {
  std::mutex mu;
  spdlog::sink_ptr sink = MakeSink();
  spdlog::level::level_enum level = spdlog::level::info;
  Format format = Format::kText;
  std::string node;

  static spdlog::sink_ptr MakeSink() {
    auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    // The format is the sink's (shared by every logger), never a logger's: a logger created
    // later must not put the text pattern back.
    sink->set_formatter(std::make_unique<spdlog::pattern_formatter>(kTextPattern));
    return sink;
  }
  // Under mu.
  void Install() {
    if (format == Format::kJson)
      sink->set_formatter(std::make_unique<JsonLogFormatter>(node));
    else
      sink->set_formatter(std::make_unique<spdlog::pattern_formatter>(kTextPattern));
  }
};

Registry& registry() {
  static Registry* r = new Registry();  // never destroyed: loggers are used until exit
  return *r;
}

thread_local Context current_context;

void AppendCodePoint(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Length of the well-formed UTF-8 sequence starting at s[i] (Unicode's table 3-7), 0 when
// the bytes there are not one.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  auto at = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b = at(i);
  size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte
  if (b >= 0xC2 && b <= 0xDF) {
    n = 2;
  } else if (b >= 0xE0 && b <= 0xEF) {
    n = 3;
    if (b == 0xE0) lo = 0xA0;  // overlong
    if (b == 0xED) hi = 0x9F;  // surrogates
  } else if (b >= 0xF0 && b <= 0xF4) {
    n = 4;
    if (b == 0xF0) lo = 0x90;  // overlong
    if (b == 0xF4) hi = 0x8F;  // beyond U+10FFFF
  } else {
    return 0;  // a continuation byte, C0/C1 (overlong), F5..FF
  }
  if (i + n > s.size()) return 0;
  if (at(i + 1) < lo || at(i + 1) > hi) return 0;
  for (size_t k = 2; k < n; ++k) {
    if (at(i + k) < 0x80 || at(i + k) > 0xBF) return 0;
  }
  return n;
}

void AppendField(std::string& out, std::string_view name, std::string_view value) {
  if (value.empty()) return;
  out += ",\"";
  out += name;
  out += "\":";
  AppendJsonString(out, value);
}

}  // namespace

std::shared_ptr<spdlog::logger> Get(const std::string& module) {
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  if (auto existing = spdlog::get(module)) return existing;
  auto logger = std::make_shared<spdlog::logger>(module, r.sink);
  logger->set_level(r.level);
  spdlog::register_logger(logger);
  return logger;
}

bool SetLevel(const std::string& level) {
  auto lvl = spdlog::level::from_str(level);
  if (lvl == spdlog::level::off && level != "off") return false;
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  r.level = lvl;
  spdlog::apply_all([lvl](const std::shared_ptr<spdlog::logger>& l) { l->set_level(lvl); });
  return true;
}

std::optional<Format> ParseFormat(std::string_view name) {
  if (name == "text") return Format::kText;
  if (name == "json") return Format::kJson;
  return std::nullopt;
}

void SetFormat(Format format) {
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  r.format = format;
  r.Install();
}

Format CurrentFormat() {
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  return r.format;
}

void SetNode(const std::string& node) {
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  r.node = node;
  r.Install();
}

const Context& CurrentContext() { return current_context; }

ContextScope::ContextScope(Context context) : saved_(std::move(current_context)) {
  current_context = std::move(context);
}

ContextScope::~ContextScope() { current_context = std::move(saved_); }

FlowScope::FlowScope(std::string_view flow) : ContextScope(Context{.flow = std::string(flow)}) {}

PartitionScope::PartitionScope(std::string_view topic, int32_t partition)
    : ContextScope(Context{.flow = current_context.flow, .topic = std::string(topic), .partition = partition}) {}

void AppendJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const size_t n = Utf8SequenceLength(s, i);
      if (n == 0) {
        AppendCodePoint(out, 0xFFFD);  // one replacement character per byte that fits nothing
        ++i;
      } else {
        out.append(s.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
}

void AppendJsonLine(std::string& out, const JsonLine& line) {
  const time_t secs = static_cast<time_t>(line.time_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  out += fmt::format("{{\"time\":\"{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z\"", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, line.time_ms % 1000);
  AppendField(out, "level", line.level);
  AppendField(out, "logger", line.logger);
  AppendField(out, "node", line.node);
  if (line.context != nullptr) {
    AppendField(out, "flow", line.context->flow);
    AppendField(out, "topic", line.context->topic);
    if (line.context->partition >= 0) out += fmt::format(",\"partition\":{}", line.context->partition);
    AppendField(out, "client", line.context->client);
  }
  AppendField(out, "thread", line.thread);
  out += ",\"message\":";
  AppendJsonString(out, line.message);
  out += "}\n";
}

void JsonLogFormatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
  const int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch()).count();
  const std::string thread = CurrentThreadName();
  const spdlog::string_view_t level = spdlog::level::to_string_view(msg.level);
  std::string out;
  out.reserve(msg.payload.size() + 160);
  AppendJsonLine(out, JsonLine{.time_ms = ms,
                               .level = std::string_view(level.data(), level.size()),
                               .logger = std::string_view(msg.logger_name.data(), msg.logger_name.size()),
                               .message = std::string_view(msg.payload.data(), msg.payload.size()),
                               .node = node_,
                               .thread = thread,
                               .context = &current_context});
  dest.append(out.data(), out.data() + out.size());
}

std::unique_ptr<spdlog::formatter> JsonLogFormatter::clone() const { return std::make_unique<JsonLogFormatter>(node_); }

}  // namespace kmirror::logging
