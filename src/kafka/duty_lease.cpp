#include "kmirror/kafka/duty_lease.h"

#include <atomic>
#include <cstring>

#include "kmirror/common/logging.h"
#include "kmirror/common/thread_name.h"
#include "kmirror/kafka/admin.h"
#include "kmirror/kafka/client.h"
#include "kmirror/kafka/errors.h"

namespace kmirror::kafka {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kPoll{200};
constexpr milliseconds kTopicRetry{5000};
constexpr milliseconds kAdminTimeout{15000};
constexpr milliseconds kLeaveTimeout{5000};

}  // namespace

LeaseTiming LeaseTiming::ForSessionTimeout(milliseconds session_timeout) {
  const milliseconds ttl = session_timeout * 4 / 5;
  return {ttl, std::max(milliseconds(100), ttl / 4)};
}

// ---- LeaseState ------------------------------------------------------------------------

void LeaseState::Assigned() {
  assigned_ = true;
  proven_ = false;
  in_flight_.reset();
  retry_at_ = {};
}

void LeaseState::Revoked() {
  assigned_ = false;
  proven_ = false;
  in_flight_.reset();
}

std::optional<uint64_t> LeaseState::ProofDue(TimePoint now) {
  if (!assigned_) return std::nullopt;
  // A proof whose answer never came is given up after ttl (its late answer is ignored).
  if (in_flight_ && now - in_flight_sent_ < timing_.ttl) return std::nullopt;
  if (now < retry_at_) return std::nullopt;
  if (proven_ && now < last_sent_ + timing_.proof_every) return std::nullopt;
  in_flight_ = ++next_id_;
  in_flight_sent_ = now;
  return in_flight_;
}

void LeaseState::ProofSucceeded(uint64_t id, TimePoint now) {
  if (!assigned_ || in_flight_ != id) return;
  const bool lapsed = !proven_ || now >= valid_until_;
  if (lapsed) ++term_;
  proven_ = true;
  last_sent_ = in_flight_sent_;
  valid_until_ = in_flight_sent_ + timing_.ttl;
  in_flight_.reset();
}

void LeaseState::ProofFailed(uint64_t id, TimePoint now) {
  if (in_flight_ != id) return;
  in_flight_.reset();
  retry_at_ = now + timing_.proof_every / 2;
}

uint64_t LeaseState::Term(TimePoint now) const { return assigned_ && proven_ && now < valid_until_ ? term_ : 0; }

// ---- DutyLease -------------------------------------------------------------------------

class DutyLease::Impl {
 public:
  explicit Impl(DutyLeaseOptions o)
      : options_(std::move(o)), state_(LeaseTiming::ForSessionTimeout(options_.session_timeout)) {}

  Status Create() {
    const logging::FlowScope log_flow(options_.flow);  // the clients' librdkafka lines carry the flow
    ClientProps props = options_.props;
    props["group.id"] = options_.group_id;
    props["group.instance.id"] = options_.instance_id;
    props["session.timeout.ms"] = std::to_string(options_.session_timeout.count());
    props["heartbeat.interval.ms"] = std::to_string(options_.heartbeat_interval.count());
    props["partition.assignment.strategy"] = "cooperative-sticky";
    props["enable.auto.commit"] = "false";
    props["enable.auto.offset.store"] = "false";
    props["auto.offset.reset"] = "latest";
    props["allow.auto.create.topics"] = "false";
    // The topic is created explicitly before the subscription; look for it again soon if
    // that failed.
    props["topic.metadata.refresh.interval.ms"] = "10000";
    auto conf = MakeConf(props, "kmirror-duties-" + options_.flow + "@" + options_.node_id);
    if (!conf.ok()) return conf.status();
    rd_kafka_conf_set_opaque(conf->get(), this);
    rd_kafka_conf_set_rebalance_cb(conf->get(), &Impl::RebalanceCallback);
    auto rk = MakeHandle(RD_KAFKA_CONSUMER, std::move(conf).value());
    if (!rk.ok()) return rk.status();
    rk_ = std::move(rk).value();
    rd_kafka_poll_set_consumer(rk_.get());
    proofs_.reset(rd_kafka_queue_new(rk_.get()));
    auto admin = Admin::Create(options_.props, "kmirror-duties-admin-" + options_.flow + "@" + options_.node_id);
    if (!admin.ok()) return admin.status();
    admin_ = std::move(admin).value();
    return Status::Ok();
  }

  void StartThread() {
    thread_ = std::thread([this] { Run(); });
  }

  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

  uint64_t Term() const {
    std::lock_guard lock(mu_);
    return state_.Term(Clock::now());
  }

 private:
  static void RebalanceCallback(rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                                void* opaque) noexcept {
    try {
      static_cast<Impl*>(opaque)->OnRebalance(err, parts);
    } catch (const std::exception& e) {
      logging::Get("kafka")->critical("duty lease rebalance handling failed: {}", e.what());
    }
  }

  bool HasLeasePartition(const rd_kafka_topic_partition_list_t* parts) const {
    for (int i = 0; i < parts->cnt; ++i) {
      if (parts->elems[i].partition == 0 && options_.topic == parts->elems[i].topic) return true;
    }
    return false;
  }

  void OnRebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts) {
    auto log = logging::Get("kafka");
    const bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk_.get()), "COOPERATIVE") == 0;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      Status s = cooperative ? FromRdKafkaError(rd_kafka_incremental_assign(rk_.get(), parts), "duty assign")
                             : FromRdKafka(rd_kafka_assign(rk_.get(), parts), "duty assign");
      if (!s.ok()) {
        log->error("{}: duty lease: {}", options_.flow, s.ToString());
        return;
      }
      // Never read: the partition only stands for the lease.
      (void)rd_kafka_pause_partitions(rk_.get(), parts);
      if (HasLeasePartition(parts)) {
        std::lock_guard lock(mu_);
        state_.Assigned();
        log->info("{}: duty lease assigned to node {}; proving membership before acting", options_.flow,
                  options_.node_id);
      }
      return;
    }
    const bool lost = rd_kafka_assignment_lost(rk_.get()) != 0;
    if (HasLeasePartition(parts)) {
      std::lock_guard lock(mu_);
      state_.Revoked();
    }
    if (HasLeasePartition(parts)) {
      log->info("{}: node {} gives up the flow's duties ({})", options_.flow, options_.node_id,
                lost ? "assignment lost: the group moved on without this node" : "revoked");
    }
    if (cooperative) {
      (void)FromRdKafkaError(rd_kafka_incremental_unassign(rk_.get(), parts), "duty unassign");
    } else {
      (void)rd_kafka_assign(rk_.get(), nullptr);
    }
  }

  bool EnsureTopic() {
    if (topic_ready_) return true;
    if (Clock::now() < next_topic_try_) return false;
    next_topic_try_ = Clock::now() + kTopicRetry;
    Status s = admin_->CreateTopic({options_.topic, 1, options_.topic_replication_factor, {}}, kAdminTimeout);
    auto log = logging::Get("kafka");
    if (s.ok() || s.code() == StatusCode::kAlreadyExists) {
      if (s.ok()) log->info("{}: created the duty lease topic {}", options_.flow, options_.topic);
      topic_ready_ = true;
      return true;
    }
    if (s.message() != last_topic_error_) {
      log->error("{}: cannot create the duty lease topic {}: {}; no node runs this flow's duties until it exists",
                 options_.flow, options_.topic, s.ToString());
      last_topic_error_ = s.message();
    }
    return false;
  }

  // Sends a proof when one is due: a commit that the coordinator accepts only from the
  // current member of the current generation.
  void MaybeProve() {
    std::optional<uint64_t> id;
    {
      std::lock_guard lock(mu_);
      id = state_.ProofDue(Clock::now());
    }
    if (!id) return;
    // librdkafka resets the member id when it knows it lost the group; a commit then would
    // go out as a "simple" commit that an empty group accepts: never count it.
    char* member = rd_kafka_memberid(rk_.get());
    const bool member_known = member != nullptr && *member != '\0';
    if (member != nullptr) rd_kafka_mem_free(rk_.get(), member);
    if (!member_known || rd_kafka_assignment_lost(rk_.get()) != 0) {
      std::lock_guard lock(mu_);
      state_.ProofFailed(*id, Clock::now());
      return;
    }
    PartitionListPtr list(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_t* p = rd_kafka_topic_partition_list_add(list.get(), options_.topic.c_str(), 0);
    p->offset = 0;
    p->metadata = rd_kafka_mem_malloc(nullptr, options_.node_id.size());
    std::memcpy(p->metadata, options_.node_id.data(), options_.node_id.size());
    p->metadata_size = options_.node_id.size();
    rd_kafka_resp_err_t err = rd_kafka_commit_queue(rk_.get(), list.get(), proofs_.get(), nullptr,
                                                    reinterpret_cast<void*>(static_cast<uintptr_t>(*id)));
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::lock_guard lock(mu_);
      state_.ProofFailed(*id, Clock::now());
    }
  }

  void CollectProofs() {
    while (rd_kafka_event_t* raw = rd_kafka_queue_poll(proofs_.get(), 0)) {
      EventPtr ev(raw);
      if (rd_kafka_event_type(raw) != RD_KAFKA_EVENT_OFFSET_COMMIT) continue;
      const auto id = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(rd_kafka_event_opaque(raw)));
      bool ok = rd_kafka_event_error(raw) == RD_KAFKA_RESP_ERR_NO_ERROR;
      if (const rd_kafka_topic_partition_list_t* parts = rd_kafka_event_topic_partition_list(raw)) {
        for (int i = 0; i < parts->cnt; ++i) ok = ok && parts->elems[i].err == RD_KAFKA_RESP_ERR_NO_ERROR;
      }
      if (!ok) {
        logging::Get("kafka")->debug("{}: duty lease proof failed: {}", options_.flow,
                                     rd_kafka_err2str(rd_kafka_event_error(raw)));
      }
      std::lock_guard lock(mu_);
      if (ok) {
        state_.ProofSucceeded(id, Clock::now());
      } else {
        state_.ProofFailed(id, Clock::now());
      }
    }
  }

  void LogTransitions() {
    const uint64_t term = Term();
    if (term == logged_term_) return;
    auto log = logging::Get("kafka");
    if (term != 0) {
      log->info("{}: node {} holds the flow's duties (term {})", options_.flow, options_.node_id, term);
    } else {
      log->warn("{}: node {} no longer holds the flow's duties{}", options_.flow, options_.node_id,
                assigned() ? ": membership not proven within the lease time (coordinator unreachable?)" : "");
    }
    logged_term_ = term;
  }

  bool assigned() const {
    std::lock_guard lock(mu_);
    return state_.assigned();
  }

  void Run() {
    SetThreadName("km-duty-" + options_.flow);
    const logging::FlowScope log_flow(options_.flow);  // JSON log lines' flow field
    bool subscribed = false;
    while (!stop_) {
      if (!subscribed && EnsureTopic()) {
        PartitionListPtr list(rd_kafka_topic_partition_list_new(1));
        rd_kafka_topic_partition_list_add(list.get(), options_.topic.c_str(), RD_KAFKA_PARTITION_UA);
        Status s = FromRdKafka(rd_kafka_subscribe(rk_.get(), list.get()), "duty subscribe");
        if (s.ok()) {
          subscribed = true;
        } else {
          logging::Get("kafka")->error("{}: duty lease: {}", options_.flow, s.ToString());
        }
      }
      if (rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_.get(), static_cast<int>(kPoll.count()))) {
        rd_kafka_message_destroy(m);  // errors are logged by the error callback; records never arrive
      }
      if (subscribed) {
        CollectProofs();
        MaybeProve();
      }
      LogTransitions();
    }
    // Give the duties up now: a static member's close sends no LeaveGroup, an unsubscribe
    // does, so another node takes over within one rebalance instead of a session timeout.
    {
      std::lock_guard lock(mu_);
      state_.Revoked();
    }
    LogTransitions();
    if (subscribed) {
      (void)rd_kafka_unsubscribe(rk_.get());
      const auto deadline = Clock::now() + kLeaveTimeout;
      while (Clock::now() < deadline) {
        rd_kafka_topic_partition_list_t* current = nullptr;
        if (rd_kafka_assignment(rk_.get(), &current) == RD_KAFKA_RESP_ERR_NO_ERROR) {
          const bool empty = current->cnt == 0;
          rd_kafka_topic_partition_list_destroy(current);
          if (empty) break;
        }
        if (rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_.get(), 100)) rd_kafka_message_destroy(m);
      }
      // The LeaveGroup goes out once the unassignment is done; give it a moment.
      for (int i = 0; i < 5; ++i) {
        if (rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_.get(), 100)) rd_kafka_message_destroy(m);
      }
    }
    (void)rd_kafka_consumer_close(rk_.get());
  }

  const DutyLeaseOptions options_;
  mutable std::mutex mu_;
  LeaseState state_;  // guarded by mu_
  HandlePtr rk_;
  QueuePtr proofs_;
  std::unique_ptr<Admin> admin_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  // Lease-thread state.
  bool topic_ready_ = false;
  Clock::time_point next_topic_try_{};
  std::string last_topic_error_;
  uint64_t logged_term_ = 0;
};

Result<std::unique_ptr<DutyLease>> DutyLease::Start(DutyLeaseOptions options) {
  auto impl = std::make_unique<Impl>(std::move(options));
  KM_RETURN_IF_ERROR(impl->Create());
  impl->StartThread();
  return std::unique_ptr<DutyLease>(new DutyLease(std::move(impl)));
}

DutyLease::DutyLease(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

DutyLease::~DutyLease() { Stop(); }

void DutyLease::Stop() {
  if (impl_) impl_->Stop();
}

uint64_t DutyLease::Term() const { return impl_ ? impl_->Term() : 0; }

}  // namespace kmirror::kafka
