// The socket front end of a ScriptedServer (scripted_server.hpp): it listens on a real loopback
// address (UDP and TCP, port 53: root), so that the resolver's real transport, with its random
// ports, IDs and question matching, TCP fallback and wire checks, is what the tests exercise,
// and it can send what only a network can carry: forged datagrams before the reply, from
// another port, a blind flood, broken octets.
#pragma once

#include "tests/support/scripted_server.hpp"

#include <asio/io_context.hpp>

#include <memory>
#include <string_view>

namespace tern::testing {

/// A fake authoritative server on `address`:53 (UDP and TCP) that hands every query to its
/// ScriptedServer. The io_context must be run by the test; it must outlive this object.
class FakeAuthority {
 public:
  FakeAuthority(asio::io_context& io, std::string_view address, Handler handler);
  ~FakeAuthority();
  FakeAuthority(const FakeAuthority&) = delete;
  FakeAuthority& operator=(const FakeAuthority&) = delete;

  /// The handler and the counts of what was asked.
  ScriptedServer& script() noexcept;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace tern::testing
