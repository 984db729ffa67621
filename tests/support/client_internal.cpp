// The test clients' shared plumbing (client_internal.h): handles, metadata, error text.
#include "support/client_internal.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace kmirror::test::detail {
namespace {

// librdkafka logs every refused connection (brokers being killed and restarted is normal
// in these tests). Quiet unless KMIRROR_TEST_RDKAFKA_LOG is set; errors that matter reach
// the caller as return values anyway.
void LogCallback(const rd_kafka_t* rk, int level, const char* facility, const char* message) {
  static const bool verbose = std::getenv("KMIRROR_TEST_RDKAFKA_LOG") != nullptr;
  if (verbose) {
    std::fprintf(stderr, "[test rdkafka %s] %d %s: %s\n", rd_kafka_name(rk), level, facility, message);
  }
}

void ErrorCallback(rd_kafka_t*, int err, const char* reason, void* opaque) {
  auto* state = static_cast<ClientState*>(opaque);
  std::lock_guard lock(state->mu);
  state->last_error = static_cast<rd_kafka_resp_err_t>(err);
  state->last_error_text = std::string(rd_kafka_err2name(state->last_error)) + ": " + reason;
  if (err == RD_KAFKA_RESP_ERR__AUTHENTICATION && state->authentication_error.empty()) {
    state->authentication_error = state->last_error_text;
  }
}

}  // namespace

// ---- Error formatting -------------------------------------------------------------------

int TimeoutMs(Millis timeout) { return static_cast<int>(std::max<Millis::rep>(0, timeout.count())); }

std::string ErrText(rd_kafka_resp_err_t err) {
  return std::string(rd_kafka_err2name(err)) + " (" + rd_kafka_err2str(err) + ")";
}

std::string Describe(const ClientConfig& client) { return "cluster " + client.bootstrap; }

// ---- Handles ----------------------------------------------------------------------------

std::string Client::LastError() const {
  std::lock_guard lock(state_->mu);
  return state_->authentication_error.empty() ? state_->last_error_text : state_->authentication_error;
}

bool Client::AuthenticationFailed() const {
  std::lock_guard lock(state_->mu);
  return !state_->authentication_error.empty();
}

Outcome<Client> NewClient(rd_kafka_type_t type, const ClientConfig& client, const Props& defaults,
                          const std::function<void(rd_kafka_conf_t*)>& customize, DeliveryState* delivery) {
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
    if (rd_kafka_conf_set(conf.get(), k.c_str(), v.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
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

// ---- Metadata ---------------------------------------------------------------------------

Outcome<rdk::Metadata> FetchMetadata(const Client& rk, Millis timeout, bool all_topics) {
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

Outcome<TopicMetadata> FetchTopic(const Client& rk, const ClientConfig& client, const std::string& topic) {
  auto md = FetchMetadata(rk);
  if (!md.ok()) return Failure{md.error() + " on " + Describe(client)};
  const auto* t = FindTopic(**md, topic);
  if (t == nullptr) return Failure{"topic " + topic + " does not exist on " + Describe(client)};
  return TopicMetadata{std::move(md).value(), t};
}

}  // namespace kmirror::test::detail
