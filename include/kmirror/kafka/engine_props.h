// The librdkafka properties kmirror's engine owns, for each kind of client the kafka
// wrappers build: the one place where they are decided.
//
// A row either forces a value (the caller's is replaced: idempotence, acks=all,
// read_committed, ...), sets one the wrapper is given per client (the consumer's group.id),
// withholds a property (removed if present: transactions, static group membership, ...), or
// sets a default the caller may override (linger.ms, batch.size, prefetch caps, ...). Each
// wrapper applies its kind's rows with WithEngineProps when it builds its librdkafka client;
// the config translator (src/config) reads the rows to tell users who set an engine-owned
// property why it is ignored or overridden. Admin and GroupAdmin clients own nothing: they
// take the caller's properties as they are.
//
// Callers that size clients themselves (a flow task's budget) set their values before the
// wrapper applies the table, so they take a default's place like any user setting.
//
// Immutable; any thread.
#pragma once

#include <span>
#include <string_view>

#include "kmirror/kafka/props.h"

namespace kmirror::kafka {

// The clients whose properties the engine owns.
enum class ClientKind {
  kConsumer,  // Consumer: a flow task's consumer-group member
  kProducer,  // Producer: heartbeats, checkpoints
  // Producer of a flow task: its own rows first (defaults that suit the task's batching),
  // then every kProducer row.
  kFlowProducer,
  kLogReader,    // LogReader: reads kmirror's log topics at chosen offsets, no group
  kGroupHandle,  // GroupAdmin's per-group consumer handle for committed offsets; never joins
};

enum class Ownership {
  kForced,     // always `value`, whatever the caller passed
  kPerClient,  // always set, to the value the wrapper is given for this client
  kWithheld,   // never set: removed when the caller passed it
  kDefault,    // `value` unless the caller set the property
};

struct EngineProp {
  ClientKind client;
  std::string_view name;  // librdkafka name
  Ownership ownership;
  // kForced / kDefault: the value. kPerClient: where the wrapper takes it from. kWithheld: "".
  std::string_view value;
  // Why the engine owns it. For every row but kDefault this is what users who set the
  // property are told (and what docs/configuration.md shows).
  std::string_view reason;
  // librdkafka's other name for the same property (acks: request.required.acks), removed
  // when a value is forced so that it cannot win over the forced one.
  std::string_view alias = {};
};

// Every row, grouped by client kind.
std::span<const EngineProp> EngineProps();

// The row of `client` for librdkafka property `name` (or its alias); nullptr when the
// engine leaves that property to the caller. A flow producer's own row, else the producer's.
const EngineProp* FindEngineProp(ClientKind client, std::string_view name);

// `props` with `client`'s rows applied. `per_client` holds the values of the kind's
// kPerClient rows (e.g. {{"group.id", group}}); a missing one is a programming error and
// aborts.
ClientProps WithEngineProps(ClientKind client, ClientProps props, const ClientProps& per_client = {});

}  // namespace kmirror::kafka
