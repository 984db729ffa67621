#include "config/config_providers.h"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>

#include <re2/re2.h>

#include "config/java_regex.h"
#include "config/value_parsers.h"
#include "kmirror/common/strings.h"

namespace kmirror::config {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kPrefix = "config.providers.";

enum class Kind { kFile, kEnv, kDir };

// One configured provider: its class and parameters, checked once.
struct Provider {
  Kind kind = Kind::kFile;
  std::vector<fs::path> allowed_paths;  // file, dir: empty means any path
  std::shared_ptr<RE2> allowlist;       // env: nullptr means every variable
};

// A placeholder as Kafka's ConfigTransformer pattern \$\{([^}]*?):(([^}]*?):)?([^}]*?)\} reads
// it: the name up to the first ':', the path up to the second (optional), the key the rest.
struct Placeholder {
  size_t begin = 0;  // offset of "${"
  size_t end = 0;    // one past "}"
  std::string name;
  std::optional<std::string> path;
  std::string key;
  // How messages show it: the placeholder text itself, which names where the value comes
  // from and holds no secret.
  std::string Text() const { return "${" + name + ":" + (path ? *path + ":" : "") + key + "}"; }
};

std::vector<Placeholder> FindPlaceholders(const std::string& value) {
  std::vector<Placeholder> out;
  for (size_t at = value.find("${"); at != std::string::npos; at = value.find("${", at + 2)) {
    const size_t close = value.find('}', at + 2);
    if (close == std::string::npos) break;
    const std::string body = value.substr(at + 2, close - at - 2);
    const size_t first = body.find(':');
    if (first == std::string::npos) continue;  // "${x}": not a provider reference
    Placeholder p;
    p.begin = at;
    p.end = close + 1;
    p.name = body.substr(0, first);
    const std::string rest = body.substr(first + 1);
    const size_t second = rest.find(':');
    if (second == std::string::npos) {
      p.key = rest;
    } else {
      p.path = rest.substr(0, second);
      p.key = rest.substr(second + 1);
    }
    out.push_back(std::move(p));
    at = close - 1;  // the next search starts after this placeholder's "}"
  }
  return out;
}

// Whether `path` (made absolute and normal, as Kafka's AllowedPaths does) is inside one of
// `allowed`.
bool PathAllowed(const std::vector<fs::path>& allowed, const std::string& path) {
  if (allowed.empty()) return true;
  const fs::path p = fs::absolute(fs::path(path)).lexically_normal();
  for (const auto& a : allowed) {
    auto mismatch = std::mismatch(a.begin(), a.end(), p.begin(), p.end());
    if (mismatch.first == a.end()) return true;
  }
  return false;
}

Result<std::string> ReadWholeFile(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return NotFound("no such file");
  if (!S_ISREG(st.st_mode)) return InvalidArgument("is not a regular file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidArgument("cannot be opened for reading");
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

class Resolver {
 public:
  Resolver(const Properties& props, Diagnostics& diag) : props_(props), diag_(diag) {}

  Properties Run() {
    Properties out = props_;
    ReadProviders();
    for (const auto& e : props_.entries()) {
      if (e.key.rfind(kPrefix, 0) == 0 || e.key == "config.providers") continue;
      if (e.value.find("${") == std::string::npos) continue;
      std::optional<std::string> resolved = Substitute(e);
      if (resolved) out.Replace(e.key, std::move(*resolved));
    }
    return out;
  }

 private:
  Origin At(const PropertyEntry& e) const { return Origin{props_.file(), e.line, e.key}; }

  void ReadProviders() {
    const PropertyEntry* list = props_.Find("config.providers");
    if (list != nullptr) {
      for (const auto& name : SplitList(list->value)) ReadProvider(name, *list);
    }
    // Keys under config.providers.<name>. for a name the list does not mention do nothing.
    for (const auto& e : props_.entries()) {
      if (e.key.rfind(kPrefix, 0) != 0) continue;
      const std::string rest = e.key.substr(kPrefix.size());
      const std::string name = rest.substr(0, rest.find('.'));
      if (listed_.count(name) == 0) {
        diag_.Warning(At(e), "provider '" + name + "' is not listed in config.providers" +
                                 (list != nullptr ? " (line " + std::to_string(list->line) + ")" : std::string()) +
                                 "; ignored");
      } else if (rest != name + ".class" && rest.rfind(name + ".param.", 0) != 0) {
        diag_.Warning(At(e), "unknown provider setting: use config.providers." + name + ".class or config.providers." +
                                 name + ".param.<parameter>; ignored");
      }
    }
  }

  void ReadProvider(const std::string& name, const PropertyEntry& list) {
    listed_.insert(name);
    const std::string class_key = std::string(kPrefix) + name + ".class";
    const PropertyEntry* cls = props_.Find(class_key);
    if (cls == nullptr) {
      diag_.Problem(At(list), "provider '" + name + "' needs " + class_key + " (FileConfigProvider, " +
                                  "EnvVarConfigProvider or DirectoryConfigProvider of " +
                                  "org.apache.kafka.common.config.provider)");
      return;
    }
    const std::string cls_name = Trim(cls->value);
    Provider p;
    if (cls_name == kFileConfigProvider) {
      p.kind = Kind::kFile;
    } else if (cls_name == kEnvVarConfigProvider) {
      p.kind = Kind::kEnv;
    } else if (cls_name == kDirectoryConfigProvider) {
      p.kind = Kind::kDir;
    } else {
      diag_.Problem(At(*cls), "provider class '" + cls_name +
                                  "' cannot be used: kmirror cannot load Java classes and implements Kafka's " +
                                  kFileConfigProvider + ", " + kEnvVarConfigProvider + " and " +
                                  kDirectoryConfigProvider);
      return;
    }
    const std::string param_prefix = std::string(kPrefix) + name + ".param.";
    bool ok = true;
    for (const auto& e : props_.entries()) {
      if (e.key.rfind(param_prefix, 0) != 0) continue;
      const std::string param = e.key.substr(param_prefix.size());
      if (param == "allowed.paths" && p.kind != Kind::kEnv) {
        for (const auto& dir : SplitList(e.value)) {
          if (!fs::path(dir).is_absolute()) {
            diag_.Problem(At(e), "'" + dir + "' is not an absolute path");
            ok = false;
          }
          p.allowed_paths.push_back(fs::path(dir).lexically_normal());
        }
      } else if (param == "allowlist.pattern" && p.kind == Kind::kEnv) {
        Status s = CheckJavaRegex(e.value);
        if (!s.ok()) {
          diag_.Problem(At(e), s.message());
          ok = false;
          continue;
        }
        p.allowlist = std::make_shared<RE2>(e.value);
      } else {
        diag_.Warning(At(e), "unknown parameter of " + cls_name.substr(cls_name.rfind('.') + 1) + " (it takes " +
                                 (p.kind == Kind::kEnv ? "allowlist.pattern" : "allowed.paths") + "); ignored");
      }
    }
    if (ok) providers_[name] = std::move(p);
  }

  // The value of `e` with its placeholders replaced; nullopt when nothing was replaced.
  std::optional<std::string> Substitute(const PropertyEntry& e) {
    std::vector<Placeholder> found = FindPlaceholders(e.value);
    std::string out;
    size_t copied = 0;
    bool replaced = false;
    for (const Placeholder& p : found) {
      if (listed_.count(p.name) == 0) {
        diag_.Warning(At(e), "a placeholder names provider '" + p.name +
                                 "', which config.providers does not list: its text is used literally, as "
                                 "Kafka does");
        continue;
      }
      auto it = providers_.find(p.name);
      if (it == providers_.end()) continue;  // the provider's own problem is reported
      Result<std::string> value = Lookup(it->second, p);
      if (!value.ok()) {
        diag_.Problem(At(e), p.Text() + ": " + value.status().message());
        continue;
      }
      diag_.AddSecret(e.key, *value, p.Text());
      out.append(e.value, copied, p.begin - copied);
      out += *value;
      copied = p.end;
      replaced = true;
    }
    if (!replaced) return std::nullopt;
    out.append(e.value, copied, std::string::npos);
    return out;
  }

  Result<std::string> Lookup(const Provider& provider, const Placeholder& p) {
    switch (provider.kind) {
      case Kind::kEnv: {
        if (p.path && !p.path->empty()) {
          return InvalidArgument("the env provider takes no path: write ${" + p.name + ":" + p.key + "}");
        }
        if (provider.allowlist && !RE2::FullMatch(p.key, *provider.allowlist)) {
          return InvalidArgument("environment variable " + p.key + " is not allowed by config.providers." + p.name +
                                 ".param.allowlist.pattern");
        }
        const char* v = std::getenv(p.key.c_str());
        if (v == nullptr) return NotFound("environment variable " + p.key + " is not set");
        return std::string(v);
      }
      case Kind::kFile: {
        if (!p.path || p.path->empty()) {
          return InvalidArgument("the file provider needs a path: write ${" + p.name + ":PATH:" + p.key + "}");
        }
        if (!PathAllowed(provider.allowed_paths, *p.path)) {
          return InvalidArgument(*p.path + " is outside config.providers." + p.name + ".param.allowed.paths");
        }
        const Properties* file = ReadCached(*p.path);
        if (file == nullptr) return NotFound(file_errors_[*p.path]);
        const PropertyEntry* entry = file->Find(p.key);
        if (entry == nullptr) return NotFound("no key '" + p.key + "' in " + *p.path);
        return entry->value;
      }
      case Kind::kDir: {
        if (!p.path || p.path->empty()) {
          return InvalidArgument("the dir provider needs a directory: write ${" + p.name + ":DIR:" + p.key + "}");
        }
        if (p.key.empty() || p.key.find('/') != std::string::npos) {
          return InvalidArgument("'" + p.key + "' is not a file name (the dir provider reads files directly in " +
                                 *p.path + ")");
        }
        if (!PathAllowed(provider.allowed_paths, *p.path)) {
          return InvalidArgument(*p.path + " is outside config.providers." + p.name + ".param.allowed.paths");
        }
        std::error_code ec;
        if (!fs::is_directory(*p.path, ec)) return NotFound(*p.path + " is not a directory");
        const std::string file = (fs::path(*p.path) / p.key).string();
        auto content = ReadWholeFile(file);
        if (!content.ok()) return Status(content.status().code(), file + ": " + content.status().message());
        return *content;
      }
    }
    return Internal("unknown provider kind");
  }

  // Each properties file is read once however many placeholders name it.
  const Properties* ReadCached(const std::string& path) {
    auto it = files_.find(path);
    if (it == files_.end()) {
      auto read = ReadPropertiesFile(path);
      if (read.ok()) {
        it = files_.emplace(path, std::move(read).value()).first;
      } else {
        // ReadPropertiesFile names the path; its parse errors name a line but never a value.
        file_errors_[path] = read.status().message();
        return nullptr;
      }
    }
    return &it->second;
  }

  const Properties& props_;
  Diagnostics& diag_;
  std::set<std::string> listed_;
  std::map<std::string, Provider> providers_;
  std::map<std::string, Properties> files_;
  std::map<std::string, std::string> file_errors_;
};

}  // namespace

Properties ResolveConfigProviders(const Properties& props, Diagnostics& diag) { return Resolver(props, diag).Run(); }

}  // namespace kmirror::config
