// A UDP client socket bound to one loopback source address (the client address ternd sees),
// and reading one counter of `ternctl stats`: shared by the tests that count what ternd did.
#pragma once

#include "support/dns_wire.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace tern::itest {

/// A UDP socket bound to one loopback source address (127.0.0.x): the client address ternd sees.
class SourcedUdp {
 public:
  explicit SourcedUdp(const char* source);
  ~SourcedUdp();
  SourcedUdp(const SourcedUdp&) = delete;
  SourcedUdp& operator=(const SourcedUdp&) = delete;
  bool ok() const { return fd_ >= 0; }

  bool send(std::uint16_t port, const Bytes& query);
  /// The next datagram within `timeout`.
  std::optional<Bytes> receive(std::chrono::milliseconds timeout);
  /// One query, the reply with its ID within `timeout`.
  std::optional<Response> exchange(std::uint16_t port, const std::string& name, std::uint16_t id,
                                   std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
};

/// ternctl stats of a ternd whose control socket is `socket`: one key's value (0 when absent);
/// `dir` holds ternctl's output file.
std::uint64_t stat(const std::string& socket, const std::string& dir, const std::string& key);

}  // namespace tern::itest
