#include "support/stamped_producer.h"

#include <algorithm>

#include "support/rdkafka_handles.h"

namespace kmirror::test {
namespace {

using ::testing::AssertionFailure;
using ::testing::AssertionResult;
using ::testing::AssertionSuccess;
using Clock = std::chrono::steady_clock;

// The delivery report's opaque: (partition, seq) packed into the pointer's bits, so no
// allocation per record.
void* Pack(int32_t partition, int64_t seq) {
  return reinterpret_cast<void*>((static_cast<uintptr_t>(partition) << 40) | static_cast<uintptr_t>(seq));
}
std::pair<int32_t, int64_t> Unpack(void* opaque) {
  const auto bits = reinterpret_cast<uintptr_t>(opaque);
  return {static_cast<int32_t>(bits >> 40), static_cast<int64_t>(bits & ((uintptr_t{1} << 40) - 1))};
}

void DeliveryReport(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
  const auto [partition, seq] = Unpack(msg->_private);
  static_cast<StampedProducer*>(opaque)->OnDelivery(partition, seq, msg->err == RD_KAFKA_RESP_ERR_NO_ERROR);
}

AssertionResult TxnStep(rd_kafka_error_t* raw, const std::string& step, bool* abortable = nullptr) {
  rdk::Error error(raw);
  if (!error) return AssertionSuccess();
  if (abortable != nullptr) *abortable = rd_kafka_error_txn_requires_abort(error.get()) != 0;
  return AssertionFailure() << step << ": " << rd_kafka_error_name(error.get()) << ": "
                            << rd_kafka_error_string(error.get());
}

void Move(std::map<int32_t, std::vector<int64_t>>& from, std::map<int32_t, std::vector<int64_t>>& to) {
  for (auto& [p, seqs] : from) to[p].insert(to[p].end(), seqs.begin(), seqs.end());
  from.clear();
}

int64_t Count(const std::map<int32_t, std::vector<int64_t>>& m) {
  int64_t n = 0;
  for (const auto& [p, seqs] : m) n += static_cast<int64_t>(seqs.size());
  return n;
}

}  // namespace

int64_t ProducerLedger::acknowledged_count() const { return Count(acknowledged); }
int64_t ProducerLedger::aborted_count() const { return Count(aborted); }

StampedProducer::StampedProducer(ClientConfig client, StampedProducerOptions options)
    : client_(std::move(client)), options_(std::move(options)) {
  next_seq_.assign(static_cast<std::size_t>(std::max(1, options_.partitions)), 0);
  ledger_.origin = options_.origin;
  ledger_.producer = options_.producer_id;
  ledger_.topic = options_.topic;
}

StampedProducer::~StampedProducer() { (void)Stop(); }

void StampedProducer::Start() {
  if (thread_.joinable()) return;
  stop_ = false;
  {
    std::lock_guard lock(mu_);
    thread_done_ = false;
  }
  thread_ = std::thread([this] {
    auto r = Run(options_.max_records);
    std::lock_guard lock(mu_);
    thread_result_ = r;
    thread_done_ = true;
  });
}

AssertionResult StampedProducer::WaitForAcknowledged(int64_t count, std::chrono::milliseconds timeout) const {
  const auto deadline = Clock::now() + timeout;
  while (acknowledged_.load() < count) {
    {
      std::lock_guard lock(mu_);
      if (thread_done_ && !thread_result_) {
        return AssertionFailure() << "producer " << options_.producer_id << " failed: " << thread_result_.message();
      }
    }
    if (Clock::now() >= deadline) {
      return AssertionFailure() << "producer " << options_.producer_id << ": " << acknowledged_.load() << " of "
                                << sent_.load() << " records acknowledged after " << timeout.count() << " ms, expected "
                                << count;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return AssertionSuccess();
}

AssertionResult StampedProducer::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mu_);
  return thread_result_;
}

AssertionResult StampedProducer::Produce(int64_t count) {
  const int64_t failed_before = failed_.load();
  auto r = Run(sent_.load() + count);
  if (!r) return r;
  if (failed_.load() != failed_before) {
    return AssertionFailure() << (failed_.load() - failed_before) << " records of " << options_.producer_id
                              << " were not acknowledged";
  }
  return AssertionSuccess();
}

void StampedProducer::OnDelivery(int32_t partition, int64_t seq, bool ok) {
  std::lock_guard lock(mu_);
  if (!ok) {
    ++ledger_.failed;
    ++failed_;
  } else if (options_.transaction_records > 0) {
    txn_delivered_[partition].push_back(seq);
  } else {
    ledger_.acknowledged[partition].push_back(seq);
    ++acknowledged_;
  }
}

ProducerLedger StampedProducer::ledger() const {
  std::lock_guard lock(mu_);
  ProducerLedger out = ledger_;
  out.sent = sent_.load();
  for (auto* m : {&out.acknowledged, &out.aborted}) {
    for (auto& [p, seqs] : *m) std::sort(seqs.begin(), seqs.end());
  }
  return out;
}

AssertionResult StampedProducer::Run(int64_t limit) {
  const bool transactional = options_.transaction_records > 0;
  rdk::Conf conf(rd_kafka_conf_new());
  std::map<std::string, std::string> props = {
      {"bootstrap.servers", client_.bootstrap},
      {"client.id", "kmirror-test-" + options_.producer_id},
      {"acks", "all"},
      {"enable.idempotence", "true"},
      {"linger.ms", "5"},
      {"queue.buffering.max.messages", "100000"},
      {"message.timeout.ms", std::to_string(options_.message_timeout.count())},
      {"reconnect.backoff.ms", "20"},
      {"reconnect.backoff.max.ms", "500"},
  };
  if (transactional) {
    props["transactional.id"] = "kmirror-test-" + options_.origin + "-" + options_.topic + "-" + options_.producer_id;
    // librdkafka requires message.timeout.ms <= transaction.timeout.ms.
    props["transaction.timeout.ms"] = std::to_string(options_.message_timeout.count());
  }
  for (const auto& [k, v] : client_.properties) props[k] = v;
  for (const auto& [k, v] : options_.properties) props[k] = v;
  char errstr[512];
  for (const auto& [k, v] : props) {
    if (rd_kafka_conf_set(conf.get(), k.c_str(), v.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
      return AssertionFailure() << "producer config " << k << "=" << v << ": " << errstr;
    }
  }
  rd_kafka_conf_set_dr_msg_cb(conf.get(), DeliveryReport);
  rd_kafka_conf_set_opaque(conf.get(), this);
  rdk::Handle rk(rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), errstr, sizeof errstr));
  if (!rk) return AssertionFailure() << "rd_kafka_new: " << errstr;
  conf.release();
  rdk::Topic rkt(rd_kafka_topic_new(rk.get(), options_.topic.c_str(), nullptr));
  const int txn_ms = static_cast<int>(options_.message_timeout.count());

  int64_t in_txn = 0;
  int64_t txn_index = 0;
  // Ends the open transaction: flushed first, so an aborted one's records are in the log
  // (a read_committed reader, kmirror, must skip them there), then committed or aborted.
  auto end_txn = [&]() -> AssertionResult {
    if (in_txn == 0) return AssertionSuccess();
    in_txn = 0;
    const bool abort = options_.abort_every > 0 && txn_index % options_.abort_every == options_.abort_every - 1;
    ++txn_index;
    rd_kafka_flush(rk.get(), txn_ms);
    bool abortable = false;
    AssertionResult ended =
        abort ? TxnStep(rd_kafka_abort_transaction(rk.get(), txn_ms), "abort_transaction")
              : TxnStep(rd_kafka_commit_transaction(rk.get(), txn_ms), "commit_transaction", &abortable);
    if (!ended && abortable) {
      ended = TxnStep(rd_kafka_abort_transaction(rk.get(), txn_ms), "abort_transaction after a failed commit");
      if (ended) {  // aborted after all: its records never count as acknowledged
        std::lock_guard lock(mu_);
        txn_delivered_.clear();
        Move(txn_sent_, ledger_.aborted);
        return AssertionSuccess();
      }
    }
    if (!ended) return ended;
    std::lock_guard lock(mu_);
    if (abort) {
      txn_delivered_.clear();
      Move(txn_sent_, ledger_.aborted);
    } else {
      acknowledged_ += Count(txn_delivered_);
      Move(txn_delivered_, ledger_.acknowledged);
      txn_sent_.clear();
    }
    return AssertionSuccess();
  };

  if (transactional) {
    if (auto r = TxnStep(rd_kafka_init_transactions(rk.get(), txn_ms), "init_transactions"); !r) return r;
  }
  const auto start = Clock::now();
  const int64_t first = sent_.load();
  const int partitions = static_cast<int>(next_seq_.size());
  AssertionResult result = AssertionSuccess();
  while (!stop_ && sent_.load() < limit) {
    if (options_.records_per_second > 0) {
      const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
      if (static_cast<double>(sent_.load() - first) >= elapsed * options_.records_per_second) {
        rd_kafka_poll(rk.get(), 2);
        continue;
      }
    }
    if (transactional && in_txn == 0) {
      if (auto r = TxnStep(rd_kafka_begin_transaction(rk.get()), "begin_transaction"); !r) {
        result = r;
        break;
      }
    }
    const int32_t partition = static_cast<int32_t>(sent_.load() % partitions);
    const int64_t seq = next_seq_[static_cast<std::size_t>(partition)];
    const Stamp stamp{options_.origin, options_.producer_id, partition, seq};
    const std::string text = stamp.ToString();
    const std::string value = StampedValue(stamp, options_.value_bytes);
    const bool keyed = options_.key_every > 0 && seq % options_.key_every == 0;
    const std::string key = "k" + std::to_string(seq % 1000);
    rd_kafka_resp_err_t err;
    do {
      rdk::Headers headers(rd_kafka_headers_new(1));
      rd_kafka_header_add(headers.get(), kStampHeader.data(), static_cast<ssize_t>(kStampHeader.size()), text.data(),
                          text.size());
      const void* key_ptr = keyed ? key.data() : nullptr;
      const size_t key_len = keyed ? key.size() : 0;
      void* value_ptr = const_cast<char*>(value.data());  // copied (F_COPY)
      const size_t value_len = value.size();
      void* opaque = Pack(partition, seq);
      err = rd_kafka_producev(rk.get(), RD_KAFKA_V_RKT(rkt.get()), RD_KAFKA_V_PARTITION(partition),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key_ptr, key_len),
                              RD_KAFKA_V_VALUE(value_ptr, value_len), RD_KAFKA_V_HEADERS(headers.get()),
                              RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        headers.release();  // the message owns them now
      } else if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        rd_kafka_poll(rk.get(), 10);
      }
    } while (err == RD_KAFKA_RESP_ERR__QUEUE_FULL && !stop_);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        result = AssertionFailure() << "producing " << text << ": " << rd_kafka_err2name(err);
      }
      break;
    }
    ++next_seq_[static_cast<std::size_t>(partition)];
    ++sent_;
    if (transactional) {
      std::lock_guard lock(mu_);
      txn_sent_[partition].push_back(seq);
    }
    rd_kafka_poll(rk.get(), 0);
    if (transactional && ++in_txn >= options_.transaction_records) {
      if (auto r = end_txn(); !r) {
        result = r;
        break;
      }
    }
  }
  if (transactional && result) result = end_txn();
  // Bounded: librdkafka fails whatever is still undelivered after message.timeout.ms.
  rd_kafka_flush(rk.get(), txn_ms + 5000);
  return result;
}

}  // namespace kmirror::test
