// A consumed record, owning librdkafka's message (and with it a reference to the fetch
// buffer its key and value point into). Moving a Message never copies record bytes; the
// producer takes a Message by value and keeps it alive until the delivery report, which is
// what lets the hot path forward payloads without copying them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include <librdkafka/rdkafka.h>

#include "kmirror/common/types.h"

namespace kmirror::kafka {

struct MessageDeleter {
  void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
};
struct HeadersDeleter {
  void operator()(rd_kafka_headers_t* h) const { rd_kafka_headers_destroy(h); }
};
using HeadersPtr = std::unique_ptr<rd_kafka_headers_t, HeadersDeleter>;

// The value of the last header called `name`; nullopt when absent (or `headers` is null).
// The view points into `headers` and lives as long as it does.
std::optional<std::string_view> LastHeader(const rd_kafka_headers_t* headers, std::string_view name);
// Replaces every header called `name` by one with `value` (copied), creating the list if
// `headers` is null. Other headers keep their order.
void SetHeader(HeadersPtr& headers, std::string_view name, std::string_view value);

class Message {
 public:
  Message() = default;
  explicit Message(rd_kafka_message_t* m) : m_(m) {}

  explicit operator bool() const { return m_ != nullptr; }

  std::string_view topic() const { return rd_kafka_topic_name(m_->rkt); }
  // Stable identity of the topic for the lifetime of the consumer that produced this
  // message; lets the hot path key caches by pointer instead of hashing the name.
  const void* topic_key() const { return m_->rkt; }
  Partition partition() const { return Partition(m_->partition); }
  SourceOffset offset() const { return SourceOffset(m_->offset); }
  // nullopt is a null key/value (a tombstone's value), distinct from an empty one.
  std::optional<std::string_view> key() const {
    if (m_->key == nullptr) return std::nullopt;
    return std::string_view(static_cast<const char*>(m_->key), m_->key_len);
  }
  std::optional<std::string_view> value() const {
    if (m_->payload == nullptr) return std::nullopt;
    return std::string_view(static_cast<const char*>(m_->payload), m_->len);
  }
  // Sizes in bytes; 0 for a null key or value.
  size_t key_size() const { return m_->key_len; }
  size_t value_size() const { return m_->len; }
  // Milliseconds since the epoch, or -1 when the record carries none.
  int64_t timestamp_ms() const { return rd_kafka_message_timestamp(m_.get(), nullptr); }

  // Takes the record's headers out of the message (no copy); null when it has none.
  HeadersPtr DetachHeaders();

  rd_kafka_message_t* release() { return m_.release(); }

 private:
  // The wrappers hand the message itself to librdkafka (produce, offset store).
  friend class Consumer;
  friend class Producer;
  rd_kafka_message_t* raw() const { return m_.get(); }

  std::unique_ptr<rd_kafka_message_t, MessageDeleter> m_;
};

}  // namespace kmirror::kafka
