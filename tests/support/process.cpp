#include "support/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <future>
#include <iostream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

extern char** environ;

namespace kmirror::test {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// ---------------------------------------------------------------------------------------
// Registry of live child process groups, readable from a signal handler: a fixed array of
// atomics (no locks, no allocation). 0 = free slot.
constexpr std::size_t kMaxChildren = 256;
std::array<std::atomic<pid_t>, kMaxChildren> g_children{};

void RegisterChild(pid_t pgid) {
  for (auto& slot : g_children) {
    pid_t expected = 0;
    if (slot.compare_exchange_strong(expected, pgid)) return;
  }
  // More than kMaxChildren live children is a test bug; PDEATHSIG still covers crashes.
  std::cerr << "kmirror test support: child registry full, pid " << pgid << " is not tracked for signal cleanup\n";
}

void UnregisterChild(pid_t pgid) {
  for (auto& slot : g_children) {
    pid_t expected = pgid;
    if (slot.compare_exchange_strong(expected, 0)) return;
  }
}

// Async-signal-safe: only kill(2).
void KillAllChildGroups() {
  for (auto& slot : g_children) {
    const pid_t pgid = slot.load();
    if (pgid > 0) {
      ::kill(-pgid, SIGKILL);
      ::kill(pgid, SIGKILL);  // in case it never made it into its own group
    }
  }
}

struct sigaction g_old_sigint {};
struct sigaction g_old_sigterm {};
struct sigaction g_old_sighup {};

void OnFatalSignal(int sig) {
  KillAllChildGroups();
  // Restore whatever was there before (usually SIG_DFL) and re-raise, so the test process
  // still dies of the signal (exit status and core dump behaviour preserved).
  const struct sigaction* old = sig == SIGINT ? &g_old_sigint : sig == SIGTERM ? &g_old_sigterm : &g_old_sighup;
  ::sigaction(sig, old, nullptr);
  ::raise(sig);
}

void AtExitCleanup();

void InstallCleanupHooksOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa {};
    sa.sa_handler = OnFatalSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;
    ::sigaction(SIGINT, &sa, &g_old_sigint);
    ::sigaction(SIGTERM, &sa, &g_old_sigterm);
    ::sigaction(SIGHUP, &sa, &g_old_sighup);
    std::atexit(AtExitCleanup);
  });
}

// ---------------------------------------------------------------------------------------
// The one thread that forks. PR_SET_PDEATHSIG is tied to the forking thread: had a short-
// lived worker thread forked a broker, the broker would be SIGKILLed when that worker
// exited. This thread lives until static destruction, i.e. the end of the process.
class ForkThread {
 public:
  static ForkThread& Get() {
    static ForkThread instance;
    return instance;
  }

  // Runs `fork_fn` (which forks and returns the child's pid, or -errno) on the fork thread.
  pid_t Run(std::function<pid_t()> fork_fn) {
    std::packaged_task<pid_t()> task(std::move(fork_fn));
    auto result = task.get_future();
    {
      std::lock_guard lock(mu_);
      tasks_.push_back(std::move(task));
    }
    cv_.notify_one();
    return result.get();
  }

  ~ForkThread() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }

 private:
  ForkThread() : thread_([this] { Loop(); }) {}

  void Loop() {
    std::unique_lock lock(mu_);
    while (true) {
      cv_.wait(lock, [this] { return stop_ || !tasks_.empty(); });
      if (tasks_.empty()) return;  // stop_ and drained
      auto task = std::move(tasks_.front());
      tasks_.pop_front();
      lock.unlock();
      task();
      lock.lock();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::packaged_task<pid_t()>> tasks_;
  bool stop_ = false;
  std::thread thread_;  // last: starts after the members it uses exist
};

// ---------------------------------------------------------------------------------------
fs::path TempBase() {
  const char* tmp = std::getenv("TMPDIR");
  return fs::path(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp");
}

constexpr std::string_view kRootPrefix = "kmirror-test-";

// Removes scratch roots of test processes that no longer exist (killed with SIGKILL, so
// their atexit hook never ran). Another live test binary's root is left alone.
void RemoveStaleRoots(const fs::path& base) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(base, ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(kRootPrefix)) continue;
    const std::string rest = name.substr(kRootPrefix.size());
    const auto dash = rest.find('-');
    if (dash == std::string::npos) continue;
    char* end = nullptr;
    const long pid = std::strtol(rest.c_str(), &end, 10);
    if (end != rest.c_str() + dash || pid <= 0) continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
    std::error_code ignored;
    fs::remove_all(entry.path(), ignored);
  }
}

const fs::path* g_root = nullptr;  // set once by ScratchRoot(); read by AtExitCleanup

void AtExitCleanup() {
  KillAllChildGroups();
  // Wait until they are dead, so their files are closed before the directory goes, but do
  // not reap them (WNOWAIT): a ChildProcess destroyed later in the exit sequence still owns
  // its pid, and reaping here would let it signal a recycled pid.
  for (auto& slot : g_children) {
    const pid_t pgid = slot.load();
    siginfo_t info{};
    if (pgid > 0) ::waitid(P_PID, static_cast<id_t>(pgid), &info, WEXITED | WNOWAIT);
  }
  if (g_root != nullptr && !KeepTestDirs()) {
    std::error_code ignored;
    fs::remove_all(*g_root, ignored);
  }
}

std::string ErrnoMessage(std::string_view what, int err) { return std::string(what) + ": " + std::strerror(err); }

// PATH lookup done in the parent: execvp may allocate, which is not allowed between fork
// and exec in a multi-threaded process.
std::string ResolveExecutable(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path_env = std::getenv("PATH");
  std::stringstream path(path_env != nullptr ? path_env : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(path, dir, ':')) {
    const fs::path candidate = fs::path(dir.empty() ? "." : dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return name;  // execve fails with ENOENT, reported through the error pipe
}

std::atomic<int> g_log_counter{0};

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { Reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void Reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

}  // namespace

// -----------------------------------------------------------------------------------------
std::string KmirrorBinary() {
  // KMIRROR_TEST_BINARY runs the tests against another build (e.g. main's, to show a test
  // failing before a fix).
  if (const char* other = std::getenv("KMIRROR_TEST_BINARY"); other != nullptr && *other != '\0') return other;
  return KMIRROR_BINARY;
}

bool KeepTestDirs() {
  const char* keep = std::getenv("KMIRROR_KEEP_TEST_DIRS");
  return keep != nullptr && *keep != '\0' && std::string_view(keep) != "0";
}

const fs::path& ScratchRoot() {
  static const fs::path root = [] {
    const fs::path base = TempBase();
    RemoveStaleRoots(base);
    std::string tmpl = (base / (std::string(kRootPrefix) + std::to_string(::getpid()) + "-XXXXXX")).string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      throw std::runtime_error(ErrnoMessage("mkdtemp " + tmpl, errno));
    }
    return fs::path(tmpl);
  }();
  static const bool hooked = [] {
    g_root = &root;
    InstallCleanupHooksOnce();
    return true;
  }();
  (void)hooked;
  return root;
}

TempDir::TempDir(std::string_view name) {
  std::string tmpl = (ScratchRoot() / (std::string(name) + "-XXXXXX")).string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    throw std::runtime_error(ErrnoMessage("mkdtemp " + tmpl, errno));
  }
  path_ = tmpl;
}

TempDir::~TempDir() {
  if (!path_.empty() && !KeepTestDirs()) {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
}

TempDir::TempDir(TempDir&& other) noexcept : path_(std::exchange(other.path_, {})) {}

TempDir& TempDir::operator=(TempDir&& other) noexcept {
  if (this != &other) {
    TempDir doomed(std::move(*this));
    path_ = std::exchange(other.path_, {});
  }
  return *this;
}

fs::path TempDir::Release() { return std::exchange(path_, {}); }

bool WaitUntil(const std::function<bool()>& predicate, std::chrono::milliseconds timeout,
               std::chrono::milliseconds poll) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (predicate()) return true;
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(poll, deadline - now));
    if (std::chrono::steady_clock::now() >= deadline) return predicate();
  }
}

void WriteFile(const fs::path& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  out.close();
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string TailFile(const fs::path& path, std::size_t max_lines) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in || max_lines == 0) return {};
  const std::streamoff size = in.tellg();
  // Read growing chunks from the end until there are enough lines.
  std::streamoff chunk = 16 * 1024;
  std::string data;
  while (true) {
    const std::streamoff start = std::max<std::streamoff>(0, size - chunk);
    data.resize(static_cast<std::size_t>(size - start));
    in.seekg(start);
    in.read(data.data(), static_cast<std::streamsize>(data.size()));
    std::size_t lines = std::count(data.begin(), data.end(), '\n');
    if (!data.empty() && data.back() != '\n') ++lines;
    if (lines > max_lines || start == 0) break;
    chunk *= 4;
  }
  // Keep the last max_lines lines.
  std::size_t pos = data.size();
  if (pos > 0 && data[pos - 1] == '\n') --pos;
  for (std::size_t n = 0; n < max_lines && pos > 0; ++n) {
    const auto nl = data.rfind('\n', pos - 1);
    if (nl == std::string::npos) {
      pos = 0;
      break;
    }
    pos = nl;
    if (n + 1 == max_lines) ++pos;  // drop the newline itself
  }
  return data.substr(pos);
}

// -----------------------------------------------------------------------------------------
std::unique_ptr<ChildProcess> ChildProcess::Start(std::vector<std::string> args, ProcessOptions options) {
  if (args.empty()) throw std::invalid_argument("ChildProcess::Start: empty args");
  const fs::path& root = ScratchRoot();  // also installs the cleanup hooks

  std::unique_ptr<ChildProcess> proc(new ChildProcess());
  proc->name_ = options.name.empty() ? fs::path(args[0]).filename().string() : options.name;
  proc->log_path_ = options.log_file.empty() ? root / (proc->name_ + "-" + std::to_string(++g_log_counter) + ".log")
                                             : options.log_file;
  proc->dump_log_on_test_failure_ = options.dump_log_on_test_failure;

  // Everything the child needs is prepared here: between fork and exec only async-signal-
  // safe calls are allowed (another thread may hold the malloc lock at fork time).
  const std::string exe = ResolveExecutable(args[0]);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view entry(*e);
    const auto eq = entry.find('=');
    if (eq != std::string_view::npos && options.env.contains(std::string(entry.substr(0, eq)))) {
      continue;
    }
    env_strings.emplace_back(entry);
  }
  for (const auto& [k, v] : options.env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  const std::string cwd = options.working_dir.string();

  Fd log_fd(::open(proc->log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (log_fd.get() < 0) throw std::runtime_error(ErrnoMessage("open " + proc->log_path_.string(), errno));
  Fd null_fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (null_fd.get() < 0) throw std::runtime_error(ErrnoMessage("open /dev/null", errno));
  // The child reports an exec failure's errno through this pipe; a successful exec closes
  // it (O_CLOEXEC) and the parent reads EOF.
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error(ErrnoMessage("pipe2", errno));
  Fd err_read(pipe_fds[0]);
  Fd err_write(pipe_fds[1]);

  const pid_t parent = ::getpid();
  const pid_t pid = ForkThread::Get().Run([&]() -> pid_t {
    const pid_t child = ::fork();
    if (child != 0) return child < 0 ? -errno : child;
    // ---- child: async-signal-safe calls only ----
    ::setpgid(0, 0);  // own group: killing the group gets grandchildren too
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the test died before prctl took effect
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD}) ::sigaction(sig, &dfl, nullptr);
    int err = 0;
    if (::dup2(null_fd.get(), 0) < 0 || ::dup2(log_fd.get(), 1) < 0 || ::dup2(log_fd.get(), 2) < 0) {
      err = errno;
    } else if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) {
      err = errno;
    } else {
      // Do not leak the test's sockets and files (librdkafka's, other logs) into the child.
      ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
      ::execve(exe.c_str(), argv.data(), envp.data());
      err = errno;
    }
    [[maybe_unused]] auto ignored = ::write(err_write.get(), &err, sizeof err);
    ::_exit(127);
  });
  if (pid < 0) throw std::runtime_error(ErrnoMessage("fork", -pid));
  ::setpgid(pid, pid);  // also from the parent, so the group exists before we signal it
  proc->pid_ = pid;
  RegisterChild(pid);

  err_write.Reset();
  int child_errno = 0;
  ssize_t n;
  do {
    n = ::read(err_read.get(), &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  if (n == static_cast<ssize_t>(sizeof child_errno)) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    proc->Reaped(status);
    throw std::runtime_error(ErrnoMessage("cannot start " + exe, child_errno));
  }
  return proc;
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !exit_code_) Terminate();
  if (dump_log_on_test_failure_) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    if (info != nullptr && ::testing::Test::HasFailure()) {
      std::cerr << "---- last output of " << name_ << " (" << log_path_.string() << ") ----\n"
                << OutputTail(60) << "\n---- end of " << name_ << " output ----\n";
    }
  }
}

void ChildProcess::Reaped(int wait_status) {
  exit_code_ = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -WTERMSIG(wait_status);
  UnregisterChild(pid_);
}

bool ChildProcess::TryReap() {
  if (exit_code_) return true;
  siginfo_t info{};
  // WNOWAIT: look without reaping. While the leader is an unreaped zombie its pid cannot be
  // reused, so killing its group below cannot hit an unrelated process.
  if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
    return false;
  }
  if (info.si_pid == 0) return false;  // still running
  ::kill(-pid_, SIGKILL);              // leftovers of its group (e.g. a shell's children)
  int status = 0;
  ::waitpid(pid_, &status, 0);
  Reaped(status);
  return true;
}

bool ChildProcess::Running() { return !TryReap(); }

std::optional<int> ChildProcess::Wait(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  // Short sleeps: exits are usually quick and tests wait on them often.
  while (!TryReap()) {
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(10ms);
  }
  return exit_code_;
}

void ChildProcess::Signal(int sig) {
  if (!exit_code_) ::kill(pid_, sig);
}

void ChildProcess::Pause() {
  if (exit_code_) return;
  ::kill(-pid_, SIGSTOP);
  paused_ = true;
}

void ChildProcess::Resume() {
  if (!exit_code_) ::kill(-pid_, SIGCONT);
  paused_ = false;
}

int ChildProcess::Terminate(std::chrono::milliseconds grace) {
  if (exit_code_) return *exit_code_;
  Signal(SIGTERM);
  // A stopped process only acts on the SIGTERM once it runs again.
  if (paused_) Resume();
  if (auto code = Wait(grace)) return *code;
  std::cerr << name_ << " (pid " << pid_ << ") ignored SIGTERM for " << grace.count() << " ms; sending SIGKILL\n";
  return Kill9();
}

int ChildProcess::Kill9() {
  if (exit_code_) return *exit_code_;
  ::kill(-pid_, SIGKILL);
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  Reaped(status);
  return *exit_code_;
}

RunResult RunToExit(std::vector<std::string> args, std::chrono::milliseconds timeout, ProcessOptions options) {
  const bool own_log = options.log_file.empty();
  options.dump_log_on_test_failure = false;  // the caller gets the output
  auto proc = ChildProcess::Start(std::move(args), std::move(options));
  RunResult result;
  result.exit_code = proc->Wait(timeout);
  if (!result.exit_code) proc->Kill9();
  result.output = proc->Output();
  if (own_log) {
    std::error_code ignored;
    fs::remove(proc->log_path(), ignored);
  }
  return result;
}

}  // namespace kmirror::test
