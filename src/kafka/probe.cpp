#include "kmirror/kafka/probe.h"

#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <mutex>
#include <thread>

#include "kmirror/common/logging.h"
#include "kmirror/kafka/client.h"

namespace kmirror::kafka {
namespace {

// What librdkafka's threads report while the probe waits: written by its callbacks (on its
// threads), read by the probing thread.
struct ProbeReport {
  std::mutex mu;
  std::string certificate;  // OpenSSL's verdict on the broker's certificate, first failure
  std::string tls;          // a TLS handshake failure
  std::string auth;         // an authentication failure
  std::string other;        // the last other error (connection refused, ...)
};

ProbeReport* ReportOf(rd_kafka_t* rk) { return static_cast<ProbeReport*>(rd_kafka_opaque(rk)); }

void ProbeError(rd_kafka_t* rk, int err, const char* reason, void* opaque) noexcept {
  try {
    auto* r = static_cast<ProbeReport*>(opaque);
    auto e = static_cast<rd_kafka_resp_err_t>(err);
    std::lock_guard lock(r->mu);
    if (e == RD_KAFKA_RESP_ERR__SSL) {
      if (r->tls.empty()) r->tls = reason;
    } else if (e == RD_KAFKA_RESP_ERR__AUTHENTICATION || e == RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED) {
      if (r->auth.empty()) r->auth = reason;
    } else if (std::string_view(reason).find("SSL handshake failed") != std::string_view::npos) {
      // librdkafka 2.0 reports some handshake failures as _TRANSPORT.
      if (r->tls.empty()) r->tls = reason;
    } else {
      r->other = std::string(reason) + " (" + rd_kafka_err2name(e) + ")";
    }
    (void)rk;
  } catch (...) {
  }
}

// Keeps OpenSSL's own decision (preverified: *x509_error is 0 when the certificate is good)
// and records why it failed, which librdkafka's handshake error does not say.
int ProbeVerify(rd_kafka_t*, const char* broker_name, int32_t, int* x509_error, int depth, const char*, size_t,
                char* errstr, size_t errstr_size, void* opaque) noexcept {
  if (*x509_error == 0) return 1;
  try {
    auto* r = static_cast<ProbeReport*>(opaque);
    std::string verdict = X509_verify_cert_error_string(*x509_error);
    std::string where = depth == 0 ? "the broker's certificate" : "a CA certificate of the broker's chain";
    switch (*x509_error) {
      case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
      case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
      case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
      case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
      case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
        verdict += "; the CA that signed it is not in the truststore (ssl.truststore.location / ssl.ca.location)";
        break;
      case X509_V_ERR_HOSTNAME_MISMATCH:
      case X509_V_ERR_IP_ADDRESS_MISMATCH:
        verdict += "; it does not name the address connected to (its subjectAltName must)";
        break;
      default:
        break;
    }
    std::lock_guard lock(r->mu);
    if (r->certificate.empty()) r->certificate = where + " was refused: " + verdict + " (" + broker_name + ")";
    snprintf(errstr, errstr_size, "%s", verdict.c_str());
  } catch (...) {
  }
  return 0;
}

}  // namespace

Status ProbeCluster(const ClientProps& props, const std::string& client_name, std::chrono::milliseconds timeout) {
  ProbeReport report;
  auto conf = MakeConf(props, client_name);
  if (!conf.ok()) return conf.status();
  rd_kafka_conf_set_opaque(conf->get(), &report);
  rd_kafka_conf_set_error_cb(conf->get(), ProbeError);
  const auto protocol = props.find("security.protocol");
  const bool tls = protocol != props.end() && (protocol->second == "ssl" || protocol->second == "sasl_ssl");
  if (tls && rd_kafka_conf_set_ssl_cert_verify_cb(conf->get(), ProbeVerify) != RD_KAFKA_CONF_OK) {
    return Internal("client " + client_name + ": cannot install the certificate verification callback");
  }
  auto handle = MakeHandle(RD_KAFKA_PRODUCER, std::move(conf).value());
  if (!handle.ok()) return handle.status();
  rd_kafka_t* rk = handle->get();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const struct rd_kafka_metadata* md = nullptr;
    rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, nullptr, &md, 500);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_metadata_destroy(md);
      return Status::Ok();
    }
    rd_kafka_poll(rk, 100);  // error callbacks of a producer handle are served here
    {
      ProbeReport* r = ReportOf(rk);
      std::lock_guard lock(r->mu);
      if (!r->certificate.empty()) return FailedPrecondition("TLS: " + r->certificate);
      if (!r->tls.empty()) return FailedPrecondition("TLS handshake failed: " + r->tls);
      if (!r->auth.empty()) return FailedPrecondition("authentication failed: " + r->auth);
      if (std::chrono::steady_clock::now() >= deadline) {
        return Unavailable("no answer within " + std::to_string(timeout.count()) + " ms" +
                           (r->other.empty() ? std::string() : ": " + r->other));
      }
    }
  }
}

}  // namespace kmirror::kafka
