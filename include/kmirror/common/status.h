// Errors as values. Every fallible operation outside start-up returns a Status or a
// Result<T>; both are [[nodiscard]] so a dropped error is a compile error (-Werror).
//
// A Status carries a code, a human message and whether retrying the same operation can
// succeed. Mappings into Status live next to the library they come from
// (kafka/errors.h for librdkafka); nothing else converts foreign error codes.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace kmirror {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // the caller's input is wrong; retrying will not help
  kNotFound,         // a topic, partition, group or key does not exist
  kAlreadyExists,
  kFailedPrecondition,  // state does not allow it now (e.g. group active, index not ready)
  kUnavailable,         // broker or peer not reachable right now
  kTimedOut,
  kDataLoss,   // records needed were deleted or a topic was recreated
  kCancelled,  // shutdown in progress
  kInternal,   // a bug or an unexpected library state
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  enum class Retry { kNo, kYes };

  Status() = default;
  Status(StatusCode code, std::string message, Retry retry = Retry::kNo)
      : code_(code), message_(std::move(message)), retriable_(retry == Retry::kYes) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // True when the same call may succeed later (broker down, timeout, leader change).
  bool retriable() const { return retriable_; }
  // "Unavailable: broker down (retriable)"
  std::string ToString() const;

  // Prefixes the message with context, keeping code and retriability.
  Status Annotate(std::string_view context) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  bool retriable_ = false;
};

Status InvalidArgument(std::string message);
Status NotFound(std::string message);
Status FailedPrecondition(std::string message);
Status Unavailable(std::string message);  // retriable
Status DataLoss(std::string message);
Status Internal(std::string message);
Status Cancelled(std::string message);

// A value or the Status explaining why there is none. (An optional plus a Status rather
// than a std::variant: GCC 12 reports false maybe-uninitialized errors on the variant.)
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    assert(!status_.ok() && "Result from an OK status has no value");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return *std::move(value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace kmirror

// Returns early from the enclosing function when `expr` is not OK.
#define KM_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::kmirror::Status km_status_ = (expr);   \
    if (!km_status_.ok()) return km_status_; \
  } while (0)

// Declares `lhs` from the value of the Result `expr`, or returns its Status from the
// enclosing function. `lhs` must be a plain name (it also names a hidden temporary).
#define KM_ASSIGN_OR_RETURN(lhs, expr)                        \
  auto lhs##_km_result = (expr);                              \
  if (!lhs##_km_result.ok()) return lhs##_km_result.status(); \
  auto lhs = std::move(lhs##_km_result).value()
