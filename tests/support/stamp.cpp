#include "support/stamp.h"

#include <charconv>

namespace kmirror::test {
namespace {

// A non-negative decimal number that is the whole of `text`.
template <typename T>
std::optional<T> Number(std::string_view text) {
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty() || value < 0) return std::nullopt;
  return value;
}

}  // namespace

std::string Stamp::ToString() const {
  return origin + "/" + producer + "/" + std::to_string(partition) + "/" + std::to_string(seq);
}

std::optional<Stamp> Stamp::Parse(std::string_view text) {
  std::string_view parts[4];
  for (int i = 0; i < 3; ++i) {
    const auto slash = text.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    parts[i] = text.substr(0, slash);
    text.remove_prefix(slash + 1);
  }
  parts[3] = text;
  if (parts[0].empty() || parts[1].empty()) return std::nullopt;
  auto partition = Number<int32_t>(parts[2]);
  auto seq = Number<int64_t>(parts[3]);
  if (!partition || !seq) return std::nullopt;
  return Stamp{std::string(parts[0]), std::string(parts[1]), *partition, *seq};
}

std::string StampedValue(const Stamp& stamp, std::size_t size) {
  std::string value = stamp.ToString() + "|";
  if (value.size() < size) value.append(size - value.size(), 'x');
  return value;
}

StampedRecord ToStamped(const ConsumedRecord& record) {
  StampedRecord out{.partition = record.partition, .offset = record.offset};
  for (const auto& [name, value] : record.headers) {
    if (name != kStampHeader) continue;
    out.stamp = value ? Stamp::Parse(*value) : std::nullopt;
    if (!out.stamp) {
      out.corrupt = true;  // a stamp header that does not parse
      return out;
    }
    break;
  }
  if (out.stamp) {
    const std::string prefix = out.stamp->ToString() + "|";
    out.corrupt = !record.value || !record.value->starts_with(prefix);
  }
  return out;
}

Outcome<TopicContents> ReadStampedTopic(const ClientConfig& client, const std::string& cluster,
                                        const std::string& topic) {
  auto records = ConsumeTopic(client, topic, /*read_committed=*/true);
  if (!records.ok()) return Failure{records.error()};
  TopicContents out{.cluster = cluster, .topic = topic};
  out.records.reserve(records->size());
  for (const auto& r : *records) out.records.push_back(ToStamped(r));
  return out;
}

}  // namespace kmirror::test
