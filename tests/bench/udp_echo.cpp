// udp_echo: the benchmark's ceiling. A minimal DNS "server" that sends every datagram straight
// back with the QR bit set, using the same kernel interface as ternd's listener (one
// SO_REUSEPORT socket per thread, recvmmsg/sendmmsg batches) and nothing else: no parsing, no
// cache, no policy. dnsperf against it measures what this machine's kernel and dnsperf allow,
// so the report can say how close each resolver gets to that.
//
// Plain blocking system calls on purpose (not asio): a reactor between the kernel and the loop
// would be part of what is measured, and the ceiling is meant to have no overhead to shave.
//
// usage: udp_echo ADDRESS PORT [THREADS] [BATCH]      (stops on SIGTERM or SIGINT)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr unsigned max_batch = 256;
constexpr std::size_t max_datagram = 4096;

int open_socket(const char* address, int port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<std::uint16_t>(port));
  if (inet_pton(AF_INET, address, &sa.sin_addr) != 1) {
    std::fprintf(stderr, "udp_echo: %s is not an IPv4 address\n", address);
    std::exit(2);
  }
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  const int one = 1;
  if (fd < 0 || ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0 ||
      ::bind(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0) {
    std::fprintf(stderr, "udp_echo: %s port %d: %s\n", address, port, std::strerror(errno));
    std::exit(1);
  }
  return fd;
}

/// One thread's loop: a batch in, the same batch out with QR set.
void echo_loop(int fd, unsigned batch) {
  struct Slot {
    std::array<std::uint8_t, max_datagram> data;
    sockaddr_in6 from;
    iovec iov;
  };
  std::vector<Slot> slots(batch);
  std::vector<mmsghdr> in(batch), out(batch);
  while (true) {
    for (unsigned i = 0; i < batch; ++i) {
      slots[i].iov = iovec{slots[i].data.data(), max_datagram};
      in[i] = mmsghdr{};
      in[i].msg_hdr.msg_name = &slots[i].from;
      in[i].msg_hdr.msg_namelen = sizeof slots[i].from;
      in[i].msg_hdr.msg_iov = &slots[i].iov;
      in[i].msg_hdr.msg_iovlen = 1;
    }
    const int n = ::recvmmsg(fd, in.data(), batch, MSG_WAITFORONE, nullptr);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::fprintf(stderr, "udp_echo: recvmmsg: %s\n", std::strerror(errno));
      return;
    }
    unsigned replies = 0;
    for (int i = 0; i < n; ++i) {
      if (in[i].msg_len < 12) continue;  // not even a DNS header
      slots[i].data[2] |= 0x80;          // QR: dnsperf counts it as the response
      slots[i].iov.iov_len = in[i].msg_len;
      out[replies] = mmsghdr{};
      out[replies].msg_hdr = in[i].msg_hdr;
      ++replies;
    }
    for (unsigned sent = 0; sent < replies;) {
      const int k = ::sendmmsg(fd, out.data() + sent, replies - sent, 0);
      if (k < 0) {
        if (errno == EINTR) continue;
        break;  // the client went away: drop the rest, as a resolver would
      }
      sent += static_cast<unsigned>(k);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || argc > 5) {
    std::fprintf(stderr, "usage: udp_echo ADDRESS PORT [THREADS] [BATCH]\n");
    return 2;
  }
  const int port = std::atoi(argv[2]);
  const unsigned threads = argc > 3 ? static_cast<unsigned>(std::atoi(argv[3])) : 1;
  const unsigned batch = argc > 4 ? static_cast<unsigned>(std::atoi(argv[4])) : 32;
  if (port <= 0 || port > 65535 || threads < 1 || threads > 64 || batch < 1 || batch > max_batch) {
    std::fprintf(stderr, "udp_echo: PORT 1..65535, THREADS 1..64, BATCH 1..%u\n", max_batch);
    return 2;
  }
  // The signals are taken by sigwait below, not by the echo threads (which inherit the mask).
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::vector<int> sockets;
  for (unsigned t = 0; t < threads; ++t) sockets.push_back(open_socket(argv[1], port));
  for (int fd : sockets) std::thread(echo_loop, fd, batch).detach();
  std::printf("udp_echo: %s port %d, %u threads, batch %u\n", argv[1], port, threads, batch);
  std::fflush(stdout);
  int signal = 0;
  sigwait(&stop_signals, &signal);
  // The threads block in recvmmsg; the process ends with them (nothing to flush or free).
  for (int fd : sockets) ::close(fd);
  return 0;
}
