// Stand-ins for the records the task's parts handle, for their unit tests.
#pragma once

#include <cstdint>
#include <memory>

#include "kmirror/common/types.h"

namespace kmirror::replication::testing {

// A consumed record as StorePosition sees it: empty when default-constructed, move-only
// (a moved-from one is empty), like kafka::Message.
class Msg {
 public:
  Msg() = default;
  explicit Msg(int64_t off) : off_(std::make_unique<int64_t>(off)) {}
  explicit operator bool() const { return off_ != nullptr; }
  SourceOffset offset() const { return SourceOffset(*off_); }

 private:
  std::unique_ptr<int64_t> off_;
};

}  // namespace kmirror::replication::testing
