#include "kmirror/kafka/node_names.h"

namespace kmirror::kafka {
namespace {

constexpr std::string_view kMemberPrefix = "kmirror.";

std::string FlowPart(std::string_view source, std::string_view target) {
  return "." + std::string(source) + "-" + std::string(target) + ".";
}

}  // namespace

std::string NodeClientId(std::string_view base, std::string_view node) {
  return std::string(base) + "@" + std::string(node);
}

std::optional<std::string> NodeOfClientId(std::string_view client_id) {
  if (!client_id.starts_with("kmirror-")) return std::nullopt;
  const size_t at = client_id.rfind('@');
  if (at == std::string_view::npos || at + 1 == client_id.size()) return std::nullopt;
  return std::string(client_id.substr(at + 1));
}

std::string StaticMemberId(std::string_view node, std::string_view source, std::string_view target, int task) {
  return std::string(kMemberPrefix) + std::string(node) + FlowPart(source, target) +
         (task == kDutiesMember ? std::string("duties") : std::to_string(task));
}

std::optional<std::string> NodeOfStaticMemberId(std::string_view id, std::string_view source, std::string_view target) {
  if (!id.starts_with(kMemberPrefix)) return std::nullopt;
  const std::string flow = FlowPart(source, target);
  const size_t at = id.rfind(flow);
  if (at == std::string_view::npos || at <= kMemberPrefix.size()) return std::nullopt;
  const std::string_view rest = id.substr(at + flow.size());
  if (rest.empty()) return std::nullopt;
  return std::string(id.substr(kMemberPrefix.size(), at - kMemberPrefix.size()));
}

std::string DutyGroupId(std::string_view flow_group) { return std::string(flow_group) + ".duties"; }

std::string DutyTopic(std::string_view source_alias) {
  return "kmirror-duties." + std::string(source_alias) + ".internal";
}

}  // namespace kmirror::kafka
