// Names the calling thread so that top, gdb and perf show which part of kmirror it runs
// ("km-A->B#0", "km-ckpt-A", ...). Linux keeps at most 15 characters of a thread name and
// refuses a longer one outright, so the name is cut to fit instead.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace kmirror {

// Linux's limit for a thread name (16 bytes with the terminating NUL).
inline constexpr size_t kMaxThreadNameLength = 15;

// `name` cut to kMaxThreadNameLength bytes.
std::string ThreadName(std::string_view name);

// Names the calling thread ThreadName(name). Call it first thing in the thread's function.
void SetThreadName(std::string_view name);

// The calling thread's name: the whole name given to SetThreadName (uncut), else the name
// the system has for it (librdkafka's "rdk:broker1", ...). For log lines (logging.h).
std::string CurrentThreadName();

}  // namespace kmirror
