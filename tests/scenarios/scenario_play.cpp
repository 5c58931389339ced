// Plays one scenario against a Resolver: its servers are ScriptedServers behind
// InProcessUpstream (no socket, virtual time), answering from the scenario's zones or its
// scripted replies as they stand at that point of the file; its caches run on a FakeClock
// that only `time` steps move. Each query step is checked whole (rcode, EDE, answer,
// authority, upstream queries); the first step that differs ends the play with a diff.
#include "tests/scenarios/scenario.hpp"

#include "cache/answer_cache.hpp"
#include "cache/clock.hpp"
#include "cache/infra_cache.hpp"
#include "cache/rrset_cache.hpp"
#include "resolver/root_hints.hpp"
#include "tests/support/in_process_upstream.hpp"
#include "tests/support/scripted_server.hpp"

#include <asio/co_spawn.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <set>

namespace tern::scenario {

namespace {

using namespace std::chrono_literals;
using testing::Action;

constexpr std::size_t cache_bytes = 16u << 20;
/// A question not answered within this much virtual time is a hang: the step fails.
constexpr auto resolve_bound = 60s;
/// After an answer, work the walk left running (lookups in flight) may go on this long; what
/// it asks counts towards the step that started it.
constexpr auto settle_time = 30s;

/// The authorities as the file has set them up so far.
struct World {
  std::map<std::string, std::unique_ptr<testing::FakeZone>> zones;  ///< by origin
  std::map<std::string, std::set<std::string>> zone_servers;        ///< origin: its addresses
  std::map<std::string, ReplyStep> replies;                         ///< by "ADDR QNAME QTYPE"

  void apply(const ZoneStep& z) {
    auto zone = std::make_unique<testing::FakeZone>(z.origin);
    for (const std::string& rr : z.records) zone->add(rr);
    zones[z.origin] = std::move(zone);
    zone_servers[z.origin] = std::set<std::string>(z.servers.begin(), z.servers.end());
  }
  void apply(const ReplyStep& p) {
    const std::string key = p.server + " " + p.qname + " " + p.qtype;
    if (p.zone) replies.erase(key);
    else replies[key] = p;
  }

  /// What the server at `address` does with `query`: a scripted reply for the question, else
  /// the deepest zone it serves that holds the name, else REFUSED (not authoritative).
  Action respond(const std::string& address, const dns::Message& query) const {
    if (query.questions.size() != 1) return Action::rcode(dns::rcode::formerr);
    const dns::Question& q = query.questions.front();
    const std::string name = q.name.to_text();
    auto scripted = replies.find(address + " " + name + " " + dns::type_to_text(q.type));
    if (scripted == replies.end()) scripted = replies.find(address + " " + name + " *");
    if (scripted != replies.end()) return scripted_action(scripted->second);
    const testing::FakeZone* best = nullptr;
    for (const auto& [origin, zone] : zones) {
      if (!zone_servers.at(origin).contains(address) || !q.name.is_subdomain_of(zone->origin())) continue;
      if (!best || zone->origin().label_count() > best->origin().label_count()) best = zone.get();
    }
    if (!best) return Action::rcode(dns::rcode::refused);
    return best->respond(query);
  }

  static Action scripted_action(const ReplyStep& p) {
    if (p.silent) return Action::silence();
    dns::Message m;
    m.rcode = p.rcode;
    m.aa = p.aa;
    for (const auto& rr : p.answer) m.answer.push_back(testing::record(rr));
    for (const auto& rr : p.authority) m.authority.push_back(testing::record(rr));
    for (const auto& rr : p.additional) m.additional.push_back(testing::record(rr));
    return Action::answer(std::move(m));
  }
};

std::vector<std::string> rendered(const std::vector<dns::Record>& records) {
  std::vector<std::string> out;
  for (const auto& rr : records) out.push_back(dns::record_to_text(rr, rr.ttl));
  return out;
}

/// "- expected" / "+ got" lines for what the two (sorted) lists do not share.
std::string diff(std::vector<std::string> expected, std::vector<std::string> got) {
  std::sort(expected.begin(), expected.end());
  std::sort(got.begin(), got.end());
  std::vector<std::string> missing, extra;
  std::set_difference(expected.begin(), expected.end(), got.begin(), got.end(), std::back_inserter(missing));
  std::set_difference(got.begin(), got.end(), expected.begin(), expected.end(), std::back_inserter(extra));
  std::string out;
  for (const auto& l : missing) out += "    - " + l + "\n";
  for (const auto& l : extra) out += "    + " + l + "\n";
  return out;
}

/// Upstream queries against the step's sent (each once) and may (any number) lines.
std::string upstream_diff(const QueryStep& q, const std::vector<std::string>& got) {
  std::multiset<std::string> sent(q.sent.begin(), q.sent.end());
  const std::set<std::string> may(q.may.begin(), q.may.end());
  std::string out;
  for (const auto& g : got) {
    if (auto it = sent.find(g); it != sent.end()) sent.erase(it);
    else if (!may.contains(g)) out += "    + " + g + "   (not expected)\n";
  }
  for (const auto& s : sent) out += "    - " + s + "   (expected, not sent)\n";
  return out;
}

class Player {
 public:
  explicit Player(const Scenario& s)
      : scenario_(s),
        rrsets_(cache_bytes, cache::random_hash_key(), clock_, cache::TtlBounds{0, 86400}),
        answers_(cache_bytes, cache::random_hash_key(), clock_, cache::TtlBounds{0, 86400},
                 cache::TtlBounds{0, 3600}),
        infra_(cache_bytes, cache::random_hash_key(), clock_),
        upstream_(io_, rng_),
        hints_(resolver::parse_root_hints(s.hints, s.path + " hints")) {
    for (const std::string& address : addresses())
      servers_.push_back(&upstream_.add(asio::ip::make_address(address),
                                        [this, address](const dns::Message& query, testing::Transport) {
                                          return world_.respond(address, query);
                                        }));
    resolver_.emplace(io_.get_executor(), upstream_, resolver::ResolverCaches{rrsets_, answers_, infra_},
                      inflight_, hints_, s.options, rng_, stats_);
  }

  std::optional<std::string> play() {
    std::size_t queries = 0;
    for (const Step& step : scenario_.steps) {
      if (const auto* z = std::get_if<ZoneStep>(&step.what)) world_.apply(*z);
      else if (const auto* p = std::get_if<ReplyStep>(&step.what)) world_.apply(*p);
      else if (const auto* t = std::get_if<TimeStep>(&step.what)) clock_.advance(t->by);
      else if (const auto* q = std::get_if<QueryStep>(&step.what)) {
        ++queries;
        if (auto mismatch = check(*q)) {
          return scenario_.path + ":" + std::to_string(step.line) + ": query " + std::to_string(queries) +
                 " (" + q->qname + " " + dns::type_to_text(q->qtype) + "):\n" + *mismatch;
        }
      }
    }
    return std::nullopt;
  }

 private:
  /// Every address the file names: each gets a server from the start (one that serves
  /// nothing yet answers REFUSED); any other address is unreachable.
  std::set<std::string> addresses() const {
    std::set<std::string> out;
    for (const auto& rr : hints_.addresses) out.insert(testing::a_text(rr));
    for (const Step& step : scenario_.steps) {
      if (const auto* z = std::get_if<ZoneStep>(&step.what)) out.insert(z->servers.begin(), z->servers.end());
      if (const auto* p = std::get_if<ReplyStep>(&step.what)) out.insert(p->server);
    }
    return out;
  }

  /// Runs the io_context until `done` or `bound` of virtual time from now.
  void run(const std::function<bool()>& done, testing::VirtualTime::Duration bound) {
    const auto end = upstream_.time().now() + bound;
    const auto real_end = std::chrono::steady_clock::now() + 30s;  // a walk that never waits
    while (!done() && std::chrono::steady_clock::now() < real_end) {
      if (io_.stopped()) io_.restart();
      if (io_.poll() > 0) continue;
      if (!upstream_.time().advance(end)) break;
    }
  }

  std::vector<std::string> upstream_since(std::vector<std::size_t>& seen) const {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < servers_.size(); ++i) {
      const auto& received = servers_[i]->received();
      for (std::size_t k = seen[i]; k < received.size(); ++k)
        out.push_back(upstream_key(servers_[i]->address().to_string(), received[k].question.name,
                                   received[k].question.type));
      seen[i] = received.size();
    }
    return out;
  }

  std::optional<std::string> check(const QueryStep& q) {
    seen_.resize(servers_.size(), 0);
    upstream_since(seen_);  // anything left over was counted by the step before
    auto result = std::make_shared<std::optional<resolver::Outcome>>();
    asio::co_spawn(io_, resolver_->resolve(dns::Question{*dns::Name::from_text(q.qname), q.qtype, dns::class_in}),
                   [result](std::exception_ptr e, resolver::Outcome o) {
                     if (!e) *result = std::move(o);
                   });
    run([&] { return result->has_value(); }, resolve_bound);
    if (!*result) return std::string("    no answer within ") + std::to_string(resolve_bound.count()) + " s\n";
    run([] { return false; }, settle_time);
    const resolver::Outcome& got = **result;
    const std::vector<std::string> upstream = upstream_since(seen_);

    std::string out;
    if (got.rcode != q.rcode)
      out += "  rcode:\n    - " + dns::rcode_to_text(q.rcode) + "\n    + " + dns::rcode_to_text(got.rcode) +
             (got.ede_text.empty() ? "" : " (" + got.ede_text + ")") + "\n";
    if (q.ede && got.ede != q.ede)
      out += "  ede:\n    - " + std::to_string(*q.ede) + "\n    + " + (got.ede ? std::to_string(*got.ede) : "none") + "\n";
    if (auto d = diff(q.answer, rendered(got.answer)); !d.empty()) out += "  answer:\n" + d;
    if (auto d = diff(q.authority, rendered(got.authority)); !d.empty()) out += "  authority:\n" + d;
    if (auto d = upstream_diff(q, upstream); !d.empty()) {
      out += "  upstream:\n" + d + "    sent, by server:\n";
      for (const auto& u : upstream) out += "      " + u + "\n";
    }
    return out.empty() ? std::nullopt : std::optional<std::string>(out);
  }

  const Scenario& scenario_;
  asio::io_context io_;  ///< first: destroyed last
  cache::FakeClock clock_;
  cache::RRsetCache rrsets_;
  cache::AnswerCache answers_;
  cache::InfraCache infra_;
  resolver::InflightTable inflight_;
  resolver::SecureRandom rng_;
  resolver::ResolverStats stats_;
  World world_;
  testing::InProcessUpstream upstream_;
  resolver::RootHints hints_;
  std::vector<testing::ScriptedServer*> servers_;  ///< owned by upstream_
  std::vector<std::size_t> seen_;                  ///< queries of each server already counted
  std::optional<resolver::Resolver> resolver_;
};

}  // namespace

std::optional<std::string> play_scenario(const Scenario& scenario) {
  Player player(scenario);
  return player.play();
}

}  // namespace tern::scenario
