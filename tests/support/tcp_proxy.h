// A loopback TCP proxy for network fault tests: listens on 127.0.0.1:<port> and forwards
// every connection to 127.0.0.1:<target_port>, byte for byte, both ways. The test can then
// make the link fail the ways real networks do:
//   Cut()        every connection is reset and new ones are reset as soon as accepted (a
//                partition where the peer's host answers: ECONNRESET at once);
//   Blackhole()  connections stay open and new ones are accepted, but nothing is forwarded
//                (a partition where packets vanish: clients only notice by their timeouts);
//   Delay(d)     every chunk read from either side is forwarded `d` later (a slow link);
//   Heal()       back to forwarding at once; blackholed connections resume where they
//                stopped (their bytes waited in the kernel's socket buffers).
//
// Lifecycle and threads: the constructor binds the port and starts the proxy's one thread
// (poll(2), non-blocking sockets, a 50 ms poll bound so it notices Stop promptly); the
// destructor stops it and closes every socket. The mode setters may be called from any
// thread; Cut() returns only once the proxy thread has closed every connection. Only
// loopback addresses are used, and buffering is bounded (a side is not read while more
// than 1 MiB waits to be written to the other).
#pragma once

#include <netinet/in.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace kmirror::test {

// 127.0.0.1:`port`, for bind/connect (the proxy and its tests only ever use loopback).
sockaddr_in Loopback(int port);

class TcpProxy {
 public:
  struct Options {
    int listen_port = 0;         // 0: a port the kernel picks
    int target_port = 0;         // where connections are forwarded (127.0.0.1)
    std::string name = "proxy";  // for messages
  };
  enum class Mode { kForward, kCut, kBlackhole };

  // Throws std::runtime_error when the port cannot be bound.
  explicit TcpProxy(Options options);
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  void Cut();
  void Blackhole();
  void Delay(std::chrono::milliseconds per_chunk);
  void Heal();  // forward again, without delay
  Mode mode() const { return mode_.load(); }

  int64_t accepted() const { return accepted_.load(); }  // connections accepted so far
  int64_t open_connections() const { return open_.load(); }
  int64_t bytes_forwarded() const { return forwarded_.load(); }

 private:
  void SetMode(Mode mode);
  void Wake();
  void Run();

  Options options_;
  int listen_fd_ = -1;
  int wake_fds_[2] = {-1, -1};  // a pipe: the setters write a byte, the thread polls it
  int port_ = 0;
  std::atomic<Mode> mode_{Mode::kForward};
  std::atomic<int64_t> delay_ms_{0};
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> accepted_{0};
  std::atomic<int64_t> open_{0};
  std::atomic<int64_t> forwarded_{0};
  // Cut() waits until the thread has seen its request (cuts_done_ reaches cuts_requested_).
  std::mutex mu_;
  std::condition_variable cv_;
  int64_t cuts_requested_ = 0;
  int64_t cuts_done_ = 0;
  std::thread thread_;
};

}  // namespace kmirror::test
