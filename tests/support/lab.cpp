#include "tests/support/lab.hpp"

#include "resolver/udp_tcp_transport.hpp"
#include "tests/support/fake_authority.hpp"
#include "tests/support/in_process_upstream.hpp"

#include <asio/co_spawn.hpp>
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <string>

namespace tern::testing {

namespace {

constexpr std::size_t cache_bytes = 16u << 20;

/// FakeAuthority servers on loopback, the real transport, the real clock.
class LoopbackNetwork final : public LabNetwork {
 public:
  LoopbackNetwork(asio::io_context& io, resolver::SecureRandom& rng)
      : io_(io), rng_(rng) {}
  ScriptedServer& add(const std::string& address, Handler handler) override {
    servers_.push_back(std::make_unique<FakeAuthority>(io_, address, std::move(handler)));
    return servers_.back()->script();
  }
  resolver::UpstreamTransport& transport(const resolver::OutgoingAddresses& outgoing) override {
    if (!transport_) transport_.emplace(io_.get_executor(), outgoing, rng_);
    return *transport_;
  }
  Duration now() const override { return std::chrono::steady_clock::now() - start_; }
  bool step(Duration until) override {
    if (now() >= until) return false;
    if (io_.stopped()) io_.restart();
    io_.run_one_for(std::min<Duration>(20ms, until - now()));
    return true;
  }

 private:
  asio::io_context& io_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  resolver::SecureRandom& rng_;
  std::optional<resolver::UdpTcpTransport> transport_;
  std::vector<std::unique_ptr<FakeAuthority>> servers_;
};

/// ScriptedServers behind InProcessUpstream, on its virtual clock.
class InProcessNetwork final : public LabNetwork {
 public:
  InProcessNetwork(asio::io_context& io, resolver::SecureRandom& rng) : io_(io), upstream_(io, rng) {}
  ScriptedServer& add(const std::string& address, Handler handler) override {
    return upstream_.add(asio::ip::make_address(address), std::move(handler));
  }
  resolver::UpstreamTransport& transport(const resolver::OutgoingAddresses&) override { return upstream_; }
  Duration now() const override { return upstream_.time().now(); }
  bool step(Duration until) override {
    // Virtual time moves only when nothing is ready: every handler a reply or a cancelled
    // wait makes ready runs first, at the same virtual instant.
    if (io_.stopped()) io_.restart();
    if (io_.poll() > 0) return true;
    return upstream_.time().advance(until);
  }
  ~InProcessNetwork() override {
    // Forgeries and floods only the socket front end sends: a test that scripts them here
    // would pass without ever meeting them.
    CHECK(upstream_.wire_only_actions() == 0);
  }

 private:
  asio::io_context& io_;
  InProcessUpstream upstream_;
};

}  // namespace

Lab::Lab(int case_id)
    : rrsets(cache_bytes, cache::random_hash_key(), clock, cache::TtlBounds{0, 86400}),
      answers(cache_bytes, cache::random_hash_key(), clock, cache::TtlBounds{0, 86400},
              cache::TtlBounds{0, 3600}),
      infra(cache_bytes, cache::random_hash_key(), clock),
      network_(std::make_unique<LoopbackNetwork>(io, rng)) {
  // $TERN_RTEST_NET moves the range so that two checkouts can run this suite at the same time.
  const char* env = std::getenv("TERN_RTEST_NET");
  address_prefix_ = std::string(env != nullptr && *env != '\0' ? env : "127.77") + "." + std::to_string(case_id) + ".";
  options.query_loopback = true;
  options.do_ip6 = false;
}

Lab::Lab(InProcess where)
    : rrsets(cache_bytes, cache::random_hash_key(), clock, cache::TtlBounds{0, 86400}),
      answers(cache_bytes, cache::random_hash_key(), clock, cache::TtlBounds{0, 86400},
              cache::TtlBounds{0, 3600}),
      infra(cache_bytes, cache::random_hash_key(), clock),
      address_prefix_(where.ipv6 ? "fd00:53::" : "10.53.0."),  // nothing is bound: any address would do
      network_(std::make_unique<InProcessNetwork>(io, rng)) {
  options.query_loopback = true;
  options.do_ip4 = !where.ipv6;
  options.do_ip6 = where.ipv6;
}

Lab::~Lab() {
  resolver_.reset();
  network_.reset();  // closes the sockets; pending handlers die with the io_context
}

std::string Lab::address(int server) const { return address_prefix_ + std::to_string(server); }

FakeZone& Lab::zone(std::string_view origin) {
  auto& slot = zones_[name(origin)];
  if (!slot) slot = std::make_unique<FakeZone>(origin);
  return *slot;
}

ScriptedServer& Lab::serve(int number, Handler handler) {
  auto& slot = servers_[number];
  REQUIRE_FALSE(slot);
  slot = &network_->add(address(number), std::move(handler));
  return *slot;
}

ScriptedServer& Lab::serve(int number, std::string_view zone_origin) {
  return serve(number, zone(zone_origin).handler());
}

ScriptedServer& Lab::server(int number) {
  auto it = servers_.find(number);
  REQUIRE(it != servers_.end());
  return *it->second;
}

void Lab::set_root(int number, std::string_view ns_name) {
  const std::string ns(ns_name);
  const bool v6 = address(number).find(':') != std::string::npos;
  hints_ = resolver::parse_root_hints(". 3600000 IN NS " + ns + "\n" + ns + (v6 ? " 3600000 IN AAAA " : " 3600000 IN A ") +
                                          address(number) + "\n",
                                      "lab hints");
  zone(".").delegate(".", ns, address(number));
}

void Lab::standard(int example_servers) {
  set_root(srv::root, "a.root.test.");
  zone(".").delegate("test.", "ns1.nic.test.", address(srv::tld_test))
           .delegate("net.", "ns1.nic.net.", address(srv::tld_net));
  zone("net.");
  FakeZone& example = zone("example.test.");
  for (int i = 0; i < example_servers; ++i) {
    const std::string ns = "ns" + std::to_string(i + 1) + ".example.test.";
    const std::string a = address(srv::example1 + i);
    zone("test.").delegate("example.test.", ns, a);
    example.add("example.test. 300 IN NS " + ns).add(ns + " 300 IN A " + a);
  }
  example.add("www.example.test. 300 IN A 192.0.2.1").add("mail.example.test. 300 IN A 192.0.2.2");
  serve(srv::root, ".");
  serve(srv::tld_test, "test.");
  serve(srv::tld_net, "net.");
  for (int i = 0; i < example_servers; ++i) serve(srv::example1 + i, "example.test.");
}

resolver::Resolver& Lab::resolver() {
  if (!resolver_) {
    REQUIRE(hints_);
    resolver::UpstreamTransport* transport = &network_->transport(outgoing);
    if (coalesce_exchanges) transport = &coalescing_.emplace(*transport, stats.upstream_shared);
    resolver_.emplace(io.get_executor(), *transport, resolver::ResolverCaches{rrsets, answers, infra},
                      inflight, *hints_, options, rng, stats);
  }
  return *resolver_;
}

void Lab::run_until(const std::function<bool()>& done, std::chrono::milliseconds bound) {
  const LabNetwork::Duration end = network_->now() + bound;
  const auto real_end = std::chrono::steady_clock::now() + bound + 30s;
  while (!done() && std::chrono::steady_clock::now() < real_end)
    if (!network_->step(end)) break;
}

void Lab::pump(std::chrono::milliseconds how_long) {
  run_until([] { return false; }, how_long);
}

Outcome Lab::resolve(std::string_view qname, std::uint16_t type, std::chrono::milliseconds bound) {
  auto outcomes = resolve_all({question(qname, type)}, bound);
  return outcomes.front();
}

std::vector<Outcome> Lab::resolve_all(const std::vector<dns::Question>& questions,
                                      std::chrono::milliseconds bound) {
  auto results = std::make_shared<std::vector<std::optional<Outcome>>>(questions.size());
  resolver::Resolver& r = resolver();
  const LabNetwork::Duration start = network_->now();
  for (std::size_t i = 0; i < questions.size(); ++i)
    asio::co_spawn(io, r.resolve(questions[i]), [results, i](std::exception_ptr e, Outcome o) {
      if (!e) (*results)[i] = std::move(o);
    });
  auto all_done = [&] {
    return std::all_of(results->begin(), results->end(), [](const auto& o) { return o.has_value(); });
  };
  run_until(all_done, bound);
  last_elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(network_->now() - start);
  if (!all_done()) FAIL("resolution did not finish within " << bound.count() << " ms");
  std::vector<Outcome> out;
  for (auto& o : *results) out.push_back(std::move(*o));
  return out;
}

std::size_t Lab::total_queries() const {
  std::size_t n = 0;
  for (const auto& [number, server] : servers_) n += server->queries();
  return n;
}

std::string show(const std::vector<dns::Record>& records) {
  std::string out;
  for (const auto& rr : records) out += dns::record_to_text(rr, rr.ttl) + "\n";
  return out;
}

std::vector<std::string> addresses(const std::vector<dns::Record>& records) {
  std::vector<std::string> out;
  for (const auto& rr : records)
    if (rr.type == dns::rrtype::A) out.push_back(a_text(rr));
  return out;
}

dns::Question question(std::string_view qname, std::uint16_t type) {
  return dns::Question{name(qname), type, dns::class_in};
}

}  // namespace tern::testing
