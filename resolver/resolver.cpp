#include "resolver/resolver.hpp"

#include "resolver/dname.hpp"
#include "resolver/limits.hpp"
#include "resolver/log.hpp"
#include "resolver/minimise.hpp"


#include <asio/cancellation_state.hpp>
#include <asio/this_coro.hpp>

#include <algorithm>

namespace tern::resolver {

Resolver::Resolver(asio::any_io_executor executor, UpstreamTransport& transport,
                   ResolverCaches caches, InflightTable& inflight, const RootHints& hints,
                   ResolverOptions options, SecureRandom& rng, ResolverStats& stats)
    : executor_(std::move(executor)), transport_(transport), caches_(caches), hints_(hints),
      options_(options), rng_(rng), stats_(stats), inflight_(inflight),
      client_cookie_secret_(cache::random_hash_key()) {}

namespace {

/// Records as a client sees them after `age` seconds in the cache.
std::vector<dns::Record> aged(const std::vector<dns::Record>& records, std::uint32_t age) {
  std::vector<dns::Record> out = records;
  for (auto& rr : out) rr.ttl = rr.ttl > age ? rr.ttl - age : 0;
  return out;
}

/// Weakens `out`'s security by one part's verdict: bogus < indeterminate < insecure < secure.
/// The first bogus part's reason becomes the answer's EDE; an insecure part's reason (an
/// unsupported algorithm, EDE 1/2/27) is told too when nothing else is.
void weaken(Outcome& out, const dnssec::Verdict& part) {
  auto rank = [](dnssec::Security s) {
    switch (s) {
      case dnssec::Security::bogus: return 0;
      case dnssec::Security::indeterminate: return 1;
      case dnssec::Security::insecure: return 2;
      case dnssec::Security::secure: return 3;
    }
    return 0;
  };
  if (rank(part.security) >= rank(out.security)) return;
  out.security = part.security;
  if (part.security == dnssec::Security::bogus) {
    out.ede = part.ede != 0 ? part.ede : dnssec::ede::dnssec_bogus;
    out.ede_text = part.why;
  } else if (part.security == dnssec::Security::insecure && part.ede != 0 && !out.ede) {
    out.ede = part.ede;
    out.ede_text = part.why;
  }
}

/// Whether `records` hold one of `type` (RRSIGs after the RRset they sign are not the answer).
bool holds_type(const std::vector<dns::Record>& records, std::uint16_t type) {
  return std::any_of(records.begin(), records.end(), [&](const dns::Record& rr) { return rr.type == type; });
}

}  // namespace

asio::awaitable<Outcome> Resolver::resolve(dns::Question question, bool checking_disabled) {
  return run(std::move(question), RunMode::normal, checking_disabled);
}

asio::awaitable<Outcome> Resolver::refresh(dns::Question question) {
  return run(std::move(question), RunMode::refresh);
}

asio::awaitable<Outcome> Resolver::recheck_stale(dns::Question question) {
  return run(std::move(question), RunMode::stale_recheck);
}

namespace {

/// Collects the hops of one traced walk, and its chain of trust with one link per zone.
struct HopRecorder final : WalkObserver {
  std::vector<WalkHop> hops;
  std::vector<ChainLink> links;
  void hop(const WalkHop& h) override { hops.push_back(h); }
  void chain(const ChainLink& link) override {
    auto same = std::find_if(links.begin(), links.end(), [&](const ChainLink& l) { return l.zone == link.zone; });
    if (same == links.end()) {
      links.push_back(link);
      return;
    }
    if (link.verdict) {  // the zone's keys, told after an RRset of it was already told
      same->ds_source = link.ds_source;
      same->keys = link.keys;
      same->verdict = link.verdict;
    }
    same->signed_sets.insert(same->signed_sets.end(), link.signed_sets.begin(), link.signed_sets.end());
  }
};

}  // namespace

asio::awaitable<TraceResult> Resolver::trace(dns::Question question) {
  HopRecorder recorder;
  Budget budget;
  budget.spend->started = std::chrono::steady_clock::now();
  budget.spend->deadline = budget.spend->started + limits::resolution_deadline;
  budget.spend->observer = &recorder;
  budget.isolated = true;
  budget.spend->learnt = std::make_shared<TraceCache>();
  budget.dnssec = options_.dnssec;  // validated as a client's walk is, its chain told to the recorder
  TraceResult result;
  try {
    result.outcome = co_await walk(question, budget);
  } catch (const std::exception& e) {
    result.outcome = Outcome::servfail(ede::other, std::string("internal error: ") + e.what());
  }
  // NS lookups still running must neither send more nor report to the recorder, which dies here.
  budget.spend->finished = true;
  budget.spend->observer = nullptr;
  result.outcome.upstream_queries = budget.spend->upstream;
  result.total = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                                       budget.spend->started);
  result.hops = std::move(recorder.hops);
  result.chain = std::move(recorder.links);
  result.limit = budget.spend->limit;
  co_return result;
}

namespace {

/// DNSSEC EDE codes (RFC 8914 1-12): a failure remembered with one of these was a bogus answer.
bool dnssec_ede(std::uint16_t code) { return code >= 1 && code <= 12; }

}  // namespace

asio::awaitable<Outcome> Resolver::run(dns::Question question, RunMode mode, bool checking_disabled) {
  const bool refresh = mode == RunMode::refresh;
  if (auto hit = refresh ? std::nullopt : caches_.answers.find(question)) {
    Outcome out;
    out.rcode = hit->entry->rcode;
    const cache::AnswerSections sections = hit->entry->records();
    out.answer = aged(sections.answer, hit->age);
    out.authority = aged(sections.authority, hit->age);
    out.from_cache = true;
    out.security = options_.dnssec ? hit->entry->security : dnssec::Security::indeterminate;
    if (hit->entry->ede) {  // an insecure answer says why on a hit too (RFC 8914 1, 2, 27)
      out.ede = hit->entry->ede;
      out.ede_text = hit->entry->ede_text;
    }
    co_return for_client(std::move(out), checking_disabled);
  }
  // RFC 9520: a question that failed moments ago fails again without asking anyone. A refresh
  // (prefetch) is asked for explicitly and walks anyway; so does a serve-stale recheck, whose
  // own timer (30 s per entry) already keeps it from retrying a failure sooner. A CD client
  // asks for the data whatever its verdict: a remembered bogus answer is no answer for it.
  if (mode == RunMode::normal && !checking_disabled)
    if (auto failed = caches_.answers.failures().find(cache::FailureKey::question(question))) {
      // A bogus answer remembered keeps its reason (EDE 6-12): the client sees why, as the first time.
      Outcome out = dnssec_ede(failed->ede) ? Outcome::servfail(failed->ede, failed->why)
                                            : Outcome::servfail(ede::cached_error, "cached failure: " + failed->why);
      if (dnssec_ede(failed->ede)) out.security = dnssec::Security::bogus;
      out.from_cache = true;
      co_return for_client(std::move(out), checking_disabled);
    }
  // RFC 5452 §5 (birthday attacks) and plain thrift: one walk per question in flight.
  Outcome shared;
  auto flight = co_await inflight_.join(question, executor_, shared);
  if (!flight) {
    stats_.coalesced.fetch_add(1, std::memory_order_relaxed);
    shared.upstream_queries = 0;
    co_return for_client(std::move(shared), checking_disabled);
  }
  // An L1 miss asks the fleet's shared cache before walking (a refresh wants fresh data); the
  // in-flight table has made this the one lookup for the question.
  if (l2_ && !refresh) {
    if (std::optional<Outcome> shared_answer = co_await from_second_level(question)) {
      flight->finish(*shared_answer);
      co_return for_client(std::move(*shared_answer), checking_disabled);
    }
  }
  Budget budget;
  budget.spend->deadline = std::chrono::steady_clock::now() + limits::resolution_deadline;
  if (refresh) budget.bypass = question;
  budget.past_zone_failures = mode == RunMode::stale_recheck;
  budget.client_question = question;
  budget.routes = options_.routes;
  budget.dnssec = options_.dnssec;
  Outcome out;
  std::string error;
  try {
    out = co_await walk(question, budget);
  } catch (const std::exception& e) {
    error = e.what();
    out = Outcome::servfail(ede::other, "internal error");
  }
  budget.spend->finished = true;  // NS lookups still running send nothing more
  // Cancelled: the client gave way to the bound on resolutions in flight (walk_admission.hpp).
  // Its cut-short walk says nothing about the question: nothing is remembered or cached.
  if ((co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none) {
    out = Outcome::servfail(ede::other, std::string(shed_reason));
    out.upstream_queries = budget.spend->upstream;
    flight->finish(out);
    co_return out;
  }
  if (!error.empty())
    log::error("resolving {} {}: {}", question.name.to_text(), dns::type_to_text(question.type), error);
  out.upstream_queries = budget.spend->upstream;
  if (!budget.spend->limit.empty()) {
    stats_.limit_hits.fetch_add(1, std::memory_order_relaxed);
    log::info("{} {}: limit {} reached", question.name.to_text(), dns::type_to_text(question.type), budget.spend->limit);
  }
  if (out.security == dnssec::Security::bogus && out.ede_text.find("limit") != std::string::npos) {
    stats_.validation_limit_hits.fetch_add(1, std::memory_order_relaxed);
    log::info("{} {}: validation stopped by a limit: {}", question.name.to_text(), dns::type_to_text(question.type),
              out.ede_text);
  }
  if (out.security == dnssec::Security::bogus && options_.dnssec && options_.dnssec->log_bogus)
    log::warning("DNSSEC bogus: {} {}: EDE {} {}", question.name.to_text(), dns::type_to_text(question.type),
                 out.ede.value_or(0), out.ede_text);
  remember_outcome(question, out);
  // A bogus answer is not cached: CD=0 clients must never get it (the failure cache remembers it).
  if ((out.rcode == dns::rcode::noerror || out.rcode == dns::rcode::nxdomain) &&
      out.security != dnssec::Security::bogus) {
    // Clients get the TTLs the cache keeps (clamped by cache-min/max-ttl), on a miss as on a hit.
    if (auto stored = caches_.answers.insert(question, out.rcode, out.answer, out.authority, out.security,
                                                   out.ede, out.ede_text)) {
      cache::AnswerSections sections = stored->records();  // the TTLs as clamped by the cache
      out.answer = std::move(sections.answer);
      out.authority = std::move(sections.authority);
      if (l2_) l2_->store(question, *stored);  // the fleet learns it too
    }
  }
  flight->finish(out);
  co_return for_client(std::move(out), checking_disabled);
}

asio::awaitable<std::optional<Outcome>> Resolver::from_second_level(const dns::Question& question) {
  std::optional<cache::L2Answer> value = co_await l2_->fetch(question);
  if (!value) co_return std::nullopt;
  // Into L1 as a walk's answer goes (TTLs clamped the same way); its records as stored there.
  std::shared_ptr<const cache::CachedAnswer> stored =
      caches_.answers.insert(question, value->rcode, std::move(value->answer), std::move(value->authority),
                             value->security, value->ede, std::move(value->ede_text));
  if (!stored) co_return std::nullopt;
  Outcome out;
  out.rcode = stored->rcode;
  cache::AnswerSections sections = stored->records();
  out.answer = std::move(sections.answer);
  out.authority = std::move(sections.authority);
  out.from_cache = true;
  out.security = options_.dnssec ? stored->security : dnssec::Security::indeterminate;
  if (stored->ede) {
    out.ede = stored->ede;
    out.ede_text = stored->ede_text;
  }
  co_return out;
}

Outcome Resolver::for_client(Outcome out, bool checking_disabled) {
  using dnssec::Security;
  if (options_.dnssec) {
    switch (out.security) {
      case Security::secure: stats_.answers_secure.fetch_add(1, std::memory_order_relaxed); break;
      case Security::insecure: stats_.answers_insecure.fetch_add(1, std::memory_order_relaxed); break;
      case Security::indeterminate: stats_.answers_indeterminate.fetch_add(1, std::memory_order_relaxed); break;
      case Security::bogus: {
        stats_.answers_bogus.fetch_add(1, std::memory_order_relaxed);
        switch (out.ede.value_or(dnssec::ede::dnssec_bogus)) {
          case dnssec::ede::signature_expired: stats_.bogus_signature_expired.fetch_add(1, std::memory_order_relaxed); break;
          case dnssec::ede::signature_not_yet_valid: stats_.bogus_signature_not_yet_valid.fetch_add(1, std::memory_order_relaxed); break;
          case dnssec::ede::dnskey_missing: stats_.bogus_dnskey_missing.fetch_add(1, std::memory_order_relaxed); break;
          case dnssec::ede::rrsigs_missing: stats_.bogus_rrsigs_missing.fetch_add(1, std::memory_order_relaxed); break;
          case dnssec::ede::no_zone_key_bit: stats_.bogus_no_zone_key_bit.fetch_add(1, std::memory_order_relaxed); break;
          case dnssec::ede::nsec_missing: stats_.bogus_nsec_missing.fetch_add(1, std::memory_order_relaxed); break;
          default: stats_.bogus_other.fetch_add(1, std::memory_order_relaxed); break;
        }
        break;
      }
    }
  }
  // RFC 6840 §5.9: CD=1 gets the data unvalidated; everyone else a SERVFAIL saying why.
  if (out.security == Security::bogus && !checking_disabled && out.rcode != dns::rcode::servfail) {
    Outcome failed = Outcome::servfail(out.ede.value_or(dnssec::ede::dnssec_bogus), out.ede_text);
    failed.security = Security::bogus;
    failed.upstream_queries = out.upstream_queries;
    failed.from_cache = out.from_cache;
    return failed;
  }
  return out;
}

void Resolver::remember_outcome(const dns::Question& question, const Outcome& out) {
  cache::FailureCache& failures = caches_.answers.failures();
  if (!failures.bounds().enabled()) return;
  const cache::FailureKey key = cache::FailureKey::question(question);
  if (out.rcode != dns::rcode::servfail && out.security != dnssec::Security::bogus) {
    failures.erase(key);  // it works again: a later failure starts the backoff afresh
    return;
  }
  // A failure that came from a remembered zone failure is that entry's to expire; an internal
  // error is tern's, not the authorities'.
  if (out.ede == ede::cached_error || out.ede_text == "internal error" || out.from_cache) return;
  const std::uint32_t ttl = failures.record(key, out.ede.value_or(ede::other), out.ede_text);
  log::info("{} {}: failure remembered for {} s ({})", question.name.to_text(), dns::type_to_text(question.type),
            ttl, out.ede_text);
}

std::optional<Resolver::Step> Resolver::remembered_zone_failure(const ZoneCut& cut, const Budget& budget) {
  // A serve-stale recheck goes past the mark: it is rate-limited per entry already, and a mark
  // kept for up to cache-max-failure-ttl would keep the stale answer coming that much longer
  // after the zone is back (RFC 8767 §5 retries every 30 s). It still records a new failure.
  if (budget.isolated || budget.past_zone_failures || cut.zone.is_root()) return std::nullopt;
  auto failed = caches_.answers.failures().find(cache::FailureKey::zone_of(cut.zone));
  if (!failed) return std::nullopt;
  return Step{StepKind::failed, {}, cut.zone, {}, ede::cached_error, "cached failure: " + failed->why};
}

void Resolver::remember_zone_failure(const ZoneCut& cut, const Budget& budget, const Step& failed) {
  // judge_zone_failure() says whether the failure is the zone's; a trace remembers nothing.
  if (budget.isolated) return;
  const std::uint32_t ttl =
      caches_.answers.failures().record(cache::FailureKey::zone_of(cut.zone), failed.ede, failed.why);
  if (ttl > 0) log::info("zone {}: failure of its servers remembered for {} s ({})", cut.zone.to_text(), ttl, failed.why);
}

asio::awaitable<Outcome> Resolver::walk(const dns::Question& question, Budget& budget) {
  Outcome out;
  out.rcode = dns::rcode::noerror;
  dns::Question current = question;
  std::vector<dns::Name> seen{question.name};
  // RFC 4035 §4.3: the answer is as secure as the weakest of its parts (each CNAME link, the
  // final RRset or the denial); indeterminate throughout when validation is off.
  out.security = budget.dnssec ? dnssec::Security::secure : dnssec::Security::indeterminate;
  while (true) {
    Step step = co_await resolve_name(current, budget);
    if (budget.dnssec && step.kind != StepKind::failed && out.security != dnssec::Security::bogus) {
      const dnssec::Verdict verdict = co_await validate_step(current, step, budget);
      note_security(step, verdict.security, budget);
      weaken(out, verdict);
    }
    out.answer.insert(out.answer.end(), step.records.begin(), step.records.end());
    out.authority.insert(out.authority.end(), step.proof.begin(), step.proof.end());
    // limits.hpp counts CNAME links, not steps: one reply may carry a whole in-zone chain.
    const auto links = std::count_if(out.answer.begin(), out.answer.end(),
                                     [](const dns::Record& rr) { return rr.type == dns::rrtype::CNAME; });
    if (step.kind != StepKind::failed && links > static_cast<std::ptrdiff_t>(limits::max_cname_hops)) {
      budget.spend->limit = "max-cname-hops";
      co_return Outcome::servfail(ede::other, "CNAME chain too long");
    }
    switch (step.kind) {
      case StepKind::answer:  // RFC 1034 §5.3.3 step 4 a: an answer or a name error (cached)
        co_return out;
      case StepKind::nxdomain:
        out.rcode = dns::rcode::nxdomain;
        [[fallthrough]];
      case StepKind::nodata:
        out.authority.insert(out.authority.end(), step.soa.begin(), step.soa.end());
        co_return out;
      case StepKind::failed:
        if (out.security == dnssec::Security::bogus) co_return out;  // the bogus link's reason says more
        co_return Outcome::servfail(step.ede, std::move(step.why));
      case StepKind::cname:
        break;
    }
    // Step 4 c: a CNAME (cached by then): change SNAME to its target and go back to step 1.
    if (std::find(seen.begin(), seen.end(), step.target) != seen.end())
      co_return Outcome::servfail(ede::other, "CNAME loop at " + step.target.to_text());
    seen.push_back(step.target);
    current.name = step.target;
  }
}

std::optional<Resolver::Step> Resolver::step_from_cache(const dns::Question& q, const Budget& budget) {
  if (auto hit = budget.isolated ? std::nullopt : caches_.answers.find(q)) {
    Step step;
    const cache::AnswerSections sections = hit->entry->records();
    step.records = aged(sections.answer, hit->age);
    step.soa = aged(sections.authority, hit->age);
    step.kind = hit->entry->rcode == dns::rcode::nxdomain ? StepKind::nxdomain
                : holds_type(step.records, q.type) ? StepKind::answer
                                                   : StepKind::nodata;
    step.cached = hit->entry->security;
    if (step.kind == StepKind::answer) {  // a wildcard's proof is in the authority section
      step.proof = std::move(step.soa);
      step.soa.clear();
    }
    return step;
  }
  // Only answer-ranked data is served (RFC 2181 §5.4.1): glue and referral NS sets guide the
  // walk but are never handed to clients.
  auto answerable = [&](std::uint16_t type) -> std::shared_ptr<const cache::RRset> {
    auto set = known_rrset(budget, q.name, type);
    return set && set->trust >= cache::Trust::answer_nonauth ? set : nullptr;
  };
  auto served = [&](const cache::RRset& set) {
    std::vector<dns::Record> records = set.records;
    records.insert(records.end(), set.signatures.begin(), set.signatures.end());  // for DO clients
    for (auto& rr : records) rr.ttl = budget.isolated ? set.ttl : caches_.rrsets.remaining_ttl(set);
    return records;
  };
  if (auto set = answerable(q.type)) return Step{StepKind::answer, served(*set), q.name, {}, 0, {}, {}, {}, set->security};
  if (q.type != dns::rrtype::CNAME) {
    if (auto set = answerable(dns::rrtype::CNAME)) {
      if (auto target = dns::rdata_target(set->records.front()))
        return Step{StepKind::cname, served(*set), *target, {}, 0, {}, {}, {}, set->security};
    }
    // RFC 6672 §3.4: a cached DNAME above the name answers for it: the walk goes on at the
    // name it substitutes, with the CNAME synthesised here (the DNAME's remaining TTL).
    for (dns::Name above = q.name; !above.is_root();) {
      above = above.parent();
      auto set = known_rrset(budget, above, dns::rrtype::DNAME);
      if (!set || set->trust < cache::Trust::answer_nonauth || set->records.empty()) continue;
      auto target = dname_substitute(q.name, set->records.front());
      if (!target) break;
      std::vector<dns::Record> records = served(*set);
      records.push_back(synthesised_cname(q.name, *target, records.front()));
      return Step{StepKind::cname, std::move(records), *target, {}, 0, {}, {}, {}, set->security};
    }
  }
  return std::nullopt;
}

asio::awaitable<Resolver::Step> Resolver::resolve_name(const dns::Question& q, Budget& budget) {
  // RFC 1034 §5.3.3 step 1: see if the answer is in local information (the caches).
  if (budget.bypass != q)
    if (auto cached = step_from_cache(q, budget)) co_return *cached;
  // RFC 8198: a name inside a validated NSEC span does not exist; no need to ask.
  if (budget.dnssec && budget.dnssec->aggressive_nsec && budget.bypass != q && !budget.isolated)
    if (auto denied = aggressive_denial(q, budget)) co_return std::move(*denied);
  // A DS record lives at the parent side of a cut (RFC 4035 §3.1.4.1).
  const dns::Name start = q.type == dns::rrtype::DS ? q.name.parent() : q.name;
  if (const ZoneRoute* route = budget.routes ? budget.routes->closest(start) : nullptr;
      route && route->kind == ZoneRoute::Kind::forward) {
    if (auto forwarded = co_await forward(q, *route, budget)) co_return std::move(*forwarded);
    // forward-first: the forwarders failed, so walk from the root as if there were none.
    if (!route->forward_first || !budget.spend->limit.empty())
      co_return Step{StepKind::failed, {}, q.name, {}, budget.spend->limit.empty() ? ede::no_reachable_authority : ede::other,
                     budget.spend->limit.empty() ? "no forwarder of " + route->zone.to_text() + " answered"
                                          : "limit " + budget.spend->limit + " reached"};
  }
  // Step 2: find the best servers to ask (the closest enclosing zone cut known).
  ZoneCut cut = co_await closest_cut(start, budget);
  bool minimise = options_.qname_minimisation != QnameMinimisation::off && q.type != dns::rrtype::DS;
  std::size_t revealed = cut.zone.label_count();  // RFC 9156: labels of q.name shown so far
  unsigned minimise_steps = 0, referrals = 0;
  bool hints_tried = false;
  while (true) {
    if (auto failed = remembered_zone_failure(cut, budget)) co_return std::move(*failed);
    dns::Question ask = q;
    bool minimised = false;
    const std::size_t next =
        minimised_label_count(std::max(revealed, cut.zone.label_count()), q.name.label_count(), minimise_steps);
    if (minimise && next < q.name.label_count() && budget.spend->minimised < limits::max_minimised_queries) {
      // RFC 9156 §3: one more label than the cut, type A (NS draws odd answers from some).
      ask = dns::Question{q.name.suffix(next), dns::rrtype::A, q.klass};
      minimised = true;
      ++minimise_steps;
      ++budget.spend->minimised;
    }
    // Steps 3 and 4: send queries until one returns a usable response (ask_zone).
    auto got = co_await ask_zone(cut, ask, budget);
    if (!got) {
      // An NS lookup no longer wanted: its servers did not fail, nothing is remembered of them.
      if (abandoned(budget)) co_return Step{StepKind::failed, {}, q.name, {}, ede::other, "abandoned"};
      // The primed root servers all failed: the hinted ones not among them may still answer
      // (a priming answer naming servers this host cannot reach). Once per name.
      if (cut.zone.is_root() && !cut.route && !hints_tried && budget.spend->limit.empty()) {
        hints_tried = true;
        ZoneCut hinted = make_cut(dns::Name(), hints_.ns, hints_.addresses, budget);
        std::erase_if(hinted.addresses, [&](const asio::ip::address& a) {
          return std::find(cut.addresses.begin(), cut.addresses.end(), a) != cut.addresses.end();
        });
        if (!hinted.addresses.empty()) {
          log::info("{}: the primed root servers failed; asking the hinted ones", q.name.to_text());
          cut = std::move(hinted);
          continue;
        }
      }
      if (minimised && budget.spend->limit.empty() && options_.qname_minimisation == QnameMinimisation::relaxed) {
        minimise = false;  // relaxed: a server that fails on the short name may take the full one
        continue;
      }
      if (!budget.spend->limit.empty())
        co_return Step{StepKind::failed, {}, q.name, {}, ede::other, "limit " + budget.spend->limit + " reached"};
      // Step 4 d with no server left to ask: the cut failed (exchange_verdict.hpp).
      ZoneFailure failure = judge_zone_failure(cut.zone, cut.failures);
      Step failed{StepKind::failed, {}, q.name, {}, failure.ede, std::move(failure.why)};
      if (failure.zone_wide) remember_zone_failure(cut, budget, failed);
      co_return failed;
    }
    Classification& cls = got->cls;
    if (cls.kind == ResponseKind::referral) {
      // Step 4 b: a better delegation: cache it and go back to step 2 with its servers.
      if (++referrals > limits::max_referrals) {
        budget.spend->limit = "max-referrals";
        co_return Step{StepKind::failed, {}, q.name, {}, ede::other, "too many referrals"};
      }
      store_rrsets(cls.ns, cache::Trust::referral, got->server, budget);
      store_rrsets(cls.glue, cache::Trust::glue, got->server, budget);
      // RFC 4035 §3.1.4: the child's DS set (or the proof it has none) came with the referral:
      // the validator takes it from here instead of asking for it.
      if (!cls.proof.empty()) budget.spend->delegations[cls.child_zone] = {cut.zone, cls.proof};
      cut = make_cut(cls.child_zone, cls.ns, cls.glue, budget);
      revealed = cut.zone.label_count();
      continue;
    }
    if (minimised) {
      if (cls.kind == ResponseKind::nxdomain && options_.qname_minimisation == QnameMinimisation::strict) {
        // RFC 8020: nothing exists below a name that does not exist.
        std::vector<dns::Record> soa = cls.soa;
        soa.insert(soa.end(), cls.proof.begin(), cls.proof.end());
        co_return Step{StepKind::nxdomain, {}, ask.name, std::move(soa), 0, {}, {}, cut.zone, {}};
      }
      remember_minimised(ask, *got, budget);
      // A DNAME met on the way down redirects the whole name (RFC 6672 with RFC 9156): the
      // cache, which holds it now, synthesises the CNAME for the name asked.
      if (cls.kind == ResponseKind::cname && holds_type(cls.chain, dns::rrtype::DNAME))
        if (auto redirected = step_from_cache(q, budget)) co_return std::move(*redirected);
      if (cls.kind == ResponseKind::nxdomain || cls.kind == ResponseKind::cname) {
        minimise = false;  // broken empty-non-terminal handling, or an alias: ask in full
      } else {
        revealed = ask.name.label_count();  // it exists and is no cut: show one more label
      }
      continue;
    }
    // Step 4 a (an answer or a name error: cache it, return) or 4 c (a CNAME: cache it; the
    // walk changes SNAME and goes back to step 1).
    co_return final_step(*got, budget, cut.zone);
  }
}

void Resolver::remember_minimised(const dns::Question& ask, const Answered& got, const Budget& budget) {
  // With validation on, what is kept must be validated first, and minimised replies are not
  // (the walk validates the steps it ends with): the next walk asks again.
  if (budget.dnssec) return;
  const Classification& cls = got.cls;
  if (cls.kind == ResponseKind::answer || cls.kind == ResponseKind::cname) {
    store_rrsets(cls.chain, got.reply.aa ? cache::Trust::answer_auth : cache::Trust::answer_nonauth, got.server,
                 budget, cls.signatures);
  } else if (cls.kind == ResponseKind::nodata && cls.chain.empty() && !budget.isolated) {
    caches_.answers.insert(ask, dns::rcode::noerror, {}, cls.soa);
  }
}

Resolver::Step Resolver::final_step(const Answered& got, Budget& budget, const dns::Name& zone) {
  const Classification& cls = got.cls;
  auto trust = got.reply.aa ? cache::Trust::answer_auth : cache::Trust::answer_nonauth;
  // The client's own question answered directly (no CNAME): its answer-cache entry holds it.
  // Not an NS set, though: the zone's own NS set (and its servers' addresses beside it) replaces
  // the parent's referral data for the walks that follow (RFC 2181 §5.4.1), which read the
  // RRset cache only.
  const bool child_ns = cls.kind == ResponseKind::answer && got.reply.aa && holds_type(cls.chain, dns::rrtype::NS);
  if (child_ns) store_rrsets(got.reply.additional, cache::Trust::glue, got.server, budget);
  const bool answer_cache_only = cls.kind == ResponseKind::answer && budget.client_question && !child_ns &&
                                 !cls.chain.empty() &&
                                 std::all_of(cls.chain.begin(), cls.chain.end(), [&](const dns::Record& rr) {
                                   return rr.owner == budget.client_question->name &&
                                          rr.type == budget.client_question->type;
                                 });
  if (!answer_cache_only) store_rrsets(cls.chain, trust, got.server, budget, cls.signatures);
  // The chain's RRSIGs and a negative answer's proof travel with it, after the records they
  // sign: the caches keep them and DO clients get them (RFC 4035 §3.2.1).
  std::vector<dns::Record> records = cls.chain;
  records.insert(records.end(), cls.signatures.begin(), cls.signatures.end());
  std::vector<dns::Record> soa = cls.soa;
  soa.insert(soa.end(), cls.proof.begin(), cls.proof.end());
  switch (cls.kind) {
    case ResponseKind::answer: return Step{StepKind::answer, std::move(records), cls.target, {}, 0, {}, cls.proof, zone, {}};
    case ResponseKind::cname: return Step{StepKind::cname, std::move(records), cls.target, {}, 0, {}, {}, zone, {}};
    case ResponseKind::nxdomain:
      return Step{StepKind::nxdomain, std::move(records), cls.target, std::move(soa), 0, {}, {}, zone, {}};
    default: return Step{StepKind::nodata, std::move(records), cls.target, std::move(soa), 0, {}, {}, zone, {}};
  }
}

}  // namespace tern::resolver
