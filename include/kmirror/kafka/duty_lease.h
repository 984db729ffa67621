// DutyLease: which node of a kmirror cluster runs a flow's once-per-flow duties (remote
// topic creation, config sync and partition growth, topic ACL sync, heartbeats, checkpoints,
// group offset sync), decided by Kafka's group protocol and nothing else (docs/cluster.md).
//
// Every node runs one duty consumer per flow, a static member (StaticMemberId(.., duties))
// of the duty group DutyGroupId(flow group) on the flow's target cluster, subscribed to the
// single-partition topic DutyTopic(source) that every node creates if missing. The member
// that is assigned partition 0 holds the duties. It never reads the partition (paused).
//
// Being assigned is not enough to act: after a pause (SIGSTOP, a long GC-like stall, a
// network cut) the coordinator may have given the partition to another node while this one
// has not heard yet. So the holder proves its membership: it commits offset 0 of partition 0
// under its generation every `proof_every`; the coordinator accepts that only from a current
// member. A proof sent at time t (local steady clock) shows the coordinator had this node as
// the member at some moment >= t, and Kafka only moves a partition away from a member that
// stopped answering for session.timeout.ms, so no other node can be assigned partition 0
// before t + session.timeout.ms. The lease is held until t + ttl, ttl < session timeout
// (LeaseTiming): the margin covers clock-rate differences. A node that resumes after a pause
// longer than ttl finds its lease expired before librdkafka has even told it that its
// assignment was lost. What can overlap is a duty action that started before the lease ran
// out: each duty is written to be harmless then (docs/cluster.md, "the handover window").
//
// Threads: the lease's own thread "km-duty-<flow>" polls the consumer (rebalance callbacks,
// proofs); Term() may be called from any thread. Start() and Stop() from the owner's thread.
// Stop() gives the duties up at once (unsubscribe: a LeaveGroup even for a static member),
// so a clean stop hands them over within one rebalance; the owner stops every duty user
// before it (App::Stop).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "kmirror/common/status.h"
#include "kmirror/kafka/props.h"

namespace kmirror::kafka {

// How long a proof keeps the lease, and how often the holder proves.
struct LeaseTiming {
  std::chrono::milliseconds ttl;
  std::chrono::milliseconds proof_every;
  // ttl = 4/5 of the session timeout, a proof every ttl / 4.
  static LeaseTiming ForSessionTimeout(std::chrono::milliseconds session_timeout);
};

// The lease's decisions, without Kafka: fed the assignment changes and proof outcomes, asked
// when to prove and whether the lease is held at a given time. Single-threaded (DutyLease
// locks around it).
class LeaseState {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  explicit LeaseState(LeaseTiming timing) : timing_(timing) {}

  // Partition 0 was assigned to this member / taken away (revoked or lost).
  void Assigned();
  void Revoked();
  // A proof to send now (its id), or nullopt: not assigned, one in flight, or not due yet.
  std::optional<uint64_t> ProofDue(TimePoint now);
  // The outcome of proof `id` (others are stale and ignored). `now`: when it arrived.
  void ProofSucceeded(uint64_t id, TimePoint now);
  void ProofFailed(uint64_t id, TimePoint now);

  // 0 when the lease is not held at `now`; otherwise the term: a number that changes every
  // time holding starts again (a new assignment, or proof again after the lease ran out), so
  // a duty can tell that another node may have acted in between.
  uint64_t Term(TimePoint now) const;
  bool assigned() const { return assigned_; }

 private:
  LeaseTiming timing_;
  bool assigned_ = false;
  bool proven_ = false;      // a proof succeeded since the assignment
  TimePoint valid_until_{};  // of the last successful proof
  TimePoint last_sent_{};    // the last proof that succeeded was sent then
  uint64_t term_ = 0;
  uint64_t next_id_ = 0;
  std::optional<uint64_t> in_flight_;
  TimePoint in_flight_sent_{};
  TimePoint retry_at_{};
};

struct DutyLeaseOptions {
  std::string flow;     // "A->B", for logs and the thread name
  std::string node_id;  // written as the proofs' commit metadata
  ClientProps props;    // the target cluster's connection (the flow's target admin properties)
  std::string group_id;
  std::string topic;
  std::string instance_id;
  std::chrono::milliseconds session_timeout{45000};
  std::chrono::milliseconds heartbeat_interval{3000};
  int topic_replication_factor = -1;  // for the duty topic; -1: the broker's default
};

class DutyLease {
 public:
  // Builds the consumer and starts the lease thread (it creates the topic if needed, then
  // joins). Fails only on bad client properties.
  static Result<std::unique_ptr<DutyLease>> Start(DutyLeaseOptions options);
  ~DutyLease();
  void Stop();

  // See LeaseState::Term; any thread.
  uint64_t Term() const;

 private:
  class Impl;
  explicit DutyLease(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kmirror::kafka
