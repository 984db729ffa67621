#include "support/kafka_client.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iomanip>
#include <mutex>
#include <sstream>
#include <thread>

#include "support/process.h"
#include "support/rdkafka_handles.h"

namespace kmirror::test {
namespace {

using namespace std::chrono_literals;
using ::testing::AssertionFailure;
using ::testing::AssertionResult;
using ::testing::AssertionSuccess;
using Props = std::map<std::string, std::string>;
using Millis = std::chrono::milliseconds;

// librdkafka logs every refused connection (brokers being killed and restarted is normal
// in these tests). Quiet unless KMIRROR_TEST_RDKAFKA_LOG is set; errors that matter reach
// the caller as return values anyway.
void LogCallback(const rd_kafka_t* rk, int level, const char* facility, const char* message) {
  static const bool verbose = std::getenv("KMIRROR_TEST_RDKAFKA_LOG") != nullptr;
  if (verbose) {
    std::fprintf(stderr, "[test rdkafka %s] %d %s: %s\n", rd_kafka_name(rk), level, facility,
                 message);
  }
}

int TimeoutMs(Millis timeout) { return static_cast<int>(std::max<Millis::rep>(0, timeout.count())); }

std::string ErrText(rd_kafka_resp_err_t err) {
  return std::string(rd_kafka_err2name(err)) + " (" + rd_kafka_err2str(err) + ")";
}

std::string Describe(const ClientConfig& client) { return "cluster " + client.bootstrap; }

struct DeliveryState;

// What a handle's callbacks record. Owned next to the handle (see Client).
struct ClientState {
  DeliveryState* delivery = nullptr;  // producers that track delivery reports
  mutable std::mutex mu;
  // The last error librdkafka reported asynchronously (error_cb): a refused connection,
  // a failed SASL handshake... Quoted in failure messages; stops waits that cannot succeed.
  rd_kafka_resp_err_t last_error = RD_KAFKA_RESP_ERR_NO_ERROR;
  std::string last_error_text;
  // Sticky: the follow-up "all brokers down" must not hide why.
  std::string authentication_error;
};

void ErrorCallback(rd_kafka_t*, int err, const char* reason, void* opaque) {
  auto* state = static_cast<ClientState*>(opaque);
  std::lock_guard lock(state->mu);
  state->last_error = static_cast<rd_kafka_resp_err_t>(err);
  state->last_error_text = std::string(rd_kafka_err2name(state->last_error)) + ": " + reason;
  if (err == RD_KAFKA_RESP_ERR__AUTHENTICATION && state->authentication_error.empty()) {
    state->authentication_error = state->last_error_text;
  }
}

// A librdkafka handle plus the state its callbacks write to. Members are destroyed in
// reverse order: the handle (and its threads) before the state they use.
class Client {
 public:
  Client(std::unique_ptr<ClientState> state, rdk::Handle handle)
      : state_(std::move(state)), handle_(std::move(handle)) {}
  rd_kafka_t* get() const { return handle_.get(); }
  ClientState& state() const { return *state_; }
  std::string LastError() const {
    std::lock_guard lock(state_->mu);
    return state_->authentication_error.empty() ? state_->last_error_text : state_->authentication_error;
  }
  bool AuthenticationFailed() const {
    std::lock_guard lock(state_->mu);
    return !state_->authentication_error.empty();
  }

 private:
  std::unique_ptr<ClientState> state_;
  rdk::Handle handle_;
};

// A client of the given type: test-friendly defaults, then `defaults`, then the caller's
// ClientConfig::properties. `customize` may add callbacks to the conf.
Outcome<Client> NewClient(rd_kafka_type_t type, const ClientConfig& client, const Props& defaults = {},
                          const std::function<void(rd_kafka_conf_t*)>& customize = {},
                          DeliveryState* delivery = nullptr) {
  rdk::Conf conf(rd_kafka_conf_new());
  Props props = {
      {"bootstrap.servers", client.bootstrap},
      {"client.id", "kmirror-test-support"},
      // Never let a lookup create the topic it is checking for.
      {"allow.auto.create.topics", "false"},
      // Brokers are local and get killed/restarted on purpose: reconnect quickly instead of
      // backing off for up to 10 s.
      {"reconnect.backoff.ms", "20"},
      {"reconnect.backoff.max.ms", "500"},
      {"topic.metadata.refresh.interval.ms", "5000"},
      {"api.version.request.timeout.ms", "5000"},
      {"socket.connection.setup.timeout.ms", "5000"},
  };
  for (const auto& [k, v] : defaults) props[k] = v;
  for (const auto& [k, v] : client.properties) props[k] = v;
  char errstr[512];
  for (const auto& [k, v] : props) {
    if (rd_kafka_conf_set(conf.get(), k.c_str(), v.c_str(), errstr, sizeof errstr) !=
        RD_KAFKA_CONF_OK) {
      return Failure{"client config " + k + "=" + v + ": " + errstr};
    }
  }
  auto state = std::make_unique<ClientState>();
  state->delivery = delivery;
  rd_kafka_conf_set_log_cb(conf.get(), LogCallback);
  rd_kafka_conf_set_error_cb(conf.get(), ErrorCallback);
  rd_kafka_conf_set_opaque(conf.get(), state.get());
  if (customize) customize(conf.get());
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), errstr, sizeof errstr);
  if (rk == nullptr) return Failure{std::string("rd_kafka_new: ") + errstr};
  conf.release();  // owned by rk now
  return Client(std::move(state), rdk::Handle(rk));
}

// Fresh cluster metadata: all topics (an all-topics request never auto-creates), or none
// (just the brokers). Asks in short slices so a failed SASL handshake ends the wait early.
Outcome<rdk::Metadata> FetchMetadata(const Client& rk, Millis timeout = 10s, bool all_topics = true) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const auto left = std::chrono::duration_cast<Millis>(deadline - std::chrono::steady_clock::now());
    const rd_kafka_metadata_t* md = nullptr;
    const rd_kafka_resp_err_t err =
        rd_kafka_metadata(rk.get(), all_topics ? 1 : 0, nullptr, &md, TimeoutMs(std::min<Millis>(left, 500ms)));
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return rdk::Metadata(md);
    rd_kafka_poll(rk.get(), 0);  // serves error_cb, which records why
    const bool give_up = rk.AuthenticationFailed() || std::chrono::steady_clock::now() >= deadline ||
                         err != RD_KAFKA_RESP_ERR__TIMED_OUT;
    if (give_up) {
      const std::string why = rk.LastError();
      return Failure{"metadata request: " + ErrText(err) + (why.empty() ? "" : " (last client error: " + why + ")")};
    }
  }
}

const rd_kafka_metadata_topic_t* FindTopic(const rd_kafka_metadata_t& md, std::string_view topic) {
  for (int i = 0; i < md.topic_cnt; ++i) {
    if (topic == md.topics[i].topic) return &md.topics[i];
  }
  return nullptr;
}

// True once the topic has exactly `partitions` partitions, each with a leader.
bool TopicReady(const rd_kafka_metadata_t& md, std::string_view topic, int partitions) {
  const auto* t = FindTopic(md, topic);
  if (t == nullptr || t->err != RD_KAFKA_RESP_ERR_NO_ERROR || t->partition_cnt != partitions) {
    return false;
  }
  for (int i = 0; i < t->partition_cnt; ++i) {
    if (t->partitions[i].err != RD_KAFKA_RESP_ERR_NO_ERROR || t->partitions[i].leader < 0) {
      return false;
    }
  }
  return true;
}

// Runs one admin operation and returns its result event (with the request-level error
// checked; per-item errors are for the caller).
Outcome<rdk::Event> RunAdmin(rd_kafka_t* rk, rd_kafka_admin_op_t op_type, const char* what,
                             const std::function<void(const rd_kafka_AdminOptions_t*, rd_kafka_queue_t*)>& op,
                             Millis timeout = 30s) {
  rdk::Queue queue(rd_kafka_queue_new(rk));
  rdk::AdminOptions options(rd_kafka_AdminOptions_new(rk, op_type));
  char errstr[512];
  if (rd_kafka_AdminOptions_set_request_timeout(options.get(), TimeoutMs(timeout), errstr,
                                                sizeof errstr) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Failure{std::string(what) + ": " + errstr};
  }
  // Only some operations support an operation timeout; ignore the error for the others.
  rd_kafka_AdminOptions_set_operation_timeout(options.get(), TimeoutMs(timeout), errstr,
                                              sizeof errstr);
  op(options.get(), queue.get());
  // The request timeout bounds the operation; the extra second lets its result arrive.
  rdk::Event event(rd_kafka_queue_poll(queue.get(), TimeoutMs(timeout + 1s)));
  if (!event) return Failure{std::string(what) + ": no result within " + std::to_string(timeout.count()) + " ms"};
  if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Failure{std::string(what) + ": " + rd_kafka_event_error_string(event.get())};
  }
  return event;
}

AssertionResult CheckTopicResults(const rd_kafka_topic_result_t** results, size_t count,
                                  const std::string& what) {
  for (size_t i = 0; i < count; ++i) {
    const rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* msg = rd_kafka_topic_result_error_string(results[i]);
      return AssertionFailure() << what << ": " << rd_kafka_err2name(err) << ": "
                                << (msg != nullptr ? msg : rd_kafka_err2str(err));
    }
  }
  return AssertionSuccess();
}

// Polls metadata until `ready` holds (or 30 s pass).
AssertionResult WaitForMetadata(const Client& rk, const std::string& what,
                                const std::function<bool(const rd_kafka_metadata_t&)>& ready,
                                Millis timeout = 30s) {
  std::string last_error;
  const bool ok = WaitUntil(
      [&] {
        auto md = FetchMetadata(rk, 5s);
        if (!md.ok()) {
          last_error = md.error();
          return false;
        }
        return ready(**md);
      },
      timeout, 50ms);
  if (ok) return AssertionSuccess();
  return AssertionFailure() << "timed out after " << timeout.count() << " ms waiting for " << what
                            << (last_error.empty() ? "" : " (last error: " + last_error + ")");
}

std::string Printable(const std::optional<std::string>& s) {
  if (!s) return "null";
  std::ostringstream os;
  os << '"';
  const std::size_t limit = 200;
  for (std::size_t i = 0; i < s->size() && i < limit; ++i) {
    const unsigned char c = static_cast<unsigned char>((*s)[i]);
    if (c == '"' || c == '\\') {
      os << '\\' << c;
    } else if (c >= 0x20 && c < 0x7f) {
      os << c;
    } else {
      os << "\\x" << std::hex << std::setw(2) << std::setfill('0') << static_cast<int>(c)
         << std::dec;
    }
  }
  if (s->size() > limit) os << "...(" << s->size() << " bytes)";
  os << '"';
  return os.str();
}

std::string PrintableHeaders(const std::vector<Header>& headers) {
  std::string out = "{";
  for (std::size_t i = 0; i < headers.size(); ++i) {
    if (i > 0) out += ", ";
    out += Printable(headers[i].first) + ": " + Printable(headers[i].second);
  }
  return out + "}";
}

std::atomic<int> g_txn_counter{0};

}  // namespace

// ---- Printing and comparing ------------------------------------------------------------

std::ostream& operator<<(std::ostream& os, TimestampType t) {
  switch (t) {
    case TimestampType::kNotAvailable: return os << "NotAvailable";
    case TimestampType::kCreateTime: return os << "CreateTime";
    case TimestampType::kLogAppendTime: return os << "LogAppendTime";
  }
  return os << "?";
}

void PrintTo(const Record& r, std::ostream* os) {
  *os << "Record{p=" << r.partition << " key=" << Printable(r.key)
      << " value=" << Printable(r.value) << " headers=" << PrintableHeaders(r.headers)
      << " ts=" << r.timestamp_ms << "}";
}

void PrintTo(const ConsumedRecord& r, std::ostream* os) {
  *os << "ConsumedRecord{p=" << r.partition << " offset=" << r.offset
      << " key=" << Printable(r.key) << " value=" << Printable(r.value)
      << " headers=" << PrintableHeaders(r.headers) << " ts=" << r.timestamp_ms << " "
      << r.timestamp_type << "}";
}

AssertionResult SameRecords(const std::vector<Record>& produced,
                            const std::vector<ConsumedRecord>& consumed) {
  const std::size_t n = std::min(produced.size(), consumed.size());
  for (std::size_t i = 0; i < n; ++i) {
    const Record& p = produced[i];
    const ConsumedRecord& c = consumed[i];
    std::string field;
    if (p.partition != c.partition) {
      field = "partition";
    } else if (p.key != c.key) {
      field = "key";
    } else if (p.value != c.value) {
      field = "value";
    } else if (p.headers != c.headers) {
      field = "headers";
    } else if (p.timestamp_ms != 0 && p.timestamp_ms != c.timestamp_ms) {
      field = "timestamp";
    }
    if (!field.empty()) {
      std::ostringstream pe, ce;
      PrintTo(p, &pe);
      PrintTo(c, &ce);
      return AssertionFailure() << "record #" << i << " differs in " << field
                                << "\n  expected: " << pe.str() << "\n  actual:   " << ce.str();
    }
  }
  if (produced.size() != consumed.size()) {
    return AssertionFailure() << "expected " << produced.size() << " records, got "
                              << consumed.size() << " (the first " << n << " match)";
  }
  return AssertionSuccess();
}

std::vector<Record> MakeRecords(int count, int partitions, std::string_view prefix) {
  std::vector<Record> records;
  records.reserve(static_cast<std::size_t>(std::max(count, 0)));
  const std::string p(prefix);
  for (int i = 0; i < count; ++i) {
    Record r;
    r.partition = partitions > 0 ? i % partitions : 0;
    r.key = p + "-key-" + std::to_string(i);
    r.value = p + "-value-" + std::to_string(i);
    r.headers = {{"i", std::to_string(i)}};
    records.push_back(std::move(r));
  }
  return records;
}

// ---- Cluster ---------------------------------------------------------------------------

Outcome<std::vector<int32_t>> BrokerIds(const ClientConfig& client, Millis timeout) {
  auto rk = NewClient(RD_KAFKA_PRODUCER, client);
  if (!rk.ok()) return Failure{rk.error()};
  // all_topics=0 and no topic: a metadata request for no topics, which still lists brokers.
  auto md = FetchMetadata(*rk, timeout, /*all_topics=*/false);
  if (!md.ok()) return Failure{md.error() + " on " + Describe(client)};
  std::vector<int32_t> ids;
  for (int i = 0; i < (*md)->broker_cnt; ++i) ids.push_back((*md)->brokers[i].id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

// ---- Topics ----------------------------------------------------------------------------

AssertionResult CreateTopic(const ClientConfig& client, const std::string& topic, int partitions,
                            int replication_factor, const Props& configs) {
  auto rk = NewClient(RD_KAFKA_PRODUCER, client);
  if (!rk.ok()) return AssertionFailure() << rk.error();
  char errstr[512];
  rdk::NewTopic new_topic(
      rd_kafka_NewTopic_new(topic.c_str(), partitions, replication_factor, errstr, sizeof errstr));
  if (!new_topic) return AssertionFailure() << "CreateTopic " << topic << ": " << errstr;
  for (const auto& [k, v] : configs) {
    if (rd_kafka_NewTopic_set_config(new_topic.get(), k.c_str(), v.c_str()) !=
        RD_KAFKA_RESP_ERR_NO_ERROR) {
      return AssertionFailure() << "CreateTopic " << topic << ": bad config " << k;
    }
  }
  rd_kafka_NewTopic_t* topics[] = {new_topic.get()};
  auto event = RunAdmin(rk->get(), RD_KAFKA_ADMIN_OP_CREATETOPICS, "CreateTopics",
                        [&](const rd_kafka_AdminOptions_t* opts, rd_kafka_queue_t* q) {
                          rd_kafka_CreateTopics(rk->get(), topics, 1, opts, q);
                        });
  if (!event.ok()) return AssertionFailure() << event.error();
  size_t count = 0;
  const auto** results =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event->get()), &count);
  if (auto r = CheckTopicResults(results, count, "CreateTopic " + topic + " on " + Describe(client)); !r) {
    return r;
  }
  return WaitForMetadata(*rk, "topic " + topic + " to have " + std::to_string(partitions) +
                                        " partitions with leaders",
                         [&](const rd_kafka_metadata_t& md) { return TopicReady(md, topic, partitions); });
}

AssertionResult DeleteTopic(const ClientConfig& client, const std::string& topic) {
  auto rk = NewClient(RD_KAFKA_PRODUCER, client);
  if (!rk.ok()) return AssertionFailure() << rk.error();
  rdk::DeleteTopic del(rd_kafka_DeleteTopic_new(topic.c_str()));
  rd_kafka_DeleteTopic_t* dels[] = {del.get()};
  auto event = RunAdmin(rk->get(), RD_KAFKA_ADMIN_OP_DELETETOPICS, "DeleteTopics",
                        [&](const rd_kafka_AdminOptions_t* opts, rd_kafka_queue_t* q) {
                          rd_kafka_DeleteTopics(rk->get(), dels, 1, opts, q);
                        });
  if (!event.ok()) return AssertionFailure() << event.error();
  size_t count = 0;
  const auto** results =
      rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(event->get()), &count);
  if (auto r = CheckTopicResults(results, count, "DeleteTopic " + topic + " on " + Describe(client)); !r) {
    return r;
  }
  return WaitForMetadata(*rk, "topic " + topic + " to disappear",
                         [&](const rd_kafka_metadata_t& md) { return FindTopic(md, topic) == nullptr; });
}

AssertionResult CreatePartitions(const ClientConfig& client, const std::string& topic,
                                 int total_partitions) {
  auto rk = NewClient(RD_KAFKA_PRODUCER, client);
  if (!rk.ok()) return AssertionFailure() << rk.error();
  char errstr[512];
  rdk::NewPartitions np(rd_kafka_NewPartitions_new(topic.c_str(),
                                                   static_cast<size_t>(total_partitions), errstr,
                                                   sizeof errstr));
  if (!np) return AssertionFailure() << "CreatePartitions " << topic << ": " << errstr;
  rd_kafka_NewPartitions_t* nps[] = {np.get()};
  auto event = RunAdmin(rk->get(), RD_KAFKA_ADMIN_OP_CREATEPARTITIONS, "CreatePartitions",
                        [&](const rd_kafka_AdminOptions_t* opts, rd_kafka_queue_t* q) {
                          rd_kafka_CreatePartitions(rk->get(), nps, 1, opts, q);
                        });
  if (!event.ok()) return AssertionFailure() << event.error();
  size_t count = 0;
  const auto** results = rd_kafka_CreatePartitions_result_topics(
      rd_kafka_event_CreatePartitions_result(event->get()), &count);
  if (auto r = CheckTopicResults(results, count, "CreatePartitions " + topic); !r) return r;
  return WaitForMetadata(*rk,
                         "topic " + topic + " to have " + std::to_string(total_partitions) + " partitions",
                         [&](const rd_kafka_metadata_t& md) { return TopicReady(md, topic, total_partitions); });
}

Outcome<std::vector<std::string>> ListTopics(const ClientConfig& client, bool include_internal) {
  auto rk = NewClient(RD_KAFKA_PRODUCER, client);
  if (!rk.ok()) return Failure{rk.error()};
  auto md = FetchMetadata(*rk);
  if (!md.ok()) return Failure{md.error() + " on " + Describe(client)};
  std::vector<std::string> names;
  for (int i = 0; i < (*md)->topic_cnt; ++i) {
    std::string name = (*md)->topics[i].topic;
    // Kafka's internal topics start with "__" (__consumer_offsets, __transaction_state).
    if (!include_internal && name.starts_with("__")) continue;
    names.push_back(std::move(name));
  }
  std::sort(names.begin(), names.end());
  return names;
}

Outcome<int> PartitionCount(const ClientConfig& client, const std::string& topic) {
  auto rk = NewClient(RD_KAFKA_PRODUCER, client);
  if (!rk.ok()) return Failure{rk.error()};
  auto md = FetchMetadata(*rk);
  if (!md.ok()) return Failure{md.error() + " on " + Describe(client)};
  const auto* t = FindTopic(**md, topic);
  if (t == nullptr) return Failure{"topic " + topic + " does not exist on " + Describe(client)};
  if (t->err != RD_KAFKA_RESP_ERR_NO_ERROR) return Failure{"topic " + topic + ": " + ErrText(t->err)};
  return t->partition_cnt;
}

namespace {
Outcome<Props> DescribeTopicConfigsWith(rd_kafka_t* rk, const std::string& topic) {
  rdk::ConfigResource resource(rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str()));
  rd_kafka_ConfigResource_t* resources[] = {resource.get()};
  auto event = RunAdmin(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, "DescribeConfigs",
                        [&](const rd_kafka_AdminOptions_t* opts, rd_kafka_queue_t* q) {
                          rd_kafka_DescribeConfigs(rk, resources, 1, opts, q);
                        });
  if (!event.ok()) return Failure{event.error()};
  size_t count = 0;
  const auto** results = rd_kafka_DescribeConfigs_result_resources(
      rd_kafka_event_DescribeConfigs_result(event->get()), &count);
  if (count != 1) return Failure{"DescribeConfigs " + topic + ": no result"};
  if (rd_kafka_ConfigResource_error(results[0]) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    const char* msg = rd_kafka_ConfigResource_error_string(results[0]);
    return Failure{"DescribeConfigs " + topic + ": " +
                   ErrText(rd_kafka_ConfigResource_error(results[0])) + (msg ? std::string(": ") + msg : "")};
  }
  size_t entry_count = 0;
  const auto** entries = rd_kafka_ConfigResource_configs(results[0], &entry_count);
  Props out;
  for (size_t i = 0; i < entry_count; ++i) {
    if (rd_kafka_ConfigEntry_source(entries[i]) != RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG) continue;
    const char* value = rd_kafka_ConfigEntry_value(entries[i]);
    out[rd_kafka_ConfigEntry_name(entries[i])] = value != nullptr ? value : "";
  }
  return out;
}
}  // namespace

Outcome<Props> DescribeTopicConfigs(const ClientConfig& client, const std::string& topic) {
  auto rk = NewClient(RD_KAFKA_PRODUCER, client);
  if (!rk.ok()) return Failure{rk.error()};
  return DescribeTopicConfigsWith(rk->get(), topic);
}

AssertionResult AlterTopicConfigs(const ClientConfig& client, const std::string& topic,
                                  const std::map<std::string, std::optional<std::string>>& changes) {
  auto rk = NewClient(RD_KAFKA_PRODUCER, client);
  if (!rk.ok()) return AssertionFailure() << rk.error();
  auto current = DescribeTopicConfigsWith(rk->get(), topic);
  if (!current.ok()) return AssertionFailure() << current.error();
  Props merged = *current;
  for (const auto& [k, v] : changes) {
    if (v) {
      merged[k] = *v;
    } else {
      merged.erase(k);
    }
  }
  rdk::ConfigResource resource(rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str()));
  for (const auto& [k, v] : merged) {
    if (rd_kafka_ConfigResource_set_config(resource.get(), k.c_str(), v.c_str()) !=
        RD_KAFKA_RESP_ERR_NO_ERROR) {
      return AssertionFailure() << "AlterTopicConfigs " << topic << ": bad config " << k;
    }
  }
  rd_kafka_ConfigResource_t* resources[] = {resource.get()};
  auto event = RunAdmin(rk->get(), RD_KAFKA_ADMIN_OP_ALTERCONFIGS, "AlterConfigs",
                        [&](const rd_kafka_AdminOptions_t* opts, rd_kafka_queue_t* q) {
                          rd_kafka_AlterConfigs(rk->get(), resources, 1, opts, q);
                        });
  if (!event.ok()) return AssertionFailure() << event.error();
  size_t count = 0;
  const auto** results = rd_kafka_AlterConfigs_result_resources(
      rd_kafka_event_AlterConfigs_result(event->get()), &count);
  for (size_t i = 0; i < count; ++i) {
    if (rd_kafka_ConfigResource_error(results[i]) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* msg = rd_kafka_ConfigResource_error_string(results[i]);
      return AssertionFailure() << "AlterTopicConfigs " << topic << ": "
                                << ErrText(rd_kafka_ConfigResource_error(results[i]))
                                << (msg != nullptr ? std::string(": ") + msg : "");
    }
  }
  return AssertionSuccess();
}

// ---- Offsets ---------------------------------------------------------------------------

namespace {
// A consumer handle without group.id: no group coordinator, so verification never creates
// __consumer_offsets or touches any group. It is used with the "legacy" per-partition
// consume API, which needs no group (rd_kafka_assign() would).
Outcome<Client> NewGrouplessConsumer(const ClientConfig& client, bool read_committed) {
  return NewClient(RD_KAFKA_CONSUMER, client,
                   {
                       {"isolation.level", read_committed ? "read_committed" : "read_uncommitted"},
                       {"enable.partition.eof", "true"},
                       {"enable.auto.commit", "false"},
                       {"enable.auto.offset.store", "false"},
                       // A fetch at the end of the log returns after 10 ms: quick end detection.
                       {"fetch.wait.max.ms", "10"},
                       {"fetch.message.max.bytes", "8388608"},
                       {"queued.max.messages.kbytes", "262144"},
                       {"queued.min.messages", "200000"},
                   });
}

// Fails fast (instead of waiting for a leader that never comes) if the partition is absent.
AssertionResult CheckPartitionExists(const Client& rk, const ClientConfig& client,
                                     const std::string& topic, int32_t partition) {
  auto md = FetchMetadata(rk);
  if (!md.ok()) return AssertionFailure() << md.error() << " on " << Describe(client);
  const auto* t = FindTopic(**md, topic);
  if (t == nullptr) return AssertionFailure() << "topic " << topic << " does not exist on " << Describe(client);
  if (partition < 0 || partition >= t->partition_cnt) {
    return AssertionFailure() << "topic " << topic << " has no partition " << partition << " on "
                              << Describe(client);
  }
  return AssertionSuccess();
}

Outcome<WatermarkOffsets> QueryWatermarks(rd_kafka_t* rk, const std::string& topic, int32_t partition) {
  WatermarkOffsets wm;
  const rd_kafka_resp_err_t err =
      rd_kafka_query_watermark_offsets(rk, topic.c_str(), partition, &wm.low, &wm.high, 10000);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Failure{"watermarks of " + topic + "[" + std::to_string(partition) + "]: " + ErrText(err)};
  }
  return wm;
}
}  // namespace

Outcome<WatermarkOffsets> Watermarks(const ClientConfig& client, const std::string& topic,
                                     int32_t partition, bool read_committed) {
  auto rk = NewGrouplessConsumer(client, read_committed);
  if (!rk.ok()) return Failure{rk.error()};
  if (auto r = CheckPartitionExists(*rk, client, topic, partition); !r) return Failure{r.message()};
  return QueryWatermarks(rk->get(), topic, partition);
}

AssertionResult DeleteRecords(const ClientConfig& client, const std::string& topic,
                              int32_t partition, int64_t before_offset) {
  auto rk = NewClient(RD_KAFKA_PRODUCER, client);
  if (!rk.ok()) return AssertionFailure() << rk.error();
  rdk::PartitionList offsets(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(offsets.get(), topic.c_str(), partition)->offset = before_offset;
  rdk::DeleteRecords del(rd_kafka_DeleteRecords_new(offsets.get()));
  rd_kafka_DeleteRecords_t* dels[] = {del.get()};
  auto event = RunAdmin(rk->get(), RD_KAFKA_ADMIN_OP_DELETERECORDS, "DeleteRecords",
                        [&](const rd_kafka_AdminOptions_t* opts, rd_kafka_queue_t* q) {
                          rd_kafka_DeleteRecords(rk->get(), dels, 1, opts, q);
                        });
  if (!event.ok()) return AssertionFailure() << event.error();
  const rd_kafka_topic_partition_list_t* result =
      rd_kafka_DeleteRecords_result_offsets(rd_kafka_event_DeleteRecords_result(event->get()));
  for (int i = 0; result != nullptr && i < result->cnt; ++i) {
    if (result->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return AssertionFailure() << "DeleteRecords " << topic << "[" << result->elems[i].partition
                                << "] before " << before_offset << ": " << ErrText(result->elems[i].err);
    }
  }
  return AssertionSuccess();
}

// ---- Producing -------------------------------------------------------------------------

namespace {

struct DeliveryState {
  std::size_t delivered = 0;
  std::size_t failed = 0;
  std::string first_error;
  std::map<int32_t, int64_t> last_offset;  // partition -> offset of its last delivered record
};

// Runs on the thread calling rd_kafka_poll/flush, i.e. ours: no locking needed.
void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
  auto* state = static_cast<ClientState*>(opaque)->delivery;
  if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    ++state->delivered;
    auto [it, inserted] = state->last_offset.emplace(msg->partition, msg->offset);
    if (!inserted) it->second = std::max(it->second, msg->offset);
    return;
  }
  if (state->failed++ == 0) {
    state->first_error = "delivery to " + std::string(rd_kafka_topic_name(msg->rkt)) + "[" +
                         std::to_string(msg->partition) + "] failed: " + ErrText(msg->err);
  }
}

Props ProducerDefaults(Millis timeout) {
  return {
      {"acks", "all"},
      {"enable.idempotence", "true"},
      // Big batches, short linger: tests push 100k+ records and then wait for all of them.
      {"linger.ms", "5"},
      {"batch.num.messages", "10000"},
      {"batch.size", "1000000"},
      {"queue.buffering.max.messages", "1000000"},
      {"queue.buffering.max.kbytes", "1048576"},
      {"message.timeout.ms", std::to_string(std::max<Millis::rep>(1000, timeout.count()))},
  };
}

// rd_kafka_producev with our Record; retries while the local queue is full.
rd_kafka_resp_err_t ProduceOne(rd_kafka_t* rk, rd_kafka_topic_t* rkt, const Record& r,
                               std::chrono::steady_clock::time_point deadline) {
  while (true) {
    rdk::Headers headers;
    if (!r.headers.empty()) {
      headers.reset(rd_kafka_headers_new(r.headers.size()));
      for (const auto& [name, value] : r.headers) {
        // A null pointer value makes a null header (distinct from an empty one).
        rd_kafka_header_add(headers.get(), name.data(), static_cast<ssize_t>(name.size()),
                            value ? value->data() : nullptr, value ? value->size() : 0);
      }
    }
    // Pointers from std::string::data() are never null, even when empty: librdkafka encodes a
    // non-null pointer with length 0 as an empty key/value, and a null pointer as null.
    // (Plain variables: the RD_KAFKA_V_* macros cast their arguments textually.)
    const void* key = r.key ? r.key->data() : nullptr;
    const size_t key_len = r.key ? r.key->size() : 0;
    void* value = r.value ? const_cast<char*>(r.value->data()) : nullptr;  // copied (F_COPY)
    const size_t value_len = r.value ? r.value->size() : 0;
    const int32_t partition = r.partition < 0 ? RD_KAFKA_PARTITION_UA : r.partition;
    const int64_t timestamp = r.timestamp_ms;
    const rd_kafka_resp_err_t err = rd_kafka_producev(
        rk, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_PARTITION(partition), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_KEY(key, key_len), RD_KAFKA_V_VALUE(value, value_len),
        RD_KAFKA_V_HEADERS(headers.get()), RD_KAFKA_V_TIMESTAMP(timestamp), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      headers.release();  // owned by the message now
      return err;
    }
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || std::chrono::steady_clock::now() > deadline) return err;
    rd_kafka_poll(rk, 10);  // serve delivery reports to make room
  }
}

AssertionResult ProduceWith(rd_kafka_t* rk, const std::string& topic, const std::vector<Record>& records,
                            DeliveryState& state, std::chrono::steady_clock::time_point deadline) {
  rdk::Topic rkt(rd_kafka_topic_new(rk, topic.c_str(), nullptr));
  if (!rkt) return AssertionFailure() << "rd_kafka_topic_new " << topic << ": " << ErrText(rd_kafka_last_error());
  for (std::size_t i = 0; i < records.size(); ++i) {
    const rd_kafka_resp_err_t err = ProduceOne(rk, rkt.get(), records[i], deadline);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return AssertionFailure() << "producing record #" << i << " to " << topic << ": " << ErrText(err);
    }
    if (i % 1024 == 0) rd_kafka_poll(rk, 0);
  }
  const auto remaining = std::chrono::duration_cast<Millis>(deadline - std::chrono::steady_clock::now());
  const rd_kafka_resp_err_t flush_err = rd_kafka_flush(rk, TimeoutMs(remaining));
  if (state.failed > 0) {
    return AssertionFailure() << state.failed << " of " << records.size()
                              << " records failed; first: " << state.first_error;
  }
  if (flush_err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return AssertionFailure() << "flush: " << ErrText(flush_err) << " with " << rd_kafka_outq_len(rk)
                              << " records undelivered";
  }
  return AssertionSuccess();
}

// A producer whose delivery reports land in `state`.
Outcome<Client> NewReportingProducer(const ClientConfig& client, DeliveryState* state, const Props& props) {
  return NewClient(
      RD_KAFKA_PRODUCER, client, props,
      [](rd_kafka_conf_t* conf) { rd_kafka_conf_set_dr_msg_cb(conf, OnDelivery); }, state);
}

AssertionResult TxnStep(rd_kafka_error_t* raw, const char* step) {
  rdk::Error error(raw);
  if (!error) return AssertionSuccess();
  return AssertionFailure() << step << ": " << rd_kafka_error_name(error.get()) << ": "
                            << rd_kafka_error_string(error.get());
}

}  // namespace

AssertionResult Produce(const ClientConfig& client, const std::string& topic,
                        const std::vector<Record>& records, Millis timeout) {
  DeliveryState state;
  auto rk = NewReportingProducer(client, &state, ProducerDefaults(timeout));
  if (!rk.ok()) return AssertionFailure() << rk.error();
  auto r = ProduceWith(rk->get(), topic, records, state, std::chrono::steady_clock::now() + timeout);
  if (!r) return AssertionFailure() << "Produce to " << topic << " on " << Describe(client) << ": " << r.message();
  return r;
}

AssertionResult ProduceTransaction(const ClientConfig& client, const std::string& topic,
                                   const std::vector<Record>& records, TxnEnd end,
                                   std::string transactional_id, Millis timeout) {
  if (transactional_id.empty()) {
    transactional_id = "kmirror-test-txn-" + std::to_string(::getpid()) + "-" + std::to_string(++g_txn_counter);
  }
  DeliveryState state;
  Props props = ProducerDefaults(timeout);
  props["transactional.id"] = transactional_id;
  props["transaction.timeout.ms"] = "60000";
  auto rk = NewReportingProducer(client, &state, props);
  if (!rk.ok()) return AssertionFailure() << rk.error();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const int ms = TimeoutMs(timeout);
  if (auto r = TxnStep(rd_kafka_init_transactions(rk->get(), ms), "init_transactions"); !r) return r;
  if (auto r = TxnStep(rd_kafka_begin_transaction(rk->get()), "begin_transaction"); !r) return r;
  // ProduceWith flushes, so the records are in the log before the transaction ends:
  // aborting would otherwise just drop unsent records client-side.
  if (auto r = ProduceWith(rk->get(), topic, records, state, deadline); !r) {
    return AssertionFailure() << "ProduceTransaction to " << topic << ": " << r.message();
  }
  auto ended = end == TxnEnd::kCommit
                   ? TxnStep(rd_kafka_commit_transaction(rk->get(), ms), "commit_transaction")
                   : TxnStep(rd_kafka_abort_transaction(rk->get(), ms), "abort_transaction");
  if (!ended) return ended;
  // EndTxn returns once the coordinator has logged the decision; the commit/abort markers
  // reach the partitions a little later. Until then read_committed readers stop before the
  // records (LSO), and another producer's records may land before the marker. Wait for the
  // markers, so that what the caller does next sees a finished transaction.
  auto consumer = NewGrouplessConsumer(client, /*read_committed=*/true);
  if (!consumer.ok()) return AssertionFailure() << consumer.error();
  for (const auto& [partition, last] : state.last_offset) {
    std::string error;
    const bool settled = WaitUntil(
        [&, p = partition, l = last] {
          auto wm = QueryWatermarks(consumer->get(), topic, p);
          if (!wm.ok()) error = wm.error();
          return wm.ok() && wm->high > l;  // the last stable offset is past our records
        },
        std::chrono::duration_cast<Millis>(deadline - std::chrono::steady_clock::now()), 20ms);
    if (!settled) {
      return AssertionFailure() << "transaction markers for " << topic << "[" << partition
                                << "] not written in time" << (error.empty() ? "" : ": " + error);
    }
  }
  return AssertionSuccess();
}

// ---- Consuming -------------------------------------------------------------------------

namespace {

// Stops the legacy consumer on every started partition before the topic and handle go.
class PartitionConsumers {
 public:
  explicit PartitionConsumers(rd_kafka_topic_t* rkt) : rkt_(rkt) {}
  ~PartitionConsumers() {
    for (int32_t p : started_) rd_kafka_consume_stop(rkt_, p);
  }
  PartitionConsumers(const PartitionConsumers&) = delete;
  PartitionConsumers& operator=(const PartitionConsumers&) = delete;
  bool Start(int32_t partition, int64_t offset, rd_kafka_queue_t* queue) {
    if (rd_kafka_consume_start_queue(rkt_, partition, offset, queue) != 0) return false;
    started_.push_back(partition);
    return true;
  }

 private:
  rd_kafka_topic_t* rkt_;
  std::vector<int32_t> started_;
};

ConsumedRecord ToRecord(const rd_kafka_message_t* msg) {
  ConsumedRecord r;
  r.partition = msg->partition;
  r.offset = msg->offset;
  if (msg->key != nullptr) r.key.emplace(static_cast<const char*>(msg->key), msg->key_len);
  if (msg->payload != nullptr) r.value.emplace(static_cast<const char*>(msg->payload), msg->len);
  rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
  r.timestamp_ms = rd_kafka_message_timestamp(msg, &type);
  r.timestamp_type = type == RD_KAFKA_TIMESTAMP_CREATE_TIME       ? TimestampType::kCreateTime
                     : type == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME ? TimestampType::kLogAppendTime
                                                                  : TimestampType::kNotAvailable;
  rd_kafka_headers_t* headers = nullptr;  // owned by the message
  if (rd_kafka_message_headers(msg, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR && headers != nullptr) {
    const char* name = nullptr;
    const void* value = nullptr;
    size_t size = 0;
    for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
      r.headers.emplace_back(name, value != nullptr ? std::optional<std::string>(std::string(
                                                          static_cast<const char*>(value), size))
                                                    : std::nullopt);
    }
  }
  return r;
}

Outcome<std::vector<ConsumedRecord>> ConsumePartitions(const ClientConfig& client, const std::string& topic,
                                                       std::vector<int32_t> partitions, bool read_committed,
                                                       Millis timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto rk = NewGrouplessConsumer(client, read_committed);
  if (!rk.ok()) return Failure{rk.error()};
  for (int32_t p : partitions) {
    if (auto r = CheckPartitionExists(*rk, client, topic, p); !r) return Failure{r.message()};
  }
  // The range to read is fixed up front; records produced meanwhile are not returned.
  struct Range {
    int64_t low, end;
    bool done;
    std::vector<ConsumedRecord> records;
  };
  std::map<int32_t, Range> ranges;
  for (int32_t p : partitions) {
    auto wm = QueryWatermarks(rk->get(), topic, p);
    if (!wm.ok()) return Failure{wm.error()};
    ranges[p] = Range{wm->low, wm->high, wm->high <= wm->low, {}};
    ranges[p].records.reserve(static_cast<std::size_t>(std::max<int64_t>(0, wm->high - wm->low)));
  }
  rdk::Topic rkt(rd_kafka_topic_new(rk->get(), topic.c_str(), nullptr));
  if (!rkt) return Failure{"rd_kafka_topic_new " + topic + ": " + ErrText(rd_kafka_last_error())};
  rdk::Queue queue(rd_kafka_queue_new(rk->get()));
  std::size_t pending = 0;
  {
    PartitionConsumers consumers(rkt.get());
    for (auto& [p, range] : ranges) {
      if (range.done) continue;
      if (!consumers.Start(p, range.low, queue.get())) {
        return Failure{"consume_start " + topic + "[" + std::to_string(p) + "]: " + ErrText(rd_kafka_last_error())};
      }
      ++pending;
    }
    constexpr std::size_t kBatch = 10000;
    std::vector<rd_kafka_message_t*> batch(kBatch);
    while (pending > 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        std::string state;
        for (const auto& [p, range] : ranges) {
          if (!range.done) {
            state += " [" + std::to_string(p) + "] got " + std::to_string(range.records.size()) +
                     " records, reading " + std::to_string(range.low) + ".." + std::to_string(range.end) + ";";
          }
        }
        return Failure{"ConsumeAll " + topic + " timed out after " + std::to_string(timeout.count()) + " ms:" + state};
      }
      // Returns when the batch is full or the timeout passes, whichever is first: a short
      // timeout, or every small read would take the whole of it.
      const ssize_t n = rd_kafka_consume_batch_queue(queue.get(), 10, batch.data(), kBatch);
      if (n < 0) return Failure{"consume_batch_queue: " + ErrText(rd_kafka_last_error())};
      std::string error;
      for (ssize_t i = 0; i < n; ++i) {
        rdk::Message msg(batch[static_cast<std::size_t>(i)]);
        auto it = ranges.find(msg->partition);
        if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
          // EOF at the high watermark (LSO when read_committed) as of that fetch; done once
          // it is at or past the end fixed above.
          if (it != ranges.end() && !it->second.done && msg->offset >= it->second.end) {
            it->second.done = true;
            --pending;
          }
          continue;
        }
        if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
          if (error.empty()) {
            error = "consuming " + topic + "[" + std::to_string(msg->partition) + "]: " + ErrText(msg->err);
          }
          continue;
        }
        if (it == ranges.end() || it->second.done || msg->offset >= it->second.end) continue;
        it->second.records.push_back(ToRecord(msg.get()));
      }
      if (!error.empty()) return Failure{error};
    }
  }
  std::vector<ConsumedRecord> out;
  std::size_t total = 0;
  for (const auto& [p, range] : ranges) total += range.records.size();
  out.reserve(total);
  for (auto& [p, range] : ranges) {
    std::move(range.records.begin(), range.records.end(), std::back_inserter(out));
  }
  return out;
}

}  // namespace

Outcome<std::vector<ConsumedRecord>> ConsumeAll(const ClientConfig& client, const std::string& topic,
                                                int32_t partition, bool read_committed, Millis timeout) {
  return ConsumePartitions(client, topic, {partition}, read_committed, timeout);
}

Outcome<std::vector<ConsumedRecord>> ConsumeTopic(const ClientConfig& client, const std::string& topic,
                                                  bool read_committed, Millis timeout) {
  auto count = PartitionCount(client, topic);
  if (!count.ok()) return Failure{count.error()};
  std::vector<int32_t> partitions;
  for (int32_t p = 0; p < *count; ++p) partitions.push_back(p);
  return ConsumePartitions(client, topic, std::move(partitions), read_committed, timeout);
}

// ---- Consumer groups -------------------------------------------------------------------

namespace {

// A consumer handle whose group.id is `group`, only for OffsetFetch/OffsetCommit: it never
// subscribes, so it never joins the group.
//
// Not the admin API (ListConsumerGroupOffsets/AlterConsumerGroupOffsets): in librdkafka
// 2.0.2 those crash the process when the coordinator answers NOT_COORDINATOR, as it does
// for a group on a cluster that has no __consumer_offsets yet (the handler hands the error
// to the handle's consumer group, which an admin-only handle does not have).
Outcome<Client> NewGroupClient(const ClientConfig& client, const std::string& group) {
  return NewClient(RD_KAFKA_CONSUMER, client,
                   {{"group.id", group}, {"enable.auto.commit", "false"}, {"enable.auto.offset.store", "false"}});
}

// Coordinator errors that go away once __consumer_offsets is created and loaded.
bool CoordinatorNotReady(rd_kafka_resp_err_t err) {
  return err == RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE || err == RD_KAFKA_RESP_ERR_NOT_COORDINATOR ||
         err == RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS || err == RD_KAFKA_RESP_ERR__TIMED_OUT ||
         err == RD_KAFKA_RESP_ERR__WAIT_COORD || err == RD_KAFKA_RESP_ERR__TRANSPORT;
}

// Runs `op` until it succeeds, fails for good, or 30 s pass.
rd_kafka_resp_err_t RetryWhileCoordinatorNotReady(const std::function<rd_kafka_resp_err_t()>& op) {
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (true) {
    const rd_kafka_resp_err_t err = op();
    if (!CoordinatorNotReady(err) || std::chrono::steady_clock::now() > deadline) return err;
    std::this_thread::sleep_for(100ms);
  }
}

}  // namespace

Outcome<std::map<int32_t, int64_t>> CommittedOffsets(const ClientConfig& client, const std::string& group,
                                                     const std::string& topic) {
  auto rk = NewGroupClient(client, group);
  if (!rk.ok()) return Failure{rk.error()};
  auto md = FetchMetadata(*rk);
  if (!md.ok()) return Failure{md.error() + " on " + Describe(client)};
  const auto* t = FindTopic(**md, topic);
  if (t == nullptr) return Failure{"topic " + topic + " does not exist on " + Describe(client)};
  rdk::PartitionList partitions(rd_kafka_topic_partition_list_new(t->partition_cnt));
  for (int p = 0; p < t->partition_cnt; ++p) {
    rd_kafka_topic_partition_list_add(partitions.get(), topic.c_str(), p);
  }
  const rd_kafka_resp_err_t err =
      RetryWhileCoordinatorNotReady([&] { return rd_kafka_committed(rk->get(), partitions.get(), 10000); });
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Failure{"committed offsets of group " + group + " on " + Describe(client) + ": " + ErrText(err)};
  }
  std::map<int32_t, int64_t> out;
  for (int i = 0; i < partitions->cnt; ++i) {
    const auto& tp = partitions->elems[i];
    if (tp.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Failure{"committed offset of group " + group + " for " + topic + "[" +
                     std::to_string(tp.partition) + "]: " + ErrText(tp.err)};
    }
    if (tp.offset >= 0) out[tp.partition] = tp.offset;  // RD_KAFKA_OFFSET_INVALID: none
  }
  return out;
}

AssertionResult CommitOffsets(const ClientConfig& client, const std::string& group, const std::string& topic,
                              const std::map<int32_t, int64_t>& offsets) {
  auto rk = NewGroupClient(client, group);
  if (!rk.ok()) return AssertionFailure() << rk.error();
  rdk::PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
  for (const auto& [p, offset] : offsets) {
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p)->offset = offset;
  }
  // A commit outside any generation, which the coordinator accepts while the group has no
  // members (like kafka-consumer-groups --reset-offsets).
  const rd_kafka_resp_err_t err =
      RetryWhileCoordinatorNotReady([&] { return rd_kafka_commit(rk->get(), list.get(), /*async=*/0); });
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return AssertionFailure() << "CommitOffsets " << group << " on " << Describe(client) << ": " << ErrText(err);
  }
  for (int i = 0; i < list->cnt; ++i) {
    if (list->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return AssertionFailure() << "CommitOffsets " << group << " " << topic << "[" << list->elems[i].partition
                                << "]: " << ErrText(list->elems[i].err);
    }
  }
  return AssertionSuccess();
}

}  // namespace kmirror::test
