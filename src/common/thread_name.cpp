#include "kmirror/common/thread_name.h"

#include <pthread.h>

namespace kmirror {
namespace {

thread_local std::string current_name;

}  // namespace

std::string ThreadName(std::string_view name) { return std::string(name.substr(0, kMaxThreadNameLength)); }

void SetThreadName(std::string_view name) {
  // Only fails for a name that is too long, which ThreadName rules out.
  (void)pthread_setname_np(pthread_self(), ThreadName(name).c_str());
  current_name = std::string(name);
}

std::string CurrentThreadName() {
  if (!current_name.empty()) return current_name;
  char buf[32] = {};
  if (pthread_getname_np(pthread_self(), buf, sizeof buf) != 0) return "";
  return buf;
}

}  // namespace kmirror
