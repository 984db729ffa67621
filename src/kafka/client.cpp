#include "kmirror/kafka/client.h"

#include <mutex>
#include <unordered_map>

#include "kmirror/common/logging.h"
#include "kmirror/kafka/message.h"

namespace kmirror::kafka {
namespace {

// The log context of each live handle: the flow of the thread that created it, and its name.
// librdkafka logs from its own threads, which have no context of their own (logging.h).
struct HandleContexts {
  std::mutex mu;
  uint64_t next_generation = 1;
  // The generation tells a handle from a later one at the same address.
  std::unordered_map<const rd_kafka_t*, std::pair<uint64_t, logging::Context>> of;
};

HandleContexts& contexts() {
  static HandleContexts* c = new HandleContexts();  // never destroyed: librdkafka threads may log until exit
  return *c;
}

logging::Context ContextOf(const rd_kafka_t* rk) {
  logging::Context c;
  if (rk == nullptr) return c;
  HandleContexts& h = contexts();
  std::lock_guard lock(h.mu);
  auto it = h.of.find(rk);
  if (it != h.of.end()) c = it->second.second;
  c.client = rd_kafka_name(rk);
  return c;
}

// librdkafka calls this from its own threads; spdlog loggers are thread-safe, and nothing
// here may throw (an exception across the C boundary would terminate the process).
void LogCallback(const rd_kafka_t* rk, int level, const char* fac, const char* buf) noexcept {
  try {
    static auto log = logging::Get("kafka");
    spdlog::level::level_enum lvl = spdlog::level::debug;
    if (level <= 3)
      lvl = spdlog::level::err;  // LOG_ERR and worse
    else if (level == 4)
      lvl = spdlog::level::warn;  // LOG_WARNING
    else if (level <= 6)
      lvl = spdlog::level::info;  // LOG_NOTICE, LOG_INFO
    if (!log->should_log(lvl)) return;
    logging::ContextScope context(ContextOf(rk));
    log->log(lvl, "{} {}: {}", rk ? rd_kafka_name(rk) : "?", fac, buf);
  } catch (...) {
  }
}

void ErrorCallback(rd_kafka_t* rk, int err, const char* reason, void*) noexcept {
  try {
    static auto log = logging::Get("kafka");
    auto e = static_cast<rd_kafka_resp_err_t>(err);
    // Transport errors are routine while a broker restarts; librdkafka retries them itself.
    bool routine = e == RD_KAFKA_RESP_ERR__TRANSPORT || e == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN;
    logging::ContextScope context(ContextOf(rk));
    log->log(routine ? spdlog::level::warn : spdlog::level::err, "{}: {} ({})", rd_kafka_name(rk), reason,
             rd_kafka_err2name(e));
  } catch (...) {
  }
}

// Served inside the owner's poll: a copy of the text, nothing parsed (statistics.h).
int StatisticsCallback(rd_kafka_t* rk, char* json, size_t json_len, void*) noexcept {
  try {
    StatisticsBoard::Global().Publish(rk, std::string_view(json, json_len));
  } catch (...) {
  }
  return 0;  // librdkafka frees `json`
}

}  // namespace

HeadersPtr Message::DetachHeaders() {
  rd_kafka_headers_t* hdrs = nullptr;
  if (rd_kafka_message_detach_headers(m_.get(), &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR) return nullptr;
  return HeadersPtr(hdrs);
}

std::optional<std::string_view> LastHeader(const rd_kafka_headers_t* headers, std::string_view name) {
  if (headers == nullptr) return std::nullopt;
  const void* value = nullptr;
  size_t size = 0;
  std::string n(name);
  if (rd_kafka_header_get_last(headers, n.c_str(), &value, &size) != RD_KAFKA_RESP_ERR_NO_ERROR) return std::nullopt;
  if (value == nullptr) return std::string_view();
  return std::string_view(static_cast<const char*>(value), size);
}

void SetHeader(HeadersPtr& headers, std::string_view name, std::string_view value) {
  std::string n(name);
  if (!headers) {
    headers.reset(rd_kafka_headers_new(2));  // kmirror sets two (kmirror.prov, kmirror.hop): one allocation
  } else {
    (void)rd_kafka_header_remove(headers.get(), n.c_str());  // _NOENT when absent: fine
  }
  (void)rd_kafka_header_add(headers.get(), n.data(), static_cast<ssize_t>(n.size()), value.data(),
                            static_cast<ssize_t>(value.size()));
}

Result<ConfPtr> MakeConf(const ClientProps& props, const std::string& name) {
  ConfPtr conf(rd_kafka_conf_new());
  char err[512];
  auto set = [&](const std::string& k, const std::string& v) -> Status {
    if (rd_kafka_conf_set(conf.get(), k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      // Never echo the value: it may be a password.
      return InvalidArgument("client " + name + ": property " + k + ": " + err);
    }
    return Status::Ok();
  };
  KM_RETURN_IF_ERROR(set("client.id", name));
  for (const auto& [k, v] : props) KM_RETURN_IF_ERROR(set(k, v));
  rd_kafka_conf_set_log_cb(conf.get(), LogCallback);
  rd_kafka_conf_set_error_cb(conf.get(), ErrorCallback);
  return conf;
}

Result<HandlePtr> MakeHandle(rd_kafka_type_t type, ConfPtr conf, const StatisticsTag& statistics) {
  char err[512];
  const std::chrono::milliseconds interval = StatisticsBoard::Global().interval();
  const bool stats = !statistics.empty() && interval.count() > 0;
  if (stats) {
    const std::string ms = std::to_string(interval.count());
    if (rd_kafka_conf_set(conf.get(), "statistics.interval.ms", ms.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK)
      return InvalidArgument(std::string("statistics.interval.ms: ") + err);
    rd_kafka_conf_set_stats_cb(conf.get(), StatisticsCallback);
  }
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), err, sizeof err);
  if (rk == nullptr) return InvalidArgument(std::string("creating Kafka client: ") + err);
  conf.release();  // rd_kafka_new took ownership
  {
    HandleContexts& h = contexts();
    logging::Context c = logging::CurrentContext();
    c.topic.clear();
    c.partition = -1;
    std::lock_guard lock(h.mu);
    h.of[rk] = {h.next_generation++, std::move(c)};
  }
  // Before the first poll, so no report is missed.
  if (stats) StatisticsBoard::Global().Register(rk, statistics);
  return HandlePtr(rk);
}

void DestroyHandle(rd_kafka_t* rk) {
  if (rk == nullptr) return;
  // Before the destroy: a handle made afterwards may get the same address.
  StatisticsBoard::Global().Unregister(rk);
  HandleContexts& h = contexts();
  uint64_t generation = 0;
  {
    std::lock_guard lock(h.mu);
    auto it = h.of.find(rk);
    if (it != h.of.end()) generation = it->second.first;
  }
  rd_kafka_destroy(rk);  // its last log lines still find their context
  std::lock_guard lock(h.mu);
  auto it = h.of.find(rk);
  if (it != h.of.end() && it->second.first == generation) h.of.erase(it);
}

PartitionListPtr MakePartitionList(const std::vector<TopicPartition>& tps) {
  PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(tps.size())));
  for (const auto& tp : tps) rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition.value());
  return list;
}

std::string LibraryVersion() { return rd_kafka_version_str(); }

}  // namespace kmirror::kafka
