// Child processes, scratch directories and polling for tests.
//
// Every child (the kmirror binary, a Kafka broker, any helper command) must die with the
// test binary, including when the test binary crashes or is killed with SIGKILL, or the
// next run finds ports taken and JVMs eating the machine. Three layers make sure of it:
//   1. each child runs in its own process group with PR_SET_PDEATHSIG=SIGKILL, so the
//      kernel kills it when the test process dies, however it dies;
//   2. SIGINT/SIGTERM of the test process kill every child group before re-raising;
//   3. ~ChildProcess terminates it, and an atexit hook kills whatever is left.
// PR_SET_PDEATHSIG fires when the *thread* that forked exits, not the process, so all forks
// happen on one internal thread that lives as long as the process: ChildProcess::Start is
// safe to call from any thread (e.g. starting clusters in parallel).
//
// Scratch files live under one directory per test process, ScratchRoot(), named
// "kmirror-test-<pid>-XXXXXX" in $TMPDIR (or /tmp). It is removed at exit; a test process
// that was killed cannot do that, so the next one removes roots whose pid is gone.
// KMIRROR_KEEP_TEST_DIRS=1 keeps everything for post-mortems.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kmirror::test {

// Path of the kmirror executable under test (the KMIRROR_BINARY compile definition, or
// the environment variable KMIRROR_TEST_BINARY when set).
std::string KmirrorBinary();

// The per-process scratch directory (created on first use).
const std::filesystem::path& ScratchRoot();

// True if KMIRROR_KEEP_TEST_DIRS is set to something other than "" or "0".
bool KeepTestDirs();

// A fresh directory under ScratchRoot(), removed (recursively) by the destructor.
class TempDir {
 public:
  explicit TempDir(std::string_view name = "tmp");
  ~TempDir();
  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&& other) noexcept;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(std::string_view child) const { return path_ / child; }
  // Keeps the directory on disk after destruction; returns its path.
  std::filesystem::path Release();

 private:
  std::filesystem::path path_;
};

// Polls `predicate` every `poll` until it returns true (-> true) or `timeout` passes
// (-> false). The predicate is always evaluated at least once, and once more at the deadline.
bool WaitUntil(const std::function<bool()>& predicate, std::chrono::milliseconds timeout,
               std::chrono::milliseconds poll = std::chrono::milliseconds(100));

// Writes `content` to `path` (truncating); throws std::runtime_error on failure.
void WriteFile(const std::filesystem::path& path, std::string_view content);
// Whole file, or "" if it cannot be read.
std::string ReadFile(const std::filesystem::path& path);
// The last `max_lines` lines of a file (reads only its tail, so cheap on big logs).
std::string TailFile(const std::filesystem::path& path, std::size_t max_lines);

struct ProcessOptions {
  // Added to (or overriding) the test process's environment.
  std::map<std::string, std::string> env{};
  // Where stdout and stderr go (appended). Empty: "<name>-<n>.log" under ScratchRoot().
  std::filesystem::path log_file{};
  // Empty: the test process's working directory.
  std::filesystem::path working_dir{};
  // For messages and the default log file name. Empty: basename of args[0].
  std::string name{};
  // When the process is destroyed while the current test has failed, print the tail of
  // its output to stderr, so CI logs show why.
  bool dump_log_on_test_failure = true;
};

// A running child. stdin is /dev/null; stdout and stderr go to log_path().
// Exit codes: the process's exit status, or -N when killed by signal N (like Python's
// subprocess), e.g. -9 after Kill9().
class ChildProcess {
 public:
  // args[0] is a path, or a name looked up in PATH. Throws std::runtime_error if the
  // process cannot be started (including exec failures, e.g. a missing binary).
  static std::unique_ptr<ChildProcess> Start(std::vector<std::string> args, ProcessOptions options = {});
  ~ChildProcess();  // Terminate() if still running (SIGTERM, then SIGKILL after 15 s)
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& name() const { return name_; }
  const std::filesystem::path& log_path() const { return log_path_; }

  bool Running();
  // Waits up to `timeout` for the exit; nullopt if still running then.
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  // Exit code if it has exited (and was reaped by Running/Wait/...), else nullopt.
  std::optional<int> exit_code() const { return exit_code_; }
  // Sends `sig` to the process itself (not its group). No-op once it has exited.
  void Signal(int sig);
  // SIGSTOP / SIGCONT to the whole process group: a process frozen in place (a long GC
  // pause, a VM migration), for fault tests. Terminate() resumes it after its SIGTERM
  // (SIGKILL needs no resume), so a test that fails while it is paused still stops it
  // promptly.
  void Pause();
  void Resume();
  bool paused() const { return paused_; }
  // SIGTERM, wait up to `grace`, then SIGKILL. Returns the exit code.
  int Terminate(std::chrono::milliseconds grace = std::chrono::seconds(15));
  // SIGKILL to the whole process group, and reap. Returns the exit code.
  int Kill9();

  // Everything written to stdout/stderr so far.
  std::string Output() const { return ReadFile(log_path_); }
  std::string OutputTail(std::size_t max_lines) const { return TailFile(log_path_, max_lines); }

 private:
  ChildProcess() = default;
  // Records the exit, kills leftovers of the process group, and unregisters it.
  void Reaped(int wait_status);
  bool TryReap();  // true if it has exited

  pid_t pid_ = -1;
  std::string name_;
  std::filesystem::path log_path_;
  std::optional<int> exit_code_;
  bool dump_log_on_test_failure_ = true;
  bool paused_ = false;
};

struct RunResult {
  std::optional<int> exit_code{};  // nullopt: timed out (the process was killed)
  std::string output{};            // stdout and stderr, interleaved
};

// Runs a command to completion (or kills it after `timeout`).
RunResult RunToExit(std::vector<std::string> args, std::chrono::milliseconds timeout, ProcessOptions options = {});

}  // namespace kmirror::test
