#include "support/tcp_proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <iostream>
#include <list>
#include <stdexcept>
#include <tuple>
#include <vector>

namespace kmirror::test {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr std::size_t kMaxPendingBytes = 1 << 20;  // per direction, before reading stops
constexpr std::size_t kReadChunk = 64 * 1024;
constexpr std::size_t kMaxConnections = 512;
constexpr auto kPollBound = 50ms;

// Closes with a RST instead of a FIN: the peer sees "connection reset", as when a host or
// a firewall on the path drops the connection's state.
void Reset(int fd) {
  if (fd < 0) return;
  linger l{};
  l.l_onoff = 1;
  l.l_linger = 0;
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  ::close(fd);
}

struct Chunk {
  Clock::time_point due;
  std::string data;
  std::size_t written = 0;
};

// Bytes read from one side, waiting to be written to the other.
struct Direction {
  std::deque<Chunk> chunks;
  std::size_t bytes = 0;
  bool eof = false;  // the reading side closed

  bool Due(Clock::time_point now) const { return !chunks.empty() && chunks.front().due <= now; }
};

struct Connection {
  int client = -1;
  int upstream = -1;
  bool connecting = true;  // non-blocking connect to the target not finished yet
  Direction to_upstream;
  Direction to_client;
  bool closed = false;
};

// Reads what `from` has into `dir`. False when the connection must close (error).
bool ReadSide(int from, Direction& dir, Clock::time_point due) {
  char buf[kReadChunk];
  const ssize_t n = ::read(from, buf, sizeof buf);
  if (n > 0) {
    dir.chunks.push_back({due, std::string(buf, static_cast<std::size_t>(n)), 0});
    dir.bytes += static_cast<std::size_t>(n);
    return true;
  }
  if (n == 0) {
    dir.eof = true;
    return true;
  }
  return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

// Writes the due chunks of `dir` to `to`. False when the connection must close (error).
bool WriteSide(int to, Direction& dir, Clock::time_point now, std::atomic<int64_t>& forwarded) {
  while (dir.Due(now)) {
    Chunk& c = dir.chunks.front();
    const ssize_t n = ::send(to, c.data.data() + c.written, c.data.size() - c.written, MSG_NOSIGNAL);
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    c.written += static_cast<std::size_t>(n);
    dir.bytes -= static_cast<std::size_t>(n);
    forwarded += n;
    if (c.written < c.data.size()) return true;  // the socket buffer is full
    dir.chunks.pop_front();
  }
  return true;
}

}  // namespace

sockaddr_in Loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  return addr;
}

TcpProxy::TcpProxy(Options options) : options_(std::move(options)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (listen_fd_ < 0) throw std::runtime_error(options_.name + ": socket: " + std::strerror(errno));
  const int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr = Loopback(options_.listen_port);
  socklen_t len = sizeof addr;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 128) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const std::string error = std::strerror(errno);
    ::close(listen_fd_);
    throw std::runtime_error(options_.name + ": cannot listen on 127.0.0.1:" + std::to_string(options_.listen_port) +
                             ": " + error);
  }
  port_ = ntohs(addr.sin_port);
  if (::pipe2(wake_fds_, O_CLOEXEC | O_NONBLOCK) != 0) {
    ::close(listen_fd_);
    throw std::runtime_error(options_.name + ": pipe: " + std::strerror(errno));
  }
  thread_ = std::thread([this] { Run(); });
}

TcpProxy::~TcpProxy() {
  stop_ = true;
  Wake();
  thread_.join();
  ::close(listen_fd_);
  ::close(wake_fds_[0]);
  ::close(wake_fds_[1]);
}

void TcpProxy::Wake() {
  const char byte = 1;
  // A full pipe already holds a wake-up: ignoring EAGAIN is right.
  [[maybe_unused]] const ssize_t n = ::write(wake_fds_[1], &byte, 1);
}

void TcpProxy::SetMode(Mode mode) {
  mode_ = mode;
  Wake();
}

void TcpProxy::Cut() {
  std::unique_lock lock(mu_);
  const int64_t request = ++cuts_requested_;
  mode_ = Mode::kCut;
  Wake();
  // Bounded: the thread polls at most kPollBound at a time.
  if (!cv_.wait_for(lock, 10s, [&] { return cuts_done_ >= request; })) {
    std::cerr << options_.name << ": Cut() not confirmed by the proxy thread within 10 s\n";
  }
}

void TcpProxy::Blackhole() { SetMode(Mode::kBlackhole); }

void TcpProxy::Delay(std::chrono::milliseconds per_chunk) {
  delay_ms_ = per_chunk.count();
  SetMode(Mode::kForward);
}

void TcpProxy::Heal() {
  delay_ms_ = 0;
  SetMode(Mode::kForward);
}

void TcpProxy::Run() {
  std::list<Connection> conns;
  auto close_conn = [&](Connection& c) {
    if (c.closed) return;
    Reset(c.client);
    Reset(c.upstream);
    c.closed = true;
    --open_;
  };
  std::vector<pollfd> fds;
  std::vector<Connection*> owners;  // owners[i]: the connection of fds[i] (nullptr: pipe, listener)

  while (!stop_) {
    {
      std::lock_guard lock(mu_);
      if (cuts_done_ < cuts_requested_) {
        for (auto& c : conns) close_conn(c);
        conns.clear();
        cuts_done_ = cuts_requested_;
        cv_.notify_all();
      }
    }
    const Mode mode = mode_.load();
    const auto now = Clock::now();
    auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(kPollBound);

    fds.clear();
    owners.clear();
    fds.push_back({wake_fds_[0], POLLIN, 0});
    owners.push_back(nullptr);
    fds.push_back({listen_fd_, POLLIN, 0});
    owners.push_back(nullptr);
    if (mode != Mode::kBlackhole) {
      for (auto& c : conns) {
        if (c.connecting) {
          fds.push_back({c.upstream, POLLOUT, 0});
          owners.push_back(&c);
          continue;
        }
        for (auto [fd, in, out] : {std::tuple{c.client, &c.to_upstream, &c.to_client},
                                   std::tuple{c.upstream, &c.to_client, &c.to_upstream}}) {
          short events = 0;
          if (!in->eof && in->bytes < kMaxPendingBytes) events |= POLLIN;
          if (out->Due(now)) events |= POLLOUT;
          if (!out->chunks.empty() && !out->Due(now)) {
            timeout = std::min(
                timeout, std::chrono::duration_cast<std::chrono::milliseconds>(out->chunks.front().due - now) + 1ms);
          }
          fds.push_back({fd, events, 0});
          owners.push_back(&c);
        }
      }
    }
    const int ready = ::poll(fds.data(), fds.size(), static_cast<int>(std::max<int64_t>(0, timeout.count())));
    if (ready < 0 && errno != EINTR) {
      std::cerr << options_.name << ": poll: " << std::strerror(errno) << "\n";
      std::this_thread::sleep_for(kPollBound);
      continue;
    }
    if (fds[0].revents & POLLIN) {
      char drain[64];
      while (::read(wake_fds_[0], drain, sizeof drain) > 0) {
      }
    }
    if (mode_.load() != mode) continue;  // re-plan with the new mode first
    const auto after = Clock::now();

    if (fds[1].revents & POLLIN) {
      for (int i = 0; i < 64; ++i) {  // bounded: the rest wait for the next round
        const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (client < 0) break;
        ++accepted_;
        // The mode now, not the round's: a connection made right after Heal() returned
        // must not be reset by a round that started before it.
        if (mode_.load() == Mode::kCut || conns.size() >= kMaxConnections) {
          Reset(client);
          continue;
        }
        const int upstream = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        sockaddr_in target = Loopback(options_.target_port);
        if (upstream < 0 ||
            (::connect(upstream, reinterpret_cast<sockaddr*>(&target), sizeof target) != 0 && errno != EINPROGRESS)) {
          Reset(client);
          if (upstream >= 0) ::close(upstream);
          continue;
        }
        const int one = 1;
        ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        ::setsockopt(upstream, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        Connection c;
        c.client = client;
        c.upstream = upstream;
        conns.push_back(std::move(c));
        ++open_;
      }
    }

    const auto delay = std::chrono::milliseconds(delay_ms_.load());
    for (std::size_t i = 2; i < fds.size(); ++i) {
      Connection& c = *owners[i];
      if (c.closed || fds[i].revents == 0) continue;
      if (c.connecting) {
        int error = 0;
        socklen_t len = sizeof error;
        ::getsockopt(c.upstream, SOL_SOCKET, SO_ERROR, &error, &len);
        if (error != 0) {
          close_conn(c);
        } else {
          c.connecting = false;
        }
        continue;
      }
      const bool is_client = fds[i].fd == c.client;
      Direction& in = is_client ? c.to_upstream : c.to_client;
      Direction& out = is_client ? c.to_client : c.to_upstream;
      bool ok = true;
      if (!in.eof && (fds[i].revents & (POLLIN | POLLHUP | POLLERR))) ok = ReadSide(fds[i].fd, in, after + delay);
      if (ok && (fds[i].revents & POLLOUT)) ok = WriteSide(fds[i].fd, out, after, forwarded_);
      if (!ok) close_conn(c);
    }
    // Writes right away whatever became due (most chunks, without delay: no extra round).
    for (auto& c : conns) {
      if (c.closed || c.connecting) continue;
      if (!WriteSide(c.upstream, c.to_upstream, after, forwarded_) ||
          !WriteSide(c.client, c.to_client, after, forwarded_)) {
        close_conn(c);
        continue;
      }
      // A side that closed: close the whole connection once what it sent is delivered
      // (Kafka's protocol never half-closes).
      if ((c.to_upstream.eof && c.to_upstream.chunks.empty()) || (c.to_client.eof && c.to_client.chunks.empty())) {
        close_conn(c);
      }
    }
    conns.remove_if([](const Connection& c) { return c.closed; });
  }
  for (auto& c : conns) close_conn(c);
}

}  // namespace kmirror::test
