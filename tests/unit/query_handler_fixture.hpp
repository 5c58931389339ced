// The fixture of the query-handler tests: a real QueryHandler and Resolver whose transport is a
// scripted stand-in (no sockets), shared by query_handler_test.cpp and the hit path's
// allocation test (hit_path_alloc_test.cpp).
#pragma once

#include "helpers.hpp"

#include "daemon/config/access_control.hpp"
#include "daemon/answering/query_handler.hpp"

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/use_future.hpp>

#include <functional>

namespace tern::daemon {

/// The tests' access to QueryHandler's resolution stand-in (ternd defines no such type, so a
/// production ternd cannot reach it).
struct QueryHandlerTestAccess {
  static void replace_resolution(QueryHandler& handler,
                                 std::function<asio::awaitable<resolver::Outcome>(dns::Question)> resolution) {
    handler.resolution_for_tests_ = std::move(resolution);
  }
};

}  // namespace tern::daemon

namespace tern::test {

/// An RRSIG over `owner`'s RRset of `covered` (the signature octets are not checked here).
inline dns::Record test_rrsig(const std::string& owner, const char* covered) {
  return rr((owner + " 300 IN RRSIG " + covered + " 13 2 300 20300101000000 20200101000000 4242 . " +
             std::string(86, 'A') + "==").c_str());
}

/// An authority for everything: primes the root, answers any A question with 192.0.2.1 and
/// any TXT question with ten 200-octet strings (too big for 512 octets). Names under signed.
/// come with the RRSIG of their answer (as to a query with DO=1, which tern sends).
class AnsweringTransport final : public resolver::UpstreamTransport {
 public:
  asio::awaitable<resolver::ExchangeResult> exchange(const resolver::ExchangeRequest& request) override {
    ++calls;
    asked.push_back(request.question);
    if (script)
      if (auto scripted = script(request)) co_return std::move(*scripted);
    resolver::ExchangeResult r;
    r.status = resolver::ExchangeStatus::ok;
    const dns::Question& q = request.question;
    if (q.name.is_root())
      r.reply = reply(q, true, rrs({". 3600 IN NS a.root."}), {}, rrs({"a.root. 3600 IN A 127.9.9.9"}));
    else if (q.type == dns::rrtype::TXT) {
      std::vector<dns::Record> txt;
      for (int i = 0; i < 10; ++i)
        txt.push_back(rr((q.name.to_text() + " 300 IN TXT \"" + std::string(200, 'a' + i) + "\"").c_str()));
      r.reply = reply(q, true, txt);
    } else if (q.type == dns::rrtype::RRSIG)
      r.reply = reply(q, true, {test_rrsig(q.name.to_text(), "A")});
    else
      r.reply = reply(q, true, {dns::Record{q.name, q.type, dns::class_in, 300, std::string("\xc0\x00\x02\x01", 4)}});
    if (!q.name.is_root() && q.name.is_subdomain_of(name("signed")) && q.type != dns::rrtype::RRSIG)
      r.reply.answer.push_back(test_rrsig(q.name.to_text(), dns::type_to_text(q.type).c_str()));
    co_return r;
  }
  int calls = 0;
  std::vector<dns::Question> asked;  ///< every question sent
  /// When set and it returns a result, that result instead of the answers above (a test's
  /// own authorities: delegations, outages).
  std::function<std::optional<resolver::ExchangeResult>(const resolver::ExchangeRequest&)> script;
};

struct Fixture {
  asio::io_context io;
  cache::FakeClock clock;
  cache::RRsetCache rrsets{1 << 20, cache::HashKey{1, 2}, clock, cache::TtlBounds{}};
  cache::AnswerCache answers{1 << 20, cache::HashKey{1, 2}, clock, cache::TtlBounds{}, cache::TtlBounds{0, 3600}};
  cache::InfraCache infra{1 << 16, cache::HashKey{1, 2}, clock};
  resolver::InflightTable inflight;
  resolver::RootHints hints = resolver::parse_root_hints(". 3600 IN NS a.root.\na.root. 3600 IN A 127.9.9.9\n", "test");
  resolver::SecureRandom rng;
  resolver::ResolverStats resolver_stats;
  AnsweringTransport transport;
  resolver::Resolver resolver{io.get_executor(), transport, {rrsets, answers, infra}, inflight, hints,
                              resolver::ResolverOptions{true, true, false}, rng, resolver_stats};
  daemon::DaemonStats stats;
  std::shared_ptr<daemon::ClientPolicy> policy = [] {
    auto p = std::make_shared<daemon::ClientPolicy>();
    p->access_control = daemon::default_access_control();
    return p;
  }();
  daemon::QueryLog query_log;  // off unless a test configures it
  daemon::QueryHandler handler{resolver, answers, stats, policy, query_log};

  std::optional<dns::Message> ask(std::vector<std::uint8_t> packet, const char* client = "127.0.0.1",
                                  daemon::ClientTransport t = daemon::ClientTransport::udp) {
    auto from = asio::ip::make_address(client);
    auto future = asio::co_spawn(io, handler.handle(std::move(packet), from, t), asio::use_future);
    io.restart();
    io.run();
    auto wire = future.get();
    if (!wire) return std::nullopt;
    dns::Message m;
    REQUIRE(dns::parse_message(*wire, m) == dns::WireError::none);
    return m;
  }
};

inline std::vector<std::uint8_t> query(const char* qname, std::uint16_t type = dns::rrtype::A,
                                std::function<void(dns::Message&)> tweak = {}) {
  dns::Message m;
  m.id = 0x1234;
  m.rd = true;
  m.questions = {question(qname, type)};
  m.edns = dns::Edns{1232, 0, false, {}};
  if (tweak) tweak(m);
  return *dns::build_message(m);
}


}  // namespace tern::test
