#include "kmirror/kafka/engine_props.h"

#include <cstdio>
#include <cstdlib>

namespace kmirror::kafka {
namespace {

using enum ClientKind;
using enum Ownership;

constexpr std::string_view kAcks = "kmirror always waits for all in-sync replicas (acks=all)";
constexpr std::string_view kPartitioner = "kmirror writes each record to the partition number it had on the source";
constexpr std::string_view kTransactions =
    "kmirror does not write transactionally: its producer is idempotent and it commits source offsets only "
    "after the target acknowledged";
constexpr std::string_view kProducerOwns = "kmirror's producer owns it";
// A topic the broker auto-creates on a metadata request gets num.partitions partitions,
// which breaks the partition mapping (MirrorMaker 1's pitfall).
constexpr std::string_view kNoAutoCreate = "metadata requests must never create a topic";

constexpr EngineProp kRows[] = {
    // ---- Consumer ------------------------------------------------------------------------
    {kConsumer, "group.id", kPerClient, "ConsumerOptions::group_id",
     "the flow's consumer group: its committed offsets are where the flow resumes"},
    // kmirror stores offsets after the target acknowledged a record, and librdkafka's
    // auto-commit only commits what was stored.
    {kConsumer, "enable.auto.commit", kForced, "true",
     "kmirror commits offsets itself, only for records the target acknowledged"},
    {kConsumer, "enable.auto.offset.store", kForced, "false", "kmirror stores offsets after acknowledgement"},
    {kConsumer, "auto.commit.enable", kWithheld, "", "kmirror commits offsets itself"},
    // Partitions without a committed offset start at ConsumerOptions::start_at instead.
    {kConsumer, "auto.offset.reset", kForced, "error",
     "a committed offset that the broker no longer has is data loss: reported, never reset"},
    {kConsumer, "isolation.level", kForced, "read_committed",
     "kmirror reads committed records only; records of aborted transactions are never mirrored"},
    {kConsumer, "enable.partition.eof", kForced, "false", "kmirror's consumer loop owns it"},
    {kConsumer, "group.instance.id", kWithheld, "",
     "kmirror names each task's static member itself, from node.id, the flow and the task (docs/cluster.md)"},
    {kConsumer, "offset.store.method", kWithheld, "", "offsets are stored in the consumer group"},
    {kConsumer, "auto.commit.interval.ms", kDefault, "1000",
     "acknowledged offsets are committed every second (librdkafka: 5 s), so a restart repeats little"},
    {kConsumer, "partition.assignment.strategy", kDefault, "cooperative-sticky",
     "a rebalance moves only the partitions that change owner; the others keep flowing"},
    // librdkafka's defaults (64 MiB queued, 50 MiB fetches) size a consumer for throughput
    // alone; callers that bound memory (FlowTask) set their own, this is the cap for the others.
    {kConsumer, "queued.max.messages.kbytes", kDefault, "16384", "caps the prefetch at 16 MiB"},
    {kConsumer, "fetch.max.bytes", kDefault, "16777216", "caps one fetch at 16 MiB"},

    // ---- Producer ------------------------------------------------------------------------
    // Durability is not negotiable: the source position only moves once the target has the
    // record on all in-sync replicas, and retries never reorder or duplicate.
    {kProducer, "enable.idempotence", kForced, "true", "kmirror's producer is always idempotent"},
    {kProducer, "acks", kForced, "all", kAcks, "request.required.acks"},
    {kProducer, "allow.auto.create.topics", kForced, "false", kNoAutoCreate},
    {kProducer, "transactional.id", kWithheld, "", kTransactions},
    {kProducer, "transaction.timeout.ms", kWithheld, "", kTransactions},
    {kProducer, "partitioner", kWithheld, "", kPartitioner},
    {kProducer, "enable.gapless.guarantee", kWithheld, "", kProducerOwns},
    {kProducer, "queuing.strategy", kWithheld, "", kProducerOwns},
    {kProducer, "produce.offset.report", kWithheld, "", kProducerOwns},
    {kProducer, "linger.ms", kDefault, "20", "waits up to 20 ms to fill a batch"},
    {kProducer, "batch.size", kDefault, "1000000", "a batch holds up to 1 MB"},
    // Forward() never copies payloads, so what the queue holds is the consumer's fetch
    // buffers; 32 MiB is ~100 ms of a saturated 2.5 Gbit/s link per task, enough to keep
    // batches full. A full queue makes Forward() wait for delivery reports (flow control),
    // not fail.
    {kProducer, "queue.buffering.max.kbytes", kDefault, "32768", "bounds the records waiting for the target at 32 MiB"},

    // ---- A flow task's producer (then every producer row) ---------------------------------
    // The task forms the batches itself (one per partition in flight, the next one waiting
    // in the task: src/replication/produce_window.h), so librdkafka's linger only gathers
    // one poll round's records; every cycle waits it out once more, which at 20 ms halved
    // the drain rate (docs/performance.md, session 4).
    {kFlowProducer, "linger.ms", kDefault, "5", "the task batches itself; linger only gathers one poll round"},

    // ---- Log reader ----------------------------------------------------------------------
    {kLogReader, "group.id", kWithheld, "", "a log reader chooses its partitions and offsets and joins no group"},
    {kLogReader, "enable.auto.commit", kForced, "false", "a log reader commits nothing"},
    {kLogReader, "enable.auto.offset.store", kForced, "false", "a log reader commits nothing"},
    {kLogReader, "enable.partition.eof", kForced, "false", "the reader's poll loop owns it"},
    {kLogReader, "allow.auto.create.topics", kForced, "false", kNoAutoCreate},
    // kmirror's logs are written by idempotent, non-transactional producers; read_committed
    // costs nothing and keeps a future transactional writer safe.
    {kLogReader, "isolation.level", kForced, "read_committed", "records of aborted transactions are never read"},
    {kLogReader, "auto.offset.reset", kForced, "earliest",
     "a start offset the log no longer holds continues at the log start"},
    // Small, steady logs: keep the prefetch small and notice new records quickly.
    {kLogReader, "fetch.wait.max.ms", kDefault, "100", "new log records are noticed within 100 ms"},
    {kLogReader, "queued.max.messages.kbytes", kDefault, "4096", "logs are small: a 4 MiB prefetch is plenty"},

    // ---- GroupAdmin's per-group handle ---------------------------------------------------
    {kGroupHandle, "group.id", kPerClient, "the group whose offsets are read or committed",
     "the handle acts for one group"},
    {kGroupHandle, "enable.auto.commit", kForced, "false", "the handle commits only what it is asked to"},
    {kGroupHandle, "allow.auto.create.topics", kForced, "false", kNoAutoCreate},
};

}  // namespace

std::span<const EngineProp> EngineProps() { return kRows; }

const EngineProp* FindEngineProp(ClientKind client, std::string_view name) {
  for (const EngineProp& row : kRows) {
    if (row.client == client && (row.name == name || (!row.alias.empty() && row.alias == name))) return &row;
  }
  return client == ClientKind::kFlowProducer ? FindEngineProp(ClientKind::kProducer, name) : nullptr;
}

namespace {

void Apply(ClientKind client, ClientProps& props, const ClientProps& per_client) {
  for (const EngineProp& row : kRows) {
    if (row.client != client) continue;
    const std::string name(row.name);
    if (!row.alias.empty()) props.erase(std::string(row.alias));
    switch (row.ownership) {
      case kForced:
        props[name] = row.value;
        break;
      case kPerClient: {
        auto it = per_client.find(name);
        if (it == per_client.end()) {
          std::fprintf(stderr, "kmirror: no per-client value for %s\n", name.c_str());
          std::abort();
        }
        props[name] = it->second;
        break;
      }
      case kWithheld:
        props.erase(name);
        break;
      case kDefault:
        props.try_emplace(name, row.value);
        break;
    }
  }
}

}  // namespace

ClientProps WithEngineProps(ClientKind client, ClientProps props, const ClientProps& per_client) {
  Apply(client, props, per_client);
  if (client == ClientKind::kFlowProducer) Apply(ClientKind::kProducer, props, per_client);
  return props;
}

}  // namespace kmirror::kafka
