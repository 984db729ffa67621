#include "kmirror/kafka/statistics.h"

#include <nlohmann/json.hpp>

namespace kmirror::kafka {
namespace {

using nlohmann::json;

// Member `key` of object `o`, or null when `o` is not an object or has no such member.
// Never throws: librdkafka's document is trusted for shape, not for presence of every field.
const json* Member(const json& o, std::string_view key) {
  if (!o.is_object()) return nullptr;
  auto it = o.find(key);
  return it == o.end() ? nullptr : &*it;
}

int64_t Int(const json& o, std::string_view key) {
  const json* v = Member(o, key);
  if (v == nullptr || !v->is_number()) return 0;
  return v->is_number_float() ? static_cast<int64_t>(v->get<double>()) : v->get<int64_t>();
}

uint64_t Count(const json& o, std::string_view key) {
  const int64_t v = Int(o, key);
  return v < 0 ? 0 : static_cast<uint64_t>(v);
}

std::string Text(const json& o, std::string_view key) {
  const json* v = Member(o, key);
  return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
}

// librdkafka's "rtt" window (microseconds).
void ReadRtt(const json& broker, BrokerStatistics& b) {
  const json* rtt = Member(broker, "rtt");
  if (rtt == nullptr) return;
  b.rtt_samples = Int(*rtt, "cnt");
  if (b.rtt_samples <= 0) return;
  b.rtt_avg_seconds = static_cast<double>(Int(*rtt, "avg")) / 1e6;
  b.rtt_p99_seconds = static_cast<double>(Int(*rtt, "p99")) / 1e6;
}

void AddBroker(std::vector<BrokerStatistics>& brokers, const BrokerStatistics& b) {
  for (BrokerStatistics& have : brokers) {
    if (have.node_id != b.node_id) continue;
    // The same node under two names (its own handle and the coordinator's): one broker.
    have.outbuf_requests += b.outbuf_requests;
    have.outbuf_messages += b.outbuf_messages;
    have.waitresp_requests += b.waitresp_requests;
    have.waitresp_messages += b.waitresp_messages;
    have.requests += b.requests;
    have.tx_errors += b.tx_errors;
    have.rx_errors += b.rx_errors;
    have.request_timeouts += b.request_timeouts;
    if (b.rtt_samples > have.rtt_samples) {
      have.rtt_samples = b.rtt_samples;
      have.rtt_avg_seconds = b.rtt_avg_seconds;
      have.rtt_p99_seconds = b.rtt_p99_seconds;
    }
    return;
  }
  brokers.push_back(b);
}

}  // namespace

Result<ClientStatistics> ParseStatistics(std::string_view text) {
  const json doc = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return InvalidArgument("librdkafka statistics: not a JSON object");
  ClientStatistics s;
  s.name = Text(doc, "name");
  s.type = Text(doc, "type");
  s.reply_queue = Int(doc, "replyq");
  s.queue_messages = Int(doc, "msg_cnt");
  s.queue_bytes = Int(doc, "msg_size");
  if (const json* brokers = Member(doc, "brokers"); brokers != nullptr && brokers->is_object()) {
    for (const auto& [name, br] : brokers->items()) {
      const int64_t id = Int(br, "nodeid");
      const std::string source = Text(br, "source");
      // The logical coordinator handle has its own connection to its node: its requests are
      // that node's too (AddBroker adds them up). Bootstrap entries before their id is known
      // and the internal handle are no broker.
      if (id < 0 || source == "internal") continue;
      BrokerStatistics b;
      b.node_id = static_cast<int32_t>(id);
      b.outbuf_requests = Int(br, "outbuf_cnt");
      b.outbuf_messages = Int(br, "outbuf_msg_cnt");
      b.waitresp_requests = Int(br, "waitresp_cnt");
      b.waitresp_messages = Int(br, "waitresp_msg_cnt");
      b.requests = Count(br, "tx");
      b.tx_errors = Count(br, "txerrs");
      b.rx_errors = Count(br, "rxerrs");
      b.request_timeouts = Count(br, "req_timeouts");
      ReadRtt(br, b);
      AddBroker(s.brokers, b);
    }
  }
  if (const json* topics = Member(doc, "topics"); topics != nullptr && topics->is_object()) {
    for (const auto& [topic, t] : topics->items()) {
      const json* parts = Member(t, "partitions");
      if (parts == nullptr || !parts->is_object()) continue;
      for (const auto& [key, p] : parts->items()) {
        const int64_t partition = Int(p, "partition");
        if (partition < 0) continue;  // "-1": librdkafka's unassigned-partition queue
        s.fetch_queue_messages += Int(p, "fetchq_cnt");
        s.fetch_queue_bytes += Int(p, "fetchq_size");
        // Only partitions this consumer fetches have a lag (-1 otherwise: not assigned here,
        // or no committed offset and high watermark known yet).
        const int64_t lag = Int(p, "consumer_lag");
        const std::string state = Text(p, "fetch_state");
        if (s.type != "consumer" || lag < 0 || state == "none" || state == "stopped") continue;
        s.lags.push_back({topic, static_cast<int32_t>(partition), lag});
      }
    }
  }
  return s;
}

StatisticsBoard& StatisticsBoard::Global() {
  static StatisticsBoard* board = new StatisticsBoard();  // never destroyed: clients may outlive main's scope
  return *board;
}

void StatisticsBoard::SetInterval(std::chrono::milliseconds interval) {
  std::lock_guard lock(mu_);
  interval_ = interval;
}

std::chrono::milliseconds StatisticsBoard::interval() const {
  std::lock_guard lock(mu_);
  return interval_;
}

void StatisticsBoard::Register(const rd_kafka_s* rk, StatisticsTag tag) {
  std::lock_guard lock(mu_);
  entries_[rk] = Entry{std::move(tag), nullptr};
}

void StatisticsBoard::Unregister(const rd_kafka_s* rk) {
  Entry gone;
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(rk);
    if (it == entries_.end()) return;
    gone = std::move(it->second);
    entries_.erase(it);
  }
  if (!gone.json) return;
  // Parsed outside the lock: this runs where a client is destroyed, not on a hot path.
  Result<ClientStatistics> last = ParseStatistics(*gone.json);
  if (!last.ok()) return;
  std::lock_guard lock(mu_);
  for (const BrokerStatistics& b : last->brokers) {
    BrokerStatistics& r = retired_[RetiredKey{gone.tag.flow, gone.tag.role, b.node_id}];
    r.node_id = b.node_id;
    r.requests += b.requests;
    r.tx_errors += b.tx_errors;
    r.rx_errors += b.rx_errors;
    r.request_timeouts += b.request_timeouts;
  }
}

void StatisticsBoard::Publish(const rd_kafka_s* rk, std::string_view json) {
  // The copy is made before the lock; under it only a pointer is swapped, so the scrape and
  // the clients' threads never wait on each other for long. The old report is freed after.
  auto report = std::make_shared<const std::string>(json);
  std::unique_lock lock(mu_);
  auto it = entries_.find(rk);
  if (it == entries_.end()) return;
  it->second.json.swap(report);
  lock.unlock();
}

std::vector<ClientReport> StatisticsBoard::Collect(uint64_t* parse_failures) const {
  std::vector<std::pair<StatisticsTag, std::shared_ptr<const std::string>>> latest;
  std::map<RetiredKey, BrokerStatistics> retired;
  {
    std::lock_guard lock(mu_);
    for (const auto& [rk, e] : entries_) {
      if (e.json) latest.emplace_back(e.tag, e.json);
    }
    retired = retired_;
  }
  std::vector<ClientReport> out;
  uint64_t failures = 0;
  for (auto& [tag, json] : latest) {
    Result<ClientStatistics> s = ParseStatistics(*json);
    if (!s.ok()) {
      ++failures;
      continue;
    }
    out.push_back(ClientReport{std::move(tag), std::move(s).value(), false});
  }
  // One retired report per flow and role, holding every broker's counters.
  for (const auto& [key, b] : retired) {
    const auto& [flow, role, node] = key;
    if (out.empty() || !out.back().retired || out.back().tag.flow != flow || out.back().tag.role != role) {
      out.push_back(ClientReport{StatisticsTag{flow, role}, ClientStatistics{}, true});
    }
    out.back().stats.brokers.push_back(b);
  }
  if (parse_failures != nullptr) *parse_failures = failures;
  return out;
}

}  // namespace kmirror::kafka
