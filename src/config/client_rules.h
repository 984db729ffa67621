// The table of Java client properties kmirror knows: for each name, what the translator
// (client_props.h) does with it, which clients it means something for, and the note shown in
// docs/configuration.md and in log lines. Properties the engine owns are only named here;
// what kmirror uses instead and why is kafka/engine_props.h's. Immutable; any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/client_props.h"
#include "kmirror/kafka/engine_props.h"

namespace kmirror::config {

struct ClientRule {
  enum class Kind {
    kSame,    // same name in librdkafka
    kRename,  // another name in librdkafka, same value
    kDrop,    // Java-only, no librdkafka counterpart: info note
    kEngine,  // decided by kmirror's engine (kafka/engine_props.h), which also says why
    kMapped,  // decided by kmirror; the user's value goes into FlowConfig (group.id, auto.offset.reset)
    kReject,  // cannot be honoured: ConfigProblem
    kCustom,  // value or name rewritten, see the translator
  };
  // The clients a rule means something for (bits of ClientRole).
  enum Roles : unsigned { kC = 1, kP = 2, kA = 4, kK = 8, kAll = kC | kP | kA | kK };

  const char* java;
  Kind kind;
  // librdkafka name: what the value becomes (kSame/kRename/kCustom, shown in docs), or the
  // engine's property (kEngine/kMapped, looked up with EnginePropOf).
  const char* target;
  unsigned roles;  // clients it means something for; elsewhere it is dropped with a note
  // Why (kDrop/kReject/kMapped) or how (kCustom); shown in docs and notes. Empty for kEngine:
  // the engine's table gives the reason.
  const char* note;
};

// Every rule, in documentation order.
const std::vector<ClientRule>& ClientRules();

// The rule for Java name `java`; nullptr when kmirror has none (then the name is taken as a
// librdkafka property).
const ClientRule* FindClientRule(std::string_view java);

// The ClientRule::Roles bit of `role`, and its name in messages ("admin client").
unsigned RoleBitOf(ClientRole role);
const char* RoleName(ClientRole role);

// The engine's row behind a kEngine or kMapped rule: property `target` of the client in
// `roles` (consumer or producer). Aborts when there is none, a programming error that the
// unit tests catch (every rule is rendered into the docs).
const kafka::EngineProp& EnginePropOf(const ClientRule& rule);

// One row of the translation table in docs/configuration.md.
struct ClientPropertyDoc {
  std::string java_name;
  std::string outcome;  // e.g. "`message.max.bytes`", "dropped", "rejected"
  std::string note;
};

// The documented translation rules, in table order.
std::vector<ClientPropertyDoc> ClientPropertyTable();

}  // namespace kmirror::config
