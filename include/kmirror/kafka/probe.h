// ProbeCluster: connect to a cluster once, at start-up, and tell a configuration that can
// never work (TLS verification failed, authentication refused) from a cluster that is merely
// not reachable yet, so kmirror can stop with a clear error naming the cluster and the cause
// before it mirrors anything, instead of retrying a wrong password forever.
//
// Blocks the calling thread up to `timeout`; creates and destroys its own client. Any thread.
#pragma once

#include <chrono>
#include <string>

#include "kmirror/common/status.h"
#include "kmirror/kafka/props.h"

namespace kmirror::kafka {

// OK once a metadata request succeeded. FailedPrecondition (not retriable) when librdkafka
// reported a TLS handshake or certificate failure or an authentication failure; the message
// says which and why (for certificates, OpenSSL's verdict: "certificate has expired",
// "hostname mismatch", "unable to get local issuer certificate", ...) and never holds a
// property value. Unavailable (retriable) when the cluster did not answer within `timeout`
// for any other reason (brokers down, unresolvable names): the caller may go on, as
// librdkafka keeps trying.
Status ProbeCluster(const ClientProps& props, const std::string& client_name, std::chrono::milliseconds timeout);

}  // namespace kmirror::kafka
