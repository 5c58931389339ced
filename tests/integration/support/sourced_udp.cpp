#include "support/sourced_udp.hpp"

#include "support/paths.hpp"
#include "support/process.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

namespace tern::itest {

using namespace std::chrono_literals;

SourcedUdp::SourcedUdp(const char* source) {
  fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  ::inet_pton(AF_INET, source, &a.sin_addr);
  if (fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

SourcedUdp::~SourcedUdp() {
  if (fd_ >= 0) ::close(fd_);
}

bool SourcedUdp::send(std::uint16_t port, const Bytes& query) {
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return ::sendto(fd_, query.data(), query.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) ==
         static_cast<ssize_t>(query.size());
}

std::optional<Bytes> SourcedUdp::receive(std::chrono::milliseconds timeout) {
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return std::nullopt;
  Bytes buf(65535);
  ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
  if (n < 0) return std::nullopt;
  buf.resize(static_cast<std::size_t>(n));
  return buf;
}

std::optional<Response> SourcedUdp::exchange(std::uint16_t port, const std::string& name, std::uint16_t id,
                                             std::chrono::milliseconds timeout) {
  QueryOptions q;
  q.id = id;
  if (!send(port, make_query(name, rrtype::A, q))) return std::nullopt;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    auto reply = receive(std::max(left, 1ms));
    if (!reply) return std::nullopt;
    if (auto r = parse_response(*reply); r && r->id == id) return r;
  }
  return std::nullopt;
}

std::uint64_t stat(const std::string& socket, const std::string& dir, const std::string& key) {
  const std::string log = dir + "/ternctl.out";
  std::ofstream(log, std::ios::trunc).close();
  run_to_completion(ProcessOptions{{ternctl_path(), "-s", socket, "stats"}, log, {}, true}, 10s);
  const std::string out = "\n" + read_file(log);
  auto at = out.find("\n" + key + "=");
  if (at == std::string::npos) return 0;
  return std::stoull(out.substr(at + key.size() + 2));
}

}  // namespace tern::itest
