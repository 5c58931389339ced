// Zone cuts: where the walk starts (closest enclosing NS set in the cache, else the primed
// root) and what servers a cut has. Resolving the names of servers that came without glue is
// ns_lookups.cpp.
#include "resolver/limits.hpp"
#include "resolver/log.hpp"
#include "resolver/resolver.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>

#include <algorithm>
#include <map>

namespace tern::resolver {

std::optional<asio::ip::address> record_address(const dns::Record& rr) {
  if (rr.type == dns::rrtype::A && rr.rdata.size() == 4) {
    asio::ip::address_v4::bytes_type b;
    std::copy(rr.rdata.begin(), rr.rdata.end(), b.begin());
    return asio::ip::address(asio::ip::address_v4(b));
  }
  if (rr.type == dns::rrtype::AAAA && rr.rdata.size() == 16) {
    asio::ip::address_v6::bytes_type b;
    std::copy(rr.rdata.begin(), rr.rdata.end(), b.begin());
    return asio::ip::address(asio::ip::address_v6(b));
  }
  return std::nullopt;
}

bool Resolver::usable(const asio::ip::address& a) const {
  if (a.is_v4() ? !options_.do_ip4 : !options_.do_ip6) return false;
  if (a.is_unspecified() || a.is_multicast()) return false;
  // Authorities on loopback are a misconfiguration or an attack on the host itself, except
  // in a lab that asks for them (Unbound: do-not-query-localhost).
  if (a.is_loopback() && !options_.query_loopback) return false;
  if (a.is_v6() && a.to_v6().is_v4_mapped()) return false;
  return true;
}

void Resolver::store_rrsets(const std::vector<dns::Record>& records, cache::Trust trust,
                            const std::string& source, const Budget& budget,
                            const std::vector<dns::Record>& signatures, dnssec::Security security) {
  if (budget.isolated) {  // a trace leaves the caches as they were, and keeps what it learns
    if (budget.spend->learnt) budget.spend->learnt->store(records, trust, source, signatures);
    return;
  }
  std::map<std::pair<dns::Name, std::uint16_t>, std::vector<dns::Record>> sets;
  for (const auto& rr : records) sets[{rr.owner, rr.type}].push_back(rr);
  for (auto& [key, set] : sets) {
    std::vector<dns::Record> sigs;
    for (const auto& sig : signatures)
      if (sig.owner == key.first && dns::rrsig_covered(sig) == key.second) sigs.push_back(sig);
    caches_.rrsets.insert(std::move(set), trust, source, std::move(sigs), security);
  }
}

std::shared_ptr<const cache::RRset> Resolver::known_rrset(const Budget& budget, const dns::Name& owner,
                                                         std::uint16_t type) const {
  if (!budget.isolated) return caches_.rrsets.find(owner, type);
  return budget.spend->learnt ? budget.spend->learnt->find(owner, type) : nullptr;
}

Resolver::ZoneCut Resolver::make_cut(const dns::Name& zone, const std::vector<dns::Record>& ns,
                                     const std::vector<dns::Record>& glue, const Budget& budget) {
  ZoneCut cut{zone, {}, {}, {}, nullptr, nullptr};
  auto add = [&](const asio::ip::address& a) {
    if (usable(a) && std::find(cut.addresses.begin(), cut.addresses.end(), a) == cut.addresses.end())
      cut.addresses.push_back(a);
  };
  for (const auto& rr : ns) {
    auto target = dns::rdata_target(rr);
    if (!target) continue;
    std::size_t before = cut.addresses.size();
    for (const auto& g : glue)
      if (g.owner == *target)
        if (auto a = record_address(g)) add(*a);
    for (std::uint16_t type : {dns::rrtype::A, dns::rrtype::AAAA})
      if (auto set = known_rrset(budget, *target, type))
        for (const auto& r : set->records)
          if (auto a = record_address(r)) add(*a);
    if (cut.addresses.size() == before &&
        std::find(cut.unresolved.begin(), cut.unresolved.end(), *target) == cut.unresolved.end())
      cut.unresolved.push_back(*target);
  }
  return cut;
}

std::optional<Resolver::ZoneCut> Resolver::cut_from_cache(const dns::Name& zone, const Budget& budget) {
  auto ns = known_rrset(budget, zone, dns::rrtype::NS);
  if (!ns) return std::nullopt;
  ZoneCut cut = make_cut(zone, ns->records, {}, budget);
  if (cut.addresses.empty() && cut.unresolved.empty()) return std::nullopt;
  return cut;
}

// RFC 1034 §5.3.3 step 2: find the best servers to ask, those of the closest enclosing zone
// whose NS set is known (the root's, primed from the hints, at worst). Which of them is asked
// first is step 3's choice (choose_server: smoothed RTT).
asio::awaitable<Resolver::ZoneCut> Resolver::closest_cut(const dns::Name& name, Budget& budget) {
  for (dns::Name zone = name;; zone = zone.parent()) {
    // A stub zone starts at its configured servers, never at a delegation from above; cuts
    // below it that its servers referred to are in the cache and were found first.
    if (const ZoneRoute* stub = budget.routes ? budget.routes->stub_at(zone) : nullptr)
      co_return configured_cut(*stub);
    // RFC 9520 §3.3 (updating RFC 4697): a zone whose servers failed moments ago is not asked
    // about again, not even at its parent once its delegation has expired. The empty cut
    // stops the walk at remembered_zone_failure(). This is what keeps a TsuNAME cycle's
    // upstream cost bounded by the failure's memory rather than by the delegations' TTLs.
    // A serve-stale recheck goes past it (see remembered_zone_failure).
    // A trace remembers no failure (remembered_zone_failure), so it reads none either.
    if (!zone.is_root() && !budget.past_zone_failures && !budget.isolated &&
        caches_.answers.failures().remembered(cache::FailureKey::zone_of(zone)))
      co_return ZoneCut{zone, {}, {}, {}, nullptr, nullptr};
    if (auto cut = cut_from_cache(zone, budget)) co_return std::move(*cut);
    if (zone.is_root()) break;
  }
  co_return hinted_root(budget);
}

Resolver::ZoneCut Resolver::hinted_root(Budget& budget) {
  prime_in_background(budget);
  return make_cut(dns::Name(), hints_.ns, hints_.addresses, budget);
}

void Resolver::prime_in_background(const Budget& budget) {
  if (budget.isolated) {
    // A trace asks what a cold resolution asks: the priming too, once per trace, off its
    // critical path (the branch starts a chain of its own: last_hop -1).
    if (budget.spend->priming_started || budget.spend->finished) return;
    budget.spend->priming_started = true;
    Budget branch = budget;
    branch.last_hop = -1;
    asio::co_spawn(executor_, prime(std::move(branch)), asio::detached);
    return;
  }
  const cache::TimePoint now = caches_.infra.clock().now();
  if (priming_ || now < next_priming_) return;
  priming_ = true;
  // Its own budget: the walk that started it may return first; the primed set is for all.
  Budget own;
  own.spend->deadline = std::chrono::steady_clock::now() + limits::resolution_deadline;
  own.routes = budget.routes;
  // The handler, not a capturing coroutine lambda: a lambda's captures die with the
  // temporary closure while its coroutine still runs.
  asio::co_spawn(executor_, prime(std::move(own)), [this](std::exception_ptr error, bool primed) {
    if (error) primed = false;  // prime() catches nothing: a bad_alloc, say, ends here
    priming_ = false;
    if (!primed) next_priming_ = caches_.infra.clock().now() + limits::priming_retry_interval;
  });
}

asio::awaitable<bool> Resolver::prime(Budget budget) {
  // RFC 8109: ask the hinted servers for the current root NS set; walks use that, not the
  // hints, once it is stored.
  ZoneCut hinted = make_cut(dns::Name(), hints_.ns, hints_.addresses, budget);
  // Arguments of a co_await are named locals, never temporaries: g++ 12 destroys temporaries
  // inside a co_await expression twice (GCC PR 107288 family).
  const dns::Question priming{dns::Name(), dns::rrtype::NS, dns::class_in};
  auto got = co_await ask_zone(hinted, priming, budget);
  if (got && got->cls.kind == ResponseKind::answer) {
    // With its RRSIGs: a client asking ". NS" is served this set, validated like any other.
    store_rrsets(got->cls.chain, cache::Trust::answer_auth, got->server, budget, got->cls.signatures);
    store_rrsets(got->reply.additional, cache::Trust::glue, got->server, budget);
    if (auto cut = cut_from_cache(dns::Name(), budget)) {
      log::info("primed the root: {} servers, {} addresses", got->cls.chain.size(), cut->addresses.size());
      co_return true;
    }
  }
  if (!abandoned(budget)) log::warning("root priming failed; walking from the hints");
  co_return false;
}

}  // namespace tern::resolver
