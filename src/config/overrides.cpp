#include "kmirror/config/overrides.h"

#include <unistd.h>

#include <cctype>

#include "kmirror/common/strings.h"

extern char** environ;

namespace kmirror::config {
namespace {

constexpr std::string_view kSetPrefix = "KMIRROR_SET_";
constexpr std::string_view kNodeIdVariable = "KMIRROR_NODE_ID";
// Kafka's limit for group.instance.id is 249; the node id is one part of it.
constexpr size_t kMaxNodeIdLength = 100;

bool NodeIdChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-'; }

}  // namespace

std::string DefaultNodeId() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  std::string id = host;
  for (char& c : id) {
    if (!NodeIdChar(c)) c = '_';
  }
  if (id.size() > kMaxNodeIdLength) id.resize(kMaxNodeIdLength);
  return id.empty() ? "kmirror" : id;
}

std::string CheckNodeId(const std::string& id) {
  if (id.empty()) return "must not be empty";
  if (id.size() > kMaxNodeIdLength) return "is longer than " + std::to_string(kMaxNodeIdLength) + " characters";
  for (char c : id) {
    if (!NodeIdChar(c)) {
      return "may only contain ASCII letters, digits, '.', '_' and '-' (it becomes part of Kafka client ids and "
             "static group member ids)";
    }
  }
  return "";
}

std::string KeyOfEnvironmentName(const std::string& name) {
  std::string key;
  for (size_t i = 0; i < name.size();) {
    if (name[i] != '_') {
      key += static_cast<char>(std::tolower(static_cast<unsigned char>(name[i++])));
      continue;
    }
    size_t run = 0;
    while (i + run < name.size() && name[i + run] == '_') ++run;
    i += run;
    // '_' -> '.', '__' -> '_', '___' -> '-'; longer runs repeat the rule.
    for (; run >= 3; run -= 3) key += '-';
    if (run == 2) key += '_';
    if (run == 1) key += '.';
  }
  return key;
}

Result<std::vector<ConfigOverride>> CollectOverrides(const std::vector<std::string>& environment,
                                                     const std::vector<std::string>& set_flags,
                                                     const std::string& node_id_flag) {
  std::vector<ConfigOverride> out;
  std::vector<ConfigOverride> node_from_env;
  for (const std::string& entry : environment) {
    const size_t eq = entry.find('=');
    if (eq == std::string::npos) continue;
    const std::string name = entry.substr(0, eq);
    if (name == kNodeIdVariable) {
      node_from_env.push_back({"node.id", entry.substr(eq + 1), "environment variable " + name});
      continue;
    }
    if (!name.starts_with(kSetPrefix)) continue;
    const std::string key = KeyOfEnvironmentName(name.substr(kSetPrefix.size()));
    if (key.empty() || key.front() == '.' || key.back() == '.') {
      return InvalidArgument("environment variable " + name + ": does not name a setting (KMIRROR_SET_<NAME>, e.g. " +
                             "KMIRROR_SET_API_LISTEN for api.listen)");
    }
    out.push_back({key, entry.substr(eq + 1), "environment variable " + name});
  }
  // KMIRROR_NODE_ID is the more specific of the two environment spellings.
  out.insert(out.end(), node_from_env.begin(), node_from_env.end());
  for (const std::string& flag : set_flags) {
    const size_t eq = flag.find('=');
    const std::string key = eq == std::string::npos ? std::string() : Trim(flag.substr(0, eq));
    if (key.empty()) {
      return InvalidArgument("--set '" + flag + "': expected key=value, e.g. --set api.listen=127.0.0.1:9191");
    }
    out.push_back({key, Trim(flag.substr(eq + 1)), "--set " + key});
  }
  if (!node_id_flag.empty()) out.push_back({"node.id", node_id_flag, "--node-id"});
  return out;
}

std::vector<std::string> ProcessEnvironment() {
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) out.emplace_back(*e);
  return out;
}

}  // namespace kmirror::config
