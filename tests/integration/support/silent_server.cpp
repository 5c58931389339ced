#include "support/silent_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace tern::itest {

SilentServer::SilentServer(const std::string& address) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(53);
  inet_pton(AF_INET, address.c_str(), &a.sin_addr);
  udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(tcp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  bool ok = bind(udp, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
            bind(tcp, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && listen(tcp, 64) == 0;
  if (!ok) {
    if (udp >= 0) close(udp);
    if (tcp >= 0) close(tcp);
    udp = tcp = -1;
  }
}

std::size_t SilentServer::udp_received() {
  char buffer[4096];
  while (udp >= 0 && recv(udp, buffer, sizeof buffer, MSG_DONTWAIT) >= 0) ++received;
  return received;
}

SilentServer::~SilentServer() {
  if (udp >= 0) close(udp);
  if (tcp >= 0) close(tcp);
}

}  // namespace tern::itest
