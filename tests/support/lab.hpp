// The fixture of whole-walk tests: a fake DNS hierarchy of scripted servers
// (scripted_server.hpp), the caches, and a Resolver, all on one io_context that the test
// thread runs. The servers live on one of two networks, chosen by the constructor:
//
//   Lab lab(case_id)      real loopback sockets 127.77.<case>.<server>:53 (root) behind the
//                         resolver's real UdpTcpTransport; real time. Every test case gets its
//                         own address range so that cases never share a server. Case ids in
//                         use (tests/resolver/): spoofing_test 40-42, transport_test 50 and 54,
//                         protocol_test 66-73, malformed_reply_test 110-111,
//                         spoofing_flood_test 112-116.
//   Lab lab(in_process)   InProcessUpstream (in_process_upstream.hpp): no socket, any user,
//                         virtual time (a timeout costs no real time); servers at
//                         10.53.0.<server>. The walk suite (tests/walk/).
//
// The standard hierarchy (standard()), by server number:
//   .            a.root.test.      1   delegates test. and net.
//   test.        ns1.nic.test.     2   delegates example.test. (two servers, glue)
//   net.         ns1.nic.net.      3
//   example.test ns1/ns2.example.test.  10 / 11   www A 192.0.2.1, mail A 192.0.2.2
#pragma once

#include "cache/answer_cache.hpp"
#include "cache/clock.hpp"
#include "cache/infra_cache.hpp"
#include "cache/rrset_cache.hpp"
#include "resolver/coalescing_transport.hpp"
#include "resolver/resolver.hpp"
#include "resolver/udp_tcp_transport.hpp"
#include "tests/support/scripted_server.hpp"

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>

#include <chrono>
#include <functional>
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

/// Where a lab's servers live and how its time passes (lab.cpp: loopback or in-process).
class LabNetwork {
 public:
  using Duration = std::chrono::steady_clock::duration;
  virtual ~LabNetwork() = default;
  virtual ScriptedServer& add(const std::string& address, Handler handler) = 0;
  /// The transport the resolver uses, made at the first call with these source addresses
  /// (the in-process network has no sources: it ignores them).
  virtual resolver::UpstreamTransport& transport(const resolver::OutgoingAddresses& outgoing) = 0;
  /// Time since the network was made (real or virtual).
  virtual Duration now() const = 0;
  /// Runs what is ready, or lets time pass towards `until`; false when nothing more can
  /// happen before `until` (then now() is `until`, or later on a real clock).
  virtual bool step(Duration until) = 0;
};

/// Selects the in-process network: Lab lab(in_process); Lab lab(in_process_ipv6): its servers
/// at fd00:53::<server> and the resolver with do-ip4 off, do-ip6 on.
struct InProcess {
  bool ipv6 = false;
};
inline constexpr InProcess in_process{};
inline constexpr InProcess in_process_ipv6{true};

class Lab {
 public:
  /// Loopback sockets: case_id (1..254) picks the address range 127.77.<case_id>.0/24
  /// ($TERN_RTEST_NET moves 127.77).
  explicit Lab(int case_id);
  /// No sockets, virtual time: see InProcessUpstream.
  explicit Lab(InProcess);
  ~Lab();

  /// "127.77.<case>.<server>" on loopback, "10.53.0.<server>" in process (IPv6: "fd00:53::<server>").
  std::string address(int server) const;
  /// The zone with this origin, created (with its SOA) on first use.
  FakeZone& zone(std::string_view origin);
  /// Starts a server on address(server) answering with `handler` (replaces nothing: one
  /// server per number). Returns it for counting.
  ScriptedServer& serve(int server, Handler handler);
  ScriptedServer& serve(int server, std::string_view zone_origin);
  ScriptedServer& server(int server);
  /// Root hints naming one root server `ns_name` at address(server); the root zone gets the
  /// apex NS and its address too.
  void set_root(int server, std::string_view ns_name);
  /// Builds the standard hierarchy described at the top of this file and starts its servers;
  /// example_servers = 1 leaves ns2.example.test out.
  void standard(int example_servers = 2);

  resolver::Resolver& resolver();
  /// Resolves one question to completion on the io_context; a resolution that does not end
  /// within `bound` (the network's time) fails the test (a hang must fail, not block the suite).
  Outcome resolve(std::string_view qname, std::uint16_t type = dns::rrtype::A,
                  std::chrono::milliseconds bound = 15s);
  /// Starts every question at once, then runs until all are answered (or `bound`).
  std::vector<Outcome> resolve_all(const std::vector<dns::Question>& questions,
                                   std::chrono::milliseconds bound = 15s);
  /// Runs the io_context for `how_long` of the network's time (lets late replies arrive).
  void pump(std::chrono::milliseconds how_long);
  /// Runs one resolver coroutine (a trace, say) to completion on the io_context; nullopt when
  /// it has not finished within 20 s (the caller REQUIREs it: a hang fails the test, not the
  /// suite).
  template <class T>
  std::optional<T> run(asio::awaitable<T> work) {
    auto result = std::make_shared<std::optional<T>>();
    asio::co_spawn(io, std::move(work), [result](std::exception_ptr, T r) { *result = std::move(r); });
    run_until([&] { return result->has_value(); }, std::chrono::seconds(20));
    return std::move(*result);
  }

  /// Queries received by every server of this lab.
  std::size_t total_queries() const;
  /// How long the last resolve()/resolve_all() took (the network's time: virtual in process).
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
  /// Identical exchanges in flight sent once (CoalescingTransport), as the daemon's workers
  /// do; off by default, so that a test counts every exchange its walks make. Set before resolver().
  bool coalesce_exchanges = false;

 private:
  /// Runs the io_context until done() or `bound` of the network's time (or, as a guard
  /// against a walk that never waits, `bound` plus 30 s of real time).
  void run_until(const std::function<bool()>& done, std::chrono::milliseconds bound);

  std::string address_prefix_;  ///< "127.77.<case>." or "10.53.0."
  std::unique_ptr<LabNetwork> network_;
  std::map<dns::Name, std::unique_ptr<FakeZone>> zones_;
  std::map<int, ScriptedServer*> servers_;  ///< owned by network_
  std::optional<resolver::RootHints> hints_;
  std::optional<resolver::CoalescingTransport> coalescing_;  ///< with coalesce_exchanges
  std::optional<resolver::Resolver> resolver_;
};

/// Renders records one per line (for Catch's failure messages).
std::string show(const std::vector<dns::Record>& records);
/// The addresses of the A records in `records`, in order.
std::vector<std::string> addresses(const std::vector<dns::Record>& records);
/// A question for `qname`/`type`.
dns::Question question(std::string_view qname, std::uint16_t type = dns::rrtype::A);

}  // namespace tern::testing
