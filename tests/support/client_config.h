// What every test-side Kafka client function takes and returns: a ClientConfig (where and
// how to connect) and, for queries, an Outcome<T> (a value, or the message saying why there
// is none). Operations return ::testing::AssertionResult instead (use
// ASSERT_TRUE(CreateTopic(...)) to fail with the message).
//
// Plain values: no thread or lifecycle rules beyond those of std::map and std::variant.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

namespace kmirror::test {

// Where and how to connect: bootstrap servers plus librdkafka properties (e.g. SASL).
struct ClientConfig {
  ClientConfig(std::string bootstrap_servers)  // NOLINT: implicit, a bootstrap is enough
      : bootstrap(std::move(bootstrap_servers)) {}
  ClientConfig(const char* bootstrap_servers) : bootstrap(bootstrap_servers) {}  // NOLINT
  ClientConfig(std::string bootstrap_servers, std::map<std::string, std::string> props)
      : bootstrap(std::move(bootstrap_servers)), properties(std::move(props)) {}

  std::string bootstrap;
  std::map<std::string, std::string> properties;  // librdkafka names, override defaults
};

// The error half of an Outcome.
struct Failure {
  std::string message;
};

// A value, or a message saying why there is none. Queries return it so that they can be
// polled inside WaitUntil without failing the test (e.g. while a mirrored topic does not
// exist yet). value() on a failed Outcome throws std::runtime_error, which GoogleTest
// reports as a failure of the running test.
template <typename T>
class [[nodiscard]] Outcome {
 public:
  Outcome(T value) : v_(std::move(value)) {}            // NOLINT: implicit by design
  Outcome(Failure failure) : v_(std::move(failure)) {}  // NOLINT

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }
  const std::string& error() const {
    static const std::string kNone;
    return ok() ? kNone : std::get<Failure>(v_).message;
  }
  const T& value() const& {
    if (!ok()) throw std::runtime_error(error());
    return std::get<T>(v_);
  }
  T value() && {
    if (!ok()) throw std::runtime_error(error());
    return std::move(std::get<T>(v_));
  }
  T value_or(T fallback) const& { return ok() ? std::get<T>(v_) : std::move(fallback); }
  const T& operator*() const& { return value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Failure> v_;
};

}  // namespace kmirror::test
