// The fault harness's TCP proxy against an echo server on loopback: bytes pass both ways,
// Cut() resets connections and refuses new ones, Blackhole() holds bytes until Heal(),
// Delay() delays them.
#include "support/tcp_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace kmirror::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Echoes every byte back, one thread per connection; stops (bounded) on destruction.
class EchoServer {
 public:
  EchoServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr = Loopback(0);
    socklen_t len = sizeof addr;
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(fd_, 16), 0);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    accept_thread_ = std::thread([this] {
      while (!stop_) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, 50) <= 0) continue;
        const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (c < 0) continue;
        workers_.emplace_back([this, c] {
          char buf[4096];
          while (!stop_) {
            pollfd q{c, POLLIN, 0};
            if (::poll(&q, 1, 50) <= 0) continue;
            const ssize_t n = ::read(c, buf, sizeof buf);
            if (n <= 0 || ::send(c, buf, static_cast<size_t>(n), MSG_NOSIGNAL) != n) break;
          }
          ::close(c);
        });
      }
    });
  }
  ~EchoServer() {
    stop_ = true;
    accept_thread_.join();
    for (auto& w : workers_) w.join();
    ::close(fd_);
  }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread accept_thread_;
  std::vector<std::thread> workers_;  // only the accept thread adds, before the joins
};

int Connect(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr = Loopback(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Reads exactly `n` bytes within `timeout`; nullopt on timeout, EOF or error.
std::optional<std::string> ReadN(int fd, std::size_t n, std::chrono::milliseconds timeout) {
  std::string out;
  const auto deadline = Clock::now() + timeout;
  while (out.size() < n) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return std::nullopt;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    char buf[4096];
    const ssize_t r = ::read(fd, buf, std::min(sizeof buf, n - out.size()));
    if (r <= 0) return std::nullopt;
    out.append(buf, static_cast<std::size_t>(r));
  }
  return out;
}

bool Send(int fd, const std::string& s) {
  return ::send(fd, s.data(), s.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(s.size());
}

// True when the connection was closed or reset by the other side within `timeout`.
bool ClosedByPeer(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
  char c;
  return ::read(fd, &c, 1) <= 0;
}

TEST(TcpProxyTest, ForwardsBothWays) {
  EchoServer echo;
  TcpProxy proxy({.target_port = echo.port()});
  ASSERT_GT(proxy.port(), 0);
  const int fd = Connect(proxy.port());
  ASSERT_GE(fd, 0);
  std::string big(300 * 1024, 'x');  // more than one chunk, more than a socket buffer
  for (std::size_t i = 0; i < big.size(); i += 997) big[i] = static_cast<char>('a' + i % 26);
  std::thread writer([&] { EXPECT_TRUE(Send(fd, big)); });
  EXPECT_EQ(ReadN(fd, big.size(), 10s), big);
  writer.join();
  EXPECT_EQ(proxy.accepted(), 1);
  // The counter moves just after each send(): the echo may be read before it does.
  const auto deadline = Clock::now() + 2s;
  while (proxy.bytes_forwarded() < static_cast<int64_t>(2 * big.size()) && Clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_EQ(proxy.bytes_forwarded(), static_cast<int64_t>(2 * big.size()));
  ::close(fd);
}

TEST(TcpProxyTest, CutResetsConnectionsAndRefusesNewOnesUntilHealed) {
  EchoServer echo;
  TcpProxy proxy({.target_port = echo.port()});
  const int fd = Connect(proxy.port());
  ASSERT_TRUE(Send(fd, "ping"));
  ASSERT_EQ(ReadN(fd, 4, 5s), "ping");

  proxy.Cut();
  EXPECT_EQ(proxy.mode(), TcpProxy::Mode::kCut);
  EXPECT_EQ(proxy.open_connections(), 0);
  EXPECT_TRUE(ClosedByPeer(fd, 5s)) << "an open connection must be reset by the cut";
  ::close(fd);
  const int refused = Connect(proxy.port());  // the kernel accepts; the proxy resets it
  ASSERT_GE(refused, 0);
  Send(refused, "ping");
  EXPECT_TRUE(ClosedByPeer(refused, 5s));
  ::close(refused);

  proxy.Heal();
  const int again = Connect(proxy.port());
  ASSERT_TRUE(Send(again, "pong")) << std::strerror(errno);
  EXPECT_EQ(ReadN(again, 4, 5s), "pong");
  ::close(again);
}

TEST(TcpProxyTest, BlackholeHoldsBytesUntilHealed) {
  EchoServer echo;
  TcpProxy proxy({.target_port = echo.port()});
  const int fd = Connect(proxy.port());
  ASSERT_TRUE(Send(fd, "one"));
  ASSERT_EQ(ReadN(fd, 3, 5s), "one");

  proxy.Blackhole();
  std::this_thread::sleep_for(100ms);  // the proxy thread re-plans within its poll bound
  ASSERT_TRUE(Send(fd, "two"));
  EXPECT_EQ(ReadN(fd, 3, 500ms), std::nullopt) << "nothing may pass a blackhole";
  const int late = Connect(proxy.port());  // accepted, but silent too
  ASSERT_GE(late, 0);
  ASSERT_TRUE(Send(late, "new"));
  EXPECT_EQ(ReadN(late, 3, 300ms), std::nullopt);

  proxy.Heal();
  EXPECT_EQ(ReadN(fd, 3, 5s), "two") << "the held bytes go on after the heal";
  EXPECT_EQ(ReadN(late, 3, 5s), "new");
  ::close(fd);
  ::close(late);
}

TEST(TcpProxyTest, DelayAddsLatencyPerChunk) {
  EchoServer echo;
  TcpProxy proxy({.target_port = echo.port()});
  const int fd = Connect(proxy.port());
  proxy.Delay(200ms);
  const auto start = Clock::now();
  ASSERT_TRUE(Send(fd, "slow"));
  EXPECT_EQ(ReadN(fd, 4, 5s), "slow");
  // Delayed on the way in and on the way back.
  EXPECT_GE(Clock::now() - start, 400ms);
  proxy.Heal();
  const auto fast = Clock::now();
  ASSERT_TRUE(Send(fd, "fast"));
  EXPECT_EQ(ReadN(fd, 4, 5s), "fast");
  EXPECT_LT(Clock::now() - fast, 200ms);
  ::close(fd);
}

TEST(TcpProxyTest, ATargetThatIsDownClosesTheClient) {
  int dead_port;
  {
    EchoServer gone;
    dead_port = gone.port();
  }
  TcpProxy proxy({.target_port = dead_port});
  const int fd = Connect(proxy.port());
  ASSERT_GE(fd, 0);
  EXPECT_TRUE(ClosedByPeer(fd, 5s));
  ::close(fd);
}

}  // namespace
}  // namespace kmirror::test
