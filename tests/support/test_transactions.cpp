// Transactions for the test clients (test_transactions.h).
#include "support/test_transactions.h"

#include <unistd.h>

#include <atomic>

#include "support/client_internal.h"
#include "support/process.h"

namespace kmirror::test {
namespace {

using namespace detail;

// Makes the default transactional.id unique within the process (the pid, across processes).
std::atomic<int> g_txn_counter{0};

// A transaction call's error (owned, destroyed here) as a test result naming the step.
AssertionResult TxnStep(rd_kafka_error_t* raw, const char* step) {
  rdk::Error error(raw);
  if (!error) return AssertionSuccess();
  return AssertionFailure() << step << ": " << rd_kafka_error_name(error.get()) << ": "
                            << rd_kafka_error_string(error.get());
}

}  // namespace

AssertionResult ProduceTransaction(const ClientConfig& client, const std::string& topic,
                                   const std::vector<Record>& records, TxnEnd end, std::string transactional_id,
                                   Millis timeout) {
  if (transactional_id.empty()) {
    transactional_id = "kmirror-test-txn-" + std::to_string(::getpid()) + "-" + std::to_string(++g_txn_counter);
  }
  DeliveryState state;
  Props props = ProducerDefaults(timeout);
  props["transactional.id"] = transactional_id;
  props["transaction.timeout.ms"] = "60000";
  auto rk = NewReportingProducer(client, &state, props);
  if (!rk.ok()) return AssertionFailure() << rk.error();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const int ms = TimeoutMs(timeout);
  if (auto r = TxnStep(rd_kafka_init_transactions(rk->get(), ms), "init_transactions"); !r) return r;
  if (auto r = TxnStep(rd_kafka_begin_transaction(rk->get()), "begin_transaction"); !r) return r;
  // ProduceWith flushes, so the records are in the log before the transaction ends:
  // aborting would otherwise just drop unsent records client-side.
  if (auto r = ProduceWith(rk->get(), topic, records, state, deadline); !r) {
    return AssertionFailure() << "ProduceTransaction to " << topic << ": " << r.message();
  }
  auto ended = end == TxnEnd::kCommit ? TxnStep(rd_kafka_commit_transaction(rk->get(), ms), "commit_transaction")
                                      : TxnStep(rd_kafka_abort_transaction(rk->get(), ms), "abort_transaction");
  if (!ended) return ended;
  // EndTxn returns once the coordinator has logged the decision; the commit/abort markers
  // reach the partitions a little later. Until then read_committed readers stop before the
  // records (LSO), and another producer's records may land before the marker. Wait for the
  // markers, so that what the caller does next sees a finished transaction.
  auto consumer = NewGrouplessConsumer(client, /*read_committed=*/true);
  if (!consumer.ok()) return AssertionFailure() << consumer.error();
  for (const auto& [partition, last] : state.last_offset) {
    std::string error;
    const bool settled = WaitUntil(
        [&, p = partition, l = last] {
          auto wm = QueryWatermarks(consumer->get(), topic, p);
          if (!wm.ok()) error = wm.error();
          return wm.ok() && wm->high > l;  // the last stable offset is past our records
        },
        std::chrono::duration_cast<Millis>(deadline - std::chrono::steady_clock::now()), 20ms);
    if (!settled) {
      return AssertionFailure() << "transaction markers for " << topic << "[" << partition << "] not written in time"
                                << (error.empty() ? "" : ": " + error);
    }
  }
  return AssertionSuccess();
}

}  // namespace kmirror::test
