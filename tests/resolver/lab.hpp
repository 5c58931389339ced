// The resolver tests' fixture: a fake DNS hierarchy on loopback made of FakeAuthority servers,
// the caches, and a Resolver with the real UdpTcpTransport, all on one io_context that the
// test thread runs. Every test case gets its own address range 127.77.<case>.<server> so that
// cases never share a server (and may run in parallel processes). Case ids in use:
// walk_test 1-9, parallel_ns_test 10-12, failure_test 20-31, spoofing_test 40-43, transport_test 50-54,
// protocol_test 60-79, trace_test 80, routing_test 90-96, malformed_reply_test 110-111,
// spoofing_flood_test 112-116, abuse_test 120-126, failure_cache_test 127-128.
//
// The standard hierarchy (standard()):
//   .            a.root.test.      127.77.C.1   delegates test. and net.
//   test.        ns1.nic.test.     127.77.C.2   delegates example.test. (two servers, glue)
//   net.         ns1.nic.net.      127.77.C.3
//   example.test ns1/ns2.example.test.  127.77.C.10 / .11   www A 192.0.2.1, mail A 192.0.2.2
#pragma once

#include "cache/answer_cache.hpp"
#include "cache/clock.hpp"
#include "cache/infra_cache.hpp"
#include "cache/rrset_cache.hpp"
#include "resolver/resolver.hpp"
#include "resolver/udp_tcp_transport.hpp"
#include "tests/support/fake_authority.hpp"

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tern::testing {

using namespace std::chrono_literals;
using resolver::Outcome;

/// Server numbers of the standard hierarchy (the last octet of their address).
namespace srv {
inline constexpr int root = 1, tld_test = 2, tld_net = 3, example1 = 10, example2 = 11;
}

class Lab {
 public:
  /// case_id (1..254) picks the address range 127.77.<case_id>.0/24 ($TERN_RTEST_NET moves 127.77).
  explicit Lab(int case_id);
  ~Lab();

  /// "127.77.<case>.<server>"
  std::string address(int server) const;
  /// The zone with this origin, created (with its SOA) on first use.
  FakeZone& zone(std::string_view origin);
  /// Starts a server on address(server) answering with `handler` (replaces nothing: one
  /// server per number). Returns it for counting.
  FakeAuthority& serve(int server, Handler handler);
  FakeAuthority& serve(int server, std::string_view zone_origin);
  FakeAuthority& server(int server);
  /// Root hints naming one root server `ns_name` at address(server); the root zone gets the
  /// apex NS and its address too.
  void set_root(int server, std::string_view ns_name);
  /// Builds the standard hierarchy described at the top of this file and starts its servers;
  /// example_servers = 1 leaves ns2.example.test out.
  void standard(int example_servers = 2);

  resolver::Resolver& resolver();
  /// Resolves one question to completion on the io_context; a resolution that does not end
  /// within `bound` fails the test (a hang must fail, not block the suite).
  Outcome resolve(std::string_view qname, std::uint16_t type = dns::rrtype::A,
                  std::chrono::milliseconds bound = 15s);
  /// Starts every question at once, then runs until all are answered (or `bound`).
  std::vector<Outcome> resolve_all(const std::vector<dns::Question>& questions,
                                   std::chrono::milliseconds bound = 15s);
  /// Runs the io_context for `how_long` (lets late datagrams arrive).
  void pump(std::chrono::milliseconds how_long);
  /// Runs one resolver coroutine (a trace, say) to completion on the io_context; nullopt when
  /// it has not finished within 20 s (the caller REQUIREs it: a hang fails the test, not the
  /// suite).
  template <class T>
  std::optional<T> run(asio::awaitable<T> work) {
    std::optional<T> result;
    asio::co_spawn(io, std::move(work), [&](std::exception_ptr, T r) { result = std::move(r); });
    for (int i = 0; i < 1000 && !result; ++i) {
      if (io.stopped()) io.restart();
      io.run_one_for(std::chrono::milliseconds(20));
    }
    return result;
  }

  /// Queries received by every server of this lab.
  std::size_t total_queries() const;
  /// How long the last resolve()/resolve_all() took.
  std::chrono::milliseconds last_elapsed{0};

  asio::io_context io;  ///< declared first: destroyed last, after every socket
  cache::FakeClock clock;
  cache::RRsetCache rrsets;
  cache::AnswerCache answers;
  cache::InfraCache infra;
  resolver::InflightTable inflight;
  resolver::SecureRandom rng;
  resolver::ResolverStats stats;
  resolver::ResolverOptions options;  ///< query_loopback on, IPv6 off; set before resolver()
  resolver::OutgoingAddresses outgoing;  ///< the transport's source addresses; set before resolver()

 private:
  template <class Done>
  void run_until(Done done, std::chrono::milliseconds bound);

  int case_id_;
  std::map<dns::Name, std::unique_ptr<FakeZone>> zones_;
  std::map<int, std::unique_ptr<FakeAuthority>> servers_;
  std::optional<resolver::RootHints> hints_;
  std::optional<resolver::UdpTcpTransport> transport_;
  std::optional<resolver::Resolver> resolver_;
};

/// Renders records one per line (for Catch's failure messages).
std::string show(const std::vector<dns::Record>& records);
/// The addresses of the A records in `records`, in order.
std::vector<std::string> addresses(const std::vector<dns::Record>& records);
/// A question for `qname`/`type`.
dns::Question question(std::string_view qname, std::uint16_t type = dns::rrtype::A);

}  // namespace tern::testing
