// librdkafka's statistics reports (kafka/statistics.h) as metrics samples (metrics/samples.h):
// a field-for-field copy across the module boundary (kafka and metrics do not know each
// other). Pure; the app calls it on the scraping thread.
#pragma once

#include <vector>

#include "kmirror/kafka/statistics.h"
#include "kmirror/metrics/samples.h"

namespace kmirror::app {

std::vector<metrics::LibrdkafkaClientSample> LibrdkafkaSamplesOf(const std::vector<kafka::ClientReport>& reports);

}  // namespace kmirror::app
