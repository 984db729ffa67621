// The process's own numbers, from /proc (Linux only, like kmirror).
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "kmirror/metrics/render.h"

namespace kmirror::metrics {
namespace {

double BootTimeSeconds() {
  std::ifstream in("/proc/stat");
  std::string key;
  double value = 0;
  while (in >> key) {
    if (key == "btime") {
      in >> value;
      return value;
    }
    in.ignore(1 << 20, '\n');
  }
  return 0;
}

}  // namespace

ProcessSample ReadProcess() {
  ProcessSample p;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  std::ifstream stat("/proc/self/stat");
  std::string line;
  if (std::getline(stat, line)) {
    // The command name (field 2) is in parentheses and may contain spaces: fields are
    // counted from after its closing parenthesis, which is field 3 (the state).
    const size_t close = line.rfind(')');
    if (close != std::string::npos) {
      std::istringstream rest(line.substr(close + 2));
      std::string field;
      for (int n = 3; rest >> field; ++n) {
        if (n == 14) p.cpu_seconds += std::stod(field) / ticks;  // utime
        if (n == 15) p.cpu_seconds += std::stod(field) / ticks;  // stime
        if (n == 20) p.threads = std::stod(field);
        if (n == 22) p.start_time_seconds = BootTimeSeconds() + std::stod(field) / ticks;
        if (n == 23) p.virtual_bytes = std::stod(field);
        if (n == 24) {
          p.resident_bytes = std::stod(field) * page;
          break;
        }
      }
    }
  }
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    p.open_fds += 1;
  }
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) p.max_fds = static_cast<double>(limit.rlim_cur);
  return p;
}

}  // namespace kmirror::metrics
