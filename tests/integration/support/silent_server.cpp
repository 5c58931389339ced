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

SilentServer::~SilentServer() {
  if (udp >= 0) close(udp);
  if (tcp >= 0) close(tcp);
}

}  // namespace tern::itest
