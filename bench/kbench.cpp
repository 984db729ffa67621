// kbench: the benchmark's helper tools, on raw librdkafka (a measuring instrument and a
// baseline, not kmirror code). Built by bench/run.sh with one g++ command line.
//
//   kbench version                                   librdkafka version
//   kbench create  --brokers B --topic T --partitions P [--rf 1]
//   kbench delete  --brokers B --topic T             (frees the disk a drained copy takes)
//   kbench offsets --brokers B --topic T             "partition end_offset" lines
//   kbench produce --brokers B --topic T --records N --size S [--round-robin 1] [--rate R]
//                  [--linger-ms L]   librdkafka producer with kmirror's producer settings
//                  (ceiling, primers; with --rate, a steady offered load)
//   kbench loop    --from A --topic T --to B --target T2 [--zero-copy 1] [--store 1] [--header N]
//                  minimal consume->produce loop (baseline), until SIGTERM; the options are
//                  kmirror's per-record work, one at a time, for finding what costs throughput
//   kbench watch   --brokers B --topic T (--expect FILE | --expect-total N) --pid PID
//                  --t0-ns NS [--broker-pids P1,P2] [--timeout S] [--interval-ms 50]
//                  polls T's end offsets until it holds every expected record; samples the
//                  replicator's CPU time and peak RSS from /proc; prints key=value lines
//   kbench read    --brokers A --topic T --t0-ns NS [--broker-pids P1,P2] [--timeout S]
//                  the source-read ceiling: one consumer (kmirror's consumer settings, no
//                  group) reads T to its end and produces nothing; prints watch's key=value
//                  lines for itself
//   kbench digest  --brokers B --topic T             "partition count hash" lines
//   kbench latency --brokers B --topic T --since-ms MS --warmup-ms W --expect N [--timeout S]
//                  [--timeline 1]
//                  arrival time - record timestamp for records stamped at or after MS+W
//   kbench failover --brokers B --topic T --partitions P --mark-file F [--ready-file R]
//                  [--gap-ms 2000] [--inflight-ms 1000] [--settle-ms 5000] [--timeout S]
//                  the failover probe: reads T's new records on every partition and notes each
//                  partition's last arrival; writes R once every partition received one within
//                  gap-ms; once F exists (it holds the kill time, Unix ms), a partition whose
//                  records stopped by kill + inflight-ms and then paused for at least gap-ms is
//                  a moved partition (if it was not already paused at the kill), and its first arrival after the pause
//                  is its failover time; ends when no partition is paused any more (plus settle-ms) or at the timeout
//                  (S seconds after the kill); prints key=value lines
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop = true; }

[[noreturn]] void Die(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  std::fprintf(stderr, "kbench: ");
  std::vfprintf(stderr, fmt, ap);
  std::fprintf(stderr, "\n");
  va_end(ap);
  std::exit(1);
}

struct Args {
  std::map<std::string, std::string> kv;
  std::string Get(const std::string& k, const char* def = nullptr) const {
    auto it = kv.find(k);
    if (it != kv.end()) return it->second;
    if (def == nullptr) Die("missing --%s", k.c_str());
    return def;
  }
  long long Int(const std::string& k, const char* def = nullptr) const { return std::stoll(Get(k, def)); }
  bool Has(const std::string& k) const { return kv.count(k) != 0; }
};

// CPU seconds (user + system) this process has used.
double SelfCpu() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

int64_t RealNs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

using Props = std::vector<std::pair<std::string, std::string>>;

rd_kafka_t* NewHandle(rd_kafka_type_t type, const Props& props,
                      void (*dr)(rd_kafka_t*, const rd_kafka_message_t*, void*) = nullptr) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  for (const auto& [k, v] : props) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) Die("%s", err);
  }
  if (dr != nullptr) rd_kafka_conf_set_dr_msg_cb(conf, dr);
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);
  if (rk == nullptr) Die("rd_kafka_new: %s", err);
  return rk;
}

// A handle for metadata and offset queries that never makes a broker auto-create a topic.
rd_kafka_t* QueryHandle(const std::string& brokers) {
  return NewHandle(RD_KAFKA_CONSUMER,
                   {{"bootstrap.servers", brokers}, {"allow.auto.create.topics", "false"}, {"log_level", "3"}});
}

// Partition count of a topic whose partitions all have a leader, or -1.
int PartitionCount(rd_kafka_t* rk, const std::string& topic) {
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  int n = -1;
  if (rd_kafka_metadata(rk, 0, rkt, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    for (int i = 0; i < md->topic_cnt; i++) {
      const auto& t = md->topics[i];
      if (topic != t.topic || t.err != RD_KAFKA_RESP_ERR_NO_ERROR || t.partition_cnt == 0) continue;
      n = t.partition_cnt;
      for (int p = 0; p < t.partition_cnt; p++) {
        if (t.partitions[p].leader < 0 || t.partitions[p].err != RD_KAFKA_RESP_ERR_NO_ERROR) n = -1;
      }
    }
    rd_kafka_metadata_destroy(md);
  }
  rd_kafka_topic_destroy(rkt);
  return n;
}

int WaitPartitions(rd_kafka_t* rk, const std::string& topic, int timeout_s) {
  int64_t deadline = RealNs() + int64_t(timeout_s) * 1000000000;
  while (!g_stop) {
    int n = PartitionCount(rk, topic);
    if (n > 0) return n;
    if (RealNs() > deadline) break;
    usleep(200000);
  }
  Die("topic %s not available", topic.c_str());
}

// End offsets of every partition in one ListOffsets request per broker: offsets_for_times
// with the special timestamp -1 (latest). Falls back to one watermark query per partition.
bool EndOffsets(rd_kafka_t* rk, const std::string& topic, int parts, std::vector<int64_t>& out) {
  out.assign(parts, -1);
  rd_kafka_topic_partition_list_t* l = rd_kafka_topic_partition_list_new(parts);
  for (int p = 0; p < parts; p++) rd_kafka_topic_partition_list_add(l, topic.c_str(), p)->offset = -1;
  bool ok = rd_kafka_offsets_for_times(rk, l, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR;
  for (int i = 0; ok && i < l->cnt; i++) {
    if (l->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR || l->elems[i].offset < 0)
      ok = false;
    else
      out[l->elems[i].partition] = l->elems[i].offset;
  }
  rd_kafka_topic_partition_list_destroy(l);
  if (ok) return true;
  for (int p = 0; p < parts; p++) {
    int64_t lo, hi;
    if (rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &lo, &hi, 5000) != RD_KAFKA_RESP_ERR_NO_ERROR)
      return false;
    out[p] = hi;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------

int CmdCreate(const Args& a) {
  std::string topic = a.Get("topic");
  int parts = int(a.Int("partitions"));
  rd_kafka_t* rk = QueryHandle(a.Get("brokers"));
  char err[512];
  rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(topic.c_str(), parts, int(a.Int("rf", "1")), err, sizeof err);
  if (nt == nullptr) Die("%s", err);
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_CreateTopics(rk, &nt, 1, nullptr, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 60000);
  if (ev == nullptr) Die("CreateTopics timed out");
  if (rd_kafka_event_error(ev)) Die("CreateTopics: %s", rd_kafka_event_error_string(ev));
  size_t n = 0;
  const rd_kafka_topic_result_t** res = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
  for (size_t i = 0; i < n; i++) {
    auto e = rd_kafka_topic_result_error(res[i]);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
      Die("create %s: %s", topic.c_str(), rd_kafka_topic_result_error_string(res[i]));
  }
  rd_kafka_event_destroy(ev);
  rd_kafka_NewTopic_destroy(nt);
  rd_kafka_queue_destroy(q);
  int64_t deadline = RealNs() + 60000000000LL;
  while (PartitionCount(rk, topic) != parts) {
    if (RealNs() > deadline) Die("topic %s has no leaders after 60 s", topic.c_str());
    usleep(100000);
  }
  rd_kafka_destroy(rk);
  return 0;
}

int CmdOffsets(const Args& a) {
  std::string topic = a.Get("topic");
  rd_kafka_t* rk = QueryHandle(a.Get("brokers"));
  int parts = PartitionCount(rk, topic);
  if (parts <= 0) Die("topic %s not found", topic.c_str());
  std::vector<int64_t> ends;
  if (!EndOffsets(rk, topic, parts, ends)) Die("cannot read end offsets of %s", topic.c_str());
  for (int p = 0; p < parts; p++) std::printf("%d %" PRId64 "\n", p, ends[p]);
  rd_kafka_destroy(rk);
  return 0;
}

int CmdDelete(const Args& a) {
  std::string topic = a.Get("topic");
  rd_kafka_t* rk = QueryHandle(a.Get("brokers"));
  rd_kafka_DeleteTopic_t* dt = rd_kafka_DeleteTopic_new(topic.c_str());
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_DeleteTopics(rk, &dt, 1, nullptr, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 60000);
  if (ev == nullptr) Die("DeleteTopics timed out");
  if (rd_kafka_event_error(ev)) Die("DeleteTopics: %s", rd_kafka_event_error_string(ev));
  size_t n = 0;
  const rd_kafka_topic_result_t** res = rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), &n);
  for (size_t i = 0; i < n; i++) {
    auto e = rd_kafka_topic_result_error(res[i]);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR && e != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
      Die("delete %s: %s", topic.c_str(), rd_kafka_topic_result_error_string(res[i]));
  }
  rd_kafka_event_destroy(ev);
  rd_kafka_DeleteTopic_destroy(dt);
  rd_kafka_queue_destroy(q);
  rd_kafka_destroy(rk);
  return 0;
}

// kmirror's producer settings (src/kafka/producer.cpp): the ceiling and the loop use them.
Props ReplicatorProducerProps(const std::string& brokers) {
  return {{"bootstrap.servers", brokers},
          {"enable.idempotence", "true"},
          {"acks", "all"},
          {"linger.ms", "20"},
          {"batch.size", "1000000"},
          {"queue.buffering.max.kbytes", "262144"},
          {"allow.auto.create.topics", "false"}};
}

std::atomic<long long> g_delivered{0}, g_failed{0};
void CountDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void*) {
  if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (g_failed++ < 5) std::fprintf(stderr, "kbench: delivery failed: %s\n", rd_kafka_err2str(m->err));
  } else {
    g_delivered++;
  }
}

int CmdProduce(const Args& a) {
  std::string topic = a.Get("topic");
  long long records = a.Int("records");
  size_t size = size_t(a.Int("size"));
  bool round_robin = a.Get("round-robin", "0") == "1";
  double rate = double(a.Int("rate", "0"));  // records/s, 0: as fast as possible
  Props props = ReplicatorProducerProps(a.Get("brokers"));
  if (a.Has("linger-ms")) props.emplace_back("linger.ms", a.Get("linger-ms"));
  rd_kafka_t* rk = NewHandle(RD_KAFKA_PRODUCER, props, CountDelivery);
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  int parts = round_robin ? WaitPartitions(rk, topic, 60) : 0;
  // Random upper-case letters, as Kafka's ProducerPerformance writes; a pool of payloads
  // that live until exit, so records are handed over without a copy.
  std::mt19937_64 rng(42);
  std::vector<std::string> pool(256, std::string(size, 'A'));
  for (auto& s : pool)
    for (auto& c : s) c = char('A' + rng() % 26);
  int64_t t0 = RealNs();
  for (long long i = 0; i < records && !g_stop; i++) {
    const std::string& v = pool[i % pool.size()];
    if (rate > 0) {  // a steady pace: record i is due at t0 + i / rate
      int64_t due = t0 + int64_t(double(i) * 1e9 / rate);
      for (int64_t now = RealNs(); now < due; now = RealNs()) {
        rd_kafka_poll(rk, 0);
        int64_t us = (due - now) / 1000;
        if (us > 50) usleep(useconds_t(std::min<int64_t>(us, 1000)));
      }
    }
    int32_t part = round_robin ? int32_t(i % parts) : RD_KAFKA_PARTITION_UA;
    while (rd_kafka_produce(rkt, part, 0, const_cast<char*>(v.data()), v.size(), nullptr, 0, nullptr) != 0) {
      if (rd_kafka_last_error() != RD_KAFKA_RESP_ERR__QUEUE_FULL)
        Die("produce: %s", rd_kafka_err2str(rd_kafka_last_error()));
      rd_kafka_poll(rk, 10);
    }
    if (i % 1000 == 0) rd_kafka_poll(rk, 0);
  }
  rd_kafka_flush(rk, 120000);
  double s = double(RealNs() - t0) / 1e9;
  std::printf("delivered=%lld failed=%lld seconds=%.3f records_per_s=%.0f cpu_s=%.2f\n", g_delivered.load(),
              g_failed.load(), s, double(g_delivered.load()) / s, SelfCpu());
  rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk);
  return g_failed.load() == 0 && g_delivered.load() == records ? 0 : 1;
}

rd_kafka_t* AssignedConsumer(const Props& extra, const std::string& brokers, const std::string& topic, int* parts_out,
                             int wait_s = 120) {
  Props props = {{"bootstrap.servers", brokers},
                 {"group.id", "kbench-" + std::to_string(getpid()) + "-" + std::to_string(RealNs())},
                 {"enable.auto.commit", "false"},
                 {"enable.auto.offset.store", "false"},
                 {"auto.offset.reset", "earliest"},
                 {"allow.auto.create.topics", "false"}};
  props.insert(props.end(), extra.begin(), extra.end());
  rd_kafka_t* rk = NewHandle(RD_KAFKA_CONSUMER, props);
  int parts = WaitPartitions(rk, topic, wait_s);
  rd_kafka_topic_partition_list_t* l = rd_kafka_topic_partition_list_new(parts);
  for (int p = 0; p < parts; p++)
    rd_kafka_topic_partition_list_add(l, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  if (rd_kafka_assign(rk, l) != RD_KAFKA_RESP_ERR_NO_ERROR) Die("assign failed");
  rd_kafka_topic_partition_list_destroy(l);
  *parts_out = parts;
  return rk;
}

// Up to max messages: waits up to timeout_ms for the first, then takes what is already there
// (as kmirror's consumer does; rd_kafka_consume_batch_queue would wait for a full batch).
size_t PollBatch(rd_kafka_t* c, int timeout_ms, std::vector<rd_kafka_message_t*>& out) {
  size_t n = 0;
  int wait = timeout_ms;
  while (n < out.size()) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(c, wait);
    if (m == nullptr) break;
    out[n++] = m;
    wait = 0;
  }
  return n;
}

// Loop variants (for finding what costs kmirror throughput; the benchmark runs the plain loop):
// zero-copy keeps each consumed message until its delivery report (as kmirror does), store
// stores its offset then, header adds a header of that many bytes to every record.
rd_kafka_t* g_loop_consumer = nullptr;
bool g_loop_store = false;
void LoopDelivery(rd_kafka_t* rk, const rd_kafka_message_t* m, void* opaque) {
  CountDelivery(rk, m, opaque);
  auto* src = static_cast<rd_kafka_message_t*>(m->_private);
  if (src == nullptr) return;
  if (g_loop_store && m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    rd_kafka_topic_partition_list_t* l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, rd_kafka_topic_name(src->rkt), src->partition)->offset = src->offset + 1;
    rd_kafka_offsets_store(g_loop_consumer, l);
    rd_kafka_topic_partition_list_destroy(l);
  }
  rd_kafka_message_destroy(src);
}

int CmdLoop(const Args& a) {
  std::string topic = a.Get("topic"), target = a.Get("target");
  bool zero_copy = a.Get("zero-copy", "0") == "1";
  g_loop_store = a.Get("store", "0") == "1";
  size_t header_bytes = size_t(a.Int("header", "0"));
  std::string header_value(header_bytes, 'h');
  int parts = 0;
  // The consumer side as kmirror configures it: committed records only, librdkafka defaults.
  rd_kafka_t* c = AssignedConsumer({{"isolation.level", "read_committed"}, {"enable.partition.eof", "false"}},
                                   a.Get("from"), topic, &parts);
  g_loop_consumer = c;
  if (g_loop_store) zero_copy = true;
  rd_kafka_t* p = NewHandle(RD_KAFKA_PRODUCER, ReplicatorProducerProps(a.Get("to")), LoopDelivery);
  rd_kafka_topic_t* trkt = rd_kafka_topic_new(p, target.c_str(), nullptr);
  std::vector<rd_kafka_message_t*> batch(2000);
  long long forwarded = 0;
  while (!g_stop) {
    size_t n = PollBatch(c, 100, batch);
    for (size_t i = 0; i < n; i++) {
      rd_kafka_message_t* m = batch[i];
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        rd_kafka_headers_t* hdrs = nullptr;
        rd_kafka_message_detach_headers(m, &hdrs);
        if (header_bytes > 0) {
          if (hdrs == nullptr) hdrs = rd_kafka_headers_new(1);
          rd_kafka_header_add(hdrs, "kmirror.prov", -1, header_value.data(), ssize_t(header_value.size()));
        }
        int64_t ts = rd_kafka_message_timestamp(m, nullptr);
        rd_kafka_resp_err_t err;
        while ((err = rd_kafka_producev(p, RD_KAFKA_V_RKT(trkt), RD_KAFKA_V_PARTITION(m->partition),
                                        RD_KAFKA_V_MSGFLAGS(zero_copy ? 0 : RD_KAFKA_MSG_F_COPY),
                                        RD_KAFKA_V_KEY(m->key, m->key_len), RD_KAFKA_V_VALUE(m->payload, m->len),
                                        RD_KAFKA_V_TIMESTAMP(ts > 0 ? ts : 0), RD_KAFKA_V_HEADERS(hdrs),
                                        RD_KAFKA_V_OPAQUE(zero_copy ? m : nullptr), RD_KAFKA_V_END)) ==
               RD_KAFKA_RESP_ERR__QUEUE_FULL) {
          rd_kafka_poll(p, 10);
        }
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) Die("produce: %s", rd_kafka_err2str(err));
        forwarded++;
        if (zero_copy) continue;  // destroyed by its delivery report
      } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        std::fprintf(stderr, "kbench loop: consume error: %s\n", rd_kafka_message_errstr(m));
      }
      rd_kafka_message_destroy(m);
    }
    rd_kafka_poll(p, 0);
  }
  rd_kafka_flush(p, 30000);
  std::printf("forwarded=%lld delivered=%lld failed=%lld\n", forwarded, g_delivered.load(), g_failed.load());
  rd_kafka_topic_destroy(trkt);
  rd_kafka_destroy(p);
  rd_kafka_consumer_close(c);
  rd_kafka_destroy(c);
  return g_failed.load() == 0 ? 0 : 1;
}

struct ProcSample {
  bool ok = false;
  double cpu_s = 0;  // utime + stime + cutime + cstime
  long hwm_kb = 0;   // VmHWM: peak resident set
};

ProcSample SampleProc(long pid) {
  ProcSample s;
  if (pid <= 0) return s;
  std::ifstream st("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(st, line)) return s;
  size_t rp = line.rfind(')');
  if (rp == std::string::npos) return s;
  std::istringstream is(line.substr(rp + 2));
  std::vector<std::string> f;
  std::string w;
  while (is >> w) f.push_back(w);
  if (f.size() < 15) return s;  // f[0] is field 3 (state); utime is field 14 -> f[11]
  double tick = double(sysconf(_SC_CLK_TCK));
  s.cpu_s = (std::stod(f[11]) + std::stod(f[12]) + std::stod(f[13]) + std::stod(f[14])) / tick;
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) s.hwm_kb = std::stol(line.substr(6));
  }
  s.ok = f[0] != "Z";
  return s;
}

// Busy CPU seconds of the whole machine (all processes) since boot, from /proc/stat.
double SystemBusyCpu() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  double v[8] = {0};
  in >> cpu >> v[0] >> v[1] >> v[2] >> v[3] >> v[4] >> v[5] >> v[6] >> v[7];
  // user nice system idle iowait irq softirq steal: everything but idle and iowait
  return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / double(sysconf(_SC_CLK_TCK));
}

// Each partition's end offset of an existing topic (dies if there is none).
std::vector<int64_t> TopicEnds(const std::string& brokers, const std::string& topic) {
  rd_kafka_t* q = QueryHandle(brokers);
  int parts = PartitionCount(q, topic);
  if (parts <= 0) Die("topic %s not found", topic.c_str());
  std::vector<int64_t> ends;
  if (!EndOffsets(q, topic, parts, ends)) Die("cannot read end offsets");
  rd_kafka_destroy(q);
  return ends;
}

// The CPU of the processes in --broker-pids (comma-separated), summed.
struct BrokerCpu {
  std::vector<long> pids;
  explicit BrokerCpu(const std::string& list) {
    std::stringstream ss(list);
    std::string x;
    while (std::getline(ss, x, ','))
      if (!x.empty()) pids.push_back(std::stol(x));
  }
  double operator()() const {
    double c = 0;
    for (long b : pids) c += SampleProc(b).cpu_s;
    return c;
  }
};

// What watch and read print: key=value lines that bench/run.sh reads.
struct Measurement {
  long long records = 0, expected = 0;
  double first_s = -1, done_s = -1;
  ProcSample at_start, at_first, at_done;  // the measured process
  double b0 = 0, b_first = 0, b_done = 0;  // brokers' CPU
  double sys0 = 0, sys_done = 0;           // the whole machine's busy CPU
  void Print() const {
    // CPU used by everything else on the machine meanwhile (load tools, other users): a
    // measure of interference. The measured process's CPU before the start is excluded.
    double other = (sys_done - sys0) - (b_done - b0) - (at_done.cpu_s - at_start.cpu_s);
    std::printf("complete=%d\nrecords=%lld\nexpected=%lld\nfirst_s=%.3f\ndone_s=%.3f\n", done_s >= 0 ? 1 : 0, records,
                expected, first_s, done_s);
    std::printf("cpu_first_s=%.2f\ncpu_done_s=%.2f\npeak_rss_kb=%ld\n", at_first.cpu_s, at_done.cpu_s, at_done.hwm_kb);
    std::printf("broker_cpu_total_s=%.2f\nbroker_cpu_drain_s=%.2f\n", b_done - b0,
                first_s >= 0 ? b_done - b_first : 0.0);
    std::printf("system_cpu_s=%.2f\nother_cpu_s=%.2f\n", sys_done - sys0, other);
  }
};

int CmdWatch(const Args& a) {
  std::string topic = a.Get("topic");
  long pid = long(a.Int("pid", "0"));
  int64_t t0 = a.Int("t0-ns", "0");
  if (t0 == 0) t0 = RealNs();
  int interval_ms = int(a.Int("interval-ms", "50"));
  int64_t deadline = t0 + a.Int("timeout", "600") * 1000000000LL;
  const BrokerCpu broker_cpu(a.Get("broker-pids", ""));
  std::vector<int64_t> expect;
  Measurement m;
  if (a.Has("expect")) {
    std::ifstream in(a.Get("expect"));
    int p;
    long long e;
    while (in >> p >> e) {
      if (p >= int(expect.size())) expect.resize(p + 1, 0);
      expect[p] = e;
      m.expected += e;
    }
  } else {
    m.expected = a.Int("expect-total");
  }
  rd_kafka_t* rk = QueryHandle(a.Get("brokers"));
  m.b0 = broker_cpu();
  m.sys0 = SystemBusyCpu();
  m.at_start = SampleProc(pid);
  int parts = -1;
  std::vector<int64_t> ends;
  ProcSample last;
  while (!g_stop) {
    int64_t now = RealNs();
    if (parts <= 0) {
      parts = PartitionCount(rk, topic);
      if (parts > 0 && !expect.empty() && parts < int(expect.size())) parts = -1;  // still growing
    }
    ProcSample s = SampleProc(pid);
    if (s.ok) last = s;
    if (parts > 0 && EndOffsets(rk, topic, parts, ends)) {
      long long total = 0;
      bool complete = true;
      for (int p = 0; p < parts; p++) total += ends[p];
      m.records = total;
      if (!expect.empty()) {
        for (int p = 0; p < int(expect.size()); p++)
          if (p >= parts || ends[p] < expect[p]) complete = false;
      } else {
        complete = total >= m.expected;
      }
      double t = double(RealNs() - t0) / 1e9;
      if (total > 0 && m.first_s < 0) {
        m.first_s = t;
        ProcSample f = SampleProc(pid);
        m.at_first = f.ok ? f : last;
        m.b_first = broker_cpu();
      }
      if (complete) {
        m.done_s = t;
        ProcSample d = SampleProc(pid);
        m.at_done = d.ok ? d : last;
        m.b_done = broker_cpu();
        m.sys_done = SystemBusyCpu();
        break;
      }
    }
    if (now > deadline) break;
    int64_t spent_ms = (RealNs() - now) / 1000000;
    if (spent_ms < interval_ms) usleep(useconds_t((interval_ms - spent_ms) * 1000));
  }
  if (m.done_s < 0) {
    m.at_done = last;
    m.b_done = broker_cpu();
    m.sys_done = SystemBusyCpu();
  }
  m.Print();
  std::printf("partition_ends=");
  for (int p = 0; p < int(ends.size()); p++) std::printf("%s%" PRId64, p ? "," : "", ends[p]);
  std::printf("\n");
  rd_kafka_destroy(rk);
  return m.done_s >= 0 ? 0 : 3;
}

int CmdRead(const Args& a) {
  std::string topic = a.Get("topic"), brokers = a.Get("brokers");
  int64_t t0 = a.Int("t0-ns", "0");
  if (t0 == 0) t0 = RealNs();
  int64_t deadline = t0 + a.Int("timeout", "600") * 1000000000LL;
  const BrokerCpu broker_cpu(a.Get("broker-pids", ""));
  const long self = long(getpid());
  Measurement m;
  m.b0 = broker_cpu();
  m.sys0 = SystemBusyCpu();
  m.at_start = SampleProc(self);
  std::vector<int64_t> ends = TopicEnds(brokers, topic);
  const int parts = int(ends.size());
  int remaining = 0;
  std::vector<bool> done(parts, false);
  for (int p = 0; p < parts; p++) {
    m.expected += ends[p];
    if (ends[p] == 0)
      done[p] = true;
    else
      remaining++;
  }
  // The consumer side as the loop has it (committed records only, librdkafka's default
  // prefetch, polled the same way): the fastest a librdkafka consumer reads the backlog here,
  // an upper bound for any replicator built on it.
  int parts2 = 0;
  rd_kafka_t* c = AssignedConsumer({{"isolation.level", "read_committed"}, {"enable.partition.eof", "false"}}, brokers,
                                   topic, &parts2);
  std::vector<rd_kafka_message_t*> batch(2000);
  while (remaining > 0 && !g_stop && RealNs() < deadline) {
    size_t n = PollBatch(c, 100, batch);
    for (size_t i = 0; i < n; i++) {
      rd_kafka_message_t* msg = batch[i];
      int p = msg->partition;
      if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR && p >= 0 && p < parts) {
        if (m.records++ == 0) {
          m.first_s = double(RealNs() - t0) / 1e9;
          m.at_first = SampleProc(self);
          m.b_first = broker_cpu();
        }
        if (!done[p] && msg->offset + 1 >= ends[p]) {
          done[p] = true;
          remaining--;
        }
      }
      rd_kafka_message_destroy(msg);
    }
  }
  if (remaining == 0) m.done_s = double(RealNs() - t0) / 1e9;
  m.at_done = SampleProc(self);
  m.b_done = broker_cpu();
  m.sys_done = SystemBusyCpu();
  m.Print();
  rd_kafka_consumer_close(c);
  rd_kafka_destroy(c);
  return m.done_s >= 0 ? 0 : 3;
}

inline uint64_t Mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return h * 0xff51afd7ed558ccdULL;
}
uint64_t HashBytes(uint64_t h, const void* data, size_t n) {
  const unsigned char* p = static_cast<const unsigned char*>(data);
  h = Mix(h, n);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    h = Mix(h, w);
  }
  uint64_t tail = 0;
  std::memcpy(&tail, p + i, n - i);
  return Mix(h, tail);
}

int CmdDigest(const Args& a) {
  std::string topic = a.Get("topic"), brokers = a.Get("brokers");
  std::vector<int64_t> ends = TopicEnds(brokers, topic);
  const int parts = int(ends.size());
  int parts2 = 0;
  rd_kafka_t* c = AssignedConsumer({{"enable.partition.eof", "true"}, {"queued.max.messages.kbytes", "262144"}},
                                   brokers, topic, &parts2, 10);
  std::vector<long long> count(parts, 0);
  std::vector<uint64_t> hash(parts, 1469598103934665603ULL);
  std::vector<bool> done(parts, false);
  int remaining = 0;
  for (int p = 0; p < parts; p++) {
    if (ends[p] == 0)
      done[p] = true;
    else
      remaining++;
  }
  rd_kafka_queue_t* q = rd_kafka_queue_get_consumer(c);
  std::vector<rd_kafka_message_t*> batch(4000);
  int64_t deadline = RealNs() + a.Int("timeout", "300") * 1000000000LL;
  while (remaining > 0 && !g_stop && RealNs() < deadline) {
    ssize_t n = rd_kafka_consume_batch_queue(q, 200, batch.data(), batch.size());
    for (ssize_t i = 0; i < n; i++) {
      rd_kafka_message_t* m = batch[i];
      int p = m->partition;
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR && p >= 0 && p < parts && !done[p]) {
        count[p]++;
        uint64_t h = Mix(hash[p], uint64_t(rd_kafka_message_timestamp(m, nullptr)));
        h = m->key ? HashBytes(h, m->key, m->key_len) : Mix(h, ~0ULL);
        hash[p] = m->payload ? HashBytes(h, m->payload, m->len) : Mix(h, ~1ULL);
        if (m->offset + 1 >= ends[p]) {
          done[p] = true;
          remaining--;
        }
      } else if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR && m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        std::fprintf(stderr, "kbench digest: %s\n", rd_kafka_message_errstr(m));
      }
      rd_kafka_message_destroy(m);
    }
  }
  rd_kafka_queue_destroy(q);
  rd_kafka_consumer_close(c);
  rd_kafka_destroy(c);
  for (int p = 0; p < parts; p++) std::printf("%d %lld %016" PRIx64 "\n", p, count[p], hash[p]);
  return remaining == 0 ? 0 : 1;
}

int CmdLatency(const Args& a) {
  std::string topic = a.Get("topic");
  int64_t since_ms = a.Int("since-ms");
  int64_t from_ms = since_ms + a.Int("warmup-ms", "0");
  long long expect = a.Int("expect", "0");
  int64_t deadline = RealNs() + a.Int("timeout", "600") * 1000000000LL;
  int parts = 0;
  rd_kafka_t* c = AssignedConsumer({{"enable.partition.eof", "false"}, {"fetch.wait.max.ms", "100"}}, a.Get("brokers"),
                                   topic, &parts);
  std::vector<double> lat;
  lat.reserve(size_t(expect > 0 ? expect : 1000000));
  bool timeline = a.Get("timeline", "0") == "1";
  std::vector<long long> tl_n;
  std::vector<double> tl_max, tl_sum;
  long long counted = 0;
  while (!g_stop && RealNs() < deadline && (expect == 0 || counted < expect)) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(c, 100);
    if (m == nullptr) continue;
    double now_ms = double(RealNs()) / 1e6;
    {
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        int64_t ts = rd_kafka_message_timestamp(m, nullptr);
        if (ts >= since_ms) {
          counted++;
          if (ts >= from_ms) lat.push_back(now_ms - double(ts));
          if (timeline) {  // per second of record timestamps: count, max latency
            size_t sec = size_t((ts - since_ms) / 1000);
            if (sec >= tl_n.size()) tl_n.resize(sec + 1, 0), tl_max.resize(sec + 1, 0), tl_sum.resize(sec + 1, 0);
            tl_n[sec]++;
            tl_sum[sec] += now_ms - double(ts);
            tl_max[sec] = std::max(tl_max[sec], now_ms - double(ts));
          }
        }
      }
      rd_kafka_message_destroy(m);
    }
  }
  rd_kafka_consumer_close(c);
  rd_kafka_destroy(c);
  std::sort(lat.begin(), lat.end());
  auto pct = [&](double f) {
    return lat.empty() ? -1.0 : lat[std::min(lat.size() - 1, size_t(f * double(lat.size())))];
  };
  double sum = 0;
  for (double v : lat) sum += v;
  std::printf(
      "received=%lld\nexpected=%lld\nmeasured=%zu\np50_ms=%.1f\np90_ms=%.1f\np99_ms=%.1f\np999_ms=%.1f\nmax_ms=%.1f\n"
      "mean_ms=%.1f\n",
      counted, expect, lat.size(), pct(0.50), pct(0.90), pct(0.99), pct(0.999), lat.empty() ? -1.0 : lat.back(),
      lat.empty() ? -1.0 : sum / double(lat.size()));
  std::printf("cpu_s=%.2f\n", SelfCpu());
  for (size_t i = 0; i < tl_n.size(); i++)
    std::printf("second %zu: %lld records, mean %.1f ms, max %.1f ms\n", i, tl_n[i],
                tl_n[i] ? tl_sum[i] / double(tl_n[i]) : 0.0, tl_max[i]);
  return expect == 0 || counted >= expect ? 0 : 1;
}

// The failover probe (see the usage comment at the top). Arrival times are this process's
// wall clock when librdkafka hands the record over (fetch.wait.max.ms 50: tens of ms after
// the append); the kill time comes from the same clock (the script writes it).
int CmdFailover(const Args& a) {
  const std::string topic = a.Get("topic"), mark_file = a.Get("mark-file"), ready_file = a.Get("ready-file", "");
  const int want = int(a.Int("partitions"));
  const int64_t gap = a.Int("gap-ms", "2000"), inflight = a.Int("inflight-ms", "1000");
  const int64_t settle = a.Int("settle-ms", "5000"), timeout_ms = a.Int("timeout", "600") * 1000;
  auto now_ms = [] { return RealNs() / 1000000; };
  rd_kafka_t* q = QueryHandle(a.Get("brokers"));
  const int64_t wait_until = now_ms() + 600000;
  while (PartitionCount(q, topic) != want) {  // the replicator creates the topic
    if (g_stop || now_ms() > wait_until) Die("topic %s with %d partitions not there after 600 s", topic.c_str(), want);
    usleep(200000);
  }
  rd_kafka_destroy(q);
  Props props = {{"bootstrap.servers", a.Get("brokers")},
                 {"group.id", "kbench-failover-" + std::to_string(getpid())},
                 {"enable.auto.commit", "false"},
                 {"enable.partition.eof", "false"},
                 {"fetch.wait.max.ms", "50"},
                 {"allow.auto.create.topics", "false"}};
  rd_kafka_t* c = NewHandle(RD_KAFKA_CONSUMER, props);
  rd_kafka_topic_partition_list_t* l = rd_kafka_topic_partition_list_new(want);
  for (int p = 0; p < want; p++) rd_kafka_topic_partition_list_add(l, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_END;
  if (rd_kafka_assign(c, l) != RD_KAFKA_RESP_ERR_NO_ERROR) Die("assign failed");
  rd_kafka_topic_partition_list_destroy(l);

  std::vector<int64_t> last(want, -1), stopped(want, -1), resumed(want, -1), resumed_ts(want, -1);
  std::vector<bool> inactive_at_kill(want, false);
  long long after_kill = 0, other_stalls = 0;
  int64_t other_max = 0, kill = -1, last_resume = -1;
  bool ready = false;
  std::string inactive;
  std::vector<std::string> stalls;
  while (!g_stop) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(c, 50);
    const int64_t now = now_ms();
    if (m != nullptr) {
      const int p = m->partition;
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR && p >= 0 && p < want) {
        if (kill >= 0) {
          after_kill++;
          if (last[p] >= 0 && now - last[p] >= gap) {
            // Active at the kill (not already paused before it: an MM2 run had partitions of
            // survivors stalled 1.7-2.5 s before the kill counted as moved).
            if (resumed[p] < 0 && last[p] <= kill + inflight && !inactive_at_kill[p]) {
              stopped[p] = last[p];
              resumed[p] = now;
              resumed_ts[p] = rd_kafka_message_timestamp(m, nullptr);
              last_resume = now;
            } else {  // a pause that did not begin at the kill: a survivor's partition stalled
              other_stalls++;
              other_max = std::max(other_max, now - last[p]);
              stalls.push_back(std::to_string(p) + "@" + std::to_string(last[p] - kill) + "+" +
                               std::to_string(now - last[p]));
            }
          }
        }
        last[p] = now;
      } else if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        std::fprintf(stderr, "kbench failover: %s\n", rd_kafka_message_errstr(m));
      }
      rd_kafka_message_destroy(m);
    }
    if (!ready && !ready_file.empty()) {
      bool all = true;
      for (int p = 0; p < want; p++) all = all && last[p] >= 0 && now - last[p] < gap;
      if (all) {
        std::ofstream(ready_file) << now << "\n";
        ready = true;
      }
    }
    if (kill < 0) {
      std::ifstream mf(mark_file);
      long long k = -1;
      if (mf >> k && k > 0) {
        kill = k;
        for (int p = 0; p < want; p++) {
          if (last[p] < 0 || kill - last[p] >= gap) {
            inactive += (inactive.empty() ? "" : ",") + std::to_string(p);
            inactive_at_kill[p] = true;
          }
        }
      }
      continue;
    }
    // Done when nothing is paused any more, the last partition came back settle-ms ago, and
    // the kill is at least gap + settle in the past; or at the timeout.
    bool paused = false;
    for (int p = 0; p < want; p++) paused = paused || now - last[p] >= gap;
    if (!paused && last_resume >= 0 && now - last_resume >= settle && now - kill >= gap + settle) break;
    if (now - kill >= timeout_ms) break;
  }
  rd_kafka_consumer_close(c);
  rd_kafka_destroy(c);
  std::string moved, open;
  int64_t first = -1, all = -1;
  int n_moved = 0;
  const int64_t end = now_ms();
  for (int p = 0; p < want; p++) {
    if (resumed[p] >= 0) {
      moved += (moved.empty() ? "" : ",") + std::to_string(p);
      n_moved++;
      if (first < 0 || resumed[p] - kill < first) first = resumed[p] - kill;
      all = std::max(all, resumed[p] - kill);
    } else if (kill >= 0 && !inactive_at_kill[p] && last[p] <= kill + inflight && end - last[p] >= gap) {
      open += (open.empty() ? "" : ",") + std::to_string(p);  // stopped at the kill, never came back
    }
  }
  std::printf("kill_ms=%lld\nmoved=%s\nmoved_count=%d\nnot_resumed=%s\n", (long long)kill, moved.c_str(), n_moved,
              open.c_str());
  std::printf("first_record_s=%.3f\nall_moved_s=%.3f\n", first >= 0 ? double(first) / 1e3 : -1.0,
              open.empty() && all >= 0 ? double(all) / 1e3 : -1.0);
  std::printf("records_after_kill=%lld\nother_stalls=%lld\nother_stall_max_s=%.3f\ninactive_at_kill=%s\n", after_kill,
              other_stalls, double(other_max) / 1e3, inactive.c_str());
  std::string sl;
  for (const auto& x : stalls) sl += (sl.empty() ? "" : " ") + x;
  std::printf("other_stall_list=%s\n", sl.c_str());
  // Per moved partition: last arrival before the pause and first after it (s from the kill),
  // and that record's timestamp (s from the kill; negative: produced before the kill, a record
  // the dead node had read but whose commit it never made, mirrored again).
  for (int p = 0; p < want; p++)
    if (resumed[p] >= 0)
      std::printf("partition_%d=stopped %.3f resumed %.3f record_ts %.3f\n", p, double(stopped[p] - kill) / 1e3,
                  double(resumed[p] - kill) / 1e3, double(resumed_ts[p] - kill) / 1e3);
  return kill >= 0 && open.empty() && n_moved > 0 ? 0 : 3;
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGTERM, OnSignal);
  signal(SIGINT, OnSignal);
  if (argc < 2)
    Die("usage: kbench version|create|delete|offsets|produce|loop|watch|read|digest|latency|failover --key value ...");
  std::string cmd = argv[1];
  Args a;
  for (int i = 2; i < argc; i++) {
    std::string k = argv[i];
    if (k.rfind("--", 0) != 0 || i + 1 >= argc) Die("bad argument %s", k.c_str());
    a.kv[k.substr(2)] = argv[++i];
  }
  if (cmd == "version") {
    std::printf("%s\n", rd_kafka_version_str());
    return 0;
  }
  if (cmd == "create") return CmdCreate(a);
  if (cmd == "delete") return CmdDelete(a);
  if (cmd == "offsets") return CmdOffsets(a);
  if (cmd == "produce") return CmdProduce(a);
  if (cmd == "loop") return CmdLoop(a);
  if (cmd == "watch") return CmdWatch(a);
  if (cmd == "read") return CmdRead(a);
  if (cmd == "digest") return CmdDigest(a);
  if (cmd == "latency") return CmdLatency(a);
  if (cmd == "failover") return CmdFailover(a);
  Die("unknown command %s", cmd.c_str());
}
