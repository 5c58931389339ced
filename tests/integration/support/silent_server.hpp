// An authority that never answers: UDP and TCP port 53 bound on a lab address and never read,
// so queries to it time out (UDP) or hang after the TCP handshake the kernel completes.
#pragma once

#include <cstddef>
#include <string>

namespace tern::itest {

struct SilentServer {
  int udp = -1, tcp = -1;  ///< both -1 when the address could not be bound
  explicit SilentServer(const std::string& address);
  /// UDP queries received so far: takes the datagrams waiting in the socket (never answered)
  /// and counts them, so a test can see whether anyone asked.
  std::size_t udp_received();
  std::size_t received = 0;
  ~SilentServer();
  SilentServer(const SilentServer&) = delete;
  SilentServer& operator=(const SilentServer&) = delete;
};

}  // namespace tern::itest
