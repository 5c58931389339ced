#include "daemon/answering/query_handler.hpp"

#include "daemon/config/access_control.hpp"
#include "daemon/answering/client_case.hpp"
#include "daemon/answering/hit_response.hpp"
#include "daemon/answering/minimal_any.hpp"
#include "daemon/answering/query_admission.hpp"
#include "daemon/answering/responder.hpp"
#include "resolver/log.hpp"

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include <string>

namespace tern::daemon {

void QueryHandler::count_response(std::span<const std::uint8_t> response) {
  if (response.size() >= dns::header_size) {
    DaemonStats::bump(stats_.responses_by_rcode[response[3] & 0xF]);
    if (response[2] & 0x02) DaemonStats::bump(stats_.truncated_udp);
  }
}

std::vector<std::uint8_t> QueryHandler::counted(std::vector<std::uint8_t> response) {
  count_response(response);
  return response;
}

namespace {

/// How the query log names a resolved outcome: a failure remembered (the question's or a
/// zone's, RFC 9520) is the failure cache's answer, anything else a miss.
CacheResult resolved_from(const resolver::Outcome& outcome) {
  return outcome.ede == resolver::ede::cached_error ? CacheResult::failure : CacheResult::miss;
}

/// The counter of queries received over `transport`: DoT is counted as its own transport
/// (queries.tls), plain TCP as tcp.
std::atomic<std::uint64_t>& queries_counter(DaemonStats& stats, ClientTransport transport) {
  switch (transport) {
    case ClientTransport::udp: return stats.queries_udp;
    case ClientTransport::tcp: return stats.queries_tcp;
    case ClientTransport::tls: return stats.queries_tls;
    case ClientTransport::https: return stats.queries_https;
  }
  return stats.queries_tcp;
}

}  // namespace

/// The client's question name as written in its packet, when it is written in place and is
/// `name_length` octets long; empty when the client wrote it as a compression pointer (into the
/// header): copying `name_length` octets from there would read past the datagram (found by
/// tests/fuzz/fuzz_wire). Responses then carry the canonical name.
std::span<const std::uint8_t> client_qname(std::span<const std::uint8_t> query, std::size_t name_length) {
  std::size_t end = 0;
  if (dns::read_name(query, dns::header_size, end, nullptr) != dns::WireError::none ||
      end - dns::header_size != name_length)
    return {};
  return query.subspan(dns::header_size, name_length);
}

/// Puts the client's own spelling of the question name back into a response built from the
/// canonical (lower-cased) name: 0x20-randomising clients compare it octet for octet. The
/// question is the first name of both messages and of the same length (see client_qname).
std::vector<std::uint8_t> with_client_case(std::vector<std::uint8_t> response,
                                           std::span<const std::uint8_t> query, std::size_t name_length) {
  const std::span<const std::uint8_t> name = client_qname(query, name_length);
  if (response.size() >= dns::header_size + name_length && name.size() == name_length &&
      dns::read_u16(response, 4) == 1)
    std::copy_n(name.begin(), name_length, response.begin() + dns::header_size);
  return response;
}

namespace {

/// The remaining TTL of a resolved answer as served: its smallest record TTL (the SOA's for a
/// negative answer), 0 when there is none (SERVFAIL).
std::uint32_t answer_ttl(const resolver::Outcome& outcome) {
  const auto& records = outcome.answer.empty() ? outcome.authority : outcome.answer;
  std::optional<std::uint32_t> smallest;
  for (const dns::Record& r : records) smallest = std::min(smallest.value_or(r.ttl), r.ttl);
  return smallest.value_or(0);
}

}  // namespace

void QueryHandler::record_answer(std::chrono::steady_clock::time_point started, const asio::ip::address& client,
                                 const dns::Question& question, std::span<const std::uint8_t> response,
                                 CacheResult cache, std::uint32_t ttl, unsigned upstream,
                                 resolver::dnssec::Security security) {
  const auto latency =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
  stats_.observe_latency(latency);
  if (!query_log_.enabled()) return;
  const std::string name = question.name.to_text();
  const std::uint8_t rcode = response.size() >= dns::header_size ? response[3] & 0xF : dns::rcode::servfail;
  query_log_.write(QueryLogEntry{client, name, question.type, rcode, cache, ttl, upstream, latency, security});
}

bool QueryHandler::answer_from_cache(std::span<const std::uint8_t> packet, const asio::ip::address& client,
                                     ClientTransport transport, std::vector<std::uint8_t>& out) {
  using dns::read_u16;
  const ClientPolicy& policy = *policy_;
  // The query log's one cost on the hot path when off: this load and the tests of it.
  const bool logging = query_log_.enabled();
  std::chrono::steady_clock::time_point hit_started{};
  if (logging) hit_started = std::chrono::steady_clock::now();
  // QR=0, opcode QUERY, RD=1; one question, no answer or authority, at most the OPT.
  if (packet.size() < dns::header_size || (packet[2] & 0xF9) != 0x01 || read_u16(packet, 4) != 1 ||
      read_u16(packet, 6) != 0 || read_u16(packet, 8) != 0 || read_u16(packet, 10) > 1)
    return false;
  if (decide_access(policy.access_control, client) != AclAction::allow) return false;
  records_scratch_.clear();
  if (dns::check_message(packet, &records_scratch_) != dns::WireError::none) return false;
  name_scratch_.clear();
  std::size_t end = 0;
  dns::read_name(packet, dns::header_size, end, &name_scratch_);
  // The response copies the client's question name from the packet, as long as the expanded
  // name: a question written as a pointer (into the header) is left to handle() (client_qname).
  if (end - dns::header_size != name_scratch_.size()) return false;
  const std::uint16_t qtype = read_u16(packet, end), qclass = read_u16(packet, end + 2);
  if (qclass != dns::class_in || qtype == dns::rrtype::OPT || qtype == dns::rrtype::AXFR || qtype == dns::rrtype::IXFR)
    return false;
  bool edns = false, dnssec_ok = false;
  std::uint16_t client_size = 0;
  if (!records_scratch_.empty()) {
    const dns::RecordRef& opt = records_scratch_.front();
    if (opt.type != dns::rrtype::OPT || ((opt.ttl >> 16) & 0xFF) != 0) return false;
    edns = true;
    dnssec_ok = opt.ttl & 0x8000u;
    client_size = opt.klass;
  }
  // Local zones win over the cache (a reload may have made a cached name local): leave
  // their names to handle(). One hash probe for names outside every local zone's ancestry.
  if (policy.local_zones && policy.local_zones->covers(name_scratch_)) return false;
  // Response policy zones: a query a client-IP or QNAME trigger matches is left to handle().
  // Without zones this is one test of a pointer; with them, a hash probe per zone (and one
  // per label for wildcards) on a name that is already in the L1 cache.
  const rpz::PolicySet* rpz = rpz_.get();
  rpz::Address16 client16{};
  if (rpz) {
    client16 = rpz::address16(client);
    if (rpz->matches_before(name_scratch_, client16)) return false;
  }
  dns::CookieOption cookie;
  bool has_cookie = false;
  if (edns && policy.cookies) {
    const dns::RecordRef& opt = records_scratch_.front();
    const std::string_view options(reinterpret_cast<const char*>(packet.data()) + opt.rdata_offset, opt.rdlength);
    const dns::CookieParse found = dns::find_cookie(options, cookie);
    if (found == dns::CookieParse::malformed) return false;  // handle() answers FORMERR
    has_cookie = found == dns::CookieParse::ok;
  }
  // An NSID request is left to handle(), which adds the option (RFC 5001): a rare query.
  if (edns && policy.identity && !policy.identity->nsid_option.empty()) {
    const dns::RecordRef& opt = records_scratch_.front();
    if (asks_nsid(std::string_view(reinterpret_cast<const char*>(packet.data()) + opt.rdata_offset, opt.rdlength)))
      return false;
  }
  probe_.question.name.assign_checked_wire(name_scratch_);
  probe_.question.type = qtype;
  probe_.question.klass = qclass;
  std::optional<cache::AnswerHit> hit = answers_.lookup(probe_);
  if (!hit || hit->expired) return false;
  if (rpz && policy_may_rewrite(*rpz, *hit->entry, client16)) return false;
  DaemonStats::bump(queries_counter(stats_, transport));
  DaemonStats::bump(stats_.cache_hits);
  const bool prefetching = maybe_prefetch(*hit, probe_.question, policy);
  HitRequest request{read_u16(packet, 0), true, (packet[3] & 0x10) != 0, qtype,
                     packet.subspan(dns::header_size, name_scratch_.size()), edns, dnssec_ok,
                     max_response_size(edns, client_size, is_stream(transport),
                                       policy.edns_buffer_size),
                     (packet[3] & 0x20) != 0};  // AD: the client understands it (RFC 6840 §5.7)
  resolver_.count_cached_answer(hit->entry->security);
  // A client cookie gets its server cookie here too: the cached wire form never holds one.
  if (has_cookie) answer_cookie(*policy.cookies, cookie, client, unix_now(), cookie_scratch_);
  make_hit_response(*hit->entry, request,
                    HitServing{hit->age, std::nullopt, std::nullopt, policy.edns_buffer_size,
                               has_cookie ? std::string_view(cookie_scratch_) : std::string_view()},
                    out);
  count_response(out);
  if (logging) {
    // Only with the query log on does a hit read the clock (twice: its latency is the time
    // spent here, the datagram's wait in the socket buffer is not seen).
    record_answer(hit_started, client, probe_.question, out,
                  prefetching ? CacheResult::prefetch : CacheResult::hit, hit->remaining, 0, hit->entry->security);
  } else {
    // A hit answered inline takes microseconds: counted in the first latency bucket without a
    // clock reading, so the hot path stays as it was (man ternd(8), METRICS).
    DaemonStats::bump(stats_.latency_buckets[0]);
  }
  return true;
}

bool QueryHandler::maybe_prefetch(const cache::AnswerHit& hit, const dns::Question& question,
                                  const ClientPolicy& policy) {
  // Unbound's rule: a hit in the last tenth of the original TTL refreshes the entry once, so
  // popular names never expire in front of a client.
  if (!policy.prefetch || hit.remaining * 10 > hit.entry->ttl) return false;
  if (hit.entry->prefetching.exchange(true)) return false;
  // The hit is answered either way; the refresh waits for a free place, never takes one.
  if (!start_background(resolver_.refresh(question), [](std::exception_ptr, resolver::Outcome) {})) {
    hit.entry->prefetching.store(false);  // a later hit may try again
    return false;
  }
  DaemonStats::bump(stats_.prefetches);
  return true;
}

bool QueryHandler::start_background(asio::awaitable<resolver::Outcome> resolution,
                                    std::function<void(std::exception_ptr, resolver::Outcome)> done) {
  if (!admission_) {
    asio::co_spawn(resolver_.executor(), std::move(resolution), std::move(done));
    return true;
  }
  // The cancellation signal lives as long as the resolution's completion handler; giving way
  // reaches it through a weak pointer (no cycle through the slot that holds give_way).
  struct Background {
    asio::cancellation_signal cancel;
    bool finished = false;  ///< the handler ran: the signal's slot is no longer the walk's
    bool shed = false;      ///< gave way to a client's resolution: whatever it threw is no bug
  };
  auto background = std::make_shared<Background>();
  std::unique_ptr<WalkAdmission::Slot> slot =
      admission_->admit(WalkAdmission::Kind::background, [weak = std::weak_ptr<Background>(background)] {
        if (auto b = weak.lock(); b && !b->finished) {
          b->shed = true;
          b->cancel.emit(asio::cancellation_type::terminal);
        }
      });
  if (!slot) return false;
  auto& signal = background->cancel;
  asio::co_spawn(resolver_.executor(), std::move(resolution),
                 asio::bind_cancellation_slot(
                     signal.slot(), [background = std::move(background), slot = std::move(slot),
                                     done = std::move(done)](std::exception_ptr error, resolver::Outcome outcome) mutable {
                       background->finished = true;
                       slot.reset();  // its place is free before the callback runs
                       if (background->shed) done(nullptr, resolver::Outcome::servfail(resolver::ede::other, std::string(resolver::shed_reason)));
                       else done(error, std::move(outcome));
                     }));
  return true;
}

asio::awaitable<std::optional<resolver::Outcome>> QueryHandler::resolve_or_stale(
    const dns::Question& question, const cache::AnswerHit& stale, const ClientPolicy& policy) {
  const std::int64_t now = answers_.clock().now().time_since_epoch().count();
  const std::int64_t last = stale.entry->stale_refresh_at.load(std::memory_order_relaxed);
  if (last != 0 && now - last < std::chrono::duration_cast<cache::Duration>(stale_recheck_interval).count())
    co_return std::nullopt;  // refreshed in vain moments ago: do not hammer a dead authority
  stale.entry->stale_refresh_at.store(now, std::memory_order_relaxed);
  // Resolve in the background; answer with whatever is there when the client timer fires.
  struct Race {
    explicit Race(const asio::any_io_executor& ex, std::chrono::milliseconds t)
        : timer(ex, std::chrono::steady_clock::now() + t) {}
    asio::steady_timer timer;
    std::optional<resolver::Outcome> outcome;
  };
  auto race = std::make_shared<Race>(resolver_.executor(), policy.stale_client_timeout);
  // With the bound on resolutions in flight reached, the stale answer is served without a
  // recheck (the next one comes after stale_recheck_interval).
  const bool started = start_background(
      start_resolution(question, Resolution::stale_recheck),
      [race, this, question](std::exception_ptr error, resolver::Outcome outcome) {
        // A refresh that threw failed: the client gets the stale answer, the bug is counted. A
        // recheck that gave way to the bound is no bug.
        if (error) note_internal_error(error, "refreshing the stale answer of " + question.name.to_text());
        else race->outcome = std::move(outcome);
        race->timer.cancel();
      });
  if (!started) co_return std::nullopt;
  co_await race->timer.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
  if (race->outcome && race->outcome->rcode != dns::rcode::servfail) co_return race->outcome;
  co_return std::nullopt;
}

asio::awaitable<resolver::Outcome> QueryHandler::resolve_unless_abandoned(const dns::Question& question,
                                                                           Resolution kind) {
  struct Wait {
    explicit Wait(const asio::any_io_executor& ex) : timer(ex, asio::steady_timer::time_point::max()) {}
    asio::steady_timer timer;
    std::optional<resolver::Outcome> outcome;
    std::exception_ptr error;  ///< what ended the resolution, if it threw
    asio::cancellation_signal cancel;  ///< cancels the resolution when it gives way
    bool finished = false;  ///< the resolution's handler ran: cancel no longer reaches it
    bool shed = false;      ///< gave way to a newer resolution (walk_admission.hpp)
  };
  auto wait = std::make_shared<Wait>(resolver_.executor());
  std::unique_ptr<WalkAdmission::Slot> slot;
  if (admission_) {
    slot = admission_->admit(WalkAdmission::Kind::client, [wait] {
      wait->shed = true;
      wait->timer.cancel();
      if (!wait->finished) wait->cancel.emit(asio::cancellation_type::terminal);
    });
    if (!slot) co_return resolver::Outcome::servfail(resolver::ede::other, std::string(resolver::shed_reason));
  }
  asio::co_spawn(resolver_.executor(), start_resolution(question, kind),
                 asio::bind_cancellation_slot(wait->cancel.slot(),
                                              [wait](std::exception_ptr error, resolver::Outcome outcome) {
                                                wait->finished = true;
                                                if (error) wait->error = error;
                                                else wait->outcome = std::move(outcome);
                                                wait->timer.cancel();
                                              }));
  waiting_.insert(&wait->timer);
  co_await wait->timer.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
  waiting_.erase(&wait->timer);
  if (wait->shed) co_return resolver::Outcome::servfail(resolver::ede::other, std::string(resolver::shed_reason));
  // Not a SERVFAIL made up here: handle()'s catch-all answers it, counts it and logs it.
  if (wait->error) std::rethrow_exception(wait->error);
  if (wait->outcome) co_return std::move(*wait->outcome);
  co_return resolver::Outcome::servfail(resolver::ede::other, "resolver shutting down");
}

void QueryHandler::abandon_resolutions() {
  for (asio::steady_timer* timer : waiting_) timer->cancel();
}

asio::awaitable<resolver::Outcome> QueryHandler::start_resolution(dns::Question question, Resolution kind) {
  if (resolution_for_tests_) return resolution_for_tests_(std::move(question));
  if (kind == Resolution::stale_recheck) return resolver_.recheck_stale(std::move(question));
  return resolver_.resolve(std::move(question), kind == Resolution::checking_disabled);
}

void QueryHandler::note_internal_error(std::exception_ptr error, std::string_view during) noexcept {
  DaemonStats::bump(stats_.internal_errors);
  try {
    log::error("internal error {}: {}", during, log::describe(error));  // rate-limited per message kind
  } catch (...) {
    // The line is best effort (memory may be what ran out); the counter has it.
  }
}

std::optional<std::vector<std::uint8_t>> QueryHandler::internal_error(std::span<const std::uint8_t> packet,
                                                                      const asio::ip::address& client,
                                                                      std::exception_ptr error) noexcept {
  try {
    note_internal_error(error, "answering " + client.to_string());
    // Never an answer where handle() would have sent none: to a response (reflection) or to
    // a client access-control drops.
    if (packet.size() < dns::header_size || (packet[2] & 0x80) ||
        decide_access(policy_->access_control, client) == AclAction::deny)
      return std::nullopt;
    dns::Message query;
    if (dns::parse_message(packet, query) != dns::WireError::none || query.questions.size() != 1)
      return std::nullopt;  // no ID and question to answer: a drop
    return counted(make_error(query, dns::rcode::servfail, policy_->edns_buffer_size, resolver::ede::other));
  } catch (...) {
    return std::nullopt;
  }
}

std::optional<std::vector<std::uint8_t>> QueryHandler::turn_away(const QueryAdmission& admission,
                                                                   std::span<const std::uint8_t> packet,
                                                                   std::uint16_t edns, std::string_view cookie_reply) {
  switch (admission.verdict) {
    case Admission::drop_unreadable: DaemonStats::bump(stats_.dropped_unreadable); return std::nullopt;
    case Admission::drop_denied: DaemonStats::bump(stats_.acl_dropped); return std::nullopt;
    case Admission::drop_response: DaemonStats::bump(stats_.dropped_responses); return std::nullopt;
    case Admission::formerr_unparsable:
      DaemonStats::bump(stats_.malformed[static_cast<std::size_t>(admission.wire_error)]);
      return counted(*make_header_formerr(packet));
    case Admission::badvers:
      // Counted here: the rcode's high bits are in the OPT, the header says NOERROR.
      DaemonStats::bump(stats_.responses_by_rcode[dns::rcode::badvers]);
      return make_error(admission.query, admission.rcode, edns, admission.ede, cookie_reply);
    case Admission::refused_by_acl: DaemonStats::bump(stats_.acl_refused); break;
    default: break;
  }
  std::vector<std::uint8_t> response = make_error(admission.query, admission.rcode, edns, admission.ede, cookie_reply);
  if (admission.client_spelling)
    response = with_client_case(std::move(response), packet, admission.query.questions.front().name.wire().size());
  return counted(std::move(response));
}

std::optional<std::vector<std::uint8_t>> QueryHandler::answer_locally(
    LocalAnswer& local, const dns::Message& query, std::span<const std::uint8_t> packet, std::size_t max_size,
    std::uint16_t edns, std::string_view cookie_reply, const asio::ip::address& client,
    std::chrono::steady_clock::time_point started) {
  if (local.drop) {
    DaemonStats::bump(stats_.local_dropped);
    return std::nullopt;
  }
  DaemonStats::bump(stats_.local_answers);
  // RFC 8914: a local-zone refusal says it is policy (18, prohibited).
  if (local.outcome.rcode == dns::rcode::refused) local.outcome.ede = resolver::ede::prohibited;
  std::vector<std::uint8_t> response = make_response(query, local.outcome, max_size, edns, cookie_reply);
  // AA, as Unbound: ternd is the authority for its local zones (not for a refusal).
  if (local.outcome.rcode != dns::rcode::refused && response.size() > 2) response[2] |= 0x04;
  const dns::Question& question = query.questions.front();
  record_answer(started, client, question, response, CacheResult::local, answer_ttl(local.outcome), 0);
  return counted(with_client_case(std::move(response), packet, question.name.wire().size()));
}

std::optional<std::vector<std::uint8_t>> QueryHandler::any_from_cache(const dns::Question& question,
                                                                        const HitRequest& request, std::uint16_t edns,
                                                                        std::string_view cookie_reply,
                                                                        const asio::ip::address& client,
                                                                        std::chrono::steady_clock::time_point started) {
  for (std::uint16_t type : minimal_any_cached_types) {
    const dns::Question cached_question{question.name, type, question.klass};
    std::optional<cache::AnswerHit> cached = answers_.lookup(cached_question);
    if (!cached || cached->expired ||
        (cached->entry->rcode == dns::rcode::noerror && !cached->entry->has_answer_records()))
      continue;
    DaemonStats::bump(stats_.cache_hits);
    std::vector<std::uint8_t> out;
    make_hit_response(*cached->entry, request, HitServing{cached->age, std::nullopt, std::nullopt, edns, cookie_reply}, out);
    resolver_.count_cached_answer(cached->entry->security);
    record_answer(started, client, question, out, CacheResult::hit, cached->remaining, 0, cached->entry->security);
    return counted(std::move(out));
  }
  return std::nullopt;
}

asio::awaitable<std::optional<std::vector<std::uint8_t>>> QueryHandler::handle(
    std::vector<std::uint8_t> packet, asio::ip::address client, ClientTransport transport) {
  std::exception_ptr error;
  try {
    co_return co_await answer_query(packet, client, transport);
  } catch (...) {
    error = std::current_exception();  // no co_await inside a handler: answered below
  }
  co_return internal_error(packet, client, error);
}

asio::awaitable<std::optional<std::vector<std::uint8_t>>> QueryHandler::answer_query(
    const std::vector<std::uint8_t>& packet, const asio::ip::address& client, ClientTransport transport) {
  // Keep the policy alive for this query even if a reload replaces it meanwhile.
  std::shared_ptr<const ClientPolicy> policy = policy_;
  const auto started = std::chrono::steady_clock::now();
  const std::uint16_t edns = policy->edns_buffer_size;
  DaemonStats::bump(queries_counter(stats_, transport));
  // A NOTIFY (opcode 4) for a policy zone from its primary: its transfer starts now.
  if (rpz_notify_ && packet.size() >= dns::header_size && ((packet[2] >> 3) & 0xF) == 4 && !(packet[2] & 0x80))
    co_return answer_notify(packet, client);
  QueryAdmission admission = admit_query(packet, client, *policy);
  // RFC 7873 §5.2: a client cookie is answered with our server cookie in every response.
  std::string cookie_reply;
  if (admission.client_cookie)
    answer_cookie(*policy->cookies, admission.client_cookie->view(), client, unix_now(), cookie_reply);
  // RFC 5001: an NSID option asked for is answered in every response, errors included.
  if (policy->identity && !policy->identity->nsid_option.empty() && admission.query.edns &&
      asks_nsid(admission.query.edns->options))
    cookie_reply += policy->identity->nsid_option;
  const bool local = admission.verdict == Admission::local_zone || admission.verdict == Admission::server_identity;
  if (admission.verdict != Admission::accepted && !local) co_return turn_away(admission, packet, edns, cookie_reply);
  const dns::Message& query = admission.query;
  const std::size_t max_size = max_response_size(query, is_stream(transport), edns);
  if (local)
    co_return answer_locally(*admission.local, query, packet, max_size, edns, cookie_reply, client, started);

  if (std::shared_ptr<const rpz::PolicySet> rpz = rpz_)
    co_return co_await answer_with_policy(*rpz, query, packet, client, transport, policy, cookie_reply, max_size, started);
  co_return co_await answer_accepted(query, packet, client, policy, cookie_reply, max_size, started);
}

asio::awaitable<QueryHandler::MaybeResponse> QueryHandler::answer_accepted(
    const dns::Message& query, const std::vector<std::uint8_t>& packet, const asio::ip::address& client,
    const std::shared_ptr<const ClientPolicy>& policy, const std::string& cookie_reply, std::size_t max_size,
    std::chrono::steady_clock::time_point started) {
  const std::uint16_t edns = policy->edns_buffer_size;
  const dns::Question& question = query.questions.front();
  const std::size_t name_length = question.name.wire().size();
  HitRequest request{query.id, query.rd, query.cd, question.type, client_qname(packet, name_length),
                     query.edns.has_value(), query.edns && query.edns->dnssec_ok, max_size, query.ad};
  if (question.type == dns::rrtype::ANY) {
    // RFC 8482: one RRset, from the cache when one is there, else one walk; never a fan-out.
    if (auto cached = any_from_cache(question, request, edns, cookie_reply, client, started)) co_return std::move(cached);
    DaemonStats::bump(stats_.cache_misses);
    const dns::Question resolved_question{question.name, minimal_any_resolved_type, question.klass};
    resolver::Outcome resolved = co_await resolve_unless_abandoned(
        resolved_question, query.cd ? Resolution::checking_disabled : Resolution::client);
    resolver::Outcome any = minimal_any_outcome(std::move(resolved), question.name);
    std::vector<std::uint8_t> response =
        with_client_case(make_response(query, any, max_size, edns, cookie_reply), packet, name_length);
    record_answer(started, client, question, response, resolved_from(any), answer_ttl(any), any.upstream_queries,
                  any.security);
    co_return counted(std::move(response));
  }
  co_return co_await answer_question(question, query, packet, request, client, policy, cookie_reply, started);
}

asio::awaitable<std::optional<std::vector<std::uint8_t>>> QueryHandler::answer_question(
    const dns::Question& question, const dns::Message& query, const std::vector<std::uint8_t>& packet,
    const HitRequest& request, const asio::ip::address& client, const std::shared_ptr<const ClientPolicy>& policy,
    const std::string& cookie_reply, std::chrono::steady_clock::time_point started) {
  const std::uint16_t edns = policy->edns_buffer_size;
  std::optional<cache::AnswerHit> hit = answers_.lookup(question);
  if (hit && !hit->expired) {
    DaemonStats::bump(stats_.cache_hits);
    const bool prefetching = maybe_prefetch(*hit, question, *policy);
    std::vector<std::uint8_t> out;
    make_hit_response(*hit->entry, request,
                      HitServing{hit->age, std::nullopt, std::nullopt, edns, cookie_reply}, out);
    resolver_.count_cached_answer(hit->entry->security);
    record_answer(started, client, question, out, prefetching ? CacheResult::prefetch : CacheResult::hit,
                  hit->remaining, 0, hit->entry->security);
    co_return counted(std::move(out));
  }
  DaemonStats::bump(stats_.cache_misses);
  std::optional<resolver::Outcome> outcome;
  if (hit && policy->serve_stale && hit->age - hit->entry->ttl <= policy->serve_stale_max) {
    outcome = co_await resolve_or_stale(question, *hit, *policy);
    if (!outcome) {
      DaemonStats::bump(stats_.stale_answers);
      std::vector<std::uint8_t> out;
      // RFC 8914: a stale NXDOMAIN has its own code (19), every other stale answer 3.
      const std::uint16_t ede = hit->entry->rcode == dns::rcode::nxdomain ? resolver::ede::stale_nxdomain_answer
                                                                         : resolver::ede::stale_answer;
      make_hit_response(*hit->entry, request, HitServing{hit->age, stale_answer_ttl, ede, edns, cookie_reply}, out);
      record_answer(started, client, question, out, CacheResult::stale, stale_answer_ttl, 0, hit->entry->security);
      co_return counted(std::move(out));
    }
  } else {
    outcome = co_await resolve_unless_abandoned(question, query.cd ? Resolution::checking_disabled : Resolution::client);
  }
  std::vector<std::uint8_t> response = with_client_case(
      make_response(query, *outcome, request.max_size, edns, cookie_reply), packet, question.name.wire().size());
  record_answer(started, client, question, response, resolved_from(*outcome), answer_ttl(*outcome),
                outcome->upstream_queries, outcome->security);
  co_return counted(std::move(response));
}

}  // namespace tern::daemon
