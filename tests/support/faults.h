// Fault injection for fault tests, next to what the classes offer themselves:
//   kmirror (ChildProcess)  Kill9(), Terminate() (SIGTERM), Pause()/Resume() (SIGSTOP/SIGCONT)
//   a broker (KafkaCluster) Kill() (SIGKILL), Stop() (SIGTERM), Restart(), Pause()/Resume()
//   the network             a TcpProxy in front of a broker's PROXIED listener (cut,
//                           blackhole, delay, heal)
// and the duplicate bound the fault tests assert (docs/reliability.md derives it).
#pragma once

#include <cstdint>
#include <memory>

#include "support/kafka_cluster.h"
#include "support/tcp_proxy.h"

namespace kmirror::test {

// A proxy on cluster.proxy_port() forwarding to its PROXIED listener: clients bootstrapped
// at cluster.proxied_bootstrap() reach the broker only through it. The cluster must have
// been started with Options::proxied_listener.
std::unique_ptr<TcpProxy> ProxyInFrontOf(const KafkaCluster& cluster);

// At-least-once's duplicate bound for `faults` fault events of a flow with `tasks` tasks
// and task.max.inflight.records `max_inflight_records`, fed at `records_per_second`: each
// event can repeat what the target acknowledged since the last commit (1 s interval, plus
// 1 s for the commit's own round trip) and what was in flight (at most the producer's half
// of the budget per task). Assumes the flow kept up with the rate when the fault hit.
int64_t DuplicateBound(int faults, double records_per_second, int tasks, int64_t max_inflight_records);

}  // namespace kmirror::test
