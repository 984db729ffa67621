#include "app/librdkafka_metrics.h"

namespace kmirror::app {

std::vector<metrics::LibrdkafkaClientSample> LibrdkafkaSamplesOf(const std::vector<kafka::ClientReport>& reports) {
  std::vector<metrics::LibrdkafkaClientSample> out;
  out.reserve(reports.size());
  for (const kafka::ClientReport& r : reports) {
    metrics::LibrdkafkaClientSample c;
    c.flow = r.tag.flow;
    c.role = r.tag.role;
    c.type = r.stats.type;
    c.retired = r.retired;
    c.queue_messages = r.stats.queue_messages;
    c.queue_bytes = r.stats.queue_bytes;
    c.fetch_queue_messages = r.stats.fetch_queue_messages;
    c.fetch_queue_bytes = r.stats.fetch_queue_bytes;
    for (const kafka::BrokerStatistics& b : r.stats.brokers) {
      c.brokers.push_back(metrics::LibrdkafkaBrokerSample{.node_id = b.node_id,
                                                          .outbuf_requests = b.outbuf_requests,
                                                          .outbuf_messages = b.outbuf_messages,
                                                          .waitresp_requests = b.waitresp_requests,
                                                          .waitresp_messages = b.waitresp_messages,
                                                          .requests = b.requests,
                                                          .tx_errors = b.tx_errors,
                                                          .rx_errors = b.rx_errors,
                                                          .request_timeouts = b.request_timeouts,
                                                          .rtt_samples = b.rtt_samples,
                                                          .rtt_avg_seconds = b.rtt_avg_seconds,
                                                          .rtt_p99_seconds = b.rtt_p99_seconds});
    }
    for (const kafka::PartitionLagStatistics& l : r.stats.lags) {
      c.lags.push_back(metrics::LibrdkafkaLagSample{l.topic, l.partition, l.lag});
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace kmirror::app
