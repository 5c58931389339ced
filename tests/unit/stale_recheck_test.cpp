// Serve-stale's recheck (RFC 8767 §5) and the failure cache (RFC 9520): how long the stale
// answer outlives the outage. The recheck runs at most every stale_recheck_interval per entry;
// the zone's failure mark, doubled by every failed walk into the zone up to
// cache-max-failure-ttl (60 s), must not hold it back once the authority is back.
#include "query_handler_fixture.hpp"

#include "cache/failure_cache.hpp"

#include <optional>
#include <string>

using namespace tern;
using namespace tern::test;

namespace {

/// example.lab., delegated by the root to one server that is down (unreachable: a zone-wide
/// failure) or up, answering www with `address` (TTL 30) and every other name with 192.0.2.99.
struct ExampleLab {
  bool down = false;
  std::string address = "192.0.2.1";

  std::optional<resolver::ExchangeResult> answer(const resolver::ExchangeRequest& request) const {
    const dns::Question& q = request.question;
    resolver::ExchangeResult r;
    r.status = resolver::ExchangeStatus::ok;
    if (request.server == asio::ip::make_address("127.9.9.9")) {
      if (q.name.is_root()) return std::nullopt;  // priming: the fixture's answer
      r.reply = reply(q, false, {}, rrs({"example.lab. 3600 IN NS ns.example.lab."}),
                      rrs({"ns.example.lab. 3600 IN A 127.9.9.10"}));
      return r;
    }
    if (down) {
      r.status = resolver::ExchangeStatus::unreachable;
      return r;
    }
    const std::string to = q.name == name("www.example.lab.") ? address : "192.0.2.99";
    r.reply = reply(q, true, {rr((q.name.to_text() + " 30 IN A " + to).c_str())});
    return r;
  }
};

/// The first answer's IPv4 address, dotted ("" without one).
std::string first_address(const dns::Message& m) {
  if (m.answer.empty() || m.answer.front().rdata.size() != 4) return {};
  const std::string& a = m.answer.front().rdata;
  std::string out;
  for (std::size_t i = 0; i < 4; ++i)
    out += (i ? "." : "") + std::to_string(static_cast<unsigned char>(a[i]));
  return out;
}

}  // namespace

TEST_CASE("serve-stale: the stale answer ends within the recheck interval of the zone's return, "
          "whatever the zone's failure mark", "[handler][serve-stale][failure-cache]") {
  Fixture f;
  auto policy = std::make_shared<daemon::ClientPolicy>(*f.policy);
  policy->serve_stale = true;
  f.handler.set_policy(policy);
  resolver::ResolverOptions options{true, true, false};
  options.qname_minimisation = resolver::QnameMinimisation::off;
  f.resolver.set_options(options);
  f.answers.failures().set_bounds(cache::FailureBounds{1, 60});
  ExampleLab lab;
  f.transport.script = [&lab](const resolver::ExchangeRequest& r) { return lab.answer(r); };

  REQUIRE(first_address(*f.ask(query("www.example.lab"))) == "192.0.2.1");
  lab.down = true;
  f.clock.advance(std::chrono::seconds(30));  // www has expired: stale from here on
  // A client asks www and a new name of the zone every second; the authority is back at 63 s.
  const int back_at = 63;
  std::optional<int> fresh_at;
  std::uint32_t mark_when_back = 0;
  for (int t = 31; t <= 150 && !fresh_at; ++t) {
    f.clock.advance(std::chrono::seconds(1));
    if (t == back_at) {
      auto mark = f.answers.failures().find(cache::FailureKey::zone_of(name("example.lab.")));
      mark_when_back = mark ? mark->remaining : 0;
      lab.down = false;
      lab.address = "192.0.2.2";
    }
    auto www = f.ask(query("www.example.lab"));
    REQUIRE(www);
    REQUIRE(www->rcode == dns::rcode::noerror);
    if (first_address(*www) == "192.0.2.2") fresh_at = t;
    f.ask(query(("n" + std::to_string(t) + ".example.lab").c_str()));
  }
  INFO("zone failure mark left when the authority came back: " << mark_when_back << " s");
  CHECK(mark_when_back > 30);  // the case that once stretched the bound
  REQUIRE(fresh_at);
  INFO("fresh answer " << *fresh_at - back_at << " s after the authority came back");
  CHECK(*fresh_at - back_at <= 30);  // stale_recheck_interval; the next client query is 1 s away
  CHECK(f.stats.stale_answers > 0);
}
