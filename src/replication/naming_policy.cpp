#include "kmirror/replication/naming_policy.h"

namespace kmirror::replication {
namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

class PrefixPolicy final : public NamingPolicy {
 public:
  PrefixPolicy(std::string sep, const std::string& internal_sep) : NamingPolicy(std::move(sep), internal_sep) {}
  std::string RemoteTopic(std::string_view source_alias, std::string_view topic) const override {
    return RemoteWithPrefix(source_alias, topic);
  }
  std::optional<std::string> TopicSource(std::string_view topic) const override { return SourceFromPrefix(topic); }
  std::optional<std::string> UpstreamTopic(std::string_view topic) const override { return UpstreamFromPrefix(topic); }
};

class IdentityPolicy final : public NamingPolicy {
 public:
  IdentityPolicy(std::string sep, const std::string& internal_sep) : NamingPolicy(std::move(sep), internal_sep) {}
  std::string RemoteTopic(std::string_view source_alias, std::string_view topic) const override {
    // Heartbeats must stay distinguishable per source even with identity naming, or every
    // cluster's heartbeats would merge into one topic (MM2 does the same).
    if (IsHeartbeatsTopic(topic)) return RemoteWithPrefix(source_alias, topic);
    return std::string(topic);
  }
  std::optional<std::string> TopicSource(std::string_view topic) const override {
    if (IsHeartbeatsTopic(topic)) return SourceFromPrefix(topic);
    return std::nullopt;
  }
  std::optional<std::string> UpstreamTopic(std::string_view topic) const override {
    if (IsHeartbeatsTopic(topic)) return UpstreamFromPrefix(topic);
    return std::nullopt;
  }
};

}  // namespace

std::string NamingPolicy::RemoteWithPrefix(std::string_view source_alias, std::string_view topic) const {
  std::string s;
  s.reserve(source_alias.size() + separator_.size() + topic.size());
  s.append(source_alias).append(separator_).append(topic);
  return s;
}

std::optional<std::string> NamingPolicy::SourceFromPrefix(std::string_view topic) const {
  size_t pos = topic.find(separator_);
  if (pos == std::string_view::npos || pos == 0) return std::nullopt;
  return std::string(topic.substr(0, pos));
}

std::optional<std::string> NamingPolicy::UpstreamFromPrefix(std::string_view topic) const {
  size_t pos = topic.find(separator_);
  if (pos == std::string_view::npos || pos == 0) return std::nullopt;
  return std::string(topic.substr(pos + separator_.size()));
}

bool NamingPolicy::IsHeartbeatsTopic(std::string_view topic) const {
  return topic == kHeartbeats || EndsWith(topic, separator_ + std::string(kHeartbeats));
}

bool NamingPolicy::IsInternalTopic(std::string_view topic) const {
  if (topic.starts_with("__") || topic.starts_with(".")) return true;             // Kafka's own
  if (EndsWith(topic, ".internal") || EndsWith(topic, "-internal")) return true;  // Connect, MM2
  if (EndsWith(topic, internal_suffix_)) return true;  // MM2's with a custom separator: A_checkpoints_internal
  // kmirror's own bookkeeping topics (offset-sync logs, ...).
  if (topic.starts_with("kmirror.") && EndsWith(topic, ".internal")) return true;
  return false;
}

bool NamingPolicy::IsCycle(std::string_view topic, std::string_view target_alias) const {
  std::string current(topic);
  // Each step strips one prefix, so this terminates; the bound guards odd separators.
  for (int depth = 0; depth < 64; ++depth) {
    auto source = TopicSource(current);
    if (!source) return false;
    if (*source == target_alias) return true;
    auto upstream = UpstreamTopic(current);
    if (!upstream || *upstream == current) return false;
    current = *upstream;
  }
  return true;
}

std::unique_ptr<NamingPolicy> MakeNamingPolicy(config::RemoteTopicNaming kind, const std::string& separator,
                                               const std::string& internal_separator) {
  if (kind == config::RemoteTopicNaming::kIdentity) {
    return std::make_unique<IdentityPolicy>(separator, internal_separator);
  }
  return std::make_unique<PrefixPolicy>(separator, internal_separator);
}

}  // namespace kmirror::replication
