#include "support/faults.h"

#include <cmath>
#include <stdexcept>

namespace kmirror::test {

std::unique_ptr<TcpProxy> ProxyInFrontOf(const KafkaCluster& cluster) {
  if (!cluster.has_proxied_listener()) {
    throw std::logic_error("cluster " + cluster.name() + " was started without Options::proxied_listener");
  }
  return std::make_unique<TcpProxy>(TcpProxy::Options{.listen_port = cluster.proxy_port(),
                                                      .target_port = cluster.proxy_backend_port(),
                                                      .name = "proxy-" + cluster.name()});
}

int64_t DuplicateBound(int faults, double records_per_second, int tasks, int64_t max_inflight_records) {
  constexpr double kUncommittedSeconds = 2.0;  // commit interval + the commit's round trip
  const int64_t per_fault = static_cast<int64_t>(std::ceil(records_per_second * kUncommittedSeconds)) +
                            static_cast<int64_t>(tasks) * (max_inflight_records / 2);
  return faults * per_fault;
}

}  // namespace kmirror::test
