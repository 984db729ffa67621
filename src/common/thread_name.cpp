#include "kmirror/common/thread_name.h"

#include <pthread.h>

namespace kmirror {

std::string ThreadName(std::string_view name) { return std::string(name.substr(0, kMaxThreadNameLength)); }

void SetThreadName(std::string_view name) {
  // Only fails for a name that is too long, which ThreadName rules out.
  (void)pthread_setname_np(pthread_self(), ThreadName(name).c_str());
}

}  // namespace kmirror
