// Turns samples (metrics/samples.h) and the process's own numbers into Prometheus metric
// families (prometheus-cpp's data model; its TextSerializer writes the exposition format).
// Every series kmirror exports is named here, and docs/metrics.md lists them.
//
// Threads: pure functions, called on the scraping thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <prometheus/metric_family.h>

#include "kmirror/metrics/samples.h"

namespace kmirror::metrics {

struct RenderOptions {
  // Per-partition series for records, bytes and lag (metrics.partition.series); otherwise
  // per topic, which bounds the number of series by the number of topics.
  bool partition_series = false;
  int64_t now_ms = 0;  // wall clock of the scrape, for ages
};

std::vector<prometheus::MetricFamily> RenderFlows(const std::vector<FlowSample>& flows, const RenderOptions& options);

// The kmirror_librdkafka_* families (docs/metrics.md, "librdkafka"): per flow and role, per
// broker node id, and consumer lag per topic (per partition with partition_series), summed
// over this node's clients (a round-trip time: the worst of them). `declare`: the families'
// HELP and TYPE even without samples (statistics are on but no report came yet).
std::vector<prometheus::MetricFamily> RenderLibrdkafka(const std::vector<LibrdkafkaClientSample>& clients,
                                                       const RenderOptions& options, bool declare);

// The process: CPU seconds, resident and virtual memory, open and maximum file descriptors,
// threads, start time (from /proc/self; the standard `process_*` names every Prometheus
// client library uses, so existing dashboards and alerts apply).
struct ProcessSample {
  double cpu_seconds = 0;
  double resident_bytes = 0;
  double virtual_bytes = 0;
  double open_fds = 0;
  double max_fds = 0;
  double threads = 0;
  double start_time_seconds = 0;
};
ProcessSample ReadProcess();
std::vector<prometheus::MetricFamily> RenderProcess(const ProcessSample& p);

// kmirror_build_info{version, librdkafka} 1.
prometheus::MetricFamily RenderBuildInfo(const std::string& version, const std::string& librdkafka_version);

// Every family's name and type as the text format writes them, for tests and docs.
std::string SerializeText(const std::vector<prometheus::MetricFamily>& families);

}  // namespace kmirror::metrics
